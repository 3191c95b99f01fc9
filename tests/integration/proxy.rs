//! `proxy`: every tool of every bundle and the image build gets the same proxy and the
//! same computed NO_PROXY, for every kubeadm API the option meets; the kubeadm documents
//! themselves do not change; `verify` notices a script or drop-in that disagrees.

use crate::common;

const PROXY: &str = "proxy:\n  http: http://proxy.example.internal:3128\n  no_proxy: [.example.internal, 10.0.0.0/16]\n";

fn definition(os: &str, version: &str, extra: &str) -> String {
    format!(
        "name: lab\nos: {os}\nkubernetes:\n  version: \"{version}\"\n  endpoint: 10.0.1.10:6443\n{extra}"
    )
}

fn example() -> kubeprint::Artifacts {
    let text =
        std::fs::read_to_string(common::root().join("examples/proxy-ubuntu-24.04-1.36.yaml"))
            .unwrap();
    common::render_text(&text, "proxy")
}

const EXAMPLE_NO_PROXY: &str = "localhost,127.0.0.1,169.254.169.254,k8s-api.example.internal,10.0.1.11,10.0.2.21,10.244.0.0/16,10.96.0.0/12,.svc,.cluster.local,.example.internal,10.0.0.0/16";

#[test]
fn every_script_exports_the_proxy_and_the_computed_no_proxy() {
    let artifacts = example();
    let scripts: Vec<&String> = artifacts
        .keys()
        .filter(|p| p.ends_with(".sh") && !p.starts_with("publish/"))
        .collect();
    assert!(scripts.iter().any(|p| p.starts_with("packer/scripts/")));
    for path in scripts {
        let text = common::text(&artifacts, path);
        for line in [
            "export HTTP_PROXY='http://proxy.example.internal:3128'",
            "export https_proxy='http://proxy.example.internal:3128'",
            &format!("export NO_PROXY='{EXAMPLE_NO_PROXY}'"),
            &format!("export no_proxy='{EXAMPLE_NO_PROXY}'"),
        ] {
            assert!(text.contains(&format!("\n{line}\n")), "{path}: {line}");
        }
    }
}

#[test]
fn apt_crio_and_the_kubelet_get_drop_ins_before_they_run() {
    let artifacts = example();
    for dir in ["nodes/cp-1/steps", "worker/steps", "packer/scripts"] {
        let crio = common::text(&artifacts, &format!("{dir}/04-cri-o.sh"));
        let apt = crio
            .find("write_file /etc/apt/apt.conf.d/90kubeprint-proxy")
            .unwrap();
        assert!(
            apt < crio.find("\napt_install_missing ca-").unwrap(),
            "{crio}"
        );
        assert!(crio.contains("Acquire::https::Proxy \"http://proxy.example.internal:3128\";"));
        let dropin = crio
            .find("write_file /etc/systemd/system/crio.service.d/http-proxy.conf")
            .unwrap();
        let restart = crio.find("\nsystemctl restart crio\n").unwrap();
        assert!(dropin < crio.find("systemctl daemon-reload").unwrap() && restart > dropin);
        assert!(crio.contains(&format!("Environment=\"NO_PROXY={EXAMPLE_NO_PROXY}\"")));
        let kube = common::text(&artifacts, &format!("{dir}/05-kube-packages.sh"));
        let dropin = kube
            .find("write_file /etc/systemd/system/kubelet.service.d/http-proxy.conf")
            .unwrap();
        assert!(dropin < kube.find("\napt_get install").unwrap());
        assert!(
            kube.find("\nsystemctl daemon-reload\n").unwrap()
                < kube.find("\nsystemctl enable kubelet").unwrap()
        );
    }
}

#[test]
fn without_the_option_nothing_mentions_a_proxy() {
    for (path, a) in common::render_default().iter() {
        let text = String::from_utf8_lossy(&a.bytes);
        assert!(
            !text.contains("HTTP_PROXY") && !text.contains("http-proxy.conf"),
            "{path}"
        );
    }
}

/// The option for each kubeadm API (v1beta2, v1beta3, v1beta4): the same drop-ins, and
/// kubeadm documents byte for byte those of the same cluster without a proxy.
#[test]
fn the_proxy_leaves_kubeadm_documents_alone_for_every_kubeadm_api() {
    for (os, version) in [
        ("ubuntu-20.04", "1.21.14"),
        ("ubuntu-22.04", "1.28.15"),
        ("ubuntu-24.04", "1.30.14"),
        ("debian-13", "1.36.4"),
    ] {
        let plain = common::render_text(&definition(os, version, ""), version);
        let proxied = common::render_text(&definition(os, version, PROXY), version);
        common::validate_tree(&proxied);
        for step in [
            "control-plane/steps/07-kubeadm-init.sh",
            "worker/steps/07-kubeadm-join.sh",
        ] {
            let heredoc = |a: &kubeprint::Artifacts| {
                let text = common::text(a, step);
                let start = text.find("<<'KUBEPRINT_EOF'").unwrap();
                text[start..text[start..].find("\nKUBEPRINT_EOF").unwrap() + start].to_string()
            };
            assert_eq!(heredoc(&plain), heredoc(&proxied), "{version} {step}");
        }
        let crio = common::text(&proxied, "worker/steps/04-cri-o.sh");
        assert!(crio.contains("crio.service.d/http-proxy.conf"), "{version}");
    }
}

#[test]
fn no_proxy_follows_the_cluster() {
    let extra = format!(
        "{PROXY}  https: http://tls-proxy.example.internal:8080/\npackages:\n  kubernetes_repo: https://mirror.example.internal/k8s/\n  crio_repo: https://mirror.example.com/crio/\nnodes:\n  - {{name: cp-1, role: control-plane, address: \"fd00::11\"}}\n"
    );
    let text = definition("ubuntu-24.04", "1.36.4", &extra)
        .replace("10.0.1.10:6443", "api.example.internal:6443")
        .replace(
            "kubernetes:\n",
            "kubernetes:\n  dns_domain: corp.local\n  pod_subnet: 172.20.0.0/16\n",
        );
    let artifacts = common::render_text(&text, "ipv6");
    let crio = common::text(&artifacts, "worker/steps/04-cri-o.sh");
    assert!(
        crio.contains("export NO_PROXY='localhost,127.0.0.1,::1,169.254.169.254,api.example.internal,fd00::11,172.20.0.0/16,10.96.0.0/12,.svc,.corp.local,.example.internal,10.0.0.0/16'\n"),
        "{crio}"
    );
    assert!(crio.contains("export HTTPS_PROXY='http://tls-proxy.example.internal:8080'\n"));
    // apt reads no_proxy only from its environment: the exempt mirror is DIRECT in the
    // drop-in, the other one goes through the proxy.
    assert!(crio.contains("Acquire::https::Proxy::mirror.example.internal \"DIRECT\";"));
    assert!(!crio.contains("mirror.example.com \"DIRECT\""));
}

#[test]
fn fetched_bundles_run_the_fetcher_with_the_proxy() {
    let extra = format!("{PROXY}delivery:\n  mode: aws-secrets-manager\n  region: eu-west-1\n");
    let artifacts = common::render_text(&definition("debian-12", "1.36.4", &extra), "fetched");
    common::validate_tree(&artifacts);
    let stub: serde_yaml::Value =
        serde_yaml::from_str(&common::text(&artifacts, "worker/user-data.yaml")).unwrap();
    let command: Vec<&str> = stub["runcmd"][0]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert_eq!(command[0], "env");
    assert_eq!(command[1], "HTTP_PROXY=http://proxy.example.internal:3128");
    assert!(command[5].starts_with("NO_PROXY=localhost,127.0.0.1,169.254.169.254,"));
    assert_eq!(
        &command[7..],
        ["python3", "/usr/local/lib/kubeprint/fetch-payload.py"]
    );
}

#[test]
fn verify_names_a_script_or_drop_in_with_another_proxy() {
    let artifacts = example();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    common::write_tree(&artifacts, &out);
    let ok = common::kubeprint(
        dir.path(),
        &["verify", "out", "--at", common::FIXTURE_VALID_AT],
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(
        String::from_utf8_lossy(&ok.stdout).contains("proxy http://proxy.example.internal:3128: ")
    );
    for (file, from, to, says) in [
        (
            "worker/steps/06-wait-for-api.sh",
            "export no_proxy='localhost,",
            "export no_proxy='",
            "worker/steps/06-wait-for-api.sh: its proxy variables differ from manifest.json's (`no_proxy`)",
        ),
        (
            "packer/scripts/05-kube-packages.sh",
            "Environment=\"HTTPS_PROXY=http://proxy.example.internal:3128\"",
            "Environment=\"HTTPS_PROXY=http://other.example.internal:3128\"",
            "disagrees with manifest.json's proxy (`HTTPS_PROXY`)",
        ),
    ] {
        let path = out.join(file);
        let original = std::fs::read_to_string(&path).unwrap();
        assert!(original.contains(from), "{file}");
        std::fs::write(&path, original.replacen(from, to, 1)).unwrap();
        let bad = common::kubeprint(
            dir.path(),
            &["verify", "out", "--at", common::FIXTURE_VALID_AT],
        );
        let stderr = String::from_utf8_lossy(&bad.stderr);
        assert!(!bad.status.success() && stderr.contains(says), "{stderr}");
        std::fs::write(&path, original).unwrap();
    }
}

#[test]
fn explain_shows_the_proxy_and_the_whole_no_proxy() {
    let (explained, json) = common::explain("examples/proxy-ubuntu-24.04-1.36.yaml");
    assert!(
        explained.contains("proxy: http://proxy.example.internal:3128 for http and https"),
        "{explained}"
    );
    assert!(
        explained.contains(&format!("direct (NO_PROXY): {EXAMPLE_NO_PROXY}\n")),
        "{explained}"
    );
    assert_eq!(json["proxy"]["no_proxy"][2], "169.254.169.254");
}
