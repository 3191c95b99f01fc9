//! The Calico example on Debian 12: the control plane seeded with the gzip twin of its
//! user-data (over EC2's 16 KiB limit), and a worker.

use super::*;

#[test]
#[ignore = "boots VMs: cargo test --release --test e2e -- --ignored"]
fn calico_control_plane() {
    // Over EC2's 16 KiB user-data limit: seed the gzip twin, which cloud-init unpacks.
    let scenario = calico_scenario(
        "calico-control-plane",
        "control-plane",
        "e2e-cp",
        "user-data.yaml.gz",
    );
    assert!(scenario.user_data().starts_with(&[0x1f, 0x8b]), "gzip");
    let vm = boot_finished_node(&scenario);
    assert_transcript(&vm, scenario.name);
    // boot_finished_node compared the applied manifest with the real one, rewritten; the
    // IP pool is now an active setting of calico-node, with the pod subnet.
    let applied = vm.read("/var/log/e2e/recorded/kubectl-applied.yaml");
    assert!(
        applied.contains(
            "\n            - name: CALICO_IPV4POOL_CIDR\n              value: \"172.20.0.0/16\"\n"
        ),
        "no active IP pool setting in the applied calico.yaml"
    );
    assert!(!applied.contains("192.168.0.0/16"));
    vm.cleanup();
}

#[test]
#[ignore = "boots VMs: cargo test --release --test e2e -- --ignored"]
fn calico_worker() {
    let scenario = calico_scenario("calico-worker", "worker", "e2e-worker-1", "user-data.yaml");
    let vm = boot_finished_node(&scenario);
    let transcript = assert_transcript(&vm, scenario.name);
    assert!(transcript.contains("/dev/null https://k8s-api.example.internal:6443/healthz\n"));
    vm.cleanup();
}
