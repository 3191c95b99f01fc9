//! Review tooling: [`Artifacts`] → the readable table `kubeprint artifacts` prints, one
//! line per download, grouped by stage.

use crate::plan::artifacts::{Artifacts, Item, Kind};
use crate::plan::{Role, Stage};

pub(crate) fn table(artifacts: &Artifacts) -> String {
    let mut out = format!(
        "cluster {} (kubernetes {})\n",
        artifacts.cluster, artifacts.kubernetes
    );
    for (stage, title) in [
        (
            Stage::Bake,
            "bake (an image build; an unbaked node at the start of its boot)",
        ),
        (Stage::Boot, "boot"),
    ] {
        out.push_str(&format!("\n{title}\n"));
        out.push_str(&format!(
            "  {:<15} {:<25} {:<30} {}\n",
            "kind", "name", "roles", "what"
        ));
        for item in artifacts.items.iter().filter(|i| i.stage == stage) {
            out.push_str(&format!(
                "  {:<15} {:<25} {:<30} {}\n",
                kind(item.kind),
                item.name,
                roles(&item.roles),
                what(item)
            ));
        }
    }
    out
}

fn kind(kind: Kind) -> &'static str {
    match kind {
        Kind::AptRepository => "apt repository",
        Kind::Package => "package",
        Kind::Manifest => "manifest",
        Kind::Image => "image",
    }
}

fn roles(roles: &[Role]) -> String {
    roles.iter().map(|r| r.name()).collect::<Vec<_>>().join(",")
}

/// The location with what checks it: the key, the sha256, the package version.
fn what(item: &Item) -> String {
    let mut parts = Vec::new();
    if let Some(version) = &item.version {
        parts.push(version.clone());
    }
    if let Some(location) = &item.location {
        parts.push(location.clone());
    }
    if let Some(key) = &item.key_url {
        parts.push(format!("key {key}"));
    }
    if let Some(sha256) = &item.sha256 {
        parts.push(format!("sha256 {sha256}"));
    }
    if let Some(unknown) = &item.unknown {
        parts.push(unknown.clone());
    }
    parts.join("  ")
}
