//! Part of stage 4, render: seals [`Artifacts`] with `SHA256SUMS` and `manifest.json`,
//! added after every other artifact exists.
//!
//! `SHA256SUMS` is `sha256sum -c` input (`cd out && sha256sum -c SHA256SUMS`);
//! `manifest.json` says what each file is (role, stage, mode, secret) and what it was
//! rendered from, for reviewers and tools. Neither lists itself or the other, and
//! neither carries a secret: only hashes of files, never their content.

use serde::Serialize;

use crate::artifact::{Artifact, Artifacts};
use crate::plan::Stage;
use crate::plan::provenance::Provenance;

pub(crate) use crate::artifact::{MANIFEST, SHA256SUMS};
use crate::digest::sha256_hex;

#[derive(Serialize)]
struct Manifest<'a> {
    inputs: &'a Provenance,
    files: Vec<FileEntry<'a>>,
}

#[derive(Serialize)]
struct FileEntry<'a> {
    path: &'a str,
    role: &'a str,
    stage: Stage,
    size: usize,
    sha256: String,
    secret: bool,
    /// Octal, like `0600`.
    mode: String,
}

/// Adds (or replaces) `SHA256SUMS` and `manifest.json`, describing every other
/// artifact. Call it again after changing any artifact (as redaction would).
pub(crate) fn seal(artifacts: &mut Artifacts, inputs: &Provenance) {
    artifacts.remove(SHA256SUMS);
    artifacts.remove(MANIFEST);
    let mut sums = String::new();
    let mut files = Vec::new();
    // BTreeMap order: sorted by path, so the output is stable.
    for (path, a) in artifacts.iter() {
        let sha256 = sha256_hex(&a.bytes);
        sums.push_str(&format!("{sha256}  {path}\n"));
        files.push(FileEntry {
            path,
            role: &a.role,
            stage: a.stage,
            size: a.bytes.len(),
            sha256,
            secret: a.secret,
            mode: format!("{:04o}", a.mode),
        });
    }
    let manifest = Manifest { inputs, files };
    let mut json = serde_json::to_string_pretty(&manifest).expect("manifest serializes");
    json.push('\n');
    let public = |bytes: Vec<u8>| Artifact {
        bytes,
        mode: 0o644,
        secret: false,
        role: String::new(),
        // Describes the whole tree; nothing to bake.
        stage: Stage::Boot,
    };
    artifacts.insert(MANIFEST.to_string(), public(json.into_bytes()));
    artifacts.insert(SHA256SUMS.to_string(), public(sums.into_bytes()));
}
