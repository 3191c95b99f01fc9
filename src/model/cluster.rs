//! The checked cluster: what `validate` produces from a definition and every later
//! stage reads. Only types live here; the checks that build them are in `validate`.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::model::matrix::{Os, Release};

/// kubeadm's default API server port.
pub(crate) const DEFAULT_API_SERVER_PORT: u16 = 6443;

/// A checked cluster definition: what `load_cluster` returns and every later stage reads.
/// Opaque outside the crate, so its shape can change without breaking programs.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub(crate) name: String,
    pub(crate) os: &'static Os,
    pub(crate) version: Version,
    pub(crate) release: &'static Release,
    /// CRI-O pinned to one release (`1.30.4`) or package version (`1.30.4-1.1`);
    /// `None`: the newest of the minor's stream.
    pub(crate) crio_pin: Option<String>,
    /// The container runtime the nodes run (`runtime.name`).
    pub(crate) runtime: Runtime,
    pub(crate) endpoint: Endpoint,
    pub(crate) pod_subnet: IpNet,
    pub(crate) service_subnet: IpNet,
    pub(crate) dns_domain: String,
    /// Token lifetime in seconds; 0 means it never expires.
    pub(crate) token_ttl_seconds: u64,
    pub(crate) cert_sans: Vec<String>,
    pub(crate) cni: Cni,
    pub(crate) admin_user: String,
    pub(crate) mirrors: Mirrors,
    /// Number of control planes; more than one adds the `control-plane-join` role.
    pub(crate) control_planes: u32,
    pub(crate) api_server_port: u16,
    /// CPU architecture of the nodes (`amd64`, `arm64`): picks the official AMI to bake.
    pub(crate) arch: &'static str,
    /// The optional inventory, first control plane first.
    pub(crate) nodes: Vec<Node>,
    /// Public keys added to `admin_user`'s authorized_keys on every node.
    pub(crate) ssh_authorized_keys: Vec<String>,
    /// The user's own files, in the order written.
    pub(crate) files: Vec<ExtraFile>,
    pub(crate) commands: Commands,
    /// How nodes get their bundle (and with it the token and keys).
    pub(crate) delivery: Delivery,
    /// The API servers encrypt Secrets in etcd (`kubernetes.encryption_at_rest`).
    pub(crate) encryption_at_rest: bool,
    /// The API servers write an audit log (`kubernetes.audit_log`).
    pub(crate) audit_log: bool,
    /// The HTTP(S) proxy nodes and the image build download through; `None`: direct.
    pub(crate) proxy: Option<Proxy>,
    /// Registry mirrors CRI-O pulls through; `None`: straight from each registry.
    pub(crate) registries: Option<Registries>,
    /// kubeadm's `imageRepository`, also where kube-vip is pulled from; `None`: upstream.
    pub(crate) image_repository: Option<String>,
    /// The endpoint's address as a virtual IP kube-vip moves between control planes;
    /// `None`: the endpoint is the user's (a load balancer, a DNS name, one node).
    pub(crate) vip: Option<Vip>,
    /// `offline: true`: every download a node makes must come from the user's mirrors
    /// (checked after validation, against the artifact list); renders `airgap/`.
    pub(crate) offline: bool,
}

impl Cluster {
    /// `runtime.name`: `cri-o` or `containerd`.
    pub(crate) fn runtime_name(&self) -> &'static str {
        self.runtime.name()
    }
}

/// Container registry mirrors: for each registry (`host[:port]`), the mirrors' locations
/// as containers-registries.conf(5) spells them (`host[:port][/path]`, TLS implied), and
/// the PEM CA the mirrors' certificates chain to.
#[derive(Debug, Clone)]
pub(crate) struct Registries {
    pub mirrors: Vec<(String, Vec<String>)>,
    pub ca: Option<String>,
}

/// An HTTP(S) proxy, as the user gave it: URLs without credentials, and the user's own
/// `no_proxy` entries (the plan adds the cluster's addresses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Proxy {
    /// `http://host:port`, for http:// downloads.
    pub http: String,
    /// `http://host:port`, for https:// downloads (tunnelled with CONNECT).
    pub https: String,
    pub no_proxy: Vec<String>,
}

/// A control-plane virtual IP: ARP announces it from the control plane that holds
/// kube-vip's leader lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Vip {
    /// Always the endpoint's host (validated).
    pub address: std::net::Ipv4Addr,
    /// `None`: kube-vip takes the interface of the default route.
    pub interface: Option<String>,
}

/// Where a node's bundle comes from at boot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Delivery {
    /// In user-data itself, as the guide's setup did.
    Inline,
    /// From AWS Secrets Manager, read with the instance role.
    AwsSecretsManager(AwsDelivery),
    /// Downloaded over https from `<base>/<bundle>/payload`.
    Url { base: String },
}

impl Delivery {
    /// The name cluster.yaml's `delivery.mode` uses.
    pub(crate) fn mode(&self) -> &'static str {
        match self {
            Delivery::Inline => "inline",
            Delivery::AwsSecretsManager(_) => "aws-secrets-manager",
            Delivery::Url { .. } => "url",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AwsDelivery {
    pub region: String,
    /// The account the secrets live in (12 digits); `None`: ARNs match any (`*`).
    pub account: Option<String>,
    /// Secret names are `<prefix>/<bundle>`.
    pub prefix: String,
    /// Control planes delete their payload (it holds the CA keys) after a verified fetch.
    pub delete_control_plane: bool,
    /// Workers keep theirs by default: autoscaled workers share one.
    pub delete_worker: bool,
}

/// One of the user's own files: root-owned, written in a boot step of its own.
#[derive(Debug, Clone)]
pub(crate) struct ExtraFile {
    pub path: String,
    /// Exactly the bytes to write (a final newline only when the definition has one).
    pub content: String,
    /// Four octal digits, like `0644`.
    pub permissions: String,
    /// Control planes get it (the first and the joining ones).
    pub control_plane: bool,
    pub worker: bool,
    /// Where the definition lists it (`files[2]`), for messages and the step's comments.
    pub source: String,
    /// `secret: true`: owner-only on the node, kept out of review output and replaced
    /// by a placeholder under `render --redact`.
    pub secret: bool,
}

/// The user's own shell commands, each a bash script run as root. Same on every role.
#[derive(Debug, Clone, Default)]
pub(crate) struct Commands {
    /// Right before `kubeadm init` or `kubeadm join`.
    pub pre: Vec<String>,
    /// After the last step.
    pub post: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Version {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    pub host: String,
    pub port: u16,
    pub ip: Option<IpAddr>,
}

impl Endpoint {
    /// `host:port`, with brackets around an IPv6 address.
    pub(crate) fn host_port(&self) -> String {
        match self.ip {
            Some(IpAddr::V6(_)) => format!("[{}]:{}", self.host, self.port),
            _ => format!("{}:{}", self.host, self.port),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CniPlugin {
    Flannel,
    Canal,
    Calico,
    None,
}

impl CniPlugin {
    pub(crate) fn name(self) -> &'static str {
        match self {
            CniPlugin::Flannel => "flannel",
            CniPlugin::Canal => "canal",
            CniPlugin::Calico => "calico",
            CniPlugin::None => "none",
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Cni {
    pub plugin: CniPlugin,
    /// The user's manifest instead of the pinned one: URL and sha256.
    pub manifest: Option<(String, String)>,
}

/// The container runtime (`runtime.name`): CRI-O (the default), or containerd at one
/// release (`2.2.6`), from `runtime.containerd_version` or the matrix's default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Runtime {
    CriO,
    Containerd { version: String },
}

impl Runtime {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Runtime::CriO => "cri-o",
            Runtime::Containerd { .. } => "containerd",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub(crate) struct Mirrors {
    pub kubernetes_repo: Option<String>,
    pub kubernetes_key: Option<String>,
    pub crio_repo: Option<String>,
    pub crio_key: Option<String>,
    pub containerd_repo: Option<String>,
    pub containerd_key: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeRole {
    ControlPlane,
    Worker,
}

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub name: String,
    pub role: NodeRole,
    pub address: IpAddr,
    /// The subnet of the node's interface, when `address` gives a prefix length
    /// (`10.0.1.11/24` -> 10.0.1.0/24); `None`: unknown.
    pub subnet: Option<IpNet>,
    pub labels: BTreeMap<String, String>,
    /// `None`: kubeadm's default (the control-plane taint on control planes); `Some`,
    /// even empty, replaces it.
    pub taints: Option<Vec<Taint>>,
}

#[derive(Debug, Clone)]
pub(crate) struct Taint {
    pub key: String,
    pub value: Option<String>,
    pub effect: String,
}
