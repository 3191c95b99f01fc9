//! The review commands (`check`, `verify`, `explain`, `diff`): argument handling,
//! printing and exit outcomes around [`check`](crate::review::check), [`verify`](crate::review::verify),
//! [`explain`](crate::review::explain) and [`treediff`](crate::review::treediff).
//!
//! Reports go to stdout, errors and verdicts to stderr; `Err` means exit code 1.

use std::path::Path;

use crate::render_cluster;
use crate::review::check;
use crate::review::explain;
use crate::review::mask::Masker;
use crate::review::tree;
use crate::review::treediff;
use crate::review::verify;
use crate::secrets::{self, CheckedSecrets};

/// `kubeprint check`: render in memory and compare with `output`.
pub fn cmd_check(
    config: Option<&Path>,
    secrets_path: &Path,
    output: &Path,
    cluster: crate::model::cluster::Cluster,
    redact: bool,
) -> Result<(), String> {
    let mut secrets = load_existing_secrets(secrets_path, &cluster.name)?;
    if redact {
        secrets = secrets.redacted();
    }
    let artifacts = render_cluster(&cluster, &secrets).map_err(|e| format!("error: {e}"))?;
    let dir = output.display().to_string();
    let mut regenerate = regenerate_command(config, secrets_path, output);
    if redact {
        regenerate.push_str(" --redact");
    }
    if !output.exists() {
        return Err(format!(
            "error: `{dir}` does not exist\n  = help: render it with `{regenerate}`"
        ));
    }
    let on_disk = tree::read(output).map_err(|e| format!("error: {e}"))?;
    refuse_other_ca(
        &on_disk,
        &secrets,
        &dir,
        &secrets_path.display().to_string(),
    )?;
    let outcome = check::compare(&artifacts, &on_disk, &dir, &Masker::from_secrets(&secrets));
    if outcome.is_clean() {
        eprintln!(
            "ok: `{dir}` matches the rendered output ({} files)",
            artifacts.len()
        );
        return Ok(());
    }
    print!("{}", outcome.report);
    Err(format!(
        "error: `{dir}` is not what the definition and secrets render ({})\n  = help: regenerate it with `{regenerate}`",
        outcome.summary()
    ))
}

/// A tree rendered with another CA differs in every certificate; say that once instead
/// of diffing them, and never suggest rendering over a reviewed tree with foreign keys.
fn refuse_other_ca(
    on_disk: &tree::Tree,
    secrets: &CheckedSecrets,
    dir: &str,
    secrets_file: &str,
) -> Result<(), String> {
    let in_tree = treediff::ca_hashes(on_disk);
    if in_tree.is_empty() || in_tree.contains(&secrets.ca_cert_hash) {
        return Ok(());
    }
    let tree_cas: Vec<&str> = in_tree.iter().map(String::as_str).collect();
    Err(format!(
        "error: `{dir}` was rendered with another cluster CA than `{secrets_file}` holds\n  = tree CA: {}\n  = secrets CA: {}\n  = help: pass the secrets file this tree was rendered with (`-s FILE`); rendering over the tree with these secrets would give its nodes a new CA (a new cluster)",
        tree_cas.join(", "),
        secrets.ca_cert_hash
    ))
}

/// Check never writes: the secrets file must exist and be complete.
fn load_existing_secrets(path: &Path, cluster: &str) -> Result<CheckedSecrets, String> {
    let shown = path.display().to_string();
    if !path.exists() {
        return Err(format!(
            "error: the secrets file `{shown}` does not exist\n  = help: check compares with a tree rendered from existing secrets; pass the file it was rendered with (`-s FILE`)"
        ));
    }
    let loaded = secrets::read(path).map_err(|d| crate::cli::secret_commands::report(&shown, d))?;
    if let Some(warning) = secrets::binding_message(&loaded, cluster, &shown)? {
        eprintln!("{warning}");
    }
    let added = secrets::missing(&loaded);
    if !added.is_empty() {
        return Err(format!(
            "error: the secrets file `{shown}` lacks {}\n  = help: `kubeprint render` completes it once; check never changes it",
            added.join(", ")
        ));
    }
    secrets::check(loaded).map_err(|d| crate::cli::secret_commands::report(&shown, d))
}

/// `kubeprint render -c … -s … -o …`, shell-quoted.
fn regenerate_command(config: Option<&Path>, secrets_path: &Path, output: &Path) -> String {
    let quote = |p: &Path| {
        let s = p.display().to_string();
        shlex::try_quote(&s).map(|q| q.into_owned()).unwrap_or(s)
    };
    let mut cmd = String::from("kubeprint render");
    if let Some(c) = config {
        cmd.push_str(&format!(" -c {}", quote(c)));
    }
    cmd.push_str(&format!(" -s {} -o {}", quote(secrets_path), quote(output)));
    cmd
}

/// `kubeprint verify DIR`: cross-check a rendered tree without the secrets file.
pub fn cmd_verify(dir: &Path) -> Result<(), String> {
    let shown = dir.display().to_string();
    let on_disk = tree::read(dir).map_err(|e| format!("error: {e}"))?;
    let outcome = verify::verify(&on_disk);
    if outcome.problems.is_empty() {
        let mut msg = format!("ok: `{shown}` is consistent");
        for line in &outcome.summary {
            msg.push_str(&format!("\n  {line}"));
        }
        eprintln!("{msg}");
        return Ok(());
    }
    for p in &outcome.problems {
        eprintln!("error: {p}");
    }
    Err(format!(
        "error: `{shown}` has {} inconsistenc{}",
        outcome.problems.len(),
        if outcome.problems.len() == 1 {
            "y"
        } else {
            "ies"
        }
    ))
}

/// `kubeprint explain`: each role's steps.
pub fn cmd_explain(cluster: &crate::model::cluster::Cluster) -> Result<(), String> {
    print!("{}", explain::explain(cluster));
    Ok(())
}

/// `kubeprint diff OLD NEW`: what changed, operationally.
pub fn cmd_diff(old: &Path, new: &Path) -> Result<(), String> {
    let a = tree::read(old).map_err(|e| format!("error: {e}"))?;
    let b = tree::read(new).map_err(|e| format!("error: {e}"))?;
    print!("{}", treediff::diff(&a, &b));
    Ok(())
}
