//! The user's own `files` and `commands` on the node: `write_file` leaves the
//! directories it writes into as they were, a command reaches the log by its position
//! and hash only, a `secret: true` file stays out of every review output and every stub
//! user-data, and the paths kubeprint writes are all ones `files` may not take.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use crate::common;

/// The prelude's `write_file` as a bundle carries it, cut out of a rendered `bootstrap.sh`.
fn write_file_function() -> String {
    let bootstrap = common::text(&common::render_default(), "worker/bootstrap.sh");
    let start = bootstrap.find("\nwrite_file() {\n").expect("the prelude defines write_file") + 1;
    let len = bootstrap[start..].find("\n}\n").expect("write_file ends") + 3;
    bootstrap[start..start + len].to_string()
}

/// Runs `script` after the rendered `write_file` with quiet `log`/`die`, `$1` = `dir`.
fn run_with_write_file(dir: &std::path::Path, script: &str) {
    let full = format!(
        "set -Eeuo pipefail\nlog() {{ :; }}\ndie() {{ echo \"$*\" >&2; exit 1; }}\n{}\n{script}",
        write_file_function()
    );
    let out = Command::new("bash")
        .args(["-c", &full, "harness"])
        .arg(dir)
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A file in a private directory (`/root/.netrc`) leaves the directory private; a
/// missing parent is created.
#[test]
fn write_file_never_widens_an_existing_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let private = tmp.path().join("root");
    std::fs::create_dir(&private).unwrap();
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700)).unwrap();
    run_with_write_file(
        tmp.path(),
        "write_file \"$1/root/.netrc\" 0600 <<<'machine example'\n\
         write_file \"$1/root/.netrc\" 0600 <<<'machine example'\n\
         write_file \"$1/new/a/b/app.conf\" 0644 <<<'key = value'\n",
    );
    assert_eq!(common::mode(&private), 0o700, "the existing parent stays 0700");
    assert_eq!(common::mode(&private.join(".netrc")), 0o600);
    let created = tmp.path().join("new/a/b");
    assert!(created.is_dir(), "a missing parent is created");
    assert_eq!(common::mode(&created), 0o755);
    assert_eq!(
        std::fs::read_to_string(created.join("app.conf")).unwrap(),
        "key = value\n"
    );
}
