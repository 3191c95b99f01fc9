//! Review tooling: the facts read back from a rendered bundle ([`BundleFacts`]), each
//! with the file it was found in.

use serde_yaml::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NodeKind {
    /// Runs `kubeadm init` (a `kubeadm-init` step).
    Init,
    /// Runs `kubeadm join` (a `kubeadm-join` step).
    Join,
    Other,
}

impl NodeKind {
    pub(crate) fn label(self) -> &'static str {
        match self {
            NodeKind::Init => "init",
            NodeKind::Join => "join",
            NodeKind::Other => "no kubeadm step",
        }
    }
}

/// A value found in a file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Found<T> {
    pub file: String,
    pub value: T,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pin {
    pub package: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Repo {
    /// The `.list` file stem: `kubernetes`, `cri-o`, `libcontainers`.
    pub name: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cni {
    pub plugin: String,
    pub manifest_url: String,
    /// The text replacements the step applies to the manifest (`to=` values).
    pub rewrites: Vec<String>,
}

/// One of the user's own files, as a files step writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UserFile {
    pub path: String,
    pub mode: String,
    pub content: String,
    /// Written with `secret` (a credential the review tools mask).
    pub secret: bool,
}

/// One of the user's own commands: `pre[0]`, `post[1]`, ... and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UserCommand {
    pub name: String,
    pub text: String,
}

/// A configuration file a step writes with `write_file`: where, and what.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Written {
    pub path: String,
    pub body: String,
}

#[derive(Debug, Default)]
pub(crate) struct BundleFacts {
    pub dir: String,
    pub kind: Option<NodeKind>,
    /// `dir/steps/*.sh`, sorted.
    pub step_files: Vec<String>,
    /// Every file under `dir`.
    pub files: Vec<String>,
    /// The documents of each kubeadm configuration (one entry per copy).
    pub kubeadm: Vec<Found<Vec<Value>>>,
    /// PEM certificates written to the CA certificate path.
    pub ca_certs: Vec<Found<String>>,
    pub pins: Vec<Found<Pin>>,
    pub repos: Vec<Found<Repo>>,
    pub cni: Vec<Found<Cni>>,
    /// The user's own files, ssh keys and commands (`files`, `ssh_authorized_keys`,
    /// `commands` in the definition).
    pub user_files: Vec<Found<UserFile>>,
    pub ssh_keys: Vec<Found<String>>,
    pub commands: Vec<Found<UserCommand>>,
    /// kube-vip static pods written to the manifest directory (each copy, in order).
    pub kube_vip: Vec<Found<Value>>,
    /// The API server's EncryptionConfiguration files (they hold its key).
    pub encryption_configs: Vec<Found<Written>>,
    /// The API server's audit policy files.
    pub audit_policies: Vec<Found<Written>>,
    /// Files that could not be read as expected.
    pub problems: Vec<String>,
}

impl BundleFacts {
    pub(crate) fn kind(&self) -> NodeKind {
        self.kind.unwrap_or(NodeKind::Other)
    }

    /// The kubeadm documents of the bundle's own kubeadm step file, if any.
    pub(crate) fn step_kubeadm(&self) -> Option<&Found<Vec<Value>>> {
        self.kubeadm
            .iter()
            .find(|k| k.file.contains("/steps/") || k.file.starts_with("steps/"))
    }

    /// Joining nodes without a `controlPlane` section: they never need a private key.
    pub(crate) fn is_worker(&self) -> bool {
        self.kind() == NodeKind::Join
            && !self
                .kubeadm
                .iter()
                .flat_map(|k| &k.value)
                .any(|d| kind_of(d) == "JoinConfiguration" && !d["controlPlane"].is_null())
    }
}

/// `kind:` of a YAML document (`""` when absent).
pub(crate) fn kind_of(doc: &Value) -> &str {
    doc["kind"].as_str().unwrap_or_default()
}
