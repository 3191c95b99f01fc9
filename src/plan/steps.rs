//! Part of stage 3 (plan): which steps each role runs, in order, and which an image
//! build bakes (kube-vip's steps with `kubernetes.vip`). Pure: `explain` shows them
//! without any secrets.
//!
//! The user's own steps (ssh keys, files, commands) exist only when the definition
//! asks for them, and only among the boot steps, so the bake steps stay 01-05 and the
//! same for every role.

use crate::artifact::Stage::{self, Bake, Boot};
use crate::model::cluster::{Cluster, Runtime};
use crate::plan::extras::{self, Extras};
use crate::plan::kube_vip;
use crate::plan::node_wait::node_wait;
use crate::plan::role::{Role, Step};

/// A step's template name, its one-line purpose for reviewers, and its stage.
type StepDef = (&'static str, &'static str, Stage);

/// Every role prepares the node the same way; none of this holds a secret, so it may
/// be baked into an image.
const PREPARE: &[StepDef] = &[
    (
        "disable-swap",
        "turn swap off now and comment it out of /etc/fstab: the kubelet refuses to run with swap",
        Bake,
    ),
    (
        "kernel-modules",
        "load overlay and br_netfilter now and at every boot (CRI-O storage, bridged pod traffic)",
        Bake,
    ),
    (
        "sysctl",
        "let iptables see bridged traffic and enable IP forwarding, persistently",
        Bake,
    ),
    (
        "cri-o",
        "install CRI-O from its repository for this Kubernetes minor, hold it and start it",
        Bake,
    ),
    (
        "kube-packages",
        "install kubelet, kubeadm and kubectl pinned to the cluster version, and hold them",
        Bake,
    ),
];

/// With `runtime.name: containerd`, these take the place of the same-named steps.
const CONTAINERD_MODULES: StepDef = (
    "kernel-modules",
    "load overlay and br_netfilter now and at every boot (containerd's storage, bridged pod traffic)",
    Bake,
);
const CONTAINERD: StepDef = (
    "containerd",
    "install containerd.io from Docker's repository, pinned and held, with kubeprint's config.toml (CRI on, systemd cgroups, kubeadm's pause image), and start it",
    Bake,
);

const PKI: StepDef = (
    "pki",
    "install the pre-generated shared PKI (CAs, service-account keys) so every control plane and the CA hash workers pin are known before boot",
    Boot,
);
/// Control planes only, after the PKI and before kubeadm starts the API server, which
/// reads these files from its first start (`kubernetes.encryption_at_rest`, `audit_log`).
/// Joining control planes need them too: their API servers get the flags from the
/// cluster's stored ClusterConfiguration (kubernetes/kubernetes cmd/kubeadm/app/cmd/join.go
/// `fetchInitConfigurationFromJoinConfiguration`, at 4a0c9815ca9cd448b1e839a19997657a691e7bfd).
const ENCRYPTION: StepDef = (
    "encryption-config",
    "install the API server's encryption configuration (secretbox key from the secrets file, root-only), the same on every control plane, so Secrets are encrypted in etcd from the first write",
    Boot,
);
const AUDIT: StepDef = (
    "audit-policy",
    "install the API server's audit policy and create its log directory, so requests are logged from the first start",
    Boot,
);
const WAIT: StepDef = (
    "wait-for-api",
    "wait, with a bounded retry, until the control plane's API server answers",
    Boot,
);
/// Last of kubeprint's steps on every role (plan/node_wait decides which), so `complete`
/// means the node is in the cluster. Its own step: a run after a timeout waits again
/// instead of skipping it.
const NODE_READY: StepDef = (
    "wait-for-node",
    "wait, with a bounded retry, until the API server reports this node Ready (its pod network is up)",
    Boot,
);
const NODE_REGISTERED: StepDef = (
    "wait-for-node",
    "wait, with a bounded retry, until the API server has this node's Node object",
    Boot,
);
const ADMIN: StepDef = (
    "admin-kubeconfig",
    "give the admin user a kubeconfig (~/.kube/config) owned by that user",
    Boot,
);

const FIRST_CONTROL_PLANE: &[StepDef] = &[
    PKI,
    (
        "kubeadm-init",
        "initialize the control plane with the rendered kubeadm configuration and bootstrap token",
        Boot,
    ),
    ADMIN,
    (
        "cni",
        "apply the pinned pod network manifest, matched to the pod subnet",
        Boot,
    ),
];
const JOINING_CONTROL_PLANE: &[StepDef] = &[
    PKI,
    WAIT,
    (
        "kubeadm-join",
        "join as a control plane with the bootstrap token and the shared PKI, pinning the cluster CA by its hash",
        Boot,
    ),
    ADMIN,
];
const WORKER: &[StepDef] = &[
    WAIT,
    (
        "kubeadm-join",
        "join the cluster with the bootstrap token, pinning the cluster CA by its hash",
        Boot,
    ),
];

/// With `kubernetes.vip`: the first control plane writes kube-vip's static pod before
/// `kubeadm init`, which waits for the endpoint (the VIP) to answer (kube-vip/website,
/// content/docs/installation/static.md, steps 1-6).
const KUBE_VIP_BEFORE_INIT: StepDef = (
    "kube-vip",
    "write the pinned kube-vip static pod, so the VIP (the endpoint) answers while kubeadm init brings up the API server",
    Boot,
);
/// The same before 1.29 init, from 1.29 with super-admin.conf (kube-vip/kube-vip#684).
const KUBE_VIP_SUPER_ADMIN: StepDef = (
    "kube-vip",
    "write the pinned kube-vip static pod with super-admin.conf (admin.conf has no rights until kubeadm init ends, 1.29+), so the VIP answers during init",
    Boot,
);
const KUBE_VIP_ADMIN_CONF: StepDef = (
    "kube-vip-admin-conf",
    "point kube-vip back at admin.conf now that kubeadm init is done (super-admin.conf is break-glass only)",
    Boot,
);
/// Joining control planes add kube-vip once `kubeadm join` wrote their admin.conf
/// (static.md step 8: the manifest goes to the others after they joined).
const KUBE_VIP_AFTER_JOIN: StepDef = (
    "kube-vip",
    "write the pinned kube-vip static pod (admin.conf), so this control plane can take over the VIP",
    Boot,
);

const SSH_KEYS: StepDef = (
    "ssh-keys",
    "add ssh_authorized_keys to the admin user's ~/.ssh/authorized_keys; keys already there stay",
    Boot,
);
const FILES: StepDef = (
    "files",
    "write the files cluster.yaml lists for this role, root-owned, with their modes",
    Boot,
);
const COMMANDS_PRE: StepDef = (
    "commands-pre",
    "run commands.pre from cluster.yaml in order, as root with bash, right before kubeadm",
    Boot,
);
const COMMANDS_POST: StepDef = (
    "commands-post",
    "run commands.post from cluster.yaml in order, as root with bash, after every other step",
    Boot,
);

/// Steps whose text embeds a private key, the bootstrap token or the encryption key,
/// and the user's files and commands, which may hold credentials of their own: all
/// kept root-only.
const SECRET_STEPS: &[&str] = &[
    "pki",
    "encryption-config",
    "kubeadm-init",
    "kubeadm-join",
    "files",
    "commands-pre",
    "commands-post",
];

/// The ordered steps of a role, numbered from 01. The cluster's options add steps to
/// control planes, right after the PKI.
pub(crate) fn steps(cluster: &Cluster, role: Role) -> Vec<Step> {
    let boot = match role {
        Role::ControlPlane => FIRST_CONTROL_PLANE,
        Role::ControlPlaneJoin => JOINING_CONTROL_PLANE,
        Role::Worker => WORKER,
    };
    let mut boot = boot.to_vec();
    if let Some(after_pki) = boot.iter().position(|s| s.0 == PKI.0).map(|i| i + 1) {
        let options = [
            (cluster.encryption_at_rest, ENCRYPTION),
            (cluster.audit_log, AUDIT),
        ];
        let added = options.into_iter().filter(|(on, _)| *on).map(|(_, s)| s);
        boot.splice(after_pki..after_pki, added);
    }
    boot.push(if node_wait(cluster, role).ready {
        NODE_READY
    } else {
        NODE_REGISTERED
    });
    let boot = match cluster.vip {
        Some(_) => with_kube_vip(&boot, role, kube_vip::needs_super_admin(cluster)),
        None => boot,
    };
    // Step details name files and commands, never their content: redaction is moot.
    let extras = extras::extras(cluster, role, false);
    let containerd = matches!(cluster.runtime, Runtime::Containerd { .. });
    let mut defs: Vec<(StepDef, Vec<String>)> = PREPARE
        .iter()
        .map(|d| match d.0 {
            "cri-o" if containerd => (CONTAINERD, Vec::new()),
            "kernel-modules" if containerd => (CONTAINERD_MODULES, Vec::new()),
            _ => (*d, Vec::new()),
        })
        .collect();
    defs.extend(user_boot_steps(&extras));
    for def in boot {
        if def.0.starts_with("kubeadm-") && !extras.pre.is_empty() {
            defs.push((COMMANDS_PRE, extras::commands_detail(&extras.pre)));
        }
        defs.push((def, Vec::new()));
    }
    if !extras.post.is_empty() {
        defs.push((COMMANDS_POST, extras::commands_detail(&extras.post)));
    }
    defs.into_iter()
        .enumerate()
        .map(|(i, ((name, summary, stage), detail))| Step {
            id: format!("{:02}-{name}", i + 1),
            template: name,
            summary,
            stage,
            secret: SECRET_STEPS.contains(&name),
            detail,
        })
        .collect()
}

/// The first boot steps, when asked for: the ssh keys (so an operator can log in to
/// look at whatever comes next), then the files (in place before anything reads them).
fn user_boot_steps(extras: &Extras) -> Vec<(StepDef, Vec<String>)> {
    let mut defs = Vec::new();
    if !extras.ssh_keys.is_empty() {
        defs.push((SSH_KEYS, extras::ssh_detail(extras)));
    }
    if !extras.files.is_empty() {
        defs.push((FILES, extras::files_detail(extras)));
    }
    defs
}

/// A role's boot steps with kube-vip's around its kubeadm step.
fn with_kube_vip(boot: &[StepDef], role: Role, super_admin: bool) -> Vec<StepDef> {
    let mut out = Vec::new();
    for &step in boot {
        match (role, step.0) {
            (Role::ControlPlane, "kubeadm-init") if super_admin => {
                out.extend([KUBE_VIP_SUPER_ADMIN, step, KUBE_VIP_ADMIN_CONF]);
            }
            (Role::ControlPlane, "kubeadm-init") => out.extend([KUBE_VIP_BEFORE_INIT, step]),
            (Role::ControlPlaneJoin, "kubeadm-join") => out.extend([step, KUBE_VIP_AFTER_JOIN]),
            _ => out.push(step),
        }
    }
    out
}

/// Scripts only an image build runs, after the bundle's bake steps (templates in
/// `templates/image/`).
const IMAGE_ONLY_STEPS: &[(&str, &str)] = &[
    (
        "pull-images",
        "pre-pull every image a node runs (kubeadm's, the CNI manifest's, the VIP's) through CRI-O and keep the pinned CNI manifest, so nodes from the image download nothing",
    ),
    (
        "record-bake",
        "record which kubeprint plan baked this image (checked by user-data.baked.yaml)",
    ),
    (
        "sysprep",
        "generalize the image: clean cloud-init, empty machine-id, remove SSH host keys",
    ),
];

/// What an image build runs, in order: the bundle's bake steps, then the image-only
/// scripts (pre-pull, bake record, sysprep).
pub(crate) fn image_steps(bundle_steps: &[Step]) -> Vec<Step> {
    let mut steps: Vec<Step> = bundle_steps
        .iter()
        .filter(|s| s.stage == Stage::Bake)
        .cloned()
        .collect();
    let containerd = steps.iter().any(|s| s.template == CONTAINERD.0);
    for (name, summary) in IMAGE_ONLY_STEPS {
        let summary = match *name {
            "pull-images" if containerd => {
                "pre-pull the control-plane images with the containerd socket, so nodes start without waiting on registries"
            }
            _ => summary,
        };
        steps.push(Step {
            id: format!("{:02}-{name}", steps.len() + 1),
            template: name,
            summary,
            stage: Stage::Bake,
            secret: false,
            detail: Vec::new(),
        });
    }
    steps
}

/// Whether a step of [`image_steps`] is an image-only script, not a bundle step.
pub(crate) fn is_image_only(step: &Step) -> bool {
    IMAGE_ONLY_STEPS
        .iter()
        .any(|(name, _)| *name == step.template)
}
