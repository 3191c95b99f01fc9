//! Part of `verify`: where secrets sit. Workers never get a private key or the API
//! server's encryption key; bake-stage and non-secret files get none of these nor the
//! token, since they end up in images and repositories that are not kept secret.

use crate::artifact::{MANIFEST, SHA256SUMS};
use crate::review::facts::{self, BundleFacts};
use crate::review::mask;
use crate::review::tree::Tree;

use super::findings::{Findings, read_manifest};

/// `tokens` are the reference's bootstrap tokens (none when there is no reference);
/// anything shaped like a token counts too.
pub(super) fn check_secret_placement(
    tree: &Tree,
    bundles: &[BundleFacts],
    tokens: &[String],
    out: &mut Findings,
) {
    check_worker_keys(tree, bundles, out);
    let keys = encryption_keys(bundles);
    check_worker_encryption(tree, bundles, &keys, out);
    let has_token = |text: &str| {
        tokens.iter().any(|t| text.contains(t.as_str())) || !mask::token_shapes(text).is_empty()
    };
    for (path, what) in public_files(tree, bundles, out) {
        let Some(f) = tree.get(&path) else { continue };
        let text = String::from_utf8_lossy(&f.bytes);
        if mask::has_private_key(&text) {
            out.problems.push(format!(
                "{path}: {what} carries a private key (`PRIVATE KEY`)"
            ));
        }
        if has_token(&text) {
            out.problems
                .push(format!("{path}: {what} carries a bootstrap token"));
        }
        if carries_encryption_key(&text, &keys) {
            out.problems.push(format!(
                "{path}: {what} carries the API server's encryption key"
            ));
        }
    }
}

/// Every encryption key any bundle writes, as written (base64), to find copies of it.
fn encryption_keys(bundles: &[BundleFacts]) -> Vec<String> {
    let mut keys = Vec::new();
    for f in bundles.iter().flat_map(|b| &b.encryption_configs) {
        for line in f.value.body.lines() {
            if let Some(v) = line.trim_start().strip_prefix("secret: ") {
                keys.push(v.trim_matches(|c| c == '\'' || c == '"').to_string());
            }
        }
    }
    keys.retain(|k| k.len() >= 16);
    keys.sort();
    keys.dedup();
    keys
}

/// An EncryptionConfiguration, or one of the keys found in one.
fn carries_encryption_key(text: &str, keys: &[String]) -> bool {
    text.contains("kind: EncryptionConfiguration") || keys.iter().any(|k| text.contains(k.as_str()))
}

/// Only API servers read the encryption key: a worker holding it could decrypt every
/// Secret in an etcd backup.
fn check_worker_encryption(
    tree: &Tree,
    bundles: &[BundleFacts],
    keys: &[String],
    out: &mut Findings,
) {
    for b in bundles.iter().filter(|b| b.is_worker()) {
        for file in &b.files {
            if tree
                .get(file)
                .is_some_and(|f| carries_encryption_key(&String::from_utf8_lossy(&f.bytes), keys))
            {
                out.problems.push(format!(
                    "{file}: a worker file carries the API server's encryption key"
                ));
            }
        }
    }
}

/// Workers never need a private key (see `BundleFacts::is_worker`), so any in their files leaked.
fn check_worker_keys(tree: &Tree, bundles: &[BundleFacts], out: &mut Findings) {
    for b in bundles.iter().filter(|b| b.is_worker()) {
        for file in &b.files {
            if tree
                .get(file)
                .is_some_and(|f| mask::has_private_key(&String::from_utf8_lossy(&f.bytes)))
            {
                out.problems.push(format!(
                    "{file}: a worker file carries a private key (`PRIVATE KEY`)"
                ));
            }
        }
    }
}

/// Which files must stay public, and how messages call them: per manifest.json, or
/// steps 01-05 without one; SHA256SUMS and manifest.json themselves always.
fn public_files(
    tree: &Tree,
    bundles: &[BundleFacts],
    out: &mut Findings,
) -> Vec<(String, &'static str)> {
    let mut public: Vec<(String, &'static str)> = Vec::new();
    match read_manifest(tree) {
        Some(Ok(m)) => {
            for f in m["files"].as_array().into_iter().flatten() {
                let path = f["path"].as_str().unwrap_or_default().to_string();
                if f["stage"] == "bake" {
                    public.push((path, "a bake-stage file"));
                } else if f["secret"] == false {
                    public.push((path, "a file manifest.json marks not secret"));
                }
            }
        }
        Some(Err(e)) => out
            .problems
            .push(format!("{MANIFEST}: not valid JSON ({e})")),
        None => {
            for b in bundles {
                for step in &b.step_files {
                    if facts::step_number(step).is_some_and(|n| n <= 5) {
                        public.push((step.clone(), "a bake-stage file"));
                    }
                }
            }
        }
    }
    public.push((SHA256SUMS.to_string(), "a public file"));
    public.push((MANIFEST.to_string(), "a public file"));
    public
}
