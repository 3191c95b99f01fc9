//! Part of stage 4 (render): an [`UpgradePlan`] → the upgrade tree's [`Artifacts`]: per
//! bundle `upgrade.sh` (every step, with markers and resume) and `steps/NN-*.sh`, the
//! admin side's `admin/drain.sh` and `admin/uncordon.sh`, and `README.md` giving the
//! order; sealed with `SHA256SUMS` and `manifest.json` like a rendered tree.

use minijinja::value::{Serde, Value};
use minijinja::{Environment, context};

use crate::artifact::Artifacts;
use crate::error::{Error, Result};
use crate::plan::Role;
use crate::plan::upgrade::{UpgradeBundle, UpgradePlan};
use crate::render::daytwo;

pub(crate) fn render_upgrade(plan: &UpgradePlan) -> Result<Artifacts> {
    let env = crate::render::environment();
    let mut artifacts = Artifacts::new();
    for bundle in &plan.bundles {
        render_bundle(&env, bundle, &mut artifacts)
            .map_err(|e| Error::new(format!("rendering the upgrade of {}: {e:#}", bundle.dir)))?;
    }
    let admin = context! {
        kubeprint_version => env!("CARGO_PKG_VERSION"),
        cluster_name => plan.cluster_name.clone(),
        to_version => plan.to.to_string(),
        to_tag => format!("v{}", plan.to),
    };
    daytwo::admin_scripts(
        &env,
        "upgrade",
        &["drain", "uncordon"],
        &admin,
        &mut artifacts,
    )?;
    Ok(daytwo::finish(artifacts, readme(plan), &plan.provenance))
}

fn render_bundle(
    env: &Environment,
    bundle: &UpgradeBundle,
    artifacts: &mut Artifacts,
) -> std::result::Result<(), minijinja::Error> {
    let ctx = context! {
        upgrade => Value::from(Serde(&bundle.upgrade)),
        run => Value::from(Serde(&bundle.run)),
        ..Value::from(Serde(&bundle.context))
    };
    // The kubeadm document step carries the token: the runner is root-only.
    daytwo::render_bundle(
        env,
        &bundle.dir,
        "upgrade.sh",
        &bundle.steps,
        &ctx,
        artifacts,
    )
}

/// The order to run the bundles in, for the person running them.
fn readme(plan: &UpgradePlan) -> String {
    let (from, to) = (&plan.from, &plan.to);
    let dirs = |pick: fn(Role) -> bool| -> String {
        let found: Vec<String> = plan
            .bundles
            .iter()
            .filter(|b| pick(b.role))
            .map(|b| format!("`{}/`", b.dir))
            .collect();
        if found.is_empty() {
            "(none in this cluster)".to_string()
        } else {
            found.join(", ")
        }
    };
    let first = dirs(|r| r == Role::ControlPlane);
    let others = dirs(|r| r == Role::ControlPlaneJoin);
    let workers = dirs(|r| r == Role::Worker);
    let version = env!("CARGO_PKG_VERSION");
    let name = &plan.cluster_name;
    [
        format!("# Upgrading cluster {name} from Kubernetes {from} to {to}"),
        String::new(),
        format!("Written by `kubeprint {version} upgrade`. Each directory is one role's bundle: copy it to"),
        "the node and run `sudo ./upgrade.sh` there (or the `steps/` one by one). A bundle records".into(),
        format!("its progress under `/var/lib/kubeprint/upgrade-{to}/` and resumes where it stopped"),
        "when run again; its log is `/var/log/kubeprint-daytwo.log`. `admin/drain.sh` and".into(),
        "`admin/uncordon.sh` run where the admin credentials are (`KUBECONFIG` pointing at an".into(),
        "`admin.conf`): no node ever gets them. `upgrade.sh` holds the bootstrap token (for the".into(),
        "kubeadm document it rewrites): copy it root-only and delete the copy when done.".into(),
        String::new(),
        "One node at a time, in this order (kubeadm's upgrade guide):".into(),
        String::new(),
        format!("1. The first control plane, {first}: run `upgrade.sh`. It installs kubeadm {to},"),
        format!("   runs `kubeadm upgrade plan` and `kubeadm upgrade apply v{to} --yes`, then stops"),
        "   at step `05-cordoned`, because the node is not drained yet.".into(),
        "2. `admin/drain.sh NODE` for that node (it refuses until `kubeadm upgrade apply` is done).".into(),
        format!("3. `upgrade.sh` on the node again: it resumes, moves CRI-O and the kubelet to {to}"),
        "   and waits until the API server sees the new kubelet.".into(),
        format!("4. `admin/uncordon.sh NODE` (it refuses until the node's kubelet is v{to} and Ready)."),
        format!("5. Every other control plane, {others}, then every worker, {workers}:"),
        "   the same four steps. Their bundles run `kubeadm upgrade node` instead, once".into(),
        format!("   `kubeadm-config` records v{to}; `admin/drain.sh` refuses a worker until every"),
        format!("   control plane's kubelet runs v{to}."),
        String::new(),
        "The order cannot be got wrong: a node never upgrades its kubelet before it is cordoned,".into(),
        "drain refuses before the control plane is upgraded, and uncordon refuses before the".into(),
        format!("node's kubelet is. Afterwards render {to} with the same secrets (`kubeprint render`),"),
        "so the tree for new nodes matches the cluster, and keep it as the next `--from`.".into(),
    ]
    .map(|line| line + "\n")
    .concat()
}
