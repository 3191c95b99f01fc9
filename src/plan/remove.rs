//! Part of stage 3 (plan): removing one node. In: the checked cluster, its [`Plan`], the
//! node's name and whether it is a control plane; out: the refusal (an unlisted or
//! misnamed node, the only control plane) or a [`RemovePlan`]: the node's bundle and
//! what the admin side's scripts need.
//!
//! The order is kubeadm's "Remove the node" (kubernetes/website,
//! content/en/docs/setup/production-environment/tools/kubeadm/create-cluster-kubeadm.md):
//! drain with admin credentials, `kubeadm reset` on the node, then `kubectl delete node`.
//! For a control plane `kubeadm reset` "also removes the local stacked etcd member of this
//! node from the etcd cluster" (kubernetes/website commit
//! 52704c9bebb5742f8a3f4e35efc82399da55575e,
//! content/en/docs/reference/setup-tools/kubeadm/kubeadm-reset.md, "Reset workflow").

use crate::error::{Error, Result};
use crate::model::cluster::{Cluster, NodeRole};
use crate::plan::daytwo::{self, Run};
use crate::plan::provenance::Provenance;
use crate::plan::role::{Role, Step};
use crate::plan::{Context, Plan, Stage};

pub(crate) struct RemovePlan {
    pub cluster_name: String,
    pub node: String,
    pub control_plane: bool,
    pub steps: Vec<Step>,
    pub context: Context,
    pub run: Run,
    pub provenance: Provenance,
}

const STEPS: &[(&str, &str)] = &[
    (
        "upgrade-cordoned",
        "stop unless this node is cordoned (admin/drain.sh): nothing is reset on a node still running workloads",
    ),
    (
        "remove-reset",
        "`kubeadm reset`: stop the kubelet, remove its containers and kubeadm's files (and, on a control plane, this node's etcd member)",
    ),
];

fn steps() -> Vec<Step> {
    ["cordoned", "reset"]
        .iter()
        .zip(STEPS)
        .enumerate()
        .map(|(i, (name, (template, summary)))| Step {
            id: format!("{:02}-{name}", i + 1),
            template,
            summary,
            stage: Stage::Boot,
            secret: false,
            detail: Vec::new(),
        })
        .collect()
}

/// A Kubernetes node name as the bundles' node-name check admits it.
fn valid_name(name: &str) -> bool {
    let ok = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.';
    !name.is_empty()
        && name.len() <= 253
        && name.chars().all(ok)
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// Whether `name` is a control plane: the inventory's word when it lists nodes (and
/// `--control-plane` must agree), else the flag's.
fn is_control_plane(cluster: &Cluster, name: &str, flag: bool, file: &str) -> Result<bool> {
    if !valid_name(name) {
        return Err(
            Error::new(format!("`--node {name}` is not a Kubernetes node name")).help(
                "give the name `kubectl get nodes` shows (lowercase letters, digits, `-` and `.`)",
            ),
        );
    }
    if cluster.nodes.is_empty() {
        return Ok(flag);
    }
    let node = cluster
        .nodes
        .iter()
        .find(|n| n.name == name)
        .ok_or_else(|| {
            let names: Vec<&str> = cluster.nodes.iter().map(|n| n.name.as_str()).collect();
            Error::new(format!("`{file}`: `nodes` lists no node `{name}`"))
                .note(format!("listed: {}", names.join(", ")))
                .help("remove a listed node, then take it out of `nodes` and render again")
        })?;
    let listed = node.role == NodeRole::ControlPlane;
    if flag && !listed {
        return Err(Error::new(format!(
            "`{file}`: `nodes` lists `{name}` as a worker, but `--control-plane` was given"
        ))
        .help("drop `--control-plane`, or fix the node's `role`"));
    }
    Ok(listed)
}

pub(crate) fn plan(
    cluster: &Cluster,
    plan: Plan,
    name: &str,
    control_plane_flag: bool,
    file: &str,
) -> Result<RemovePlan> {
    let control_plane = is_control_plane(cluster, name, control_plane_flag, file)?;
    if control_plane && cluster.control_planes < 2 {
        return Err(Error::new(format!(
            "`{file}`: `kubernetes.control_planes` is 1: removing `{name}`, the only control plane, ends the cluster"
        ))
        .help("add a control plane first (render with `control_planes: 2` or a second control-plane node), then remove this one"));
    }
    let wanted = |r: Role| (r != Role::Worker) == control_plane;
    let mut context = plan
        .bundles
        .into_iter()
        .find(|b| wanted(b.role))
        .map(|b| b.context)
        .ok_or_else(|| {
            Error::new(format!(
                "`{file}` renders no bundle for a node like `{name}`"
            ))
        })?;
    context.node_name = Some(name.to_string());
    Ok(RemovePlan {
        cluster_name: plan.cluster_name,
        node: name.to_string(),
        control_plane,
        steps: steps(),
        context,
        run: Run {
            header: vec![
                format!(
                    "Removes node {name} from cluster {}: run it on that node, after admin/drain.sh.",
                    cluster.name
                ),
                "Generated by `kubeprint remove`: the order is in README.md beside this bundle."
                    .into(),
            ],
            state_dir: daytwo::state_dir(&format!("remove-{name}")),
            log: daytwo::DAYTWO_LOG,
            what: format!("removal of {name}"),
            done: format!("node {name} is reset; delete it with admin/delete.sh"),
            // `kubeadm reset` deletes kubelet.conf: a re-run after it must still start.
            needs_node: false,
            kubelet_kubeconfig: daytwo::KUBELET_KUBECONFIG,
        },
        provenance: plan.provenance,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(text: &str) -> Cluster {
        let (cluster, report) = crate::load_cluster(text, "cluster.yaml", false);
        cluster.unwrap_or_else(|| panic!("{report}"))
    }

    fn remove(text: &str, name: &str, flag: bool) -> Result<RemovePlan> {
        let c = cluster(text);
        let p = crate::plan::plan(&c, &crate::fixture_secrets());
        plan(&c, p, name, flag, "cluster.yaml")
    }

    const SINGLE: &str = "name: demo\nos: ubuntu-24.04\nkubernetes:\n  version: 1.34.1\n  endpoint: 10.0.0.10:6443\nadmin_user: ubuntu\n";

    #[test]
    fn the_only_control_plane_is_never_removed() {
        let e = remove(SINGLE, "cp-1", true).err().unwrap().render();
        assert!(
            e.contains("the only control plane, ends the cluster"),
            "{e}"
        );
        let worker = remove(SINGLE, "worker-7", false).unwrap();
        assert!(!worker.control_plane);
        assert_eq!(worker.context.node_name.as_deref(), Some("worker-7"));
        assert_eq!(worker.run.state_dir, "/var/lib/kubeprint/remove-worker-7");
        assert!(!worker.run.needs_node);
    }

    #[test]
    fn names_are_checked_and_an_inventory_decides_the_role() {
        let e = remove(SINGLE, "Worker_1", false).err().unwrap().render();
        assert!(e.contains("not a Kubernetes node name"), "{e}");
        let inventory = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/examples/inventory-debian-12-1.36.yaml"
        ))
        .unwrap();
        let c = cluster(&inventory);
        let worker = c.nodes.iter().find(|n| n.role == NodeRole::Worker).unwrap();
        let e = remove(&inventory, "nope", false).err().unwrap().render();
        assert!(
            e.contains("lists no node `nope`") && e.contains("listed: "),
            "{e}"
        );
        let e = remove(&inventory, &worker.name, true)
            .err()
            .unwrap()
            .render();
        assert!(e.contains("as a worker, but `--control-plane`"), "{e}");
        let cp = c
            .nodes
            .iter()
            .find(|n| n.role == NodeRole::ControlPlane)
            .unwrap();
        assert!(remove(&inventory, &cp.name, false).unwrap().control_plane);
    }
}
