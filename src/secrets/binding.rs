//! Part of stage 2 (secrets): a secrets file belongs to one cluster (`cluster:`), so
//! one cluster's CA and token never reach another's nodes.

use crate::diagnostics::{Diagnostic, Report};
use crate::error::{Error, Result};
use crate::secrets::Secrets;

/// Whether the secrets file `file` may be used for `cluster`: `Err` (a report) when it
/// belongs to another cluster, a warning to print when it records none (an error under
/// `strict`), `None` when it is this cluster's.
pub(crate) fn check_binding(
    secrets: &Secrets,
    cluster: &str,
    file: &str,
    strict: bool,
) -> Result<Option<Report>> {
    let diagnostic = match &secrets.cluster {
        Some(name) if name == cluster => return Ok(None),
        None => Diagnostic::warning(
            "cluster",
            format!("the secrets file `{file}` does not record which cluster it belongs to"),
        )
        .help(format!(
            "if it is `{cluster}`'s, add the line `cluster: {cluster}` at the top of `{file}`; kubeprint then refuses it for any other cluster"
        )),
        Some(other) => Diagnostic::error(
            "cluster",
            format!("the secrets file `{file}` belongs to cluster `{other}`, not `{cluster}`"),
        )
        .help(format!(
            "two clusters must never share a CA and a bootstrap token: pass `{cluster}`'s own secrets file with `-s`, or a path that does not exist yet (render generates a new one there), such as `-s {cluster}-secrets.yaml`"
        )),
    };
    let mut report = Report::of(file, vec![diagnostic]);
    if strict {
        report.make_strict();
    }
    if report.has_errors() {
        return Err(Error::Report(report));
    }
    Ok(Some(report))
}
