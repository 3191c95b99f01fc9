//! Shared by render, emit and review: a rendered file and the tree of them, in memory.

use std::collections::BTreeMap;

use serde::Serialize;

/// Written last into every tree: checksums (`sha256sum -c` input) and a description
/// of every other file.
pub(crate) const SHA256SUMS: &str = "SHA256SUMS";
pub(crate) const MANIFEST: &str = "manifest.json";

/// The parsed `manifest.json` when `bytes` are one kubeprint wrote (it names the
/// kubeprint version that rendered the tree), `None` for anything else of that name.
pub(crate) fn kubeprint_manifest(bytes: &[u8]) -> Option<serde_json::Value> {
    let manifest: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    manifest["inputs"]["kubeprint_version"].as_str()?;
    Some(manifest)
}

/// Whether a step may be baked into an image (no secrets, no cluster identity) or must
/// run when the node boots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Bake,
    Boot,
}

/// A rendered file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    pub bytes: Vec<u8>,
    pub mode: u32,
    /// Carries a private key or the bootstrap token.
    pub secret: bool,
    /// The role directory it belongs to (`control-plane`, `worker`, ...).
    pub role: String,
    /// Whether it may be baked into an image; whole bundles count as boot.
    pub stage: Stage,
}

impl Artifact {
    /// A file for whoever runs kubeprint, not for a node (publish and air-gap scripts,
    /// admin.conf): never baked.
    pub(crate) fn for_operator(bytes: Vec<u8>, mode: u32, secret: bool) -> Artifact {
        Artifact {
            bytes,
            mode,
            secret,
            role: "operator".to_string(),
            stage: Stage::Boot,
        }
    }
}

pub type Artifacts = BTreeMap<String, Artifact>;
