//! Reading files of a tree someone else may have written (a pull request, a CI
//! checkout): a path or a directory entry in, its bytes and mode out, or an error naming
//! it. Never through a symbolic link (in any component of the path as given, nor inside
//! the tree), never opening a device, socket or FIFO, never more than
//! [`MAX_FILE_BYTES`] of one file. A committed link to `/proc/self/environ` or
//! `~/.aws/credentials` would otherwise put its target in a review command's output.
//!
//! Opening goes through directory descriptors with `O_NOFOLLOW`, and a file is checked
//! with `fstat` after it is opened, so swapping an entry for a link between the listing
//! and the read changes nothing.

use std::ffi::{CStr, CString};
use std::io::Read;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path};

use rustix::fs::{AtFlags, CWD, Dir, FileType, Mode, OFlags, fstat, openat, statat};
use rustix::io::Errno;

use crate::error::{Error, Result};

/// The most kubeprint reads of one file in a tree. Rendered files are tens of kilobytes
/// (user-data must fit EC2's 16 KiB, Secrets Manager values 64 KiB); this leaves room
/// for large `files` entries in a bundle while a planted huge file is refused unread.
pub(crate) const MAX_FILE_BYTES: u64 = 16 << 20;

/// How [`MAX_FILE_BYTES`] reads in messages.
const MAX_SHOWN: &str = "16 MiB";

/// The kind of an entry in a directory, as the listing (or `lstat`) says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    File,
    Dir,
    /// Anything else: a link, FIFO, socket or device, described for messages.
    Other(&'static str),
}

/// One entry of a directory: its raw name (for opening) and its kind.
pub(crate) struct Entry {
    pub name: CString,
    pub kind: Kind,
}

impl Entry {
    /// The name for paths and messages (lossy for names that are not UTF-8).
    pub(crate) fn shown_name(&self) -> String {
        self.name.to_string_lossy().into_owned()
    }
}

/// Opens the directory `path` names without following a link in any of its
/// components: every component is opened from the one before with `O_NOFOLLOW`.
pub(crate) fn open_dir(path: &Path) -> Result<OwnedFd> {
    let shown = path.display().to_string();
    let start: &CStr = if path.is_absolute() { c"/" } else { c"." };
    let mut fd = openat(CWD, start, dir_flags(), Mode::empty())
        .map_err(|e| Error::new(format!("cannot read `{shown}`: {e}")))?;
    let mut walked = std::path::PathBuf::new();
    for component in path.components() {
        let name = match component {
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {
                walked.push(component);
                continue;
            }
            Component::ParentDir => c"..".to_owned(),
            Component::Normal(name) => cstring(name.as_bytes(), &shown)?,
        };
        walked.push(component);
        let here = walked.display().to_string();
        fd = match openat(fd.as_fd(), &name, dir_flags(), Mode::empty()) {
            Ok(next) => next,
            Err(e) => return Err(not_a_real_dir(fd.as_fd(), &name, &here, &shown, e)),
        };
    }
    Ok(fd)
}

/// Why `here` (a component of the path `shown`) could not be opened as a directory.
fn not_a_real_dir(parent: BorrowedFd, name: &CStr, here: &str, shown: &str, e: Errno) -> Error {
    let whole = if here == shown {
        String::new()
    } else {
        format!(" (in `{shown}`)")
    };
    match kind_at(parent, name) {
        Some(Kind::Other(what)) => Error::new(format!(
            "`{here}`{whole} is {what}: kubeprint reads a tree only through real directories, never through a link"
        ))
        .help(format!(
            "pass the real path if you trust where it leads (`realpath {}`)",
            shlex::try_quote(shown).map_or(shown.to_string(), |q| q.into_owned())
        )),
        Some(Kind::File) => Error::new(format!("`{here}`{whole} is not a directory")),
        _ => Error::new(format!("cannot read `{shown}`: {e}")),
    }
}

/// Opens the directory `name` in `dir`; `shown` is its path for messages.
pub(crate) fn open_subdir(dir: BorrowedFd, name: &CStr, shown: &str) -> Result<OwnedFd> {
    openat(dir, name, dir_flags(), Mode::empty()).map_err(|e| match kind_at(dir, name) {
        Some(Kind::Other(what)) => not_regular(shown, what),
        Some(Kind::File) => Error::new(format!("`{shown}` is not a directory")),
        _ => Error::new(format!("cannot read `{shown}`: {e}")),
    })
}

/// The entries of the directory `dir` (without `.` and `..`), unsorted. A kind the
/// listing leaves open is asked of the entry itself, never of a link's target.
pub(crate) fn entries(dir: BorrowedFd, shown: &str) -> Result<Vec<Entry>> {
    let failed = |e: Errno| Error::new(format!("cannot read `{shown}`: {e}"));
    let mut out = Vec::new();
    for entry in Dir::read_from(dir).map_err(failed)? {
        let entry = entry.map_err(failed)?;
        let name = entry.file_name();
        if name == c"." || name == c".." {
            continue;
        }
        let kind = match entry.file_type() {
            FileType::Unknown => kind_at(dir, name).unwrap_or(Kind::Other("not a regular file")),
            known => kind_of(known),
        };
        out.push(Entry {
            name: name.to_owned(),
            kind,
        });
    }
    Ok(out)
}

/// Reads the regular file `name` in `dir` (a path relative to it, or absolute with
/// `dir` = [`CWD`]): its bytes and permission bits, `None` when it does not exist.
/// `shown` names it in messages. A link, FIFO, device or socket, or a file over
/// [`MAX_FILE_BYTES`], is an error and is never read.
pub(crate) fn read_file(
    dir: BorrowedFd,
    name: &CStr,
    shown: &str,
) -> Result<Option<(Vec<u8>, u32)>> {
    // O_NONBLOCK: opening a FIFO does not wait for a writer (it is refused below).
    let flags =
        OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
    let fd = match openat(dir, name, flags, Mode::empty()) {
        Ok(fd) => fd,
        Err(Errno::NOENT) => return Ok(None),
        Err(Errno::LOOP) => return Err(not_regular(shown, "a symbolic link")),
        Err(e) => return Err(Error::new(format!("cannot read `{shown}`: {e}"))),
    };
    let stat = fstat(&fd).map_err(|e| Error::new(format!("cannot read `{shown}`: {e}")))?;
    match kind_of(FileType::from_raw_mode(stat.st_mode)) {
        Kind::File => {}
        Kind::Dir => return Err(Error::new(format!("`{shown}` is a directory, not a file"))),
        Kind::Other(what) => return Err(not_regular(shown, what)),
    }
    if stat.st_size as u64 > MAX_FILE_BYTES {
        return Err(too_large(shown));
    }
    let mut bytes = Vec::new();
    std::fs::File::from(fd)
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::new(format!("cannot read `{shown}`: {e}")))?;
    // It may have grown since `fstat`.
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(shown));
    }
    Ok(Some((bytes, stat.st_mode & 0o7777)))
}

/// The raw bytes of a path component as a C string.
pub(crate) fn cstring(bytes: &[u8], shown: &str) -> Result<CString> {
    CString::new(bytes).map_err(|_| Error::new(format!("`{shown}` holds a NUL byte")))
}

fn dir_flags() -> OFlags {
    OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC
}

/// What `name` in `dir` is, by `lstat`; `None` when it cannot be asked.
fn kind_at(dir: BorrowedFd, name: &CStr) -> Option<Kind> {
    let stat = statat(dir, name, AtFlags::SYMLINK_NOFOLLOW).ok()?;
    Some(kind_of(FileType::from_raw_mode(stat.st_mode)))
}

fn kind_of(kind: FileType) -> Kind {
    match kind {
        FileType::RegularFile => Kind::File,
        FileType::Directory => Kind::Dir,
        FileType::Symlink => Kind::Other("a symbolic link"),
        FileType::Fifo => Kind::Other("a FIFO (named pipe)"),
        FileType::Socket => Kind::Other("a socket"),
        FileType::CharacterDevice | FileType::BlockDevice => Kind::Other("a device"),
        FileType::Unknown => Kind::Other("not a regular file"),
    }
}

/// `what` is "a symbolic link", "a FIFO (named pipe)", ...
pub(crate) fn not_regular(shown: &str, what: &str) -> Error {
    Error::new(format!(
        "`{shown}` is {what}: kubeprint reads only the regular files and directories of a tree, never a link's target, a FIFO, socket or device"
    ))
    .help(format!(
        "a rendered tree holds none; remove `{shown}`, or put back the file `kubeprint render` wrote"
    ))
}

fn too_large(shown: &str) -> Error {
    Error::new(format!(
        "`{shown}` is larger than {MAX_SHOWN}, the most kubeprint reads of one file in a tree; it was not read"
    ))
    .help(format!(
        "no rendered file comes near that size; remove `{shown}` or put back the file `kubeprint render` wrote"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// Every component is opened in turn, `..` included, from `/` or the working
    /// directory; a link anywhere on the way is refused by name.
    #[test]
    fn paths_are_walked_component_by_component() {
        let root = tempfile::tempdir().unwrap();
        let real = root.path().join("real");
        std::fs::create_dir_all(real.join("tree")).unwrap();
        std::fs::write(real.join("tree/file"), "bytes").unwrap();
        symlink(&real, root.path().join("link")).unwrap();

        let fd = open_dir(&root.path().join("real/tree/../tree")).unwrap();
        let (bytes, _) = read_file(fd.as_fd(), c"file", "file").unwrap().unwrap();
        assert_eq!(bytes, b"bytes");
        assert!(
            read_file(fd.as_fd(), c"absent", "absent")
                .unwrap()
                .is_none()
        );

        let err = open_dir(&root.path().join("link/tree")).unwrap_err();
        let shown = root.path().join("link").display().to_string();
        assert!(
            err.message().contains(&format!("`{shown}`"))
                && err.message().contains("symbolic link"),
            "{err}"
        );
        let err = read_file(
            CWD,
            &cstring(root.path().join("link").as_os_str().as_bytes(), "").unwrap(),
            "link",
        )
        .unwrap_err();
        assert!(err.message().contains("`link` is a symbolic link"), "{err}");
    }
}
