//! Stage 5, emit (its guard): decides whether an output directory may be replaced.
//!
//! `emit` swaps a whole directory in, so it must never be pointed at anything holding
//! files kubeprint did not write. A directory qualifies only when it is absent, empty,
//! or a tree kubeprint rendered: its `manifest.json` lists every file in it (`.gitkeep`
//! aside). Everything else, and every place a user keeps their work (`/`, the home
//! directory, the working directory or one of its ancestors, a folder holding the
//! cluster or secrets file), is refused before anything is written.

use crate::error::{Error, Result};
use crate::nofollow;
use rustix::fs::CWD;
use std::collections::BTreeSet;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use crate::artifact::{MANIFEST, SHA256SUMS, kubeprint_manifest};

/// Kept across renders so a committed, otherwise empty `out/` stays in version control.
pub(crate) const KEEP_FILE: &str = ".gitkeep";

/// At most this many foreign entries are named in an error; the rest are counted.
const SHOWN_ENTRIES: usize = 12;

/// An output directory checked for replacement. `path` is the real directory (a
/// symlink given as `-o` is resolved, so the link itself stays a link).
#[derive(Debug, Clone)]
pub(crate) struct OutputDir {
    pub path: PathBuf,
    /// As the user wrote it, for messages.
    pub shown: String,
}

/// A file the render reads, which must not live inside the output directory.
pub(crate) struct Input<'a> {
    /// What it is, for messages: "the secrets file", "the cluster file".
    pub what: &'a str,
    pub path: &'a Path,
}

/// Checks that `output` may be replaced by a render reading `inputs`. Writes nothing.
pub(crate) fn claim(output: &Path, inputs: &[Input]) -> Result<OutputDir> {
    let shown = output.display().to_string();
    let path = real_path(output)?;
    refuse_protected(&path, &shown)?;
    for input in inputs {
        let input_path = real_path(input.path)?;
        if input_path.starts_with(&path) {
            let what = input.what;
            return Err(Error::new(format!(
                "{what} `{}` is inside the output directory `{shown}`",
                input.path.display()
            ))
            .help(format!(
                "kubeprint replaces the output directory as a whole; keep {what} outside it and pass another `-o` (for example `-o {}`)",
                suggestion(output)
            )));
        }
    }
    if path.exists() && !path.is_dir() {
        return Err(Error::new(format!(
            "the output directory `{shown}` exists and is not a directory"
        ))
        .help("pass a directory, such as `-o out`"));
    }
    if path.exists() {
        let foreign = foreign_entries(&path)?;
        if !foreign.is_empty() {
            return Err(in_the_way(&shown, &foreign));
        }
    }
    Ok(OutputDir { path, shown })
}

/// The entries of `dir` that no kubeprint manifest in it accounts for, as relative
/// paths (directories end in `/`). Empty: the directory may be replaced.
pub(crate) fn foreign_entries(dir: &Path) -> Result<Vec<String>> {
    let listed = manifest_bytes(dir)
        .and_then(|bytes| listed_files(&bytes))
        .unwrap_or_default();
    let mut allowed = listed.clone();
    if !listed.is_empty() {
        allowed.insert(MANIFEST.to_string());
        allowed.insert(SHA256SUMS.to_string());
    }
    allowed.insert(KEEP_FILE.to_string());
    let parents: BTreeSet<String> = allowed
        .iter()
        .flat_map(|p| {
            p.match_indices('/')
                .map(|(i, _)| p[..i].to_string())
                .collect::<Vec<_>>()
        })
        .collect();

    let mut foreign = Vec::new();
    let mut stack = vec![String::new()];
    while let Some(rel) = stack.pop() {
        let here = dir.join(&rel);
        let entries = fs::read_dir(&here)
            .map_err(|e| Error::new(format!("cannot read `{}`: {e}", here.display())))?;
        for entry in entries {
            let entry =
                entry.map_err(|e| Error::new(format!("cannot read `{}`: {e}", here.display())))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let child = if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            };
            // Not followed: kubeprint writes no links, so any link is someone else's.
            let kind = entry.file_type().map_err(|e| {
                Error::new(format!("cannot read `{}`: {e}", entry.path().display()))
            })?;
            if kind.is_dir() {
                if parents.contains(&child) {
                    stack.push(child);
                } else {
                    foreign.push(format!("{child}/"));
                }
            } else if !(kind.is_file() && allowed.contains(&child)) {
                foreign.push(child);
            }
        }
    }
    foreign.sort();
    Ok(foreign)
}

/// The bytes of `dir`'s manifest.json, read without following a link: a link, FIFO,
/// device or oversized file there vouches for nothing (and is itself a foreign entry).
fn manifest_bytes(dir: &Path) -> Option<Vec<u8>> {
    let path = dir.join(MANIFEST);
    let shown = path.display().to_string();
    let name = nofollow::cstring(path.as_os_str().as_bytes(), &shown).ok()?;
    let (bytes, _) = nofollow::read_file(CWD, &name, &shown).ok()??;
    Some(bytes)
}

/// The paths a kubeprint `manifest.json` lists; `None` when the bytes are not one
/// (any JSON file of that name would otherwise vouch for a foreign directory).
fn listed_files(bytes: &[u8]) -> Option<BTreeSet<String>> {
    let manifest = kubeprint_manifest(bytes)?;
    manifest["files"]
        .as_array()?
        .iter()
        .map(|f| {
            let path = f["path"].as_str()?;
            // A listed path must stay inside the directory.
            let clean = !path.is_empty()
                && !path.starts_with('/')
                && path
                    .split('/')
                    .all(|s| !s.is_empty() && s != "." && s != "..");
            clean.then(|| path.to_string())
        })
        .collect()
}

/// The directory `output` names, with symlinks resolved: the path itself when it
/// exists, otherwise its (real) parent joined with its name.
fn real_path(path: &Path) -> Result<PathBuf> {
    if fs::symlink_metadata(path).is_ok() {
        let real = fs::canonicalize(path).map_err(|e| {
            Error::new(format!("`{}` cannot be resolved: {e}", path.display()))
                .help("a symbolic link must point at an existing directory")
        })?;
        return Ok(real);
    }
    let name = path
        .file_name()
        .ok_or_else(|| Error::new(format!("`{}` does not name a directory", path.display())))?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let parent = match fs::canonicalize(parent) {
        Ok(real) => real,
        // Not there yet: `emit` creates it. Resolve what exists above it.
        Err(_) => real_path(parent)?,
    };
    Ok(parent.join(name))
}

/// `/`, the home directory and the working directory (or any directory holding it)
/// are where people keep their work, never a render target.
fn refuse_protected(path: &Path, shown: &str) -> Result<()> {
    let help = "pass a directory of its own, such as `-o out`";
    if path.parent().is_none() {
        return Err(Error::new(format!(
            "the output directory `{shown}` is the root directory"
        ))
        .help(help));
    }
    let home = std::env::var_os("HOME").and_then(|h| fs::canonicalize(h).ok());
    if home.as_deref() == Some(path) {
        return Err(Error::new(format!(
            "the output directory `{shown}` is your home directory"
        ))
        .help(help));
    }
    if let Ok(cwd) = std::env::current_dir().and_then(fs::canonicalize)
        && cwd.starts_with(path)
    {
        let what = if cwd == path {
            "is the working directory"
        } else {
            "holds the working directory"
        };
        return Err(Error::new(format!("the output directory `{shown}` {what}")).help(help));
    }
    Ok(())
}

fn in_the_way(shown: &str, foreign: &[String]) -> Error {
    let mut names: Vec<String> = foreign
        .iter()
        .take(SHOWN_ENTRIES)
        .map(|f| format!("`{f}`"))
        .collect();
    if foreign.len() > SHOWN_ENTRIES {
        names.push(format!("and {} more", foreign.len() - SHOWN_ENTRIES));
    }
    Error::new(format!(
        "the output directory `{shown}` holds files kubeprint did not write: {}",
        names.join(", ")
    ))
    .help(format!(
        "kubeprint replaces only a directory that is absent, empty, or a tree it rendered (listed in its manifest.json); pass another `-o` (a new or empty directory), or move those entries out of `{shown}` yourself"
    ))
}

/// `DIR/out`, or `out` for the working directory.
fn suggestion(output: &Path) -> String {
    let joined = output.join("out");
    let text = joined.display().to_string();
    let text = text.strip_prefix("./").unwrap_or(&text).to_string();
    shlex::try_quote(&text).map_or(text.clone(), |q| q.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_kubeprint_manifest_vouches_for_files() {
        let ours = br#"{"inputs": {"kubeprint_version": "0.1.0"}, "files": [{"path": "worker/bootstrap.sh"}]}"#;
        assert_eq!(
            listed_files(ours).unwrap().into_iter().collect::<Vec<_>>(),
            ["worker/bootstrap.sh"]
        );
        assert!(listed_files(br#"{"files": [{"path": "a"}]}"#).is_none());
        for escape in ["../x", "/etc/passwd", "a//b", "a/./b", ""] {
            let text = format!(
                r#"{{"inputs": {{"kubeprint_version": "0.1.0"}}, "files": [{{"path": "{escape}"}}]}}"#
            );
            assert!(listed_files(text.as_bytes()).is_none(), "{escape}");
        }
    }
}
