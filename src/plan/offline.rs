//! Part of stage 3 (plan): `offline: true`, checked against the artifact list. In: a
//! checked [`Cluster`]; out: one [`Problem`] per upstream place its nodes would still
//! reach (an apt repository or its key, the CNI manifest, a container registry), each
//! naming the key that moves it to a mirror.
//!
//! "Upstream" is derived, never listed by hand: the hosts and registries of
//! [`upstream`]'s artifacts, the cluster as kubeprint fetches it without any of the
//! user's mirrors. A location on any other host is the user's own.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::cluster::{Cluster, Mirrors};
use crate::model::images;
use crate::plan::artifacts::{self, Item, Kind};

/// One place a node would reach that is not a mirror; `warning`: one kubeprint cannot
/// judge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub field: String,
    pub message: String,
    pub help: String,
    pub warning: bool,
}

const CRIO_PAUSE: &str = "CRI-O's own pause image (its `pause_image`, which `kubernetes.image_repository` does not change)";

const SEE: &str = "README, \"Air-gapped installation\"";

/// The cluster without the user's package mirrors, registry mirrors, image repository
/// and CNI manifest: what nodes would fetch from upstream.
pub(crate) fn upstream(cluster: &Cluster) -> Cluster {
    let mut plain = cluster.clone();
    plain.mirrors = Mirrors::default();
    plain.registries = None;
    plain.image_repository = None;
    plain.cni.manifest = None;
    plain
}

/// `https://host:port/path` → `host:port`.
pub(crate) fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest)
}

/// `registry.k8s.io/pause:3.9` → `registry.k8s.io`.
pub(crate) fn registry(reference: &str) -> &str {
    reference.split('/').next().unwrap_or(reference)
}

/// Every problem of an `offline: true` cluster; none when `offline` is off.
pub(crate) fn problems(cluster: &Cluster) -> Vec<Problem> {
    if !cluster.offline {
        return Vec::new();
    }
    let upstream_items = artifacts::artifacts(&upstream(cluster)).items;
    let hosts: BTreeSet<&str> = upstream_items
        .iter()
        .filter(|i| i.kind != Kind::Image)
        .flat_map(|i| i.location.iter().chain(i.key_url.iter()))
        .map(|u| host(u))
        .collect();
    let registries: BTreeSet<&str> = upstream_items
        .iter()
        .filter(|i| i.kind == Kind::Image)
        .filter_map(|i| i.location.as_deref().map(registry))
        .collect();
    let items = artifacts::artifacts(cluster).items;
    let mut out = apt_problems(&items, &hosts);
    out.extend(manifest_problems(&items, &hosts));
    out.extend(image_problems(cluster, &items, &registries));
    out
}

/// The keys that point an apt repository (by its artifact name) at a mirror, the layout
/// the nodes read the mirror with, and the key file beside it (plan::packages).
fn repo_keys(name: &str) -> (&'static str, &'static str, &'static str, &'static str) {
    match name {
        "kubernetes" => (
            "packages.kubernetes_repo",
            "packages.kubernetes_key",
            "a flat repository (`deb URL /`)",
            "Release.key",
        ),
        "containerd" => (
            "packages.containerd_repo",
            "packages.containerd_key",
            "laid out like Docker's (`deb URL <codename> stable`)",
            "gpg",
        ),
        _ => (
            "packages.crio_repo",
            "packages.crio_key",
            "a flat repository (`deb URL /`)",
            "Release.key",
        ),
    }
}

/// One problem per package mirror key: the repository (with its key), or only its key.
fn apt_problems(items: &[Item], hosts: &BTreeSet<&str>) -> Vec<Problem> {
    let upstream = |u: &Option<String>| u.as_deref().is_some_and(|u| hosts.contains(host(u)));
    let mut out: Vec<Problem> = Vec::new();
    for repo in items.iter().filter(|i| i.kind == Kind::AptRepository) {
        let (repo_key, key_key, layout, key_file) = repo_keys(&repo.name);
        let location = repo.location.as_deref().unwrap_or("");
        let key_url = repo.key_url.as_deref().unwrap_or("");
        let problem = if upstream(&repo.location) {
            Problem {
                field: repo_key.into(),
                message: format!(
                    "`offline: true`, but nodes would install the `{}` packages from `{location}` (key `{key_url}`)",
                    repo.name
                ),
                help: format!(
                    "set `{repo_key}` to your mirror of it, {layout} that serves its `{key_file}` too or names the key in `{key_key}` (see {SEE})"
                ),
                warning: false,
            }
        } else if upstream(&repo.key_url) {
            Problem {
                field: key_key.into(),
                message: format!(
                    "`offline: true`, but nodes would download the `{}` repository's key from `{key_url}`",
                    repo.name
                ),
                help: format!(
                    "set `{key_key}` to the key's URL on your mirror (out/airgap/download-files.sh fetches it), or remove it to use the `{key_file}` beside `{repo_key}`"
                ),
                warning: false,
            }
        } else {
            continue;
        };
        if !out.iter().any(|p| p.field == problem.field) {
            out.push(problem);
        }
    }
    out
}

fn manifest_problems(items: &[Item], hosts: &BTreeSet<&str>) -> Vec<Problem> {
    items
        .iter()
        .filter(|i| i.kind == Kind::Manifest)
        .filter_map(|i| {
            let url = i.location.as_deref()?;
            hosts.contains(host(url)).then(|| Problem {
                field: "cni.manifest".into(),
                message: format!("`offline: true`, but the first control plane would download the {} manifest from `{url}`", i.name),
                help: format!("serve the manifest from your mirror (out/airgap/download-files.sh fetches and checks it) and set `cni.manifest` to its URL with `cni.manifest_sha256: {}`, or set `cni.plugin: none` and install a network yourself", i.sha256.as_deref().unwrap_or("")),
                warning: false,
            })
        })
        .collect()
}

/// One problem per upstream registry without a mirror; a warning when a manifest's
/// images are unknown (a `cni.manifest` of the user's own).
fn image_problems(cluster: &Cluster, items: &[Item], upstream: &BTreeSet<&str>) -> Vec<Problem> {
    let mirrored: BTreeSet<&str> = cluster
        .registries
        .iter()
        .flat_map(|r| r.mirrors.iter().map(|(registry, _)| registry.as_str()))
        .collect();
    let mut pulled: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for item in items.iter().filter(|i| i.kind == Kind::Image) {
        if let Some(reference) = item.location.as_deref() {
            let r = registry(reference);
            if upstream.contains(r) && !mirrored.contains(r) {
                pulled.entry(r).or_default().push(&item.name);
            }
        }
    }
    // CRI-O runs every pod on its `pause_image` (crio.conf(5), `[crio.image]`). The
    // `cri-o` step sets it to kubeadm's pause (listed above) where kubeprint knows that;
    // otherwise CRI-O keeps its compiled-in name in kubeadm's default registry, which
    // `kubernetes.image_repository` does not change.
    let crio = matches!(cluster.runtime, crate::model::cluster::Runtime::CriO);
    if crio && cluster.image_repository.is_some() && images::kubeadm_pause(cluster).is_none() {
        let v = cluster.version;
        let default = images::default_registry(v.minor, v.patch);
        if !mirrored.contains(default) {
            pulled.entry(default).or_default().push(CRIO_PAUSE);
        }
    }
    let mut out: Vec<Problem> = pulled
        .into_iter()
        .map(|(r, names)| {
            let kubeadm = names.contains(&"kube-apiserver");
            let or_repository = if kubeadm {
                " (or set `kubernetes.image_repository` to a repository holding kubeadm's images, which also moves kube-vip)"
            } else {
                ""
            };
            Problem {
                field: format!("registries.mirrors.{r}"),
                message: format!("`offline: true`, but nodes would pull {} from `{r}`", names.join(", ")),
                help: format!("add `registries.mirrors.{r}: [https://<mirror>/{r}]`{or_repository}; out/airgap/mirror-images.sh copies the images there"),
                warning: false,
            }
        })
        .collect();
    // A manifest's images are listed under its plugin's name when unknown.
    let plugins: BTreeSet<&str> = items
        .iter()
        .filter(|i| i.kind == Kind::Manifest)
        .map(|i| i.name.as_str())
        .collect();
    let unknown = items.iter().any(|i| {
        i.kind == Kind::Image && i.location.is_none() && plugins.contains(i.name.as_str())
    });
    if unknown {
        out.push(Problem {
            field: "cni.manifest".into(),
            message: "`offline: true`, but kubeprint does not know which images `cni.manifest` names, so it cannot check that a mirror serves them".into(),
            help: "mirror every `image:` of that manifest through `registries.mirrors` yourself; out/airgap/mirror-images.sh leaves them out".into(),
            warning: true,
        });
    }
    out
}
