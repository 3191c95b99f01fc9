//! Hostile values: quotes, command substitutions, backquotes, newlines, `;`, unicode and
//! NUL pushed through every field that can reach output. Each is either rejected by
//! validation or rendered inert (single-quoted, or inside a log string or comment where
//! it cannot act), with shellcheck, bash -n and cloud-init still passing.

mod common;

use serde_yaml::{Mapping, Value};

const BASE: &str = include_str!("../examples/ubuntu-24.04-1.36-calico.yaml");

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
