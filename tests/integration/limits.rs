//! Input limits: what kubeprint reads is a regular file (or standard input) of bounded
//! size and nesting. `/dev/zero`, a FIFO nobody writes to, a directory, a huge file or
//! 200 KB of nested brackets are refused at once, with the limit in the message. Each
//! command runs with a deadline, so a hang fails the test instead of stalling it.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common;

/// Seconds any of these commands may take: refusing is instant, a hang is forever.
const DEADLINE: Duration = Duration::from_secs(20);

/// Runs kubeprint in `dir` with `stdin` fed, killed and failed past [`DEADLINE`].
pub(crate) fn run(dir: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubeprint"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let feed = stdin.to_vec();
    // kubeprint may stop reading early (that is the point): a broken pipe is fine.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&feed);
    });
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > DEADLINE {
            child.kill().unwrap();
            panic!(
                "`kubeprint {}` still ran after {DEADLINE:?}",
                args.join(" ")
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = writer.join();
    child.wait_with_output().unwrap()
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit 1 with `expected` in stderr.
pub(crate) fn refused(o: &Output, expected: &str) {
    assert_eq!(o.status.code(), Some(1), "{}", stderr(o));
    assert!(
        stderr(o).contains(expected),
        "wanted {expected:?} in:\n{}",
        stderr(o)
    );
}

pub(crate) fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(made.success());
}

#[test]
fn a_definition_must_be_a_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    mkfifo(&d.join("fifo.yaml"));
    symlink("/dev/zero", d.join("zero.yaml")).unwrap();
    fs::create_dir(d.join("dir.yaml")).unwrap();
    for (file, kind) in [
        ("/dev/zero", "a device"),
        ("zero.yaml", "a device"),
        ("fifo.yaml", "a FIFO"),
        ("dir.yaml", "a directory"),
    ] {
        let o = run(d, &["validate", "-c", file], b"");
        refused(
            &o,
            &format!("error: the cluster definition `{file}` is {kind}, not a regular file"),
        );
    }
    // A regular file reached through a link is fine.
    fs::write(d.join("cluster.yaml"), kubeprint::DEFAULT_CLUSTER).unwrap();
    symlink("cluster.yaml", d.join("link.yaml")).unwrap();
    let o = run(d, &["validate", "-c", "link.yaml"], b"");
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_definition_is_at_most_one_mebibyte() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let big = format!(
        "{}\n# {}\n",
        kubeprint::DEFAULT_CLUSTER,
        "x".repeat(1 << 20)
    );
    fs::write(d.join("big.yaml"), &big).unwrap();
    let o = run(d, &["validate", "-c", "big.yaml"], b"");
    refused(
        &o,
        "error: the cluster definition `big.yaml` is larger than 1 MiB",
    );
    // Standard input too, however much follows.
    let o = run(d, &["validate", "-c", "-"], big.repeat(8).as_bytes());
    refused(&o, "error: standard input is larger than 1 MiB");
    let o = run(
        d,
        &["validate", "-c", "-"],
        kubeprint::DEFAULT_CLUSTER.as_bytes(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn deep_nesting_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Minutes in serde_yaml's scanner, and a stack overflow in the span-keeping parser.
    let texts = [
        (
            "flow.yaml",
            format!("name: {}", "[".repeat(200_000)),
            "1:70",
        ),
        ("block.yaml", "- ".repeat(100_000), "1:"),
    ];
    for (file, text, at) in texts {
        fs::write(d.join(file), &text).unwrap();
        let o = run(d, &["validate", "-c", file], b"");
        refused(&o, "error: the YAML nests deeper than 64 levels");
        assert!(
            stderr(&o).contains(&format!("{file}:{at}")),
            "{}",
            stderr(&o)
        );
        let o = run(d, &["validate", "-c", "-"], text.as_bytes());
        refused(&o, "error: the YAML nests deeper than 64 levels");
    }
}

#[test]
fn a_secrets_file_is_regular_bounded_and_shallow() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    mkfifo(&d.join("fifo.yaml"));
    fs::set_permissions(d.join("fifo.yaml"), fs::Permissions::from_mode(0o600)).unwrap();
    let o = run(d, &["secrets", "show", "-s", "fifo.yaml"], b"");
    refused(&o, "the secrets file is a FIFO, not a regular file");
    let o = run(d, &["render", "-s", "fifo.yaml", "-o", "out"], b"");
    refused(&o, "the secrets file is a FIFO, not a regular file");

    let deep = d.join("deep.yaml");
    fs::write(&deep, format!("bootstrap_token: {}", "[".repeat(200_000))).unwrap();
    fs::set_permissions(&deep, fs::Permissions::from_mode(0o600)).unwrap();
    let o = run(d, &["secrets", "show", "-s", "deep.yaml"], b"");
    refused(&o, "error: the YAML nests deeper than 64 levels");

    let big = d.join("big.yaml");
    let fixture = fs::read_to_string(common::root().join(common::FIXTURE_SECRETS)).unwrap();
    fs::write(&big, format!("{fixture}\n# {}\n", "x".repeat(1 << 20))).unwrap();
    fs::set_permissions(&big, fs::Permissions::from_mode(0o600)).unwrap();
    let o = run(d, &["secrets", "show", "-s", "big.yaml"], b"");
    refused(&o, "the secrets file is larger than 1 MiB");
}
