//! kubeprint compiles a cluster definition into the files that turn plain Ubuntu/Debian
//! machines into a kubeadm cluster on CRI-O: per-role cloud-init user-data and shell
//! bundles, rendered ahead of time and reproducible byte for byte.
//!
//! The pipeline, one module per stage:
//!
//! ```text
//! cluster.yaml ─config::load─▶ Config ─validate─▶ Cluster
//! secrets.yaml ─secrets::load | secrets::generate─▶ CheckedSecrets
//! Cluster + CheckedSecrets + matrix ─plan─▶ Plan
//! Plan + templates ─render─▶ Artifacts ─emit─▶ out/
//! ```

pub mod artifact;
pub mod cli;
pub mod config;
pub mod diagnostics;
pub mod digest;
pub mod emit;
pub mod error;
pub mod layout;
pub mod model;
pub mod plan;
pub mod render;
pub mod review;
pub mod secrets;
pub mod validate;
pub mod yaml;

use crate::error::Result;
use artifact::Artifacts;
use config::SourceMap;
use diagnostics::Report;
use model::cluster::Cluster;
use secrets::CheckedSecrets;

/// Loads and validates a definition. The report holds every problem found; the cluster
/// is `None` when any of them is an error (after `--strict`, warnings count too).
pub fn load_cluster(text: &str, file: &str, strict: bool) -> (Option<Cluster>, Report) {
    let mut report = Report::new(file);
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
    if strict {
        report.make_strict();
    }
    let cluster = cluster.filter(|_| !report.has_errors());
    (cluster, report)
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

pub fn render_cluster_with(
    cluster: &Cluster,
    secrets: &CheckedSecrets,
    options: RenderOptions,
) -> Result<Artifacts> {
    secrets::require(&secrets.secrets, secrets::Needs::of(cluster))?;
    let plan = plan::plan(cluster, secrets);
    let mut artifacts = render::render(&plan)?;
    if options.mime {
        render::mime::add_multipart_twins(&mut artifacts);
        // A MIME twin over EC2's limit needs its gzip twin as much as the YAML does.
        render::budget::add_gzip_twins(&mut artifacts)?;
    }
    render::manifest::seal(&mut artifacts, &plan.provenance);
    Ok(artifacts)
}
