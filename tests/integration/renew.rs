//! `kubeprint renew` through the binary: the control-plane bundle (renew, restart the
//! static pods the supported way, check the expiry), a new admin certificate signed by
//! the same CA, kept in the secrets file so `render` writes the same admin.conf.

use std::fs;

use base64::Engine;

use crate::common::{self, kubeprint};

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn client_certificate(kubeconfig: &str) -> String {
    let doc: serde_yaml::Value = serde_yaml::from_str(kubeconfig).unwrap();
    let data = doc["users"][0]["user"]["client-certificate-data"]
        .as_str()
        .unwrap();
    let pem = base64::engine::general_purpose::STANDARD
        .decode(data)
        .unwrap();
    String::from_utf8(pem).unwrap()
}

#[test]
fn renew_writes_a_new_admin_conf_of_the_same_ca_and_the_control_plane_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let secrets = common::fixture_secrets_at(dir.path(), "secrets.yaml");
    let cluster = common::root().join("examples/ha-ubuntu-22.04-1.35.yaml");
    let cluster = cluster.to_str().unwrap();
    let before: serde_yaml::Value =
        serde_yaml::from_str(&fs::read_to_string(&secrets).unwrap()).unwrap();
    let o = kubeprint(dir.path(), &["render", "-q", "-c", cluster, "-o", "out"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let old_admin = fs::read_to_string(dir.path().join("out/admin.conf")).unwrap();

    let o = kubeprint(dir.path(), &["renew", "-q", "-c", cluster, "-o", "renew"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let renew = dir.path().join("renew");
    let admin = fs::read_to_string(renew.join("admin.conf")).unwrap();
    assert_eq!(common::mode(&renew.join("admin.conf")), 0o600);
    let (old_cert, new_cert) = (client_certificate(&old_admin), client_certificate(&admin));
    assert_ne!(old_cert, new_cert, "the admin certificate is new");
    if common::require_tool("openssl") {
        fs::write(dir.path().join("ca.crt"), common::fixture_ca_certificate()).unwrap();
        fs::write(dir.path().join("admin.crt"), &new_cert).unwrap();
        common::run_ok(
            "openssl",
            &["verify", "-CAfile", "ca.crt", "admin.crt"],
            dir.path(),
        );
    }
    // Only the admin entries changed, and `render` now writes the same admin.conf.
    let after: serde_yaml::Value =
        serde_yaml::from_str(&fs::read_to_string(&secrets).unwrap()).unwrap();
    assert_eq!(common::mode(&secrets) & 0o077, 0);
    for key in [
        "bootstrap_token",
        "cluster_ca",
        "front_proxy_ca",
        "etcd_ca",
        "service_account",
    ] {
        assert_eq!(before[key], after[key], "{key}");
    }
    assert_ne!(before["admin"], after["admin"]);
    let o = kubeprint(dir.path(), &["render", "-q", "-c", cluster, "-o", "out"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        fs::read_to_string(dir.path().join("out/admin.conf")).unwrap(),
        admin
    );

    let script = fs::read_to_string(renew.join("control-plane/renew.sh")).unwrap();
    let at = |n: &str| script.find(n).unwrap_or_else(|| panic!("`{n}` missing"));
    assert!(at("kubeadm certs renew all") < at("mv \"$manifests\"/etcd.yaml"));
    assert!(at("mv \"$manifests\"/etcd.yaml") < at("mv \"$manifests\"/kube-apiserver.yaml"));
    assert!(at("kube-scheduler.yaml \"$parked\"") < at("kubeadm certs check-expiration"));
    assert!(script.contains("-checkend 25920000"));
    assert!(script.contains("/var/lib/kubeprint/renew"));
    let scripts: Vec<String> = common::walk(&renew)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sh"))
        .map(|p| p.display().to_string())
        .collect();
    assert_eq!(scripts.len(), 5);
    for s in &scripts {
        common::run_ok("bash", &["-n", s], &renew);
    }
    if common::require_tool("shellcheck") {
        let mut args = vec!["-S", "warning"];
        args.extend(scripts.iter().map(String::as_str));
        common::run_ok("shellcheck", &args, &renew);
    }
}

#[test]
fn renew_needs_the_existing_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let o = kubeprint(dir.path(), &["renew", "-s", "missing.yaml", "-o", "renew"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("`missing.yaml` does not exist"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("missing.yaml").exists());
    assert!(!dir.path().join("renew").exists());
}
