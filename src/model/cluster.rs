//! The checked cluster: what `validate` produces from a definition and every later
//! stage reads. Only types live here; the checks that build them are in `validate`.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::model::matrix::{Os, Release};

/// kubeadm's default API server port.
pub const DEFAULT_API_SERVER_PORT: u16 = 6443;

/// A checked cluster definition.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub name: String,
    pub os: &'static Os,
    pub version: Version,
    pub release: &'static Release,
    pub endpoint: Endpoint,
    pub pod_subnet: IpNet,
    pub service_subnet: IpNet,
    pub dns_domain: String,
    /// Token lifetime in seconds; 0 means it never expires.
    pub token_ttl_seconds: u64,
    pub cert_sans: Vec<String>,
    pub cni: Cni,
    pub admin_user: String,
    pub mirrors: Mirrors,
    /// Number of control planes; more than one adds the `control-plane-join` role.
    pub control_planes: u32,
    pub api_server_port: u16,
    /// CPU architecture of the nodes (`amd64`, `arm64`): picks the official AMI to bake.
    pub arch: &'static str,
    /// The optional inventory, first control plane first.
    pub nodes: Vec<Node>,
    /// Public keys added to `admin_user`'s authorized_keys on every node.
    pub ssh_authorized_keys: Vec<String>,
    /// The user's own files, in the order written.
    pub files: Vec<ExtraFile>,
    pub commands: Commands,
    /// How nodes get their bundle (and with it the token and keys).
    pub delivery: Delivery,
    /// The API servers encrypt Secrets in etcd (`kubernetes.encryption_at_rest`).
    pub encryption_at_rest: bool,
    /// The API servers write an audit log (`kubernetes.audit_log`).
    pub audit_log: bool,
    /// The HTTP(S) proxy nodes and the image build download through; `None`: direct.
    pub proxy: Option<Proxy>,
    /// The endpoint's address as a virtual IP kube-vip moves between control planes;
    /// `None`: the endpoint is the user's (a load balancer, a DNS name, one node).
    pub vip: Option<Vip>,
}

/// An HTTP(S) proxy, as the user gave it: URLs without credentials, and the user's own
/// `no_proxy` entries (the plan adds the cluster's addresses).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxy {
    /// `http://host:port`, for http:// downloads.
    pub http: String,
    /// `http://host:port`, for https:// downloads (tunnelled with CONNECT).
    pub https: String,
    pub no_proxy: Vec<String>,
}

/// A control-plane virtual IP: ARP announces it from the control plane that holds
/// kube-vip's leader lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vip {
    /// Always the endpoint's host (validated).
    pub address: std::net::Ipv4Addr,
    /// `None`: kube-vip takes the interface of the default route.
    pub interface: Option<String>,
}

/// Where a node's bundle comes from at boot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// In user-data itself, as the guide's setup did.
    Inline,
    /// From AWS Secrets Manager, read with the instance role.
    AwsSecretsManager(AwsDelivery),
    /// Downloaded over https from `<base>/<bundle>/payload`.
    Url { base: String },
}

impl Delivery {
    /// The name cluster.yaml's `delivery.mode` uses.
    pub fn mode(&self) -> &'static str {
        match self {
            Delivery::Inline => "inline",
            Delivery::AwsSecretsManager(_) => "aws-secrets-manager",
            Delivery::Url { .. } => "url",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsDelivery {
    pub region: String,
    /// Secret names are `<prefix>/<bundle>`.
    pub prefix: String,
    /// Control planes delete their payload (it holds the CA keys) after a verified fetch.
    pub delete_control_plane: bool,
    /// Workers keep theirs by default: autoscaled workers share one.
    pub delete_worker: bool,
}

/// One of the user's own files: root-owned, written in a boot step of its own.
#[derive(Debug, Clone)]
pub struct ExtraFile {
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
}

/// The user's own shell commands, each a bash script run as root. Same on every role.
#[derive(Debug, Clone, Default)]
pub struct Commands {
    /// Right before `kubeadm init` or `kubeadm join`.
    pub pre: Vec<String>,
    /// After the last step.
    pub post: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
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
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub ip: Option<IpAddr>,
}

impl Endpoint {
    /// `host:port`, with brackets around an IPv6 address.
    pub fn host_port(&self) -> String {
        match self.ip {
            Some(IpAddr::V6(_)) => format!("[{}]:{}", self.host, self.port),
            _ => format!("{}:{}", self.host, self.port),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CniPlugin {
    Flannel,
    Canal,
    Calico,
    None,
}

impl CniPlugin {
    pub fn name(self) -> &'static str {
        match self {
            CniPlugin::Flannel => "flannel",
            CniPlugin::Canal => "canal",
            CniPlugin::Calico => "calico",
            CniPlugin::None => "none",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Cni {
    pub plugin: CniPlugin,
    /// The user's manifest instead of the pinned one: URL and sha256.
    pub manifest: Option<(String, String)>,
}

#[derive(Debug, Clone, Default)]
pub struct Mirrors {
    pub kubernetes_repo: Option<String>,
    pub kubernetes_key: Option<String>,
    pub crio_repo: Option<String>,
    pub crio_key: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeRole {
    ControlPlane,
    Worker,
}

#[derive(Debug, Clone)]
pub struct Node {
    pub name: String,
    pub role: NodeRole,
    pub address: IpAddr,
    pub labels: BTreeMap<String, String>,
    /// `None`: kubeadm's default (the control-plane taint on control planes); `Some`,
    /// even empty, replaces it.
    pub taints: Option<Vec<Taint>>,
}

#[derive(Debug, Clone)]
pub struct Taint {
    pub key: String,
    pub value: Option<String>,
    pub effect: String,
}
