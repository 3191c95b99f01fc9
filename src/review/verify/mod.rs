//! Review tooling, `kubeprint verify`: a rendered [`Tree`] alone (no secrets file) →
//! every inconsistency between its files, or a short summary of what agrees.
//!
//! The checks are the ways a cluster fails to come up even though every file looks
//! fine by itself: a join token or CA pin that does not match the control plane, an
//! endpoint the API server certificate does not cover, a CNI network that is not the
//! pod subnet, package pins from another release, control planes whose kube-vip static
//! pods disagree, a secret in a file meant to be baked, a bundle whose proxy settings
//! differ from the others'.
//!
//! One concern per file. [`verify`] runs them in a fixed order, which is the order of
//! the report (tests compare it byte for byte): the reference (the init bundle's own
//! configuration), the cross-checks of every bundle against it (the API server's
//! encryption and audit files last), the user's own additions, how long the
//! certificates have left, where secrets sit, and the checksums. The moment the
//! certificates are measured against is an input, so the report is a pure function of
//! the tree and that moment.

mod apiserver;
mod checksums;
mod cluster;
mod delivery;
mod documents;
mod expiry;
mod extras;
mod findings;
mod kube_vip;
mod packages;
mod proxy;
mod reference;
mod secret_placement;

use findings::display_dir;
pub use findings::{CertExpiry, Findings};

use std::collections::BTreeSet;

use time::OffsetDateTime;

use crate::review::facts;
use crate::review::tree::Tree;

/// Checks `tree`, measuring the certificates against `now`.
pub fn verify(tree: &Tree, now: OffsetDateTime) -> Findings {
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
    extras::check_extras(&bundles, &mut out);
    expiry::check_expiry(tree, &bundles, now, &mut out);
    secret_placement::check_secret_placement(tree, &bundles, &tokens, &mut out);
    delivery::check_delivery(tree, &tokens, &mut out);
    proxy::check_proxy(tree, &mut out);
    checksums::check_sums(tree, &mut out);
    // The same copy can fail two checks the same way (reference and cross-check).
    let mut seen = BTreeSet::new();
    out.problems.retain(|p| seen.insert(p.clone()));
    out
}
