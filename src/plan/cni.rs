//! Part of stage 3 (plan): the pod network. Which manifest to apply (pinned per plugin
//! and Kubernetes minor, or the user's) and the edits that make it match the pod subnet.

use serde::Serialize;

use crate::model::cluster::{Cluster, CniPlugin};
use crate::model::matrix::FLANNEL_DEFAULT_NETWORK;

#[derive(Debug, Clone, Serialize)]
pub(crate) struct CniPlan {
    pub plugin: &'static str,
    pub manifest_url: String,
    /// sha256 of the manifest as downloaded; the node refuses other bytes.
    pub manifest_sha256: String,
    /// Where kubeprint's pinned manifest comes from upstream, when the node's bytes are
    /// those (the pin itself, or a `cni.manifest` mirror of it: same sha256).
    pub upstream_url: Option<String>,
    pub manifest_file: String,
    /// The unedited pinned manifest a baked image keeps; used when its sha256 matches.
    pub baked_file: String,
    /// Literal text replacements that make the manifest agree with the pod subnet.
    pub rewrites: Vec<Rewrite>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Rewrite {
    pub from: String,
    pub to: String,
}

pub(crate) fn cni_plan(cluster: &Cluster) -> Option<CniPlan> {
    let plugin = cluster.cni.plugin;
    let release = cluster.release;
    let pinned = match plugin {
        CniPlugin::None => return None,
        CniPlugin::Canal => release.calico.manifest(true),
        CniPlugin::Calico => release.calico.manifest(false),
        CniPlugin::Flannel => release.flannel.manifest(),
    };
    let (manifest_url, manifest_sha256) = match &cluster.cni.manifest {
        Some((url, sha256)) => (url.clone(), sha256.clone()),
        None => (pinned.0.clone(), pinned.1.to_string()),
    };
    let upstream_url = (manifest_sha256 == pinned.1).then_some(pinned.0);
    let pod = cluster.pod_subnet.to_string();
    let rewrites = match plugin {
        CniPlugin::Flannel | CniPlugin::Canal if pod != FLANNEL_DEFAULT_NETWORK => vec![Rewrite {
            from: format!("\"Network\": \"{FLANNEL_DEFAULT_NETWORK}\""),
            to: format!("\"Network\": \"{pod}\""),
        }],
        // Calico ships the pool CIDR commented out; enable it with the pod subnet so the
        // IP pool and kubeadm's podSubnet always agree.
        CniPlugin::Calico => vec![
            Rewrite {
                from: "# - name: CALICO_IPV4POOL_CIDR".into(),
                to: "- name: CALICO_IPV4POOL_CIDR".into(),
            },
            Rewrite {
                from: "#   value: \"192.168.0.0/16\"".into(),
                to: format!("  value: \"{pod}\""),
            },
        ],
        _ => vec![],
    };
    Some(CniPlan {
        plugin: plugin.name(),
        manifest_url,
        manifest_sha256,
        upstream_url,
        manifest_file: format!("{}/{}.yaml", crate::layout::CNI_MANIFEST_DIR, plugin.name()),
        baked_file: format!("{}/{}.yaml", crate::layout::CNI_BAKED_DIR, plugin.name()),
        rewrites,
    })
}
