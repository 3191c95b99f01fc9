//! Part of stage 3 (plan): an in-place upgrade. In: the version the running cluster's
//! tree was rendered for, and the checked target cluster with its secrets; out: the
//! refusal (a downgrade, the same version, a minor skipped, another major) or an
//! [`UpgradePlan`]: each role's upgrade bundle, built on the target's own [`Plan`] so the
//! repositories, package pins and kubeadm documents are exactly what `render` would give
//! a new node of the target version.
//!
//! The order follows kubeadm's upgrade guide (kubernetes/website commit
//! 548726207f213f642bcaaf8fe1bdb425bf0e1aee,
//! content/en/docs/tasks/administer-cluster/kubeadm/kubeadm-upgrade.md): the first
//! control plane upgrades kubeadm, runs `kubeadm upgrade plan` and `kubeadm upgrade
//! apply`; other control planes and workers run `kubeadm upgrade node` instead; every
//! node is then drained ("required" before a kubelet minor upgrade), gets kubelet and
//! kubectl, restarts the kubelet, and is uncordoned. "Skipping MINOR versions when
//! upgrading is unsupported", so a skip is refused with the chain spelled out.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::layout;
use crate::model::cluster::{Cluster, Version};
use crate::plan::daytwo::{self, Run};
use crate::plan::provenance::Provenance;
use crate::plan::role::{Role, Step};
use crate::plan::{Context, Plan};

/// Where each node records an upgrade's progress: one directory per target version.
fn state_dir(to: &Version) -> String {
    daytwo::state_dir(&format!("upgrade-{to}"))
}

pub(crate) struct UpgradePlan {
    pub from: Version,
    pub to: Version,
    pub bundles: Vec<UpgradeBundle>,
    pub provenance: Provenance,
    pub cluster_name: String,
}

pub(crate) struct UpgradeBundle {
    /// The same directory as the target tree's bundle: `control-plane`, `nodes/cp-1`, ...
    pub dir: String,
    pub role: Role,
    pub steps: Vec<Step>,
    /// The target's boot context: repositories, pins, kubeadm documents.
    pub context: Context,
    pub upgrade: UpgradeContext,
    pub run: Run,
}

/// What the upgrade templates read beside the target's [`Context`].
#[derive(Debug, Clone, Serialize)]
pub(crate) struct UpgradeContext {
    pub from_version: String,
    pub to_version: String,
    /// `v1.34.2`, as kubeadm and the API server spell it.
    pub to_tag: String,
    pub state_dir: String,
    /// `kubeadm upgrade apply` (the first control plane) rather than `upgrade node`.
    pub apply: bool,
    /// kubeprint's repository lists the target no longer uses (Kubic's libcontainers
    /// after a move to the isv:/cri-o repositories): removed with the switch.
    pub stale_lists: Vec<String>,
    pub kubeadm_pin: String,
    /// kubelet and kubectl, `name=version`.
    pub kubelet_pins: Vec<String>,
    /// The kubeadm document this role keeps under /etc/kubeprint, in the target's API.
    pub kubeadm_config_path: &'static str,
    pub kubeadm_config: String,
    pub kubeadm_api: String,
}

type StepDef = (&'static str, &'static str, bool);

/// The steps in order: the name (`steps/upgrade-NAME.sh.j2`, and the step id without
/// its number), the summary, and whether the step's text holds the token.
fn step_defs(role: Role) -> Vec<StepDef> {
    let upgrade: StepDef = if role == Role::ControlPlane {
        (
            "upgrade-apply",
            "`kubeadm upgrade plan`, then `kubeadm upgrade apply` to the target: the control plane's static pods, CoreDNS and kube-proxy",
            false,
        )
    } else {
        (
            "upgrade-node",
            "once the API server runs the target version, `kubeadm upgrade node`: this node's kubelet configuration (and static pods on a control plane)",
            false,
        )
    };
    vec![
        (
            "repositories",
            "point apt at the target minor's Kubernetes and CRI-O repositories (pkgs.k8s.io is one repository per minor)",
            false,
        ),
        (
            "kubeadm",
            "install kubeadm at exactly the target version, first and alone, and hold it",
            false,
        ),
        upgrade,
        (
            "kubeadm-config",
            "rewrite the kubeadm document kubeprint keeps for re-runs in the target's kubeadm API, where the node still has it",
            true,
        ),
        (
            "cordoned",
            "stop unless this node is cordoned (admin/drain.sh NODE): the kubelet is upgraded only on a drained node",
            false,
        ),
        (
            "cri-o",
            "move CRI-O to the target minor's stream, in lockstep with the kubelet, and hold it",
            false,
        ),
        (
            "kubelet",
            "install kubelet and kubectl at exactly the target version, hold them, restart the kubelet",
            false,
        ),
        (
            "node-version",
            "wait until the API server sees this node's kubelet at the target version",
            false,
        ),
    ]
}

pub(crate) fn steps(role: Role) -> Vec<Step> {
    daytwo::numbered_steps(
        step_defs(role)
            .into_iter()
            .map(|(name, summary, secret)| (name, template_of(name), summary, secret)),
    )
}

/// `steps/upgrade-NAME.sh.j2`: apply and node share one template.
fn template_of(name: &str) -> &'static str {
    match name {
        "repositories" => "upgrade-repositories",
        "kubeadm" => "upgrade-kubeadm",
        "upgrade-apply" | "upgrade-node" => "upgrade-kubeadm-upgrade",
        "kubeadm-config" => "upgrade-kubeadm-config",
        "cordoned" => "upgrade-cordoned",
        "cri-o" => "upgrade-cri-o",
        "kubelet" => "upgrade-kubelet",
        "node-version" => "upgrade-node-version",
        other => unreachable!("no upgrade step `{other}`"),
    }
}

/// Refuses what kubeadm cannot do in place. `running` names where the running version
/// was read (`OLD_TREE/manifest.json`), `definition` the target's file.
pub(crate) fn check(from: &Version, to: &Version, running: &str, definition: &str) -> Result<()> {
    let target = format!("`{definition}`: `kubernetes.version` {to}");
    let order = (to.major, to.minor, to.patch).cmp(&(from.major, from.minor, from.patch));
    if order == std::cmp::Ordering::Equal {
        return Err(Error::new(format!(
            "{target} is the version the cluster runs already ({running})"
        ))
        .help("set `kubernetes.version` to the release to upgrade to"));
    }
    if order == std::cmp::Ordering::Less {
        return Err(Error::new(format!(
            "{target} is older than the {from} the cluster runs ({running}): kubeadm does not downgrade"
        ))
        .help(format!("to run {to}, render it for new machines and move the workloads (a new cluster); or set `kubernetes.version` to {from} or newer")));
    }
    if to.major != from.major {
        return Err(Error::new(format!(
            "{target} changes the major version from {from}: kubeadm upgrades within a major version only"
        )));
    }
    if to.minor > from.minor + 1 {
        let chain: Vec<String> = std::iter::once(from.to_string())
            .chain((from.minor + 1..to.minor).map(|m| format!("{}.{m}.x", to.major)))
            .chain(std::iter::once(to.to_string()))
            .collect();
        let next = format!("{}.{}", to.major, from.minor + 1);
        return Err(Error::new(format!(
            "{target} skips a minor from {from} ({running}): kubeadm upgrades one minor at a time"
        ))
        .note(format!("the chain: {}", chain.join(" → ")))
        .help(format!("set `kubernetes.version` to a {next} release (`kubeprint versions`), run `kubeprint upgrade` and its bundles on every node, render {next} with the same secrets as the new OLD_TREE, then take the next step")));
    }
    Ok(())
}

/// Each bundle of the target plan, as an upgrade: the same directories and node names.
pub(crate) fn plan(from: &Version, target: &Cluster, target_plan: Plan) -> UpgradePlan {
    let to = target.version;
    let bundles = target_plan
        .bundles
        .into_iter()
        .map(|b| UpgradeBundle {
            upgrade: upgrade_context(from, target, &b.context, b.role),
            run: run(from, &to, b.role),
            steps: steps(b.role),
            dir: b.dir,
            role: b.role,
            context: b.context,
        })
        .collect();
    UpgradePlan {
        from: *from,
        to,
        bundles,
        provenance: target_plan.provenance,
        cluster_name: target_plan.cluster_name,
    }
}

fn run(from: &Version, to: &Version, role: Role) -> Run {
    Run {
        header: vec![
            format!("Upgrades a running {} node from Kubernetes {from} to {to} in place.", role.name()),
            "Generated by `kubeprint upgrade`: the order across nodes is in README.md beside this bundle.".into(),
            "The cordoned step stops the run until an admin has drained this node (admin/drain.sh).".into(),
        ],
        state_dir: state_dir(to),
        log: daytwo::DAYTWO_LOG,
        what: format!("upgrade to {to}"),
        done: format!("this node runs Kubernetes {to}; uncordon it with admin/uncordon.sh"),
        needs_node: true,
        kubelet_kubeconfig: daytwo::KUBELET_KUBECONFIG,
    }
}

fn upgrade_context(from: &Version, target: &Cluster, ctx: &Context, role: Role) -> UpgradeContext {
    let pin = |name: &str| {
        ctx.kube_package_pins
            .iter()
            .find(|p| p.split_once('=').is_some_and(|(n, _)| n == name))
            .cloned()
            .unwrap_or_default()
    };
    let lists: Vec<&str> = ctx
        .crio_repos
        .iter()
        .chain(&ctx.kube_repos)
        .map(|r| r.list_file.as_str())
        .collect();
    // Upgrades are for CRI-O nodes only: a containerd list there is not kubeprint's.
    let stale_lists = layout::APT_REPOSITORIES
        .iter()
        .filter(|name| **name != "containerd")
        .map(|name| layout::apt_list_path(name))
        .filter(|path| !lists.contains(&path.as_str()))
        .collect();
    let (kubeadm_config_path, kubeadm_config) = match (&ctx.init, &ctx.join) {
        (Some(init), _) => (
            layout::KUBEADM_INIT_CONFIG_PATH,
            init.kubeadm_config.clone(),
        ),
        (None, Some(join)) => (
            layout::KUBEADM_JOIN_CONFIG_PATH,
            join.kubeadm_config.clone(),
        ),
        (None, None) => (layout::KUBEADM_JOIN_CONFIG_PATH, String::new()),
    };
    UpgradeContext {
        from_version: from.to_string(),
        to_version: target.version.to_string(),
        to_tag: format!("v{}", target.version),
        state_dir: state_dir(&target.version),
        apply: role == Role::ControlPlane,
        stale_lists,
        kubeadm_pin: pin("kubeadm"),
        kubelet_pins: vec![pin("kubelet"), pin("kubectl")],
        kubeadm_config_path,
        kubeadm_config,
        kubeadm_api: target.release.kubeadm_api.api_version().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(major: u32, minor: u32, patch: u32) -> Version {
        Version {
            major,
            minor,
            patch,
        }
    }

    fn refusal(from: Version, to: Version) -> String {
        match check(&from, &to, "old/manifest.json", "cluster.yaml") {
            Err(e) => e.render(),
            Ok(()) => panic!("{from} → {to} was accepted"),
        }
    }

    #[test]
    fn a_next_minor_and_a_patch_are_upgrades() {
        assert!(check(&v(1, 33, 2), &v(1, 34, 1), "o", "c").is_ok());
        assert!(check(&v(1, 33, 2), &v(1, 33, 5), "o", "c").is_ok());
    }

    #[test]
    fn downgrades_and_the_same_version_are_refused() {
        let down = refusal(v(1, 34, 2), v(1, 33, 9));
        assert!(down.contains("older than the 1.34.2"), "{down}");
        assert!(down.contains("does not downgrade"), "{down}");
        let patch_down = refusal(v(1, 34, 2), v(1, 34, 1));
        assert!(patch_down.contains("older"), "{patch_down}");
        let same = refusal(v(1, 34, 2), v(1, 34, 2));
        assert!(same.contains("runs already (old/manifest.json)"), "{same}");
        assert!(
            same.contains("`cluster.yaml`: `kubernetes.version` 1.34.2"),
            "{same}"
        );
    }

    #[test]
    fn a_skipped_minor_is_refused_with_the_chain() {
        let skip = refusal(v(1, 33, 2), v(1, 36, 0));
        assert!(skip.contains("skips a minor"), "{skip}");
        assert!(skip.contains("1.33.2 → 1.34.x → 1.35.x → 1.36.0"), "{skip}");
        assert!(
            skip.contains("set `kubernetes.version` to a 1.34 release"),
            "{skip}"
        );
    }

    #[test]
    fn the_first_control_plane_applies_and_the_others_upgrade_the_node() {
        let ids = |role| steps(role).iter().map(|s| s.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(Role::ControlPlane)[2], "03-upgrade-apply");
        assert_eq!(ids(Role::Worker)[2], "03-upgrade-node");
        assert_eq!(ids(Role::ControlPlaneJoin)[2], "03-upgrade-node");
        // kubeadm before the upgrade, the cordon check before CRI-O and the kubelet.
        let worker = ids(Role::Worker);
        assert_eq!(
            worker,
            [
                "01-repositories",
                "02-kubeadm",
                "03-upgrade-node",
                "04-kubeadm-config",
                "05-cordoned",
                "06-cri-o",
                "07-kubelet",
                "08-node-version"
            ]
        );
    }

    fn upgrade_of(from: Version, definition: &str) -> UpgradePlan {
        let (cluster, report) = crate::load_cluster(definition, "cluster.yaml", false);
        let cluster = cluster.unwrap_or_else(|| panic!("{report}"));
        let secrets = crate::fixture_secrets();
        let target = crate::plan::plan(&cluster, &secrets);
        plan(&from, &cluster, target)
    }

    fn definition(version: &str) -> String {
        format!(
            "name: demo\nos: ubuntu-24.04\nkubernetes:\n  version: {version}\n  endpoint: 10.0.0.10:6443\ncni:\n  plugin: calico\nadmin_user: ubuntu\n"
        )
    }

    #[test]
    fn the_kept_kubeadm_documents_move_to_v1beta4_at_1_31() {
        let up = upgrade_of(v(1, 30, 4), &definition("1.31.2"));
        for b in &up.bundles {
            let doc = &b.upgrade.kubeadm_config;
            assert!(
                doc.contains("apiVersion: kubeadm.k8s.io/v1beta4"),
                "{}: {doc}",
                b.dir
            );
            assert!(!doc.contains("v1beta3"), "{}: {doc}", b.dir);
            assert_eq!(b.upgrade.kubeadm_api, "kubeadm.k8s.io/v1beta4");
        }
        let init = &up.bundles[0];
        assert_eq!(
            init.upgrade.kubeadm_config_path,
            layout::KUBEADM_INIT_CONFIG_PATH
        );
        assert!(
            init.upgrade
                .kubeadm_config
                .contains("kubernetesVersion: v1.31.2")
        );
        let down = upgrade_of(v(1, 29, 4), &definition("1.30.6"));
        assert!(
            down.bundles[0]
                .upgrade
                .kubeadm_config
                .contains("kubeadm.k8s.io/v1beta3")
        );
    }

    #[test]
    fn pins_repositories_and_state_are_the_targets() {
        let up = upgrade_of(v(1, 33, 4), &definition("1.34.1"));
        let worker = up.bundles.iter().find(|b| b.role == Role::Worker).unwrap();
        let u = &worker.upgrade;
        assert_eq!(u.kubeadm_pin, "kubeadm=1.34.1-*");
        assert_eq!(u.kubelet_pins, ["kubelet=1.34.1-*", "kubectl=1.34.1-*"]);
        assert_eq!(u.state_dir, "/var/lib/kubeprint/upgrade-1.34.1");
        assert_eq!(u.to_tag, "v1.34.1");
        assert!(!u.apply);
        assert!(
            worker.context.kube_repos[0]
                .source_line
                .contains("/v1.34/deb/")
        );
        assert!(
            worker.context.crio_repos[0]
                .source_line
                .contains("stable:/v1.34/deb/")
        );
        assert_eq!(
            u.stale_lists,
            ["/etc/apt/sources.list.d/libcontainers.list"]
        );
        assert!(up.bundles[0].upgrade.apply);
    }
}
