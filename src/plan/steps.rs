//! Part of stage 3 (plan): which steps each role runs, in order, and which an image
//! build bakes. Pure: `explain` shows them without any secrets.

use crate::artifact::Stage::{self, Bake, Boot};
use crate::model::cluster::Cluster;
use crate::plan::{Role, RolePlan, Step};

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

/// Steps whose text embeds a private key, the bootstrap token or the encryption key.
const SECRET_STEPS: &[&str] = &["pki", "encryption-config", "kubeadm-init", "kubeadm-join"];

/// The ordered steps of a role, numbered from 01. The cluster's options add steps to
/// control planes, right after the PKI.
pub fn steps(role: Role, cluster: &Cluster) -> Vec<Step> {
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
    PREPARE
        .iter()
        .chain(&boot)
        .enumerate()
        .map(|(i, &(name, summary, stage))| Step {
            id: format!("{:02}-{name}", i + 1),
            template: name,
            summary,
            stage,
            secret: SECRET_STEPS.contains(&name),
        })
        .collect()
}

/// Scripts only an image build runs, after the bundle's bake steps (templates in
/// `templates/image/`).
const IMAGE_ONLY_STEPS: &[(&str, &str)] = &[
    (
        "pull-images",
        "pre-pull the control-plane images with the CRI-O socket, so nodes start without waiting on registries",
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
pub fn image_steps(bundle: &RolePlan) -> Vec<Step> {
    let mut steps: Vec<Step> = bundle
        .steps
        .iter()
        .filter(|s| s.stage == Stage::Bake)
        .cloned()
        .collect();
    for (name, summary) in IMAGE_ONLY_STEPS {
        steps.push(Step {
            id: format!("{:02}-{name}", steps.len() + 1),
            template: name,
            summary,
            stage: Stage::Bake,
            secret: false,
        });
    }
    steps
}

/// Whether a step of [`image_steps`] is an image-only script, not a bundle step.
pub fn is_image_only(step: &Step) -> bool {
    IMAGE_ONLY_STEPS
        .iter()
        .any(|(name, _)| *name == step.template)
}
