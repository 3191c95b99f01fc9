//! What a node shows and keeps: kubeadm init withholds the token at every minor, the
//! bundle's stdout (the console under cloud-init) carries kubeprint's status lines only
//! while the tools' output goes to a root-only log, a complete node removes the files
//! that hold the token, and the Packer template clears its SSH key.

use crate::common;

use std::path::Path;
use std::process::Command;

/// A minimal single control-plane definition at `version`.
fn definition(version: &str, os: &str) -> String {
    format!(
        "name: lab\nos: {os}\nkubernetes:\n  version: \"{version}\"\n  endpoint: 10.0.1.10:6443\n"
    )
}

#[test]
fn every_kubeadm_init_withholds_the_token_at_every_minor() {
    for r in common::releases() {
        let os = if r.minor < 28 {
            "ubuntu-20.04"
        } else {
            "ubuntu-24.04"
        };
        let artifacts = common::render_text(&definition(&format!("1.{}.3", r.minor), os), "quiet");
        let mut inits = 0;
        for (path, artifact) in artifacts.iter() {
            if !path.ends_with(".sh") {
                continue;
            }
            let text = String::from_utf8_lossy(&artifact.bytes);
            for line in text
                .lines()
                .filter(|l| l.trim_start().starts_with("kubeadm init "))
            {
                inits += 1;
                assert!(
                    line.contains(" --skip-token-print"),
                    "1.{}: {path}: {line}",
                    r.minor
                );
            }
        }
        // The bundle and its step script.
        assert!(inits >= 2, "1.{}: no kubeadm init found", r.minor);
    }
}

#[test]
fn the_packer_template_clears_its_ssh_key() {
    let text = common::text(&common::render_default(), "packer/kubeprint.pkr.hcl");
    let body = hcl::parse(&text).unwrap();
    let source = body
        .blocks()
        .find(|b| b.identifier() == "source")
        .expect("source block");
    let clear = source
        .body()
        .attributes()
        .find(|a| a.key() == "ssh_clear_authorized_keys")
        .expect("ssh_clear_authorized_keys");
    assert_eq!(clear.expr(), &hcl::Expression::Bool(true));
}

/// What kubeadm init prints without --skip-token-print, and a tool's complaint.
const TOOL_OUTPUT: &str = "[bootstrap-token] Using token: abcdef.0123456789abcdef";
const TOOL_ERROR: &str = "E: a tool's error";

/// `bootstrap.sh` as rendered, with kubeprint's node paths moved under `dir` and every
/// step replaced by one that prints like a tool (stdout and stderr) and logs a status
/// line. Everything else (the logging, the lock, the runner, completion) is as rendered.
fn harness(bundle: &str, dir: &Path) -> String {
    harness_keeping(bundle, dir, &[])
}

/// [`harness`], but the steps whose names (`wait-for-node`) are in `real` stay as rendered.
pub(crate) fn harness_keeping(bundle: &str, dir: &Path, real: &[&str]) -> String {
    let d = dir.display();
    let mut script = bundle.to_string();
    for (from, to) in [
        (
            "[ \"$(id -u)\" -eq 0 ] || die \"run this as root (sudo)\"",
            "true".to_string(),
        ),
        ("[ -c /dev/console ] || return 0", "true".to_string()),
        ("/dev/console", format!("{d}/console")),
        (
            "/var/log/kubeprint-bootstrap.log",
            format!("{d}/bootstrap.log"),
        ),
        ("/var/lib/kubeprint", format!("{d}/state")),
        (
            "/usr/local/lib/kubeprint/bootstrap.sh",
            format!("{d}/bootstrap.sh"),
        ),
        (
            "/etc/kubeprint/kubeadm-init.yaml",
            format!("{d}/kubeadm-init.yaml"),
        ),
        (
            "/etc/kubeprint/kubeadm-join.yaml",
            format!("{d}/kubeadm-join.yaml"),
        ),
    ] {
        // The last three are only named by the cleanup at completion.
        assert!(
            script.contains(from) || !from.starts_with("/var/"),
            "the bundle no longer has {from}"
        );
        script = script.replace(from, &to);
    }
    let fakes: String = script
        .lines()
        .filter_map(|l| l.strip_prefix("run_step "))
        .filter(|call| !real.iter().any(|r| call.split(' ').next().unwrap()[3..] == **r))
        .map(|call| {
            let (id, function) = call.split_once(' ').unwrap();
            format!(
                "{function}() {{ echo '{TOOL_OUTPUT}'; echo \"{TOOL_ERROR}\" >&2; log 'status of {id}'; }}\n"
            )
        })
        .collect();
    assert!(!fakes.is_empty());
    let runner = "# run_step ID FUNCTION:";
    assert!(script.contains(runner));
    script.replace(runner, &format!("{fakes}{runner}"))
}

/// Lays the harness down where the bundle lives, with both kubeadm configurations
/// beside it, and runs it.
fn run(dir: &Path, bundle: &str) -> (std::process::Output, String, String) {
    std::fs::write(dir.join("bootstrap.sh"), harness(bundle, dir)).unwrap();
    for config in ["kubeadm-init.yaml", "kubeadm-join.yaml"] {
        std::fs::write(dir.join(config), "token: abcdef.0123456789abcdef\n").unwrap();
    }
    let out = Command::new("bash")
        .arg(dir.join("bootstrap.sh"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out, stdout, stderr)
}

#[test]
fn the_bundle_prints_status_lines_only_and_tools_go_to_a_root_only_log() {
    use std::os::unix::fs::PermissionsExt;
    let artifacts = common::render_default();
    for role in ["control-plane", "worker"] {
        let bundle = common::text(&artifacts, &format!("{role}/bootstrap.sh"));
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("bootstrap.log");
        // A log an older bundle left readable by others is made root-only.
        std::fs::write(&log, "").unwrap();
        std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).unwrap();
        let (out, stdout, stderr) = run(dir.path(), &bundle);
        assert!(out.status.success(), "{role}: {stdout}{stderr}");
        for line in stdout.lines().chain(stderr.lines()) {
            assert!(
                line.starts_with("[kubeprint "),
                "{role}: not a status line on stdout or stderr: {line}"
            );
        }
        let logged = std::fs::read_to_string(&log).unwrap();
        assert_eq!(common::mode(&log), 0o600, "{role}");
        for line in [TOOL_OUTPUT, TOOL_ERROR, "status of 01-disable-swap"] {
            assert!(
                logged.contains(line),
                "{role}: the log lacks {line}:\n{logged}"
            );
        }
        assert!(
            stdout.contains("step 01-disable-swap: starting")
                && stdout.contains("status of 01-disable-swap")
                && stdout.contains("all steps done"),
            "{role}: status lines missing from stdout:\n{stdout}"
        );
        let console = std::fs::read_to_string(dir.path().join("console")).unwrap();
        assert_eq!(console, "kubeprint: bootstrap complete\n", "{role}");

        // Complete: the files that hold the token are gone.
        assert!(dir.path().join("state/complete").exists(), "{role}");
        for gone in ["bootstrap.sh", "kubeadm-init.yaml", "kubeadm-join.yaml"] {
            assert!(!dir.path().join(gone).exists(), "{role}: {gone} is left");
        }

        // A run after that runs no step and needs none of them (it removes them again).
        let (out, stdout, stderr) = run(dir.path(), &bundle);
        assert!(out.status.success(), "{role}: {stdout}{stderr}");
        assert!(
            stdout.contains("this node is already complete") && !stdout.contains("starting"),
            "{role}: {stdout}"
        );
        assert!(!dir.path().join("kubeadm-init.yaml").exists(), "{role}");
        assert_eq!(
            std::fs::read_to_string(&log)
                .unwrap()
                .matches(TOOL_OUTPUT)
                .count(),
            logged.matches(TOOL_OUTPUT).count(),
            "{role}: a step ran again"
        );
    }
}
