//! What kubeprint reads of a rendered tree it did not just write (a pull request's, a CI
//! checkout's): regular files only, never what a link points to, never a FIFO or device,
//! never an oversized file; and the staging directories `render` clears are its own.
//! Run through the real binary, each under `timeout` so a command that blocks fails.

use crate::common;

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::process::{Command, Output};

/// How long a command may take before the test counts it as hung.
const LIMIT_SECONDS: &str = "60";

/// A value that exists only in a file outside the tree; it must never be printed.
const CANARY: &str = "canary-7f3d9a51e2c4b8a6-secret";

fn all(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Runs kubeprint in `dir` under coreutils `timeout` (exit 124 when it hangs).
fn kubeprint(dir: &Path, args: &[&str]) -> Output {
    Command::new("timeout")
        .args([
            "--signal=KILL",
            LIMIT_SECONDS,
            env!("CARGO_BIN_EXE_kubeprint"),
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("timeout runs")
}

/// A temp dir with the fixture secrets as `secrets.yaml`, the default cluster rendered
/// into `out/` and a copy of it in `copy/` (for `diff`), and a file holding the canary
/// beside them (outside every tree).
fn rendered() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets.yaml");
    fs::copy(common::root().join(common::FIXTURE_SECRETS), &secrets).unwrap();
    fs::set_permissions(&secrets, fs::Permissions::from_mode(0o600)).unwrap();
    for out in ["out", "copy"] {
        let o = kubeprint(dir.path(), &["render", "-o", out]);
        assert!(o.status.success(), "{}", all(&o));
    }
    fs::write(dir.path().join("credentials"), format!("token={CANARY}\n")).unwrap();
    dir
}

fn mkfifo(path: &Path) {
    let _ = fs::remove_file(path);
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// `check`, `verify` and `diff` (in both directions) of `out/`, each expected to refuse.
fn review_commands() -> Vec<Vec<&'static str>> {
    vec![
        vec!["check"],
        vec!["verify", "out", "--at", common::FIXTURE_VALID_AT],
        vec!["diff", "copy", "out"],
        vec!["diff", "out", "copy"],
    ]
}

/// Each review command exits 1 (not 0, not a hang), names `path` and says `what`, and
/// prints no canary.
fn assert_refused(dir: &Path, path: &str, what: &str) {
    for args in review_commands() {
        let o = kubeprint(dir, &args);
        let out = all(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}:\n{out}");
        assert!(out.contains(path), "{args:?} names `{path}`:\n{out}");
        assert!(out.contains(what), "{args:?} says `{what}`:\n{out}");
        assert!(!out.contains(CANARY), "{args:?} printed the canary:\n{out}");
    }
}

#[test]
fn a_linked_file_is_refused_and_its_target_never_read() {
    let dir = rendered();
    let file = dir.path().join("out/worker/user-data.baked.yaml");
    fs::remove_file(&file).unwrap();
    symlink(dir.path().join("credentials"), &file).unwrap();
    assert_refused(
        dir.path(),
        "out/worker/user-data.baked.yaml",
        "is a symbolic link",
    );
}

#[test]
fn a_linked_directory_in_a_tree_or_as_the_tree_is_refused() {
    let dir = rendered();
    let secrets = dir.path().join("elsewhere");
    fs::create_dir(&secrets).unwrap();
    fs::write(secrets.join("bootstrap.sh"), CANARY).unwrap();
    symlink(&secrets, dir.path().join("out/extra")).unwrap();
    assert_refused(dir.path(), "out/extra", "is a symbolic link");

    // The tree itself named through a link: refused too, never followed.
    fs::remove_file(dir.path().join("out/extra")).unwrap();
    symlink(dir.path().join("out"), dir.path().join("linked")).unwrap();
    for args in [
        vec!["check", "-o", "linked"],
        vec!["verify", "linked"],
        vec!["diff", "out", "linked"],
    ] {
        let o = kubeprint(dir.path(), &args);
        let out = all(&o);
        assert_eq!(o.status.code(), Some(1), "{args:?}:\n{out}");
        assert!(
            out.contains("`linked` is a symbolic link"),
            "{args:?}:\n{out}"
        );
    }
}

#[test]
fn a_fifo_is_refused_without_blocking() {
    let dir = rendered();
    // In place of a rendered file, and as an extra file nothing expects.
    mkfifo(&dir.path().join("out/worker/user-data.baked.yaml"));
    assert_refused(dir.path(), "out/worker/user-data.baked.yaml", "is a FIFO");
    let dir = rendered();
    mkfifo(&dir.path().join("out/worker/steps/99-extra"));
    assert_refused(dir.path(), "out/worker/steps/99-extra", "is a FIFO");
}

/// `render` looks into an existing output directory's manifest.json before replacing
/// it: a FIFO there must neither block it nor be taken for a manifest.
#[test]
fn render_over_a_tree_whose_manifest_is_a_fifo_refuses_without_blocking() {
    let dir = rendered();
    mkfifo(&dir.path().join("out/manifest.json"));
    let o = kubeprint(dir.path(), &["render"]);
    let out = all(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("`manifest.json`"), "{out}");
    assert!(dir.path().join("out/worker/bootstrap.sh").exists(), "{out}");
}

#[test]
fn an_oversized_file_is_refused_unread() {
    let dir = rendered();
    let file = dir.path().join("out/worker/user-data.baked.yaml");
    // Sparse: 17 MiB that costs no disk.
    fs::File::create(&file).unwrap().set_len(17 << 20).unwrap();
    assert_refused(
        dir.path(),
        "out/worker/user-data.baked.yaml",
        "larger than 16 MiB",
    );
}

/// A directory named like kubeprint's staging directories but not made by it (no
/// marker inside) survives a render, however old; an abandoned one of kubeprint's own
/// is cleared.
#[test]
fn render_clears_only_its_own_staging_directories() {
    let dir = rendered();
    let foreign = dir.path().join(".kubeprint-staging-mine");
    let ours = dir.path().join(".kubeprint-staging-abandoned");
    for d in [&foreign, &ours] {
        fs::create_dir(d).unwrap();
        fs::write(d.join("notes.txt"), "kept").unwrap();
    }
    fs::write(ours.join(".kubeprint-staging"), "").unwrap();
    for d in [&foreign, &ours] {
        let status = Command::new("touch")
            .args(["-d", "2 hours ago"])
            .arg(d)
            .status()
            .unwrap();
        assert!(status.success());
    }
    let o = kubeprint(dir.path(), &["render"]);
    assert!(o.status.success(), "{}", all(&o));
    assert_eq!(
        fs::read_to_string(foreign.join("notes.txt")).unwrap(),
        "kept"
    );
    assert!(!ours.exists(), "an abandoned staging directory is cleared");
    // And no marker is left in the rendered tree.
    assert!(!dir.path().join("out/.kubeprint-staging").exists());
}

/// `check` without `--redact` of a tree `render --redact` wrote says to add `--redact`,
/// and never suggests a render that would write the real secrets over it.
#[test]
fn check_of_a_redacted_tree_asks_for_redact() {
    let dir = rendered();
    let o = kubeprint(dir.path(), &["render", "--redact", "-o", "reviewed"]);
    assert!(o.status.success(), "{}", all(&o));
    // Also when the definition changed since: the advice stays the same.
    let cluster = dir.path().join("cluster.yaml");
    let text = kubeprint::DEFAULT_CLUSTER.replacen("10.244.0.0/16", "10.245.0.0/16", 1);
    assert_ne!(
        text,
        kubeprint::DEFAULT_CLUSTER,
        "the default names its pod subnet"
    );
    fs::write(&cluster, text).unwrap();
    for args in [
        vec!["check", "-o", "reviewed"],
        vec!["check", "-c", "cluster.yaml", "-o", "reviewed"],
    ] {
        let o = kubeprint(dir.path(), &args);
        let out = all(&o);
        assert_eq!(o.status.code(), Some(1), "{out}");
        assert!(out.contains("--redact"), "{out}");
        assert!(out.contains("`kubeprint check --redact"), "{out}");
        for (i, _) in out.match_indices("kubeprint render") {
            let command: String = out[i..].chars().take_while(|c| *c != '`').collect();
            assert!(
                command.contains("--redact"),
                "suggests writing real secrets: {command}\n{out}"
            );
        }
    }
}

/// `verify` of a folder that is not a rendered tree says so in one line.
#[test]
fn verify_of_a_folder_without_a_manifest_says_so_in_one_line() {
    let dir = rendered();
    fs::remove_file(dir.path().join("copy/manifest.json")).unwrap();
    // The folder holding the trees, a tree without its manifest, and one whose
    // manifest.json is not kubeprint's.
    fs::write(dir.path().join("out/manifest.json"), r#"{"files": []}"#).unwrap();
    for target in [".", "copy", "out"] {
        let o = kubeprint(
            dir.path(),
            &["verify", target, "--at", common::FIXTURE_VALID_AT],
        );
        let out = all(&o);
        assert_eq!(o.status.code(), Some(1), "{target}:\n{out}");
        assert!(o.stdout.is_empty(), "{target}:\n{out}");
        assert_eq!(out.trim_end().lines().count(), 1, "{target}:\n{out}");
        assert!(out.contains("manifest.json"), "{target}:\n{out}");
    }
}
