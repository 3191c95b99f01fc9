//! The command line's input: the cluster definition from a file, standard input, or the
//! embedded default (a regular file or a stream of at most 1 MiB), validated, with its
//! warnings said.

use std::path::Path;

use crate::cli::say;
use crate::config::{DEFAULT_CLUSTER, DEFAULT_CLUSTER_NAME};
use crate::error::{Error, Result};
use crate::input;
use crate::load_cluster;

/// How diagnostics name a definition read from standard input (`-c -`).
const STDIN_NAME: &str = "<stdin>";

/// Reads the definition (`-` for standard input, none for the embedded default) and
/// validates it. Warnings are printed; errors come back as the whole report.
pub(super) fn checked_cluster(
    path: Option<&Path>,
    strict: bool,
) -> Result<crate::model::cluster::Cluster> {
    let (text, name) = match path {
        None => (
            DEFAULT_CLUSTER.to_string(),
            DEFAULT_CLUSTER_NAME.to_string(),
        ),
        Some(p) if p == Path::new("-") => (
            input::read_stdin(input::DEFINITION_CAP)?,
            STDIN_NAME.to_string(),
        ),
        Some(p) => (
            input::read_file(p, "the cluster definition", input::DEFINITION_CAP)?,
            p.display().to_string(),
        ),
    };
    let (cluster, report) = load_cluster(&text, &name, strict);
    let Some(cluster) = cluster else {
        return Err(Error::Report(report));
    };
    // Warnings only: say them, and go on.
    if !report.diagnostics.is_empty() {
        say::info(report.to_string());
    }
    Ok(cluster)
}
