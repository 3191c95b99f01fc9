//! End-to-end, the day-one options together: a proxy, a kube-vip VIP, encryption at
//! rest, an audit log, ssh keys, a file for workers only and pre/post commands, on a
//! control plane and a worker of one cluster (Debian 12, Kubernetes 1.36, flannel).
//! Together they make the control plane's bundle too large for inline user-data even
//! gzipped, so the cluster fetches its bundles (`delivery: url`, from the double of
//! `delivery.rs`), as such a cluster must. The doubles stand in for the network as in
//! every scenario; what is checked is what the steps leave on the machine: the
//! drop-ins, the files with their modes, where the encryption key is (and is not), and
//! the order the user's commands ran in.

use super::*;

const OPTIONS: &str = r#"name: options
os: debian-12
kubernetes:
  version: 1.36.4
  endpoint: 10.0.2.100:6443
  encryption_at_rest: true
  audit_log: true
  vip: {address: 10.0.2.100, interface: eth0}
cni:
  plugin: flannel
admin_user: ubuntu
proxy:
  http: http://proxy.e2e.internal:3128
  no_proxy: [10.0.2.0/24, .e2e.internal]
delivery: {mode: url, url: 'https://artifacts.e2e.internal/k8s', url_access: private}
ssh_authorized_keys:
  - ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIyYWWJV6cIMZIHN81tJ7pk+IV2I/zPP4+sx04UkU2D6 ops@example
files:
  - path: /etc/e2e-extra/worker.conf
    content: "role = worker\n"
    permissions: "0640"
    roles: [worker]
commands:
  pre: ["echo pre >> /var/log/e2e/order"]
  post: ["echo post >> /var/log/e2e/order"]
"#;

fn options_scenario(name: &'static str, role: &'static str, hostname: &'static str) -> Scenario {
    let artifacts = common::render_text(OPTIONS, "options.yaml");
    let payload = artifacts[&format!("{role}/bootstrap.sh")].bytes.clone();
    Scenario {
        artifacts,
        cni: CniManifest {
            plugin: "flannel",
            download: "flannel-io-flannel-v0.28.9-Documentation-kube-flannel.yml.gz",
            rewrites: &[],
        },
        extra: super::delivery::doubles(&[], &[(format!("k8s/{role}/payload"), payload)]),
        ..default_scenario(name, role, hostname)
    }
}

/// What every role gets: the proxy drop-ins, the ssh key, the commands in order.
fn assert_common(vm: &Vm) {
    let apt = vm.read("/etc/apt/apt.conf.d/90kubeprint-proxy");
    assert!(apt.contains("http://proxy.e2e.internal:3128"), "{apt}");
    for unit in ["crio", "kubelet"] {
        let dropin = vm.read(&format!(
            "/etc/systemd/system/{unit}.service.d/http-proxy.conf"
        ));
        assert!(
            dropin.contains("HTTP_PROXY=http://proxy.e2e.internal:3128"),
            "{unit}: {dropin}"
        );
        assert!(
            dropin.contains("10.0.2.0/24") && dropin.contains("169.254.169.254"),
            "{unit}: {dropin}"
        );
    }
    let keys = vm.read("/home/ubuntu/.ssh/authorized_keys");
    assert!(keys.contains("ops@example"), "{keys}");
    assert_eq!(
        vm.read("/var/log/e2e/order"),
        "pre\npost\n",
        "commands.pre, then commands.post, once each"
    );
}

#[test]
#[ignore = "boots VMs: cargo test --release --test e2e -- --ignored"]
fn options_control_plane() {
    let scenario = options_scenario("options-control-plane", "control-plane", "e2e-opt-cp");
    let vm = boot_finished_node(&scenario);
    assert_common(&vm);
    assert_eq!(vm.stat("/etc/kubernetes/enc/enc.yaml").0, 0o600);
    assert!(
        vm.read("/etc/kubernetes/enc/enc.yaml")
            .contains("secretbox")
    );
    assert!(vm.exists("/etc/kubernetes/audit-policy.yaml"));
    let vip = vm.read("/etc/kubernetes/manifests/kube-vip.yaml");
    assert!(
        vip.contains("10.0.2.100") && vip.contains("/etc/kubernetes/admin.conf"),
        "{vip}"
    );
    assert!(
        !vip.contains("super-admin.conf"),
        "kube-vip is back on admin.conf after init"
    );
    vm.check(
        !vm.exists("/etc/e2e-extra/worker.conf"),
        "a worker-only file is on a control plane",
    );
    vm.cleanup();
}

#[test]
#[ignore = "boots VMs: cargo test --release --test e2e -- --ignored"]
fn options_worker() {
    let scenario = options_scenario("options-worker", "worker", "e2e-opt-worker");
    let vm = boot_finished_node(&scenario);
    assert_common(&vm);
    assert_eq!(vm.read("/etc/e2e-extra/worker.conf"), "role = worker\n");
    assert_eq!(vm.stat("/etc/e2e-extra/worker.conf").0, 0o640);
    for absent in [
        "/etc/kubernetes/enc/enc.yaml",
        "/etc/kubernetes/audit-policy.yaml",
        "/etc/kubernetes/manifests/kube-vip.yaml",
    ] {
        vm.check(!vm.exists(absent), &format!("{absent} is on a worker"));
    }
    vm.cleanup();
}
