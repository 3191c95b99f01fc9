//! Review tooling, `kubeprint diff OLD NEW`: two rendered [`Tree`]s → what changed,
//! operational consequences first (CA, token, user-data, package versions, CNI), then
//! the added, removed and changed files. Secret values are never printed: a changed
//! token is reported as changed, a CA by its public hash. Each tree is first reduced
//! to a `summary`; the consequences are read off the two summaries.

mod content;
mod summary;

use std::collections::BTreeSet;
use std::fmt::Write;

use crate::review::facts;
use crate::review::tree::Tree;
use summary::{Summary, summarize};

/// The `sha256:` hashes of every cluster CA a tree carries or pins.
pub(crate) fn ca_hashes(tree: &Tree) -> BTreeSet<String> {
    summarize(&facts::bundles(tree)).ca_hashes
}

/// What changed between two trees, as data (`diff --format json`): the operational
/// consequences first, then every file that differs.
#[derive(serde::Serialize)]
pub(crate) struct Changes {
    pub operational: Vec<String>,
    pub files: Vec<FileChange>,
}

#[derive(serde::Serialize)]
pub(crate) struct FileChange {
    pub path: String,
    /// `added`, `removed`, `changed` (bytes, maybe mode too) or `mode` (mode only).
    pub change: &'static str,
    /// Octal modes when the mode changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modes: Option<(String, String)>,
}

pub(crate) fn changes(old: &Tree, new: &Tree) -> Changes {
    let (a, b) = (
        summarize(&facts::bundles(old)),
        summarize(&facts::bundles(new)),
    );
    Changes {
        operational: operational_changes(old, new, &a, &b),
        files: file_changes(old, new),
    }
}

/// The report for `kubeprint diff`, for stdout: each changed file followed by what
/// changed inside it (see [`content`]).
pub(crate) fn diff(old: &Tree, new: &Tree) -> String {
    let Changes { operational, files } = changes(old, new);
    let shown = content::Shown::new(old, new);
    let mut out = String::new();
    if operational.is_empty() {
        out.push_str("operational changes: none\n");
    } else {
        out.push_str("operational changes:\n");
        for f in &operational {
            let _ = writeln!(out, "  ! {f}");
        }
    }
    if files.is_empty() {
        out.push_str("files: identical\n");
    } else {
        let _ = writeln!(out, "files ({}):", files.len());
        for f in files {
            let _ = match (f.change, &f.modes) {
                ("changed", Some((o, n))) => {
                    writeln!(out, "  changed: {} (mode {o} → {n})", f.path)
                }
                ("mode", Some((o, n))) => writeln!(out, "  mode:    {} ({o} → {n})", f.path),
                ("added", _) => writeln!(out, "  added:   {}", f.path),
                ("removed", _) => writeln!(out, "  removed: {}", f.path),
                _ => writeln!(out, "  changed: {}", f.path),
            };
            if f.change == "changed" {
                match shown.diff(old, new, &f.path) {
                    Ok(text) => text.lines().for_each(|l| {
                        let _ = writeln!(out, "    {l}");
                    }),
                    Err(why) => {
                        let _ = writeln!(out, "    ({why})");
                    }
                }
            }
        }
    }
    out
}

fn operational_changes(old: &Tree, new: &Tree, a: &Summary, b: &Summary) -> Vec<String> {
    let mut flags = Vec::new();
    if let Some(change) = set_change(&a.ca_hashes, &b.ca_hashes) {
        flags.push(format!(
            "CA changed ({change}): running nodes trust the old CA; nodes rendered from the new tree cannot join the old control plane, and a control plane built from it starts a new cluster"
        ));
    }
    if !a.encryption_keys.is_empty() && a.encryption_keys != b.encryption_keys {
        flags.push(format!(
            "API server encryption key changed ({}): Secrets a running cluster wrote with the old key are unreadable to an API server given only the new one; keep the old secrets file for this cluster",
            set_change(&a.encryption_keys, &b.encryption_keys).unwrap_or_default()
        ));
    }
    if a.tokens != b.tokens {
        flags.push(
            "bootstrap token changed: new nodes can join only a control plane that knows the new token (register it with `kubeprint secrets token-secret | kubectl apply -f -`, or rebuild)"
                .to_string(),
        );
    }
    for (path, contents) in &b.secret_files {
        if a.secret_files.get(path).is_some_and(|old| old != contents) {
            flags.push(format!(
                "secret file {path} changed (content not shown): nodes write it at their first boot; running nodes keep the old one"
            ));
        }
    }
    flags.extend(user_data_changes(old, new, b));
    flags.extend(publish_change(old, new));
    flags.extend(airgap_change(old, new));
    let pins = set_change(&a.pins, &b.pins);
    let repos = set_change(&a.repos, &b.repos);
    if pins.is_some() || repos.is_some() {
        let what: Vec<String> = [pins, repos].into_iter().flatten().collect();
        flags.push(format!(
            "package versions changed ({}): an upgrade; running nodes keep their held packages: upgrade them in place with `kubeprint upgrade --from OLD_DIR`, or replace them from the new tree",
            what.join("; ")
        ));
    }
    if let Some(change) = set_change(&a.cni, &b.cni) {
        flags.push(format!(
            "CNI manifest changed ({change}): applied only when a control plane is initialized; apply it to the running cluster by hand"
        ));
    }
    for (field, new_value) in &b.cluster {
        match a.cluster.get(field) {
            Some(old_value) if old_value != new_value => flags.push(format!(
                "cluster configuration {field} changed ({old_value} → {new_value}): kubeadm applies it only at init"
            )),
            _ => {}
        }
    }
    flags
}

/// A set that changed, as `removed → added`; `None` when it did not.
fn set_change(old: &BTreeSet<String>, new: &BTreeSet<String>) -> Option<String> {
    if old == new {
        return None;
    }
    let show = |s: &BTreeSet<String>| {
        if s.is_empty() {
            "(none)".to_string()
        } else {
            s.iter().cloned().collect::<Vec<_>>().join(", ")
        }
    };
    let removed: BTreeSet<String> = old.difference(new).cloned().collect();
    let added: BTreeSet<String> = new.difference(old).cloned().collect();
    Some(format!("{} → {}", show(&removed), show(&added)))
}

/// Fetched delivery: the publish file lists every payload's location and sha256, so it
/// changes exactly when what nodes fetch changes.
fn publish_change(old: &Tree, new: &Tree) -> Option<String> {
    ["publish/publish-secrets.sh", "publish/uploads.txt"]
        .into_iter()
        .find(|p| new.get(*p).is_some_and(|f| old.get(*p).map(|o| &o.bytes) != Some(&f.bytes)))
        .map(|p| {
            format!(
                "fetched payloads changed ({p}): publish them again before booting nodes from the new tree; its stubs refuse the old ones"
            )
        })
}

/// `offline: true`: the scripts name every image and file the mirrors must hold, so they
/// change exactly when what the mirrors must serve changes.
fn airgap_change(old: &Tree, new: &Tree) -> Option<String> {
    ["airgap/mirror-images.sh", "airgap/download-files.sh"]
        .into_iter()
        .find(|p| new.get(*p).is_some_and(|f| old.get(*p).map(|o| &o.bytes) != Some(&f.bytes)))
        .map(|p| {
            format!(
                "what the mirrors must serve changed ({p}): run out/airgap/ again before booting nodes from the new tree"
            )
        })
}

/// Each bundle's user-data of the new tree that differs from the old tree's copy.
fn user_data_changes(old: &Tree, new: &Tree, b: &Summary) -> Vec<String> {
    let mut flags = Vec::new();
    for (file, init) in &b.user_data {
        let (Some(x), Some(y)) = (old.get(file), new.get(file)) else {
            continue;
        };
        if x.bytes != y.bytes {
            let who = if *init { "control-plane " } else { "" };
            flags.push(format!(
                "{who}user-data changed ({file}): instances whose launch template or instance configuration carries it may be replaced"
            ));
        }
    }
    flags
}

/// One line per added, changed or removed file, in path order (removed ones last).
fn file_changes(old: &Tree, new: &Tree) -> Vec<FileChange> {
    let entry = |path: &str, change, modes: Option<(u32, u32)>| FileChange {
        path: path.to_string(),
        change,
        modes: modes.map(|(o, n)| (format!("{o:04o}"), format!("{n:04o}"))),
    };
    let mut files = Vec::new();
    for (path, f) in new {
        match old.get(path) {
            None => files.push(entry(path, "added", None)),
            Some(o) if o.bytes != f.bytes && o.mode != f.mode => {
                files.push(entry(path, "changed", Some((o.mode, f.mode))))
            }
            Some(o) if o.bytes != f.bytes => files.push(entry(path, "changed", None)),
            Some(o) if o.mode != f.mode => files.push(entry(path, "mode", Some((o.mode, f.mode)))),
            Some(_) => {}
        }
    }
    for path in old.keys().filter(|p| !new.contains_key(*p)) {
        files.push(entry(path, "removed", None));
    }
    files
}
