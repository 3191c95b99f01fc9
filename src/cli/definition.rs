//! The command line's input: the cluster definition from a file, standard input,
//! `./cluster.yaml` when no `-c` is given, or else the embedded guide cluster (a regular
//! file or a stream of at most 1 MiB), validated, with its warnings said.

use std::path::{Path, PathBuf};

use crate::cli::say;
use crate::config::{DEFAULT_CLUSTER, DEFAULT_CLUSTER_NAME};
use crate::error::{Error, Result};
use crate::input;
use crate::load_cluster;

/// How diagnostics name a definition read from standard input (`-c -`).
const STDIN_NAME: &str = "<stdin>";

/// The definition a command reads without `-c`, in the directory it runs in.
const IMPLICIT: &str = "cluster.yaml";

/// The file a command reads: `-c` as given, else `./cluster.yaml` when it exists; `None`
/// means the embedded guide cluster.
pub(super) fn resolve(path: Option<&Path>) -> Option<PathBuf> {
    match path {
        Some(p) => Some(p.to_path_buf()),
        // `exists`, not `is_file`: a directory of that name is an error to report, not
        // a reason to render the guide's cluster instead.
        None => Path::new(IMPLICIT)
            .exists()
            .then(|| PathBuf::from(IMPLICIT)),
    }
}

/// Reads the definition (`-` for standard input; no `-c`: see [`resolve`]) and
/// validates it. Which file an implicit choice read is said on stderr; warnings are
/// printed; errors come back as the whole report.
pub(super) fn checked_cluster(
    path: Option<&Path>,
    strict: bool,
) -> Result<crate::model::cluster::Cluster> {
    let resolved = resolve(path);
    if path.is_none() {
        say::info(match &resolved {
            Some(_) => format!("note: reading `./{IMPLICIT}` (no `-c` given)"),
            None => format!(
                "note: no `-c` and no `./{IMPLICIT}`: using the embedded guide cluster (`examples/guide-1.21.yaml`); `kubeprint init` writes a starter `{IMPLICIT}`"
            ),
        });
    }
    let (text, name) = match resolved.as_deref() {
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
