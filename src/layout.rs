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

/// containerd's CRI socket (containerd/containerd defaults/defaults_linux.go at v2.2.7, defaults_unix.go at v1.5.18:
/// `DefaultAddress = "/run/containerd/containerd.sock"`), its configuration file, the
/// copy the containerd step keeps of the one the package shipped, and the registry
/// hosts directory its `config_path` names (docs/hosts.md at v2.2.7).
pub(crate) const CONTAINERD_SOCKET: &str = "unix:///run/containerd/containerd.sock";
pub(crate) const CONTAINERD_CONFIG_PATH: &str = "/etc/containerd/config.toml";
pub(crate) const CONTAINERD_CONFIG_BACKUP_PATH: &str = "/etc/containerd/config.toml.kubeprint.orig";
pub(crate) const CONTAINERD_CERTS_DIR: &str = "/etc/containerd/certs.d";
/// crictl's configuration (kubernetes-sigs/cri-tools docs/crictl.md: `/etc/crictl.yaml`).
pub(crate) const CRICTL_CONFIG_PATH: &str = "/etc/crictl.yaml";

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
/// CRI-O's pause image, set to kubeadm's (see `model::images::kubeadm_pause`). CRI-O
/// reads `/etc/crio/crio.conf.d/` in lexical order, later files overriding earlier ones
/// (cri-o/cri-o docs/crio.conf.d.5.md at v1.36.0; the directory is CRI-O's default
/// `--config-dir` already at v1.21.0, docs/crio.8.md), and its packages ship
/// `10-crio.conf` there without `pause_image` (cri-o/packaging
/// templates/latest/cri-o/bundle/10-crio.conf at b111fe95bc2aca63e4f146cc9ebb61eb3a1906b7).
pub(crate) const CRIO_PAUSE_DROPIN: &str = "/etc/crio/crio.conf.d/20-kubeprint-pause.conf";
pub(crate) const PROXY_CRIO_DROPIN: &str = "/etc/systemd/system/crio.service.d/http-proxy.conf";
pub(crate) const PROXY_CONTAINERD_DROPIN: &str =
    "/etc/systemd/system/containerd.service.d/http-proxy.conf";
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
/// (`containerd`: Docker's repository, under a name of its own so a `docker.list` that
/// Docker's install guide wrote stays the user's.)
pub(crate) const APT_REPOSITORIES: &[&str] =
    &["kubernetes", "cri-o", "libcontainers", "containerd"];
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
    (PROXY_CONTAINERD_DROPIN, "containerd's proxy settings"),
    (CONTAINERD_CONFIG_PATH, "containerd's configuration"),
    (
        CONTAINERD_CONFIG_BACKUP_PATH,
        "the configuration the containerd package shipped",
    ),
    (CONTAINERD_CERTS_DIR, "containerd's registry hosts"),
    (CRICTL_CONFIG_PATH, "crictl's runtime endpoint"),
    (PROXY_KUBELET_DROPIN, "the kubelet's proxy settings"),
    (REGISTRIES_DROPIN, "CRI-O's registry mirrors"),
    (CRIO_PAUSE_DROPIN, "CRI-O's pause image"),
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
