//! The review commands (`check`, `verify`, `explain`, `diff`): argument handling,
//! printing and exit outcomes around [`check`](crate::review::check), [`verify`](crate::review::verify),
//! [`explain`](crate::review::explain) and [`treediff`](crate::review::treediff).
//!
//! Reports go to stdout, errors and verdicts to stderr; `Err` means exit code 1.

use crate::artifact::{MANIFEST, kubeprint_manifest};
use crate::diagnostics::Report;
use crate::error::{Error, Result};
use std::os::fd::AsFd;
use std::path::Path;

use crate::cli::output::{Output, print_json};
use crate::render_cluster;
use crate::review::check;
use crate::review::explain;
use crate::review::mask::Masker;
use crate::review::tree;
use crate::review::treediff;
use crate::review::verify;
use crate::secrets::{self, CheckedSecrets};

/// `kubeprint check`: render in memory and compare with `output`.
pub(super) fn cmd_check(
    config: Option<&Path>,
    secrets_path: &Path,
    output: &Path,
    cluster: crate::model::cluster::Cluster,
    redact: bool,
) -> Result<()> {
    let mut secrets = load_existing_secrets(secrets_path, &cluster)?;
    if redact {
        secrets = secrets.redacted();
    }
    let artifacts = render_cluster(&cluster, &secrets)?;
    let dir = output.display().to_string();
    let mut regenerate = command_line("render", config, secrets_path, output);
    if redact {
        regenerate.push_str(" --redact");
    }
    // Not `exists()`: a dangling link is there, and `tree::read` refuses it.
    if std::fs::symlink_metadata(output).is_err() {
        return Err(Error::new(format!("`{dir}` does not exist"))
            .help(format!("render it with `{regenerate}`")));
    }
    let on_disk = tree::read(output)?;
    if !redact && holds_placeholders(&on_disk) {
        // Rendering over it without `--redact` would put the real token and keys into
        // a tree meant to be committed: only ever suggest comparing it as it is.
        let check = command_line("check --redact", config, secrets_path, output);
        return Err(Error::new(format!(
            "`{dir}` was rendered with `--redact` (it holds placeholders where the token and keys go), so it never matches a render with the real secrets"
        ))
        .help(format!("compare it with `{check}`")));
    }
    refuse_other_ca(
        &on_disk,
        &secrets,
        &dir,
        &secrets_path.display().to_string(),
    )?;
    let masker = Masker::from_secrets(&secrets).with_secret_files(&cluster.files);
    let outcome = check::compare(&artifacts, &on_disk, &dir, &masker);
    if outcome.is_clean() {
        crate::cli::say::info(format!(
            "ok: `{dir}` matches the rendered output ({} files)",
            artifacts.len()
        ));
        return Ok(());
    }
    print!("{}", outcome.report);
    Err(Error::new(format!(
        "`{dir}` is not what the definition and secrets render ({})",
        outcome.summary()
    ))
    .help(format!("regenerate it with `{regenerate}`")))
}

/// A tree rendered with another CA differs in every certificate; say that once instead
/// of diffing them, and never suggest rendering over a reviewed tree with foreign keys.
fn refuse_other_ca(
    on_disk: &tree::Tree,
    secrets: &CheckedSecrets,
    dir: &str,
    secrets_file: &str,
) -> Result<()> {
    let in_tree = treediff::ca_hashes(on_disk);
    if in_tree.is_empty() || in_tree.contains(&secrets.ca_cert_hash) {
        return Ok(());
    }
    let tree_cas: Vec<&str> = in_tree.iter().map(String::as_str).collect();
    Err(Error::new(format!(
        "`{dir}` was rendered with another cluster CA than `{secrets_file}` holds"
    ))
    .note(format!("tree CA: {}", tree_cas.join(", ")))
    .note(format!("secrets CA: {}", secrets.ca_cert_hash))
    .help("pass the secrets file this tree was rendered with (`-s FILE`); rendering over the tree with these secrets would give its nodes a new CA (a new cluster)"))
}

/// Check never writes: the secrets file must exist and be complete.
fn load_existing_secrets(
    path: &Path,
    cluster: &crate::model::cluster::Cluster,
) -> Result<CheckedSecrets> {
    let shown = path.display().to_string();
    if !path.exists() {
        return Err(Error::new(format!("the secrets file `{shown}` does not exist")).help("check compares with a tree rendered from existing secrets; pass the file it was rendered with (`-s FILE`)"));
    }
    let loaded = secrets::read(path).map_err(|d| Report::of(&shown, d))?;
    if let Some(warning) = secrets::check_binding(&loaded, &cluster.name, &shown, false)? {
        crate::cli::say::info(format!("{warning}"));
    }
    let added = secrets::missing(&loaded, secrets::Needs::of(cluster));
    if !added.is_empty() {
        return Err(Error::new(format!(
            "the secrets file `{shown}` lacks {}",
            added.join(", ")
        ))
        .help("`kubeprint render` completes it once; check never changes it"));
    }
    Ok(secrets::check(loaded).map_err(|d| Report::of(&shown, d))?)
}

/// Whether a file of `tree` holds the placeholder token or key `render --redact` writes.
fn holds_placeholders(tree: &tree::Tree) -> bool {
    let token = secrets::REDACTED_TOKEN.as_bytes();
    // The key's middle line: in a YAML or heredoc body its lines are indented.
    let key = secrets::REDACTED_KEY
        .lines()
        .nth(1)
        .unwrap_or_default()
        .as_bytes();
    let holds = |bytes: &[u8], needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    tree.values()
        .any(|f| holds(&f.bytes, token) || holds(&f.bytes, key))
}

/// `kubeprint VERB -c … -s … -o …`, shell-quoted.
fn command_line(verb: &str, config: Option<&Path>, secrets_path: &Path, output: &Path) -> String {
    let quote = |p: &Path| {
        let s = p.display().to_string();
        shlex::try_quote(&s).map(|q| q.into_owned()).unwrap_or(s)
    };
    let mut cmd = format!("kubeprint {verb}");
    if let Some(c) = config {
        cmd.push_str(&format!(" -c {}", quote(c)));
    }
    cmd.push_str(&format!(" -s {} -o {}", quote(secrets_path), quote(output)));
    cmd
}

/// `kubeprint verify DIR`: cross-check a rendered tree without the secrets file.
/// Certificates are measured against `now` (the clock's, unless `--at` says).
pub(super) fn cmd_verify(dir: &Path, output: Output, now: time::OffsetDateTime) -> Result<()> {
    let shown = dir.display().to_string();
    require_manifest(dir)?;
    let on_disk = tree::read(dir)?;
    let outcome = verify::verify(&on_disk, now);
    if output == Output::Json {
        print_json(&outcome)?;
    } else {
        if outcome.problems.is_empty() {
            // The report goes to stdout, problems and warnings to stderr.
            println!("ok: `{shown}` is consistent");
            for line in &outcome.summary {
                println!("  {line}");
            }
        }
        for w in &outcome.warnings {
            crate::cli::say::info(format!("warning: {w}"));
        }
    }
    if outcome.problems.is_empty() {
        return Ok(());
    }
    for p in &outcome.problems {
        crate::cli::say::error(format!("error: {p}"));
    }
    Err(Error::new(format!(
        "`{shown}` has {} inconsistenc{}",
        outcome.problems.len(),
        if outcome.problems.len() == 1 {
            "y"
        } else {
            "ies"
        }
    )))
}

/// A folder without kubeprint's `manifest.json` is not a rendered tree (a repository's
/// root, a hand-made copy): one line saying so, instead of every check failing on it.
/// Read before the walk, without following a link, so a wrong folder costs nothing.
fn require_manifest(dir: &Path) -> Result<()> {
    let shown = dir.display().to_string();
    let fd = crate::nofollow::open_dir(dir)?;
    let path = dir.join(MANIFEST).display().to_string();
    let bytes = crate::nofollow::read_file(fd.as_fd(), c"manifest.json", &path)?;
    if bytes.is_some_and(|(b, _)| kubeprint_manifest(&b).is_some()) {
        return Ok(());
    }
    Err(Error::new(format!(
        "`{shown}` has no kubeprint `{MANIFEST}`, so it is not a tree kubeprint rendered; pass the directory `kubeprint render -o` wrote"
    )))
}

/// `kubeprint explain`: each role's steps.
pub(super) fn cmd_explain(cluster: &crate::model::cluster::Cluster, output: Output) -> Result<()> {
    if output == Output::Json {
        return print_json(&explain::explained(cluster));
    }
    print!("{}", explain::explain(cluster));
    Ok(())
}

/// `kubeprint diff OLD NEW`: what changed, operationally, on stdout; exit 1 when the
/// trees differ.
pub(super) fn cmd_diff(old: &Path, new: &Path, output: Output) -> Result<()> {
    let a = tree::read(old)?;
    let b = tree::read(new)?;
    if output == Output::Json {
        print_json(&treediff::changes(&a, &b))?;
    } else {
        print!("{}", treediff::diff(&a, &b));
    }
    if a == b {
        return Ok(());
    }
    Err(Error::Verdict(format!(
        "`{}` and `{}` differ",
        old.display(),
        new.display()
    )))
}
