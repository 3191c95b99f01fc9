//! Part of stage 2 (secrets): a secrets file belongs to one cluster (`cluster:`), so
//! one cluster's CA and token never reach another's nodes.

use crate::diagnostics::{Diagnostic, Report};
use crate::error::{Error, Result};
use crate::secrets::Secrets;

/// Whether a secrets file may be used for a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// The file records this cluster.
    Same,
    /// The file predates cluster binding: usable, with a warning.
    Unrecorded,
    /// The file belongs to the named other cluster.
    Other(String),
}

pub fn binding(secrets: &Secrets, cluster: &str) -> Binding {
    match &secrets.cluster {
        None => Binding::Unrecorded,
        Some(name) if name == cluster => Binding::Same,
        Some(name) => Binding::Other(name.clone()),
    }
}

/// Whether the secrets file `file` may be used for `cluster`: `Err` (a report) when it
/// belongs to another cluster, a warning to print when it records none, `None` when it
/// is this cluster's.
pub fn check_binding(secrets: &Secrets, cluster: &str, file: &str) -> Result<Option<Report>> {
    let diagnostic = match binding(secrets, cluster) {
        Binding::Same => return Ok(None),
        Binding::Unrecorded => Diagnostic::warning(
            "cluster",
            format!("the secrets file `{file}` does not record which cluster it belongs to"),
        )
        .help(format!(
            "if it is `{cluster}`'s, add the line `cluster: {cluster}` at the top of `{file}`; kubeprint then refuses it for any other cluster"
        )),
        Binding::Other(other) => Diagnostic::error(
            "cluster",
            format!("the secrets file `{file}` belongs to cluster `{other}`, not `{cluster}`"),
        )
        .help(format!(
            "two clusters must never share a CA and a bootstrap token: pass `{cluster}`'s own secrets file with `-s`, or a path that does not exist yet (render generates a new one there), such as `-s {cluster}-secrets.yaml`"
        )),
    };
    let report = Report::of(file, vec![diagnostic]);
    if report.has_errors() {
        return Err(Error::Report(report));
    }
    Ok(Some(report))
}
