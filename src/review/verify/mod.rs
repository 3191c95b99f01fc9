//! Review tooling, `kubeprint verify`: a rendered [`Tree`] alone (no secrets file) →
//! every inconsistency between its files, or a short summary of what agrees.
//!
//! The checks are the ways a cluster fails to come up even though every file looks
//! fine by itself: a join token or CA pin that does not match the control plane, an
//! endpoint the API server certificate does not cover, a CNI network that is not the
//! pod subnet, package pins from another release, a secret in a file meant to be baked.
//!
//! One concern per file. [`verify`] runs them in a fixed order, which is the order of
//! the report (tests compare it byte for byte): the reference (the init bundle's own
//! configuration), the cross-checks of every bundle against it (the API server's
//! encryption and audit files last), where secrets sit, and the checksums.

mod apiserver;
mod checksums;
mod cluster;
mod delivery;
mod documents;
mod packages;
mod reference;
mod secret_placement;

use std::collections::BTreeSet;

use crate::artifact::MANIFEST;
use crate::review::facts;
use crate::review::tree::Tree;

#[derive(Debug, Default, serde::Serialize)]
pub struct Findings {
    /// `file: what disagrees`, never with a secret value.
    pub problems: Vec<String>,
    /// What was checked, for the success message.
    pub summary: Vec<String>,
}

pub fn verify(tree: &Tree) -> Findings {
    let mut out = Findings::default();
    let bundles = facts::bundles(tree);
    if bundles.is_empty() {
        out.problems.push(
            "no role bundle found (a directory with `bootstrap.sh` and `steps/`)".to_string(),
        );
        return out;
    }
    for b in &bundles {
        out.problems.extend(b.problems.iter().cloned());
    }
    out.summary.push(format!(
        "bundles: {}",
        bundles
            .iter()
            .map(|b| format!("{} ({})", display_dir(&b.dir), b.kind().label()))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    let tokens = match reference::reference(&bundles, &mut out) {
        Some(r) => {
            cluster::check_cluster(&bundles, &r, &mut out);
            apiserver::check_api_server(&bundles, &r, &mut out);
            r.tokens
        }
        None => Vec::new(),
    };
    secret_placement::check_secret_placement(tree, &bundles, &tokens, &mut out);
    delivery::check_delivery(tree, &tokens, &mut out);
    checksums::check_sums(tree, &mut out);
    // The same copy can fail two checks the same way (reference and cross-check).
    let mut seen = BTreeSet::new();
    out.problems.retain(|p| seen.insert(p.clone()));
    out
}

/// A bundle directory as messages name it: the tree's root is `.`.
fn display_dir(dir: &str) -> &str {
    if dir.is_empty() { "." } else { dir }
}

/// `manifest.json`, parsed; `None` when the tree has none (older renders).
fn read_manifest(tree: &Tree) -> Option<serde_json::Result<serde_json::Value>> {
    tree.get(MANIFEST)
        .map(|f| serde_json::from_slice::<serde_json::Value>(&f.bytes))
}
