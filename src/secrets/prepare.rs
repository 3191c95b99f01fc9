//! Part of stage 2 (secrets): the secrets a render uses: the existing file (bound to its
//! cluster, completed if older), or a new one generated on first use.

use std::path::Path;

use crate::diagnostics::Report;
use crate::error::Result;
use crate::secrets::pki::KeyType;
use crate::secrets::{CheckedSecrets, Needs};

/// The secrets to render with, and what the user should be told about the file
/// (generated, completed, or not bound to a cluster).
pub(crate) struct Prepared {
    pub secrets: CheckedSecrets,
    pub notes: Vec<String>,
}

/// Loads the secrets file for `cluster`, generating it on first use and completing an
/// older file with any shared PKI it lacks, and with the encryption key once `needs`
/// asks for it (the token, existing CAs and an existing key never change). A file that
/// belongs to another cluster is refused before anything is written.
/// Under `strict` a file that records no cluster is refused.
pub(crate) fn load_or_generate(
    path: &Path,
    cluster: &str,
    needs: Needs,
    strict: bool,
) -> Result<Prepared> {
    let mut notes = Vec::new();
    let shown = path.display().to_string();
    let problems = |d| Report::of(&shown, d);
    if !path.exists() {
        let fresh = super::generate(cluster, KeyType::default(), needs)?;
        let checked = super::check(fresh).map_err(problems)?;
        super::save(path, &checked.secrets, false)?;
        let what = if needs.encryption_key {
            "bootstrap token, shared PKI and encryption key"
        } else {
            "bootstrap token and shared PKI"
        };
        notes.push(format!(
            "generated {shown} for cluster `{cluster}` ({what}, mode 0600): keep it private and reuse it for every render of this cluster"
        ));
        return Ok(Prepared {
            secrets: checked,
            notes,
        });
    }
    let mut loaded = super::read(path).map_err(problems)?;
    if let Some(warning) = super::check_binding(&loaded, cluster, &shown, strict)? {
        notes.push(warning.to_string());
    }
    if let Some(refused) = super::generated_for_joins(&loaded, needs) {
        return Err(problems(vec![refused]).into());
    }
    // Check what is there before building on it, so a damaged key is reported with its
    // file and field rather than as a failure to complete the file.
    super::check(loaded.clone()).map_err(problems)?;
    let key_type = super::key_type_of(&loaded);
    let added = super::complete(&mut loaded, key_type, needs)
        .map_err(|e| e.context(format!("cannot complete `{shown}`")))?;
    let checked = super::check(loaded).map_err(problems)?;
    if !added.is_empty() {
        super::save(path, &checked.secrets, true)?;
        notes.push(format!(
            "added {} to {shown} (token and existing CAs unchanged)",
            added.join(", ")
        ));
    }
    Ok(Prepared {
        secrets: checked,
        notes,
    })
}
