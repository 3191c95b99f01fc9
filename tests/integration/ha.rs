//! High availability, the node inventory, the shared PKI and admin.conf.

use crate::common;

use common::kubeprint;

use std::collections::BTreeSet;
use std::fs;
use std::process::Command;

use base64::Engine;

fn example(name: &str) -> kubeprint::Artifacts {
    let text = fs::read_to_string(common::root().join("examples").join(name)).unwrap();
    common::render_text(&text, name)
}

/// `write_file PATH MODE keep` lines of a pki step.
fn pki_paths(step: &str) -> BTreeSet<String> {
    step.lines()
        .filter(|l| l.starts_with("write_file /etc/kubernetes/pki/"))
        .map(|l| l.split_whitespace().nth(1).unwrap().to_string())
        .collect()
}

const SHARED_SET: &[&str] = &[
    "/etc/kubernetes/pki/ca.crt",
    "/etc/kubernetes/pki/ca.key",
    "/etc/kubernetes/pki/sa.key",
    "/etc/kubernetes/pki/sa.pub",
    "/etc/kubernetes/pki/front-proxy-ca.crt",
    "/etc/kubernetes/pki/front-proxy-ca.key",
    "/etc/kubernetes/pki/etcd/ca.crt",
    "/etc/kubernetes/pki/etcd/ca.key",
];

#[test]
fn ha_control_planes_get_exactly_the_shared_set_and_workers_no_key() {
    let a = example("ha-ubuntu-22.04-1.35.yaml");
    let expected: BTreeSet<String> = SHARED_SET.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        pki_paths(&common::text(&a, "control-plane/steps/06-pki.sh")),
        expected
    );
    assert_eq!(
        pki_paths(&common::text(&a, "control-plane-join/steps/06-pki.sh")),
        expected
    );
    for (path, artifact) in &a {
        if path.starts_with("worker/") {
            assert!(
                !String::from_utf8_lossy(&artifact.bytes).contains("PRIVATE KEY"),
                "{path}"
            );
        }
    }
    let join = common::text(&a, "control-plane-join/steps/08-kubeadm-join.sh");
    assert!(
        join.contains("controlPlane: {}"),
        "control-plane join lacks controlPlane"
    );
    assert!(
        !join.contains("certificateKey"),
        "no --upload-certs key is needed with the shared set"
    );
}

#[test]
fn every_joining_node_pins_the_same_ca_hash() {
    let secrets = common::fixture_secrets();
    let pin = format!("- {}", secrets.ca_cert_hash);
    for name in ["ha-ubuntu-22.04-1.35.yaml", "inventory-debian-12-1.36.yaml"] {
        let a = example(name);
        let joins: Vec<_> = a
            .keys()
            .filter(|p| p.ends_with("kubeadm-join.sh") || p.ends_with("/user-data.yaml"))
            .collect();
        for path in joins {
            let text = common::text(&a, path);
            if text.contains("kind: JoinConfiguration") {
                assert!(text.contains(&pin), "{name}: {path} pins another CA");
                assert_eq!(text.matches("caCertHashes").count(), 1, "{name}: {path}");
            }
        }
        // And it is the hash of the CA every control plane installs.
        let first = if a.contains_key("control-plane/steps/06-pki.sh") {
            "control-plane"
        } else {
            "nodes/cp-1"
        };
        let step = common::text(&a, &format!("{first}/steps/06-pki.sh"));
        let start = step.find("-----BEGIN CERTIFICATE-----").unwrap();
        let end = step.find("-----END CERTIFICATE-----").unwrap() + 25;
        if let Some(hash) = common::openssl_ca_cert_hash(&step[start..end]) {
            assert_eq!(hash, secrets.ca_cert_hash);
        }
    }
}

#[test]
fn inventory_nodes_carry_their_identity() {
    let a = example("inventory-debian-12-1.36.yaml");
    let cp1 = common::text(&a, "nodes/cp-1/user-data.yaml");
    assert!(cp1.contains("\nhostname: cp-1\n"));
    assert!(cp1.contains("kind: InitConfiguration") && cp1.contains("advertiseAddress: 10.0.1.11"));
    assert!(cp1.contains("name: cp-1") && !cp1.contains("KUBEPRINT_NODE_NAME"));
    let cp2 = common::text(&a, "nodes/cp-2/user-data.yaml");
    assert!(
        cp2.contains("kind: JoinConfiguration")
            && cp2.contains("controlPlane:")
            && cp2.contains("advertiseAddress: 10.0.1.12")
    );
    let gpu = common::text(&a, "nodes/gpu-1/user-data.yaml");
    for needle in [
        "hostname: gpu-1",
        "name: gpu-1",
        "value: 10.0.2.31",
        "example.com/accelerator=nvidia",
        "key: example.com/gpu",
        "effect: NoSchedule",
    ] {
        assert!(gpu.contains(needle), "gpu-1 lacks `{needle}`");
    }
    assert!(!gpu.contains("PRIVATE KEY") && !gpu.contains("controlPlane:"));
    // The per-role worker bundle stays for workers not listed (autoscaling groups);
    // every control plane is listed, so no per-role control-plane bundle is written.
    assert!(a.contains_key("worker/user-data.yaml"));
    for role in ["control-plane", "control-plane-join"] {
        assert!(!a.contains_key(&format!("{role}/user-data.yaml")), "{role}");
    }
}

#[test]
fn inventory_mistakes_are_reported() {
    let text = "kubernetes:\n  version: \"1.36.4\"\nnodes:\n  - {name: a, role: worker, address: 10.0.0.5}\n  - {name: a, role: boss, address: 10.0.0.5}\n  - {name: c, role: worker, address: 10.244.1.1, labels: {node-role.kubernetes.io/worker: \"\"}}\n";
    let (cluster, report) = kubeprint::load_cluster(text, "inv.yaml", false);
    assert!(cluster.is_none());
    let shown = report.to_string();
    for needle in [
        "used twice",
        "unknown node role `boss`",
        "10.0.0.5 is used by two nodes",
        "inside the pod subnet",
        "may not set label",
        "lists no control plane",
    ] {
        assert!(shown.contains(needle), "missing `{needle}` in:\n{shown}");
    }
}

fn decode_kubeconfig(conf: &str) -> (Vec<u8>, Vec<u8>, String) {
    let doc: serde_yaml::Value = serde_yaml::from_str(conf).unwrap();
    let b64 = |v: &serde_yaml::Value| {
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap())
            .unwrap()
    };
    let ca = b64(&doc["clusters"][0]["cluster"]["certificate-authority-data"]);
    let cert = b64(&doc["users"][0]["user"]["client-certificate-data"]);
    let server = doc["clusters"][0]["cluster"]["server"]
        .as_str()
        .unwrap()
        .to_string();
    (ca, cert, server)
}

#[test]
fn admin_conf_verifies_against_the_ca_with_the_right_group() {
    if !common::require_tool("openssl") {
        return;
    }
    for (name, group, server) in [
        (
            "guide-1.21.yaml",
            "system:masters",
            "https://172.31.11.193:6443",
        ),
        (
            "ubuntu-24.04-1.36-calico.yaml",
            "kubeadm:cluster-admins",
            "https://k8s-api.example.internal:6443",
        ),
    ] {
        let a = example(name);
        let conf = &a["admin.conf"];
        assert_eq!(conf.mode, 0o600);
        let (ca, cert, got_server) =
            decode_kubeconfig(&String::from_utf8(conf.bytes.clone()).unwrap());
        assert_eq!(got_server, server);
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("ca.crt"), &ca).unwrap();
        fs::write(dir.path().join("admin.crt"), &cert).unwrap();
        let verify = Command::new("openssl")
            .args(["verify", "-CAfile", "ca.crt", "admin.crt"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            verify.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&verify.stderr)
        );
        let subject = Command::new("openssl")
            .args(["x509", "-noout", "-subject", "-in", "admin.crt"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let subject = String::from_utf8_lossy(&subject.stdout);
        assert!(
            subject.contains(group) && subject.contains("kubernetes-admin"),
            "{name}: {subject}"
        );
        // kubectl is not packaged by Debian; use it when the machine has one.
        if Command::new("kubectl")
            .arg("version")
            .arg("--client")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            fs::write(dir.path().join("admin.conf"), &conf.bytes).unwrap();
            let view = Command::new("kubectl")
                .args([
                    "config",
                    "view",
                    "--kubeconfig",
                    "admin.conf",
                    "-o",
                    "jsonpath={.clusters[0].cluster.server}",
                ])
                .current_dir(dir.path())
                .output()
                .unwrap();
            assert_eq!(
                String::from_utf8_lossy(&view.stdout),
                server,
                "kubectl reads admin.conf"
            );
        }
    }
}

#[test]
fn importing_an_openssl_ca_pins_that_ca() {
    if !common::require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pki_dir = dir.path().join("pki");
    fs::create_dir(&pki_dir).unwrap();
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "3650",
            "-subj",
            "/CN=kubernetes",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,digitalSignature",
        ])
        .current_dir(&pki_dir)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let import = kubeprint(
        dir.path(),
        &[
            "secrets",
            "import",
            "--pki-dir",
            "pki",
            "--generate-missing",
            "-o",
            "s.yaml",
        ],
    );
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    assert_eq!(common::mode(&dir.path().join("s.yaml")), 0o600);

    let pubkey = Command::new("sh").arg("-c").arg("openssl x509 -pubkey -noout -in pki/ca.crt | openssl pkey -pubin -outform der | sha256sum").current_dir(dir.path()).output().unwrap();
    let hash = format!(
        "sha256:{}",
        String::from_utf8_lossy(&pubkey.stdout)
            .split_whitespace()
            .next()
            .unwrap()
    );

    let render = kubeprint(dir.path(), &["render", "-s", "s.yaml", "-o", "out"]);
    assert!(
        render.status.success(),
        "{}",
        String::from_utf8_lossy(&render.stderr)
    );
    let join = fs::read_to_string(dir.path().join("out/worker/steps/07-kubeadm-join.sh")).unwrap();
    assert!(
        join.contains(&format!("- {hash}")),
        "worker does not pin the imported CA {hash}"
    );
    let ca = fs::read_to_string(dir.path().join("out/control-plane/steps/06-pki.sh")).unwrap();
    assert!(
        ca.contains(fs::read_to_string(pki_dir.join("ca.crt")).unwrap().trim()),
        "control plane does not install the imported CA"
    );
}

#[test]
fn show_prints_public_facts_and_rotate_changes_only_the_token() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        kubeprint(dir.path(), &["secrets", "generate", "-o", "s.yaml"])
            .status
            .success()
    );
    let before: serde_yaml::Value =
        serde_yaml::from_str(&fs::read_to_string(dir.path().join("s.yaml")).unwrap()).unwrap();
    let show = kubeprint(dir.path(), &["secrets", "show", "-s", "s.yaml"]);
    assert!(show.status.success());
    let out = String::from_utf8_lossy(&show.stdout);
    let token = before["bootstrap_token"].as_str().unwrap();
    assert!(
        out.contains("CA hash:        sha256:")
            && out.contains(&token[..6])
            && out.contains("expires:")
    );
    assert!(
        !out.contains(token) && !out.contains("PRIVATE KEY"),
        "show leaked a secret"
    );

    assert!(
        kubeprint(dir.path(), &["secrets", "rotate-token", "-s", "s.yaml"])
            .status
            .success()
    );
    let after: serde_yaml::Value =
        serde_yaml::from_str(&fs::read_to_string(dir.path().join("s.yaml")).unwrap()).unwrap();
    assert_ne!(after["bootstrap_token"], before["bootstrap_token"]);
    assert_eq!(after["cluster_ca"], before["cluster_ca"]);
    assert_eq!(common::mode(&dir.path().join("s.yaml")), 0o600);
}

#[test]
fn an_older_secrets_file_is_completed_without_changing_ca_or_token() {
    let dir = tempfile::tempdir().unwrap();
    let full = common::fixture_secrets_yaml();
    common::write_secrets_without(
        &dir.path().join("s.yaml"),
        &[
            "cluster",
            "front_proxy_ca",
            "etcd_ca",
            "service_account",
            "admin",
        ],
    );
    let render = kubeprint(dir.path(), &["render", "-s", "s.yaml"]);
    assert!(
        render.status.success(),
        "{}",
        String::from_utf8_lossy(&render.stderr)
    );
    assert!(
        String::from_utf8_lossy(&render.stderr)
            .contains("added front_proxy_ca, etcd_ca, service_account, admin")
    );
    let now: serde_yaml::Value =
        serde_yaml::from_str(&fs::read_to_string(dir.path().join("s.yaml")).unwrap()).unwrap();
    assert_eq!(now["bootstrap_token"], full["bootstrap_token"]);
    assert_eq!(now["cluster_ca"], full["cluster_ca"]);
    assert!(
        now["front_proxy_ca"]["private_key"].is_string()
            && now["etcd_ca"]["private_key"].is_string()
            && now["service_account"]["private_key"].is_string()
            && now["admin"].as_sequence().map(Vec::len) == Some(2)
    );
}

/// The kubeadm documents in a rendered file (the heredoc the kubeadm-config step writes).
fn kubeadm_docs(artifacts: &kubeprint::Artifacts, path: &str) -> Vec<serde_yaml::Value> {
    let text = common::text(artifacts, path);
    let start = text
        .find("apiVersion: kubeadm.k8s.io")
        .expect("a kubeadm document");
    let end = text[start..]
        .find("\nKUBEPRINT_")
        .map_or(text.len(), |e| start + e + 1);
    common::yaml_documents(&text[start..end])
}

fn registration<'a>(docs: &'a [serde_yaml::Value], kind: &str) -> &'a serde_yaml::Value {
    let doc = docs
        .iter()
        .find(|d| d["kind"].as_str() == Some(kind))
        .unwrap_or_else(|| panic!("no {kind}"));
    &doc["nodeRegistration"]
}

const SMALL_FLEET: &str = "name: small\nos: ubuntu-24.04\nkubernetes:\n  version: \"1.36.4\"\n  endpoint: ENDPOINT\nnodes:\n  - {name: cp-1, role: control-plane, address: 10.0.1.11TAINTS}\n  - {name: w-1, role: worker, address: 10.0.2.21}\n";

fn small_fleet(endpoint: &str, taints: &str) -> String {
    SMALL_FLEET
        .replace("ENDPOINT", endpoint)
        .replace("TAINTS", taints)
}

#[test]
fn empty_taints_replace_kubeadms_default_and_absent_taints_keep_it() {
    let with = common::render_text(&small_fleet("10.0.1.11:6443", ", taints: []"), "empty");
    let docs = kubeadm_docs(&with, "nodes/cp-1/steps/07-kubeadm-init.sh");
    let taints = &registration(&docs, "InitConfiguration")["taints"];
    assert_eq!(taints.as_sequence().map(Vec::len), Some(0), "{taints:?}");
    assert!(
        common::text(&with, "nodes/cp-1/steps/07-kubeadm-init.sh").contains("\n  taints: []\n")
    );

    let without = common::render_text(&small_fleet("10.0.1.11:6443", ""), "absent");
    let docs = kubeadm_docs(&without, "nodes/cp-1/steps/07-kubeadm-init.sh");
    assert!(registration(&docs, "InitConfiguration")["taints"].is_null());
}

#[test]
fn the_endpoint_port_must_be_one_the_api_server_listens_on() {
    // A control plane's own address on a port its API server does not bind: nothing
    // would answer there.
    let (cluster, report) =
        kubeprint::load_cluster(&small_fleet("10.0.1.11:8443", ""), "port.yaml", false);
    assert!(cluster.is_none());
    let report = report.to_string();
    assert!(
        report.contains("the endpoint 10.0.1.11:8443 is control plane `cp-1`'s own address, but its API server listens on 6443"),
        "{report}"
    );
    // Binding the API server there makes it right, and kubeadm is told so.
    let text = small_fleet("10.0.1.11:8443", "")
        .replace("  endpoint:", "  api_server_port: 8443\n  endpoint:");
    let artifacts = common::render_text(&text, "bound");
    let docs = kubeadm_docs(&artifacts, "nodes/cp-1/steps/07-kubeadm-init.sh");
    let init = docs
        .iter()
        .find(|d| d["kind"] == "InitConfiguration")
        .unwrap();
    assert_eq!(init["localAPIEndpoint"]["bindPort"].as_u64(), Some(8443));
    assert_eq!(
        init["localAPIEndpoint"]["advertiseAddress"].as_str(),
        Some("10.0.1.11")
    );
    // Per-role bundles (without an inventory) know no address, but still bind the port.
    let without_nodes = text.split("nodes:").next().unwrap();
    let per_role = common::render_text(without_nodes, "per-role");
    let docs = kubeadm_docs(&per_role, "control-plane/steps/07-kubeadm-init.sh");
    let init = docs
        .iter()
        .find(|d| d["kind"] == "InitConfiguration")
        .unwrap();
    assert_eq!(init["localAPIEndpoint"]["bindPort"].as_u64(), Some(8443));
    assert!(init["localAPIEndpoint"]["advertiseAddress"].is_null());
    // A load balancer may translate ports: a warning, not an error.
    let (cluster, report) =
        kubeprint::load_cluster(&small_fleet("lb.example.com:443", ""), "lb.yaml", false);
    assert!(cluster.is_some(), "{report}");
    assert!(
        report.to_string().contains("forwards port 443 to 6443"),
        "{report}"
    );
}

#[test]
fn kubectl_taints_render_like_mappings_and_anchors_merge_into_nodes() {
    let written = |taints: &str| {
        format!(
            "name: t\nos: ubuntu-24.04\nkubernetes:\n  version: \"1.36.4\"\n  endpoint: api.example.internal:6443\nx-worker: &worker\n  role: worker\n  labels: {{topology.kubernetes.io/zone: a}}\nnodes:\n  - {{name: cp-1, role: control-plane, address: 10.0.1.11}}\n  - <<: *worker\n    name: w-1\n    address: 10.0.2.21\n    taints: {taints}\n"
        )
    };
    let kubectl = common::render_text(
        &written("[dedicated=infra:NoSchedule, \"gpu:NoExecute\"]"),
        "kubectl",
    );
    let mapping = common::render_text(
        &written(
            "[{key: dedicated, value: infra, effect: NoSchedule}, {key: gpu, effect: NoExecute}]",
        ),
        "mapping",
    );
    let path = "nodes/w-1/steps/07-kubeadm-join.sh";
    assert_eq!(common::text(&kubectl, path), common::text(&mapping, path));
    let docs = kubeadm_docs(&kubectl, path);
    let taints = &registration(&docs, "JoinConfiguration")["taints"];
    assert_eq!(taints[0]["key"], "dedicated");
    assert_eq!(taints[0]["value"], "infra");
    assert_eq!(taints[1]["effect"], "NoExecute");
    assert!(taints[1]["value"].is_null());
    // The anchor's role and labels reached the node.
    assert!(common::text(&kubectl, path).contains("topology.kubernetes.io/zone=a"));
    // A kubectl taint without an effect is reported like a mapping without one.
    let (cluster, report) = kubeprint::load_cluster(&written("[dedicated=infra]"), "t.yaml", false);
    assert!(cluster.is_none());
    assert!(
        report.to_string().contains("`` is not a taint effect"),
        "{report}"
    );
}
