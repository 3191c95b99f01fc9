//! `kubeprint upgrade` through the binary: the refusals, the bundles' order and
//! versions, shell validity, and one golden upgrade tree per kubeadm API boundary
//! (`snapshots/upgrade-*`), with the fixture's token masked as `render --redact` masks it.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common::{self, kubeprint};

/// A directory with the fixture secrets, the old tree rendered from `base` at `from`, and
/// `new.yaml` at `to`.
fn setup(base: &str, example_version: &str, from: &str, to: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::fixture_secrets_at(dir.path(), "secrets.yaml");
    let text = fs::read_to_string(common::root().join("examples").join(base)).unwrap();
    assert!(text.contains(example_version), "{base}");
    fs::write(
        dir.path().join("old.yaml"),
        text.replace(example_version, from),
    )
    .unwrap();
    fs::write(
        dir.path().join("new.yaml"),
        text.replace(example_version, to),
    )
    .unwrap();
    let o = kubeprint(dir.path(), &["render", "-q", "-c", "old.yaml", "-o", "old"]);
    assert!(o.status.success(), "{}", stderr(&o));
    dir
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn upgrade(dir: &Path, definition: &str) -> std::process::Output {
    kubeprint(
        dir,
        &[
            "upgrade", "-q", "--from", "old", "-c", definition, "-o", "up",
        ],
    )
}

/// Every file of a tree, relative path → bytes.
fn files(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = common::walk(root)
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| {
            let rel = p.strip_prefix(root).unwrap().display().to_string();
            (rel, fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

fn check_shell(root: &Path) {
    let scripts: Vec<String> = files(root)
        .into_iter()
        .filter(|(p, _)| p.ends_with(".sh"))
        .map(|(p, _)| root.join(p).display().to_string())
        .collect();
    assert!(scripts.len() > 10);
    for s in &scripts {
        common::run_ok("bash", &["-n", s], root);
    }
    if common::require_tool("shellcheck") {
        let mut args = vec!["-S", "warning"];
        args.extend(scripts.iter().map(String::as_str));
        common::run_ok("shellcheck", &args, root);
    }
}

fn snapshot(scenario: &str, root: &Path) {
    let token = common::fixture_token();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(common::root().join("snapshots").join(scenario));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for (path, bytes) in files(root) {
            let text = String::from_utf8(bytes).unwrap();
            assert!(!text.contains("PRIVATE KEY"), "{path} holds a key");
            // As `render --redact` writes it; SHA256SUMS and manifest.json hash the
            // real files, so they are left out.
            if path == "SHA256SUMS" || path == "manifest.json" {
                continue;
            }
            let masked = text.replace(&token, "redact.redactedredacted");
            insta::assert_snapshot!(path.replace('/', "__"), masked);
        }
    });
}

#[test]
fn upgrade_1_30_to_1_31_moves_the_kubeadm_documents_to_v1beta4() {
    let dir = setup(
        "debian-12-1.30-flannel.yaml",
        "1.30.14",
        "1.30.14",
        "1.31.6",
    );
    let o = upgrade(dir.path(), "new.yaml");
    assert!(o.status.success(), "{}", stderr(&o));
    let up = dir.path().join("up");
    let cp = fs::read_to_string(up.join("control-plane/upgrade.sh")).unwrap();
    assert!(cp.contains("apiVersion: kubeadm.k8s.io/v1beta4"), "{cp}");
    assert!(!cp.contains("kubeadm.k8s.io/v1beta3"));
    let worker = fs::read_to_string(up.join("worker/steps/04-kubeadm-config.sh")).unwrap();
    assert!(worker.contains("kind: JoinConfiguration"), "{worker}");
    assert!(worker.contains("kubeadm.k8s.io/v1beta4"), "{worker}");
    check_shell(&up);
    snapshot("upgrade-1.30-to-1.31", &up);
}

#[test]
fn upgrade_1_33_to_1_34_of_a_highly_available_cluster() {
    let dir = setup("ha-ubuntu-22.04-1.35.yaml", "1.35.9", "1.33.4", "1.34.3");
    let o = upgrade(dir.path(), "new.yaml");
    assert!(o.status.success(), "{}", stderr(&o));
    let up = dir.path().join("up");
    check_shell(&up);
    snapshot("upgrade-1.33-to-1.34", &up);
}

/// The order inside each bundle, and the repository, package and kubeadm versions.
#[test]
fn bundles_run_kubeadm_first_and_the_kubelet_only_when_cordoned() {
    let dir = setup("ha-ubuntu-22.04-1.35.yaml", "1.35.9", "1.33.4", "1.34.3");
    assert!(upgrade(dir.path(), "new.yaml").status.success());
    let up = dir.path().join("up");
    let at = |text: &str, needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("`{needle}` missing"))
    };
    for (role, kubeadm) in [
        ("control-plane", "kubeadm upgrade apply v1.34.3 --yes"),
        ("control-plane-join", "kubeadm upgrade node"),
        ("worker", "kubeadm upgrade node"),
    ] {
        let s = fs::read_to_string(up.join(role).join("upgrade.sh")).unwrap();
        let order = [
            "isv:/cri-o:/stable:/v1.34/deb/",
            "https://pkgs.k8s.io/core:/stable:/v1.34/deb/",
            "apt_get install -y 'kubeadm=1.34.3-*'",
            kubeadm,
            ".spec.unschedulable",
            "apt_get install -y cri-o",
            "apt_get install -y 'kubelet=1.34.3-*' 'kubectl=1.34.3-*'",
            "systemctl restart kubelet",
            "-o jsonpath='{.status.nodeInfo.kubeletVersion}'",
        ];
        let places: Vec<usize> = order.iter().map(|n| at(&s, n)).collect();
        assert!(places.is_sorted(), "{role}: {places:?}");
        assert!(s.contains("/var/lib/kubeprint/upgrade-1.34.3"), "{role}");
        assert!(
            !s.contains("admin.conf get node"),
            "{role} reads its node with admin.conf"
        );
    }
    let apply = fs::read_to_string(up.join("control-plane/upgrade.sh")).unwrap();
    assert!(at(&apply, "kubeadm upgrade plan v1.34.3") < at(&apply, "kubeadm upgrade apply"));
    // A node reads kubeadm-config with its kubelet.conf, never a Node but its own: since
    // 1.32 the Node authorizer forbids listing the others.
    let worker = fs::read_to_string(up.join("worker/upgrade.sh")).unwrap();
    assert!(worker.contains(
        "kubectl --kubeconfig /etc/kubernetes/kubelet.conf -n kube-system get configmap kubeadm-config"
    ));
    assert!(!worker.contains("get nodes"));
    assert!(!worker.contains("/etc/kubernetes/admin.conf"));
    let readme = fs::read_to_string(up.join("README.md")).unwrap();
    assert!(
        readme.contains("from Kubernetes 1.33.4 to 1.34.3"),
        "{readme}"
    );
    // The upgrade tree is root's: the bundles hold the token.
    assert_eq!(common::mode(&up.join("worker/upgrade.sh")) & 0o077, 0);
}

#[test]
fn refusals_name_the_file_the_field_and_the_fix() {
    let dir = setup("ha-ubuntu-22.04-1.35.yaml", "1.35.9", "1.33.4", "1.34.3");
    let text = fs::read_to_string(dir.path().join("old.yaml")).unwrap();
    for (version, expected) in [
        ("1.33.4", "is the version the cluster runs already"),
        ("1.32.9", "kubeadm does not downgrade"),
        ("1.35.9", "the chain: 1.33.4 → 1.34.x → 1.35.9"),
    ] {
        fs::write(dir.path().join("t.yaml"), text.replace("1.33.4", version)).unwrap();
        let o = upgrade(dir.path(), "t.yaml");
        assert_eq!(o.status.code(), Some(1), "{version}");
        let e = stderr(&o);
        assert!(e.contains(expected), "{version}: {e}");
        assert!(e.contains("`t.yaml`: `kubernetes.version`"), "{e}");
        assert!(!dir.path().join("up").exists(), "{version} wrote");
    }
    // Another cluster's secrets: a CA the old tree does not record.
    let o = kubeprint(
        dir.path(),
        &["secrets", "generate", "-c", "new.yaml", "-s", "other.yaml"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kubeprint(
        dir.path(),
        &[
            "upgrade",
            "--from",
            "old",
            "-c",
            "new.yaml",
            "-s",
            "other.yaml",
            "-o",
            "up",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("holds another cluster CA"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("up").exists());
}

/// The target is checked by render's rules: a release the matrix (and so the OS's
/// repositories) does not have is refused before anything is read or written.
#[test]
fn a_target_render_refuses_is_refused() {
    let dir = setup("ubuntu-24.04-1.36-calico.yaml", "1.36", "1.36", "1.99");
    let o = upgrade(dir.path(), "new.yaml");
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("kubernetes.version"), "{}", stderr(&o));
    assert!(!dir.path().join("up").exists());
}

#[test]
fn the_old_tree_is_never_the_output() {
    let dir = setup("ha-ubuntu-22.04-1.35.yaml", "1.35.9", "1.33.4", "1.34.3");
    let before = files(&dir.path().join("old"));
    let o = kubeprint(
        dir.path(),
        &["upgrade", "--from", "old", "-c", "new.yaml", "-o", "old"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(files(&dir.path().join("old")), before);
}

/// Runs `admin/drain.sh NODE` with a kubectl stand-in: kubeadm-config at `recorded`, the
/// control planes `cp-1` at v1.34.3 and `cp-2` at `cp2`; returns the exit code, stderr and
/// whether it drained.
fn drain(up: &Path, node: &str, recorded: &str, cp2: &str) -> (Option<i32>, String, bool) {
    let bin = tempfile::tempdir().unwrap();
    let drained = bin.path().join("drained");
    let kubectl = format!(
        r#"#!/bin/bash
case "$*" in
  *"get configmap kubeadm-config"*) printf 'apiVersion: kubeadm.k8s.io/v1beta4\nkubernetesVersion: {recorded}\n' ;;
  *"get nodes -l node-role.kubernetes.io/control-plane"*) printf 'cp-1=v1.34.3\ncp-2={cp2}\n' ;;
  "drain "*) echo "$2" > {drained} ;;
  *) echo "kubectl stand-in: unexpected $*" >&2; exit 1 ;;
esac
"#,
        drained = drained.display()
    );
    fs::write(bin.path().join("kubectl"), kubectl).unwrap();
    fs::set_permissions(
        bin.path().join("kubectl"),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap()
    );
    let o = std::process::Command::new("bash")
        .arg(up.join("admin/drain.sh"))
        .arg(node)
        .env("PATH", path)
        .output()
        .unwrap();
    (o.status.code(), stderr(&o), drained.exists())
}

/// drain.sh holds a node back until `upgrade apply` has run, and a worker until every
/// control plane's kubelet runs the target (a worker could not check that itself).
#[test]
fn drain_refuses_a_worker_until_every_control_plane_runs_the_target() {
    let dir = setup("ha-ubuntu-22.04-1.35.yaml", "1.35.9", "1.33.4", "1.34.3");
    assert!(upgrade(dir.path(), "new.yaml").status.success());
    let up = dir.path().join("up");

    let (code, e, drained) = drain(&up, "cp-2", "v1.33.4", "v1.33.4");
    assert_eq!((code, drained), (Some(1), false), "{e}");
    assert!(
        e.contains("the cluster is not at v1.34.3 yet (kubeadm-config)"),
        "{e}"
    );

    let (code, e, drained) = drain(&up, "worker-7", "v1.34.3", "v1.33.4");
    assert_eq!((code, drained), (Some(1), false), "{e}");
    assert!(
        e.contains("control planes not at v1.34.3 yet (cp-2=v1.33.4)"),
        "{e}"
    );

    // A control plane itself may be drained while another is behind.
    let (code, e, drained) = drain(&up, "cp-2", "v1.34.3", "v1.33.4");
    assert_eq!((code, drained), (Some(0), true), "{e}");
    let (code, e, drained) = drain(&up, "worker-7", "v1.34.3", "v1.34.3");
    assert_eq!((code, drained), (Some(0), true), "{e}");
}

/// A target that pins CRI-O (`runtime.crio_version: 1.Y.Z`) gets that release on the
/// upgraded nodes too, as on new ones.
#[test]
fn a_pinned_cri_o_is_installed_pinned() {
    let dir = setup("debian-12-1.30-flannel.yaml", "1.30.14", "1.30.4", "1.31.4");
    let new = dir.path().join("new.yaml");
    let text = fs::read_to_string(&new).unwrap();
    fs::write(&new, format!("{text}runtime:\n  crio_version: 1.31.2\n")).unwrap();
    let o = upgrade(dir.path(), "new.yaml");
    assert!(o.status.success(), "{}", stderr(&o));
    let s = fs::read_to_string(dir.path().join("up/worker/upgrade.sh")).unwrap();
    assert!(s.contains("apt_get install -y 'cri-o=1.31.2-*'"), "{s}");
    assert!(s.contains("apt-mark hold cri-o"), "{s}");
}
