//! Part of `verify`: the tree is what was rendered. Every file matches its SHA256SUMS
//! line and its manifest.json hash, and no file is missing from SHA256SUMS.

use std::collections::BTreeSet;

use crate::artifact::{MANIFEST, SHA256SUMS};
use crate::digest::sha256_hex;
use crate::review::tree::Tree;

use super::findings::{Findings, read_manifest};

pub(super) fn check_sums(tree: &Tree, out: &mut Findings) {
    let Some(sums) = tree.get(SHA256SUMS) else {
        out.problems.push(format!(
            "{SHA256SUMS} is missing (render again with this kubeprint)"
        ));
        return;
    };
    let mut listed = BTreeSet::new();
    for (n, line) in String::from_utf8_lossy(&sums.bytes).lines().enumerate() {
        let Some((hash, path)) = line.split_once("  ").or_else(|| line.split_once(" *")) else {
            out.problems.push(format!(
                "{SHA256SUMS}:{}: not a `<sha256>  <path>` line",
                n + 1
            ));
            continue;
        };
        listed.insert(path.to_string());
        match tree.get(path) {
            None => out
                .problems
                .push(format!("{path}: listed in {SHA256SUMS} but missing")),
            Some(f) if sha256_hex(&f.bytes) != hash => out.problems.push(format!(
                "{path}: content does not match its {SHA256SUMS} entry"
            )),
            Some(_) => {}
        }
    }
    for path in tree.keys() {
        if path != SHA256SUMS && path != MANIFEST && !listed.contains(path) {
            out.problems
                .push(format!("{path}: not listed in {SHA256SUMS}"));
        }
    }
    check_manifest_hashes(tree, out);
    out.summary
        .push(format!("{} files match {SHA256SUMS}", listed.len()));
}

/// A manifest.json that is not valid JSON is reported by the secret placement check.
fn check_manifest_hashes(tree: &Tree, out: &mut Findings) {
    let Some(Ok(m)) = read_manifest(tree) else {
        return;
    };
    for f in m["files"].as_array().into_iter().flatten() {
        let path = f["path"].as_str().unwrap_or_default();
        if let Some(file) = tree.get(path)
            && f["sha256"].as_str() != Some(sha256_hex(&file.bytes).as_str())
        {
            out.problems.push(format!(
                "{path}: content does not match its {MANIFEST} entry"
            ));
        }
    }
}
