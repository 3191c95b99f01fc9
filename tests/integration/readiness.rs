//! What `complete` means on a node: the bundle's last kubeadm-side step waits, bounded,
//! until the API server reports the node Ready (control planes with a pod network) or
//! has its Node object (workers, with the kubelet's own kubeconfig; control planes
//! without a CNI). The rendered `bootstrap.sh` runs with every other step faked and a
//! kubectl stand-in that answers as kubectl does: it loops, times out naming where to
//! look, leaves the failure marker, and a re-run waits again.

use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Output};

use crate::common;
use crate::quiet::harness_keeping;

/// kubectl as the step calls it: `--kubeconfig FILE get node NAME -o jsonpath=...Ready...`.
/// It fails like kubectl when FILE does not exist, answers NotFound for the first
/// `$MISSING` queries, the Ready condition's status False for the next `$NOT_READY`, then
/// True. Every call is appended to `$STUB_DIR/kubectl.calls`.
const KUBECTL: &str = r#"#!/bin/bash
echo "$*" >>"$STUB_DIR/kubectl.calls"
[ "$1" = --kubeconfig ] && [ "$3 $4" = "get node" ] && [ "$6" = -o ] && [ $# -eq 7 ] &&
  [ "$7" = 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' ] || { echo "unexpected: $*" >&2; exit 2; }
[ -f "$2" ] || { echo "error: stat $2: no such file or directory" >&2; exit 1; }
n=$(grep -c . "$STUB_DIR/kubectl.calls")
[ "$n" -gt "$MISSING" ] || { echo "Error from server (NotFound): nodes \"$5\" not found" >&2; exit 1; }
if [ "$n" -gt $((MISSING + NOT_READY)) ]; then printf True; else printf False; fi
"#;

/// A definition with one control plane and `cni`.
fn definition(cni: &str) -> String {
    format!(
        "name: lab\nos: ubuntu-24.04\nkubernetes:\n  version: \"1.36.4\"\n  endpoint: 10.0.1.10:6443\ncni:\n  plugin: {cni}\n"
    )
}

/// A node laid out in a temporary directory: the role's bundle with only its
/// wait-for-node step real, /etc/kubernetes under the directory, and stand-ins for
/// kubectl, `hostname` (`Node-1`, which the bundle lowercases) and `sleep` on PATH.
struct Node {
    dir: tempfile::TempDir,
    step: String,
}

impl Node {
    fn new(definition: &str, role: &str) -> Node {
        let artifacts = common::render_text(definition, "readiness.yaml");
        let bundle = common::text(&artifacts, &format!("{role}/bootstrap.sh"));
        let step = bundle
            .lines()
            .filter_map(|l| l.strip_prefix("run_step "))
            .map(|call| call.split(' ').next().unwrap().to_string())
            .find(|id| id.ends_with("-wait-for-node"))
            .expect("a wait-for-node step");
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let script = harness_keeping(&bundle, d, &["wait-for-node"]).replace(
            "/etc/kubernetes/",
            &format!("{}/etc-kubernetes/", d.display()),
        );
        std::fs::write(d.join("bootstrap.sh"), script).unwrap();
        std::fs::create_dir_all(d.join("bin")).unwrap();
        std::fs::create_dir_all(d.join("etc-kubernetes")).unwrap();
        for (name, text) in [
            ("kubectl", KUBECTL),
            ("hostname", "#!/bin/sh\necho Node-1\n"),
            ("sleep", "#!/bin/sh\necho \"$*\" >>\"$STUB_DIR/sleeps\"\n"),
        ] {
            let path = d.join("bin").join(name);
            std::fs::write(&path, text).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        Node { dir, step }
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    /// Gives the node a kubeconfig kubeadm would have written (`admin.conf`, `kubelet.conf`).
    fn kubeconfig(&self, name: &str) {
        std::fs::write(self.path("etc-kubernetes").join(name), "apiVersion: v1\n").unwrap();
    }

    /// Runs the bundle with the kubectl stand-in's answers; clears its call log first.
    fn run(&self, missing: u32, not_ready: u32) -> (Output, String) {
        let d = self.dir.path();
        let _ = std::fs::remove_file(d.join("kubectl.calls"));
        let _ = std::fs::remove_file(d.join("sleeps"));
        let path = format!(
            "{}:{}",
            d.join("bin").display(),
            std::env::var("PATH").unwrap()
        );
        let out = Command::new("bash")
            .arg(d.join("bootstrap.sh"))
            .env("PATH", path)
            .env("STUB_DIR", d)
            .env("MISSING", missing.to_string())
            .env("NOT_READY", not_ready.to_string())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        (out, text)
    }

    /// The kubectl calls of the last run.
    fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(self.path("kubectl.calls"))
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(name)).unwrap_or_default()
    }
}

/// The query the step makes with `kubeconfig`, as kubectl's arguments.
fn query(node: &Node, kubeconfig: &str) -> String {
    format!(
        "--kubeconfig {}/etc-kubernetes/{kubeconfig} get node node-1 -o jsonpath={{.status.conditions[?(@.type==\"Ready\")].status}}",
        node.dir.path().display()
    )
}

#[test]
fn a_control_plane_is_complete_once_its_node_is_ready() {
    let node = Node::new(&definition("calico"), "control-plane");
    node.kubeconfig("admin.conf");
    let (out, text) = node.run(1, 3);
    assert!(out.status.success(), "{text}");
    // Not there, NotReady three times, Ready: five queries with admin.conf, four pauses.
    assert_eq!(node.calls(), vec![query(&node, "admin.conf"); 5], "{text}");
    assert_eq!(node.read("sleeps"), "10\n".repeat(4));
    for line in [
        "retrying in 10s (1/61): node_is node-1 ",
        "retrying in 10s (4/61): node_is node-1 ",
        "node node-1 is Ready",
        "all steps done",
    ] {
        assert!(text.contains(line), "no `{line}` in:\n{text}");
    }
    assert!(node.path("state/complete").exists(), "{text}");
    assert!(node.path(&format!("state/done/{}", node.step)).exists());
    // kubectl's complaint goes to the root-only log, not the console.
    let log = node.read("bootstrap.log");
    assert!(log.contains("Error from server (NotFound)"), "{log}");
    assert!(!text.contains("Error from server"), "{text}");
}

#[test]
fn a_node_that_never_gets_ready_stops_the_bundle_and_a_re_run_waits_again() {
    let node = Node::new(&definition("calico"), "control-plane");
    node.kubeconfig("admin.conf");
    let (out, text) = node.run(0, 1000);
    assert!(!out.status.success(), "{text}");
    assert_eq!(node.calls().len(), 61, "{text}");
    let message = "error: node node-1 is not Ready after 600s: see the kubelet's journal (journalctl -u kubelet) and the pod network's pods (kubectl -n kube-system get pods -o wide)";
    assert!(text.contains(message), "no `{message}` in:\n{text}");
    let step = &node.step;
    assert_eq!(node.read("state/failed"), format!("step={step}\nexit=1\n"));
    assert!(!node.path(&format!("state/done/{step}")).exists());
    assert!(!node.path("state/complete").exists());
    assert_eq!(
        node.read("console"),
        format!(
            "kubeprint: bootstrap failed at step {step} (exit 1); see {}\n",
            node.path("bootstrap.log").display()
        )
    );

    // Run again once the node is Ready: the step is not skipped, it asks again.
    let (out, text) = node.run(0, 0);
    assert!(out.status.success(), "{text}");
    assert_eq!(node.calls(), vec![query(&node, "admin.conf")], "{text}");
    assert!(
        text.contains(&format!("step {step}: starting")) && text.contains("node node-1 is Ready"),
        "{text}"
    );
    assert!(node.path("state/complete").exists() && !node.path("state/failed").exists());
}

#[test]
fn a_worker_waits_for_its_node_object_with_the_kubelets_credentials() {
    let node = Node::new(&definition("calico"), "worker");
    // No admin.conf on a worker: only kubeadm join's kubelet.conf.
    node.kubeconfig("kubelet.conf");
    let (out, text) = node.run(2, 1000);
    assert!(out.status.success(), "{text}");
    // Registered (NotReady is enough) on the third query.
    assert_eq!(
        node.calls(),
        vec![query(&node, "kubelet.conf"); 3],
        "{text}"
    );
    assert!(text.contains("node node-1 is registered"), "{text}");
    assert!(node.path("state/complete").exists());

    // Without kubelet.conf (kubeadm join never finished) kubectl fails every time, and
    // the message names the kubelet only: a worker has no admin credentials to list pods.
    let node = Node::new(&definition("calico"), "worker");
    let (out, text) = node.run(0, 0);
    assert!(!out.status.success(), "{text}");
    assert_eq!(node.calls().len(), 61);
    assert!(
        text.contains("error: node node-1 is not registered after 600s: see the kubelet's journal (journalctl -u kubelet)\n"),
        "{text}"
    );
    assert!(
        node.read("bootstrap.log")
            .contains("no such file or directory")
    );
}

/// Without a pod network the node cannot get Ready: the control plane waits for its Node
/// object only, and completes while it is NotReady.
#[test]
fn a_control_plane_without_a_cni_waits_for_its_node_object_only() {
    let node = Node::new(&definition("none"), "control-plane");
    node.kubeconfig("admin.conf");
    let (out, text) = node.run(1, 1000);
    assert!(out.status.success(), "{text}");
    assert_eq!(node.calls(), vec![query(&node, "admin.conf"); 2], "{text}");
    assert!(text.contains("node node-1 is registered"), "{text}");
}

/// Every role of every bundle ends its kubeprint steps with the wait (only the user's
/// commands.post come after it), and an inventory node waits under its listed name.
#[test]
fn every_bundle_ends_with_the_wait_under_the_name_kubeadm_registers() {
    let artifacts = common::render_default();
    for role in ["control-plane", "worker"] {
        let bundle = common::text(&artifacts, &format!("{role}/bootstrap.sh"));
        let last = bundle
            .lines()
            .rfind(|l| l.starts_with("run_step "))
            .unwrap();
        assert!(last.contains("-wait-for-node "), "{role}: {last}");
    }
    let inventory =
        std::fs::read_to_string(common::root().join("examples/inventory-debian-12-1.36.yaml"))
            .unwrap();
    let artifacts = common::render_text(&inventory, "inventory.yaml");
    let waits: Vec<&String> = artifacts
        .keys()
        .filter(|p| p.starts_with("nodes/") && p.ends_with("-wait-for-node.sh"))
        .collect();
    assert!(waits.len() >= 2, "{waits:?}");
    for path in waits {
        let name = path.split('/').nth(1).unwrap();
        let step = common::text(&artifacts, path);
        assert!(
            step.contains(&format!("\nnode_name='{name}'\n")),
            "{path}:\n{step}"
        );
    }
}
