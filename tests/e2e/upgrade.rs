//! The in-place upgrade: the guide's cluster on Debian 12 bootstrapped at 1.31, then the
//! bundles `kubeprint upgrade` writes for 1.32 run on its control plane and its worker as
//! an operator runs them (`e2e-upgrade.service` + `upgrade-run.sh`, after the bootstrap
//! and before the harness writes the node's state): `upgrade.sh` until it stops at the
//! cordoned step, `admin/drain.sh`, `upgrade.sh` to the end, `admin/uncordon.sh`. The
//! control plane's `kubeadm upgrade apply` fails once, and the re-run resumes there.
//! The VMs share no network: the API state the kubeadm and kubectl doubles keep on the
//! control plane (kubeadm-config, its node) goes into the worker's image before it boots.

use super::*;

const FROM: &str = "1.31.4";
const TO: &str = "1.32.4";
/// While this exists on the guest, the kubeadm double fails `kubeadm upgrade apply`.
const APPLY_TRIGGER: &str = "etc/e2e-fail-upgrade-apply";
const UPGRADE_RUN: &str = include_str!("upgrade-run.sh");
const UPGRADE_UNIT: &str = include_str!("e2e-upgrade.service");
/// What upgrade-run.sh on the control plane leaves for the worker's image.
const API_EXPORT: [&str; 4] = ["kubeadm-config", "admin.conf", "node", "node-name"];

/// The guide's Debian 12 cluster at FROM rendered by `kubeprint render` and the upgrade
/// bundles to TO by `kubeprint upgrade`, both with the fixture secrets: the directory
/// (`old/`, `up/`) and the bundles' files, relative path and bytes.
fn upgrade_bundles() -> (tempfile::TempDir, Vec<(String, Vec<u8>)>) {
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets.yaml");
    fs::copy(common::root().join(common::FIXTURE_SECRETS), &secrets).unwrap();
    fs::set_permissions(&secrets, fs::Permissions::from_mode(0o600)).unwrap();
    let old = debian_guide(FROM);
    let minor = |v: &str| v.rsplit_once('.').unwrap().0.to_string();
    let new = old
        .replace(&format!("version: {FROM}\n"), &format!("version: {TO}\n"))
        .replace(
            &format!("crio_version: \"{}\"", minor(FROM)),
            &format!("crio_version: \"{}\"", minor(TO)),
        );
    assert!(new.contains(&format!("version: {TO}\n")) && !new.contains(FROM));
    fs::write(dir.path().join("old.yaml"), old).unwrap();
    fs::write(dir.path().join("new.yaml"), new).unwrap();
    for args in [
        &["render", "-q", "-c", "old.yaml", "-o", "old"][..],
        &[
            "upgrade", "-q", "--from", "old", "-c", "new.yaml", "-o", "up",
        ][..],
    ] {
        let out = common::kubeprint(dir.path(), args);
        assert!(
            out.status.success(),
            "kubeprint {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let up = dir.path().join("up");
    let files = common::walk(&up)
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| {
            let rel = p.strip_prefix(&up).unwrap().display().to_string();
            (rel, fs::read(&p).unwrap())
        })
        .collect();
    (dir, files)
}

/// The default scenario's ROLE node with ROLE's upgrade bundle and `admin/` in
/// `/root/upgrade`, and the unit that runs them after the bootstrap.
fn upgrade_scenario(
    name: &'static str,
    role: &'static str,
    hostname: &'static str,
    bundles: &[(String, Vec<u8>)],
    more: Vec<Extra>,
) -> Scenario {
    let mut extra = vec![
        Extra::File(
            "usr/local/lib/e2e/upgrade-run.sh".into(),
            UPGRADE_RUN.into(),
            0o755,
        ),
        Extra::File(
            "etc/systemd/system/e2e-upgrade.service".into(),
            UPGRADE_UNIT.into(),
            0o644,
        ),
        Extra::Enable("cloud-final.service", "e2e-upgrade.service"),
        Extra::File("etc/e2e-upgrade".into(), role.into(), 0o644),
    ];
    for (rel, bytes) in bundles {
        if rel.starts_with(&format!("{role}/")) || rel.starts_with("admin/") {
            let mode = if rel.ends_with(".sh") { 0o700 } else { 0o600 };
            extra.push(Extra::File(
                format!("root/upgrade/{rel}"),
                bytes.clone(),
                mode,
            ));
        }
    }
    extra.extend(more);
    Scenario {
        extra,
        ..default_scenario(name, role, hostname)
    }
}

/// The transcript with the bundles' status-line times made stable, as a snapshot.
fn assert_upgrade_transcript(vm: &Vm, scenario: &str) -> String {
    let transcript: String = vm
        .transcript()
        .lines()
        .map(|line| match line.strip_prefix("[kubeprint ") {
            Some(rest) if rest.len() > 9 && &rest[8..9] == "]" => {
                format!("[kubeprint HH:MM:SS]{}\n", &rest[9..])
            }
            _ => format!("{line}\n"),
        })
        .collect();
    settings().bind(|| insta::assert_snapshot!(format!("{scenario}__transcript"), transcript));
    transcript
}

/// The line index of the first line starting with `prefix` at or after `from`.
fn line_of(lines: &[&str], prefix: &str, from: usize) -> usize {
    from + lines[from..]
        .iter()
        .position(|l| l.starts_with(prefix))
        .unwrap_or_else(|| {
            panic!(
                "no line `{prefix}` after line {from}:\n{}",
                lines.join("\n")
            )
        })
}

/// The order every node's upgrade keeps, from the operator's first run of upgrade.sh:
/// the repositories switch to TO's minor, kubeadm is installed before any `kubeadm
/// upgrade`, `kubeadm_step` before the run stops at the cordoned step, drain before the
/// kubelet package, uncordon last; the versions installed are TO's.
fn assert_upgrade_order(transcript: &str, kubeadm_step: &str) {
    let minor = TO.rsplit_once('.').unwrap().0;
    let lines: Vec<&str> = transcript.lines().collect();
    let start = line_of(&lines, "# operator: bash /root/upgrade/", 0);
    let repo = line_of(
        &lines,
        &format!(
            "curl --proto =https --proto-redir =https -fsSL -o /tmp/tmp.XXXXXXXXXX https://pkgs.k8s.io/core:/stable:/v{minor}/deb/Release.key"
        ),
        start,
    );
    let update = line_of(&lines, "apt-get -o DPkg::Lock::Timeout=600 update", repo);
    let unhold = line_of(&lines, "apt-mark unhold kubeadm", update);
    let kubeadm = line_of(
        &lines,
        &format!("apt-get -o DPkg::Lock::Timeout=600 install -y kubeadm={TO}-*"),
        unhold,
    );
    let upgrade = line_of(&lines, kubeadm_step, kubeadm);
    let stop = line_of(
        &lines,
        "[kubeprint HH:MM:SS] step 05-cordoned: FAILED",
        upgrade,
    );
    let drain = line_of(&lines, "kubectl drain ", stop);
    let kubelet = line_of(
        &lines,
        &format!("apt-get -o DPkg::Lock::Timeout=600 install -y kubelet={TO}-* kubectl={TO}-*"),
        drain,
    );
    let uncordon = line_of(&lines, "kubectl uncordon ", kubelet);
    assert!(start < repo && repo < kubeadm && kubeadm < upgrade && upgrade < stop);
    assert!(stop < drain && drain < kubelet && kubelet < uncordon);
    // Nothing of the kubelet or CRI-O moves before the drain.
    for early in [
        "apt-mark unhold kubelet",
        "apt-mark unhold cri-o",
        "kubectl uncordon",
    ] {
        assert!(
            !lines[start..drain].iter().any(|l| l.starts_with(early)),
            "`{early}` before the drain"
        );
    }
    assert!(
        lines[start..drain]
            .iter()
            .all(|l| !l.starts_with("apt-get") || !l.contains("kubelet=")),
        "the kubelet package before the drain"
    );
    assert!(transcript.contains(&format!(
        "[kubeprint HH:MM:SS] kubeadm v{TO} installed and held\n"
    )));
    assert!(transcript.contains(&format!("[kubeprint HH:MM:SS] kubelet v{TO} restarted\n")));
    assert!(transcript.contains(&format!(
        "[kubeprint HH:MM:SS] all steps done: this node runs Kubernetes {TO}"
    )));
    assert!(transcript.contains(&format!("# kubeadm-config kubernetesVersion: v{TO}\n")));
}

/// The installed packages are TO's, held, and the bundle's run is complete.
fn assert_upgraded(vm: &Vm) {
    let status = vm.read("/var/lib/dpkg/status");
    for pkg in ["kubeadm", "kubelet", "kubectl"] {
        assert!(
            status.contains(&format!("Package: {pkg}\nStatus: install ok installed\nPriority: optional\nSection: admin\nMaintainer: kubeprint e2e <e2e@kubeprint.invalid>\nArchitecture: amd64\nVersion: {TO}-1.1\n")),
            "{pkg} is not {TO}:\n{status}"
        );
        assert!(
            vm.exists(&format!("/var/lib/e2e-apt/held/{pkg}")),
            "{pkg} is not held"
        );
    }
    assert!(
        vm.exists("/var/lib/e2e-apt/held/cri-o"),
        "cri-o is not held"
    );
    let run = format!("/var/lib/kubeprint/upgrade-{TO}");
    assert!(vm.exists(&format!("{run}/complete")));
    assert!(!vm.exists(&format!("{run}/failed")));
    assert!(!vm.exists("/var/lib/e2e-api/cordoned/e2e-cp"));
    assert!(!vm.exists("/var/lib/e2e-api/cordoned/e2e-worker-1"));
}

#[test]
#[ignore = "boots VMs: cargo test --release --test e2e -- --ignored"]
fn upgrade_in_place() {
    let (dir, bundles) = upgrade_bundles();
    let cp_scenario = upgrade_scenario(
        "upgrade-control-plane",
        "control-plane",
        "e2e-cp",
        &bundles,
        vec![Extra::File(APPLY_TRIGGER.into(), Vec::new(), 0o644)],
    );
    // The VM boots the tree the upgrade was computed from.
    for role in ["control-plane", "worker"] {
        let rendered = fs::read(dir.path().join(format!("old/{role}/user-data.yaml"))).unwrap();
        let booted = Scenario {
            role,
            ..default_scenario("upgrade", role, "e2e")
        };
        assert!(
            rendered == booted.user_data(),
            "old/{role}/user-data.yaml differs"
        );
    }

    let cp = boot_finished_node(&cp_scenario);
    let transcript = assert_upgrade_transcript(&cp, cp_scenario.name);
    assert_upgrade_order(&transcript, &format!("kubeadm upgrade apply v{TO} --yes"));
    // The failed apply, then the run that resumes at it.
    let runs: Vec<&str> = transcript
        .split("# operator: bash /root/upgrade/control-plane/upgrade.sh\n")
        .collect();
    assert_eq!(runs.len(), 5, "upgrade.sh runs four times");
    assert!(runs[1].contains("step 03-upgrade-apply: FAILED with exit code 1"));
    assert!(runs[1].contains(&format!("kubeadm upgrade plan v{TO}\n")));
    assert!(!runs[1].contains("step 04-kubeadm-config"));
    assert!(runs[1].contains("# kubeadm upgrade apply fails on purpose"));
    assert!(runs[1].contains("step=03-upgrade-apply\nexit=1\n"));
    let resumed = runs[2];
    for done in ["01-repositories", "02-kubeadm"] {
        assert!(resumed.contains(&format!("step {done}: already done, skipping\n")));
    }
    assert!(
        !resumed.contains("apt-get"),
        "the resumed run installs nothing again"
    );
    assert!(resumed.contains("step 03-upgrade-apply: starting"));
    assert!(resumed.contains(&format!("kubeadm upgrade apply v{TO} --yes\n")));
    assert!(resumed.contains("step 05-cordoned: FAILED"));
    assert!(runs[4].contains("already done on this node"));
    assert_eq!(count(&transcript, "kubeadm upgrade apply "), 2);
    assert_eq!(count(&transcript, "kubeadm upgrade node"), 0);
    assert!(transcript.contains("# operator: removed /etc/e2e-fail-upgrade-apply\n"));
    assert_upgraded(&cp);
    let seed: Vec<Extra> = API_EXPORT
        .iter()
        .map(|f| {
            let text = cp.read(&format!("/var/log/e2e/api-export/{f}"));
            Extra::File(
                format!("usr/local/share/e2e/api-seed/{f}"),
                text.into_bytes(),
                0o600,
            )
        })
        .collect();
    assert!(
        cp.read("/var/log/e2e/api-export/node")
            .contains(&format!("kubeletVersion=v{TO}\n"))
    );
    cp.cleanup();

    let worker_scenario =
        upgrade_scenario("upgrade-worker", "worker", "e2e-worker-1", &bundles, seed);
    let worker = boot_finished_node(&worker_scenario);
    let transcript = assert_upgrade_transcript(&worker, worker_scenario.name);
    assert_upgrade_order(&transcript, "kubeadm upgrade node");
    assert_eq!(count(&transcript, "kubeadm upgrade apply "), 0);
    assert_eq!(count(&transcript, "kubeadm upgrade node"), 1);
    assert_upgraded(&worker);
    worker.cleanup();
}
