//! containerd as the runtime: a worker on Debian 12 whose containerd step writes the
//! configuration that bookworm's real containerd (1.6.20) then runs with.

use super::*;

/// The rendered `config.toml` (version 2: containerd 1.6.39 is pinned) is what the real
/// daemon reads: `containerd config dump` shows runc's systemd cgroups, the pinned pause
/// sandbox and the hosts directory; the daemon logged the same CRI settings when it
/// started, its CRI plugin is up, and `ctr version` answers on the socket kubeadm got.
#[test]
#[ignore = "boots VMs: cargo test --release --test e2e -- --ignored"]
fn containerd_worker() {
    let scenario = containerd_scenario("containerd-worker", "worker", "e2e-worker-1");
    let vm = boot_finished_node(&scenario);
    let transcript = assert_transcript(&vm, scenario.name);
    assert!(
        transcript
            .contains("apt-get -o DPkg::Lock::Timeout=600 install -y containerd.io=1.6.39-*\n")
    );
    assert!(transcript.contains("apt-mark hold containerd.io\n"));
    assert!(!transcript.contains("cri-o"), "{transcript}");
    let config = vm.read("/etc/containerd/config.toml");
    assert!(config.contains("\nversion = 2\n"), "{config}");
    // The package's own file is kept once, not overwritten unseen.
    let shipped = vm.read("/etc/containerd/config.toml.kubeprint.orig");
    assert!(!shipped.contains("Written by kubeprint"), "{shipped}");
    let sandbox = "registry.k8s.io/pause:3.10";
    let version = vm.state_section("containerd");
    vm.check(
        version.contains(" 1.6.20"),
        &format!("not Debian 12's containerd 1.6.20:\n{version}"),
    );
    let dump = vm.state_section("containerd config dump");
    for line in [
        "version = 2".to_string(),
        "SystemdCgroup = true".to_string(),
        format!("sandbox_image = \"{sandbox}\""),
        "config_path = \"/etc/containerd/certs.d\"".to_string(),
    ] {
        vm.check(
            dump.lines().any(|l| l.trim() == line),
            &format!("`{line}` not in containerd config dump:\n{dump}"),
        );
    }
    vm.check(
        !dump
            .lines()
            .any(|l| l.trim().starts_with("disabled_plugins = [\"")),
        &format!("a plugin is disabled:\n{dump}"),
    );
    let started = vm.state_section("containerd cri start");
    // (runc's options map; the legacy top-level `SystemdCgroup:false` is the v1 shim's.)
    let runc = "Options:map[SystemdCgroup:true]".to_string();
    for want in [format!("SandboxImage:{sandbox}"), runc] {
        vm.check(
            started.lines().any(|l| l == want),
            &format!("the running daemon's CRI config lacks {want}:\n{started}"),
        );
    }
    let ctr = vm.state_section("ctr version");
    vm.check(
        ctr.contains("Server:") && ctr.contains("1.6.20"),
        &format!("ctr version got no server answer:\n{ctr}"),
    );
    let plugins = vm.state_section("ctr plugins");
    vm.check(
        plugins.lines().any(|l| l == "io.containerd.grpc.v1 cri ok"),
        &format!("the CRI plugin is not up:\n{plugins}"),
    );
    // What the daemon reported, for the log of this run.
    for section in [
        "containerd",
        "containerd cri start",
        "ctr version",
        "ctr plugins",
    ] {
        eprintln!("## {section}\n{}", vm.state_section(section));
    }
    let join = vm.read("/var/log/e2e/recorded/kubeadm-join.yaml");
    assert!(
        join.contains("criSocket: unix:///run/containerd/containerd.sock\n"),
        "{join}"
    );
    vm.cleanup();
}
