//! Part of stage 3 (plan): where a node gets its packages. apt repositories (upstream
//! per the release matrix, or the user's mirrors) and the exact package pins.

use serde::Serialize;

use crate::layout;
use crate::model::cluster::Cluster;
use crate::model::matrix::{CrioRepo, KubeRepo};

const OPENSUSE: &str = "https://download.opensuse.org/repositories";

#[derive(Debug, Clone, Serialize)]
pub(crate) struct AptRepo {
    pub name: &'static str,
    pub key_url: String,
    pub keyring: String,
    pub list_file: String,
    pub source_line: String,
}

/// The Debian package version of kubelet/kubeadm/kubectl for the cluster version.
pub(crate) fn package_version(cluster: &Cluster) -> String {
    match cluster.release.kube_repo {
        KubeRepo::Legacy => format!("{}-00", cluster.version),
        // pkgs.k8s.io appends an OBS revision (`-1.1`, sometimes higher): match any.
        KubeRepo::PkgsK8s => format!("{}-*", cluster.version),
    }
}

/// `cri-o` as apt-get installs it: the stream's newest, one release with any packaging
/// revision, or exactly the package version given. The revision is OBS's: cri-o/packaging
/// templates/latest/cri-o/cri-o.spec at b111fe95bc2aca63e4f146cc9ebb61eb3a1906b7 sets
/// `Version` to the release and `Release: {{ .Revision }}`, and OBS appends its build
/// count; users' records of the isv:/cri-o: indexes show `1.35.2-1.1` and, for v1.36 on
/// 2026-09-29, `1.36.6-3.1`, so `1.Y.Z-1.1` cannot be assumed.
pub(crate) fn crio_install_pin(cluster: &Cluster) -> String {
    match cluster.crio_pin.as_deref() {
        None => "cri-o".into(),
        Some(v) if v.contains('-') => format!("cri-o={v}"),
        Some(v) => format!("cri-o={v}-*"),
    }
}

/// kubelet, kubeadm and kubectl as apt-get installs them (`name=version`).
pub(crate) fn kube_package_pins(cluster: &Cluster) -> Vec<String> {
    KUBE_PACKAGES
        .iter()
        .map(|p| format!("{p}={}", package_version(cluster)))
        .collect()
}

pub(crate) const KUBE_PACKAGES: &[&str] = &["kubelet", "kubeadm", "kubectl"];

/// The CRI-O packages as apt-get installs them: `cri-o` pinned when the cluster pins it.
pub(crate) fn crio_package_pins(cluster: &Cluster) -> Vec<String> {
    crio_repos(cluster)
        .1
        .iter()
        .map(|p| match *p {
            "cri-o" => crio_install_pin(cluster),
            other => other.to_string(),
        })
        .collect()
}

fn apt_repo(name: &'static str, url: &str, suite: &str, key_url: String) -> AptRepo {
    let keyring = layout::apt_keyring_path(name);
    AptRepo {
        name,
        source_line: format!("deb [signed-by={keyring}] {url} {suite}"),
        key_url,
        keyring,
        list_file: layout::apt_list_path(name),
    }
}

/// A user's mirror: a flat repository (`deb URL /`), signed by `key` or by the
/// `Release.key` beside it, as the upstream repositories publish theirs.
fn mirror_repo(name: &'static str, url: &str, key: Option<&str>) -> AptRepo {
    let key = key.map_or_else(|| join_url(url, "Release.key"), str::to_string);
    apt_repo(name, url, "/", key)
}

pub(crate) fn kube_repo(cluster: &Cluster) -> AptRepo {
    let m = &cluster.mirrors;
    if let Some(url) = &m.kubernetes_repo {
        return mirror_repo("kubernetes", url, m.kubernetes_key.as_deref());
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

pub(crate) fn crio_repos(cluster: &Cluster) -> (Vec<AptRepo>, Vec<&'static str>) {
    let minor = cluster.release.minor;
    let packages = match cluster.release.crio_repo {
        // Kubic split runc into its own package; later builds bundle it.
        CrioRepo::Kubic => vec!["cri-o", "cri-o-runc"],
        CrioRepo::Isv => vec!["cri-o"],
    };
    let m = &cluster.mirrors;
    if let Some(url) = &m.crio_repo {
        return (
            vec![mirror_repo("cri-o", url, m.crio_key.as_deref())],
            packages,
        );
    }
    let repos = match cluster.release.crio_repo {
        CrioRepo::Kubic => {
            // validate admits a Kubic release only for an OS Kubic built.
            let os = cluster.os.kubic.map_or("", |(name, _)| name);
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
        CrioRepo::Isv => {
            let url = format!("{OPENSUSE}/isv:/cri-o:/stable:/v1.{minor}/deb/");
            vec![apt_repo("cri-o", &url, "/", format!("{url}Release.key"))]
        }
    };
    (repos, packages)
}

/// Docker's repository for `containerd.io` (model/matrix/containerd), or the user's
/// mirror of it (`packages.containerd_repo`): laid out like Docker's (`deb URL
/// CODENAME stable`), its key at `gpg` beside it unless `packages.containerd_key`.
pub(crate) fn containerd_repo(cluster: &Cluster) -> AptRepo {
    use crate::model::matrix::containerd::{DOCKER_REPO_BASE, codename};
    let m = &cluster.mirrors;
    let suite = format!("{} stable", codename(cluster.os.id));
    let distro = cluster.os.id.split('-').next().unwrap_or("ubuntu");
    let url = m
        .containerd_repo
        .clone()
        .unwrap_or_else(|| format!("{DOCKER_REPO_BASE}/{distro}"));
    let key = m
        .containerd_key
        .clone()
        .unwrap_or_else(|| join_url(&url, "gpg"));
    apt_repo("containerd", &url, &suite, key)
}

fn join_url(base: &str, file: &str) -> String {
    format!("{}/{file}", base.trim_end_matches('/'))
}
