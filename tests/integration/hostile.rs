//! Hostile values: quotes, command substitutions, backquotes, newlines, `;`, unicode and
//! NUL pushed through every field that can reach output. Each is either rejected by
//! validation or rendered inert (single-quoted, or inside a log string or comment where
//! it cannot act), with shellcheck, bash -n and cloud-init still passing.

use crate::common;

use serde_yaml::{Mapping, Value};

const BASE: &str = include_str!("../../examples/ubuntu-24.04-1.36-calico.yaml");

const FIELDS: &[&str] = &[
    "name",
    "os",
    "admin_user",
    "kubernetes.version",
    "kubernetes.endpoint",
    "kubernetes.pod_subnet",
    "kubernetes.service_subnet",
    "kubernetes.dns_domain",
    "kubernetes.token_ttl",
    "kubernetes.cert_sans[0]",
    "runtime.crio_version",
    "cni.plugin",
    "cni.manifest",
    "packages.kubernetes_repo",
    "packages.kubernetes_key",
    "packages.crio_repo",
    "packages.crio_key",
];

const PAYLOADS: &[&str] = &[
    "a'b",
    "a\"b",
    "$(touch /tmp/kubeprint-pwned)",
    "`touch /tmp/kubeprint-pwned`",
    "x\ntouch /tmp/kubeprint-pwned",
    "x; touch /tmp/kubeprint-pwned",
    "x && reboot",
    "ünïcödé-名前",
    "-rf",
    "*",
    "KUBEPRINT_EOF",
    "https://example.com/pwned;reboot&x=1",
    "https://example.com/$(touch /tmp/kubeprint-pwned)",
    "https://example.com/a'b",
    "https://example.com/a\nb",
    "https://example.com/a b",
    "https://example.com/KUBEPRINT_EOF",
];

fn set(root: &mut Value, path: &str, payload: &str) {
    let mut node = root;
    let parts: Vec<&str> = path.split('.').collect();
    for (i, part) in parts.iter().enumerate() {
        let last = i == parts.len() - 1;
        let (key, index) = match part.split_once('[') {
            Some((k, _)) => (k, true),
            None => (*part, false),
        };
        let map = node.as_mapping_mut().expect("mapping");
        let entry = map
            .entry(Value::String(key.into()))
            .or_insert_with(|| Value::Mapping(Mapping::new()));
        if index {
            *entry = Value::Sequence(vec![Value::String(payload.into())]);
            return;
        }
        if last {
            *entry = Value::String(payload.into());
            return;
        }
        node = entry;
    }
}

#[test]
fn hostile_values_are_rejected_or_inert() {
    let mut accepted = Vec::new();
    for field in FIELDS {
        for payload in PAYLOADS {
            let mut doc: Value = serde_yaml::from_str(BASE).unwrap();
            set(&mut doc, field, payload);
            // Built as data and serialized: the payload lands exactly as a YAML string.
            let text = serde_yaml::to_string(&doc).unwrap();
            let (cluster, report) = kubeprint::load_cluster(&text, "hostile.yaml", false);
            let rendered_report = report.to_string();
            assert!(
                !rendered_report.contains('\n') || !rendered_report.contains("pwned\n"),
                "raw newline echoed"
            );
            let Some(cluster) = cluster else {
                assert!(report.has_errors());
                continue;
            };
            let artifacts =
                kubeprint::render_cluster(&cluster, &common::fixture_secrets()).expect("renders");
            // Shell is where text can act; YAML and JSON files are serialized data.
            for (path, a) in artifacts.iter().filter(|(p, _)| p.ends_with(".sh")) {
                let text = String::from_utf8(a.bytes.clone()).unwrap();
                for line in text.lines().filter(|l| l.contains(payload)) {
                    let t = line.trim_start();
                    // A word of only these characters means nothing special to bash.
                    let plain_word = payload
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c));
                    let inert = plain_word
                        || line
                            .match_indices(payload)
                            .all(|(i, _)| line[..i].matches('\'').count() % 2 == 1)
                        || t.starts_with("log \"")
                        || t.starts_with('#')
                        || t.starts_with("printf '%s\\n' 'deb ");
                    assert!(inert, "{field} = {payload:?}: not inert in {path}: {line}");
                }
            }
            accepted.push((field.to_string(), payload.to_string(), artifacts));
        }
    }
    // Only URL fields may accept shell-looking characters, and only ones that quoting
    // neutralizes; prove the validators still pass on what was accepted.
    for (field, payload, _) in &accepted {
        assert!(
            field.starts_with("cni.manifest") || field.starts_with("packages."),
            "{field} accepted {payload:?}"
        );
        assert!(
            !payload.contains(['$', '`', '\'', '"', '\n', ' ']),
            "{field} accepted {payload:?}"
        );
    }
    assert!(
        !accepted.is_empty(),
        "expected some URL payloads to be accepted and quoted"
    );
    for (_, _, artifacts) in accepted.iter().take(3) {
        common::validate_tree(artifacts);
    }
}

/// Plain scalars YAML 1.1 reads as bools, nulls, numbers or dates (YAML 1.2 as fewer).
#[rustfmt::skip]
const YAML11_TRAPS: &[&str] = &[
    "y", "Y", "n", "N", "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off",
    "OFF", "true", "True", "TRUE", "false", "False", "FALSE", "~", "null", "Null", "NULL", "",
    "1_000", "0x1f", "0o17", "0b101", "0123", "123", "1e3", "1.5", ".inf", "-.inf", ".nan",
    "2001-12-14", "1:20", "+1", "-1",
];

/// The fields whose value reaches a YAML document as text: `admin_user` reaches only
/// shell, and versions and durations are rewritten (`v1.30.2`, `24h0m0s`), not copied.
const YAML11_FIELDS: &[&str] = &[
    "name",
    "kubernetes.endpoint",
    "kubernetes.dns_domain",
    "kubernetes.cert_sans[0]",
    "nodes[1].name",
    "nodes[3].labels key",
    "nodes[4].labels value",
    "nodes[4].taints[0].key",
    "nodes[4].taints[0].value",
];

fn set_yaml11_field(doc: &mut Value, field: &str, trap: &str) {
    let single = |k: &str, v: &str| {
        let mut m = Mapping::new();
        m.insert(k.into(), v.into());
        Value::Mapping(m)
    };
    match field {
        "nodes[1].name" => doc["nodes"][1]["name"] = trap.into(),
        "nodes[3].labels key" => doc["nodes"][3]["labels"] = single(trap, "x"),
        "nodes[4].labels value" => doc["nodes"][4]["labels"] = single("k", trap),
        "nodes[4].taints[0].key" => doc["nodes"][4]["taints"][0]["key"] = trap.into(),
        "nodes[4].taints[0].value" => doc["nodes"][4]["taints"][0]["value"] = trap.into(),
        other => set(doc, other, trap),
    }
}

/// How a field's value appears in the documents.
fn yaml11_expected(field: &str, trap: &str) -> String {
    match field {
        "kubernetes.endpoint" if !trap.contains(':') => format!("{trap}:6443"),
        "nodes[3].labels key" => format!("{trap}=x"),
        "nodes[4].labels value" => format!("k={trap}"),
        _ => trap.to_string(),
    }
}

/// The step's check on the hostname it puts in place of the node-name placeholder:
/// `^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$`.
fn passes_hostname_check(name: &str) -> bool {
    let b = name.as_bytes();
    let end = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    !b.is_empty()
        && end(&b[0])
        && end(&b[b.len() - 1])
        && b.iter().all(|c| end(c) || *c == b'-' || *c == b'.')
}

/// Every YAML 1.1 trap, in every field that lets it through validation, reads back as
/// the same string under YAML 1.1 (PyYAML, cloud-init's reader) and YAML 1.2
/// (serde_yaml): kubeadm configuration, cloud-config and kubeconfig alike, and the
/// boot-time node name in the role bundles too. The forms only kubeadm's go-yaml v2
/// adds (`0o17`) are covered by the writer's own tests in `src/yaml.rs`.
#[test]
fn yaml_1_1_traps_stay_strings() {
    let base: Value =
        serde_yaml::from_str(include_str!("../../examples/inventory-debian-12-1.36.yaml")).unwrap();
    let accepts = |doc: &Value| {
        let text = serde_yaml::to_string(doc).unwrap();
        kubeprint::load_cluster(&text, "yaml11.yaml", false).0
    };
    let mut docs = Vec::new();
    // (which of `docs`, the strings expected among them)
    let mut expectations = Vec::new();
    let mut yes = None;
    for trap in YAML11_TRAPS {
        let mut doc = base.clone();
        let mut expected = Vec::new();
        for field in YAML11_FIELDS {
            let mut one = base.clone();
            set_yaml11_field(&mut one, field, trap);
            if accepts(&one).is_some() {
                set_yaml11_field(&mut doc, field, trap);
                expected.push((*field, yaml11_expected(field, trap)));
            }
        }
        let cluster = accepts(&doc).unwrap_or_else(|| panic!("{trap:?} in {expected:?}"));
        let artifacts =
            kubeprint::render_cluster(&cluster, &common::fixture_secrets()).expect("renders");
        let start = docs.len();
        docs.extend(common::node_yaml(&artifacts, None));
        expectations.push((start..docs.len(), expected));
        if *trap == "yes" {
            yes = Some(artifacts);
        }
    }
    // The role bundles put the hostname where the placeholder stands, at boot.
    let default = common::render_default();
    let hostnames: Vec<&str> = YAML11_TRAPS
        .iter()
        .copied()
        .filter(|h| passes_hostname_check(h))
        .collect();
    assert!(hostnames.contains(&"yes") && hostnames.contains(&"1e3"));
    for hostname in &hostnames {
        let start = docs.len();
        docs.extend(
            common::node_yaml(&default, Some(hostname))
                .into_iter()
                .filter(|(name, _)| name.contains("kubeadm")),
        );
        expectations.push((start..docs.len(), vec![("hostname", hostname.to_string())]));
    }
    // The writer itself, with every trap as a key and a list item, is unit-tested in
    // src/yaml/tests.rs.

    let Some(read) = common::assert_yaml_reads_alike(&docs) else {
        return;
    };
    for (range, expected) in expectations {
        let mut strings = std::collections::BTreeSet::new();
        for d in read[range].iter().flatten() {
            common::strings_in(d, &mut strings);
        }
        let pieces: Vec<String> = strings
            .iter()
            .flat_map(|s| s.split(',').map(str::to_string))
            .collect();
        for (field, want) in expected {
            assert!(
                strings.contains(&want) || pieces.contains(&want),
                "{field}: {want:?} is not a string of any document"
            );
        }
    }
    // cloud-init's schema wants `hostname: 'yes'` a string too.
    common::validate_tree(&yes.expect("`yes` renders"));
}
