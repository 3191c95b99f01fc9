//! `kubernetes.vip`: kube-vip's static pod on every control plane, for the minors on
//! both sides of kubeadm's super-admin.conf (1.29), read back as YAML 1.1 and 1.2, and
//! `verify` catching control planes that disagree.

use kubeprint::Artifacts;

use crate::common;

const MANIFEST: &str = "/etc/kubernetes/manifests/kube-vip.yaml";

fn definition(os: &str, version: &str, vip: &str) -> String {
    format!(
        "name: lab\nos: {os}\nkubernetes:\n  version: \"{version}\"\n  endpoint: 10.0.1.100:6443\n  control_planes: 3\n{vip}"
    )
}

const VIP: &str = "  vip:\n    address: 10.0.1.100\n    interface: ens5\n";

/// The step files of a bundle, in order, without their directory.
fn step_names(artifacts: &Artifacts, dir: &str) -> Vec<String> {
    let prefix = format!("{dir}/steps/");
    artifacts
        .keys()
        .filter_map(|p| p.strip_prefix(&prefix))
        .map(str::to_string)
        .collect()
}

/// The kube-vip manifests a step file writes.
fn manifests(artifacts: &Artifacts, path: &str) -> Vec<String> {
    common::heredocs(&common::text(artifacts, path))
        .into_iter()
        .filter(|h| h.opener.contains(MANIFEST))
        .map(|h| h.body)
        .collect()
}

fn env<'a>(pod: &'a serde_yaml::Value, name: &str) -> &'a str {
    pod["spec"]["containers"][0]["env"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|e| e["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no {name}"))["value"]
        .as_str()
        .unwrap()
}

fn kubeconfig(manifest: &str) -> String {
    let pod: serde_yaml::Value = serde_yaml::from_str(manifest).unwrap();
    pod["spec"]["volumes"][0]["hostPath"]["path"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn every_control_plane_runs_kube_vip_with_the_right_kubeconfig_for_its_minor() {
    for (os, version) in [
        ("ubuntu-20.04", "1.21.3"),
        ("ubuntu-22.04", "1.28.15"),
        ("ubuntu-24.04", "1.29.9"),
        ("ubuntu-24.04", "1.36.4"),
        ("ubuntu-24.04", "1.37.1"),
    ] {
        let minor: u32 = version.split('.').nth(1).unwrap().parse().unwrap();
        let artifacts = common::render_text(&definition(os, version, VIP), version);
        let first = step_names(&artifacts, "control-plane");
        let join = step_names(&artifacts, "control-plane-join");
        if minor >= 29 {
            assert_eq!(
                first[5..9],
                [
                    "06-pki.sh",
                    "07-kube-vip.sh",
                    "08-kubeadm-init.sh",
                    "09-kube-vip-admin-conf.sh"
                ],
                "{version}"
            );
            let before = manifests(&artifacts, "control-plane/steps/07-kube-vip.sh");
            let after = manifests(&artifacts, "control-plane/steps/09-kube-vip-admin-conf.sh");
            assert_eq!(kubeconfig(&before[0]), "/etc/kubernetes/super-admin.conf");
            assert_eq!(kubeconfig(&after[0]), "/etc/kubernetes/admin.conf");
            assert_eq!(
                before[0].replace("super-admin.conf", "admin.conf"),
                after[0],
                "{version}: the variants differ only in the kubeconfig"
            );
        } else {
            assert_eq!(
                first[5..8],
                ["06-pki.sh", "07-kube-vip.sh", "08-kubeadm-init.sh"],
                "{version}"
            );
            let before = manifests(&artifacts, "control-plane/steps/07-kube-vip.sh");
            assert_eq!(kubeconfig(&before[0]), "/etc/kubernetes/admin.conf");
        }
        // Joining control planes add it once `kubeadm join` wrote their admin.conf.
        assert_eq!(
            join[7..9],
            ["08-kubeadm-join.sh", "09-kube-vip.sh"],
            "{version}"
        );
        let joined = manifests(&artifacts, "control-plane-join/steps/09-kube-vip.sh");
        let pod: serde_yaml::Value = serde_yaml::from_str(&joined[0]).unwrap();
        assert_eq!(env(&pod, "address"), "10.0.1.100");
        assert_eq!(env(&pod, "port"), "6443");
        assert_eq!(env(&pod, "vip_interface"), "ens5");
        assert_eq!(env(&pod, "vip_arp"), "true");
        assert_eq!(env(&pod, "cp_enable"), "true");
        assert_eq!(env(&pod, "vip_leaderelection"), "true");
        assert_eq!(
            pod["spec"]["containers"][0]["image"].as_str(),
            Some("ghcr.io/kube-vip/kube-vip:v1.2.3")
        );
        assert!(
            !artifacts
                .keys()
                .any(|p| p.starts_with("worker/") && common::text(&artifacts, p).contains(MANIFEST)),
            "{version}: a worker writes the kube-vip pod"
        );
        let findings = kubeprint::verify(&common::tree(&artifacts), common::fixture_valid_at());
        assert!(
            findings.problems.is_empty(),
            "{version}: {:?}",
            findings.problems
        );
        let docs: Vec<(String, String)> = [&joined[0]]
            .iter()
            .map(|m| (format!("{version} kube-vip"), m.to_string()))
            .collect();
        common::assert_yaml_reads_alike(&docs);
    }
}

#[test]
fn the_api_server_port_is_kube_vips_port_and_the_interface_is_optional() {
    let text = definition(
        "ubuntu-24.04",
        "1.36.4",
        "  vip:\n    address: 10.0.1.100\n",
    )
    .replace("10.0.1.100:6443", "10.0.1.100:8443")
    .replace(
        "control_planes: 3",
        "control_planes: 3\n  api_server_port: 8443",
    );
    let artifacts = common::render_text(&text, "port");
    let manifest = &manifests(&artifacts, "control-plane-join/steps/09-kube-vip.sh")[0];
    let pod: serde_yaml::Value = serde_yaml::from_str(manifest).unwrap();
    assert_eq!(env(&pod, "port"), "8443");
    // Without `interface`, kube-vip takes the default route's interface.
    assert!(!manifest.contains("vip_interface"), "{manifest}");
    let findings = kubeprint::verify(&common::tree(&artifacts), common::fixture_valid_at());
    assert!(findings.problems.is_empty(), "{:?}", findings.problems);
}

#[test]
fn a_vip_replaces_the_warning_about_an_ip_endpoint_for_several_control_planes() {
    let without = definition("ubuntu-24.04", "1.36.4", "");
    let (_, report) = kubeprint::load_cluster(&without, "cluster.yaml", false);
    assert!(
        report
            .to_string()
            .contains("is an IP address but the cluster has 3 control planes")
    );
    let (cluster, report) = kubeprint::load_cluster(
        &definition("ubuntu-24.04", "1.36.4", VIP),
        "cluster.yaml",
        true,
    );
    assert!(cluster.is_none(), "{report}");
    // Only the advice to pin the kubelets' addresses remains, which an inventory meets.
    assert_eq!(report.diagnostics.len(), 1, "{report}");
    assert!(
        report.to_string().contains("may take the VIP for it"),
        "{report}"
    );
    let example =
        std::fs::read_to_string(common::root().join("examples/vip-ubuntu-24.04-1.36.yaml"))
            .unwrap();
    let (cluster, report) = kubeprint::load_cluster(&example, "example", true);
    assert!(cluster.is_some(), "{report}");
    assert_eq!(report.diagnostics.len(), 0, "{report}");
    // Off by default: no kube-vip anywhere.
    let artifacts = common::render_text(&without, "no vip");
    assert!(
        !artifacts
            .values()
            .any(|a| String::from_utf8_lossy(&a.bytes).contains("kube-vip"))
    );
}

#[test]
fn verify_catches_control_planes_whose_kube_vip_disagrees() {
    let text = std::fs::read_to_string(common::root().join("examples/vip-ubuntu-24.04-1.36.yaml"))
        .unwrap();
    let artifacts = common::render_text(&text, "vip");
    let mut t = common::tree(&artifacts);
    let step = "nodes/cp-2/steps/09-kube-vip.sh";
    let f = t.get_mut(step).unwrap();
    f.bytes = String::from_utf8(f.bytes.clone())
        .unwrap()
        .replace("value: 10.0.1.100", "value: 10.0.1.101")
        .into_bytes();
    let problems = kubeprint::verify(&t, common::fixture_valid_at())
        .problems
        .join("\n");
    assert!(
        problems.contains(&format!("{step}: the kube-vip static pod differs from")),
        "{problems}"
    );
}

#[test]
fn verify_knows_where_super_admin_conf_exists() {
    let artifacts = common::render_text(&definition("ubuntu-22.04", "1.28.15", VIP), "1.28");
    let mut t = common::tree(&artifacts);
    for (path, f) in t
        .iter_mut()
        .filter(|(p, _)| p.starts_with("control-plane/"))
    {
        let text = String::from_utf8(f.bytes.clone()).unwrap_or_default();
        if text.contains(MANIFEST) && !path.ends_with(".gz") {
            f.bytes = text
                .replace(
                    "path: /etc/kubernetes/admin.conf",
                    "path: /etc/kubernetes/super-admin.conf",
                )
                .into_bytes();
        }
    }
    let problems = kubeprint::verify(&t, common::fixture_valid_at())
        .problems
        .join("\n");
    assert!(
        problems.contains(
            "control-plane: kube-vip mounts /etc/kubernetes/super-admin.conf, which kubeadm writes only from 1.29"
        ),
        "{problems}"
    );
}

/// Interface names Linux accepts but YAML 1.1 would read as a bool, a number or null
/// stay strings in the manifest, under YAML 1.1 and 1.2 alike.
#[test]
fn interface_names_stay_strings() {
    let mut docs = Vec::new();
    for name in ["yes", "on", "1e3", "0x1f", "null", "~", "0o17", "12"] {
        let vip = format!("  vip:\n    address: 10.0.1.100\n    interface: '{name}'\n");
        let artifacts = common::render_text(&definition("ubuntu-24.04", "1.36.4", &vip), name);
        let manifest = manifests(&artifacts, "control-plane-join/steps/09-kube-vip.sh").remove(0);
        let pod: serde_yaml::Value = serde_yaml::from_str(&manifest).unwrap();
        assert_eq!(env(&pod, "vip_interface"), name);
        docs.push((format!("interface {name}"), manifest));
    }
    common::assert_yaml_reads_alike(&docs);
}

#[test]
fn explain_names_the_vip_and_the_kube_vip_steps() {
    let (out, json) = common::explain("examples/vip-ubuntu-24.04-1.36.yaml");
    assert!(
        out.contains("VIP 10.0.1.100 on ens5: kube-vip ghcr.io/kube-vip/kube-vip:v1.2.3 static pod on every control plane"),
        "{out}"
    );
    for step in ["07-kube-vip ", "09-kube-vip-admin-conf ", "09-kube-vip "] {
        assert!(out.contains(step), "{step}: {out}");
    }
    assert_eq!(json["vip"]["address"], "10.0.1.100");
}

/// `validate` of the VIP example with its control planes' addresses replaced.
fn validate_vip_with(addresses: [&str; 3], vip: &str) -> (bool, String) {
    let example =
        std::fs::read_to_string(common::root().join("examples/vip-ubuntu-24.04-1.36.yaml"))
            .unwrap();
    let mut text = example.replace("10.0.1.100", vip);
    for (i, a) in addresses.iter().enumerate() {
        text = text.replace(
            &format!("address: 10.0.1.1{}\n", i + 1),
            &format!("address: {a}\n"),
        );
    }
    let o = common::validate_definition(&text);
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn a_vip_outside_every_control_planes_subnet_is_a_warning_when_prefixes_are_given() {
    const WARNING: &str = "lies outside every control plane's subnet";
    let cidr = ["10.0.1.11/24", "10.0.1.12/24", "10.0.1.13/24"];
    // Inside their /24: nothing to say.
    let (ok, e) = validate_vip_with(cidr, "10.0.1.100");
    assert!(ok && !e.contains(WARNING), "{e}");
    // Outside: a warning naming the subnet, the field and the fix.
    let (ok, e) = validate_vip_with(cidr, "10.0.9.100");
    assert!(ok, "a warning, not an error: {e}");
    assert!(
        e.contains(&format!(
            "warning: the VIP 10.0.9.100 {WARNING} (10.0.1.0/24, from the prefix lengths in `nodes[].address`)"
        )),
        "{e}"
    );
    assert!(e.contains("(`kubernetes.vip.address`)"), "{e}");
    assert!(e.contains("choose a free address in 10.0.1.0/24"), "{e}");
    // Inside one of several subnets is enough.
    let (_, e) = validate_vip_with(
        ["10.0.1.11/24", "10.0.2.12/24", "10.0.3.13/24"],
        "10.0.3.100",
    );
    assert!(!e.contains(WARNING), "{e}");
    // Without a prefix for every control plane the subnet is unknown: no warning.
    for addresses in [
        ["10.0.1.11", "10.0.1.12", "10.0.1.13"],
        ["10.0.1.11/24", "10.0.1.12/24", "10.0.1.13"],
    ] {
        let (ok, e) = validate_vip_with(addresses, "10.0.9.100");
        assert!(ok && !e.contains(WARNING), "{addresses:?}: {e}");
    }
    // A malformed prefix is an error at the address.
    let (ok, e) = validate_vip_with(["10.0.1.11/33", "10.0.1.12", "10.0.1.13"], "10.0.1.100");
    assert!(!ok, "{e}");
    assert!(e.contains("`10.0.1.11/33` is not an IP address"), "{e}");
    assert!(e.contains("like `10.0.0.11/24`"), "{e}");
}

/// A prefix length describes the node's network only: its bundles use the address.
#[test]
fn a_node_address_with_a_prefix_renders_as_the_address() {
    let with_nodes = |suffix: &str| {
        let mut text = definition("ubuntu-24.04", "1.36.4", VIP) + "nodes:\n";
        for i in 1..=3 {
            text += &format!(
                "  - name: cp-{i}\n    role: control-plane\n    address: 10.0.1.1{i}{suffix}\n"
            );
        }
        text
    };
    let (plain, cidr) = (with_nodes(""), with_nodes("/24"));
    let a = common::render_text(&plain, "plain");
    let b = common::render_text(&cidr, "cidr");
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for path in a.keys() {
        if path.ends_with(".sh") || path.ends_with(".yaml") {
            assert_eq!(common::text(&a, path), common::text(&b, path), "{path}");
        }
    }
    assert!(!common::text(&b, "nodes/cp-1/user-data.yaml").contains("/24"));
}
