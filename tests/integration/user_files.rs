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
    let start = bootstrap
        .find("\nwrite_file() {\n")
        .expect("the prelude defines write_file")
        + 1;
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
    assert_eq!(
        common::mode(&private),
        0o700,
        "the existing parent stays 0700"
    );
    assert_eq!(common::mode(&private.join(".netrc")), 0o600);
    let created = tmp.path().join("new/a/b");
    assert!(created.is_dir(), "a missing parent is created");
    assert_eq!(common::mode(&created), 0o755);
    assert_eq!(
        std::fs::read_to_string(created.join("app.conf")).unwrap(),
        "key = value\n"
    );
}

const PASSWORD: &str = "hunter2-not-for-logs";

fn with_commands() -> String {
    format!(
        "name: lab\nos: ubuntu-24.04\nkubernetes:\n  version: \"1.36.4\"\n  endpoint: api.example.internal:6443\ncommands:\n  pre:\n    - REGISTRY_PASSWORD={PASSWORD} true\n  post:\n    - \"echo post-$((40 + 2))\"\n"
    )
}

/// A command is logged as `commands.pre[0] (sha256 …)` when the rendered step runs it;
/// its text reaches neither the log nor a comment nor `explain`.
#[test]
fn commands_are_logged_by_place_and_hash() {
    let artifacts = common::render_text(&with_commands(), "commands.yaml");
    let step = artifacts
        .keys()
        .find(|p| p.starts_with("worker/steps/") && p.ends_with("-commands-pre.sh"))
        .map(|p| common::text(&artifacts, p))
        .expect("workers run commands.pre");
    let start = step
        .find("\nrun_command() {\n")
        .expect("the step defines run_command")
        + 1;
    let body = &step[start..];
    let harness = format!("set -Eeuo pipefail\nlog() {{ printf '%s\\n' \"$*\"; }}\n{body}");
    let out = Command::new("bash")
        .args(["-c", &harness])
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let log = String::from_utf8_lossy(&out.stdout);
    let hash = &common::sha256_hex(format!("REGISTRY_PASSWORD={PASSWORD} true").as_bytes())[..12];
    assert_eq!(log, format!("commands.pre[0] (sha256 {hash})\n"));

    // Nowhere but the `run_command` call itself: no step header, no bootstrap.sh header.
    for (path, a) in &artifacts {
        let text = common::plain_text(path, &a.bytes);
        for line in text.lines().filter(|l| l.contains(PASSWORD)) {
            assert!(
                line.trim_start().starts_with("run_command 'pre[0]' "),
                "{path}: {line}"
            );
        }
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cluster.yaml"), with_commands()).unwrap();
    for args in [
        &["explain", "-c", "cluster.yaml"][..],
        &["explain", "-c", "cluster.yaml", "--output", "json"],
    ] {
        let o = common::kubeprint(dir.path(), args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let shown = String::from_utf8_lossy(&o.stdout);
        assert!(!shown.contains(PASSWORD), "{shown}");
        assert!(
            shown.contains(&format!("commands.pre[0] (sha256 {hash})")),
            "{shown}"
        );
    }
}

const NETRC: &str = "machine registry.example.internal login ci password netrc-secret-value\n";

/// A definition with `/root/.netrc` as a secret file on every role, `extra` appended.
fn with_secret_file(extra: &str) -> String {
    format!(
        "name: lab\nos: ubuntu-24.04\nkubernetes:\n  version: \"1.36.4\"\n  endpoint: api.example.internal:6443\nfiles:\n  - path: /root/.netrc\n    secret: true\n    content: {NETRC:?}\n  - path: /etc/example/plain.conf\n    content: \"plain = yes\\n\"\n{extra}"
    )
}

fn load(text: &str, strict: bool) -> (bool, String) {
    let (cluster, report) = kubeprint::load_cluster(text, "cluster.yaml", strict);
    (cluster.is_some(), report.to_string())
}

/// A secret file is 0600 unless an owner-only mode is given; a mode that lets others
/// read it is refused.
#[test]
fn a_secret_file_is_owner_only() {
    let artifacts = common::render_text(&with_secret_file(""), "secret.yaml");
    let bootstrap = common::text(&artifacts, "worker/bootstrap.sh");
    assert!(
        bootstrap.contains("user_file /root/.netrc 0600 secret <<'KUBEPRINT_EOF'"),
        "{bootstrap}"
    );
    assert!(bootstrap.contains("user_file /etc/example/plain.conf 0644 <<'KUBEPRINT_EOF'"));
    let narrower = with_secret_file("").replace(
        "    secret: true\n",
        "    secret: true\n    permissions: \"0400\"\n",
    );
    assert!(load(&narrower, true).0);
    let wider = with_secret_file("").replace(
        "    secret: true\n",
        "    secret: true\n    permissions: \"0640\"\n",
    );
    let (ok, report) = load(&wider, false);
    assert!(!ok, "{report}");
    assert!(
        report.contains("files[0].permissions") && report.contains("`0640`"),
        "{report}"
    );
}

/// World-writable, setuid and setgid modes are warnings, errors under `--strict`.
#[test]
fn risky_modes_are_warnings_and_strict_errors() {
    for (mode, what) in [
        ("0666", "world-writable"),
        ("4755", "setuid"),
        ("2755", "setgid"),
        ("1777", "world-writable"),
    ] {
        let text = with_secret_file("").replace(
            "    content: \"plain = yes\\n\"\n",
            &format!("    content: \"plain = yes\\n\"\n    permissions: \"{mode}\"\n"),
        );
        let (ok, report) = load(&text, false);
        assert!(ok, "{mode}: {report}");
        assert!(
            report.contains("warning")
                && report.contains("files[1].permissions")
                && report.contains(what),
            "{mode}: {report}"
        );
        let (ok, report) = load(&text, true);
        assert!(!ok, "{mode} passes --strict: {report}");
    }
    assert!(
        load(&with_secret_file(""), true).0,
        "0644 and 0600 are fine"
    );
}

/// `render --redact` replaces a secret file's content (and only a secret file's).
#[test]
fn redact_replaces_a_secret_file() {
    let artifacts = common::render_text_redacted(&with_secret_file(""), "secret.yaml");
    for (path, a) in &artifacts {
        let text = common::plain_text(path, &a.bytes);
        assert!(!text.contains("netrc-secret-value"), "{path}");
    }
    let bootstrap = common::text(&artifacts, "control-plane/bootstrap.sh");
    assert!(bootstrap.contains("REDACTED by kubeprint render --redact"));
    assert!(
        bootstrap.contains("plain = yes"),
        "only secret files are replaced"
    );
}

/// With fetched delivery the secret file travels in the payload (`bootstrap.sh`),
/// never in the stub user-data.
#[test]
fn a_secret_file_stays_out_of_a_stub_user_data() {
    let delivery =
        "delivery:\n  mode: aws-secrets-manager\n  region: eu-west-1\n  prefix: kubeprint/lab\n";
    let artifacts = common::render_text(&with_secret_file(delivery), "fetched.yaml");
    let mut stubs = 0;
    for (path, a) in artifacts.iter().filter(|(p, _)| p.contains("user-data")) {
        let text = common::plain_text(path, &a.bytes);
        assert!(!text.contains("netrc-secret-value"), "{path}");
        stubs += 1;
    }
    assert!(stubs >= 4, "every bundle has user-data");
    for payload in ["control-plane/bootstrap.sh", "worker/bootstrap.baked.sh"] {
        assert!(
            common::text(&artifacts, payload).contains("netrc-secret-value"),
            "{payload}"
        );
    }
}

/// `explain`, `check` (its diff), `diff` and `verify` name a secret file but never show
/// its content, old or new; `diff` says that it changed.
#[test]
fn review_commands_never_show_a_secret_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = |p: &str| dir.path().join(p).display().to_string();
    std::fs::write(dir.path().join("cluster.yaml"), with_secret_file("")).unwrap();
    let run = |args: &[&str]| {
        let o = common::kubeprint(dir.path(), args);
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
        )
    };
    let (ok, out) = run(&["render", "-c", "cluster.yaml", "-o", &path("old")]);
    assert!(ok, "{out}");
    let changed = with_secret_file("").replace("netrc-secret-value", "netrc-rotated-value");
    std::fs::write(dir.path().join("cluster.yaml"), &changed).unwrap();
    let (ok, out) = run(&["render", "-c", "cluster.yaml", "-o", &path("new")]);
    assert!(ok, "{out}");
    let outputs = [
        run(&["explain", "-c", "cluster.yaml"]),
        run(&["explain", "-c", "cluster.yaml", "--output", "json"]),
        run(&["check", "-c", "cluster.yaml", "-o", &path("old")]),
        run(&[
            "check",
            "-c",
            "cluster.yaml",
            "-o",
            &path("old"),
            "--redact",
        ]),
        run(&["diff", &path("old"), &path("new")]),
        run(&["verify", &path("old")]),
    ];
    for (i, (_, out)) in outputs.iter().enumerate() {
        assert!(
            !out.contains("netrc-secret-value") && !out.contains("netrc-rotated-value"),
            "output {i}:\n{out}"
        );
    }
    let (_, diff) = &outputs[4];
    assert!(
        diff.contains("secret file /root/.netrc changed (content not shown)"),
        "{diff}"
    );
    let (ok, check) = &outputs[2];
    assert!(
        !ok && check.contains("<redacted>") && check.contains("/root/.netrc"),
        "{check}"
    );
    // The rotated content, one byte longer.
    let listed = format!(
        "/root/.netrc 0600, {} bytes, secret (files[0])",
        NETRC.len() + 1
    );
    assert!(outputs[0].1.contains(&listed), "{}", outputs[0].1);
}

/// `verify` refuses a tree whose secret file was made readable to others by hand.
#[test]
fn verify_refuses_a_secret_file_others_can_read() {
    let artifacts = common::render_text(&with_secret_file(""), "secret.yaml");
    let at = common::fixture_valid_at();
    assert!(
        kubeprint::verify(&common::tree(&artifacts), at)
            .problems
            .is_empty()
    );
    let mut t = common::tree(&artifacts);
    let f = t.get_mut("worker/bootstrap.sh").unwrap();
    let text = String::from_utf8(f.bytes.clone()).unwrap();
    let edited = text.replace(
        "user_file /root/.netrc 0600 secret",
        "user_file /root/.netrc 0644 secret",
    );
    assert_ne!(edited, text);
    f.bytes = edited.into_bytes();
    let problems = kubeprint::verify(&t, at).problems;
    assert!(
        problems
            .iter()
            .any(|p| p
                .starts_with("worker/bootstrap.sh: the secret file /root/.netrc is written 0644")),
        "{problems:#?}"
    );
}
