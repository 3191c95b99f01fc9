//! Review tooling, `kubeprint diff OLD NEW`: two rendered [`Tree`]s → what changed,
//! operational consequences first (CA, token, user-data, package versions, CNI), then
//! the added, removed and changed files. Secret values are never printed: a changed
//! token is reported as changed, a CA by its public hash.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use crate::review::facts::{self, Bundle, NodeKind, kind_of};
use crate::review::tree::Tree;
use crate::secrets::pki;

/// The facts of one tree that matter operationally, deduplicated across copies.
#[derive(Default)]
struct Summary {
    ca_hashes: BTreeSet<String>,
    /// Hashed, so they can be compared without being kept around in the clear.
    tokens: BTreeSet<String>,
    pins: BTreeSet<String>,
    repos: BTreeSet<String>,
    cni: BTreeSet<String>,
    /// Field → value of the init bundle's ClusterConfiguration.
    cluster: BTreeMap<&'static str, String>,
    /// Bundle dir → whether it runs kubeadm init.
    user_data: BTreeMap<String, bool>,
}

fn summarize(bundles: &[Bundle]) -> Summary {
    let mut s = Summary::default();
    for b in bundles {
        s.user_data
            .insert(facts_user_data(b), b.kind() == NodeKind::Init);
        for ca in &b.ca_certs {
            if let Ok(info) = pki::inspect_certificate(&ca.value) {
                s.ca_hashes.insert(pki::ca_cert_hash(&info.spki_der));
            }
        }
        for doc in b.kubeadm.iter().flat_map(|k| &k.value) {
            match kind_of(doc) {
                "InitConfiguration" => {
                    for t in doc["bootstrapTokens"].as_sequence().into_iter().flatten() {
                        if let Some(t) = t["token"].as_str() {
                            s.tokens.insert(crate::digest::sha256_hex(t.as_bytes()));
                        }
                    }
                }
                "JoinConfiguration" => {
                    let d = &doc["discovery"]["bootstrapToken"];
                    if let Some(t) = d["token"].as_str() {
                        s.tokens.insert(crate::digest::sha256_hex(t.as_bytes()));
                    }
                    // Workers carry only the pin: it stands for the CA where no
                    // certificate is rendered.
                    if b.ca_certs.is_empty() {
                        for pin in d["caCertHashes"].as_sequence().into_iter().flatten() {
                            if let Some(p) = pin.as_str() {
                                s.ca_hashes.insert(p.to_string());
                            }
                        }
                    }
                }
                "ClusterConfiguration" if b.kind() == NodeKind::Init => {
                    let text = |v: &serde_yaml::Value| match v {
                        serde_yaml::Value::Null => "(unset)".to_string(),
                        serde_yaml::Value::String(s) => s.clone(),
                        other => serde_yaml::to_string(other)
                            .unwrap_or_default()
                            .trim()
                            .replace('\n', " "),
                    };
                    for (field, value) in [
                        ("kubernetesVersion", &doc["kubernetesVersion"]),
                        ("controlPlaneEndpoint", &doc["controlPlaneEndpoint"]),
                        ("podSubnet", &doc["networking"]["podSubnet"]),
                        ("serviceSubnet", &doc["networking"]["serviceSubnet"]),
                        ("certSANs", &doc["apiServer"]["certSANs"]),
                    ] {
                        s.cluster.entry(field).or_insert_with(|| text(value));
                    }
                }
                _ => {}
            }
        }
        for p in &b.pins {
            s.pins
                .insert(format!("{}={}", p.value.package, p.value.version));
        }
        for r in &b.repos {
            s.repos.insert(format!("{}: {}", r.value.name, r.value.url));
        }
        for c in &b.cni {
            let net = facts::cni_pod_network(&c.value).unwrap_or_else(|e| e.message());
            s.cni.insert(format!(
                "{} {} (pod network {net})",
                c.value.plugin, c.value.manifest_url
            ));
        }
    }
    s
}

fn facts_user_data(b: &Bundle) -> String {
    if b.dir.is_empty() {
        "user-data.yaml".to_string()
    } else {
        format!("{}/user-data.yaml", b.dir)
    }
}

fn set_change(old: &BTreeSet<String>, new: &BTreeSet<String>) -> Option<String> {
    if old == new {
        return None;
    }
    let show = |s: &BTreeSet<String>| {
        if s.is_empty() {
            "(none)".to_string()
        } else {
            s.iter().cloned().collect::<Vec<_>>().join(", ")
        }
    };
    let removed: BTreeSet<String> = old.difference(new).cloned().collect();
    let added: BTreeSet<String> = new.difference(old).cloned().collect();
    Some(format!("{} → {}", show(&removed), show(&added)))
}

/// The `sha256:` hashes of every cluster CA a tree carries or pins.
pub fn ca_hashes(tree: &Tree) -> BTreeSet<String> {
    summarize(&facts::bundles(tree)).ca_hashes
}

/// The report for `kubeprint diff`, for stdout.
pub fn diff(old: &Tree, new: &Tree) -> String {
    let (a, b) = (
        summarize(&facts::bundles(old)),
        summarize(&facts::bundles(new)),
    );
    let mut flags = Vec::new();
    if let Some(change) = set_change(&a.ca_hashes, &b.ca_hashes) {
        flags.push(format!(
            "CA changed ({change}): running nodes trust the old CA; nodes rendered from the new tree cannot join the old control plane, and a control plane built from it starts a new cluster"
        ));
    }
    if a.tokens != b.tokens {
        flags.push(
            "bootstrap token changed: new nodes can join only a control plane that knows the new token (`kubeadm token create` it, or rebuild)"
                .to_string(),
        );
    }
    for (file, init) in &b.user_data {
        let (Some(x), Some(y)) = (old.get(file), new.get(file)) else {
            continue;
        };
        if x.bytes != y.bytes {
            let who = if *init { "control-plane " } else { "" };
            flags.push(format!(
                "{who}user-data changed ({file}): instances whose launch template or instance configuration carries it may be replaced"
            ));
        }
    }
    let pins = set_change(&a.pins, &b.pins);
    let repos = set_change(&a.repos, &b.repos);
    if pins.is_some() || repos.is_some() {
        let what: Vec<String> = [pins, repos].into_iter().flatten().collect();
        flags.push(format!(
            "package versions changed ({}): an upgrade; running nodes keep their held packages, upgrade them with `kubeadm upgrade`",
            what.join("; ")
        ));
    }
    if let Some(change) = set_change(&a.cni, &b.cni) {
        flags.push(format!(
            "CNI manifest changed ({change}): applied only when a control plane is initialized; apply it to the running cluster by hand"
        ));
    }
    for (field, new_value) in &b.cluster {
        match a.cluster.get(field) {
            Some(old_value) if old_value != new_value => flags.push(format!(
                "cluster configuration {field} changed ({old_value} → {new_value}): kubeadm applies it only at init"
            )),
            _ => {}
        }
    }

    let mut out = String::new();
    if flags.is_empty() {
        out.push_str("operational changes: none\n");
    } else {
        out.push_str("operational changes:\n");
        for f in &flags {
            let _ = writeln!(out, "  ! {f}");
        }
    }
    let mut files = Vec::new();
    for (path, f) in new {
        match old.get(path) {
            None => files.push(format!("  added:   {path}")),
            Some(o) if o.bytes != f.bytes && o.mode != f.mode => files.push(format!(
                "  changed: {path} (mode {:04o} → {:04o})",
                o.mode, f.mode
            )),
            Some(o) if o.bytes != f.bytes => files.push(format!("  changed: {path}")),
            Some(o) if o.mode != f.mode => files.push(format!(
                "  mode:    {path} ({:04o} → {:04o})",
                o.mode, f.mode
            )),
            Some(_) => {}
        }
    }
    for path in old.keys().filter(|p| !new.contains_key(*p)) {
        files.push(format!("  removed: {path}"));
    }
    if files.is_empty() {
        out.push_str("files: identical\n");
    } else {
        let _ = writeln!(out, "files ({}):", files.len());
        for f in files {
            out.push_str(&f);
            out.push('\n');
        }
    }
    out
}
