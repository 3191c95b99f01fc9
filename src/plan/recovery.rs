//! Part of stage 3 (plan): how a kubeadm step recovers when its last `kubeadm init` or
//! `join` stopped part-way: what such a run leaves behind, the socket `kubeadm reset`
//! needs, and the pki step to run again after the reset. The step templates only loop
//! over what this prepares.

use serde::Serialize;

use crate::layout::CA_CERT_PATH;
use crate::plan::role::{Role, Step};

/// How a kubeadm step recovers when its last `kubeadm init` or `join` stopped part-way
/// (an image pull that timed out, a power cut): it finds what that run left, resets the
/// node with `kubeadm reset`, reinstalls the shared PKI the reset deleted, and runs
/// kubeadm again.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Recovery {
    /// What such a run leaves that makes the next one fail, in the order the step looks
    /// for them (see [`kubeadm_leftovers`]).
    pub leftovers: Vec<&'static str>,
    /// `kubeadm reset --cri-socket`: the socket kubeadm init/join were given.
    pub cri_socket: &'static str,
    /// The role's pki step, run again after the reset (control planes; workers have no
    /// PKI of their own to reinstall).
    pub pki_step: Option<StepCall>,
}

/// Another step of the bundle, as a step calls it: the function inside `bootstrap.sh`,
/// or the sibling script when the step runs on its own.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct StepCall {
    pub id: String,
    /// `bootstrap.sh`'s function for it (`step_06_pki`).
    pub function: String,
    /// Its standalone script in `steps/` (`06-pki.sh`).
    pub file: String,
}

/// How the role's kubeadm step recovers from a run that stopped part-way.
pub(crate) fn recovery(role: Role, steps: &[Step], cri_socket: &'static str) -> Recovery {
    Recovery {
        leftovers: kubeadm_leftovers(role),
        cri_socket,
        pki_step: steps
            .iter()
            .find(|s| s.template == "pki")
            .map(|s| StepCall {
                id: s.id.clone(),
                function: s.function(),
                file: format!("{}.sh", s.id),
            }),
    }
}

/// What a `kubeadm init` or `join` that stopped part-way leaves on the node, each of
/// which fails the next run's preflight checks (kubernetes/kubernetes commit
/// 00b6a4c7afdbd95d9ef5b5f3cada04ac15b0c135, cmd/kubeadm/app/preflight/checks.go):
/// InitNodeChecks (init, and joining control planes) requires each static Pod manifest
/// to be absent; JoinNodeChecks requires `kubelet.conf` and `bootstrap-kubelet.conf`
/// absent, and a joining worker's `ca.crt` (which kubeprint installs only on control
/// planes); and the kubelet kubeadm started after writing its `config.yaml` holds port
/// 10250, which both check (addCommonChecks: PortOpenCheck of the kubelet port).
fn kubeadm_leftovers(role: Role) -> Vec<&'static str> {
    let mut files = vec![
        "/etc/kubernetes/manifests/kube-apiserver.yaml",
        "/etc/kubernetes/manifests/kube-controller-manager.yaml",
        "/etc/kubernetes/manifests/kube-scheduler.yaml",
        "/etc/kubernetes/manifests/etcd.yaml",
        "/etc/kubernetes/kubelet.conf",
        "/etc/kubernetes/bootstrap-kubelet.conf",
        "/var/lib/kubelet/config.yaml",
    ];
    if role == Role::Worker {
        files.push(CA_CERT_PATH);
    }
    files
}
