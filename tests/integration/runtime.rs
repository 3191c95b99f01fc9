//! `runtime.name: containerd`: what the definition may say, and what every file that
//! talks to the runtime then names (step, kubeadm socket, recovery, bake pre-pull).

use crate::common;

const CONTAINERD_SOCKET: &str = "unix:///run/containerd/containerd.sock";

fn definition(version: &str, runtime: &str) -> String {
    format!(
        "name: lab\nos: debian-12\nkubernetes:\n  version: \"{version}\"\n  endpoint: 10.0.1.10:6443\nruntime: {runtime}\n"
    )
}

fn stderr(text: &str) -> (bool, String) {
    let out = common::validate_definition(text);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn crio_version_with_containerd_is_an_error_naming_the_field() {
    let (ok, err) = stderr(&definition(
        "1.31.2",
        "{name: containerd, crio_version: \"1.31\"}",
    ));
    assert!(!ok, "{err}");
    assert!(
        err.contains("(`runtime.crio_version`)") && err.contains("remove `crio_version`"),
        "{err}"
    );
}

#[test]
fn containerd_version_with_cri_o_is_an_error() {
    let (ok, err) = stderr(&definition("1.31.2", "{containerd_version: \"2.1.9\"}"));
    assert!(
        !ok && err.contains("(`runtime.containerd_version`)"),
        "{err}"
    );
}

#[test]
fn kubernetes_1_36_refuses_containerd_1_x_and_old_patches() {
    let (ok, err) = stderr(&definition(
        "1.36.4",
        "{name: containerd, containerd_version: \"1.7.34\"}",
    ));
    assert!(
        !ok && err.contains("Kubernetes 1.36 needs containerd 2.x"),
        "{err}"
    );
    let (ok, err) = stderr(&definition(
        "1.34.1",
        "{name: containerd, containerd_version: \"2.1.2\"}",
    ));
    assert!(!ok && err.contains("older than 2.1.3"), "{err}");
    let (ok, err) = stderr(&definition(
        "1.36.4",
        "{name: containerd, containerd_version: \"2.2\"}",
    ));
    assert!(!ok && err.contains("`MAJOR.MINOR.PATCH`"), "{err}");
    let (ok, err) = stderr(&definition("1.36.4", "{name: docker}"));
    assert!(
        !ok && err.contains("choose one of: cri-o, containerd"),
        "{err}"
    );
}

#[test]
fn containerd_1_5_refuses_a_mirror_with_a_path() {
    let mirrors = "registries:\n  mirrors:\n    docker.io: [https://mirror.example.com/hub]\n";
    let (ok, err) = stderr(&(definition("1.22.17", "{name: containerd}") + mirrors));
    assert!(
        !ok && err.contains("(`registries.mirrors.docker.io`)"),
        "{err}"
    );
    let (ok, err) = stderr(&(definition("1.23.17", "{name: containerd}") + mirrors));
    assert!(ok, "{err}");
}

#[test]
fn a_containerd_cluster_installs_and_talks_to_containerd_everywhere() {
    let a = common::render_text(&definition("1.31.2", "{name: containerd}"), "containerd");
    let names: Vec<&String> = a.keys().collect();
    assert!(names.iter().all(|n| !n.contains("cri-o")), "{names:?}");
    let step = common::text(&a, "worker/steps/04-containerd.sh");
    assert!(
        step.contains("apt_get install -y 'containerd.io=2.1.5-*'\n"),
        "{step}"
    );
    assert!(step.contains("apt-mark hold containerd.io\n"), "{step}");
    assert!(
        step.contains("https://download.docker.com/linux/debian bookworm stable"),
        "{step}"
    );
    assert!(
        step.contains("write_file /etc/containerd/config.toml 0644"),
        "{step}"
    );
    assert!(step.contains("write_file /etc/crictl.yaml 0644"), "{step}");
    for file in [
        "control-plane/steps/07-kubeadm-init.sh",
        "worker/steps/07-kubeadm-join.sh",
    ] {
        let text = common::text(&a, file);
        assert!(
            text.contains(&format!("criSocket: {CONTAINERD_SOCKET}\n")),
            "{file}"
        );
        assert!(
            text.contains(&format!(
                "kubeadm reset -f --cri-socket {CONTAINERD_SOCKET}\n"
            )),
            "{file}"
        );
        assert!(!text.contains("crio"), "{file}");
    }
    let pull = a
        .keys()
        .find(|k| k.ends_with("-pull-images.sh"))
        .map(|k| common::text(&a, k))
        .unwrap();
    assert!(pull.contains("systemctl start containerd\n"), "{pull}");
    assert!(
        pull.contains(&format!("--cri-socket {CONTAINERD_SOCKET}")),
        "{pull}"
    );
}

#[test]
fn init_writes_a_containerd_starter_that_validates() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::kubeprint(dir.path(), &["init", "-o", "-", "--runtime", "containerd"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("\nruntime:\n  name: containerd "), "{text}");
    let out = common::validate_definition(&text);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn versions_explain_and_artifacts_name_containerd() {
    let dir = tempfile::tempdir().unwrap();
    let out = common::kubeprint(dir.path(), &["versions", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = |minor: &str| {
        json["releases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["minor"] == minor)
            .unwrap()["containerd"]
            .clone()
    };
    assert_eq!(row("1.36")["default"], "2.2.6");
    assert_eq!(
        row("1.36")["recommended"],
        serde_json::json!(["2.3.0+", "2.2.0+"])
    );
    assert_eq!(row("1.37")["listed"], false);
    assert_eq!(row("1.21")["default"], "1.5.11");
    let file = "examples/containerd-ubuntu-24.04-1.36.yaml";
    let (text, _) = common::explain(file);
    assert!(
        text.contains("Kubernetes 1.36.4 on ubuntu-24.04, containerd 2.2.6,"),
        "{text}"
    );
    assert!(
        text.contains(
            "config.toml version 3, runc with SystemdCgroup, sandbox registry.k8s.io/pause:"
        ),
        "{text}"
    );
    let out = common::kubeprint(
        &common::root(),
        &["artifacts", "-c", file, "--format", "json"],
    );
    let json = String::from_utf8_lossy(&out.stdout);
    assert!(
        json.contains("\"containerd.io\"")
            && json.contains("https://download.docker.com/linux/ubuntu"),
        "{json}"
    );
    assert!(!json.contains("cri-o"), "{json}");
}
