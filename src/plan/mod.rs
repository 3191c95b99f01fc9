//! Stage 3, plan: [`Cluster`] + [`CheckedSecrets`] + the release matrix → [`Plan`]: every
//! bundle (per role, and per inventory node) with its ordered steps and the exact values
//! each step template needs.
//!
//! All decisions live here and in its helpers (`packages`, `cni`, `kubeadm`), in Rust:
//! repositories, package pins, API versions, which steps a role runs, which files carry
//! secrets. Templates only loop and branch on what this module prepares.

pub(crate) mod airgap;
pub(crate) mod apiserver;
mod apiserver_docs;
pub(crate) mod artifacts;
pub(crate) mod bake;
pub(crate) mod cni;
pub(crate) mod containerd;
mod context;
pub(crate) mod daytwo;
pub(crate) mod delivery;
pub(crate) mod extras;
pub(crate) mod kube_vip;
pub(crate) mod kubeadm;
mod kubeadm_docs;
mod kubeadm_step;
pub(crate) mod kubeconfig;
mod node_wait;
pub(crate) mod offline;
pub(crate) mod packages;
pub(crate) mod provenance;
pub(crate) mod proxy;
mod recovery;
pub(crate) mod registries;
pub(crate) mod remove;
pub(crate) mod renew;
mod retries;
mod role;
mod steps;
pub(crate) mod upgrade;

pub(crate) use context::{APT_PREREQUISITES, Context};
pub(crate) use role::{Role, Step};
pub(crate) use steps::{image_steps, is_image_only, steps};

pub(crate) use crate::artifact::Stage;
use crate::model::cluster::Cluster;
use crate::model::cluster::{Node, NodeRole};
use crate::secrets::{ADMIN_GROUP, ADMIN_USER, CheckedSecrets, LEGACY_ADMIN_GROUP};

/// One bundle: a directory of `user-data.yaml`, `bootstrap.sh` and `steps/`.
pub(crate) struct RolePlan {
    /// Relative output directory: `control-plane`, `worker`, `nodes/cp-1`, ...
    pub dir: String,
    pub role: Role,
    /// Set for inventory nodes: cloud-init sets the machine's hostname to it.
    pub hostname: Option<String>,
    pub steps: Vec<Step>,
    pub context: Context,
    /// Where the node fetches this bundle from; `None`: inline in user-data.
    pub fetch: Option<delivery::Fetch>,
}

pub(crate) struct Plan {
    pub cluster_name: String,
    pub bundles: Vec<RolePlan>,
    /// `admin.conf` for the operator; `None` when the secrets hold no admin credential.
    pub admin_kubeconfig: Option<String>,
    /// What the tree is rendered from, for its manifest.
    pub provenance: provenance::Provenance,
    /// How bundles reach nodes; anything but inline adds `publish/`.
    pub delivery: crate::model::cluster::Delivery,
}

pub(crate) fn plan(cluster: &Cluster, secrets: &CheckedSecrets) -> Plan {
    let bundles: Vec<RolePlan> = bundle_roles(cluster)
        .into_iter()
        .map(|(role, node)| bundle(cluster, secrets, role, node))
        .collect();
    let mut provenance = provenance::Provenance::new(cluster);
    if cluster.delivery != crate::model::cluster::Delivery::Inline {
        provenance.delivery = Some(provenance::DeliveryRecord {
            mode: cluster.delivery.mode(),
            bundles: bundles
                .iter()
                .filter_map(|b| Some((b.dir.clone(), b.fetch.clone()?)))
                .collect(),
        });
    }
    Plan {
        cluster_name: cluster.name.clone(),
        bundles,
        admin_kubeconfig: admin_kubeconfig(cluster, secrets),
        provenance,
        delivery: cluster.delivery.clone(),
    }
}

/// Which bundles a cluster gets, in order: the per-role ones, then one per inventory
/// node, where the first control plane listed runs `kubeadm init` and the others join.
/// Only bundles some machine boots from: an inventory lists every control plane (validate
/// makes `control_planes` agree with it), so then no per-role control-plane bundle (with
/// the CA keys) is written; the per-role worker bundle stays for workers not listed
/// (autoscaled ones). Pure: `explain` uses it.
pub(crate) fn bundle_roles(cluster: &Cluster) -> Vec<(Role, Option<&Node>)> {
    let mut roles = Vec::new();
    if cluster.nodes.is_empty() {
        roles.push((Role::ControlPlane, None));
        if cluster.control_planes > 1 {
            roles.push((Role::ControlPlaneJoin, None));
        }
    }
    roles.push((Role::Worker, None));
    let mut first_control_plane = true;
    for node in &cluster.nodes {
        let role = match node.role {
            NodeRole::ControlPlane if first_control_plane => {
                first_control_plane = false;
                Role::ControlPlane
            }
            NodeRole::ControlPlane => Role::ControlPlaneJoin,
            NodeRole::Worker => Role::Worker,
        };
        roles.push((role, Some(node)));
    }
    roles
}

/// From 1.29 kubeadm's admin.conf uses the `kubeadm:cluster-admins` group (bound to
/// cluster-admin by `kubeadm init`) instead of the unrevocable `system:masters`.
fn admin_kubeconfig(cluster: &Cluster, secrets: &CheckedSecrets) -> Option<String> {
    let group = if cluster.release.minor >= 29 {
        ADMIN_GROUP
    } else {
        LEGACY_ADMIN_GROUP
    };
    let credential = secrets.admin_credential(group)?;
    Some(kubeconfig::admin_kubeconfig(&kubeconfig::AdminInputs {
        cluster_name: &cluster.name,
        endpoint: &cluster.endpoint.host_port(),
        ca_certificate: &secrets.secrets.cluster_ca.certificate,
        client_certificate: &credential.certificate,
        client_key: credential.private_key.expose(),
        user: ADMIN_USER,
    }))
}

fn bundle(
    cluster: &Cluster,
    secrets: &CheckedSecrets,
    role: Role,
    node: Option<&Node>,
) -> RolePlan {
    let dir = bundle_dir(role, node);
    let steps = steps(cluster, role);
    RolePlan {
        fetch: bundle_fetch(cluster, role, node),
        dir,
        role,
        hostname: node.map(|n| n.name.clone()),
        context: context::context(cluster, secrets, role, node, &steps),
        steps,
    }
}

/// `control-plane`, `worker`, `nodes/cp-1`, ...
fn bundle_dir(role: Role, node: Option<&Node>) -> String {
    match node {
        Some(n) => format!("nodes/{}", n.name),
        None => role.name().to_string(),
    }
}

/// Where a bundle is fetched from; `None` when it is inline. Pure: `explain` uses it.
pub(crate) fn bundle_fetch(
    cluster: &Cluster,
    role: Role,
    node: Option<&Node>,
) -> Option<delivery::Fetch> {
    // Per-role worker bundles serve every worker; control-plane-join every control
    // plane after the second.
    let shared = node.is_none()
        && match role {
            Role::ControlPlane => false,
            Role::ControlPlaneJoin => cluster.control_planes > 2,
            Role::Worker => true,
        };
    delivery::fetch(&cluster.delivery, &bundle_dir(role, node), role, shared)
}

#[cfg(test)]
mod tests {
    /// Bake steps see a context without secrets, so no template can bake one in.
    #[test]
    fn bake_context_carries_no_secret() {
        let (cluster, report) = crate::load_cluster(crate::DEFAULT_CLUSTER, "default", false);
        let cluster = cluster.unwrap_or_else(|| panic!("{report}"));
        let secrets = crate::fixture_secrets();
        let plan = super::plan(&cluster, &secrets);
        for bundle in &plan.bundles {
            let json = serde_json::to_string(&bundle.context.for_bake()).unwrap();
            assert!(
                !json.contains("PRIVATE KEY")
                    && !json.contains(secrets.secrets.bootstrap_token.expose()),
                "{}",
                bundle.dir
            );
            assert!(!json.contains(&secrets.ca_cert_hash), "{}", bundle.dir);
        }
    }
}
