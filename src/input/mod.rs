//! What kubeprint reads from outside, bounded: a file the user names (cluster
//! definition, secrets file, the files of a PKI directory) or standard input, as text.
//! In: a path (symlinks followed: a regular file reached through a link is fine) and a
//! size cap; out: the text, or why not (missing, not a regular file, too large,
//! unreadable). A device, FIFO or directory is refused before a byte is read, so
//! `/dev/zero` or a FIFO nobody writes to never makes a command hang; [`depth`] refuses
//! YAML nested so deep that parsing it would take minutes or overflow the stack.

pub(crate) mod depth;

use std::fs::{self, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

use crate::error::{Error, Result};

/// The most kubeprint reads of a cluster definition (a file or standard input).
pub(crate) const DEFINITION_CAP: u64 = 1 << 20;
/// The most kubeprint reads of a secrets file (a real one is about 30 KiB).
pub(crate) const SECRETS_CAP: u64 = 1 << 20;
/// The most kubeprint reads of one certificate or key file of a PKI directory.
pub(crate) const PKI_FILE_CAP: u64 = 64 << 10;

/// Why a file could not be read.
#[derive(Debug)]
pub(crate) enum Unread {
    /// Nothing at that path (or a dangling link).
    Missing,
    /// A directory, device, FIFO or socket: its kind, in words.
    NotRegular(&'static str),
    /// More than the cap, in bytes.
    TooLarge(u64),
    /// It exists but cannot be opened or read (permissions, not UTF-8, I/O).
    Unreadable(io::Error),
}

impl Unread {
    /// The reason as the end of a sentence that begins with the file's name.
    pub(crate) fn reason(&self) -> String {
        match self {
            Unread::Missing => "does not exist".to_string(),
            Unread::NotRegular(kind) => format!("is {kind}, not a regular file"),
            Unread::TooLarge(cap) => format!("is larger than {}", size(*cap)),
            Unread::Unreadable(e) if e.kind() == io::ErrorKind::InvalidData => {
                "is not UTF-8 text".to_string()
            }
            Unread::Unreadable(e) => format!("cannot be read: {e}"),
        }
    }
}

/// `1 MiB`, `64 KiB`: how a cap is said in messages.
pub(crate) fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b if b >= 1 << 10 && b % (1 << 10) == 0 => format!("{} KiB", b >> 10),
        b => format!("{b} bytes"),
    }
}

fn kind(file_type: fs::FileType) -> Option<&'static str> {
    Some(match file_type {
        t if t.is_file() => return None,
        t if t.is_dir() => "a directory",
        t if t.is_fifo() => "a FIFO",
        t if t.is_socket() => "a socket",
        t if t.is_char_device() || t.is_block_device() => "a device",
        _ => "not a file",
    })
}

/// Reads the regular file at `path` (links followed) as text, at most `cap` bytes.
pub(crate) fn read_text(path: &Path, cap: u64) -> Result<String, Unread> {
    let meta = fs::metadata(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => Unread::Missing,
        _ => Unread::Unreadable(e),
    })?;
    if let Some(kind) = kind(meta.file_type()) {
        return Err(Unread::NotRegular(kind));
    }
    // Non-blocking, so a FIFO swapped in after the check above opens at once, and the
    // check on the open file itself refuses it.
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(Unread::Unreadable)?;
    let meta = file.metadata().map_err(Unread::Unreadable)?;
    if let Some(kind) = kind(meta.file_type()) {
        return Err(Unread::NotRegular(kind));
    }
    if meta.len() > cap {
        return Err(Unread::TooLarge(cap));
    }
    capped(file, cap)
}

/// Reads at most `cap` bytes of `reader` as text; more is [`Unread::TooLarge`].
fn capped(reader: impl Read, cap: u64) -> Result<String, Unread> {
    let mut bytes = Vec::new();
    reader
        .take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(Unread::Unreadable)?;
    if bytes.len() as u64 > cap {
        return Err(Unread::TooLarge(cap));
    }
    String::from_utf8(bytes)
        .map_err(|e| Unread::Unreadable(io::Error::new(io::ErrorKind::InvalidData, e)))
}

/// [`read_text`] with the reason in an error that names `what` and the path.
pub(crate) fn read_file(path: &Path, what: &str, cap: u64) -> Result<String> {
    read_text(path, cap).map_err(|unread| refusal(path, what, &unread))
}

/// The error for a file `what` at `path` that could not be read, with a fix.
pub(crate) fn refusal(path: &Path, what: &str, unread: &Unread) -> Error {
    let error = Error::new(format!("{what} `{}` {}", path.display(), unread.reason()));
    match unread {
        Unread::NotRegular(_) => error.help(format!("give {what} as a regular file")),
        Unread::TooLarge(cap) => error.help(format!(
            "kubeprint reads at most {} of {what}; check that this is the right file",
            size(*cap)
        )),
        Unread::Missing => error.help("check the path"),
        Unread::Unreadable(_) => error.help("check the file's owner and mode"),
    }
}

/// Standard input as text, at most `cap` bytes.
pub(crate) fn read_stdin(cap: u64) -> Result<String> {
    capped(io::stdin().lock(), cap).map_err(|unread| {
        Error::new(format!("standard input {}", unread.reason())).help(format!(
            "kubeprint reads at most {} of a cluster definition",
            size(cap)
        ))
    })
}

#[cfg(test)]
mod tests;
