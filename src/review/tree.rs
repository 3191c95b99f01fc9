//! Review tooling, input side: a rendered tree on disk → [`Tree`] (relative path →
//! bytes and mode), the same shape as [`Artifacts`](crate::artifact::Artifacts), so
//! `check`, `verify` and `diff` compare like with like. The tree may come from anyone
//! (a pull request): only its regular files and directories are read, never a link.

use crate::artifact::Artifacts;
use crate::error::{Error, Result};
use crate::nofollow::{self, Kind};
use std::collections::BTreeMap;
use std::os::fd::{AsFd, BorrowedFd};
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

/// Directories deeper than this are refused: rendered trees are a few levels deep, and
/// the walk recurses (one open descriptor per level).
const MAX_DEPTH: usize = 64;

/// Reads every regular file under `root` (through `src/nofollow.rs`): a symbolic link (the
/// root itself or any component of its path included), FIFO, socket or device anywhere
/// in the tree, or a file over 16 MiB, is an error naming it, and
/// nothing it points to is opened.
pub fn read(root: &Path) -> Result<Tree> {
    let fd = nofollow::open_dir(root)?;
    let mut tree = Tree::new();
    walk(fd.as_fd(), "", root, 0, &mut tree)?;
    Ok(tree)
}

/// Adds the files below `dir` (at `rel` under `root`) to `tree`.
fn walk(dir: BorrowedFd, rel: &str, root: &Path, depth: usize, tree: &mut Tree) -> Result<()> {
    let shown_dir = if rel.is_empty() {
        root.display().to_string()
    } else {
        root.join(rel).display().to_string()
    };
    if depth > MAX_DEPTH {
        return Err(Error::new(format!(
            "`{shown_dir}` is nested more than {MAX_DEPTH} directories deep; a rendered tree is a few levels deep"
        )));
    }
    for entry in nofollow::entries(dir, &shown_dir)? {
        let name = entry.shown_name();
        let child = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let shown = root.join(&child).display().to_string();
        match entry.kind {
            Kind::Dir => {
                let sub = nofollow::open_subdir(dir, &entry.name, &shown)?;
                walk(sub.as_fd(), &child, root, depth + 1, tree)?;
            }
            Kind::File if rel.is_empty() && IGNORED.contains(&name.as_str()) => {}
            Kind::File => {
                let (bytes, mode) =
                    nofollow::read_file(dir, &entry.name, &shown)?.ok_or_else(|| {
                        Error::new(format!("`{shown}` disappeared while it was read"))
                    })?;
                tree.insert(child, File { bytes, mode });
            }
            Kind::Other(what) => return Err(nofollow::not_regular(&shown, what)),
        }
    }
    Ok(())
}
