//! What a booted node must show, read from its disk: cloud-init's verdict, the bundle's
//! markers, the node's preparation, the control plane's and worker's files, CRI-O's bridge
//! configs gone, the wait for the node, the token private, and the transcript of every
//! double called.

use super::*;

pub(crate) fn assert_cloud_init_ok(vm: &Vm) {
    let result = vm.read("/var/lib/cloud/data/result.json");
    let result: serde_yaml::Value = serde_yaml::from_str(&result).expect("result.json parses");
    let errors = &result["v1"]["errors"];
    vm.check(
        errors.as_sequence().is_some_and(|e| e.is_empty()),
        &format!("cloud-init reported errors in result.json: {errors:?}"),
    );
    let status = vm.read("/var/lib/cloud/data/status.json");
    let status: serde_yaml::Value = serde_yaml::from_str(&status).expect("status.json parses");
    for (stage, value) in status["v1"].as_mapping().expect("status.json has v1") {
        if let Some(errors) = value.get("errors") {
            vm.check(
                errors.as_sequence().is_some_and(|e| e.is_empty()),
                &format!("cloud-init stage {stage:?} reported errors: {errors:?}"),
            );
        }
    }
    let state = vm.state_section("cloud-init");
    vm.check(
        state.contains("status: done"),
        &format!("cloud-init status is not done:\n{state}"),
    );
}

/// cloud-init reports the failed first boot: the runcmd script (bootstrap.sh) exited
/// non-zero, so its scripts_user module failed, result.json lists the error (it persists
/// in /var/lib/cloud/data) and `cloud-init status` said `error` on that boot.
pub(crate) fn assert_cloud_init_failed(vm: &Vm) {
    let result = vm.read("/var/lib/cloud/data/result.json");
    let result: serde_yaml::Value = serde_yaml::from_str(&result).expect("result.json parses");
    let errors = format!("{:?}", result["v1"]["errors"]);
    vm.check(
        result["v1"]["errors"]
            .as_sequence()
            .is_some_and(|e| !e.is_empty())
            && (errors.contains("scripts-user") || errors.contains("scripts_user")),
        &format!("result.json names no scripts-user failure: {errors}"),
    );
    let state = vm.state_section("cloud-init");
    vm.check(
        state.contains("status: error"),
        &format!("cloud-init status is not error:\n{state}"),
    );
}

/// The serial console of the latest boot carries `line`, as written by the runner.
pub(crate) fn assert_console_line(vm: &Vm, line: &str) {
    vm.check(
        vm.console_text().contains(line),
        &format!("no `{line}` on the serial console"),
    );
}

/// The files the bundle's pki step installs, with their bytes: read from the rendered
/// `steps/NN-pki.sh`, each `write_file PATH MODE keep` here-document.
pub(crate) fn bundle_pki(scenario: &Scenario) -> Vec<(String, String)> {
    let prefix = format!("{}/steps/", scenario.role);
    let (_, step) = scenario
        .artifacts
        .iter()
        .find(|(path, _)| path.starts_with(&prefix) && path.ends_with("-pki.sh"))
        .expect("a pki step");
    let text = String::from_utf8(step.bytes.clone()).unwrap();
    let mut files = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix("write_file /etc/kubernetes/pki/") else {
            continue;
        };
        let path = format!("/etc/kubernetes/pki/{}", rest.split(' ').next().unwrap());
        let body: Vec<&str> = lines
            .by_ref()
            .take_while(|l| *l != "KUBEPRINT_EOF")
            .collect();
        files.push((path, body.join("\n") + "\n"));
    }
    assert!(files.len() >= 2, "no PKI files found in the pki step");
    files
}

/// The bundle finished: every step marked, `complete` there, no `failed`.
pub(crate) fn assert_bundle_complete(vm: &Vm, scenario: &Scenario) {
    let mut steps: BTreeSet<String> = scenario.steps().into_iter().collect();
    assert!(steps.len() >= 7, "too few steps rendered: {steps:?}");
    // bootstrap.sh's own first step, which has no file under steps/.
    steps.insert("00-os-check".to_string());
    let done = vm.list("/var/lib/kubeprint/done");
    vm.check(
        done == steps,
        &format!("done markers {done:?}, expected {steps:?}"),
    );
    vm.check(
        vm.exists("/var/lib/kubeprint/complete"),
        "/var/lib/kubeprint/complete is missing",
    );
    vm.check(
        !vm.exists("/var/lib/kubeprint/failed"),
        "/var/lib/kubeprint/failed exists",
    );
    assert_eq!(
        vm.stat("/var/lib/kubeprint").0,
        0o700,
        "state directory mode"
    );
}

/// Swap, kernel modules, sysctls and the stand-in units, as the node ends its boot.
pub(crate) fn assert_node_prepared(vm: &Vm) {
    assert_node_prepared_for(vm, "crio", "cri-o");
}

/// The same, for a node whose runtime unit is `unit` from the apt repository `repo`.
pub(crate) fn assert_node_prepared_for(vm: &Vm, unit: &str, repo: &str) {
    let modules = vm.state_section("lsmod");
    for module in ["overlay", "br_netfilter"] {
        vm.check(
            modules.lines().any(|l| l == module),
            &format!("module {module} not loaded:\n{modules}"),
        );
    }
    let loaded_at_boot = vm.read("/etc/modules-load.d/crio.conf");
    assert!(
        loaded_at_boot.lines().any(|l| l == "overlay")
            && loaded_at_boot.lines().any(|l| l == "br_netfilter")
    );
    let sysctls = vm.state_section("sysctl");
    for key in [
        "net.bridge.bridge-nf-call-iptables",
        "net.bridge.bridge-nf-call-ip6tables",
        "net.ipv4.ip_forward",
    ] {
        vm.check(
            sysctls.contains(&format!("{key} = 1\n")),
            &format!("{key} is not 1:\n{sysctls}"),
        );
    }
    let swaps = vm.state_section("swaps");
    vm.check(
        swaps.trim().is_empty(),
        &format!("swap is still active:\n{swaps}"),
    );
    let fstab = vm.read("/etc/fstab");
    assert!(
        fstab.lines().any(|l| l == "#/swapfile none swap sw 0 0"),
        "swap not commented out:\n{fstab}"
    );
    assert!(
        !fstab
            .lines()
            .any(|l| !l.trim_start().starts_with('#') && l.contains(" swap ")),
        "an active swap line is left in /etc/fstab:\n{fstab}"
    );
    assert_eq!(
        vm.read("/etc/fstab.kubeprint.orig"),
        FSTAB,
        "the original fstab is kept"
    );
    let units = vm.state_section("units");
    vm.check(
        units.contains(&format!("{unit} enabled active\n")),
        &format!("{unit} is not enabled and running:\n{units}"),
    );
    vm.check(
        units.contains("kubelet enabled "),
        &format!("kubelet is not enabled:\n{units}"),
    );
    for repo in [repo, "kubernetes"] {
        assert_eq!(
            vm.stat(&format!("/etc/apt/keyrings/{repo}-apt-keyring.gpg"))
                .0,
            0o644
        );
    }
}

pub(crate) fn assert_control_plane(vm: &Vm, scenario: &Scenario) {
    let (mode, uid, _) = vm.stat("/etc/kubernetes/pki/ca.key");
    assert_eq!((mode, uid), (0o600, 0), "ca.key mode/owner");
    // Every private key the bundle placed (CAs, service-account key) is root-only.
    for dir in ["/etc/kubernetes/pki", "/etc/kubernetes/pki/etcd"] {
        for name in vm.list(dir).iter().filter(|n| n.ends_with(".key")) {
            let path = format!("{dir}/{name}");
            assert_eq!(vm.stat(&path), (0o600, 0, 0), "{path} mode/owner");
        }
    }
    assert_eq!(
        vm.read("/etc/kubernetes/pki/ca.crt").trim(),
        common::fixture_ca_certificate().trim()
    );
    assert_eq!(vm.stat("/etc/kubernetes/pki/ca.crt").0, 0o644);
    // Complete: the configuration, which holds the token, is gone; the double kept
    // what kubeadm init got.
    vm.check(
        !vm.exists("/etc/kubeprint/kubeadm-init.yaml"),
        "kubeadm-init.yaml is left on a complete node",
    );
    let config = vm.read("/var/log/e2e/recorded/kubeadm-init.yaml");
    assert!(
        config.contains(common::fixture_token().as_str()),
        "token in:\n{config}"
    );
    assert!(
        config.contains(&format!("name: '{}'\n", scenario.hostname)),
        "node name in:\n{config}"
    );
    assert!(!config.contains("KUBEPRINT_NODE_NAME"));
    // The admin user's kubeconfig, owned by that user.
    let admin = scenario.admin_user;
    let passwd = vm.read("/etc/passwd");
    let uid: u32 = passwd
        .lines()
        .find(|l| l.starts_with(&format!("{admin}:")))
        .and_then(|l| l.split(':').nth(2)?.parse().ok())
        .expect("admin user in /etc/passwd");
    let home = format!("/home/{admin}");
    assert_eq!(vm.stat(&format!("{home}/.kube")), (0o700, uid, uid));
    assert_eq!(vm.stat(&format!("{home}/.kube/config")), (0o600, uid, uid));
    // The CNI manifest kubectl applied: the pinned upstream bytes (the node checked their
    // sha256), with the pod subnet written in where the plugin needs it.
    let cni = &scenario.cni;
    let applied = vm.read("/var/log/e2e/recorded/kubectl-applied.yaml");
    if let Some(diff) = first_difference(&cni.expected(), &applied) {
        panic!(
            "{}: the applied {} manifest is not {} with {:?}: {diff}",
            vm.name, cni.plugin, cni.download, cni.rewrites
        );
    }
    assert!(
        vm.read(&format!("/etc/kubeprint/cni/{}.yaml", cni.plugin)) == applied,
        "kubectl applied /etc/kubeprint/cni/{}.yaml",
        cni.plugin
    );
}

/// The first line where `actual` differs from `expected`, if any.
pub(crate) fn first_difference(expected: &str, actual: &str) -> Option<String> {
    if expected == actual {
        return None;
    }
    let mut lines = expected.split('\n').zip(actual.split('\n')).enumerate();
    Some(match lines.find(|(_, (e, a))| e != a) {
        Some((i, (e, a))) => format!("line {}: expected {e:?}, got {a:?}", i + 1),
        None => format!(
            "{} lines expected, {} got",
            expected.lines().count(),
            actual.lines().count()
        ),
    })
}

pub(crate) fn assert_worker(vm: &Vm) {
    let secrets = common::fixture_secrets();
    assert!(
        !vm.exists("/etc/kubernetes/pki/ca.key"),
        "a worker must never get the CA key"
    );
    vm.check(
        !vm.exists("/etc/kubeprint/kubeadm-join.yaml"),
        "kubeadm-join.yaml is left on a complete node",
    );
    let config = vm.read("/var/log/e2e/recorded/kubeadm-join.yaml");
    assert!(
        config.contains(&format!("token: {}\n", common::fixture_token().as_str())),
        "{config}"
    );
    assert!(secrets.ca_cert_hash.starts_with("sha256:") && secrets.ca_cert_hash.len() == 7 + 64);
    assert!(
        config.contains(&format!("- {}\n", secrets.ca_cert_hash)),
        "CA hash in:\n{config}"
    );
    assert!(vm.exists("/etc/kubernetes/kubelet.conf"));
}

pub(crate) fn assert_transcript(vm: &Vm, scenario: &str) -> String {
    let transcript = vm.transcript();
    settings().bind(|| insta::assert_snapshot!(format!("{scenario}__transcript"), transcript));
    // The package lists are fetched at most twice per node, however many steps install
    // packages: before installing what adding repositories needs, and once after adding
    // them all.
    let updates = count(&transcript, "apt-get -o DPkg::Lock::Timeout=600 update");
    vm.check(
        (1..=2).contains(&updates),
        &format!("{updates} apt-get updates:\n{transcript}"),
    );
    transcript
}

pub(crate) fn count(transcript: &str, prefix: &str) -> usize {
    transcript.lines().filter(|l| l.starts_with(prefix)).count()
}

/// The bridge network configs CRI-O's package put in /etc/cni/net.d: the package double
/// installs what the real package installs (its file list in dpkg's database), and none
/// of them is left for CRI-O to load; on a control plane, none was there when the CNI
/// manifest was applied.
pub(crate) fn assert_crio_bridge_removed(vm: &Vm, role: &str) {
    let files = vm.read("/var/lib/dpkg/info/cri-o.list");
    let loaded = |name: &str| {
        name.contains("crio")
            && [".conf", ".conflist", ".json"]
                .iter()
                .any(|e| name.ends_with(e))
    };
    let shipped: Vec<&str> = files
        .lines()
        .filter_map(|l| l.strip_prefix("/etc/cni/net.d/"))
        .collect();
    vm.check(
        !shipped.is_empty(),
        &format!("the cri-o package installed no CNI config:\n{files}"),
    );
    let left = vm.list("/etc/cni/net.d");
    vm.check(
        !left.iter().any(|n| loaded(n)),
        &format!(
            "CRI-O's bridge config is left in /etc/cni/net.d: {left:?} (package: {shipped:?})"
        ),
    );
    if role == "control-plane" {
        let at_cni = vm.read("/var/log/e2e/recorded/net.d-at-cni.txt");
        vm.check(
            !at_cni.lines().any(loaded),
            &format!("CRI-O's bridge config was there when the CNI was applied:\n{at_cni}"),
        );
    }
}

/// The bootstrap token is in no world-readable file on the node, not on the serial
/// console and not in the journal (the harness searched the running node: state section
/// `token`).
pub(crate) fn assert_token_private(vm: &Vm) {
    let token = common::fixture_token();
    let token = token.as_str();
    let state = vm.state_section("token");
    vm.check(
        state.starts_with("known\n"),
        &format!("the harness found no token:\n{state}"),
    );
    let readable: Vec<&str> = state
        .lines()
        .filter(|l| l.starts_with("world-readable: "))
        .collect();
    vm.check(
        readable.is_empty(),
        &format!("the token is in world-readable files: {readable:?}"),
    );
    vm.check(
        state.contains("journal: 0\n"),
        &format!("the token is in the journal:\n{state}"),
    );
    for boot in 1..=vm.boots {
        let console = fs::read(vm.dir.join(format!("console-{boot}.log"))).unwrap_or_default();
        let console = String::from_utf8_lossy(&console);
        vm.check(
            !console.contains(token),
            &format!("the token is on the serial console of boot {boot}"),
        );
    }
}

/// The bundle's last step waited for this node, asking with the role's own kubeconfig:
/// the kubectl double has no Node on its first query and reports it NotReady on the next
/// two, so a control plane (which waits for Ready) asks four times and a worker (which
/// waits for its Node object, with the kubelet's kubelet.conf) twice.
pub(crate) fn assert_node_waited(vm: &Vm, scenario: &Scenario) {
    let (kubeconfig, state, queries) = match scenario.role {
        "control-plane" => ("admin.conf", "Ready", 4),
        _ => ("kubelet.conf", "registered", 2),
    };
    // The Ready condition's query only: later queries of the same Node (an upgrade's
    // cordon and kubelet-version checks) are not the bootstrap's wait.
    let query = format!(
        "kubectl --kubeconfig /etc/kubernetes/{kubeconfig} get node {} -o jsonpath={{.status.conditions[?(@.type==\"Ready\")].status}}",
        scenario.hostname
    );
    let transcript = vm.transcript();
    vm.check(
        count(&transcript, &query) == queries,
        &format!("not {queries} times `{query}`:\n{transcript}"),
    );
    let log = vm.read("/var/log/kubeprint-bootstrap.log");
    let done = format!("node {} is {state}\n", scenario.hostname);
    vm.check(log.contains(&done), &format!("no `{done}` in:\n{log}"));
}

/// Boots a fresh node of `scenario` once and checks everything a finished node shows.
pub(crate) fn boot_finished_node(scenario: &Scenario) -> Vm {
    let mut vm = scenario.build_image();
    vm.boot();
    assert_cloud_init_ok(&vm);
    assert_console_line(&vm, "kubeprint: bootstrap complete");
    assert_bundle_complete(&vm, scenario);
    let containerd = scenario.steps().iter().any(|s| s.ends_with("-containerd"));
    if containerd {
        assert_node_prepared_for(&vm, "containerd", "containerd");
    } else {
        assert_node_prepared(&vm);
    }
    if scenario.role == "control-plane" {
        assert_control_plane(&vm, scenario);
    } else {
        assert_worker(&vm);
    }
    if !containerd {
        assert_crio_bridge_removed(&vm, scenario.role);
    }
    assert_node_waited(&vm, scenario);
    // Last: this fails while the bundle lets kubeadm print the token to the console.
    assert_token_private(&vm);
    vm
}
