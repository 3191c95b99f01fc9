//! Part of stage 3 (plan): what every day-two bundle's runner (`templates/daytwo.sh.j2`)
//! reads beside the steps: its header, where it keeps its markers and log, and what it
//! says when it stops or ends. `upgrade`, `renew` and `remove` each fill one in.

use serde::Serialize;

use crate::layout;
use crate::plan::Stage;
use crate::plan::role::Step;

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Run {
    /// The script's header lines after the title: what it does, where the order is.
    pub header: Vec<String>,
    /// Markers (`done/`, `failed`, `complete`): one directory per operation, so neither
    /// the boot markers nor another operation's ever make a step look done.
    pub state_dir: String,
    pub log: &'static str,
    /// `upgrade to 1.34.3`: the console line's subject.
    pub what: String,
    /// The last log line's news.
    pub done: String,
    /// Refuse to start on a machine without `/etc/kubernetes/kubelet.conf`.
    pub needs_node: bool,
    pub kubelet_kubeconfig: &'static str,
}

/// The kubeconfig every kubeadm node has. Its node identity may read its own Node object
/// (since 1.32 no other: KEP-4601, "Using Node Authorization" on kubernetes.io) and the
/// kubeadm-config ConfigMap (kubeadm's kubeadm:nodes-kubeadm-config Role): a day-two
/// bundle checks its own node's state with it, so no node ever needs admin.conf.
pub(crate) const KUBELET_KUBECONFIG: &str = "/etc/kubernetes/kubelet.conf";

/// `/var/lib/kubeprint/<name>`.
pub(crate) fn state_dir(name: &str) -> String {
    format!("{}/{name}", layout::STATE_DIR)
}

/// The day-two bundles' log, root-only like the bootstrap log.
pub(crate) const DAYTWO_LOG: &str = "/var/log/kubeprint-daytwo.log";

/// A day-two bundle's steps, numbered from `01` in order: `(name, template, summary,
/// secret)` each, run at boot stage and with no user detail.
pub(crate) fn numbered_steps(
    defs: impl IntoIterator<Item = (&'static str, &'static str, &'static str, bool)>,
) -> Vec<Step> {
    defs.into_iter()
        .enumerate()
        .map(|(i, (name, template, summary, secret))| Step {
            id: format!("{:02}-{name}", i + 1),
            template,
            summary,
            stage: Stage::Boot,
            secret,
            detail: Vec::new(),
        })
        .collect()
}
