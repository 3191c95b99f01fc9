//! The Debian 13 flannel example on Debian 13 (trixie): a control plane and a worker.

use super::*;

/// Debian 13's control plane: flannel's real manifest with the pod subnet written in, the
/// default admin user `admin`, kernel modules as Debian 13 ships them (xz-compressed).
#[test]
#[ignore = "boots VMs: cargo test --release --test e2e -- --ignored"]
fn debian13_control_plane() {
    let scenario = debian13_scenario("debian13-control-plane", "control-plane", "e2e-cp");
    let vm = boot_finished_node(&scenario);
    assert_transcript(&vm, scenario.name);
    // (/etc/os-release is a symlink, which debugfs does not follow.)
    assert!(
        vm.read("/usr/lib/os-release")
            .contains("VERSION_CODENAME=trixie\n")
    );
    vm.cleanup();
}

#[test]
#[ignore = "boots VMs: cargo test --release --test e2e -- --ignored"]
fn debian13_worker() {
    let scenario = debian13_scenario("debian13-worker", "worker", "e2e-worker-1");
    let vm = boot_finished_node(&scenario);
    let transcript = assert_transcript(&vm, scenario.name);
    assert!(transcript.contains("/dev/null https://10.13.0.10:6443/healthz\n"));
    assert_eq!(count(&transcript, "kubeadm join "), 1);
    vm.cleanup();
}
