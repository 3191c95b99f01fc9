//! Part of `verify`: fetched delivery. When manifest.json says bundles are fetched
//! (`aws-secrets-manager`, `url`), no user-data may carry a private key or the token,
//! every stub must pin the sha256 of the payload beside it, and fetch it from where the
//! manifest says.

use serde_json::Value;

use std::io::Read;

use crate::digest::sha256_hex;
use crate::layout::PAYLOAD_CONFIG_PATH;
use crate::review::mask;
use crate::review::tree::Tree;

use super::findings::{Findings, read_manifest};

pub(super) fn check_delivery(tree: &Tree, tokens: &[String], out: &mut Findings) {
    let Some(Ok(manifest)) = read_manifest(tree) else {
        return;
    };
    let delivery = &manifest["inputs"]["delivery"];
    let Some(mode) = delivery["mode"].as_str() else {
        return;
    };
    let mut stubs = 0;
    for (path, file) in tree.iter().filter(|(p, _)| is_user_data(p)) {
        let text = String::from_utf8_lossy(&readable(path, &file.bytes)).into_owned();
        if mask::has_private_key(&text) {
            out.problems.push(format!(
                "{path}: user-data carries a private key, yet delivery is `{mode}`"
            ));
        }
        if tokens.iter().any(|t| text.contains(t.as_str())) || !mask::token_shapes(&text).is_empty()
        {
            out.problems.push(format!(
                "{path}: user-data carries a bootstrap token, yet delivery is `{mode}`"
            ));
        }
        if path.ends_with(".yaml") {
            stubs += check_stub(tree, path, &text, &delivery["bundles"], out);
        }
    }
    out.summary.push(format!(
        "delivery {mode}: no key or token in user-data; {stubs} stub(s) pin their payload's sha256"
    ));
}

/// `control-plane/user-data.baked.yaml` → pins `control-plane/bootstrap.baked.sh`,
/// fetched from the bundle's `baked` location. Returns 1 when the stub checks out.
fn check_stub(tree: &Tree, path: &str, text: &str, bundles: &Value, out: &mut Findings) -> usize {
    let (dir, file) = path.rsplit_once('/').unwrap_or(("", path));
    let (payload, location) = if file.contains(".baked.") {
        (format!("{dir}/bootstrap.baked.sh"), "baked")
    } else {
        (format!("{dir}/bootstrap.sh"), "full")
    };
    let Some(config) = payload_config(text) else {
        out.problems.push(format!(
            "{path}: not a delivery stub (no {PAYLOAD_CONFIG_PATH}), yet manifest.json says the bundle is fetched"
        ));
        return 0;
    };
    let pinned = config["sha256"].as_str().unwrap_or_default();
    let actual = tree.get(&payload).map(|f| sha256_hex(&f.bytes));
    let from = config["secret_id"].as_str().or(config["url"].as_str());
    let expected = bundles[dir][location].as_str();
    match actual {
        None => out
            .problems
            .push(format!("{path}: its payload {payload} is missing")),
        Some(a) if a != pinned => out.problems.push(format!(
            "{path}: pins sha256 {pinned}, but {payload} has {a}; nodes would refuse it"
        )),
        Some(_) if from != expected => out.problems.push(format!(
            "{path}: fetches from {}, but manifest.json says {}",
            from.unwrap_or("nowhere"),
            expected.unwrap_or("nothing")
        )),
        Some(_) => return 1,
    }
    0
}

fn is_user_data(path: &str) -> bool {
    path.rsplit('/')
        .next()
        .is_some_and(|f| f.starts_with("user-data"))
}

/// The `payload.json` a stub writes, parsed.
fn payload_config(text: &str) -> Option<Value> {
    let doc: serde_yaml::Value = serde_yaml::from_str(text).ok()?;
    let content = doc["write_files"]
        .as_sequence()?
        .iter()
        .find(|f| f["path"].as_str() == Some(PAYLOAD_CONFIG_PATH))?["content"]
        .as_str()?
        .to_string();
    serde_json::from_str(&content).ok()
}

/// A file's text, gzip twins decompressed (unreadable ones as they are: the checks
/// then find nothing in them, and SHA256SUMS still vouches for their bytes).
fn readable(path: &str, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    if path.ends_with(".gz")
        && flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .is_ok()
    {
        return out;
    }
    bytes.to_vec()
}
