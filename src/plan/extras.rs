//! Part of stage 3 (plan): the user's own additions (`ssh_authorized_keys`, `files`,
//! `commands`) → what their boot steps' templates read, and the lines that describe
//! those steps to reviewers (step headers, `explain`). Pure, like the rest of `plan`.

use serde::Serialize;

use crate::model::cluster::{Cluster, ExtraFile};
use crate::plan::role::Role;
use crate::validate::ssh_key;

/// What the user's steps of one bundle read. Empty for bake steps (see
/// `Context::for_bake`): none of it may reach an image.
#[derive(Debug, Clone, Default, Serialize)]
pub(crate) struct Extras {
    /// Whose `~/.ssh/authorized_keys` gets `ssh_keys`: the admin user.
    pub ssh_user: String,
    pub ssh_keys: Vec<String>,
    pub files: Vec<FileWrite>,
    pub pre: Vec<Command>,
    pub post: Vec<Command>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct FileWrite {
    pub path: String,
    pub mode: String,
    pub content: String,
    /// The content has no final newline: drop the one its here-document adds.
    pub trim: bool,
    /// `files[N]`, where the definition lists it.
    pub source: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Command {
    /// `pre[0]`, where the definition lists it (under `commands`).
    pub name: String,
    pub text: String,
}

pub(crate) fn extras(cluster: &Cluster, role: Role) -> Extras {
    let commands = |phase: &str, list: &[String]| {
        list.iter()
            .enumerate()
            .map(|(i, text)| Command {
                name: format!("{phase}[{i}]"),
                text: text.clone(),
            })
            .collect()
    };
    Extras {
        ssh_user: cluster.admin_user.clone(),
        ssh_keys: cluster.ssh_authorized_keys.clone(),
        files: files_for(cluster, role)
            .map(|f| FileWrite {
                path: f.path.clone(),
                mode: f.permissions.clone(),
                content: f.content.clone(),
                trim: !f.content.ends_with('\n'),
                source: f.source.clone(),
            })
            .collect(),
        pre: commands("pre", &cluster.commands.pre),
        post: commands("post", &cluster.commands.post),
    }
}

/// The files a role gets: control planes (the first and the joining ones) or workers.
pub(crate) fn files_for(cluster: &Cluster, role: Role) -> impl Iterator<Item = &ExtraFile> {
    cluster.files.iter().filter(move |f| match role {
        Role::ControlPlane | Role::ControlPlaneJoin => f.control_plane,
        Role::Worker => f.worker,
    })
}

/// One line per key: whose, its type, fingerprint and comment (as `ssh-keygen -l`).
pub(crate) fn ssh_detail(extras: &Extras) -> Vec<String> {
    extras
        .ssh_keys
        .iter()
        .filter_map(|line| ssh_key::parse(line).ok())
        .map(|k| {
            let line = format!(
                "{}: {} {} {}",
                extras.ssh_user,
                k.kind,
                k.fingerprint(),
                k.comment
            );
            line.trim_end().to_string()
        })
        .collect()
}

/// One line per file: path, mode, size and where the definition lists it.
pub(crate) fn files_detail(extras: &Extras) -> Vec<String> {
    extras
        .files
        .iter()
        .map(|f| {
            format!(
                "{} {}, {} bytes ({})",
                f.path,
                f.mode,
                f.content.len(),
                f.source
            )
        })
        .collect()
}

/// Every command verbatim, a line at a time: `$ ` before its first line, two spaces
/// before the others.
pub(crate) fn commands_detail(commands: &[Command]) -> Vec<String> {
    commands
        .iter()
        .flat_map(|c| {
            c.text.lines().enumerate().map(|(i, line)| {
                let lead = if i == 0 { "$ " } else { "  " };
                format!("{lead}{line}").trim_end().to_string()
            })
        })
        .collect()
}
