//! `kubeprint artifacts`: what the nodes of the default, a VIP and a Calico cluster
//! fetch, as text and JSON, and a list that agrees with what the bundles render and with
//! `versions --format json`.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::common;

/// `artifacts` of a file under the project root (`None`: the default cluster, run where
/// no cluster.yaml is), as text and as JSON.
fn artifacts(file: Option<&str>) -> (String, Value) {
    let empty = tempfile::tempdir().unwrap();
    let run = |format: &str| {
        let mut args = vec!["artifacts", "--format", format];
        let path;
        if let Some(f) = file {
            path = common::root().join(f).display().to_string();
            args.extend(["-c", path.as_str()]);
        }
        let o = common::kubeprint(empty.path(), &args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).expect("utf-8")
    };
    let json = serde_json::from_str(&run("json")).expect("artifacts' JSON");
    (run("text"), json)
}

fn items<'a>(json: &'a Value, kind: &str) -> Vec<&'a Value> {
    json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == kind)
        .collect()
}

fn images(json: &Value) -> BTreeSet<String> {
    items(json, "image")
        .iter()
        .filter_map(|i| i["location"].as_str().map(str::to_string))
        .collect()
}

fn item<'a>(json: &'a Value, kind: &str, name: &str) -> &'a Value {
    items(json, kind)
        .into_iter()
        .find(|i| i["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

/// The pinned manifest `versions --format json` publishes for a minor and plugin.
fn pinned_manifest(minor: u32, plugin: &str) -> (String, String) {
    let release = common::releases()
        .into_iter()
        .find(|r| r.minor == minor)
        .unwrap();
    let pin = release.row["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["plugin"] == plugin)
        .unwrap()
        .clone();
    (
        pin["url"].as_str().unwrap().into(),
        pin["sha256"].as_str().unwrap().into(),
    )
}

#[test]
fn the_default_cluster_lists_kubeadm_canal_and_package_artifacts() {
    let (text, json) = artifacts(None);
    assert_eq!(json["kubernetes"], "1.21.3");
    let images = images(&json);
    for reference in [
        "k8s.gcr.io/kube-apiserver:v1.21.3",
        "k8s.gcr.io/kube-controller-manager:v1.21.3",
        "k8s.gcr.io/kube-scheduler:v1.21.3",
        "k8s.gcr.io/kube-proxy:v1.21.3",
        "k8s.gcr.io/etcd:3.4.13-0",
        "k8s.gcr.io/coredns/coredns:v1.8.0",
        "k8s.gcr.io/pause:3.4.1",
        "docker.io/calico/node:v3.24.5",
        "quay.io/coreos/flannel:v0.15.1",
    ] {
        assert!(images.contains(reference), "{reference} in {images:?}");
        assert!(text.contains(reference), "{reference} in\n{text}");
    }
    assert!(!images.iter().any(|i| i.contains("kube-vip")));
    let manifest = item(&json, "manifest", "canal");
    let (url, sha256) = pinned_manifest(21, "canal");
    assert_eq!(manifest["location"], url.as_str());
    assert_eq!(manifest["sha256"], sha256.as_str());
    assert_eq!(manifest["stage"], "boot");
    assert_eq!(manifest["roles"], serde_json::json!(["control-plane"]));
    assert_eq!(item(&json, "package", "kubeadm")["version"], "1.21.3-00");
    assert_eq!(
        item(&json, "image", "etcd")["roles"],
        serde_json::json!(["control-plane"])
    );
    let repo = item(&json, "apt-repository", "kubernetes");
    assert_eq!(repo["location"], "https://apt.kubernetes.io/");
    assert!(text.contains(&sha256) && text.contains("bake") && text.contains("boot"));
}

#[test]
fn a_vip_cluster_lists_kube_vip_and_says_what_it_cannot_confirm() {
    let (text, json) = artifacts(Some("examples/vip-ubuntu-24.04-1.36.yaml"));
    let vip = item(&json, "image", "kube-vip");
    assert_eq!(vip["location"], "ghcr.io/kube-vip/kube-vip:v1.2.3");
    assert_eq!(vip["stage"], "boot");
    assert!(
        !vip["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "worker"),
        "{vip}"
    );
    assert!(images(&json).contains("registry.k8s.io/kube-apiserver:v1.36.4"));
    // No source here confirmed kubeadm 1.36.4's etcd: no guess, a pointer instead.
    let etcd = item(&json, "image", "etcd");
    assert!(etcd["location"].is_null(), "{etcd}");
    let why = etcd["unknown"].as_str().unwrap();
    assert!(
        why.starts_with("unknown (see `kubeadm config images list --kubernetes-version v1.36.4`"),
        "{why}"
    );
    assert!(
        text.contains("ghcr.io/kube-vip/kube-vip:v1.2.3") && text.contains(why),
        "{text}"
    );
}

#[test]
fn a_calico_cluster_lists_the_pinned_manifest_and_its_images() {
    let (text, json) = artifacts(Some("examples/ubuntu-24.04-1.36-calico.yaml"));
    let manifest = item(&json, "manifest", "calico");
    let (url, sha256) = pinned_manifest(36, "calico");
    assert_eq!(manifest["location"], url.as_str());
    assert_eq!(manifest["sha256"], sha256.as_str());
    let images = images(&json);
    for reference in [
        "quay.io/calico/cni:v3.32.1",
        "quay.io/calico/kube-controllers:v3.32.1",
        "quay.io/calico/node:v3.32.1",
    ] {
        assert!(images.contains(reference), "{reference} in {images:?}");
        assert!(text.contains(reference), "{reference} in\n{text}");
    }
    assert!(!images.iter().any(|i| i.contains("flannel")), "{images:?}");
    assert!(
        item(&json, "image", "calico/node")["roles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == "worker")
    );
}

/// The arguments of every `apt_get install -y` line in a step script, as the shell
/// reads them; the prelude's install of missing prerequisites (a variable) aside.
fn installs(script: &str) -> BTreeSet<String> {
    script
        .lines()
        .filter_map(|l| l.trim().strip_prefix("apt_get install -y "))
        .flat_map(|l| shlex::split(l).unwrap())
        .filter(|word| !word.starts_with('$'))
        .collect()
}

/// Derive both sides: the packages and repositories each example's bundles install
/// (read from the rendered step scripts) and the ones `artifacts` lists.
#[test]
fn package_versions_and_repositories_match_what_the_bundles_install() {
    let examples = std::fs::read_dir(common::root().join("examples")).unwrap();
    for entry in examples {
        let path = entry.unwrap().path();
        let file = format!("examples/{}", path.file_name().unwrap().to_string_lossy());
        let (_, json) = artifacts(Some(&file));
        let rendered = common::render_text(&std::fs::read_to_string(&path).unwrap(), &file);
        let worker_steps: Vec<String> = rendered
            .keys()
            .filter(|p| p.starts_with("worker/steps/"))
            .filter(|p| {
                p.ends_with("-cri-o.sh")
                    || p.ends_with("-containerd.sh")
                    || p.ends_with("-kube-packages.sh")
            })
            .map(|p| common::text(&rendered, p))
            .collect();
        assert_eq!(worker_steps.len(), 2, "{file}");
        let installed: BTreeSet<String> = worker_steps.iter().flat_map(|s| installs(s)).collect();
        let listed: BTreeSet<String> = items(&json, "package")
            .iter()
            .filter(|p| !p["version"].is_null())
            .map(|p| {
                let name = p["name"].as_str().unwrap();
                let version = p["version"].as_str().unwrap();
                if version.starts_with("newest") {
                    name.to_string()
                } else {
                    format!("{name}={version}")
                }
            })
            .collect();
        assert_eq!(installed, listed, "{file}");
        let scripts = worker_steps.concat();
        for repo in items(&json, "apt-repository") {
            for field in ["location", "key_url"] {
                let value = repo[field].as_str().unwrap();
                assert!(scripts.contains(value), "{file}: {field} {value}");
            }
        }
    }
}
