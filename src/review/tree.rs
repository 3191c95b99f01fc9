//! Review tooling, input side: a rendered tree on disk → [`Tree`] (relative path →
//! bytes and mode), the same shape as [`Artifacts`](crate::artifact::Artifacts), so
//! `check`, `verify` and `diff` compare like with like.

use crate::artifact::Artifacts;
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// A file read back from disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub bytes: Vec<u8>,
    pub mode: u32,
}

/// Relative path (with `/`) → file, sorted.
pub type Tree = BTreeMap<String, File>;

/// Kept by `emit` in an otherwise generated directory; never part of the output.
const IGNORED: &[&str] = &[".gitkeep"];

/// Rendered artifacts as the same tree read back from disk would be.
pub fn of_artifacts(artifacts: &Artifacts) -> Tree {
    let file = |a: &crate::artifact::Artifact| File {
        bytes: a.bytes.clone(),
        mode: a.mode,
    };
    artifacts
        .iter()
        .map(|(path, a)| (path.clone(), file(a)))
        .collect()
}

/// Reads every regular file under `root`. Symbolic links are followed for files but
/// never into directories, so a link cannot make the walk loop.
pub fn read(root: &Path) -> Result<Tree> {
    let meta = fs::metadata(root)
        .map_err(|e| Error::new(format!("cannot read `{}`: {e}", root.display())))?;
    if !meta.is_dir() {
        return Err(Error::new(format!(
            "`{}` is not a directory",
            root.display()
        )));
    }
    let mut tree = Tree::new();
    let mut stack = vec![String::new()];
    while let Some(rel) = stack.pop() {
        let dir = root.join(&rel);
        let entries = fs::read_dir(&dir)
            .map_err(|e| Error::new(format!("cannot read `{}`: {e}", dir.display())))?;
        for entry in entries {
            let entry =
                entry.map_err(|e| Error::new(format!("cannot read `{}`: {e}", dir.display())))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let child = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let path = entry.path();
            let kind = entry
                .file_type()
                .map_err(|e| Error::new(format!("cannot read `{}`: {e}", path.display())))?;
            if kind.is_dir() {
                stack.push(child);
                continue;
            }
            if rel.is_empty() && IGNORED.contains(&name.as_str()) {
                continue;
            }
            let meta = fs::metadata(&path)
                .map_err(|e| Error::new(format!("cannot read `{}`: {e}", path.display())))?;
            if !meta.is_file() {
                continue;
            }
            let bytes = fs::read(&path)
                .map_err(|e| Error::new(format!("cannot read `{}`: {e}", path.display())))?;
            tree.insert(
                child,
                File {
                    bytes,
                    mode: meta.permissions().mode() & 0o7777,
                },
            );
        }
    }
    Ok(tree)
}
