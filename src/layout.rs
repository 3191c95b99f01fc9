//! Where kubeprint's files live on a node, and the here-document terminator its
//! scripts use: named once, for the renderer that writes them and the review tools that
//! read them back. (The templates spell the same paths in their shell text.)

/// Terminator of every here-document kubeprint writes; rendered content may never
/// contain it as a line.
pub const HEREDOC_END: &str = "KUBEPRINT_EOF";

/// Where user-data lays down the bundle.
pub const BOOTSTRAP_PATH: &str = "/usr/local/lib/kubeprint/bootstrap.sh";

/// Progress markers (`done/`, `failed`, `complete`).
pub const STATE_DIR: &str = "/var/lib/kubeprint";

/// The bundle's log.
pub const BOOTSTRAP_LOG: &str = "/var/log/kubeprint-bootstrap.log";

/// The cluster CA certificate, where kubeadm expects it.
pub const CA_CERT_PATH: &str = "/etc/kubernetes/pki/ca.crt";

/// Where the CNI step keeps the manifest it applies (`<plugin>.yaml`).
pub const CNI_MANIFEST_DIR: &str = "/etc/kubeprint/cni";

/// The CRI-O socket kubelet and kubeadm talk to.
pub const CRIO_SOCKET: &str = "unix:///var/run/crio/crio.sock";

/// Where a delivery stub installs the fetcher and the payload's location and sha256.
pub const FETCHER_PATH: &str = "/usr/local/lib/kubeprint/fetch-payload.py";
pub const PAYLOAD_CONFIG_PATH: &str = "/usr/local/lib/kubeprint/payload.json";

/// The API server's encryption configuration (`kubernetes.encryption_at_rest`) and the
/// directory mounted into its pod, as
/// https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/ places them.
pub const ENCRYPTION_CONFIG_DIR: &str = "/etc/kubernetes/enc";
pub const ENCRYPTION_CONFIG_PATH: &str = "/etc/kubernetes/enc/enc.yaml";

/// The audit policy and log (`kubernetes.audit_log`), as
/// https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/ ("Log backend") places them.
pub const AUDIT_POLICY_PATH: &str = "/etc/kubernetes/audit-policy.yaml";
pub const AUDIT_LOG_DIR: &str = "/var/log/kubernetes/audit";
pub const AUDIT_LOG_PATH: &str = "/var/log/kubernetes/audit/audit.log";
