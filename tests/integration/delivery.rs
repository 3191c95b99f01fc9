//! Fetched delivery (`aws-secrets-manager`, `url`): stubs hold no secret and fit EC2's
//! limit as they are, `verify` catches a stub that carries one or pins another payload,
//! and the fetcher the stubs install talks to (a double of) IMDSv2 and Secrets Manager
//! with requests botocore's own SigV4 signer accepts.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::USER_DATA_LIMIT;
use kubeprint::Artifacts;

use crate::common;

fn with_delivery(section: &str) -> Artifacts {
    let text = format!("{}\n{section}", kubeprint::DEFAULT_CLUSTER);
    common::render_text(&text, "delivery.yaml")
}

const AWS: &str = "delivery: {mode: aws-secrets-manager, region: eu-west-1}\n";
const URL: &str =
    "delivery: {mode: url, url: 'https://artifacts.example.internal/k8s', url_access: private}\n";

#[test]
fn stubs_hold_no_secret_and_fit_without_gzip() {
    let token = common::fixture_token();
    for section in [AWS, URL] {
        let artifacts = with_delivery(section);
        let stubs: Vec<_> = artifacts
            .iter()
            .filter(|(p, _)| p.rsplit('/').next().unwrap().starts_with("user-data"))
            .collect();
        assert_eq!(stubs.len(), 4, "{section}");
        for (path, stub) in stubs {
            let text = String::from_utf8_lossy(&stub.bytes);
            assert!(!path.ends_with(".gz"), "{path} needs no gzip twin");
            assert!(
                stub.bytes.len() < USER_DATA_LIMIT,
                "{path}: {}",
                stub.bytes.len()
            );
            assert!(
                !text.contains("PRIVATE KEY") && !text.contains(&token),
                "{path}"
            );
            assert!(!stub.secret && stub.mode == 0o644, "{path}");
        }
        for payload in ["control-plane/bootstrap.sh", "worker/bootstrap.baked.sh"] {
            assert!(artifacts[payload].secret, "{payload}");
            assert_eq!(artifacts[payload].mode, 0o700, "{payload}");
        }
    }
}

#[test]
fn inline_delivery_renders_exactly_the_tree_without_the_section() {
    let plain = common::render_default();
    assert_eq!(with_delivery("delivery: {mode: inline}\n"), plain);
    assert!(
        !plain
            .keys()
            .any(|p| p.starts_with("publish/") || p.ends_with("bootstrap.baked.sh"))
    );
}

#[test]
fn verify_fails_a_stub_with_a_token_or_another_payload() {
    let artifacts = with_delivery(AWS);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    common::write_tree(&artifacts, &out);
    let ok = common::kubeprint(
        dir.path(),
        &["verify", "out", "--at", common::FIXTURE_VALID_AT],
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains("4 stub(s) pin their payload's sha256"));

    let token = common::fixture_token();
    let stub = out.join("worker/user-data.yaml");
    let text = std::fs::read_to_string(&stub).unwrap();
    std::fs::write(
        &stub,
        text.replace("#cloud-config\n", &format!("#cloud-config\n# {token}\n")),
    )
    .unwrap();
    std::fs::write(out.join("control-plane/bootstrap.sh"), "#!/bin/bash\n").unwrap();
    let bad = common::kubeprint(
        dir.path(),
        &["verify", "out", "--at", common::FIXTURE_VALID_AT],
    );
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success());
    assert!(
        stderr.contains("worker/user-data.yaml: user-data carries a bootstrap token, yet delivery is `aws-secrets-manager`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("control-plane/user-data.yaml: pins sha256"),
        "{stderr}"
    );
    assert!(!stderr.contains(&token), "verify never prints the token");
}

/// The fetcher from a rendered stub, pointed at a scratch directory instead of the
/// node's paths, with no waits between attempts.
pub(crate) fn fetcher(artifacts: &Artifacts, dir: &Path) -> (String, serde_json::Value) {
    let stub: serde_yaml::Value =
        serde_yaml::from_str(&common::text(artifacts, "control-plane/user-data.yaml")).unwrap();
    let files = stub["write_files"].as_sequence().unwrap();
    let script = files[0]["content"].as_str().unwrap();
    let config: serde_json::Value =
        serde_json::from_str(files[1]["content"].as_str().unwrap()).unwrap();
    let d = dir.display();
    let script = script
        .replace(
            "\"/usr/local/lib/kubeprint/payload.json\"",
            &format!("\"{d}/payload.json\""),
        )
        .replace("\"/var/lib/kubeprint\"", &format!("\"{d}/state\""))
        .replace(
            "\"/var/log/kubeprint-bootstrap.log\"",
            &format!("\"{d}/bootstrap.log\""),
        )
        .replace("DELAYS = (2, 4, 8, 16, 30)", "DELAYS = (0, 0, 0, 0, 0)")
        .replace(
            "open(\"/dev/console\", \"w\")",
            &format!("open(\"{d}/console\", \"w\")"),
        );
    (script, config)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Double {
    child: Child,
    imds: u16,
    sm: u16,
}

impl Drop for Double {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_double(dir: &Path) -> Option<Double> {
    let botocore = Command::new("python3")
        .args(["-c", "import botocore"])
        .status()
        .is_ok_and(|s| s.success());
    if !botocore && std::env::var_os("CI").is_none() {
        eprintln!("SKIP: botocore is not importable (Debian: python3-botocore)");
        return None;
    }
    let (imds, sm) = (free_port(), free_port());
    let child = Command::new("python3")
        .arg(common::root().join("tests/e2e/aws-double.py"))
        .args([
            "--imds",
            &format!("127.0.0.1:{imds}"),
            "--sm",
            &format!("127.0.0.1:{sm}"),
        ])
        .arg("--secrets")
        .arg(dir.join("secrets"))
        .arg("--record")
        .arg(dir.join("calls.log"))
        .args(["--region", "eu-west-1", "--require-botocore"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !std::fs::read_to_string(dir.join("calls.log")).is_ok_and(|t| t.contains("ready")) {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the AWS double did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(Double { child, imds, sm })
}

/// Runs the fetcher against the double, which serves `served` as the payload while the
/// stub's pin is the sha256 of `pinned`.
fn fetch(
    pinned: &str,
    served: Option<&str>,
) -> Option<(std::process::Output, String, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let double = start_double(dir.path())?;
    let (script, mut config) = fetcher(&with_delivery(AWS), dir.path());
    let install = dir.path().join("bootstrap.sh");
    config["install"] = install.display().to_string().into();
    config["sha256"] = common::sha256_hex(pinned.as_bytes()).into();
    std::fs::write(dir.path().join("payload.json"), config.to_string()).unwrap();
    std::fs::create_dir(dir.path().join("secrets")).unwrap();
    if let Some(served) = served {
        for id in [
            "kubeprint/kubernetes/control-plane",
            "kubeprint/kubernetes/control-plane/baked",
        ] {
            std::fs::write(
                dir.path().join("secrets").join(id.replace('/', "%2F")),
                served,
            )
            .unwrap();
        }
    }
    let out = Command::new("python3")
        .arg("-c")
        .arg(&script)
        .env(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            format!("http://127.0.0.1:{}", double.imds),
        )
        .env(
            "AWS_ENDPOINT_URL_SECRETSMANAGER",
            format!("http://127.0.0.1:{}", double.sm),
        )
        .current_dir(dir.path())
        .output()
        .unwrap();
    drop(double);
    let calls = std::fs::read_to_string(dir.path().join("calls.log")).unwrap();
    Some((out, calls, dir))
}

#[test]
fn fetcher_installs_the_pinned_payload_runs_it_and_deletes_the_secrets() {
    let payload = "#!/bin/bash\necho \"payload ran\" > ran\n";
    let Some((out, calls, dir)) = fetch(payload, Some(payload)) else {
        return;
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("ran")).unwrap(),
        "payload ran\n"
    );
    assert_eq!(common::mode(&dir.path().join("bootstrap.sh")), 0o700);
    assert_eq!(
        calls
            .lines()
            .filter(|l| !l.starts_with("imds") && *l != "ready")
            .collect::<Vec<_>>(),
        [
            "signature verified by botocore",
            "GetSecretValue kubeprint/kubernetes/control-plane",
            "signature verified by botocore",
            "DeleteSecret kubeprint/kubernetes/control-plane RecoveryWindowInDays=7",
            "signature verified by botocore",
            "DeleteSecret kubeprint/kubernetes/control-plane/baked RecoveryWindowInDays=7",
        ],
        "{calls}"
    );
    assert!(
        calls.contains("imds PUT token") && !calls.contains("without a session token"),
        "{calls}"
    );
    assert!(!dir.path().join("state/failed").exists());
}

#[test]
fn fetcher_refuses_a_tampered_payload_and_records_the_failure() {
    let Some((out, _, dir)) = fetch("#!/bin/bash\ntrue\n", Some("#!/bin/bash\nrm -rf /tmp/x\n"))
    else {
        return;
    };
    let log = std::fs::read_to_string(dir.path().join("bootstrap.log")).unwrap();
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        !dir.path().join("bootstrap.sh").exists(),
        "nothing installed"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("state/failed")).unwrap(),
        "step=00-fetch-payload\nexit=1\n"
    );
    assert!(
        log.contains("attempt 1 of 6 failed: the payload's sha256 is"),
        "{log}"
    );
    assert!(
        log.contains("FAILED with exit code 1") && log.contains("(attempt 6 of 6)"),
        "{log}"
    );
    let console = std::fs::read_to_string(dir.path().join("console")).unwrap();
    assert!(
        console.starts_with("kubeprint: bootstrap failed at step 00-fetch-payload (exit 1)"),
        "{console}"
    );
}

#[test]
fn fetcher_names_a_missing_secret() {
    let Some((out, _, dir)) = fetch("#!/bin/bash\ntrue\n", None) else {
        return;
    };
    let log = std::fs::read_to_string(dir.path().join("bootstrap.log")).unwrap();
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains(
            "HTTP 400 ResourceNotFoundException: Secrets Manager can't find the specified secret."
        ),
        "{log}"
    );
}

/// A hostile or broken AWS: one server for both endpoints that answers IMDSv2's token
/// and role name properly, then `reply(request line)` as raw bytes for everything else,
/// closing the connection after each reply.
fn hostile_aws(reply: fn(&str) -> Vec<u8>) -> u16 {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let (mut request, mut length) = (String::new(), 0);
            let _ = reader.read_line(&mut request);
            loop {
                let mut header = String::new();
                if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                    break;
                }
                if let Some((name, value)) = header.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let _ = reader.read_exact(&mut vec![0; length]);
            let ok = |body: &str| {
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                )
                .into_bytes()
            };
            let bytes = if request.contains(" /latest/api/token ") {
                ok("imds-token")
            } else if request.contains("/security-credentials/ ") {
                ok("node-role")
            } else {
                reply(&request)
            };
            let _ = stream.write_all(&bytes);
        }
    });
    port
}

/// Valid instance credentials, for replies that break later.
fn credentials(request: &str) -> Option<Vec<u8>> {
    let body = r#"{"AccessKeyId": "AKID", "SecretAccessKey": "secret", "Token": "session"}"#;
    request
        .contains("/security-credentials/node-role ")
        .then(|| {
            format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .into_bytes()
        })
}

/// Runs the fetcher against `port` for both endpoints, with `state` laid down first.
fn fetch_from(port: u16, state: &[&str]) -> (std::process::Output, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let (script, mut config) = fetcher(&with_delivery(AWS), dir.path());
    config["install"] = dir.path().join("bootstrap.sh").display().to_string().into();
    std::fs::write(dir.path().join("payload.json"), config.to_string()).unwrap();
    std::fs::create_dir(dir.path().join("state")).unwrap();
    for marker in state {
        std::fs::write(dir.path().join("state").join(marker), "").unwrap();
    }
    let out = Command::new("python3")
        .arg("-c")
        .arg(&script)
        .env(
            "AWS_EC2_METADATA_SERVICE_ENDPOINT",
            format!("http://127.0.0.1:{port}"),
        )
        .env(
            "AWS_ENDPOINT_URL_SECRETSMANAGER",
            format!("http://127.0.0.1:{port}"),
        )
        .current_dir(dir.path())
        .output()
        .unwrap();
    let log = std::fs::read_to_string(dir.path().join("bootstrap.log")).unwrap_or_default();
    (out, log, dir)
}

#[test]
fn fetcher_retries_broken_replies_then_fails_like_a_step_without_a_traceback() {
    type Reply = fn(&str) -> Vec<u8>;
    let cases: [(&str, Reply, &str); 4] = [
        (
            "garbage status line",
            |_| b"SSH-2.0-OpenSSH_9.6\r\n".to_vec(),
            "BadStatusLine",
        ),
        (
            "truncated body",
            |_| b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{\"AccessKeyId\": ".to_vec(),
            "IncompleteRead",
        ),
        (
            "not JSON",
            |r| {
                credentials(r).unwrap_or_else(|| {
                    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{oops".to_vec()
                })
            },
            "JSONDecodeError",
        ),
        (
            "JSON of the wrong shape",
            |r| {
                credentials(r).unwrap_or_else(|| {
                    b"HTTP/1.1 200 OK\r\nContent-Length: 16\r\n\r\n[\"SecretString\"]".to_vec()
                })
            },
            "AttributeError",
        ),
    ];
    for (case, reply, named) in cases {
        let (out, log, dir) = fetch_from(hostile_aws(reply), &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("Traceback"), "{case}: {stderr}");
        assert_eq!(out.status.code(), Some(1), "{case}: {log}{stderr}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("state/failed")).unwrap(),
            "step=00-fetch-payload\nexit=1\n",
            "{case}"
        );
        assert!(
            log.contains("attempt 1 of 6 failed: ") && log.contains(named),
            "{case}: {log}"
        );
        assert!(log.contains("(attempt 6 of 6)"), "{case}: {log}");
        assert_eq!(
            common::mode(&dir.path().join("bootstrap.log")),
            0o600,
            "{case}"
        );
        let console = std::fs::read_to_string(dir.path().join("console")).unwrap();
        assert!(
            console.starts_with("kubeprint: bootstrap failed at step 00-fetch-payload (exit 1)"),
            "{case}: {console}"
        );
        assert!(!dir.path().join("bootstrap.sh").exists(), "{case}");
    }
}

#[test]
fn fetcher_on_a_complete_node_fetches_nothing() {
    let (out, log, dir) = fetch_from(hostile_aws(|_| b"SSH-2.0\r\n".to_vec()), &["complete"]);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("this node is already complete"), "{log}");
    assert!(!log.contains("fetching"), "{log}");
    assert!(!dir.path().join("state/failed").exists());
}

#[test]
fn diff_says_when_payloads_must_be_published_again() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old"), dir.path().join("new"));
    let artifacts = with_delivery(AWS);
    common::write_tree(&artifacts, &old);
    common::write_tree(&artifacts, &new);
    let script = new.join("publish/publish-secrets.sh");
    let text = std::fs::read_to_string(&script).unwrap();
    std::fs::write(
        &script,
        text.replace(" worker/bootstrap.sh ", " worker/bootstrap.sh x"),
    )
    .unwrap();
    let out = common::kubeprint(dir.path(), &["diff", "old", "new"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout.contains(
            "! fetched payloads changed (publish/publish-secrets.sh): publish them again"
        ),
        "{stdout}"
    );
}

/// Runs `publish/publish-secrets.sh` of `artifacts` with an `aws` stand-in that knows
/// no secret yet; returns the exit code, stderr and the AWS CLI calls it made.
fn publish(artifacts: &Artifacts) -> (Option<i32>, String, String) {
    publish_bundles(artifacts, &[])
}

/// [`publish`] with bundle names on the script's command line.
fn publish_bundles(artifacts: &Artifacts, bundles: &[&str]) -> (Option<i32>, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    common::write_tree(artifacts, &out);
    let bin = dir.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let calls = dir.path().join("calls");
    let aws = format!(
        "#!/bin/sh\necho \"$*\" >> {}\n[ \"$2\" = describe-secret ] && exit 254\nexit 0\n",
        calls.display()
    );
    std::fs::write(bin.join("aws"), aws).unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(bin.join("aws"))
        .status()
        .unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let run = Command::new("bash")
        .arg(out.join("publish/publish-secrets.sh"))
        .args(bundles)
        .env("PATH", path)
        .output()
        .unwrap();
    let calls = std::fs::read_to_string(&calls).unwrap_or_default();
    (
        run.status.code(),
        String::from_utf8_lossy(&run.stderr).into_owned(),
        calls,
    )
}

#[test]
fn publish_script_creates_every_secret_and_refuses_a_redacted_tree() {
    let (code, stderr, calls) = publish(&with_delivery(AWS));
    assert_eq!(code, Some(0), "{stderr}");
    let created: Vec<&str> = calls
        .lines()
        .filter(|l| l.contains("create-secret"))
        .collect();
    assert_eq!(created.len(), 4, "{calls}");
    assert!(
        created[0].starts_with("secretsmanager create-secret --region eu-west-1 --name kubeprint/kubernetes/control-plane --secret-binary fileb://control-plane/bootstrap.sh"),
        "{calls}"
    );

    let text = format!("{}\n{AWS}", kubeprint::DEFAULT_CLUSTER);
    let (code, stderr, calls) = publish(&common::render_text_redacted(&text, "delivery.yaml"));
    assert_eq!(code, Some(1));
    assert!(stderr.contains("comes from render --redact"), "{stderr}");
    assert!(
        !calls.contains("create-secret") && !calls.contains("put-secret-value"),
        "{calls}"
    );
}

/// After a token rotation only `worker` is republished: the control planes' payloads
/// (the CA keys their machines deleted) must not come back.
#[test]
fn publish_script_stores_only_the_bundles_named() {
    let artifacts = with_delivery(AWS);
    let (code, stderr, calls) = publish_bundles(&artifacts, &["worker"]);
    assert_eq!(code, Some(0), "{stderr}");
    let stored: Vec<&str> = calls
        .lines()
        .filter(|l| l.contains("create-secret"))
        .collect();
    assert_eq!(stored.len(), 2, "{calls}");
    assert!(
        stored
            .iter()
            .all(|l| l.contains("--name kubeprint/kubernetes/worker")),
        "{calls}"
    );
    assert!(!calls.contains("control-plane"), "{calls}");

    let (code, stderr, calls) = publish_bundles(&artifacts, &["worker", "workers"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("error: no bundle workers in this tree; bundles: control-plane worker"),
        "{stderr}"
    );
    assert!(calls.is_empty(), "{calls}");
}

#[test]
fn validate_warns_when_a_shared_payload_would_be_deleted_and_explain_says_where_bundles_come_from()
{
    let dir = tempfile::tempdir().unwrap();
    let ha =
        kubeprint::DEFAULT_CLUSTER.replace("kubernetes:\n", "kubernetes:\n  control_planes: 3\n");
    let text = format!(
        "{ha}\ndelivery: {{mode: aws-secrets-manager, region: eu-west-1, delete_after_fetch: [control-plane, worker]}}\n"
    );
    std::fs::write(dir.path().join("c.yaml"), &text).unwrap();
    let out = common::kubeprint(dir.path(), &["validate", "-c", "c.yaml"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(
            "the control-plane-join bundle serves 2 machines, so its payload is kept after a fetch"
        ),
        "{stderr}"
    );
    assert!(
        stderr
            .contains("the worker bundle's payload is deleted by the first worker that fetches it"),
        "{stderr}"
    );

    std::fs::write(
        dir.path().join("c.yaml"),
        format!("{}\n{AWS}", kubeprint::DEFAULT_CLUSTER),
    )
    .unwrap();
    let out = common::kubeprint(dir.path(), &["explain", "-c", "c.yaml"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("  secrets: fetched at boot from AWS Secrets Manager secret kubeprint/kubernetes/control-plane (eu-west-1) with the instance role, sha256-pinned, deleted once fetched\n"), "{stdout}");
    assert!(stdout.contains("  secrets: fetched at boot from AWS Secrets Manager secret kubeprint/kubernetes/worker (eu-west-1) with the instance role, sha256-pinned\n"), "{stdout}");
}
