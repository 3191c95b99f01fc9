//! Where kubeprint's files live on a node, and the here-document terminator its
//! scripts use: named once, for the renderer that writes them and the review tools that
//! read them back. The templates read them as `layout.*` (see `render::layout_global`).

/// Terminator of every here-document kubeprint writes; rendered content may never
/// contain it as a line.
pub(crate) const HEREDOC_END: &str = "KUBEPRINT_EOF";

/// Where user-data lays down the bundle.
pub(crate) const BOOTSTRAP_PATH: &str = "/usr/local/lib/kubeprint/bootstrap.sh";

/// Progress markers (`done/`, `failed`, `complete`, and `kubeadm-init.unfinished` or
/// `kubeadm-join.unfinished` while kubeadm runs).
pub(crate) const STATE_DIR: &str = "/var/lib/kubeprint";

/// The bundle's log.
pub(crate) const BOOTSTRAP_LOG: &str = "/var/log/kubeprint-bootstrap.log";

/// What a baked image records about the plan that baked it (checked at boot).
pub(crate) const IMAGE_RECORD_PATH: &str = "/etc/kubeprint/image";

/// The kubeadm configuration the init and join steps write and pass to kubeadm.
pub(crate) const KUBEADM_INIT_CONFIG_PATH: &str = "/etc/kubeprint/kubeadm-init.yaml";
pub(crate) const KUBEADM_JOIN_CONFIG_PATH: &str = "/etc/kubeprint/kubeadm-join.yaml";

/// The kernel modules CRI-O needs, loaded at every boot, and the bridge/forwarding
/// sysctls, as the guide names their files.
pub(crate) const MODULES_LOAD_PATH: &str = "/etc/modules-load.d/crio.conf";
pub(crate) const SYSCTL_PATH: &str = "/etc/sysctl.d/99-kubernetes-cri.conf";

/// The cluster CA certificate, where kubeadm expects it.
pub(crate) const CA_CERT_PATH: &str = "/etc/kubernetes/pki/ca.crt";

/// Where the CNI step keeps the manifest it applies (`<plugin>.yaml`).
pub(crate) const CNI_MANIFEST_DIR: &str = "/etc/kubeprint/cni";

/// The CRI-O socket kubelet and kubeadm talk to.
pub(crate) const CRIO_SOCKET: &str = "unix:///var/run/crio/crio.sock";

/// Where a delivery stub installs the fetcher and the payload's location and sha256.
pub(crate) const FETCHER_PATH: &str = "/usr/local/lib/kubeprint/fetch-payload.py";
pub(crate) const PAYLOAD_CONFIG_PATH: &str = "/usr/local/lib/kubeprint/payload.json";

/// The API server's encryption configuration (`kubernetes.encryption_at_rest`) and the
/// directory mounted into its pod, as
/// <https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/> places them.
pub(crate) const ENCRYPTION_CONFIG_DIR: &str = "/etc/kubernetes/enc";
pub(crate) const ENCRYPTION_CONFIG_PATH: &str = "/etc/kubernetes/enc/enc.yaml";

/// The audit policy and log (`kubernetes.audit_log`), as
/// <https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/> ("Log backend") places them.
pub(crate) const AUDIT_POLICY_PATH: &str = "/etc/kubernetes/audit-policy.yaml";
pub(crate) const AUDIT_LOG_DIR: &str = "/var/log/kubernetes/audit";
pub(crate) const AUDIT_LOG_PATH: &str = "/var/log/kubernetes/audit/audit.log";

/// What the user's own `files` may not write, and why: kubeprint's files and what
/// kubeadm and the kubelet keep. A path is taken when it is one of these, lies under
/// one, or is a directory one lies in (a file there would replace the directory).
const OWNED_PATHS: &[(&str, &str)] = &[
    (
        "/etc/kubernetes/pki",
        "the cluster PKI (the pki step, kubeadm)",
    ),
    ("/etc/kubernetes/manifests", "kubeadm's static pods"),
    ("/etc/kubernetes/admin.conf", "a kubeconfig kubeadm writes"),
    (
        "/etc/kubernetes/super-admin.conf",
        "a kubeconfig kubeadm writes",
    ),
    (
        "/etc/kubernetes/kubelet.conf",
        "a kubeconfig kubeadm writes",
    ),
    (
        "/etc/kubernetes/bootstrap-kubelet.conf",
        "a kubeconfig kubeadm writes",
    ),
    (
        "/etc/kubernetes/controller-manager.conf",
        "a kubeconfig kubeadm writes",
    ),
    (
        "/etc/kubernetes/scheduler.conf",
        "a kubeconfig kubeadm writes",
    ),
    (
        "/etc/kubeprint",
        "the kubeadm configuration, the CNI manifest and the image record",
    ),
    (STATE_DIR, "the bootstrap's progress markers"),
    ("/usr/local/lib/kubeprint", "the bootstrap itself"),
    (BOOTSTRAP_LOG, "the bootstrap's log"),
    ("/var/lib/kubelet", "the kubelet's state and configuration"),
    ("/var/lib/etcd", "etcd's data"),
    (MODULES_LOAD_PATH, "the kernel modules CRI-O needs"),
    (SYSCTL_PATH, "the sysctls Kubernetes needs"),
    (
        "/etc/apt/sources.list.d/kubernetes.list",
        "the Kubernetes package repository",
    ),
    (
        "/etc/apt/sources.list.d/cri-o.list",
        "the CRI-O package repository",
    ),
    (
        "/etc/apt/sources.list.d/libcontainers.list",
        "the CRI-O package repository",
    ),
    (
        "/etc/apt/keyrings/kubernetes-apt-keyring.gpg",
        "a repository signing key",
    ),
    (
        "/etc/apt/keyrings/cri-o-apt-keyring.gpg",
        "a repository signing key",
    ),
    (
        "/etc/apt/keyrings/libcontainers-apt-keyring.gpg",
        "a repository signing key",
    ),
];

/// The owned path `path` collides with, and what it holds; `None` when `path` is free.
pub(crate) fn owner_of(path: &str) -> Option<(&'static str, &'static str)> {
    let under = |inner: &str, outer: &str| {
        inner
            .strip_prefix(outer)
            .is_some_and(|r| r.starts_with('/'))
    };
    OWNED_PATHS
        .iter()
        .find(|(owned, _)| path == *owned || under(path, owned) || under(owned, path))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owned_paths_their_insides_and_the_way_to_them_are_taken() {
        for taken in [
            "/etc/kubernetes/pki/ca.crt",
            "/etc/kubernetes/admin.conf",
            "/etc/kubernetes",
            "/var/lib",
            "/etc/kubeprint/cni/calico.yaml",
            BOOTSTRAP_PATH,
        ] {
            assert!(owner_of(taken).is_some(), "{taken}");
        }
        for free in [
            "/etc/kubernetes/audit/policy.yaml",
            "/etc/kubeprint-notes",
            "/var/lib/etcd-backup/x",
            "/etc/containers/registries.conf.d/50-mirror.conf",
        ] {
            assert!(owner_of(free).is_none(), "{free}");
        }
    }
}
