//! `kubeprint artifacts`: what the nodes of the default, a VIP and a Calico cluster
//! fetch, as text and JSON, and a list that agrees with what the bundles render and with
//! `versions --format json`.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::common;

/// `artifacts` of a file under the project root or at an absolute path (`None`: the
/// default cluster, run where no cluster.yaml is), as text and as JSON.
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
fn a_vip_cluster_lists_kube_vip_and_kubeadm_images_of_its_release() {
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
    let images = images(&json);
    for reference in [
        "registry.k8s.io/kube-apiserver:v1.36.4",
        "registry.k8s.io/kube-proxy:v1.36.4",
        "registry.k8s.io/etcd:3.6.8-0",
        "registry.k8s.io/coredns/coredns:v1.14.2",
        "registry.k8s.io/pause:3.10.2",
    ] {
        assert!(images.contains(reference), "{reference} in {images:?}");
        assert!(text.contains(reference), "{reference} in\n{text}");
    }
    assert!(!text.contains("unknown"), "{text}");
}

/// A patch release newer than any source here lists: no guess, a pointer instead.
#[test]
fn a_release_no_source_confirmed_says_what_it_cannot_confirm() {
    let dir = tempfile::tempdir().unwrap();
    let example =
        std::fs::read_to_string(common::root().join("examples/vip-ubuntu-24.04-1.36.yaml"));
    let newer = example
        .unwrap()
        .replace("version: 1.36.4", "version: 1.36.99");
    let path = dir.path().join("cluster.yaml");
    std::fs::write(&path, newer).unwrap();
    let (text, json) = artifacts(Some(&path.display().to_string()));
    assert_eq!(json["kubernetes"], "1.36.99");
    for name in ["etcd", "coredns", "pause"] {
        let image = item(&json, "image", name);
        assert!(image["location"].is_null(), "{image}");
        let why = image["unknown"].as_str().unwrap();
        assert!(
            why.starts_with(
                "unknown (see `kubeadm config images list --kubernetes-version v1.36.99`"
            ),
            "{why}"
        );
        assert!(text.contains(why), "{text}");
    }
    assert!(images(&json).contains("registry.k8s.io/kube-proxy:v1.36.99"));
}

/// kubeadm names CoreDNS `coredns/coredns` in its default registry even when
/// `kubernetes.image_repository` spells that registry out, and `coredns` elsewhere.
#[test]
fn coredns_is_named_as_kubeadm_names_it_in_each_repository() {
    let example =
        std::fs::read_to_string(common::root().join("examples/vip-ubuntu-24.04-1.36.yaml"))
            .unwrap();
    for (repository, expected) in [
        ("registry.k8s.io", "registry.k8s.io/coredns/coredns:v1.14.2"),
        (
            "mirror.example.internal/k8s",
            "mirror.example.internal/k8s/coredns:v1.14.2",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cluster.yaml");
        let text = example.replace(
            "kubernetes:\n",
            &format!("kubernetes:\n  image_repository: {repository}\n"),
        );
        assert_ne!(text, example);
        std::fs::write(&path, text).unwrap();
        let (_, json) = artifacts(Some(&path.display().to_string()));
        assert_eq!(item(&json, "image", "coredns")["location"], expected);
    }
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

/// What an example's rendered files fetch, read from them: the URLs curl downloads
/// (`install_apt_key`'s keys, the CNI step's manifest), the apt sources' URLs, the images
/// of the pods kubeprint writes (`image:`), and kubeadm's registry and version (its
/// `imageRepository`, or none: kubeadm's default, and the image build's
/// `kubeadm config images pull --kubernetes-version`).
#[derive(Default, Debug)]
struct Fetched {
    urls: BTreeSet<String>,
    images: BTreeSet<String>,
    image_repositories: BTreeSet<String>,
    kubeadm_versions: BTreeSet<String>,
}

fn fetched(rendered: &kubeprint::Artifacts) -> Fetched {
    let mut f = Fetched::default();
    for (path, artifact) in rendered {
        let own =
            path.ends_with(".gz") || path.starts_with("airgap/") || path.starts_with("publish/");
        if own || path == "manifest.json" || path == "SHA256SUMS" {
            continue;
        }
        for line in String::from_utf8_lossy(&artifact.bytes).lines() {
            read_line(line.trim(), &mut f);
        }
    }
    f
}

fn read_line(line: &str, f: &mut Fetched) {
    let words = || shlex::split(line).unwrap_or_default();
    if line.starts_with("install_apt_key ") {
        f.urls.insert(words()[1].clone());
    } else if line.contains(" curl ") && line.contains("\"$manifest.download\"") {
        f.urls.insert(words().last().unwrap().clone());
    } else if line.starts_with("printf '%s\\n' 'deb [") {
        let source = words()[2].clone();
        f.urls
            .insert(source.split_whitespace().nth(2).unwrap().to_string());
    } else if let Some(image) = line.strip_prefix("image: ") {
        f.images.insert(image.trim_matches('"').to_string());
    } else if let Some(repository) = line.strip_prefix("imageRepository: ") {
        f.image_repositories
            .insert(repository.trim_matches('"').to_string());
    } else if line.starts_with("kubeadm config images pull ") {
        let words = words();
        let at = words
            .iter()
            .position(|w| w == "--kubernetes-version")
            .unwrap();
        f.kubeadm_versions.insert(words[at + 1].clone());
        if let Some(at) = words.iter().position(|w| w == "--image-repository") {
            f.image_repositories.insert(words[at + 1].clone());
        }
    }
}

/// The images a pinned manifest names, read from the manifest itself when the VM test
/// keeps a copy of it (`tests/e2e/downloads`, checked against its pin first); `None`
/// when it keeps none. References without a registry are Docker Hub's.
fn manifest_images(url: &str, sha256: &str) -> Option<BTreeSet<String>> {
    let name = url
        .strip_prefix("https://raw.githubusercontent.com/")?
        .replace('/', "-");
    let gz = std::fs::read(common::root().join(format!("tests/e2e/downloads/{name}.gz"))).ok()?;
    let text = common::plain_text("m.gz", &gz);
    assert_eq!(common::sha256_hex(text.as_bytes()), sha256, "{url}");
    Some(
        text.lines()
            .filter_map(|l| l.trim().strip_prefix("image: "))
            .map(|i| {
                let i = i.trim_matches('"');
                match i.split_once('/') {
                    Some((host, _)) if host.contains('.') => i.to_string(),
                    _ => format!("docker.io/{i}"),
                }
            })
            .collect(),
    )
}

/// "Done when": every example's artifact list matches what its rendered files fetch,
/// both ways, each side derived on its own.
#[test]
fn every_example_fetches_exactly_what_artifacts_lists() {
    let mut manifests_read = 0;
    for entry in std::fs::read_dir(common::root().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        let file = format!("examples/{}", path.file_name().unwrap().to_string_lossy());
        let (_, json) = artifacts(Some(&file));
        let rendered = common::render_text(&std::fs::read_to_string(&path).unwrap(), &file);
        let f = fetched(&rendered);

        let mut listed = BTreeSet::new();
        for item in items(&json, "apt-repository") {
            listed.insert(item["location"].as_str().unwrap().to_string());
            listed.insert(item["key_url"].as_str().unwrap().to_string());
        }
        let manifest = items(&json, "manifest").first().map(|m| {
            let url = m["location"].as_str().unwrap().to_string();
            listed.insert(url.clone());
            (
                url,
                m["sha256"].as_str().unwrap().to_string(),
                m["name"].clone(),
            )
        });
        assert_eq!(f.urls, listed, "{file}: URLs");

        let vip: BTreeSet<String> = items(&json, "image")
            .iter()
            .filter(|i| i["name"] == "kube-vip")
            .map(|i| i["location"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(f.images, vip, "{file}: pods kubeprint writes");

        let version = json["kubernetes"].as_str().unwrap();
        assert_eq!(
            f.kubeadm_versions,
            BTreeSet::from([format!("v{version}")]),
            "{file}"
        );
        let apiserver = item(&json, "image", "kube-apiserver")["location"]
            .as_str()
            .unwrap();
        let registry = apiserver
            .strip_suffix(&format!("/kube-apiserver:v{version}"))
            .unwrap_or_else(|| panic!("{file}: {apiserver}"));
        match f.image_repositories.iter().next() {
            Some(repository) => assert_eq!(
                (f.image_repositories.len(), registry),
                (1, repository.as_str()),
                "{file}"
            ),
            // kubeadm's own defaults (cmd/kubeadm/app/constants, `DefaultImageRepository`).
            None => assert!(
                ["registry.k8s.io", "k8s.gcr.io"].contains(&registry),
                "{file}"
            ),
        }

        let Some((url, sha256, plugin)) = manifest else {
            continue;
        };
        let Some(names) = manifest_images(&url, &sha256) else {
            continue;
        };
        manifests_read += 1;
        let cni: BTreeSet<String> = items(&json, "image")
            .iter()
            .filter(|i| i["stage"] == "boot" && i["name"] != "kube-vip")
            .map(|i| {
                i["location"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{file}: {plugin}"))
                    .to_string()
            })
            .collect();
        assert_eq!(cni, names, "{file}: the images of {url}");
    }
    assert!(manifests_read >= 1, "no example's manifest was read");
}

/// `versions --format json` and `artifacts` state every pin alike: per release and
/// plugin the manifest's URL and sha256, the package repositories, the package
/// version and kubeadm's image tag.
#[test]
fn versions_and_artifacts_agree_on_every_pin() {
    let dir = tempfile::tempdir().unwrap();
    for release in common::releases() {
        let row = &release.row;
        let version = row["newest_patch"]["version"]
            .as_str()
            .map_or_else(|| format!("1.{}.1", release.minor), str::to_string);
        for pin in row["manifests"].as_array().unwrap() {
            let plugin = pin["plugin"].as_str().unwrap();
            let json = ["ubuntu-22.04", "ubuntu-24.04", "ubuntu-20.04", "debian-12", "debian-11", "debian-13"]
                .into_iter()
                .find_map(|os| {
                    let text = format!(
                        "name: pins\nos: {os}\nkubernetes:\n  version: \"{version}\"\n  endpoint: 10.0.1.5:6443\ncni:\n  plugin: {plugin}\n"
                    );
                    std::fs::write(dir.path().join("cluster.yaml"), text).unwrap();
                    let o = common::kubeprint(dir.path(), &["artifacts", "-c", "cluster.yaml", "--format", "json"]);
                    o.status.success().then(|| serde_json::from_slice::<Value>(&o.stdout).unwrap())
                })
                .unwrap_or_else(|| panic!("no OS runs {version}"));
            let m = item(&json, "manifest", plugin);
            assert_eq!(
                (&m["location"], &m["sha256"]),
                (&pin["url"], &pin["sha256"]),
                "{version} {plugin}"
            );
            let kube = item(&json, "apt-repository", "kubernetes")["location"]
                .as_str()
                .unwrap();
            let packages = row["packages"].as_str().unwrap();
            assert!(
                kube.starts_with(&format!("https://{packages}/")),
                "{version}: {kube} vs {packages}"
            );
            let crio = item(&json, "apt-repository", "cri-o")["location"]
                .as_str()
                .unwrap();
            let kubic = row["crio_repository"] == "opensuse kubic";
            assert_eq!(crio.contains("/devel:/kubic:/"), kubic, "{version}: {crio}");
            assert_eq!(crio.contains("/isv:/cri-o:/"), !kubic, "{version}: {crio}");
            let kubeadm = item(&json, "package", "kubeadm")["version"]
                .as_str()
                .unwrap();
            assert!(
                kubeadm.starts_with(&format!("{version}-")),
                "{version}: {kubeadm}"
            );
            let apiserver = item(&json, "image", "kube-apiserver")["location"]
                .as_str()
                .unwrap();
            assert!(
                apiserver.ends_with(&format!("/kube-apiserver:v{version}")),
                "{apiserver}"
            );
        }
    }
}
