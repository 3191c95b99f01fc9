//! Part of stage 4 (render): a [`RemovePlan`] → the removal tree's [`Artifacts`]:
//! `NODE/remove.sh` with its `steps/` (the node side), `admin/drain.sh` and
//! `admin/delete.sh` (the admin side), and `README.md` giving the order; sealed with
//! `SHA256SUMS` and `manifest.json` like a rendered tree.

use minijinja::context;
use minijinja::value::{Serde, Value};

use crate::artifact::Artifacts;
use crate::error::{Error, Result};
use crate::plan::remove::RemovePlan;
use crate::render::daytwo;

pub(crate) fn render_remove(plan: &RemovePlan) -> Result<Artifacts> {
    let env = crate::render::environment();
    let mut artifacts = Artifacts::new();
    let ctx = context! {
        run => Value::from(Serde(&plan.run)),
        ..Value::from(Serde(&plan.context))
    };
    daytwo::render_bundle(
        &env,
        &plan.node,
        "remove.sh",
        &plan.steps,
        &ctx,
        &mut artifacts,
    )
    .map_err(|e| Error::new(format!("rendering the removal bundle: {e:#}")))?;
    let admin = context! {
        kubeprint_version => env!("CARGO_PKG_VERSION"),
        cluster_name => plan.cluster_name.clone(),
        node => plan.node.clone(),
    };
    daytwo::admin_scripts(&env, "remove", &["drain", "delete"], &admin, &mut artifacts)?;
    Ok(daytwo::finish(artifacts, readme(plan), &plan.provenance))
}

fn readme(plan: &RemovePlan) -> String {
    let node = &plan.node;
    let etcd = if plan.control_plane {
        " As a control plane, it also leaves etcd (kubeadm reset removes its stacked member)."
    } else {
        ""
    };
    [
        format!("# Removing node {node} from cluster {}", plan.cluster_name),
        String::new(),
        format!(
            "Written by `kubeprint {} remove`. In this order:",
            env!("CARGO_PKG_VERSION")
        ),
        String::new(),
        format!("1. `admin/drain.sh {node}`, where the admin credentials are (`KUBECONFIG` pointing at an"),
        format!("   `admin.conf`): cordons {node} and evicts its workloads."),
        format!(
            "2. `{node}/remove.sh` on the node, as root: it refuses until the node is cordoned,"
        ),
        format!("   then runs `kubeadm reset`.{etcd}"),
        "3. `admin/delete.sh`: deletes the Node object, once the node is no longer Ready.".into(),
        String::new(),
        "Then take the machine away (or out of `nodes` in cluster.yaml, and render again).".into(),
        "`kubeadm reset` leaves iptables rules and /etc/cni/net.d: reinstall the machine before"
            .into(),
        "it joins any cluster again.".into(),
    ]
    .map(|line| line + "\n")
    .concat()
}
