//! Part of stage 3 (plan): what a bundle's last kubeadm-side step (`wait-for-node`) waits
//! for before the node counts as complete. In: the cluster and the role; out: which
//! kubeconfig asks the API server about this node, and whether it must be Ready or only
//! registered.

use serde::Serialize;

use crate::model::cluster::{Cluster, CniPlugin};
use crate::plan::role::Role;

/// The `wait-for-node` step's question: is this node's Node object there (and Ready)?
#[derive(Debug, Clone, Serialize)]
pub(crate) struct NodeWait {
    /// The kubeconfig `kubectl get node` uses.
    pub kubeconfig: &'static str,
    /// Wait for the Ready condition, not only for the Node object.
    pub ready: bool,
}

/// Control planes have admin.conf once kubeadm init or join is done.
const ADMIN_CONF: &str = "/etc/kubernetes/admin.conf";

/// Workers never get admin.conf; they ask with the kubelet's own credentials, which
/// `kubeadm join` waits for (the TLS bootstrap writes this file: kubernetes/kubernetes
/// cmd/kubeadm/app/cmd/phases/join/kubelet.go, `waitForTLSBootstrappedClient`). Its
/// identity `system:node:NAME` may read its own Node object: the Node authorizer allows a
/// node to get its own Node (kubernetes/kubernetes plugin/pkg/auth/authorizer/node/
/// node_authorizer.go, `authorizeNode`, with AuthorizeNodeWithSelectors, on by default
/// from 1.32 and GA in 1.34: kubernetes/website content/en/docs/reference/
/// command-line-tools-reference/feature-gates/, AuthorizeNodeWithSelectors), and before
/// that any node could read any Node through its static rules (plugin/pkg/auth/authorizer/
/// rbac/bootstrappolicy/policy.go, `NodeRules`: get, list, watch on nodes). The docs say
/// the same: kubernetes/website content/en/docs/reference/access-authn-authz/node.md,
/// "Read operations: nodes" (commit 0189ae0f6bf2a79ff2e4bfd5f9ec0da98d64c5d2).
const KUBELET_CONF: &str = "/etc/kubernetes/kubelet.conf";

/// Control planes wait until their node is Ready, which needs the pod network: without a
/// CNI (`cni.plugin: none`) the node stays NotReady until the user installs one (the
/// kubelet's `container runtime network not ready`, which its Ready condition reports:
/// kubernetes/kubernetes pkg/kubelet/kubelet.go, `updateRuntimeUp`), so those wait only
/// for the Node object. Workers wait for their Node object only: that is what joining
/// gives; the CNI's pods start there in their own time.
pub(crate) fn node_wait(cluster: &Cluster, role: Role) -> NodeWait {
    match role {
        Role::Worker => NodeWait {
            kubeconfig: KUBELET_CONF,
            ready: false,
        },
        Role::ControlPlane | Role::ControlPlaneJoin => NodeWait {
            kubeconfig: ADMIN_CONF,
            ready: cluster.cni.plugin != CniPlugin::None,
        },
    }
}
