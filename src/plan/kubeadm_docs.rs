//! Part of stage 3 (plan): the kubeadm configuration documents as typed values, one
//! struct per kind (InitConfiguration, ClusterConfiguration, JoinConfiguration,
//! KubeletConfiguration) and their parts. [`kubeadm`](super::kubeadm) fills them in
//! from the plan's inputs and serializes them; what differs between kubeadm API
//! versions (extra arguments as a map up to v1beta3, a `{name, value}` list from
//! v1beta4) is decided here, so the builders stay version-agnostic.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::matrix::KubeadmApi;
use crate::plan::apiserver::HostPathMount;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct InitConfiguration<'a> {
    pub(super) api_version: &'a str,
    pub(super) kind: &'a str,
    pub(super) bootstrap_tokens: Vec<BootstrapToken<'a>>,
    pub(super) node_registration: NodeRegistration<'a>,
    #[serde(rename = "localAPIEndpoint", skip_serializing_if = "Option::is_none")]
    pub(super) local_api_endpoint: Option<ApiEndpoint>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct BootstrapToken<'a> {
    pub(super) token: &'a str,
    pub(super) ttl: String,
    pub(super) usages: [&'a str; 2],
    pub(super) groups: [&'a str; 1],
    pub(super) description: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct NodeRegistration<'a> {
    pub(super) name: &'a str,
    pub(super) cri_socket: &'a str,
    /// Absent: kubeadm's default (the control-plane taint on control planes, none on
    /// workers). Present, even empty, replaces it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) taints: Option<Vec<Taint<'a>>>,
    #[serde(skip_serializing_if = "ExtraArgs::is_empty")]
    pub(super) kubelet_extra_args: ExtraArgs,
}

#[derive(Serialize)]
pub(super) struct Taint<'a> {
    pub(super) key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) value: Option<&'a str>,
    pub(super) effect: &'a str,
}

/// kubelet flags: a map up to v1beta3, a list of `{name, value}` from v1beta4.
#[derive(Serialize)]
#[serde(untagged)]
pub(super) enum ExtraArgs {
    Map(BTreeMap<String, String>),
    List(Vec<NamedArg>),
}

impl ExtraArgs {
    pub(super) fn new(api: KubeadmApi, args: BTreeMap<String, String>) -> Self {
        match api {
            KubeadmApi::V1beta4 => ExtraArgs::List(
                args.into_iter()
                    .map(|(name, value)| NamedArg { name, value })
                    .collect(),
            ),
            _ => ExtraArgs::Map(args),
        }
    }
    pub(super) fn is_empty(&self) -> bool {
        match self {
            ExtraArgs::Map(m) => m.is_empty(),
            ExtraArgs::List(l) => l.is_empty(),
        }
    }
}

#[derive(Serialize)]
pub(super) struct NamedArg {
    pub(super) name: String,
    pub(super) value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ApiEndpoint {
    /// Absent: kubeadm picks the address of the default route's interface.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) advertise_address: Option<String>,
    pub(super) bind_port: u16,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ClusterConfiguration<'a> {
    pub(super) api_version: &'a str,
    pub(super) kind: &'a str,
    pub(super) cluster_name: &'a str,
    pub(super) kubernetes_version: String,
    pub(super) control_plane_endpoint: &'a str,
    pub(super) networking: Networking<'a>,
    /// `kubernetes.image_repository`; absent: kubeadm's default registry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) image_repository: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) api_server: Option<ApiServer<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Networking<'a> {
    pub(super) pod_subnet: String,
    pub(super) service_subnet: String,
    pub(super) dns_domain: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ApiServer<'a> {
    #[serde(rename = "certSANs", skip_serializing_if = "is_empty_slice")]
    pub(super) cert_sans: &'a [String],
    /// API server flags: a map up to v1beta3, a `{name, value}` list from v1beta4.
    #[serde(skip_serializing_if = "ExtraArgs::is_empty")]
    pub(super) extra_args: ExtraArgs,
    #[serde(skip_serializing_if = "is_empty_slice")]
    pub(super) extra_volumes: &'a [HostPathMount],
}

fn is_empty_slice<T>(items: &&[T]) -> bool {
    items.is_empty()
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct KubeletConfiguration<'a> {
    pub(super) api_version: &'a str,
    pub(super) kind: &'a str,
    pub(super) cgroup_driver: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct JoinConfiguration<'a> {
    pub(super) api_version: &'a str,
    pub(super) kind: &'a str,
    pub(super) discovery: Discovery<'a>,
    pub(super) node_registration: NodeRegistration<'a>,
    /// Present only for control planes: the shared certificates are already on disk,
    /// so no `certificateKey` (and no two-hour `--upload-certs` window) is needed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) control_plane: Option<JoinControlPlane>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct JoinControlPlane {
    #[serde(rename = "localAPIEndpoint", skip_serializing_if = "Option::is_none")]
    pub(super) local_api_endpoint: Option<ApiEndpoint>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Discovery<'a> {
    pub(super) bootstrap_token: DiscoveryToken<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DiscoveryToken<'a> {
    pub(super) api_server_endpoint: &'a str,
    pub(super) token: &'a str,
    pub(super) ca_cert_hashes: [&'a str; 1],
}
