//! End-to-end, fetched delivery: the guide's cluster (on Debian 12) rendered with
//! `delivery: aws-secrets-manager` (and `url`) boots from its stub user-data, unmodified.
//! Inside the VM, `aws-double.py` stands in for the instance metadata service (on
//! 169.254.169.254, as on EC2), Secrets Manager and an https artifact store, behind
//! their real host names (in /etc/hosts) and a certificate from a test CA the image
//! trusts: the stub's fetcher runs exactly as on a node, IMDSv2 session, SigV4 request,
//! TLS verification and all. The double checks every signature with botocore (in the
//! image for this) and first refuses one made with a wrong key; it records every call in
//! /var/log/e2e/aws.log.

use std::fs;
use std::process::Command;

use super::*;

const AWS: &str = "delivery: {mode: aws-secrets-manager, region: eu-west-1}\n";
const URL: &str =
    "delivery: {mode: url, url: 'https://artifacts.e2e.internal/k8s', url_access: private}\n";
const AWS_UNIT: &str = include_str!("e2e-aws-double.service");
const AWS_DOUBLE: &str = include_str!("aws-double.py");

/// The default cluster's node of `role` with `section` appended to its definition.
fn delivered(
    name: &'static str,
    role: &'static str,
    hostname: &'static str,
    section: &str,
) -> Scenario {
    let text = format!("{}\n{section}", debian_guide("1.31.4"));
    Scenario {
        artifacts: common::render_text(&text, "delivery.yaml"),
        ..default_scenario(name, role, hostname)
    }
}

/// The doubles, their TLS certificate (from a CA added to the image's trust store) and
/// what they serve: `(secret id or URL path, bytes)`.
pub(super) fn doubles(secrets: &[(String, Vec<u8>)], files: &[(String, Vec<u8>)]) -> Vec<Extra> {
    let tls = tempfile::tempdir().unwrap();
    let sh = |script: &str| {
        run(Command::new("sh")
            .arg("-ec")
            .arg(script)
            .current_dir(tls.path()))
    };
    sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 30 -subj /CN=kubeprint-e2e-ca \
          -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
        openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=e2e-doubles 2>/dev/null
        printf '%s\\n' 'subjectAltName=DNS:secretsmanager.eu-west-1.amazonaws.com,DNS:artifacts.e2e.internal' \
          'basicConstraints=CA:FALSE' 'keyUsage=digitalSignature,keyEncipherment' 'extendedKeyUsage=serverAuth' \
          'authorityKeyIdentifier=keyid' >ext.cnf
        openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile ext.cnf -out server.crt 2>/dev/null");
    let read = |f: &str| fs::read(tls.path().join(f)).unwrap();
    let base = base(Suite::Bookworm);
    let mut trusted = fs::read(base.root.join("etc/ssl/certs/ca-certificates.crt")).unwrap();
    trusted.extend(read("ca.crt"));
    let mut extra = vec![
        Extra::File("etc/ssl/certs/ca-certificates.crt".into(), trusted, 0o644),
        Extra::File(
            "usr/local/lib/e2e/tls/server.crt".into(),
            read("server.crt"),
            0o644,
        ),
        Extra::File(
            "usr/local/lib/e2e/tls/server.key".into(),
            read("server.key"),
            0o600,
        ),
        Extra::File(
            "usr/local/lib/e2e/aws-double.py".into(),
            AWS_DOUBLE.into(),
            0o755,
        ),
        Extra::File(
            "etc/systemd/system/e2e-aws-double.service".into(),
            AWS_UNIT.into(),
            0o644,
        ),
        Extra::Enable("cloud-final.service", "e2e-aws-double.service"),
    ];
    for (id, bytes) in secrets {
        let path = format!("usr/local/share/e2e/secrets/{}", id.replace('/', "%2F"));
        extra.push(Extra::File(path, bytes.clone(), 0o600));
    }
    // The artifact store stands in for a remote server: root-only here, so the token
    // check on the node sees only what the bundle itself leaves readable.
    for (path, bytes) in files {
        extra.push(Extra::File(
            format!("usr/local/share/e2e/files/{path}"),
            bytes.clone(),
            0o600,
        ));
    }
    extra
}

/// `(id, payload)` for both of a bundle's secrets, from the rendered tree.
fn published(scenario: &Scenario, dir: &str) -> Vec<(String, Vec<u8>)> {
    [("", "bootstrap.sh"), ("/baked", "bootstrap.baked.sh")]
        .iter()
        .map(|(suffix, file)| {
            (
                format!("kubeprint/kubernetes/{dir}{suffix}"),
                scenario.artifacts[&format!("{dir}/{file}")].bytes.clone(),
            )
        })
        .collect()
}

/// The Secrets Manager and artifact store calls after the double was ready. Before it
/// was, it refused a request botocore signed with a wrong key; every Secrets Manager call
/// after it passed botocore's signature check.
fn aws_calls(vm: &Vm) -> Vec<String> {
    let log = vm.read("/var/log/e2e/aws.log");
    let (probe, calls) = log
        .split_once("ready\n")
        .expect("the AWS double never got ready");
    assert!(
        probe.contains("probe: a request signed with another secret key was refused (InvalidSignatureException)"),
        "the AWS double accepted a bad signature:\n{log}"
    );
    let calls: Vec<&str> = calls.lines().filter(|l| !l.starts_with("imds")).collect();
    let sm = calls
        .iter()
        .filter(|l| l.starts_with("GetSecretValue") || l.starts_with("DeleteSecret"))
        .count();
    let verified = calls
        .iter()
        .filter(|l| **l == "signature verified by botocore")
        .count();
    assert_eq!(
        verified, sm,
        "every Secrets Manager call is verified by botocore:\n{log}"
    );
    calls
        .into_iter()
        .filter(|l| *l != "signature verified by botocore")
        .map(String::from)
        .collect()
}

/// The fetcher installed the rendered bundle (it checks the sha256 the stub pins, and
/// logs it), and the complete node then removed it: it holds the token.
fn assert_installed_payload(vm: &Vm, scenario: &Scenario) {
    let path = "/usr/local/lib/kubeprint/bootstrap.sh";
    let bundle = &scenario.artifacts[&format!("{}/bootstrap.sh", scenario.role)].bytes;
    let log = vm.read("/var/log/kubeprint-bootstrap.log");
    vm.check(
        log.contains(&format!(
            "step 00-fetch-payload: installed {path} (sha256 {})",
            common::sha256_hex(bundle)
        )),
        "the installed bootstrap.sh is not the published payload",
    );
    vm.check(!vm.exists(path), "bootstrap.sh is left on a complete node");
}

#[test]
#[ignore = "boots VMs: cargo test --release --test e2e -- --ignored"]
fn secrets_manager_control_plane() {
    let mut scenario = delivered("sm-control-plane", "control-plane", "e2e-sm-cp", AWS);
    scenario.extra = doubles(&published(&scenario, "control-plane"), &[]);
    let vm = boot_finished_node(&scenario);
    assert_installed_payload(&vm, &scenario);
    assert_eq!(
        aws_calls(&vm),
        [
            "GetSecretValue kubeprint/kubernetes/control-plane",
            "DeleteSecret kubeprint/kubernetes/control-plane RecoveryWindowInDays=7",
            "DeleteSecret kubeprint/kubernetes/control-plane/baked RecoveryWindowInDays=7",
        ],
        "the control plane reads its payload once and deletes both of its secrets"
    );
    let log = vm.read("/var/log/kubeprint-bootstrap.log");
    assert!(
        log.contains("step 00-fetch-payload: installed /usr/local/lib/kubeprint/bootstrap.sh"),
        "{log}"
    );
    assert!(
        !vm.read("/var/log/e2e/aws.log")
            .contains("without a session token"),
        "IMDSv2 only"
    );
    vm.cleanup();
}

#[test]
#[ignore = "boots VMs: cargo test --release --test e2e -- --ignored"]
fn secrets_manager_worker() {
    let mut scenario = delivered("sm-worker", "worker", "e2e-sm-worker", AWS);
    scenario.extra = doubles(&published(&scenario, "worker"), &[]);
    let vm = boot_finished_node(&scenario);
    assert_installed_payload(&vm, &scenario);
    assert_eq!(
        aws_calls(&vm),
        ["GetSecretValue kubeprint/kubernetes/worker"],
        "workers keep their shared payload"
    );
    vm.cleanup();
}

/// A payload that is not the one the stub pins is never installed or run: the node
/// stops at the fetch with the reason in its log, the failure marker and on the console.
#[test]
#[ignore = "boots VMs: cargo test --release --test e2e -- --ignored"]
fn secrets_manager_tampered_payload_stops_the_boot() {
    let mut scenario = delivered("sm-tampered", "control-plane", "e2e-sm-tampered", AWS);
    let mut secrets = published(&scenario, "control-plane");
    secrets[0].1.extend_from_slice(b"echo tampered\n");
    scenario.extra = doubles(&secrets, &[]);
    let mut vm = scenario.build_image();
    vm.boot();
    assert_eq!(
        vm.read("/var/lib/kubeprint/failed"),
        "step=00-fetch-payload\nexit=1\n"
    );
    vm.check(
        !vm.exists("/usr/local/lib/kubeprint/bootstrap.sh"),
        "a tampered payload was installed",
    );
    vm.check(vm.list("/var/lib/kubeprint/done").is_empty(), "a step ran");
    let log = vm.read("/var/log/kubeprint-bootstrap.log");
    assert!(
        log.contains("the payload's sha256 is") && log.contains("(attempt 6 of 6)"),
        "{log}"
    );
    assert_eq!(
        aws_calls(&vm)
            .iter()
            .filter(|c| c.starts_with("GetSecretValue"))
            .count(),
        6
    );
    assert!(
        !aws_calls(&vm).iter().any(|c| c.starts_with("DeleteSecret")),
        "nothing deleted"
    );
    let console = fs::read_to_string(vm.console()).unwrap();
    assert!(
        console.contains("kubeprint: bootstrap failed at step 00-fetch-payload (exit 1)"),
        "{}",
        vm.console_tail()
    );
    let status = vm.state_section("cloud-init");
    assert!(
        status.contains("status: error"),
        "cloud-init reports the failure:\n{status}"
    );
    vm.cleanup();
}

#[test]
#[ignore = "boots VMs: cargo test --release --test e2e -- --ignored"]
fn url_worker() {
    let mut scenario = delivered("url-worker", "worker", "e2e-url-worker", URL);
    let payload = scenario.artifacts["worker/bootstrap.sh"].bytes.clone();
    scenario.extra = doubles(&[], &[("k8s/worker/payload".into(), payload)]);
    let vm = boot_finished_node(&scenario);
    assert_installed_payload(&vm, &scenario);
    assert_eq!(aws_calls(&vm), ["GET /k8s/worker/payload"]);
    vm.cleanup();
}
