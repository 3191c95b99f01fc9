//! Where kubeprint's files live on a node, and the here-document terminator its
//! scripts use: named once, for the renderer that writes them and the review tools that
//! read them back. (The templates spell the same paths in their shell text.)

/// Terminator of every here-document kubeprint writes; rendered content may never
/// contain it as a line.
pub const HEREDOC_END: &str = "KUBEPRINT_EOF";

/// Where user-data lays down the bundle.
pub const BOOTSTRAP_PATH: &str = "/usr/local/lib/kubeprint/bootstrap.sh";

/// Progress markers (`done/`, `failed`, `complete`, and `kubeadm-init.unfinished` or
/// `kubeadm-join.unfinished` while kubeadm runs).
pub const STATE_DIR: &str = "/var/lib/kubeprint";

/// The bundle's log.
pub const BOOTSTRAP_LOG: &str = "/var/log/kubeprint-bootstrap.log";

/// The cluster CA certificate, where kubeadm expects it.
pub const CA_CERT_PATH: &str = "/etc/kubernetes/pki/ca.crt";

/// Where the CNI step keeps the manifest it applies (`<plugin>.yaml`).
pub const CNI_MANIFEST_DIR: &str = "/etc/kubeprint/cni";

/// The CRI-O socket kubelet and kubeadm talk to.
pub const CRIO_SOCKET: &str = "unix:///var/run/crio/crio.sock";
