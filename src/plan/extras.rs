//! Part of stage 3 (plan): the user's own additions (`ssh_authorized_keys`, `files`,
//! `commands`) → what their boot steps' templates read, and the lines that describe
//! those steps to reviewers (step headers, `explain`). Pure, like the rest of `plan`.

use serde::Serialize;

use crate::model::cluster::{Cluster, ExtraFile};
use crate::plan::role::Role;
use crate::secrets::REDACTED_FILE;
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
    /// `secret: true`: review tools mask the content (the here-document's opener says
    /// `secret`).
    pub secret: bool,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Command {
    /// `pre[0]`, where the definition lists it (under `commands`).
    pub name: String,
    /// The first 12 hex digits of the text's sha256: how logs and reviewers name the
    /// command, since its text may hold a credential.
    pub sha256: String,
    pub text: String,
}

/// Hex digits of a command's sha256 kept in its label: enough to tell commands apart
/// and to match one to the definition, too few to matter as a fingerprint.
const SHORT_SHA256: usize = 12;

/// `text`'s short sha256, as a command's label carries it.
pub(crate) fn short_sha256(text: &str) -> String {
    crate::digest::sha256_hex(text.as_bytes())[..SHORT_SHA256].to_string()
}

/// `redacted`: a secret file's content becomes [`REDACTED_FILE`] (`render --redact`).
pub(crate) fn extras(cluster: &Cluster, role: Role, redacted: bool) -> Extras {
    let commands = |phase: &str, list: &[String]| {
        list.iter()
            .enumerate()
            .map(|(i, text)| Command {
                name: format!("{phase}[{i}]"),
                sha256: short_sha256(text),
                text: text.clone(),
            })
            .collect()
    };
    Extras {
        ssh_user: cluster.admin_user.clone(),
        ssh_keys: cluster.ssh_authorized_keys.clone(),
        files: files_for(cluster, role)
            .map(|f| {
                let content = match f.secret && redacted {
                    true => REDACTED_FILE.to_string(),
                    false => f.content.clone(),
                };
                FileWrite {
                    path: f.path.clone(),
                    mode: f.permissions.clone(),
                    trim: !content.ends_with('\n'),
                    content,
                    source: f.source.clone(),
                    secret: f.secret,
                }
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

/// One line per file: path, mode, size, whether it is secret and where the definition
/// lists it.
pub(crate) fn files_detail(extras: &Extras) -> Vec<String> {
    extras
        .files
        .iter()
        .map(|f| {
            format!(
                "{} {}, {} bytes{} ({})",
                f.path,
                f.mode,
                f.content.len(),
                if f.secret { ", secret" } else { "" },
                f.source
            )
        })
        .collect()
}

/// One line per command: where the definition lists it and its short sha256, never its
/// text (a command may carry a credential, and step headers and `explain` output end up
/// in logs).
pub(crate) fn commands_detail(commands: &[Command]) -> Vec<String> {
    commands
        .iter()
        .map(|c| format!("commands.{} (sha256 {})", c.name, c.sha256))
        .collect()
}
