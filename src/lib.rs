//! kubeprint compiles a cluster definition into the files that turn plain Ubuntu/Debian
//! machines into a kubeadm cluster on CRI-O: per-role cloud-init user-data and shell
//! bundles, rendered ahead of time and reproducible byte for byte.
//!
//! The pipeline, one module per stage, and the entry points that run it:
//!
//! ```text
//! cluster.yaml ─config─▶ Config ─validate─▶ Cluster                    load_cluster
//! secrets.yaml ─secrets─▶ CheckedSecrets      load_secrets, parse_secrets, generate_secrets
//! Cluster + CheckedSecrets + matrix ─plan─▶ Plan
//! Plan + templates ─render─▶ Artifacts                                  render_cluster
//! Artifacts ─emit─▶ out/                                                write_tree
//! out/ ─review─▶ Tree ─verify─▶ Findings                     read_tree, tree_of, verify
//! ```

#![warn(unreachable_pub)]

// The stages (see README's "Development"). Only the command line is public; everything
// else reaches programs and tests through the entry points below.
mod artifact;
pub mod cli;
mod config;
mod diagnostics;
mod digest;
mod emit;
mod error;
mod input;
mod layout;
mod model;
mod nofollow;
mod plan;
mod render;
mod review;
mod secrets;
mod validate;
mod yaml;

use std::path::Path;

pub use artifact::{Artifact, Artifacts, Stage};
pub use config::DEFAULT_CLUSTER;
pub use diagnostics::{Diagnostic, Report, Severity};
pub use error::{Error, Result};
pub use model::cluster::Cluster;
pub use review::tree::{File, Tree, of_artifacts as tree_of, read as read_tree};
pub use review::verify::{CertExpiry, Findings, verify};
pub use secrets::CheckedSecrets;
pub use secrets::expiry::Status as ExpiryStatus;
pub use secrets::pki::KeyType;

use config::SourceMap;

/// Loads and validates a definition. The report holds every problem found; the cluster
/// is `None` when any of them is an error (after `--strict`, warnings count too).
pub fn load_cluster(text: &str, file: &str, strict: bool) -> (Option<Cluster>, Report) {
    let mut report = Report::new(file);
    if let Err(deep) = input::depth::check(text) {
        report.push(deep);
        return (None, report);
    }
    let source = SourceMap::new(text);
    let cluster = match config::load(text, &source) {
        Err(problems) => {
            problems.into_iter().for_each(|d| report.push(d));
            None
        }
        Ok(loaded) => {
            loaded.problems.into_iter().for_each(|d| report.push(d));
            validate::validate(&loaded.config, &loaded.failed, &source, &mut report)
        }
    };
    if let Some(cluster) = &cluster {
        offline_problems(cluster, &source, &mut report);
    }
    if strict {
        report.make_strict();
    }
    let cluster = cluster.filter(|_| !report.has_errors());
    (cluster, report)
}

/// `offline: true`: every upstream place the nodes would still reach, from the artifact
/// list (the plan's, which needs a checked cluster), pointing at the key to set or else
/// at `offline` itself.
fn offline_problems(cluster: &Cluster, source: &SourceMap, report: &mut Report) {
    for p in plan::offline::problems(cluster) {
        let at = source.locate(&p.field).or_else(|| source.locate("offline"));
        let diag = match p.warning {
            true => Diagnostic::warning(&p.field, p.message),
            false => Diagnostic::error(&p.field, p.message),
        };
        report.push(diag.help(p.help).at(at));
    }
}

/// Output choices beyond the default tree.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// Also write each user-data as a MIME multipart message (`user-data*.mime`).
    pub mime: bool,
}

/// Renders every artifact of a checked cluster in memory.
/// Ends with `SHA256SUMS` and `manifest.json`, which describe every other artifact.
pub fn render_cluster(cluster: &Cluster, secrets: &CheckedSecrets) -> Result<Artifacts> {
    render_cluster_with(cluster, secrets, RenderOptions::default())
}

/// [`render_cluster`] with output choices beyond the default tree.
pub fn render_cluster_with(
    cluster: &Cluster,
    secrets: &CheckedSecrets,
    options: RenderOptions,
) -> Result<Artifacts> {
    secrets::require(&secrets.secrets, secrets::Needs::of(cluster))?;
    let plan = plan::plan(cluster, secrets);
    let mut artifacts = render::render(&plan)?;
    if let Some(airgap) = plan::airgap::airgap(cluster) {
        render::airgap::add(&airgap, &mut artifacts);
    }
    if options.mime {
        render::mime::add_multipart_twins(&mut artifacts);
        // A MIME twin over EC2's limit needs its gzip twin as much as the YAML does.
        render::budget::add_gzip_twins(&mut artifacts)?;
    }
    render::manifest::seal(&mut artifacts, &plan.provenance);
    Ok(artifacts)
}

/// Reads and checks an existing secrets file, as `render -s` does, without generating or
/// completing anything.
pub fn load_secrets(path: &Path) -> Result<CheckedSecrets> {
    secrets::load(path).map_err(|problems| Report::of(path.display().to_string(), problems).into())
}

/// New secrets for a cluster, as `secrets generate` makes them: a bootstrap token and the
/// whole PKI (CAs, service-account key pair, admin certificates), plus what the cluster's
/// options call for.
pub fn generate_secrets(cluster: &Cluster, key_type: KeyType) -> Result<CheckedSecrets> {
    let generated = secrets::generate(&cluster.name, key_type, secrets::Needs::of(cluster))?;
    secrets::check(generated).map_err(|problems| Report::of("generated secrets", problems).into())
}

/// Checks secrets held as text (a file's contents), without the file's ownership and mode
/// checks `load_secrets` makes: for secrets that never touch a disk as a file of their own.
pub fn parse_secrets(text: &str, file: &str) -> Result<CheckedSecrets> {
    let checked = secrets::parse(text).and_then(secrets::check);
    checked.map_err(|problems| Report::of(file, problems).into())
}

/// Writes rendered artifacts to `dir` as `render -o` does: all or nothing, and only into a
/// directory that is empty, absent or an earlier render's.
pub fn write_tree(artifacts: &Artifacts, dir: &Path) -> Result<()> {
    let output = emit::outdir::claim(dir, &[])?;
    emit::emit(artifacts, &output)
}

/// The test-only fixture secrets every snapshot is rendered with, for unit tests.
#[cfg(test)]
fn fixture_secrets() -> CheckedSecrets {
    let text = include_str!("../tests/fixtures/test-only-secrets.yaml");
    parse_secrets(text, "tests/fixtures/test-only-secrets.yaml").expect("the fixture is valid")
}
