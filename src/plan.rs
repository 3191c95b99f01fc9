//! Stage 3, plan: [`Cluster`] + [`CheckedSecrets`] + the release matrix → [`Plan`], every
//! role's ordered steps with the exact values each step template needs.
//!
//! All decisions live here, in Rust: repositories, package pins, API versions, which
//! steps a role runs, which files carry secrets. Templates only loop and branch on what
//! this module prepares.

use serde::Serialize;

use crate::kubeadm::{self, KubeadmInputs, NODE_NAME_PLACEHOLDER};
use crate::matrix::{CrioRepo, KubeRepo};
use crate::secrets::CheckedSecrets;
use crate::validate::{self, Cluster, CniPlugin};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    ControlPlane,
    Worker,
}

impl Role {
    pub fn dir(self) -> &'static str {
        match self {
            Role::ControlPlane => "control-plane",
            Role::Worker => "worker",
        }
    }
}

/// Whether a step may be baked into an image (no secrets, no cluster identity) or must
/// run when the node boots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Bake,
    Boot,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// `NN-name`, the file name stem and the marker name on the node.
    pub id: String,
    /// Template under `templates/steps/`.
    pub template: &'static str,
    /// One line for reviewers: what the step does and why.
    pub summary: &'static str,
    pub stage: Stage,
    /// The step's text embeds a private key or the bootstrap token.
    pub secret: bool,
}

pub struct RolePlan {
    pub role: Role,
    pub steps: Vec<Step>,
    pub context: Context,
}

pub struct Plan {
    pub cluster_name: String,
    pub roles: Vec<RolePlan>,
}

/// Everything a role's templates may read.
#[derive(Debug, Clone, Serialize)]
pub struct Context {
    pub kubeprint_version: &'static str,
    pub cluster_name: String,
    pub role: Role,
    pub kubernetes_version: String,
    pub kernel_modules: Vec<&'static str>,
    pub modules_file: String,
    pub sysctl_file: String,
    pub sysctls: Vec<Sysctl>,
    pub apt_prerequisites: Vec<&'static str>,
    pub crio_repos: Vec<AptRepo>,
    pub crio_packages: Vec<&'static str>,
    /// CRI-O's own bridge network config, removed so pods never get addresses from it
    /// before the cluster CNI is up.
    pub crio_bridge_configs: Vec<&'static str>,
    pub kube_repos: Vec<AptRepo>,
    /// `name=version` arguments for apt-get.
    pub kube_package_pins: Vec<String>,
    pub kube_packages: Vec<&'static str>,
    pub node_name_placeholder: &'static str,
    pub endpoint: String,
    pub control_plane: Option<ControlPlane>,
    pub worker: Option<Worker>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Sysctl {
    pub key: &'static str,
    pub value: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct AptRepo {
    pub name: &'static str,
    pub key_url: String,
    pub keyring: String,
    pub list_file: String,
    pub source_line: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ControlPlane {
    pub ca_certificate: String,
    /// Secret: only the control plane's artifacts carry it.
    pub ca_private_key: String,
    pub kubeadm_config: String,
    pub admin_user: String,
    pub cni: Option<CniPlan>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Worker {
    pub join_config: String,
    pub ca_cert_hash: String,
    pub healthz_url: String,
    pub wait_attempts: u32,
    pub wait_seconds: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct CniPlan {
    pub plugin: &'static str,
    pub manifest_url: String,
    pub manifest_file: String,
    /// Literal text replacements that make the manifest agree with the pod subnet.
    pub rewrites: Vec<Rewrite>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rewrite {
    pub from: String,
    pub to: String,
}

const KEYRINGS: &str = "/etc/apt/keyrings";
const OPENSUSE: &str = "https://download.opensuse.org/repositories";
/// Flannel's and Canal's manifests ship this pod network.
const FLANNEL_DEFAULT_NETWORK: &str = "10.244.0.0/16";

pub fn plan(cluster: &Cluster, secrets: &CheckedSecrets) -> Plan {
    let roles = [Role::ControlPlane, Role::Worker]
        .into_iter()
        .map(|role| RolePlan {
            role,
            steps: steps(role),
            context: context(cluster, secrets, role),
        })
        .collect();
    Plan {
        cluster_name: cluster.name.clone(),
        roles,
    }
}

fn steps(role: Role) -> Vec<Step> {
    let mut list: Vec<(&'static str, &'static str, &'static str, Stage)> = vec![
        (
            "disable-swap",
            "swap",
            "turn swap off now and comment it out of /etc/fstab: the kubelet refuses to run with swap",
            Stage::Bake,
        ),
        (
            "kernel-modules",
            "modules",
            "load overlay and br_netfilter now and at every boot (CRI-O storage, bridged pod traffic)",
            Stage::Bake,
        ),
        (
            "sysctl",
            "sysctl",
            "let iptables see bridged traffic and enable IP forwarding, persistently",
            Stage::Bake,
        ),
        (
            "cri-o",
            "crio",
            "install CRI-O from its repository for this Kubernetes minor, hold it and start it",
            Stage::Bake,
        ),
        (
            "kube-packages",
            "kube-packages",
            "install kubelet, kubeadm and kubectl pinned to the cluster version, and hold them",
            Stage::Bake,
        ),
    ];
    match role {
        Role::ControlPlane => list.extend([
            ("cluster-ca", "cluster-ca", "install the pre-generated cluster CA so the CA hash workers pin is known before boot", Stage::Boot),
            ("kubeadm-init", "kubeadm-init", "initialize the control plane with the rendered kubeadm configuration and bootstrap token", Stage::Boot),
            ("admin-kubeconfig", "admin-kubeconfig", "give the admin user a kubeconfig (~/.kube/config) owned by that user", Stage::Boot),
            ("cni", "cni", "apply the pinned pod network manifest, matched to the pod subnet", Stage::Boot),
        ]),
        Role::Worker => list.extend([
            ("wait-for-api", "wait-for-api", "wait, with a bounded retry, until the control plane's API server answers", Stage::Boot),
            ("kubeadm-join", "kubeadm-join", "join the cluster with the bootstrap token, pinning the cluster CA by its hash", Stage::Boot),
        ]),
    }
    list.into_iter()
        .enumerate()
        .map(|(i, (name, template, summary, stage))| Step {
            id: format!("{:02}-{name}", i + 1),
            template,
            summary,
            stage,
            secret: matches!(name, "cluster-ca" | "kubeadm-init" | "kubeadm-join"),
        })
        .collect()
}

fn context(cluster: &Cluster, secrets: &CheckedSecrets, role: Role) -> Context {
    let kernel_modules = vec!["overlay", "br_netfilter"];
    let sysctls = vec![
        Sysctl {
            key: "net.bridge.bridge-nf-call-iptables",
            value: "1",
        },
        Sysctl {
            key: "net.ipv4.ip_forward",
            value: "1",
        },
        Sysctl {
            key: "net.bridge.bridge-nf-call-ip6tables",
            value: "1",
        },
    ];
    let modules_file = kernel_modules.iter().map(|m| format!("{m}\n")).collect();
    let sysctl_file = sysctls
        .iter()
        .map(|s| format!("{} = {}\n", s.key, s.value))
        .collect();
    let endpoint = cluster.endpoint.host_port();

    let ca = &secrets.secrets.cluster_ca;
    let inputs = KubeadmInputs {
        api: cluster.release.kubeadm_api,
        cluster_name: &cluster.name,
        kubernetes_version: format!("v{}", cluster.version),
        endpoint: &endpoint,
        pod_subnet: cluster.pod_subnet.to_string(),
        service_subnet: cluster.service_subnet.to_string(),
        dns_domain: &cluster.dns_domain,
        cert_sans: &cluster.cert_sans,
        token: secrets.secrets.bootstrap_token.expose(),
        token_ttl: validate::go_duration(cluster.token_ttl_seconds),
        ca_cert_hash: &secrets.ca_cert_hash,
        node_name: NODE_NAME_PLACEHOLDER,
    };
    let (control_plane, worker) = match role {
        Role::ControlPlane => (
            Some(ControlPlane {
                ca_certificate: ca.certificate.clone(),
                ca_private_key: ca.private_key.expose().to_string(),
                kubeadm_config: kubeadm::init_config(&inputs),
                admin_user: cluster.admin_user.clone(),
                cni: cni_plan(cluster),
            }),
            None,
        ),
        Role::Worker => (
            None,
            Some(Worker {
                join_config: kubeadm::join_config(&inputs),
                ca_cert_hash: secrets.ca_cert_hash.clone(),
                healthz_url: format!("https://{endpoint}/healthz"),
                wait_attempts: 90,
                wait_seconds: 10,
            }),
        ),
    };

    let (crio_repos, crio_packages) = crio_repos(cluster);
    Context {
        kubeprint_version: env!("CARGO_PKG_VERSION"),
        cluster_name: cluster.name.clone(),
        role,
        kubernetes_version: cluster.version.to_string(),
        kernel_modules,
        modules_file,
        sysctl_file,
        sysctls,
        apt_prerequisites: vec!["apt-transport-https", "ca-certificates", "curl", "gpg"],
        crio_repos,
        crio_packages,
        crio_bridge_configs: vec![
            "/etc/cni/net.d/100-crio-bridge.conf",
            "/etc/cni/net.d/100-crio-bridge.conflist",
            "/etc/cni/net.d/10-crio-bridge.conflist",
        ],
        kube_repos: vec![kube_repo(cluster)],
        kube_package_pins: ["kubelet", "kubeadm", "kubectl"]
            .iter()
            .map(|p| format!("{p}={}", package_version(cluster)))
            .collect(),
        kube_packages: vec!["kubelet", "kubeadm", "kubectl"],
        node_name_placeholder: NODE_NAME_PLACEHOLDER,
        endpoint,
        control_plane,
        worker,
    }
}

/// The Debian package version of kubelet/kubeadm/kubectl for the cluster version.
fn package_version(cluster: &Cluster) -> String {
    match cluster.release.kube_repo {
        KubeRepo::Legacy => format!("{}-00", cluster.version),
        // pkgs.k8s.io appends an OBS revision (`-1.1`, sometimes higher): match any.
        KubeRepo::PkgsK8s => format!("{}-*", cluster.version),
    }
}

fn apt_repo(name: &'static str, url: &str, suite: &str, key_url: String) -> AptRepo {
    let keyring = format!("{KEYRINGS}/{name}-apt-keyring.gpg");
    AptRepo {
        name,
        source_line: format!("deb [signed-by={keyring}] {url} {suite}"),
        key_url,
        keyring,
        list_file: format!("/etc/apt/sources.list.d/{name}.list"),
    }
}

fn kube_repo(cluster: &Cluster) -> AptRepo {
    let m = &cluster.mirrors;
    if let Some(url) = &m.kubernetes_repo {
        let key = m
            .kubernetes_key
            .clone()
            .unwrap_or_else(|| join_url(url, "Release.key"));
        return apt_repo("kubernetes", url, "/", key);
    }
    match cluster.release.kube_repo {
        KubeRepo::Legacy => apt_repo(
            "kubernetes",
            "https://apt.kubernetes.io/",
            "kubernetes-xenial main",
            "https://packages.cloud.google.com/apt/doc/apt-key.gpg".into(),
        ),
        KubeRepo::PkgsK8s => {
            let url = format!(
                "https://pkgs.k8s.io/core:/stable:/v1.{}/deb/",
                cluster.release.minor
            );
            let key = format!("{url}Release.key");
            apt_repo("kubernetes", &url, "/", key)
        }
    }
}

fn crio_repos(cluster: &Cluster) -> (Vec<AptRepo>, Vec<&'static str>) {
    let minor = cluster.release.minor;
    let packages = match cluster.release.crio_repo {
        // Kubic split runc into its own package; later builds bundle it.
        CrioRepo::Kubic => vec!["cri-o", "cri-o-runc"],
        CrioRepo::PkgsK8sAddons | CrioRepo::Isv => vec!["cri-o"],
    };
    let m = &cluster.mirrors;
    if let Some(url) = &m.crio_repo {
        let key = m
            .crio_key
            .clone()
            .unwrap_or_else(|| join_url(url, "Release.key"));
        return (vec![apt_repo("cri-o", url, "/", key)], packages);
    }
    let repos = match cluster.release.crio_repo {
        CrioRepo::Kubic => {
            let os = cluster.os.kubic_name;
            let stable = format!("{OPENSUSE}/devel:/kubic:/libcontainers:/stable/{os}/");
            let crio =
                format!("{OPENSUSE}/devel:/kubic:/libcontainers:/stable:/cri-o:/1.{minor}/{os}/");
            vec![
                apt_repo(
                    "libcontainers",
                    &stable,
                    "/",
                    format!("{stable}Release.key"),
                ),
                apt_repo("cri-o", &crio, "/", format!("{crio}Release.key")),
            ]
        }
        CrioRepo::PkgsK8sAddons => {
            let url = format!("https://pkgs.k8s.io/addons:/cri-o:/stable:/v1.{minor}/deb/");
            vec![apt_repo("cri-o", &url, "/", format!("{url}Release.key"))]
        }
        CrioRepo::Isv => {
            let url = format!("{OPENSUSE}/isv:/cri-o:/stable:/v1.{minor}/deb/");
            vec![apt_repo("cri-o", &url, "/", format!("{url}Release.key"))]
        }
    };
    (repos, packages)
}

fn join_url(base: &str, file: &str) -> String {
    format!("{}/{file}", base.trim_end_matches('/'))
}

fn cni_plan(cluster: &Cluster) -> Option<CniPlan> {
    let plugin = cluster.cni.plugin;
    let release = cluster.release;
    let pinned = match plugin {
        CniPlugin::None => return None,
        CniPlugin::Canal => release.calico.manifest_url("canal.yaml"),
        CniPlugin::Calico => release.calico.manifest_url("calico.yaml"),
        CniPlugin::Flannel => format!(
            "https://github.com/flannel-io/flannel/releases/download/{}/kube-flannel.yml",
            release.flannel
        ),
    };
    let pod = cluster.pod_subnet.to_string();
    let rewrites = match plugin {
        CniPlugin::Flannel | CniPlugin::Canal if pod != FLANNEL_DEFAULT_NETWORK => vec![Rewrite {
            from: format!("\"Network\": \"{FLANNEL_DEFAULT_NETWORK}\""),
            to: format!("\"Network\": \"{pod}\""),
        }],
        // Calico ships the pool CIDR commented out; enable it with the pod subnet so the
        // IP pool and kubeadm's podSubnet always agree.
        CniPlugin::Calico => vec![
            Rewrite {
                from: "# - name: CALICO_IPV4POOL_CIDR".into(),
                to: "- name: CALICO_IPV4POOL_CIDR".into(),
            },
            Rewrite {
                from: "#   value: \"192.168.0.0/16\"".into(),
                to: format!("  value: \"{pod}\""),
            },
        ],
        _ => vec![],
    };
    Some(CniPlan {
        plugin: plugin.name(),
        manifest_url: cluster.cni.manifest.clone().unwrap_or(pinned),
        manifest_file: format!("/etc/kubeprint/cni/{}.yaml", plugin.name()),
        rewrites,
    })
}
