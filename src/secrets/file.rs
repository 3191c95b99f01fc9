//! Part of stage 2 (secrets): `secrets.yaml` on disk: read (refusing a file others can
//! read, anything but a regular file, more than 1 MiB and YAML nested too deep), parse
//! (never quoting a value in an error), and save (0600 from the start).

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::diagnostics::Diagnostic;
use crate::error::{Error, Result};
use crate::input;
use crate::secrets::{CheckedSecrets, Secrets, check};

const HEADER: &str = "\
# kubeprint secrets: the bootstrap token and shared PKI every node of this cluster trusts.
# Keep this file private (mode 0600) and out of version control; back it up: losing it
# means new nodes can no longer be rendered for the existing cluster.
";

/// Parses secrets text. Parse errors keep only their location and the names of keys,
/// since serde would otherwise quote the offending (secret) value.
pub(crate) fn parse(text: &str) -> Result<Secrets, Vec<Diagnostic>> {
    crate::input::depth::check(text).map_err(|d| vec![d])?;
    serde_yaml::from_str(text).map_err(|e| {
        let location = e.location().map(|l| (l.line(), l.column()));
        let message = e.to_string();
        let safe = ["missing field `", "unknown field `"]
            .iter()
            .find(|p| message.contains(*p))
            .and_then(|p| message.split(p).nth(1))
            .and_then(|rest| rest.split('`').next())
            .map(|field| {
                if message.contains("missing field") {
                    format!("the key `{field}` is missing")
                } else {
                    format!("unknown key `{field}`")
                }
            })
            .unwrap_or_else(|| "a value has the wrong type or the YAML is malformed".to_string());
        vec![
            Diagnostic::error("", safe)
                .help("expected `bootstrap_token`, `cluster_ca` (`certificate`, `private_key`) and optionally the rest of the shared PKI; `kubeprint secrets generate` writes a fresh file")
                .at(location),
        ]
    })
}

/// Reads and checks `path`, refusing a file that others can read.
pub(crate) fn load(path: &Path) -> Result<CheckedSecrets, Vec<Diagnostic>> {
    check(read(path)?)
}

/// Reads `path` without checking it.
pub(crate) fn read(path: &Path) -> Result<Secrets, Vec<Diagnostic>> {
    let unread = |u: input::Unread| {
        let help = match u {
            input::Unread::TooLarge(_) | input::Unread::NotRegular(_) => {
                "pass the secrets file `kubeprint secrets generate` wrote"
            }
            _ => "check the path, and the file's owner and mode",
        };
        vec![Diagnostic::error("", format!("the secrets file {}", u.reason())).help(help)]
    };
    // Read first (a regular file, bounded), so a device's mode is never the complaint.
    let text = input::read_text(path, input::SECRETS_CAP).map_err(unread)?;
    let meta = fs::metadata(path).map_err(|e| unread(input::Unread::Unreadable(e)))?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(vec![
            Diagnostic::error(
                "",
                format!("the secrets file is readable by others (mode {mode:04o})"),
            )
            .help(format!("run `chmod 600 {}`", path.display())),
        ]);
    }
    parse(&text)
}

/// Writes `secrets` to `path` with mode 0600 from the start (never briefly readable).
pub(crate) fn save(path: &Path, secrets: &Secrets, overwrite: bool) -> Result<()> {
    let body = serde_yaml::to_string(secrets)
        .map_err(|e| Error::new(format!("cannot serialize secrets: {e}")))?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".secrets-")
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)
        .map_err(|e| {
            let reason = crate::error::io_reason(&e);
            Error::new(format!(
                "cannot create a file in `{}`: {reason}",
                dir.display()
            ))
        })?;
    tmp.write_all(HEADER.as_bytes())
        .and_then(|_| tmp.write_all(body.as_bytes()))
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| Error::new(format!("cannot write the secrets file: {e}")))?;
    if overwrite {
        tmp.persist(path)
            .map_err(|e| Error::new(format!("cannot write `{}`: {}", path.display(), e.error)))?;
    } else {
        tmp.persist_noclobber(path)
            .map_err(|e| Error::new(format!("cannot write `{}`: {}", path.display(), e.error)))?;
    }
    Ok(())
}
