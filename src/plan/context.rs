//! Part of stage 3 (plan): everything one bundle's templates read: node preparation,
//! packages, the kubeadm documents and the shared PKI. Built here, in Rust, so the
//! templates only branch on prepared values.

use serde::Serialize;

use crate::layout::CA_CERT_PATH;
use crate::model::cluster::{Cluster, Node};
use crate::plan::apiserver::{self, AuditFiles, ConfigFile};
use crate::plan::bake::{BakePlan, bake_plan};
use crate::plan::containerd::{ContainerdPlan, containerd_plan};
use crate::plan::extras::{self, Extras};
use crate::plan::kube_vip::{self, KubeVipPlan};
use crate::plan::kubeadm::NODE_NAME_PLACEHOLDER;
use crate::plan::kubeadm_step::{Init, Join, kubeadm_steps};
use crate::plan::node_wait::{NodeWait, node_wait};
use crate::plan::packages::{self, AptRepo};
use crate::plan::proxy::{self, ProxyPlan};
use crate::plan::recovery::recovery;
use crate::plan::retries::{RETRIES, Retries};
use crate::plan::role::{Role, Step};
use crate::secrets::CheckedSecrets;

/// Everything a bundle's templates may read.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Context {
    pub kubeprint_version: &'static str,
    pub cluster_name: String,
    pub role: Role,
    /// Operating system id (`ubuntu-20.04`, ...).
    pub os: &'static str,
    /// What `/etc/os-release` says on that OS: `ID` and `VERSION_ID`, which the bundle
    /// checks before it changes anything.
    pub os_release: OsRelease,
    pub arch: &'static str,
    pub kubernetes_version: String,
    /// `kubernetes.image_repository`, for the image build's `kubeadm config images pull`.
    pub image_repository: Option<String>,
    /// What the image build pulls besides kubeadm's images, and the CNI manifest it keeps.
    pub bake: BakePlan,
    pub kernel_modules: Vec<&'static str>,
    pub modules_file: String,
    pub sysctl_file: String,
    pub sysctls: Vec<Sysctl>,
    pub apt_prerequisites: Vec<&'static str>,
    pub crio_repos: Vec<AptRepo>,
    pub crio_packages: Vec<&'static str>,
    /// `crio_packages` as apt-get installs them: `cri-o` pinned when the cluster pins it.
    pub crio_package_pins: Vec<String>,
    /// CRI-O's own bridge network config, removed so pods never get addresses from it
    /// before the cluster CNI is up.
    pub crio_bridge_configs: Vec<&'static str>,
    /// The container runtime: its name, CRI socket and (containerd) what it installs.
    pub runtime: RuntimePlan,
    pub kube_repos: Vec<AptRepo>,
    /// `name=version` arguments for apt-get.
    pub kube_package_pins: Vec<String>,
    pub kube_packages: Vec<&'static str>,
    /// The node's name when known ahead (inventory); otherwise the hostname at boot
    /// replaces `node_name_placeholder` in the kubeadm configuration.
    pub node_name: Option<String>,
    pub node_name_placeholder: &'static str,
    pub endpoint: String,
    /// Shared PKI files every control plane installs (secret: control planes only).
    pub pki_files: Vec<PkiFile>,
    pub init: Option<Init>,
    pub join: Option<Join>,
    /// What `wait-for-node` waits for once kubeadm (and the CNI) are done.
    pub node_wait: NodeWait,
    pub admin_user: Option<String>,
    /// The user's ssh keys, files and commands for this role.
    pub extras: Extras,
    /// The HTTP(S) proxy; the same in every bundle and the image build.
    pub proxy: Option<ProxyPlan>,
    /// kubeadm's pause image, which the `cri-o` step makes CRI-O's `pause_image`
    /// (see `model::images::kubeadm_pause`); `None`
    /// where kubeprint does not know it (CRI-O's own default then stays).
    pub crio_pause_image: Option<String>,
    /// CRI-O's registry mirrors and their CA; `None` without `registries.mirrors`.
    pub registries: Option<crate::plan::registries::RegistriesPlan>,
    /// How often transient failures are retried; the same in every bundle.
    pub retries: Retries,
    /// kube-vip's static pod on control planes with `kubernetes.vip`.
    pub kube_vip: Option<KubeVipPlan>,
    /// The API server's EncryptionConfiguration; it holds the key: control planes only.
    pub encryption_config: Option<ConfigFile>,
    /// The API server's audit policy and log directory: control planes only.
    pub audit: Option<AuditFiles>,
}

impl Context {
    /// What bake steps may see: no PKI, token, kubeadm configuration or user additions,
    /// so a template that reached for a secret in a bake step fails to render instead
    /// of baking it into an image.
    pub(crate) fn for_bake(&self) -> Context {
        Context {
            pki_files: Vec::new(),
            init: None,
            join: None,
            extras: Extras::default(),
            encryption_config: None,
            audit: None,
            ..self.clone()
        }
    }
}

/// The node's container runtime, as every template that talks to it reads it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RuntimePlan {
    /// `cri-o` or `containerd`.
    pub name: &'static str,
    /// The CRI endpoint kubeadm, the kubelet and crictl use.
    pub cri_socket: &'static str,
    /// containerd's packages and files; `None` on CRI-O nodes.
    pub containerd: Option<ContainerdPlan>,
}

pub(crate) fn runtime_plan(cluster: &Cluster) -> RuntimePlan {
    RuntimePlan {
        name: cluster.runtime.name(),
        cri_socket: crate::plan::containerd::cri_socket(&cluster.runtime),
        containerd: containerd_plan(cluster),
    }
}

/// `ID` and `VERSION_ID` of `/etc/os-release` (freedesktop.org os-release(5)): `ubuntu`
/// and `24.04`, `debian` and `12`. Every OS id is `ID-VERSION_ID` (model/matrix `OSES`).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct OsRelease {
    pub id: &'static str,
    pub version_id: &'static str,
}

fn os_release(os: &'static str) -> OsRelease {
    let (id, version_id) = os.split_once('-').unwrap_or((os, ""));
    OsRelease { id, version_id }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Sysctl {
    pub key: &'static str,
    pub value: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct PkiFile {
    pub path: &'static str,
    pub mode: &'static str,
    pub content: String,
}

/// What the repository steps need before they can add a repository. apt speaks https
/// itself since 1.5 (every supported OS has 2.0 or newer); `apt-transport-https` is at
/// most a dummy package there, so it is not asked for.
pub(crate) const APT_PREREQUISITES: &[&str] = &["ca-certificates", "curl", "gpg"];

pub(crate) fn context(
    cluster: &Cluster,
    secrets: &CheckedSecrets,
    role: Role,
    node: Option<&Node>,
    steps: &[Step],
) -> Context {
    let (kernel_modules, sysctls) = kernel_settings();
    let modules_file = kernel_modules.iter().map(|m| format!("{m}\n")).collect();
    let sysctl_file = sysctls
        .iter()
        .map(|s| format!("{} = {}\n", s.key, s.value))
        .collect();
    let endpoint = cluster.endpoint.host_port();
    let recovery = recovery(
        role,
        steps,
        crate::plan::containerd::cri_socket(&cluster.runtime),
    );
    let (init, join) = kubeadm_steps(cluster, secrets, role, node, &endpoint, recovery);
    let control_plane = role != Role::Worker;
    let (crio_repos, crio_packages) = packages::crio_repos(cluster);
    Context {
        kubeprint_version: env!("CARGO_PKG_VERSION"),
        cluster_name: cluster.name.clone(),
        role,
        os: cluster.os.id,
        os_release: os_release(cluster.os.id),
        arch: cluster.arch,
        kubernetes_version: cluster.version.to_string(),
        image_repository: cluster.image_repository.clone(),
        bake: bake_plan(cluster),
        kernel_modules,
        modules_file,
        sysctl_file,
        sysctls,
        apt_prerequisites: APT_PREREQUISITES.to_vec(),
        crio_package_pins: packages::crio_package_pins(cluster),
        crio_repos,
        crio_packages,
        crio_bridge_configs: crate::layout::CRIO_BRIDGE_CONFIGS.to_vec(),
        runtime: runtime_plan(cluster),
        kube_repos: vec![packages::kube_repo(cluster)],
        kube_package_pins: packages::kube_package_pins(cluster),
        kube_packages: packages::KUBE_PACKAGES.to_vec(),
        node_name: node.map(|n| n.name.clone()),
        node_name_placeholder: NODE_NAME_PLACEHOLDER,
        endpoint,
        pki_files: if control_plane {
            pki_files(secrets)
        } else {
            Vec::new()
        },
        init,
        join,
        node_wait: node_wait(cluster, role),
        admin_user: control_plane.then(|| cluster.admin_user.clone()),
        extras: extras::extras(cluster, role, secrets.redacted),
        proxy: proxy::proxy_plan(cluster),
        crio_pause_image: crate::model::images::kubeadm_pause(cluster),
        registries: crate::plan::registries::registries_plan(cluster),
        retries: RETRIES,
        kube_vip: kube_vip::kube_vip_plan(cluster, role),
        encryption_config: apiserver::encryption_config(cluster, secrets).filter(|_| control_plane),
        audit: apiserver::audit_files(cluster).filter(|_| control_plane),
    }
}

/// The guide's node preparation: the modules CRI-O and the bridge sysctls need, and
/// the sysctls kubeadm's preflight checks.
fn kernel_settings() -> (Vec<&'static str>, Vec<Sysctl>) {
    let sysctl = |key| Sysctl { key, value: "1" };
    (
        vec!["overlay", "br_netfilter"],
        vec![
            sysctl("net.bridge.bridge-nf-call-iptables"),
            sysctl("net.ipv4.ip_forward"),
            sysctl("net.bridge.bridge-nf-call-ip6tables"),
        ],
    )
}

/// kubeadm's shared set: exactly what control planes must have in common (copying
/// more, such as the API server certificate, would carry the wrong SANs).
fn pki_files(secrets: &CheckedSecrets) -> Vec<PkiFile> {
    let s = &secrets.secrets;
    let mut files = vec![
        PkiFile {
            path: CA_CERT_PATH,
            mode: "0644",
            content: s.cluster_ca.certificate.clone(),
        },
        PkiFile {
            path: "/etc/kubernetes/pki/ca.key",
            mode: "0600",
            content: s.cluster_ca.private_key.expose().to_string(),
        },
    ];
    if let Some(sa) = &s.service_account {
        files.push(PkiFile {
            path: "/etc/kubernetes/pki/sa.key",
            mode: "0600",
            content: sa.private_key.expose().to_string(),
        });
        files.push(PkiFile {
            path: "/etc/kubernetes/pki/sa.pub",
            mode: "0644",
            content: sa.public_key.clone(),
        });
    }
    if let Some(ca) = &s.front_proxy_ca {
        files.push(PkiFile {
            path: "/etc/kubernetes/pki/front-proxy-ca.crt",
            mode: "0644",
            content: ca.certificate.clone(),
        });
        files.push(PkiFile {
            path: "/etc/kubernetes/pki/front-proxy-ca.key",
            mode: "0600",
            content: ca.private_key.expose().to_string(),
        });
    }
    if let Some(ca) = &s.etcd_ca {
        files.push(PkiFile {
            path: "/etc/kubernetes/pki/etcd/ca.crt",
            mode: "0644",
            content: ca.certificate.clone(),
        });
        files.push(PkiFile {
            path: "/etc/kubernetes/pki/etcd/ca.key",
            mode: "0600",
            content: ca.private_key.expose().to_string(),
        });
    }
    files
}
