//! Review tooling, `kubeprint check`: freshly rendered [`Artifacts`] vs a [`Tree`] on
//! disk → a report of every changed, missing and extra file, with unified diffs whose
//! secrets are masked. Like `cargo fmt --check`, for CI on pull requests.

use std::fmt::Write;

use similar::{ChangeTag, TextDiff};

use crate::artifact::Artifacts;
use crate::review::mask::{self, Masker};
use crate::review::tree::Tree;

/// The outcome of a comparison; `report` is for stdout.
#[derive(Debug, Default)]
pub(crate) struct Comparison {
    pub changed: Vec<String>,
    pub missing: Vec<String>,
    pub extra: Vec<String>,
    pub report: String,
}

impl Comparison {
    pub(crate) fn is_clean(&self) -> bool {
        self.changed.is_empty() && self.missing.is_empty() && self.extra.is_empty()
    }

    /// `2 changed, 1 missing, 1 extra`
    pub(crate) fn summary(&self) -> String {
        let mut parts = Vec::new();
        for (n, what) in [
            (self.changed.len(), "changed"),
            (self.missing.len(), "missing"),
            (self.extra.len(), "extra"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        parts.join(", ")
    }
}

/// Compares what render would write (`expected`) with what `dir` holds (`actual`):
/// bytes and whether each file is executable. `dir` only labels the diff headers.
pub(crate) fn compare(
    expected: &Artifacts,
    actual: &Tree,
    dir: &str,
    masker: &Masker,
) -> Comparison {
    let mut out = Comparison::default();
    let mut report = String::new();
    for (path, want) in expected {
        let Some(have) = actual.get(path) else {
            out.missing.push(path.clone());
            let _ = writeln!(report, "missing: {path}");
            continue;
        };
        let same_bytes = have.bytes == want.bytes;
        // Git keeps only the executable bit (a checkout writes 0644/0755), so compare
        // that: a committed golden tree must still check clean.
        let same_mode = (have.mode & 0o111 != 0) == (want.mode & 0o111 != 0);
        if same_bytes && same_mode {
            continue;
        }
        out.changed.push(path.clone());
        let _ = writeln!(report, "changed: {path}");
        if !same_mode {
            let _ = writeln!(
                report,
                "  mode {:04o} on disk, {:04o} rendered",
                have.mode, want.mode
            );
        }
        if !same_bytes {
            match (
                std::str::from_utf8(&have.bytes),
                std::str::from_utf8(&want.bytes),
            ) {
                (Ok(old), Ok(new)) => {
                    let _ = writeln!(report, "--- {dir}/{path} (on disk)");
                    let _ = writeln!(report, "+++ {path} (rendered)");
                    report.push_str(&unified_diff(old, new, masker));
                }
                _ => {
                    let _ = writeln!(report, "  binary content differs");
                }
            }
        }
    }
    for path in actual.keys().filter(|p| !expected.contains_key(*p)) {
        out.extra.push(path.clone());
        let _ = writeln!(report, "extra: {path}");
    }
    out.report = report;
    out
}

/// A unified diff (context 3) from `old` to `new`, every line passed through `masker`
/// with private key blocks and secret files recognised in each whole file, not just in
/// the hunk.
pub(crate) fn unified_diff(old: &str, new: &str, masker: &Masker) -> String {
    let old_keys = mask::masked_lines(old);
    let new_keys = mask::masked_lines(new);
    let in_key =
        |flags: &[bool], i: Option<usize>| i.and_then(|i| flags.get(i).copied()) == Some(true);
    let diff = TextDiff::from_lines(old, new);
    let mut out = String::new();
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        let _ = writeln!(out, "{}", hunk.header());
        for change in hunk.iter_changes() {
            let (sign, key) = match change.tag() {
                ChangeTag::Delete => ('-', in_key(&old_keys, change.old_index())),
                ChangeTag::Insert => ('+', in_key(&new_keys, change.new_index())),
                ChangeTag::Equal => (' ', in_key(&old_keys, change.old_index())),
            };
            let value = change.value();
            let line = value.strip_suffix('\n').unwrap_or(value);
            let line = line.strip_suffix('\r').unwrap_or(line);
            let _ = writeln!(out, "{sign}{}", masker.line(line, key));
            if change.missing_newline() {
                out.push_str("\\ No newline at end of file\n");
            }
        }
    }
    out
}
