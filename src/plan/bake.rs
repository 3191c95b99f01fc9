//! Part of stage 3 (plan): what an image build fetches beyond its bake steps, so a node
//! started from the image with `user-data.baked.yaml` downloads nothing. In: a checked
//! [`Cluster`]; out: the container images to pre-pull besides kubeadm's own (`kubeadm
//! config images pull`), and the pinned CNI manifest the image keeps for the cni step.
//!
//! One image serves every role, so it holds what any role runs: kubeadm's images (the
//! control plane's, kube-proxy, CoreDNS, pause), the CNI's images (DaemonSets on every
//! node) and, with `kubernetes.vip`, kube-vip. Registry mirrors apply on their own: the
//! image build pulls through CRI-O, which reads the mirrors drop-in the cri-o step wrote.

use serde::Serialize;

use crate::model::cluster::{Cluster, CniPlugin};
use crate::model::images;
use crate::plan::cni::cni_plan;
use crate::plan::kube_vip;

#[derive(Debug, Clone, Serialize)]
pub(crate) struct BakePlan {
    /// Full references pulled with crictl after kubeadm's: the pinned manifest's CNI
    /// images, then kube-vip's. A manifest of the user's names images kubeprint does not
    /// know: the kubelet pulls those at boot.
    pub images: Vec<String>,
    /// The pinned CNI manifest, kept unedited in the image; `None` with `cni.plugin: none`.
    pub cni: Option<BakedManifest>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct BakedManifest {
    pub plugin: &'static str,
    pub url: String,
    pub sha256: String,
    pub path: String,
}

pub(crate) fn bake_plan(cluster: &Cluster) -> BakePlan {
    let cni = cni_plan(cluster);
    let mut images: Vec<String> = Vec::new();
    if let Some(plan) = &cni {
        let tag = match cluster.cni.plugin {
            CniPlugin::Flannel => cluster.release.flannel.tag,
            _ => cluster.release.calico.tag,
        };
        // The pinned manifest, wherever it is served (its sha256 is the pin's).
        let pinned = plan.upstream_url.is_some();
        if let Some(refs) = images::cni_images(plan.plugin, tag).filter(|_| pinned) {
            images.extend(refs.iter().map(|r| r.to_string()));
        }
    }
    if cluster.vip.is_some() {
        images.push(kube_vip::image(cluster));
    }
    BakePlan {
        images,
        cni: cni.map(|plan| BakedManifest {
            plugin: plan.plugin,
            url: plan.manifest_url,
            sha256: plan.manifest_sha256,
            path: plan.baked_file,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(edit: impl Fn(&str) -> String) -> Cluster {
        let text = edit(crate::DEFAULT_CLUSTER);
        let (cluster, report) = crate::load_cluster(&text, "default", false);
        cluster.unwrap_or_else(|| panic!("{report}"))
    }

    #[test]
    fn the_image_pulls_the_pinned_cni_images_and_keeps_the_manifest() {
        let c = cluster(str::to_string);
        let plan = bake_plan(&c);
        let pinned = images::cni_images("canal", c.release.calico.tag).unwrap();
        assert_eq!(plan.images, pinned.to_vec());
        let cni = plan.cni.unwrap();
        assert_eq!(cni.path, "/usr/local/share/kubeprint/cni/canal.yaml");
        assert_eq!(cni.sha256, c.release.calico.manifest(true).1);
    }

    #[test]
    fn a_users_manifest_is_kept_but_its_images_are_unknown() {
        let c = cluster(|t| {
            t.replace(
                "\n  plugin: canal\n",
                &format!(
                    "\n  plugin: canal\n  manifest: https://example.com/canal.yaml\n  manifest_sha256: {}\n",
                    "a".repeat(64)
                ),
            )
        });
        assert!(c.cni.manifest.is_some());
        let plan = bake_plan(&c);
        assert!(plan.images.is_empty(), "{:?}", plan.images);
        assert_eq!(plan.cni.unwrap().url, "https://example.com/canal.yaml");
    }
}
