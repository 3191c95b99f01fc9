//! Part of stage 3 (plan): what a tree is rendered from, recorded in its manifest.json
//! (no secrets). Decided here, once, so rendering needs only the plan.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::cluster::{Cluster, Runtime};
use crate::plan::cni::cni_plan;
use crate::plan::delivery::Fetch;
use crate::plan::proxy::proxy_plan;

/// What a tree was rendered from (no secrets).
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Provenance {
    pub kubeprint_version: String,
    pub cluster_name: String,
    pub kubernetes_version: String,
    /// The CRI-O stream or release; absent on containerd clusters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crio_version: Option<String>,
    /// The containerd release (`runtime.name: containerd`); absent on CRI-O clusters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub containerd_version: Option<String>,
    pub kubeadm_api_version: String,
    pub cni_plugin: String,
    /// `None` with `cni.plugin: none`.
    pub cni_manifest_url: Option<String>,
    /// How each bundle reaches its node; absent for inline delivery (the bundle is the
    /// user-data), so inline trees read as they always did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<DeliveryRecord>,
    /// The HTTP(S) proxy every bundle and the image build use; absent without one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy: Option<ProxyRecord>,
}

/// `proxy` in manifest.json: what `verify` holds every script and drop-in to.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ProxyRecord {
    pub http: String,
    pub https: String,
    /// The full NO_PROXY list, kubeprint's entries included.
    pub no_proxy: Vec<String>,
}

/// `delivery` in manifest.json: the mode, and for each bundle where its payloads are
/// fetched from and whether the node deletes them after a verified fetch.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct DeliveryRecord {
    pub mode: &'static str,
    pub bundles: BTreeMap<String, Fetch>,
}

impl Provenance {
    pub(crate) fn new(cluster: &Cluster) -> Provenance {
        let cni_manifest_url = cni_plan(cluster).map(|cni| cni.manifest_url);
        Provenance {
            kubeprint_version: env!("CARGO_PKG_VERSION").to_string(),
            cluster_name: cluster.name.clone(),
            kubernetes_version: cluster.version.to_string(),
            // validate guarantees the CRI-O minor equals the Kubernetes minor.
            crio_version: (cluster.runtime == Runtime::CriO).then(|| {
                cluster.crio_pin.clone().unwrap_or_else(|| {
                    format!("{}.{}", cluster.version.major, cluster.release.minor)
                })
            }),
            containerd_version: match &cluster.runtime {
                Runtime::Containerd { version } => Some(version.clone()),
                Runtime::CriO => None,
            },
            kubeadm_api_version: cluster.release.kubeadm_api.api_version().to_string(),
            cni_plugin: cluster.cni.plugin.name().to_string(),
            cni_manifest_url,
            delivery: None,
            proxy: proxy_plan(cluster).map(|p| ProxyRecord {
                http: p.http,
                https: p.https,
                no_proxy: p.no_proxy,
            }),
        }
    }
}
