//! Where kubeprint's files live on a node, and the here-document terminator its
//! scripts use: named once, for the renderer that writes them and the review tools that
//! read them back. The templates read them as `layout.*` (see `render::layout_global`).
//! What the user's own `files` may not write ([`owner_of`]) is built from the same
//! names, and a test reads every path any rendered bundle writes back against it.

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

/// Where a baked image keeps the pinned CNI manifest (`<plugin>.yaml`, as downloaded):
/// not under STATE_DIR, which the image's sysprep empties; public, as the manifest is.
pub(crate) const CNI_BAKED_DIR: &str = "/usr/local/share/kubeprint/cni";

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

/// The proxy settings (`proxy`) for apt, and the systemd drop-ins CRI-O and the
/// kubelet start with (sources in `plan::proxy`).
pub(crate) const PROXY_APT_CONF: &str = "/etc/apt/apt.conf.d/90kubeprint-proxy";
pub(crate) const PROXY_CRIO_DROPIN: &str = "/etc/systemd/system/crio.service.d/http-proxy.conf";
pub(crate) const PROXY_KUBELET_DROPIN: &str =
    "/etc/systemd/system/kubelet.service.d/http-proxy.conf";

/// kubeprint's registries.conf drop-in (containers-registries.conf.d(5): files in this
/// directory are read in name order after registries.conf).
pub(crate) const REGISTRIES_DROPIN: &str =
    "/etc/containers/registries.conf.d/50-kubeprint-mirrors.conf";
/// Per-registry TLS directories (containers-certs.d(5)).
pub(crate) const CONTAINERS_CERTS_DIR: &str = "/etc/containers/certs.d";

/// The bridge network configs CRI-O's packages put in `/etc/cni/net.d`, every name each
/// source has shipped, so the cri-o step removes them all (pods started before the CNI
/// would get addresses from them). CRI-O loads only `*.conf`, `*.conflist` and `*.json`
/// there (cri-o/ocicni pkg/ocicni/ocicni.go, `loadNetworks`: `libcni.ConfFiles` with
/// those extensions), so the
/// `10-crio-bridge.conflist.disabled` the isv:/cri-o packages ship since cri-o/packaging
/// f4e96798 (2024-11-29) is inert and stays.
pub(crate) const CRIO_BRIDGE_CONFIGS: &[&str] = &[
    // openSUSE Kubic (minors before 1.28): its Debian packaging lives in the build
    // service, not in git; these are the names nodes running it report (and the names
    // kubeprint has removed since its first release).
    "/etc/cni/net.d/100-crio-bridge.conf",
    "/etc/cni/net.d/100-crio-bridge.conflist",
    // cri-o/cri-o contrib/cni at v1.21.0 to v1.25.0: `10-crio-bridge.conf` (what
    // contrib/bundle/install installs at v1.24.0) and `11-crio-ipv4-bridge.conf`.
    "/etc/cni/net.d/10-crio-bridge.conf",
    "/etc/cni/net.d/11-crio-ipv4-bridge.conf",
    // cri-o/cri-o contrib/cni from v1.26.0 (.conf became .conflist). The dual-stack one is
    // what the isv:/cri-o packages installed from cri-o/packaging c64283c8 (2024-11-04,
    // templates/latest/cri-o/cri-o.spec) until f4e96798 renamed it `.disabled`.
    "/etc/cni/net.d/10-crio-bridge.conflist",
    // cri-o/cri-o v1.28.0 contrib/bundle/install, and cri-o/packaging 834e192e
    // (2023-09-28, the first templates/latest/cri-o/cri-o.spec: the pkgs.k8s.io
    // addons:/cri-o and later isv:/cri-o packages) to c64283c8: every CRI-O 1.28 to 1.31
    // package built in that year installs this one.
    "/etc/cni/net.d/11-crio-ipv4-bridge.conflist",
];

/// The file systems table whose swap entries the disable-swap step comments out, and
/// the copy it keeps of the original.
pub(crate) const FSTAB_PATH: &str = "/etc/fstab";
pub(crate) const FSTAB_BACKUP_PATH: &str = "/etc/fstab.kubeprint.orig";

/// The apt repositories kubeprint adds, by name: each has `<name>.list` in
/// sources.list.d and `<name>-apt-keyring.gpg` in the keyrings directory.
pub(crate) const APT_REPOSITORIES: &[&str] = &["kubernetes", "cri-o", "libcontainers"];
pub(crate) const APT_KEYRINGS_DIR: &str = "/etc/apt/keyrings";

/// Where the repository `name` (one of [`APT_REPOSITORIES`]) is listed.
pub(crate) fn apt_list_path(name: &str) -> String {
    format!("/etc/apt/sources.list.d/{name}.list")
}

/// The keyring holding the signing key of the repository `name`.
pub(crate) fn apt_keyring_path(name: &str) -> String {
    format!("{APT_KEYRINGS_DIR}/{name}-apt-keyring.gpg")
}

/// What the user's own `files` may not write, and why: kubeprint's files and what
/// kubeadm and the kubelet keep. A path is taken when it is one of these, lies under
/// one, or is a directory one lies in (a file there would replace the directory).
fn owned_paths() -> Vec<(String, &'static str)> {
    let fixed = OWNED_PATHS.iter().map(|(p, why)| (p.to_string(), *why));
    let bridges = CRIO_BRIDGE_CONFIGS.iter().map(|p| {
        (
            p.to_string(),
            "CRI-O's bridge network configuration, which the cri-o step removes",
        )
    });
    let repos = APT_REPOSITORIES.iter().flat_map(|name| {
        [
            (apt_list_path(name), "a package repository kubeprint adds"),
            (apt_keyring_path(name), "a repository signing key"),
        ]
    });
    fixed.chain(bridges).chain(repos).collect()
}

/// The fixed part of [`owned_paths`].
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
        ENCRYPTION_CONFIG_DIR,
        "the API server's encryption configuration",
    ),
    (AUDIT_POLICY_PATH, "the API server's audit policy"),
    (AUDIT_LOG_DIR, "the API server's audit log"),
    (PROXY_APT_CONF, "apt's proxy settings"),
    (PROXY_CRIO_DROPIN, "CRI-O's proxy settings"),
    (PROXY_KUBELET_DROPIN, "the kubelet's proxy settings"),
    (
        FSTAB_PATH,
        "the swap entries the disable-swap step comments out",
    ),
    (
        FSTAB_BACKUP_PATH,
        "the original the disable-swap step keeps",
    ),
];

/// The owned path `path` collides with, and what it holds; `None` when `path` is free.
pub(crate) fn owner_of(path: &str) -> Option<(String, &'static str)> {
    let under = |inner: &str, outer: &str| {
        inner
            .strip_prefix(outer)
            .is_some_and(|r| r.starts_with('/'))
    };
    owned_paths()
        .into_iter()
        .find(|(owned, _)| path == owned || under(path, owned) || under(owned, path))
}

#[cfg(test)]
mod tests;
