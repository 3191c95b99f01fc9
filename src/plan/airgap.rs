//! Part of stage 3 (plan): what a connected host copies into an `offline: true`
//! cluster's mirrors. In: a checked [`Cluster`]; out: an [`AirgapPlan`] pairing each
//! artifact as upstream serves it ([`offline::upstream`]) with where the nodes fetch it
//! (the cluster's own artifact list): every image with the mirror locations to copy it
//! to, every file with its sha256 when kubeprint knows it, every apt repository.
//!
//! A registry mirror serves an image under the mirror's location followed by the
//! reference without its registry (containers/image docs/containers-registries.conf.5.md
//! at 05d705ce05d5caefb91dd221ed3671147393406e, `[[registry.mirror]]`: the `prefix` part
//! of the reference is replaced by the mirror's `location`; kubeprint's prefix is the
//! registry, see `plan::registries`).

use crate::model::cluster::Cluster;
use crate::plan::artifacts::{self, Item, Kind};
use crate::plan::offline;

pub(crate) struct AirgapPlan {
    pub cluster: String,
    pub images: Vec<ImageCopy>,
    /// Images whose reference kubeprint does not know: component and why.
    pub unknown_images: Vec<(String, String)>,
    pub files: Vec<FileCopy>,
    pub repositories: Vec<RepositoryMirror>,
}

/// One image: `name:tag` upstream, copied to each destination (`host/path:tag`).
pub(crate) struct ImageCopy {
    pub name: String,
    pub tag: String,
    pub destinations: Vec<String>,
}

/// One file: downloaded from `url`, saved as `path` (the mirror URL's host and path, so
/// the download directory can be served as is), checked against `sha256` when known.
pub(crate) struct FileCopy {
    pub url: String,
    pub sha256: Option<String>,
    pub path: String,
    /// The URL the nodes fetch it from.
    pub served_at: String,
}

/// An apt repository the user mirrors: upstream URL and key, and the mirror.
pub(crate) struct RepositoryMirror {
    pub name: String,
    pub upstream: String,
    pub upstream_key: String,
    pub mirror: String,
}

/// `None` unless `offline: true`.
pub(crate) fn airgap(cluster: &Cluster) -> Option<AirgapPlan> {
    if !cluster.offline {
        return None;
    }
    let upstream = artifacts::artifacts(&offline::upstream(cluster)).items;
    let node = artifacts::artifacts(cluster).items;
    let find = |kind: Kind, name: &str| node.iter().find(|i| i.kind == kind && i.name == name);
    let mut plan = AirgapPlan {
        cluster: cluster.name.clone(),
        images: Vec::new(),
        unknown_images: Vec::new(),
        files: Vec::new(),
        repositories: Vec::new(),
    };
    for item in &upstream {
        let mine = find(item.kind, &item.name);
        match item.kind {
            Kind::Image => image(cluster, item, mine, &mut plan),
            Kind::Manifest => plan.files.extend(manifest(item, mine)),
            Kind::AptRepository => repository(item, mine, &mut plan),
            Kind::Package => {}
        }
    }
    plan.unknown_images = node
        .iter()
        .filter(|i| i.kind == Kind::Image && i.location.is_none())
        .map(|i| (i.name.clone(), i.unknown.clone().unwrap_or_default()))
        .collect();
    Some(plan)
}

/// An image both lists know; one only upstream knows the nodes never pull (the pinned
/// manifest's, beside a `cni.manifest` of the user's own).
fn image(cluster: &Cluster, item: &Item, mine: Option<&Item>, plan: &mut AirgapPlan) {
    let source = item.location.as_deref();
    let (Some(source), Some(reference)) = (source, mine.and_then(|m| m.location.as_deref())) else {
        return;
    };
    let Some((name, tag)) = source.rsplit_once(':') else {
        return;
    };
    let (registry, rest) = reference.split_once('/').unwrap_or((reference, ""));
    let mirrors = cluster
        .registries
        .iter()
        .flat_map(|r| r.mirrors.iter())
        .find(|(r, _)| r == registry);
    let destinations: Vec<String> = match mirrors {
        Some((_, locations)) => locations.iter().map(|l| format!("{l}/{rest}")).collect(),
        // `kubernetes.image_repository`: the nodes pull the reference itself.
        None => vec![reference.to_string()],
    };
    // CRI-O runs kubeadm's pause (the `cri-o` step sets its `pause_image`), so no other
    // pause needs a copy.
    let destinations: Vec<String> = destinations.into_iter().filter(|d| d != source).collect();
    plan.images.push(ImageCopy {
        name: name.to_string(),
        tag: tag.to_string(),
        destinations,
    });
}

/// `https://host/a/b.yaml` → `host/a/b.yaml`.
fn save_path(url: &str) -> String {
    url.split_once("://").map_or(url, |(_, r)| r).to_string()
}

/// The pinned manifest, when the nodes apply its bytes (a `cni.manifest` of the user's
/// own has no upstream kubeprint knows).
fn manifest(item: &Item, mine: Option<&Item>) -> Option<FileCopy> {
    let url = item.location.clone()?;
    let mine = mine.filter(|m| m.sha256 == item.sha256)?;
    let served_at = mine.location.clone().unwrap_or(url.clone());
    Some(FileCopy {
        path: save_path(&served_at),
        url,
        sha256: item.sha256.clone(),
        served_at,
    })
}

/// The repository for README, and its key as a file to download: saved where the
/// mirror's key URL points (the mirror serves it), or under the upstream URL.
fn repository(item: &Item, mine: Option<&Item>, plan: &mut AirgapPlan) {
    let upstream = item.location.clone().unwrap_or_default();
    let upstream_key = item.key_url.clone().unwrap_or_default();
    let mirror = mine.and_then(|m| m.location.clone());
    let served_at = mine
        .and_then(|m| m.key_url.clone())
        .unwrap_or(upstream_key.clone());
    plan.files.push(FileCopy {
        url: upstream_key.clone(),
        sha256: None,
        path: save_path(&served_at),
        served_at,
    });
    plan.repositories.push(RepositoryMirror {
        name: item.name.clone(),
        upstream,
        upstream_key,
        // Kubic's two repositories share one `packages.crio_repo` mirror.
        mirror: mirror.unwrap_or_else(|| "the `packages.crio_repo` mirror".into()),
    });
}
