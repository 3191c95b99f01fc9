//! The guide's cluster on Debian 12: a control plane (booted twice), a worker, a control
//! plane whose kubeadm init fails part-way and is resumed, and the guide's own Ubuntu
//! bundle refusing the Debian VM.

use super::*;

/// The default cluster's control plane: the whole bundle on first boot; a second boot of
/// the same disk runs nothing again (runcmd is per instance).
#[test]
#[ignore = "boots VMs: cargo test --release --test e2e -- --ignored"]
fn default_control_plane() {
    let scenario = default_scenario("default-control-plane", "control-plane", "e2e-cp");
    let mut vm = boot_finished_node(&scenario);
    let first = vm.transcript();
    assert_eq!(count(&first, "kubeadm init "), 1);

    vm.boot();
    assert_cloud_init_ok(&vm);
    assert_bundle_complete(&vm, &scenario);
    let second = assert_transcript(&vm, scenario.name);
    assert_eq!(
        second,
        format!("{first}# boot 2\n"),
        "the second boot called no double"
    );
    // Swap stays off after a reboot: the commented fstab line is not activated again.
    let swaps = vm.state_section("swaps");
    assert!(
        swaps.trim().is_empty(),
        "swap is active after reboot:\n{swaps}"
    );
    let modules = vm.state_section("lsmod");
    assert!(
        modules.lines().any(|l| l == "br_netfilter"),
        "modules-load.d loads br_netfilter at boot"
    );
    vm.cleanup();
}

/// A bundle for another OS stops before it changes anything: the guide's own Ubuntu
/// 20.04 cluster on a Debian 12 VM fails its first step, with the failure marker, the
/// console line and cloud-init's error, and calls no tool.
#[test]
#[ignore = "boots VMs: cargo test --release --test e2e -- --ignored"]
fn ubuntu_bundle_refuses_a_debian_vm() {
    let scenario = Scenario {
        artifacts: common::render_default(),
        ..default_scenario("ubuntu-bundle-on-debian", "worker", "e2e-worker-1")
    };
    let mut vm = scenario.build_image();
    vm.boot();
    assert_eq!(
        vm.read("/var/lib/kubeprint/failed"),
        "step=00-os-check\nexit=1\n"
    );
    assert!(vm.list("/var/lib/kubeprint/done").is_empty());
    assert_cloud_init_failed(&vm);
    assert_console_line(
        &vm,
        "kubeprint: bootstrap failed at step 00-os-check (exit 1)",
    );
    let log = vm.read("/var/log/kubeprint-bootstrap.log");
    assert!(
        log.contains("error: this bundle is for ubuntu-20.04 (cluster.yaml `os`), but /etc/os-release says 'debian-12'"),
        "{log}"
    );
    let transcript = vm.transcript();
    assert_eq!(transcript, "# boot 1\n", "a tool ran on the wrong OS");
    vm.cleanup();
}

#[test]
#[ignore = "boots VMs: cargo test --release --test e2e -- --ignored"]
fn default_worker() {
    let scenario = default_scenario("default-worker", "worker", "e2e-worker-1");
    let vm = boot_finished_node(&scenario);
    let transcript = assert_transcript(&vm, scenario.name);
    assert!(
        transcript
            .contains("curl --proto =https --proto-redir =https -ksf --max-time 5 -o /dev/null https://172.31.11.193:6443/healthz\n")
    );
    assert_eq!(count(&transcript, "kubeadm join "), 1);
    vm.cleanup();
}

/// kubeadm init fails part-way on first boot, leaving static Pod manifests and
/// kubeconfig files behind: the bundle stops there and says so, on the node, on the
/// serial console and to cloud-init, whose status is error. After the cause is removed,
/// running bootstrap.sh by hand resumes at the failed step, which finds what the failed
/// init left, resets the node, reinstalls the bundle's PKI (which the reset deleted) and
/// runs kubeadm init again. The curl double alters the CNI manifest for that first resumed
/// run: the cni step refuses the bytes, naming its pin and what it got; the next run, with
/// the real bytes, finishes.
#[test]
#[ignore = "boots VMs: cargo test --release --test e2e -- --ignored"]
fn failed_step_then_resume() {
    let scenario = Scenario {
        fail_kubeadm: true,
        tamper_downloads: true,
        ..kubic_scenario(
            "default-control-plane-failed-resume",
            "control-plane",
            "e2e-cp",
        )
    };
    let mut vm = scenario.build_image();
    vm.boot();
    assert_eq!(
        vm.read("/var/lib/kubeprint/failed"),
        "step=07-kubeadm-init\nexit=1\n"
    );
    let done = vm.list("/var/lib/kubeprint/done");
    let expected: BTreeSet<String> = scenario
        .steps()
        .into_iter()
        .chain(["00-os-check".to_string()])
        .filter(|s| s.as_str() < "07")
        .collect();
    vm.check(
        done == expected,
        &format!("done markers after the failure: {done:?}"),
    );
    vm.check(
        !vm.exists("/var/lib/kubeprint/complete"),
        "complete exists after a failure",
    );
    // What the failed init left, which kubeadm's preflight refuses, and the step's marker.
    for left in [
        "/etc/kubernetes/manifests/kube-apiserver.yaml",
        "/etc/kubernetes/kubelet.conf",
        "/etc/kubernetes/admin.conf",
        "/var/lib/kubeprint/kubeadm-init.unfinished",
    ] {
        vm.check(
            vm.exists(left),
            &format!("{left} is missing after the failed init"),
        );
    }
    let log = vm.read("/var/log/kubeprint-bootstrap.log");
    assert!(
        log.contains("step 07-kubeadm-init: FAILED with exit code 1"),
        "{log}"
    );
    // Seen from outside: the console line, and cloud-init's error status.
    assert_console_line(
        &vm,
        "kubeprint: bootstrap failed at step 07-kubeadm-init (exit 1); see /var/log/kubeprint-bootstrap.log",
    );
    vm.check(
        !vm.console_text().contains("kubeprint: bootstrap complete"),
        "a failed boot says complete on the console",
    );
    assert_cloud_init_failed(&vm);
    assert!(!log.contains("step 08-admin-kubeconfig: starting"), "{log}");
    let first = vm.transcript();
    assert_eq!(count(&first, "kubeadm init "), 1);
    // curl and gpg, cri-o, the Kubernetes packages: once each (dpkg's status shows
    // curl and gpg installed when the next step asks).
    assert_eq!(
        count(&first, "apt-get -o DPkg::Lock::Timeout=600 install "),
        3
    );

    // The operator fixes the cause; the harness re-runs bootstrap.sh on the next boot.
    vm.remove(FAIL_TRIGGER);
    vm.boot();
    // Its first run gets an altered canal.yaml and stops at the cni step.
    vm.check(
        vm.read("/var/log/e2e/tampered-exit") == "1\n",
        "the run given an altered CNI manifest did not fail",
    );
    assert_eq!(
        vm.read("/var/log/e2e/tampered-failed"),
        "step=09-cni\nexit=1\n"
    );
    let upstream = scenario.cni.upstream();
    let pin = common::sha256_hex(upstream.as_bytes());
    let altered = common::sha256_hex((upstream + TAMPER_LINE).as_bytes());
    let log = vm.read("/var/log/kubeprint-bootstrap.log");
    let refused = format!(
        "error: the canal manifest does not match its pin: expected sha256 {pin}, downloaded {altered}\n"
    );
    assert!(log.contains(&refused), "no `{refused}` in:\n{log}");
    assert!(
        log.contains("step 09-cni: FAILED with exit code 1"),
        "{log}"
    );
    // Both runs by hand said how they ended on the console.
    assert_console_line(
        &vm,
        "kubeprint: bootstrap failed at step 09-cni (exit 1); see /var/log/kubeprint-bootstrap.log",
    );
    assert_console_line(&vm, "kubeprint: bootstrap complete");
    // The resumed kubeadm-init step found the failed init's leftovers, reset the node,
    // reinstalled the PKI and ran init again, in that order.
    let mut at = log.find("step 07-kubeadm-init: FAILED").unwrap();
    for line in [
        "step 07-kubeadm-init: starting",
        "the last kubeadm init did not finish and left /etc/kubernetes/manifests/kube-apiserver.yaml: resetting this node (kubeadm reset)",
        "reinstalling the shared PKI from this bundle (step 06-pki)",
        "wrote: /etc/kubernetes/pki/ca.key",
        "wrote: /etc/kubernetes/pki/etcd/ca.key",
        "running kubeadm init again",
        "kubeadm init as node e2e-cp",
        "step 07-kubeadm-init: done",
    ] {
        let found = log[at..].find(line);
        assert!(found.is_some(), "no `{line}` after byte {at} of:\n{log}");
        at += found.unwrap() + line.len();
    }
    vm.check(
        !vm.exists("/var/lib/kubeprint/kubeadm-init.unfinished")
            && !vm.exists("/etc/kubernetes/manifests/kube-apiserver.yaml"),
        "the failed init's marker or manifests are left after the recovery",
    );
    // The PKI on the node is the bundle's, byte for byte, with its modes, although the
    // reset deleted it.
    for (path, bytes) in bundle_pki(&scenario) {
        assert_eq!(vm.read(&path), bytes, "{path} is not the bundle's");
        let mode = if path.ends_with(".key") { 0o600 } else { 0o644 };
        assert_eq!(vm.stat(&path), (mode, 0, 0), "{path} mode/owner");
    }
    // The second run, with the real bytes, finishes.
    vm.check(
        vm.read("/var/log/e2e/resume-exit") == "0\n",
        "the resumed bootstrap.sh failed",
    );
    assert_bundle_complete(&vm, &scenario);
    assert_node_prepared(&vm);
    assert_control_plane(&vm, &scenario);
    let log = vm.read("/var/log/kubeprint-bootstrap.log");
    for step in &expected {
        assert!(
            log.contains(&format!("step {step}: already done, skipping")),
            "{log}"
        );
    }
    let transcript = assert_transcript(&vm, scenario.name);
    let runs: Vec<&str> = transcript.split("# harness:").skip(1).collect();
    assert_eq!(
        runs.len(),
        2,
        "the harness ran the bundle twice:\n{transcript}"
    );
    let resumed = runs.concat();
    assert_eq!(
        count(&resumed, "apt-get "),
        0,
        "earlier steps ran again:\n{resumed}"
    );
    assert_eq!(count(&resumed, "kubeadm init "), 1, "{resumed}");
    assert_eq!(count(&transcript, "kubeadm init "), 2);
    // Reset, then init: once, in the first resumed run.
    assert!(
        runs[0].contains(
            "kubeadm reset -f --cri-socket unix:///var/run/crio/crio.sock\nkubeadm init --config /etc/kubeprint/kubeadm-init.yaml --skip-token-print\n"
        ),
        "no reset then init in:\n{}",
        runs[0]
    );
    assert_eq!(count(&transcript, "kubeadm reset "), 1, "{transcript}");
    // The altered manifest was never applied; the real one was, once.
    let curl_cni =
        "curl --proto =https --proto-redir =https -fsSL -o /etc/kubeprint/cni/canal.yaml.download ";
    assert_eq!(
        (count(runs[0], curl_cni), count(runs[0], "kubectl ")),
        (1, 0),
        "{}",
        runs[0]
    );
    assert_eq!(
        (count(runs[1], curl_cni), count(runs[1], "kubectl apply ")),
        (1, 1),
        "{}",
        runs[1]
    );
    vm.cleanup();
}
