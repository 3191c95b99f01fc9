//! Part of `kubeprint diff`: what changed inside a changed text file, as a unified diff.
//! In: the file in both trees and each tree's manifest.json; out: the diff, or `None`
//! when the content is not shown. Content is shown only for files both manifests list
//! as not secret (a secret file may hold keys in shapes no masker recognises, such as
//! base64), and only when both sides are text; every line still goes through the
//! shape-based [`Masker`] (PEM private keys, tokens, encryption keys).

use std::collections::BTreeSet;

use crate::review::check::unified_diff;
use crate::review::mask::Masker;
use crate::review::tree::Tree;

/// Files a tree writes about itself: hashes and public facts, listed in no manifest.
const SELF_DESCRIBING: [&str; 2] = ["manifest.json", "SHA256SUMS"];

/// The paths a tree's manifest.json lists as not secret (empty when it has none).
fn public_paths(tree: &Tree) -> BTreeSet<String> {
    let Some(manifest) = tree
        .get("manifest.json")
        .and_then(|f| serde_json::from_slice::<serde_json::Value>(&f.bytes).ok())
    else {
        return BTreeSet::new();
    };
    let files = manifest["files"].as_array().cloned().unwrap_or_default();
    files
        .iter()
        .filter(|f| f["secret"] == serde_json::Value::Bool(false))
        .filter_map(|f| f["path"].as_str().map(str::to_string))
        .chain(SELF_DESCRIBING.iter().map(|p| p.to_string()))
        .collect()
}

/// Which changed files' contents may be shown: public in both trees.
pub(super) struct Shown {
    public: BTreeSet<String>,
}

impl Shown {
    pub(super) fn new(old: &Tree, new: &Tree) -> Shown {
        let (a, b) = (public_paths(old), public_paths(new));
        Shown {
            public: a.intersection(&b).cloned().collect(),
        }
    }

    /// The unified diff of `path`, or why it is not shown.
    pub(super) fn diff(&self, old: &Tree, new: &Tree, path: &str) -> Result<String, &'static str> {
        if !self.public.contains(path) {
            return Err("secret or unlisted: content not shown");
        }
        let (Some(o), Some(n)) = (old.get(path), new.get(path)) else {
            return Err("not in both trees");
        };
        match (std::str::from_utf8(&o.bytes), std::str::from_utf8(&n.bytes)) {
            (Ok(a), Ok(b)) if !a.contains('\0') && !b.contains('\0') => {
                Ok(unified_diff(a, b, &Masker::default()))
            }
            _ => Err("binary: content not shown"),
        }
    }
}
