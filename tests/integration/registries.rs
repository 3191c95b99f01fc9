//! `registries`: a containers-registries.conf(5) drop-in and the mirrors' CA, written by
//! the cri-o step before CRI-O first starts, parsed back as TOML; nothing without the
//! option; and every bad value refused naming its field.

use crate::common::{self, kubeprint};

const DROPIN: &str = "/etc/containers/registries.conf.d/50-kubeprint-mirrors.conf";

fn definition(extra: &str) -> String {
    format!(
        "name: lab\nos: ubuntu-24.04\nkubernetes:\n  version: \"1.36.4\"\n  endpoint: 10.0.1.10:6443\n{extra}"
    )
}

fn with_mirrors(ca: bool) -> String {
    let mut extra = String::from(
        "registries:\n  mirrors:\n    docker.io: [https://mirror.example.internal/docker.io, \"https://mirror2.example.internal:5000/\"]\n    registry.k8s.io: [https://mirror.example.internal/k8s]\n",
    );
    if ca {
        extra.push_str("  ca: |\n");
        for line in common::fixture_ca_certificate().lines() {
            extra.push_str(&format!("    {line}\n"));
        }
    }
    definition(&extra)
}

/// The bodies of the heredocs a script writes to `path`.
fn written(script: &str, path: &str) -> Vec<String> {
    common::heredocs(script)
        .into_iter()
        .filter(|h| h.opener.contains(path))
        .map(|h| h.body)
        .collect()
}

fn crio_step(artifacts: &kubeprint::Artifacts, dir: &str) -> String {
    let path = artifacts
        .keys()
        .find(|p| p.starts_with(&format!("{dir}/steps/")) && p.ends_with("-cri-o.sh"))
        .unwrap()
        .clone();
    common::text(artifacts, &path)
}

#[test]
fn every_role_writes_the_mirrors_drop_in_before_cri_o_starts() {
    let artifacts = common::render_text(&with_mirrors(true), "registries");
    for dir in ["control-plane", "worker"] {
        let script = crio_step(&artifacts, dir);
        let dropins = written(&script, DROPIN);
        assert_eq!(dropins.len(), 1, "{dir}");
        let toml: toml::Table = toml::from_str(&dropins[0]).expect("the drop-in is TOML");
        let registries = toml["registry"].as_array().unwrap();
        let entry = |prefix: &str| {
            registries
                .iter()
                .find(|r| r["prefix"].as_str() == Some(prefix))
                .unwrap_or_else(|| panic!("no [[registry]] for {prefix}"))
        };
        let docker = entry("docker.io");
        assert_eq!(docker["location"].as_str(), Some("docker.io"));
        let mirrors: Vec<&str> = docker["mirror"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["location"].as_str().unwrap())
            .collect();
        assert_eq!(
            mirrors,
            [
                "mirror.example.internal/docker.io",
                "mirror2.example.internal:5000"
            ]
        );
        assert_eq!(
            entry("registry.k8s.io")["mirror"][0]["location"].as_str(),
            Some("mirror.example.internal/k8s")
        );
        for host in ["mirror.example.internal", "mirror2.example.internal:5000"] {
            let ca = written(&script, &format!("/etc/containers/certs.d/{host}/ca.crt"));
            assert_eq!(ca, [common::fixture_ca_certificate()], "{dir} {host}");
        }
        let at = |needle: &str| script.find(needle).unwrap_or_else(|| panic!("{needle}"));
        assert!(at(DROPIN) < at("apt_get install -y cri-o"), "{dir}");
        assert!(at(DROPIN) < at("systemctl enable --now crio"), "{dir}");
    }
    common::validate_tree(&artifacts);
}

#[test]
fn without_mirrors_no_file_mentions_them() {
    let artifacts = common::render_text(&definition(""), "plain");
    for path in artifacts.keys() {
        let text = common::plain_text(path, &artifacts[path].bytes);
        assert!(
            !text.contains("registries.conf.d") && !text.contains("/etc/containers/certs.d"),
            "{path}"
        );
    }
}

fn validate(cluster: &str) -> (Option<i32>, String) {
    let o = common::validate_definition(cluster);
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned() + &String::from_utf8_lossy(&o.stdout),
    )
}

#[test]
fn bad_mirrors_are_refused_naming_the_field() {
    let mirrors = |registry: &str, url: &str| {
        definition(&format!(
            "registries:\n  mirrors:\n    {registry}: [\"{url}\"]\n"
        ))
    };
    let cases = [
        (
            mirrors("docker.io", "http://mirror.example.internal"),
            "registries.mirrors.docker.io[0]",
            "not an https URL",
        ),
        (
            mirrors("docker.io", "https://user:pw@mirror.example.internal"),
            "registries.mirrors.docker.io[0]",
            "carries credentials",
        ),
        (
            mirrors("docker.io", "https://mirror.example.internal/?x=1"),
            "registries.mirrors.docker.io[0]",
            "not a registry mirror URL",
        ),
        (
            mirrors("not a host", "https://mirror.example.internal"),
            "registries.mirrors",
            "is not a registry host",
        ),
        (
            definition("registries:\n  ca: \"-----BEGIN CERTIFICATE-----\"\n"),
            "registries.ca",
            "without `registries.mirrors`",
        ),
        (
            definition(
                "registries:\n  mirrors:\n    quay.io: [https://m.example.internal]\n  ca: \"not pem\"\n",
            ),
            "registries.ca",
            "is not a PEM certificate",
        ),
    ];
    for (cluster, field, message) in cases {
        let (code, out) = validate(&cluster);
        assert_eq!(code, Some(1), "{cluster}\n{out}");
        assert!(
            out.contains(field) && out.contains(message),
            "{field}: {out}"
        );
        assert!(!out.contains(":pw@"), "{out}");
    }
    let (code, out) = validate(&with_mirrors(true));
    assert_eq!(code, Some(0), "{out}");
}

const REPOSITORY: &str = "registry.example.internal/k8s";

/// The VIP example with `kubernetes.image_repository` set.
fn vip_with_repository() -> String {
    std::fs::read_to_string(common::root().join("examples/vip-ubuntu-24.04-1.36.yaml"))
        .unwrap()
        .replacen(
            "kubernetes:\n",
            &format!("kubernetes:\n  image_repository: {REPOSITORY}\n"),
            1,
        )
}

/// The documents of every heredoc a bundle's steps write to `path`.
fn documents(artifacts: &kubeprint::Artifacts, dir: &str, path: &str) -> Vec<serde_yaml::Value> {
    artifacts
        .keys()
        .filter(|p| p.starts_with(&format!("{dir}/steps/")))
        .flat_map(|p| written(&common::text(artifacts, p), path))
        .flat_map(|body| common::yaml_documents(&body))
        .collect()
}

#[test]
fn the_image_repository_reaches_kubeadm_kube_vip_and_the_image_build() {
    let artifacts = common::render_text(&vip_with_repository(), "vip");
    let config = documents(&artifacts, "nodes/cp-1", "/etc/kubeprint/kubeadm-init.yaml");
    let cluster = config
        .iter()
        .find(|d| d["kind"].as_str() == Some("ClusterConfiguration"))
        .expect("a ClusterConfiguration");
    assert_eq!(cluster["imageRepository"].as_str(), Some(REPOSITORY));
    for dir in ["nodes/cp-1", "nodes/cp-2"] {
        let pods = documents(&artifacts, dir, "/etc/kubernetes/manifests/kube-vip.yaml");
        assert!(!pods.is_empty(), "{dir}");
        for pod in pods {
            assert_eq!(
                pod["spec"]["containers"][0]["image"].as_str(),
                Some(format!("{REPOSITORY}/kube-vip:v1.2.3").as_str()),
                "{dir}"
            );
        }
    }
    let pull = common::text(&artifacts, "packer/scripts/06-pull-images.sh");
    assert!(
        pull.contains(&format!("--image-repository {REPOSITORY}")),
        "{pull}"
    );
    common::validate_tree(&artifacts);

    // Without it, kubeadm's default stays implicit.
    let plain = std::fs::read_to_string(common::root().join("examples/vip-ubuntu-24.04-1.36.yaml"))
        .unwrap();
    let plain = common::render_text(&plain, "vip");
    let config = documents(&plain, "nodes/cp-1", "/etc/kubeprint/kubeadm-init.yaml");
    assert!(config.iter().all(|d| d.get("imageRepository").is_none()));
}

#[test]
fn artifacts_show_the_rewritten_references_and_leave_the_cni_images() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cluster.yaml"), vip_with_repository()).unwrap();
    let o = kubeprint(dir.path(), &["artifacts", "--format", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let images: Vec<&str> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "image")
        .filter_map(|i| i["location"].as_str())
        .collect();
    for reference in [
        format!("{REPOSITORY}/kube-apiserver:v1.36.4"),
        format!("{REPOSITORY}/kube-proxy:v1.36.4"),
        format!("{REPOSITORY}/kube-vip:v1.2.3"),
    ] {
        assert!(
            images.contains(&reference.as_str()),
            "{reference} in {images:?}"
        );
    }
    // The CNI manifest names its own images: served through mirrors, not rewritten.
    assert!(
        images.contains(&"quay.io/calico/node:v3.32.1"),
        "{images:?}"
    );
    assert!(
        !images
            .iter()
            .any(|i| i.starts_with("registry.k8s.io") || i.starts_with("ghcr.io/kube-vip")),
        "{images:?}"
    );
}

#[test]
fn a_bad_image_repository_is_refused_naming_the_field() {
    for bad in [
        "https://registry.example.internal/k8s",
        "registry.example.internal/K8s",
        "not a host",
    ] {
        // The definition's last lines belong to `kubernetes:`.
        let text = definition(&format!("  image_repository: \"{bad}\"\n"));
        let (code, out) = validate(&text);
        assert_eq!(code, Some(1), "{bad}: {out}");
        assert!(
            out.contains("kubernetes.image_repository")
                && out.contains("is not an image repository"),
            "{out}"
        );
    }
}
