//! `secrets token-secret`: the token as the Secret kubeadm would create (checked field by
//! field, read alike under YAML 1.1 and 1.2, and by `kubernetes-validate --strict`
//! against the published schemas), the same bytes for the same `--at`, a clear error
//! for a bad `--ttl`, and never onto a terminal or into a file others can read. And the
//! expired-token warning of `explain`, with the two ways on.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

use crate::common;
use common::kubeprint;

/// The fixture token is `kbtest.testonly00000000`.
const FIXTURE_TOKEN_SECRET: &str = "testonly00000000";

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn token_secret(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["secrets", "token-secret", "-s", "s.yaml"];
    args.extend_from_slice(extra);
    kubeprint(dir, &args)
}

#[test]
fn the_secret_is_kubeadms_bootstrap_token_secret() {
    let dir = tempfile::tempdir().unwrap();
    common::fixture_secrets_at(dir.path(), "s.yaml");
    let o = token_secret(dir.path(), &["--at", "2026-12-06T08:00:00+01:00"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let doc: serde_yaml::Value = serde_yaml::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["apiVersion"], "v1");
    assert_eq!(doc["kind"], "Secret");
    assert_eq!(doc["metadata"]["name"], "bootstrap-token-kbtest");
    assert_eq!(doc["metadata"]["namespace"], "kube-system");
    assert_eq!(doc["type"], "bootstrap.kubernetes.io/token");
    let data = &doc["stringData"];
    assert_eq!(data["token-id"], "kbtest");
    assert_eq!(data["token-secret"], FIXTURE_TOKEN_SECRET);
    // kubeadm's default TTL, counted from --at, in UTC.
    assert_eq!(data["expiration"], "2026-12-07T07:00:00Z");
    assert_eq!(data["usage-bootstrap-authentication"], "true");
    assert_eq!(data["usage-bootstrap-signing"], "true");
    assert_eq!(
        data["auth-extra-groups"],
        "system:bootstrappers:kubeadm:default-node-token"
    );
    // Strings under YAML 1.1 too: `"true"` and the timestamp must not turn into a bool
    // and a date for a YAML 1.1 reader.
    if let Some(read) = common::assert_yaml_reads_alike(&[("secret".into(), stdout(&o))]) {
        let data = &read[0][0]["stringData"];
        assert_eq!(data["usage-bootstrap-signing"], "true");
        assert_eq!(data["expiration"], "2026-12-07T07:00:00Z");
    }
    assert!(!stderr(&o).contains(FIXTURE_TOKEN_SECRET), "{}", stderr(&o));
    // The same moment gives the same bytes.
    let again = token_secret(dir.path(), &["--at", "2026-12-06T07:00:00Z"]);
    assert_eq!(again.stdout, o.stdout);
}

#[test]
fn ttl_takes_go_durations_and_zero_means_no_expiration() {
    let dir = tempfile::tempdir().unwrap();
    common::fixture_secrets_at(dir.path(), "s.yaml");
    let expiration = |ttl: &str| {
        let o = token_secret(dir.path(), &["--at", "2026-12-06", "--ttl", ttl]);
        assert!(o.status.success(), "{}", stderr(&o));
        let doc: serde_yaml::Value = serde_yaml::from_slice(&o.stdout).unwrap();
        (
            doc["stringData"]["expiration"].as_str().map(String::from),
            stderr(&o),
        )
    };
    assert_eq!(expiration("90m").0.as_deref(), Some("2026-12-06T01:30:00Z"));
    assert_eq!(
        expiration("1h30m").0.as_deref(),
        Some("2026-12-06T01:30:00Z")
    );
    let (never, said) = expiration("0");
    assert_eq!(never, None);
    assert!(said.contains("never expires"), "{said}");
    assert!(said.contains("kubectl -n kube-system delete secret bootstrap-token-kbtest"));
    for bad in ["1d", "24", "-1h", "soon"] {
        let o = token_secret(dir.path(), &[&format!("--ttl={bad}")]);
        assert_eq!(o.status.code(), Some(2), "{bad}: {}", stderr(&o));
        assert!(o.stdout.is_empty());
        assert!(
            stderr(&o).contains(&format!("`{bad}` is not a duration")),
            "{}",
            stderr(&o)
        );
        assert!(stderr(&o).contains("`24h`"), "{}", stderr(&o));
    }
}

#[test]
fn it_refuses_a_terminal_without_to_terminal() {
    if !common::require_tool("script") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    common::fixture_secrets_at(dir.path(), "s.yaml");
    let on_terminal = |flag: &str| {
        let command = format!(
            "{} secrets token-secret -s s.yaml {flag}",
            env!("CARGO_BIN_EXE_kubeprint")
        );
        // util-linux script(1): a pseudo-terminal as standard output; -e passes on the
        // exit status.
        Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    let refused = on_terminal("");
    assert!(!refused.status.success());
    let said = stdout(&refused);
    assert!(
        said.contains("refusing to print the bootstrap token to a terminal"),
        "{said}"
    );
    assert!(said.contains("| kubectl apply -f -"), "{said}");
    assert!(!said.contains(FIXTURE_TOKEN_SECRET), "{said}");
    let shown = on_terminal("--to-terminal");
    assert!(shown.status.success(), "{}", stdout(&shown));
    assert!(stdout(&shown).contains(FIXTURE_TOKEN_SECRET));
}

#[test]
fn it_refuses_a_file_others_can_read() {
    let dir = tempfile::tempdir().unwrap();
    common::fixture_secrets_at(dir.path(), "s.yaml");
    let into_file = |umask: &str| {
        let script = format!(
            "umask {umask} && exec {} secrets token-secret -s s.yaml > token.yaml",
            env!("CARGO_BIN_EXE_kubeprint")
        );
        let o = Command::new("sh")
            .args(["-c", &script])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let written = fs::read_to_string(dir.path().join("token.yaml")).unwrap();
        fs::remove_file(dir.path().join("token.yaml")).unwrap();
        (o, written)
    };
    let (o, written) = into_file("022");
    assert_eq!(o.status.code(), Some(1));
    assert!(written.is_empty(), "{written}");
    assert!(
        stderr(&o).contains("a file other users can read (mode 0644)"),
        "{}",
        stderr(&o)
    );
    let (o, written) = into_file("077");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(written.contains(FIXTURE_TOKEN_SECRET));
}

/// The Kubernetes versions `kubernetes-validate` has schemas for (`X.Y`), from the
/// package itself, through a Python that imports it.
fn validator_versions() -> Vec<String> {
    let list = "import kubernetes_validate.utils as u; print('\\n'.join(u.all_versions()))";
    let out = ["python3", "/usr/bin/python3"]
        .into_iter()
        .filter_map(|python| Command::new(python).args(["-c", list]).output().ok())
        .find(|o| o.status.success())
        .expect("`kubernetes-validate` is on PATH but no python3 imports kubernetes_validate");
    let mut minors: Vec<String> = stdout(&out)
        .lines()
        .filter_map(|v| v.rsplit_once('.').map(|(minor, _)| minor.to_string()))
        .collect();
    minors.dedup();
    minors
}

/// The minors kubeprint supports, as `versions --format json` lists them.
fn supported_minors() -> Vec<String> {
    let o = kubeprint(&common::root(), &["versions", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    json["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["minor"].as_str().unwrap().to_string())
        .collect()
}

fn minor_key(minor: &str) -> (u32, u32) {
    let (a, b) = minor.split_once('.').unwrap();
    (a.parse().unwrap(), b.parse().unwrap())
}

#[test]
fn kubernetes_validate_accepts_the_secret_and_rejects_a_misspelt_one() {
    if !common::require_tool("kubernetes-validate") {
        return;
    }
    let known = validator_versions();
    let mut both: Vec<String> = supported_minors()
        .into_iter()
        .filter(|m| known.contains(m))
        .collect();
    both.sort_by_key(|m| minor_key(m));
    assert!(both.len() >= 2, "validator knows {known:?}");
    let dir = tempfile::tempdir().unwrap();
    common::fixture_secrets_at(dir.path(), "s.yaml");
    for (name, ttl) in [("expiring.yaml", "24h"), ("never.yaml", "0")] {
        let o = token_secret(dir.path(), &["--at", "2026-12-06", "--ttl", ttl]);
        assert!(o.status.success(), "{}", stderr(&o));
        fs::write(dir.path().join(name), &o.stdout).unwrap();
    }
    let broken = fs::read_to_string(dir.path().join("expiring.yaml"))
        .unwrap()
        .replace("stringData:", "stringDta:");
    fs::write(dir.path().join("broken.yaml"), broken).unwrap();
    // Every minor both know: at least the oldest and the newest.
    let mut versions = Vec::new();
    for minor in &both {
        versions.extend(["-k".to_string(), minor.clone()]);
    }
    let validate = |file: &str| {
        let mut args = vec!["--strict".to_string()];
        args.extend(versions.iter().cloned());
        args.push(file.to_string());
        Command::new("kubernetes-validate")
            .args(&args)
            .current_dir(dir.path())
            .output()
            .unwrap()
    };
    for file in ["expiring.yaml", "never.yaml"] {
        let o = validate(file);
        assert!(o.status.success(), "{file}: {}{}", stdout(&o), stderr(&o));
        for minor in [&both[0], &both[both.len() - 1]] {
            assert!(
                stdout(&o).contains(&format!(
                    "passed for resource secret/bootstrap-token-kbtest against version {minor}"
                )),
                "{}",
                stdout(&o)
            );
        }
    }
    // The check can fail: strict validation refuses a misspelt field, and (below) a
    // usage written as a YAML boolean rather than the string "true".
    let o = validate("broken.yaml");
    assert!(!o.status.success(), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("'stringDta' was unexpected"),
        "{}{}",
        stdout(&o),
        stderr(&o)
    );
    let unquoted = fs::read_to_string(dir.path().join("expiring.yaml"))
        .unwrap()
        .replace(
            "usage-bootstrap-signing: 'true'",
            "usage-bootstrap-signing: true",
        );
    fs::write(dir.path().join("bool.yaml"), unquoted).unwrap();
    let o = validate("bool.yaml");
    assert!(!o.status.success(), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("is not of type 'string'"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn explain_says_when_the_token_has_expired_and_the_ways_on() {
    let dir = tempfile::tempdir().unwrap();
    // The fixture's token is from 2026-11-26; the default cluster's TTL is 24h.
    common::fixture_secrets_at(dir.path(), "lab-secrets.yaml");
    let o = kubeprint(dir.path(), &["explain", "-s", "lab-secrets.yaml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("the bootstrap token in `lab-secrets.yaml` was created 2026-11-26T19:26:40Z"),
        "{err}"
    );
    assert!(
        err.contains("`kubeprint secrets token-secret -s lab-secrets.yaml | kubectl apply -f -`"),
        "{err}"
    );
    assert!(
        err.contains("`kubeprint secrets rotate-token -s lab-secrets.yaml`"),
        "{err}"
    );
    assert!(!err.contains(FIXTURE_TOKEN_SECRET), "{err}");
    // Stdout is the explanation alone, the same with or without the file.
    let without = kubeprint(dir.path(), &["explain", "-s", "absent.yaml"]);
    assert!(without.status.success(), "{}", stderr(&without));
    assert!(
        !stderr(&without).contains("bootstrap token"),
        "{}",
        stderr(&without)
    );
    assert_eq!(without.stdout, o.stdout);
    // Another cluster's file does not stop explain: the check is skipped, and said.
    let other = format!(
        "cluster: other\n{}",
        fs::read_to_string(dir.path().join("lab-secrets.yaml")).unwrap()
    );
    fs::write(dir.path().join("other.yaml"), other).unwrap();
    fs::set_permissions(
        dir.path().join("other.yaml"),
        fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let o = kubeprint(dir.path(), &["explain", "-s", "other.yaml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("the bootstrap token's age is not checked: the secrets file `other.yaml` belongs to another cluster than `kubernetes`"),
        "{}",
        stderr(&o)
    );
    assert_eq!(o.stdout, without.stdout);
    // A fresh token is not warned about.
    let g = kubeprint(dir.path(), &["secrets", "generate", "-s", "fresh.yaml"]);
    assert!(g.status.success(), "{}", stderr(&g));
    let fresh = kubeprint(dir.path(), &["explain", "-s", "fresh.yaml"]);
    assert!(fresh.status.success(), "{}", stderr(&fresh));
    assert!(
        !stderr(&fresh).contains("bootstrap token"),
        "{}",
        stderr(&fresh)
    );
}
