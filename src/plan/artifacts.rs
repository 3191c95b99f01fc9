//! Part of stage 3 (plan), for `kubeprint artifacts`, `offline` and `out/airgap/`: a
//! checked [`Cluster`] → everything its nodes fetch, per role and stage: apt
//! repositories and their keys, packages as apt-get is told to install them, the CNI
//! manifest and every container image by full reference. Needs no secrets. The
//! repositories, pins and manifest come from the same plan functions the bundles render
//! from; the image facts from `model::images`.

use serde::Serialize;

use crate::model::cluster::{Cluster, CniPlugin};
use crate::model::images;
use crate::plan::{self, APT_PREREQUISITES, Role, Stage, cni, kube_vip, packages};

/// `artifacts --format json`: the stable interface README documents.
#[derive(Serialize)]
pub(crate) struct Artifacts {
    pub cluster: String,
    pub kubernetes: String,
    pub items: Vec<Item>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Kind {
    AptRepository,
    Package,
    Manifest,
    Image,
}

/// One thing a node fetches.
#[derive(Serialize)]
pub(crate) struct Item {
    pub kind: Kind,
    /// Repository name, package name, plugin, or the image's component.
    pub name: String,
    /// The URL (repository, manifest) or full image reference; `None` when unknown.
    pub location: Option<String>,
    /// A package's version as apt-get is given it (`1.36.4-*`: any packaging revision).
    pub version: Option<String>,
    /// The key an apt repository is signed with.
    pub key_url: Option<String>,
    /// The sha256 the node checks before using the download.
    pub sha256: Option<String>,
    /// The bundles that fetch it (`control-plane`, `control-plane-join`, `worker`).
    pub roles: Vec<Role>,
    /// `bake`: an image build fetches it (an unbaked node at the start of its boot);
    /// `boot`: fetched when the node boots.
    pub stage: Stage,
    /// Why `location` is unknown, and where to look.
    pub unknown: Option<String>,
}

impl Item {
    fn new(kind: Kind, name: impl Into<String>, roles: &[Role], stage: Stage) -> Item {
        Item {
            kind,
            name: name.into(),
            location: None,
            version: None,
            key_url: None,
            sha256: None,
            roles: roles.to_vec(),
            stage,
            unknown: None,
        }
    }

    fn at(mut self, location: impl Into<String>) -> Item {
        self.location = Some(location.into());
        self
    }
}

pub(crate) fn artifacts(cluster: &Cluster) -> Artifacts {
    let all = roles(cluster);
    let control: Vec<Role> = all.iter().copied().filter(|r| *r != Role::Worker).collect();
    let mut items = apt_items(cluster, &all);
    items.extend(kubeadm_images(cluster, &all, &control));
    items.extend(cni_items(cluster, &all));
    if cluster.vip.is_some() {
        items.push(
            Item::new(Kind::Image, "kube-vip", &control, Stage::Boot).at(kube_vip::image(cluster)),
        );
    }
    Artifacts {
        cluster: cluster.name.clone(),
        kubernetes: cluster.version.to_string(),
        items,
    }
}

/// The roles the cluster has bundles for, in a fixed order.
fn roles(cluster: &Cluster) -> Vec<Role> {
    let present: Vec<Role> = plan::bundle_roles(cluster)
        .into_iter()
        .map(|(r, _)| r)
        .collect();
    [Role::ControlPlane, Role::ControlPlaneJoin, Role::Worker]
        .into_iter()
        .filter(|r| present.contains(r))
        .collect()
}

/// The repositories and packages of the bake steps `cri-o` (or `containerd`) and
/// `kube-packages`.
fn apt_items(cluster: &Cluster, all: &[Role]) -> Vec<Item> {
    let containerd = crate::plan::containerd::containerd_plan(cluster);
    let runtime_repos = match &containerd {
        Some(c) => c.repos.clone(),
        None => packages::crio_repos(cluster).0,
    };
    let mut items: Vec<Item> = runtime_repos
        .into_iter()
        .chain([packages::kube_repo(cluster)])
        .map(|repo| {
            let url = repo.source_line.split(' ').nth(2).unwrap_or("").to_string();
            let mut item = Item::new(Kind::AptRepository, repo.name, all, Stage::Bake).at(url);
            item.key_url = Some(repo.key_url);
            item
        })
        .collect();
    for name in APT_PREREQUISITES {
        let mut item = Item::new(Kind::Package, *name, all, Stage::Bake);
        item.unknown = Some("the operating system's own repositories".into());
        items.push(item);
    }
    let runtime_pins = match containerd {
        Some(c) => c.package_pins,
        None => packages::crio_package_pins(cluster),
    };
    let pins = runtime_pins
        .into_iter()
        .chain(packages::kube_package_pins(cluster));
    for pin in pins {
        let (name, version) = match pin.split_once('=') {
            Some((n, v)) => (n.to_string(), v.to_string()),
            None => (
                pin,
                format!("newest in the CRI-O 1.{} stream", cluster.release.minor),
            ),
        };
        let mut item = Item::new(Kind::Package, name, all, Stage::Bake);
        item.version = Some(version);
        items.push(item);
    }
    items
}

/// `kubeadm config images list`: the control-plane images at the cluster version, which
/// an image build pre-pulls, and etcd, CoreDNS and pause at kubeadm's versions, all in
/// `kubernetes.image_repository` when set. CoreDNS is `coredns/coredns` in kubeadm's
/// default registry, whether or not `image_repository` names it, and plain `coredns`
/// in any other: kubeadm compares the repository with its default, not whether one was
/// set (kubernetes/kubernetes cmd/kubeadm/app/images/images.go, `GetDNSImage`, at
/// a98d0db2af2a8a535f0b5da2bbd4fed1c006ad5a).
fn kubeadm_images(cluster: &Cluster, all: &[Role], control: &[Role]) -> Vec<Item> {
    let v = cluster.version;
    let default = images::default_registry(v.minor, v.patch);
    let registry = cluster.image_repository.as_deref().unwrap_or(default);
    let coredns = if registry == default {
        "coredns/coredns"
    } else {
        "coredns"
    };
    let tag = format!("v{v}");
    let mut items: Vec<Item> = [
        "kube-apiserver",
        "kube-controller-manager",
        "kube-scheduler",
    ]
    .into_iter()
    .map(|c| Item::new(Kind::Image, c, control, Stage::Bake).at(format!("{registry}/{c}:{tag}")))
    .collect();
    items.push(
        Item::new(Kind::Image, "kube-proxy", all, Stage::Bake)
            .at(format!("{registry}/kube-proxy:{tag}")),
    );
    let known = images::kubeadm_images(v.minor, v.patch);
    let others: [(&str, &[Role], Option<String>); 3] = [
        (
            "etcd",
            control,
            known.map(|k| format!("{registry}/etcd:{}", k.etcd)),
        ),
        (
            "coredns",
            all,
            known.map(|k| format!("{registry}/{coredns}:{}", k.coredns)),
        ),
        ("pause", all, images::kubeadm_pause(cluster)),
    ];
    // containerd pulls the sandbox image its config.toml pins, whatever kubeadm lists.
    let sandbox = crate::plan::containerd::containerd_plan(cluster).map(|c| c.sandbox_image);
    for (name, roles, location) in others {
        let location = match (name, &sandbox) {
            ("pause", Some(s)) => Some(s.clone()),
            _ => location,
        };
        let mut item = Item::new(Kind::Image, name, roles, Stage::Bake);
        match location {
            Some(l) => item.location = Some(l),
            None => {
                item.unknown = Some(format!(
                    "unknown (see `kubeadm config images list --kubernetes-version {tag}`)"
                ));
            }
        }
        items.push(item);
    }
    items
}

/// The manifest the first control plane applies, and the images it names, which every
/// node runs (DaemonSets) or may run (the controllers' Deployment).
fn cni_items(cluster: &Cluster, all: &[Role]) -> Vec<Item> {
    let Some(plan) = cni::cni_plan(cluster) else {
        return Vec::new();
    };
    let mut manifest = Item::new(
        Kind::Manifest,
        plan.plugin,
        &[Role::ControlPlane],
        Stage::Boot,
    )
    .at(plan.manifest_url.clone());
    manifest.sha256 = Some(plan.manifest_sha256.clone());
    let mut items = vec![manifest];
    let tag = match cluster.cni.plugin {
        CniPlugin::Flannel => cluster.release.flannel.tag,
        _ => cluster.release.calico.tag,
    };
    // A `cni.manifest` with the pin's sha256 is the pinned manifest served elsewhere.
    let pinned = plan.upstream_url.is_some();
    match images::cni_images(plan.plugin, tag).filter(|_| pinned) {
        Some(refs) => items.extend(
            refs.iter()
                .map(|r| Item::new(Kind::Image, image_name(r), all, Stage::Boot).at(*r)),
        ),
        None => {
            let mut item = Item::new(Kind::Image, plan.plugin, all, Stage::Boot);
            item.unknown = Some(format!("unknown (see the images in {})", plan.manifest_url));
            items.push(item);
        }
    }
    items
}

/// `docker.io/calico/node:v3.30.7` → `calico/node`.
fn image_name(reference: &str) -> String {
    let path = reference.split_once('/').map_or(reference, |(_, p)| p);
    path.rsplit_once(':').map_or(path, |(p, _)| p).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::matrix::RELEASES;

    /// `host[:port]/path:tag` as the distribution spec names them: a registry host with a
    /// dot, lowercase path components, a tag of at most 128 word characters, dots and
    /// dashes not starting with either.
    fn well_formed(reference: &str) -> bool {
        let Some((name, tag)) = reference.rsplit_once(':') else {
            return false;
        };
        let Some((host, path)) = name.split_once('/') else {
            return false;
        };
        let component = |c: &str| {
            !c.is_empty()
                && c.starts_with(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit())
                && c.chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "._-".contains(ch))
        };
        let (host, port) = host.split_once(':').unwrap_or((host, "0"));
        host.contains('.')
            && host.split('.').all(component)
            && port.parse::<u16>().is_ok()
            && path.split('/').all(component)
            && (1..=128).contains(&tag.len())
            && tag.starts_with(|ch: char| ch.is_ascii_alphanumeric() || ch == '_')
            && tag
                .chars()
                .all(|ch| ch.is_ascii_alphanumeric() || "._-".contains(ch))
    }

    #[test]
    fn the_checker_rejects_malformed_references() {
        for bad in [
            "calico/node:v3.30.7",
            "docker.io/Calico/node:v3",
            "docker.io/calico/node",
            "docker.io/calico/node:",
            "docker.io/calico//node:v1",
            "docker.io/calico/node:-v1",
        ] {
            assert!(!well_formed(bad), "{bad}");
        }
        assert!(well_formed("registry.k8s.io/coredns/coredns:v1.8.0"));
    }

    #[test]
    fn every_image_reference_is_well_formed() {
        let mut references: Vec<String> = images::CNI_IMAGES
            .iter()
            .flat_map(|(_, _, refs)| refs.iter().map(|r| r.to_string()))
            .collect();
        for known in images::KUBEADM_IMAGES {
            for registry in ["k8s.gcr.io", "registry.k8s.io"] {
                references.push(format!("{registry}/etcd:{}", known.etcd));
                references.push(format!("{registry}/coredns/coredns:{}", known.coredns));
                references.push(format!("{registry}/pause:{}", known.pause));
            }
        }
        let (cluster, report) = crate::load_cluster(crate::DEFAULT_CLUSTER, "default", false);
        let cluster = cluster.unwrap_or_else(|| panic!("{report}"));
        let mut rewritten = cluster.clone();
        rewritten.image_repository = Some("registry.example.internal:5000/k8s".into());
        for cluster in [&cluster, &rewritten] {
            references.push(kube_vip::image(cluster));
            references.extend(
                artifacts(cluster)
                    .items
                    .into_iter()
                    .filter(|i| i.kind == Kind::Image)
                    .filter_map(|i| i.location),
            );
        }
        for reference in &references {
            assert!(well_formed(reference), "{reference}");
        }
    }

    /// Every manifest the matrix pins has its images listed, so `artifacts` never says
    /// "unknown" for a pinned CNI.
    #[test]
    fn every_pinned_manifest_has_its_images() {
        for release in RELEASES {
            for plugin in ["calico", "canal"] {
                assert!(
                    images::cni_images(plugin, release.calico.tag).is_some(),
                    "{plugin} {}",
                    release.calico.tag
                );
            }
            assert!(
                images::cni_images("flannel", release.flannel.tag).is_some(),
                "flannel {}",
                release.flannel.tag
            );
        }
    }

    #[test]
    fn kubeadm_moved_registries_within_patch_releases() {
        assert_eq!(images::default_registry(21, 3), "k8s.gcr.io");
        assert_eq!(images::default_registry(22, 16), "k8s.gcr.io");
        assert_eq!(images::default_registry(22, 17), "registry.k8s.io");
        assert_eq!(images::default_registry(24, 8), "k8s.gcr.io");
        assert_eq!(images::default_registry(25, 0), "registry.k8s.io");
    }
}
