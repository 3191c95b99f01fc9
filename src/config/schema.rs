//! Part of stage 1 (load): the definition's shape, exactly as written. Every key is
//! optional here (`validate` says which are required), and unknown keys are rejected so
//! a typo never silently falls back to a default.

use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Config {
    pub name: Option<String>,
    pub os: Option<String>,
    #[serde(default)]
    pub kubernetes: KubernetesConfig,
    #[serde(default)]
    pub runtime: RuntimeConfig,
    #[serde(default)]
    pub cni: CniConfig,
    pub admin_user: Option<String>,
    #[serde(default)]
    pub packages: PackagesConfig,
    /// Optional inventory: machines known by name and address.
    pub nodes: Option<Vec<NodeConfig>>,
    #[serde(default)]
    pub image: ImageConfig,
    /// How a node gets its bundle's secrets: inline in user-data (default) or fetched.
    #[serde(default)]
    pub delivery: DeliveryConfig,
    /// Public keys for `admin_user`'s `~/.ssh/authorized_keys`, on every node.
    pub ssh_authorized_keys: Option<Vec<String>>,
    /// Files of the user's own, written on the nodes of the roles each names.
    pub files: Option<Vec<FileConfig>>,
    /// Shell commands of the user's own, run as steps of the bundle.
    #[serde(default)]
    pub commands: CommandsConfig,
    /// An HTTP(S) proxy for every download the nodes and the image build make.
    pub proxy: Option<ProxyConfig>,
    /// Container registry mirrors CRI-O pulls through, and the CA that signs them.
    pub registries: Option<RegistriesConfig>,
    /// Every download from the user's mirrors, none from upstream (air-gapped sites).
    pub offline: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RegistriesConfig {
    /// Registry host (`docker.io`, `registry.k8s.io:443`) → https mirror URLs, in order.
    pub mirrors: Option<std::collections::BTreeMap<String, Vec<String>>>,
    /// PEM CA certificate(s) the mirrors' TLS certificates chain to.
    pub ca: Option<String>,
}

/// One entry of `files`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileConfig {
    pub path: Option<String>,
    pub content: Option<String>,
    /// Kept as a raw scalar: an unquoted `0644` is a YAML number, which we want to
    /// explain rather than misread.
    pub permissions: Option<Scalar>,
    /// Absent: every role.
    pub roles: Option<Vec<String>>,
    /// The content is a credential: owner-only on the node, masked by the review
    /// commands and `render --redact`.
    pub secret: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ProxyConfig {
    pub http: Option<String>,
    pub https: Option<String>,
    /// Hosts, domains, addresses and CIDR ranges reached directly, on top of those
    /// kubeprint adds.
    pub no_proxy: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DeliveryConfig {
    pub mode: Option<String>,
    pub region: Option<String>,
    pub prefix: Option<String>,
    pub url: Option<String>,
    /// `private`: only the nodes can GET `url` (the control planes' payloads hold the
    /// CA keys); `public` or unset: anyone who reaches it can.
    pub url_access: Option<String>,
    /// Twelve digits: the AWS account the secrets live in, pinned in every ARN.
    pub account: Option<Scalar>,
    /// Roles (`control-plane`, `worker`) whose payload the node deletes once fetched.
    pub delete_after_fetch: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CommandsConfig {
    /// Right before `kubeadm init` or `kubeadm join`.
    pub pre: Option<Vec<String>>,
    /// After the last step.
    pub post: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ImageConfig {
    pub arch: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NodeConfig {
    pub name: Option<String>,
    pub role: Option<String>,
    pub address: Option<String>,
    #[serde(default)]
    pub labels: std::collections::BTreeMap<String, String>,
    /// Absent: kubeadm's default taints; present, even empty: exactly these.
    pub taints: Option<Vec<TaintConfig>>,
}

/// A taint as written: a mapping (`{key, value, effect}`) or kubectl's
/// `key=value:Effect` / `key:Effect`; both read into the same fields.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(from = "TaintInput")]
pub(crate) struct TaintConfig {
    pub key: Option<String>,
    pub value: Option<String>,
    pub effect: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum TaintInput {
    Kubectl(String),
    Fields(TaintFields),
}

/// The mapping form's keys.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TaintFields {
    pub key: Option<String>,
    pub value: Option<String>,
    pub effect: Option<String>,
}

impl From<TaintInput> for TaintConfig {
    fn from(input: TaintInput) -> Self {
        match input {
            TaintInput::Fields(f) => TaintConfig {
                key: f.key,
                value: f.value,
                effect: f.effect,
            },
            TaintInput::Kubectl(text) => parse_kubectl_taint(&text),
        }
    }
}

/// `key=value:Effect` or `key:Effect`, as `kubectl taint` and kubespray write taints.
/// Whatever is missing stays `None` for validation to report.
pub(crate) fn parse_kubectl_taint(text: &str) -> TaintConfig {
    let (spec, effect) = match text.rsplit_once(':') {
        Some((spec, effect)) => (spec, Some(effect.to_string())),
        None => (text, None),
    };
    let (key, value) = match spec.split_once('=') {
        Some((key, value)) => (key, Some(value.to_string())),
        None => (spec, None),
    };
    TaintConfig {
        key: Some(key.to_string()),
        value,
        effect,
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KubernetesConfig {
    /// Kept as a raw scalar: `1.30` written without quotes is a YAML number, which we
    /// want to explain rather than misread.
    pub version: Option<Scalar>,
    pub endpoint: Option<String>,
    pub pod_subnet: Option<String>,
    pub service_subnet: Option<String>,
    pub dns_domain: Option<String>,
    pub token_ttl: Option<Scalar>,
    pub cert_sans: Option<Vec<String>>,
    /// How many control planes (default: those in `nodes`, else 1).
    pub control_planes: Option<u32>,
    /// The port the API servers bind (default 6443); the endpoint's port may differ
    /// behind a load balancer.
    pub api_server_port: Option<u16>,
    /// Encrypt Secrets in etcd with a key kept in the secrets file (default false).
    pub encryption_at_rest: Option<bool>,
    /// Write the API server's audit log on every control plane (default false).
    pub audit_log: Option<bool>,
    /// A virtual IP for the API servers, announced by kube-vip (no load balancer).
    pub vip: Option<VipConfig>,
    /// Where kubeadm and kube-vip pull their images from (`host[:port][/path]`).
    pub image_repository: Option<String>,
}

/// `kubernetes.vip`: the address kube-vip announces and where.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VipConfig {
    pub address: Option<String>,
    pub interface: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuntimeConfig {
    pub name: Option<String>,
    pub crio_version: Option<Scalar>,
    pub containerd_version: Option<Scalar>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CniConfig {
    pub plugin: Option<String>,
    pub manifest: Option<String>,
    pub manifest_sha256: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PackagesConfig {
    pub kubernetes_repo: Option<String>,
    pub kubernetes_key: Option<String>,
    pub crio_repo: Option<String>,
    pub crio_key: Option<String>,
    pub containerd_repo: Option<String>,
    pub containerd_key: Option<String>,
}

/// A scalar that may have been written as a string or a number.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub(crate) enum Scalar {
    Text(String),
    Integer(i64),
    Float(f64),
}

impl Scalar {
    /// The value as text; `Err` carries a hint when YAML read it as a number, since a
    /// number cannot be turned back into what was typed (`1.20` reads as `1.2`).
    pub(crate) fn as_text(&self) -> Result<String, NumberRead> {
        match self {
            Scalar::Text(s) => Ok(s.clone()),
            Scalar::Integer(i) => Ok(i.to_string()),
            // Say what was read, not what might have been typed: `1.35` reads as 1.35,
            // `1.20` as 1.2, and only the second lost anything.
            Scalar::Float(f) => Err(NumberRead(format!(
                "YAML read this unquoted value as the number {f}, not as text; write it in quotes"
            ))),
        }
    }
}

/// Why a scalar cannot be taken as text: YAML read it as a number. Holds the hint to
/// show with the field's diagnostic.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NumberRead(pub String);
