//! Part of stage 3 (plan): the vocabulary every bundle is planned in: the [`Role`] a
//! node plays and the [`Step`]s it runs.

use serde::Serialize;

use crate::artifact::Stage;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Role {
    /// The first control plane: `kubeadm init`.
    ControlPlane,
    /// Further control planes: `kubeadm join --control-plane` with the shared PKI.
    ControlPlaneJoin,
    Worker,
}

impl Role {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Role::ControlPlane => "control-plane",
            Role::ControlPlaneJoin => "control-plane-join",
            Role::Worker => "worker",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Step {
    /// `NN-name`, the file name stem and the marker name on the node.
    pub id: String,
    /// Template under `templates/steps/`.
    pub template: &'static str,
    /// One line for reviewers: what the step does and why.
    pub summary: &'static str,
    pub stage: Stage,
    /// The step's text embeds a private key or the bootstrap token (or the user's
    /// files and commands, which may hold credentials).
    pub secret: bool,
    /// What the user's own steps carry, a line at a time, for reviewers: each command by
    /// its place and short sha256 (never its text), each file and key. Empty for
    /// kubeprint's steps.
    pub detail: Vec<String>,
}

impl Step {
    /// The step's shell function in `bootstrap.sh`: `step_06_pki` for `06-pki`.
    pub(crate) fn function(&self) -> String {
        format!("step_{}", self.id.replace('-', "_"))
    }
}
