//! Part of `verify`: what it reports ([`Findings`]) and what every check reads the same
//! way (the manifest, a bundle directory's name in messages).

use crate::artifact::MANIFEST;
use crate::review::tree::Tree;
use crate::secrets::expiry::Status;

#[derive(Debug, Default, serde::Serialize)]
pub struct Findings {
    /// `file: what disagrees`, never with a secret value.
    pub problems: Vec<String>,
    /// What was checked, for the success message.
    pub summary: Vec<String>,
    /// What does not fail the tree yet: a certificate with under 90 days left.
    pub warnings: Vec<String>,
    /// Each CA certificate the init bundle installs and the admin certificate.
    pub certificates: Vec<CertExpiry>,
}

/// A certificate's end, as `verify --format json` reports it.
#[derive(Debug, serde::Serialize)]
pub struct CertExpiry {
    /// `cluster CA`, `front-proxy CA`, `etcd CA`, `admin`.
    pub name: String,
    /// Where it was read.
    pub file: String,
    /// RFC 3339.
    pub not_after: String,
    /// Whole days left at the moment verified against; negative once expired.
    pub days_left: i64,
    pub status: Status,
}

/// A bundle directory as messages name it: the tree's root is `.`.
pub(super) fn display_dir(dir: &str) -> &str {
    if dir.is_empty() { "." } else { dir }
}

/// `manifest.json`, parsed; `None` when the tree has none (older renders).
pub(super) fn read_manifest(tree: &Tree) -> Option<serde_json::Result<serde_json::Value>> {
    tree.get(MANIFEST)
        .map(|f| serde_json::from_slice::<serde_json::Value>(&f.bytes))
}
