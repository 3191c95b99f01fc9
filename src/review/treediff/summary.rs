//! Part of review's `kubeprint diff`: one rendered tree's bundle facts (in) → the
//! [`Summary`] (out) of what matters operationally (CA hashes, hashed tokens, package
//! pins, repositories, CNI, the init ClusterConfiguration, user-data files, hashed
//! secret files), each deduplicated across the copies the bundles carry, so two trees
//! compare field by field.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::Value;

use crate::review::facts::{self, BundleFacts, NodeKind, kind_of};
use crate::secrets::pki;

/// The facts of one tree that matter operationally, deduplicated across copies.
#[derive(Default)]
pub(super) struct Summary {
    pub(super) ca_hashes: BTreeSet<String>,
    /// Hashed, so they can be compared without being kept around in the clear.
    pub(super) tokens: BTreeSet<String>,
    pub(super) pins: BTreeSet<String>,
    pub(super) repos: BTreeSet<String>,
    pub(super) cni: BTreeSet<String>,
    /// Field → value of the init bundle's ClusterConfiguration.
    pub(super) cluster: BTreeMap<&'static str, String>,
    /// Each bundle's `user-data.yaml` path → whether the bundle runs kubeadm init.
    pub(super) user_data: BTreeMap<String, bool>,
    /// Fingerprints of the API server's encryption keys.
    pub(super) encryption_keys: BTreeSet<String>,
    /// Each `secret: true` file's path → the sha256 of every content it is written with,
    /// so a rotated credential shows without its value.
    pub(super) secret_files: BTreeMap<String, BTreeSet<String>>,
}

pub(super) fn summarize(bundles: &[BundleFacts]) -> Summary {
    let mut s = Summary::default();
    for b in bundles {
        s.add_bundle(b);
    }
    s
}

impl Summary {
    fn add_bundle(&mut self, b: &BundleFacts) {
        self.user_data
            .insert(facts_user_data(b), b.kind() == NodeKind::Init);
        for ca in &b.ca_certs {
            if let Ok(info) = pki::inspect_certificate(&ca.value) {
                self.ca_hashes.insert(pki::ca_cert_hash(&info.spki_der));
            }
        }
        for doc in b.kubeadm.iter().flat_map(|k| &k.value) {
            match kind_of(doc) {
                "InitConfiguration" => {
                    for t in doc["bootstrapTokens"].as_sequence().into_iter().flatten() {
                        if let Some(t) = t["token"].as_str() {
                            self.add_token(t);
                        }
                    }
                }
                "JoinConfiguration" => self.add_join(b, doc),
                "ClusterConfiguration" if b.kind() == NodeKind::Init => self.add_cluster(doc),
                _ => {}
            }
        }
        for p in &b.pins {
            self.pins
                .insert(format!("{}={}", p.value.package, p.value.version));
        }
        for r in &b.repos {
            self.repos
                .insert(format!("{}: {}", r.value.name, r.value.url));
        }
        for f in b.user_files.iter().filter(|f| f.value.secret) {
            self.secret_files
                .entry(f.value.path.clone())
                .or_default()
                .insert(crate::digest::sha256_hex(f.value.content.as_bytes()));
        }
        for f in &b.encryption_configs {
            let keys = facts::encryption_key_fingerprints(&f.value.body);
            self.encryption_keys.extend(keys.unwrap_or_default());
        }
        for c in &b.cni {
            let net = facts::cni_pod_network(&c.value).unwrap_or_else(|e| e.message());
            self.cni.insert(format!(
                "{} {} (pod network {net})",
                c.value.plugin, c.value.manifest_url
            ));
        }
    }

    fn add_token(&mut self, token: &str) {
        self.tokens
            .insert(crate::digest::sha256_hex(token.as_bytes()));
    }

    fn add_join(&mut self, b: &BundleFacts, doc: &Value) {
        let d = &doc["discovery"]["bootstrapToken"];
        if let Some(t) = d["token"].as_str() {
            self.add_token(t);
        }
        // Workers carry only the pin: it stands for the CA where no
        // certificate is rendered.
        if b.ca_certs.is_empty() {
            for pin in d["caCertHashes"].as_sequence().into_iter().flatten() {
                if let Some(p) = pin.as_str() {
                    self.ca_hashes.insert(p.to_string());
                }
            }
        }
    }

    /// For each field the first copy read wins.
    fn add_cluster(&mut self, doc: &Value) {
        for (field, value) in [
            ("kubernetesVersion", &doc["kubernetesVersion"]),
            ("controlPlaneEndpoint", &doc["controlPlaneEndpoint"]),
            ("podSubnet", &doc["networking"]["podSubnet"]),
            ("serviceSubnet", &doc["networking"]["serviceSubnet"]),
            ("certSANs", &doc["apiServer"]["certSANs"]),
        ] {
            self.cluster
                .entry(field)
                .or_insert_with(|| field_text(value));
        }
        self.cluster
            .entry("apiServer.extraArgs")
            .or_insert_with(|| args_text(&doc["apiServer"]["extraArgs"]));
    }
}

/// A ClusterConfiguration value on one line: `(unset)`, a string as it is, anything
/// else as its YAML text with line breaks turned into spaces.
fn field_text(v: &Value) -> String {
    match v {
        Value::Null => "(unset)".to_string(),
        Value::String(s) => s.clone(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .replace('\n', " "),
    }
}

/// API server flags as `name=value, …`, the same for v1beta4's `{name, value}` list
/// and the map before it.
fn args_text(v: &Value) -> String {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let args: Vec<String> = match v {
        Value::Mapping(m) => m
            .iter()
            .map(|(k, v)| format!("{}={}", text(k), text(v)))
            .collect(),
        Value::Sequence(items) => items
            .iter()
            .map(|a| format!("{}={}", text(&a["name"]), text(&a["value"])))
            .collect(),
        _ => return "(unset)".to_string(),
    };
    args.join(", ")
}

fn facts_user_data(b: &BundleFacts) -> String {
    if b.dir.is_empty() {
        "user-data.yaml".to_string()
    } else {
        format!("{}/user-data.yaml", b.dir)
    }
}
