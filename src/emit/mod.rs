//! Stage 5, emit: [`Artifacts`] → a directory on disk, all or nothing.
//!
//! The tree is written into a temporary directory beside the target and then swapped in
//! with one atomic rename (`RENAME_EXCHANGE`), so readers see either the old tree or the
//! new one, and a failed or interrupted render leaves the old one untouched. Only a
//! directory [`outdir::claim`](crate::emit::outdir::claim) accepted is replaced, and the old
//! tree is checked once more after the swap: if something foreign appeared in it
//! meanwhile, the swap is undone and nothing is deleted.
//!
//! Files are not fsynced: the output is reproducible from its inputs, and flushing
//! thousands of files (a large inventory) multiplied render time several times over. After
//! a power loss, render again.

pub(crate) mod outdir;

use crate::error::{Error, Result};
use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use rustix::fs::{CWD, RenameFlags, renameat_with};

use crate::artifact::Artifacts;
use crate::emit::outdir::{KEEP_FILE, OutputDir};

const STAGING_PREFIX: &str = ".kubeprint-staging-";

/// Written into a staging directory when it is made and removed just before it is
/// renamed into place: only a directory carrying it is kubeprint's to clear. Anything
/// else named like a staging directory is someone else's and stays.
const STAGING_MARKER: &str = ".kubeprint-staging";

pub(crate) fn emit(artifacts: &Artifacts, output: &OutputDir) -> Result<()> {
    let target = output.path.as_path();
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::create_dir_all(parent)
        .map_err(|e| Error::new(format!("cannot create `{}`: {e}", parent.display())))?;
    remove_stale_staging(parent);
    let staging = tempfile::Builder::new()
        .prefix(STAGING_PREFIX)
        .tempdir_in(parent)
        .map_err(|e| {
            Error::new(format!(
                "cannot create a staging directory in `{}`: {}",
                parent.display(),
                crate::error::io_reason(&e)
            ))
        })?;
    let marker = staging.path().join(STAGING_MARKER);
    fs::write(
        &marker,
        b"kubeprint staging directory, cleared by the next render\n",
    )
    .map_err(|e| Error::new(format!("cannot write `{}`: {e}", marker.display())))?;
    write_tree(artifacts, staging.path())?;
    if target.join(KEEP_FILE).exists() {
        fs::write(staging.path().join(KEEP_FILE), b"")
            .map_err(|e| Error::new(format!("cannot write {KEEP_FILE}: {e}")))?;
    }
    fs::set_permissions(staging.path(), fs::Permissions::from_mode(0o755))
        .map_err(|e| Error::new(format!("cannot set permissions: {e}")))?;
    // Not part of the tree. Should the render die after this, the directory stays for
    // the user to remove: without the marker it is not provably ours.
    fs::remove_file(&marker)
        .map_err(|e| Error::new(format!("cannot remove `{}`: {e}", marker.display())))?;

    if target.exists() {
        swap_in(staging, output)
    } else {
        let path = staging.keep();
        fs::rename(&path, target).map_err(|e| {
            let _ = fs::remove_dir_all(&path);
            Error::new(format!("cannot create `{}`: {e}", output.shown))
        })
    }
}

/// Exchanges the staged tree with the existing one in one rename, then checks the old
/// tree once more: if something foreign appeared in it since it was claimed, the swap is
/// undone and nothing is deleted. Otherwise the old tree goes with the staging directory.
fn swap_in(staging: tempfile::TempDir, output: &OutputDir) -> Result<()> {
    let target = output.path.as_path();
    if !target.is_dir() {
        return Err(Error::new(format!(
            "`{}` exists and is not a directory",
            target.display()
        )));
    }
    renameat_with(CWD, staging.path(), CWD, target, RenameFlags::EXCHANGE)
        .map_err(|e| Error::new(format!("cannot replace `{}`: {e}", output.shown)))?;
    let foreign = outdir::foreign_entries(staging.path()).unwrap_or_else(|e| vec![e.message()]);
    if foreign.is_empty() {
        return Ok(());
    }
    renameat_with(CWD, staging.path(), CWD, target, RenameFlags::EXCHANGE).map_err(|e| {
        let kept = staging.keep();
        Error::new(format!(
            "cannot restore `{}` ({e}); its previous contents are in `{}`",
            output.shown,
            kept.display()
        ))
    })?;
    Err(Error::new(format!(
        "`{}` changed during the render and now holds files kubeprint did not write ({}); it was left as it was",
        output.shown,
        foreign.join(", ")
    )))
}

/// A render killed mid-write (Ctrl-C, crash) leaves its hidden staging directory behind,
/// never a partial target. Clear such leftovers once they are clearly abandoned, so a
/// concurrent render's staging is never touched, and only when they carry
/// [`STAGING_MARKER`]: a directory (not a link) kubeprint made.
fn remove_stale_staging(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let ours = entry
            .file_name()
            .to_string_lossy()
            .starts_with(STAGING_PREFIX)
            // Neither call follows a link.
            && entry.file_type().is_ok_and(|t| t.is_dir())
            && fs::symlink_metadata(entry.path().join(STAGING_MARKER)).is_ok_and(|m| m.is_file());
        let stale = ours
            && entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age.as_secs() > 3600);
        if stale {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

fn write_tree(artifacts: &Artifacts, root: &Path) -> Result<()> {
    // Each directory once: a large inventory has thousands of files in hundreds of them.
    let mut made = std::collections::BTreeSet::new();
    for (rel, artifact) in artifacts {
        let path = root.join(rel);
        if let Some(dir) = path.parent()
            && made.insert(dir.to_path_buf())
        {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o755)
                .create(dir)
                // Named inside the tree: `root` may be the hidden staging directory.
                .map_err(|e| {
                    let shown = dir.strip_prefix(root).unwrap_or(dir);
                    Error::new(format!("cannot create `{}`: {e}", shown.display()))
                })?;
        }
        // Created with its final mode, so a secret is never briefly world-readable; set
        // again on the open file since the umask may have narrowed it.
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(artifact.mode)
            .open(&path)
            .map_err(|e| Error::new(format!("cannot write `{rel}`: {e}")))?;
        file.write_all(&artifact.bytes)
            .and_then(|_| file.set_permissions(fs::Permissions::from_mode(artifact.mode)))
            .map_err(|e| Error::new(format!("cannot write `{rel}`: {e}")))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file that appears in the output directory after it was claimed is never
    /// deleted: the swap is undone and the directory is as it was.
    #[test]
    fn a_file_written_during_the_render_survives() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("notes.txt"), "mine").unwrap();
        let staging = tempfile::Builder::new()
            .prefix(STAGING_PREFIX)
            .tempdir_in(root.path())
            .unwrap();
        fs::write(staging.path().join("manifest.json"), "{}").unwrap();
        let output = OutputDir {
            path: target.clone(),
            shown: "out".into(),
        };
        let err = swap_in(staging, &output).unwrap_err();
        assert!(err.message().contains("changed during the render"), "{err}");
        assert_eq!(
            fs::read_to_string(target.join("notes.txt")).unwrap(),
            "mine"
        );
        assert!(!target.join("manifest.json").exists());
    }
}
