//! `kubeprint remove --node NAME` through the binary: the admin side (drain, delete) and
//! the node side (`kubeadm reset` once cordoned), in the order kubeadm gives, with no
//! secret in any of it, and the refusals.

use std::fs;

use crate::common::{self, kubeprint};

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn dir_with_secrets() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::fixture_secrets_at(dir.path(), "secrets.yaml");
    dir
}

#[test]
fn removing_a_stacked_control_plane_of_an_inventory() {
    let dir = dir_with_secrets();
    let cluster = common::root().join("examples/inventory-debian-12-1.36.yaml");
    let cluster = cluster.to_str().unwrap();
    let o = kubeprint(
        dir.path(),
        &["remove", "-q", "--node", "cp-2", "-c", cluster, "-o", "rm"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let rm = dir.path().join("rm");
    let node = fs::read_to_string(rm.join("cp-2/remove.sh")).unwrap();
    let at = |n: &str| node.find(n).unwrap_or_else(|| panic!("`{n}` missing"));
    assert!(at("jsonpath='{.spec.unschedulable}'") < at("kubeadm reset -f"));
    assert!(node.contains("node_name='cp-2'"));
    assert!(!node.contains("admin.conf get"));
    let readme = fs::read_to_string(rm.join("README.md")).unwrap();
    assert!(readme.contains("also leaves etcd"), "{readme}");
    let drain = fs::read_to_string(rm.join("admin/drain.sh")).unwrap();
    assert!(drain.contains("kubectl drain cp-2 --ignore-daemonsets"));
    let delete = fs::read_to_string(rm.join("admin/delete.sh")).unwrap();
    assert!(
        delete.find("is still Ready").unwrap() < delete.find("kubectl delete node cp-2").unwrap()
    );
    // Nothing secret: the token and every private key of the fixture stay out.
    let token = common::fixture_token();
    let scripts: Vec<String> = common::walk(&rm)
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| {
            let text = fs::read_to_string(&p).unwrap();
            assert!(
                !text.contains(&token) && !text.contains("PRIVATE KEY"),
                "{}",
                p.display()
            );
            p.display().to_string()
        })
        .filter(|p| p.ends_with(".sh"))
        .collect();
    assert_eq!(scripts.len(), 5);
    for s in &scripts {
        common::run_ok("bash", &["-n", s], &rm);
    }
    if common::require_tool("shellcheck") {
        let mut args = vec!["-S", "warning"];
        args.extend(scripts.iter().map(String::as_str));
        common::run_ok("shellcheck", &args, &rm);
    }
}

#[test]
fn refusals_leave_nothing_behind() {
    let dir = dir_with_secrets();
    let inventory = common::root().join("examples/inventory-debian-12-1.36.yaml");
    let single = common::root().join("examples/ubuntu-24.04-1.36-calico.yaml");
    for (cluster, args, expected) in [
        (&inventory, vec!["--node", "nope"], "lists no node `nope`"),
        (
            &inventory,
            vec!["--node", "worker-a", "--control-plane"],
            "as a worker",
        ),
        (
            &single,
            vec!["--node", "cp", "--control-plane"],
            "the only control plane",
        ),
        (
            &single,
            vec!["--node", "Bad_Name"],
            "not a Kubernetes node name",
        ),
    ] {
        let mut all = vec!["remove", "-c", cluster.to_str().unwrap(), "-o", "rm"];
        all.extend(args);
        let o = kubeprint(dir.path(), &all);
        assert_eq!(o.status.code(), Some(1), "{all:?}");
        assert!(stderr(&o).contains(expected), "{all:?}: {}", stderr(&o));
        assert!(!dir.path().join("rm").exists());
    }
}
