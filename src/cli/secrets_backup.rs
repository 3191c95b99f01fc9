//! `secrets generate --force` keeps the file it replaces: a byte-for-byte copy beside
//! it, mode 0600, named `<file>.replaced-<UTC time>` (with `-1`, `-2`, ... when that
//! name is taken: an earlier copy is never overwritten). Part of the command line. In:
//! the path about to be replaced; out: the copy's path and the replaced CA's hash.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use time::OffsetDateTime;
use time::macros::format_description;

use crate::error::{Error, Result};
use crate::input;

/// The copy of a replaced secrets file.
pub(super) struct Kept {
    pub(super) path: PathBuf,
    /// The replaced file's CA hash, or why it could not be read.
    pub(super) ca_hash: std::result::Result<String, String>,
}

/// Copies `path` (when it exists) to a new file beside it before it is replaced.
pub(super) fn keep(path: &Path, now: OffsetDateTime) -> Result<Option<Kept>> {
    let text = match input::read_text(path, input::SECRETS_CAP) {
        Ok(text) => text,
        Err(input::Unread::Missing) => return Ok(None),
        Err(unread) => {
            return Err(
                input::refusal(path, "the secrets file to replace", &unread).note(
                    "`--force` keeps a copy of the file it replaces, and this one cannot be copied",
                ),
            );
        }
    };
    let stamp = now
        .format(format_description!(
            "[year][month][day]T[hour][minute][second]Z"
        ))
        .map_err(|e| Error::new(format!("cannot format the time: {e}")))?;
    let base = format!("{}.replaced-{stamp}", path.display());
    for n in 0..1000 {
        let candidate = PathBuf::from(match n {
            0 => base.clone(),
            n => format!("{base}-{n}"),
        });
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&candidate);
        let mut file = match file {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(Error::new(format!(
                    "cannot keep a copy of `{}` as `{}`: {e}",
                    path.display(),
                    candidate.display()
                ))
                .help("make the directory writable, or move the file away yourself"));
            }
        };
        file.write_all(text.as_bytes())
            .and_then(|_| file.sync_all())
            .map_err(|e| Error::new(format!("cannot write `{}`: {e}", candidate.display())))?;
        let ca_hash = crate::secrets::parse(&text)
            .and_then(crate::secrets::check)
            .map(|checked| checked.ca_cert_hash)
            .map_err(|_| "unknown: the replaced file does not load".to_string());
        return Ok(Some(Kept {
            path: candidate,
            ca_hash,
        }));
    }
    Err(Error::new(format!(
        "`{base}` and a thousand numbered copies already exist"
    ))
    .help("move earlier copies away"))
}
