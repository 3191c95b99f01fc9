//! kubeadm configuration documents, built as typed values and serialized with
//! [`crate::yaml`], which kubeadm's YAML 1.1 reader reads as meant (never assembled
//! from strings). Part of `plan`: which fields exist and their shapes follow
//! the kubeadm API version chosen by the release matrix. The documents' types are in
//! `kubeadm_docs`; here the cluster's inputs and each node's facts fill them in.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::cluster::DEFAULT_API_SERVER_PORT;
use crate::model::matrix::KubeadmApi;
use crate::plan::apiserver::ApiServerExtras;
use crate::plan::kubeadm_docs::{
    ApiEndpoint, ApiServer, BootstrapToken, ClusterConfiguration, Discovery, DiscoveryToken,
    ExtraArgs, InitConfiguration, JoinConfiguration, JoinControlPlane, KubeletConfiguration,
    Networking, NodeRegistration, Taint,
};
use crate::yaml;

/// Stands in for the node name in per-role bundles; the step replaces it with the
/// machine's validated hostname at boot, since one bundle serves many machines.
/// It is always written single-quoted (`name: 'KUBEPRINT_NODE_NAME'`): a hostname
/// that passes the step's check has no quote in it, so it stays a string after the
/// replacement even when YAML 1.1 would read it bare as a bool or a number (`yes`,
/// `on`, `123`, `1e3`, `2001-12-14`).
pub(crate) const NODE_NAME_PLACEHOLDER: &str = "KUBEPRINT_NODE_NAME";

/// Inputs shared by the init and join documents.
pub(crate) struct KubeadmInputs<'a> {
    pub api: KubeadmApi,
    /// The port control planes' API servers bind (`localAPIEndpoint.bindPort`).
    pub api_server_port: u16,
    pub cluster_name: &'a str,
    pub kubernetes_version: String,
    pub endpoint: &'a str,
    pub pod_subnet: String,
    pub service_subnet: String,
    pub dns_domain: &'a str,
    pub cert_sans: &'a [String],
    pub token: &'a str,
    pub token_ttl: String,
    pub ca_cert_hash: &'a str,
    /// API server flags and mounts of the hardening options (empty when they are off).
    pub api_server: &'a ApiServerExtras,
    /// ClusterConfiguration's `imageRepository` (v1beta2 to v1beta4 all have it).
    pub image_repository: Option<&'a str>,
    /// `nodeRegistration.criSocket`: the runtime's socket. kubeadm writes it into the
    /// kubelet's `containerRuntimeEndpoint` (or `--container-runtime-endpoint` before
    /// 1.27) itself.
    pub cri_socket: &'static str,
}

/// What is known about the machine itself (all of it, for inventory nodes).
#[derive(Default)]
pub(crate) struct NodeFacts<'a> {
    /// `None`: the placeholder, replaced by the hostname at boot.
    pub name: Option<&'a str>,
    pub address: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub taints: Option<Vec<(&'a str, Option<&'a str>, &'a str)>>,
}

impl NodeFacts<'_> {
    fn registration<'b>(
        &'b self,
        api: KubeadmApi,
        cri_socket: &'static str,
    ) -> NodeRegistration<'b> {
        let mut args = BTreeMap::new();
        if let Some(ip) = &self.address {
            args.insert("node-ip".to_string(), ip.clone());
        }
        if !self.labels.is_empty() {
            let labels: Vec<String> = self
                .labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            args.insert("node-labels".to_string(), labels.join(","));
        }
        NodeRegistration {
            name: self.name.unwrap_or(NODE_NAME_PLACEHOLDER),
            cri_socket,
            taints: self.taints.as_ref().map(|ts| {
                ts.iter()
                    .map(|(key, value, effect)| Taint {
                        key,
                        value: *value,
                        effect,
                    })
                    .collect()
            }),
            kubelet_extra_args: ExtraArgs::new(api, args),
        }
    }

    fn api_endpoint(&self, bind_port: u16) -> Option<ApiEndpoint> {
        (self.address.is_some() || bind_port != DEFAULT_API_SERVER_PORT).then(|| ApiEndpoint {
            advertise_address: self.address.clone(),
            bind_port,
        })
    }
}

/// `kubeadm init --config` file: Init, Cluster and Kubelet configuration documents.
pub(crate) fn init_config(i: &KubeadmInputs, node: &NodeFacts) -> String {
    let api = i.api.api_version();
    let init = InitConfiguration {
        api_version: api,
        kind: "InitConfiguration",
        bootstrap_tokens: vec![BootstrapToken {
            token: i.token,
            ttl: i.token_ttl.clone(),
            usages: ["signing", "authentication"],
            groups: ["system:bootstrappers:kubeadm:default-node-token"],
            description: "kubeprint: pre-generated token for joining nodes",
        }],
        node_registration: node.registration(i.api, i.cri_socket),
        local_api_endpoint: node.api_endpoint(i.api_server_port),
    };
    let cluster = ClusterConfiguration {
        api_version: api,
        kind: "ClusterConfiguration",
        cluster_name: i.cluster_name,
        kubernetes_version: i.kubernetes_version.clone(),
        control_plane_endpoint: i.endpoint,
        networking: Networking {
            pod_subnet: i.pod_subnet.clone(),
            service_subnet: i.service_subnet.clone(),
            dns_domain: i.dns_domain,
        },
        image_repository: i.image_repository,
        api_server: api_server(i),
    };
    // kubeadm only defaults the kubelet to the systemd cgroup driver from 1.22; CRI-O
    // uses systemd, and a mismatch leaves the kubelet unable to start pods.
    let kubelet = KubeletConfiguration {
        api_version: "kubelet.config.k8s.io/v1beta1",
        kind: "KubeletConfiguration",
        cgroup_driver: "systemd",
    };
    [to_yaml(&init), to_yaml(&cluster), to_yaml(&kubelet)].join("---\n")
}

/// ClusterConfiguration's `apiServer`, absent when nothing in it differs from kubeadm's
/// defaults (so clusters without these settings render as they always did).
fn api_server<'a>(i: &'a KubeadmInputs) -> Option<ApiServer<'a>> {
    let extras = i.api_server;
    let empty = i.cert_sans.is_empty() && extras.args.is_empty() && extras.volumes.is_empty();
    (!empty).then(|| ApiServer {
        cert_sans: i.cert_sans,
        extra_args: ExtraArgs::new(i.api, extras.args.clone()),
        extra_volumes: &extras.volumes,
    })
}

/// `kubeadm join --config` file, for a worker or (with `control_plane`) a control plane.
pub(crate) fn join_config(i: &KubeadmInputs, node: &NodeFacts, control_plane: bool) -> String {
    let join = JoinConfiguration {
        api_version: i.api.api_version(),
        kind: "JoinConfiguration",
        discovery: Discovery {
            bootstrap_token: DiscoveryToken {
                api_server_endpoint: i.endpoint,
                token: i.token,
                ca_cert_hashes: [i.ca_cert_hash],
            },
        },
        node_registration: node.registration(i.api, i.cri_socket),
        control_plane: control_plane.then(|| JoinControlPlane {
            local_api_endpoint: node.api_endpoint(i.api_server_port),
        }),
    };
    to_yaml(&join)
}

fn to_yaml<T: Serialize>(value: &T) -> String {
    // Serializing these plain structs cannot fail: no maps with non-string keys.
    yaml::to_string_quoting(value, &[NODE_NAME_PLACEHOLDER]).expect("kubeadm documents serialize")
}
