//! Part of `facts`: which directories of a tree are role bundles, what kind of node
//! each one is, and the texts to scan in each: its step files, `bootstrap.sh`, and the
//! scripts embedded in its `user-data.yaml`.

use crate::error::{Error, Result};
use serde_yaml::Value;

use crate::review::tree::Tree;

use super::model::{BundleFacts, NodeKind};
use super::scan::scan;

/// Every role bundle in `tree`, sorted by directory.
pub(crate) fn bundles(tree: &Tree) -> Vec<BundleFacts> {
    let mut dirs: Vec<String> = tree
        .keys()
        .filter_map(|p| {
            let dir = if p == "bootstrap.sh" {
                ""
            } else {
                p.strip_suffix("/bootstrap.sh")?
            };
            let steps = join(dir, "steps/");
            tree.keys()
                .any(|k| k.starts_with(&steps))
                .then(|| dir.to_string())
        })
        .collect();
    dirs.sort();
    dirs.into_iter().map(|d| bundle(tree, d)).collect()
}

fn join(dir: &str, rel: &str) -> String {
    if dir.is_empty() {
        rel.to_string()
    } else {
        format!("{dir}/{rel}")
    }
}

fn bundle(tree: &Tree, dir: String) -> BundleFacts {
    let prefix = join(&dir, "");
    let steps_prefix = join(&dir, "steps/");
    let mut b = BundleFacts {
        files: tree
            .keys()
            .filter(|k| k.starts_with(&prefix))
            .cloned()
            .collect(),
        step_files: tree
            .keys()
            .filter(|k| k.starts_with(&steps_prefix) && k.ends_with(".sh"))
            .cloned()
            .collect(),
        dir,
        ..BundleFacts::default()
    };
    b.kind = node_kind(&b.step_files);
    for (file, text) in &sources(tree, &mut b) {
        scan(&mut b, file, text);
    }
    b
}

/// From the kubeadm step: a bundle that inits is an init node even if it also has a
/// join step.
fn node_kind(step_files: &[String]) -> Option<NodeKind> {
    let mut kind = None;
    for step in step_files {
        let name = step_name(step);
        let this = if name == "kubeadm-init" {
            Some(NodeKind::Init)
        } else if name == "kubeadm-join" {
            Some(NodeKind::Join)
        } else {
            None
        };
        kind = match (kind, this) {
            (Some(NodeKind::Init), _) | (_, Some(NodeKind::Init)) => Some(NodeKind::Init),
            (k, None) => k,
            (_, k) => k,
        };
    }
    kind
}

/// (file, script) for every copy of the bundle's scripts; a file that cannot be read
/// is a problem of the bundle.
fn sources(tree: &Tree, b: &mut BundleFacts) -> Vec<(String, String)> {
    let mut sources: Vec<(String, String)> = Vec::new();
    for file in b.step_files.iter().chain([&join(&b.dir, "bootstrap.sh")]) {
        match tree.get(file).map(|f| String::from_utf8(f.bytes.clone())) {
            Some(Ok(text)) => sources.push((file.clone(), text)),
            _ => b.problems.push(format!("{file}: not UTF-8 text")),
        }
    }
    let user_data = join(&b.dir, "user-data.yaml");
    if let Some(f) = tree.get(&user_data) {
        match embedded_scripts(&f.bytes) {
            Ok(scripts) => sources.extend(scripts.into_iter().map(|s| (user_data.clone(), s))),
            Err(e) => b.problems.push(format!("{user_data}: {e}")),
        }
    }
    sources
}

/// `worker/steps/07-kubeadm-join.sh` → `kubeadm-join`
pub(crate) fn step_name(path: &str) -> &str {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file.strip_suffix(".sh").unwrap_or(file);
    match stem.split_once('-') {
        Some((n, rest)) if n.chars().all(|c| c.is_ascii_digit()) => rest,
        _ => stem,
    }
}

/// `worker/steps/07-kubeadm-join.sh` → `Some(7)`
pub(crate) fn step_number(path: &str) -> Option<u32> {
    let file = path.rsplit('/').next()?;
    file.split_once('-')?.0.parse().ok()
}

/// The `content` of every `write_files` entry of a `#cloud-config` document.
fn embedded_scripts(bytes: &[u8]) -> Result<Vec<String>> {
    let doc: Value = serde_yaml::from_slice(bytes)
        .map_err(|e| Error::new(format!("not valid cloud-config YAML ({e})")))?;
    Ok(doc["write_files"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(|f| f["content"].as_str().map(str::to_string))
        .collect())
}
