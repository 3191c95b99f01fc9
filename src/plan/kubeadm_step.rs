//! Part of stage 3 (plan): the role's kubeadm step. In: the cluster, the secrets, the
//! role and (for inventory nodes) the node; out: what the init or join step's template
//! reads, [`Init`] on the first control plane and [`Join`] elsewhere, each with its
//! kubeadm configuration file already written and its [`Recovery`].

use serde::Serialize;

use crate::model::cluster::{Cluster, Node};
use crate::plan::apiserver;
use crate::plan::cni::{self, CniPlan};
use crate::plan::kubeadm::{self, KubeadmInputs, NodeFacts};
use crate::plan::recovery::Recovery;
use crate::plan::role::Role;
use crate::secrets::CheckedSecrets;
use crate::validate;

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Init {
    pub kubeadm_config: String,
    pub cni: Option<CniPlan>,
    pub recovery: Recovery,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Join {
    pub kubeadm_config: String,
    pub control_plane: bool,
    pub ca_cert_hash: String,
    pub healthz_url: String,
    pub wait_attempts: u32,
    pub wait_seconds: u32,
    pub recovery: Recovery,
}

/// The role's kubeadm step: `init` on the first control plane, `join` (as a control
/// plane or a worker) elsewhere.
pub(super) fn kubeadm_steps(
    cluster: &Cluster,
    secrets: &CheckedSecrets,
    role: Role,
    node: Option<&Node>,
    endpoint: &str,
    recovery: Recovery,
) -> (Option<Init>, Option<Join>) {
    let api_server = apiserver::extras(cluster);
    let inputs = KubeadmInputs {
        api: cluster.release.kubeadm_api,
        api_server_port: cluster.api_server_port,
        cluster_name: &cluster.name,
        kubernetes_version: format!("v{}", cluster.version),
        endpoint,
        pod_subnet: cluster.pod_subnet.to_string(),
        service_subnet: cluster.service_subnet.to_string(),
        dns_domain: &cluster.dns_domain,
        cert_sans: &cluster.cert_sans,
        token: secrets.secrets.bootstrap_token.expose(),
        token_ttl: validate::go_duration(cluster.token_ttl_seconds),
        ca_cert_hash: &secrets.ca_cert_hash,
        api_server: &api_server,
        image_repository: cluster.image_repository.as_deref(),
        cri_socket: crate::plan::containerd::cri_socket(&cluster.runtime),
    };
    let facts = node_facts(node);
    let join = |control_plane: bool| Join {
        kubeadm_config: kubeadm::join_config(&inputs, &facts, control_plane),
        control_plane,
        ca_cert_hash: secrets.ca_cert_hash.clone(),
        healthz_url: format!("https://{endpoint}/healthz"),
        wait_attempts: 90,
        wait_seconds: 10,
        recovery: recovery.clone(),
    };
    match role {
        Role::ControlPlane => (
            Some(Init {
                kubeadm_config: kubeadm::init_config(&inputs, &facts),
                cni: cni::cni_plan(cluster),
                recovery,
            }),
            None,
        ),
        Role::ControlPlaneJoin => (None, Some(join(true))),
        Role::Worker => (None, Some(join(false))),
    }
}

fn node_facts(node: Option<&Node>) -> NodeFacts<'_> {
    let Some(n) = node else {
        return NodeFacts::default();
    };
    NodeFacts {
        name: Some(&n.name),
        address: Some(n.address.to_string()),
        labels: n.labels.clone(),
        taints: n.taints.as_ref().map(|taints| {
            taints
                .iter()
                .map(|t| (t.key.as_str(), t.value.as_deref(), t.effect.as_str()))
                .collect()
        }),
    }
}
