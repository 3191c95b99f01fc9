//! Part of `verify`: the reference every other file is compared with, read from the
//! first init bundle's own step files: its bootstrap tokens, its ClusterConfiguration
//! and the public hash of the CA certificate it installs.

use serde_yaml::Value;

use crate::error::Result;
use crate::review::facts::{BundleFacts, NodeKind, kind_of};
use crate::secrets::pki;

use super::findings::{Findings, display_dir};

/// What every other file is compared with: the first init bundle's own step files.
pub(super) struct Reference {
    /// The step file the kubeadm configuration was read from, named in messages.
    pub file: String,
    pub tokens: Vec<String>,
    pub cluster: Value,
    /// The file the CA certificate was read from and its `sha256:` pin; both empty when
    /// there is none or it cannot be read (reported once, here).
    pub ca_file: String,
    pub ca_hash: String,
}

/// `None` (reported) when there is nothing to compare with: no init bundle, no kubeadm
/// configuration in its step, or no ClusterConfiguration in it.
pub(super) fn reference(bundles: &[BundleFacts], out: &mut Findings) -> Option<Reference> {
    let Some(init) = bundles.iter().find(|b| b.kind() == NodeKind::Init) else {
        out.problems
            .push("no bundle runs `kubeadm init` (a `kubeadm-init` step)".to_string());
        return None;
    };
    let Some(config) = init.step_kubeadm() else {
        out.problems.push(format!(
            "{}: the kubeadm-init step has no kubeadm configuration here-document",
            display_dir(&init.dir)
        ));
        return None;
    };
    let docs = &config.value;
    let tokens = bootstrap_tokens(docs);
    if tokens.is_empty() {
        out.problems.push(format!(
            "{}: InitConfiguration has no bootstrapTokens, so no node can join",
            config.file
        ));
    }
    let Some(cluster) = docs
        .iter()
        .find(|d| kind_of(d) == "ClusterConfiguration")
        .cloned()
    else {
        out.problems
            .push(format!("{}: no ClusterConfiguration document", config.file));
        return None;
    };
    let (ca_file, ca_hash) = reference_ca(init, out);
    Some(Reference {
        file: config.file.clone(),
        tokens,
        cluster,
        ca_file,
        ca_hash,
    })
}

/// The `token` of every `bootstrapTokens` entry of the InitConfiguration documents.
fn bootstrap_tokens(docs: &[Value]) -> Vec<String> {
    docs.iter()
        .filter(|d| kind_of(d) == "InitConfiguration")
        .flat_map(|d| {
            d["bootstrapTokens"]
                .as_sequence()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|t| t["token"].as_str().map(str::to_string))
        .collect()
}

/// The init bundle's first CA certificate: its file and hash, or two empty strings
/// (reported) when there is none or it cannot be read.
fn reference_ca(init: &BundleFacts, out: &mut Findings) -> (String, String) {
    match init.ca_certs.first() {
        None => {
            out.problems.push(format!(
                "{}: no step installs the cluster CA certificate ({}), so the CA pin cannot be checked",
                display_dir(&init.dir),
                crate::layout::CA_CERT_PATH
            ));
            (String::new(), String::new())
        }
        Some(ca) => match ca_hash(&ca.value) {
            Ok(h) => (ca.file.clone(), h),
            Err(e) => {
                out.problems.push(format!(
                    "{}: the CA certificate cannot be read: {e}",
                    ca.file
                ));
                (String::new(), String::new())
            }
        },
    }
}

/// The `sha256:` pin of a PEM CA certificate, as `caCertHashes` carries it.
pub(super) fn ca_hash(pem: &str) -> Result<String> {
    pki::inspect_certificate(pem).map(|info| pki::ca_cert_hash(&info.spki_der))
}

/// The fields of the reference ClusterConfiguration the cross-checks compare with.
pub(super) struct ClusterSettings {
    /// `kubernetesVersion` without its `v`.
    pub(super) version: String,
    /// Its minor, `None` when it is not a version (reported).
    pub(super) minor: Option<u32>,
    pub(super) endpoint: String,
    pub(super) pod_subnet: String,
    pub(super) sans: Vec<String>,
}

impl ClusterSettings {
    pub(super) fn of(c: &Value) -> ClusterSettings {
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        let version = text(&c["kubernetesVersion"]);
        let version = version.trim_start_matches('v').to_string();
        ClusterSettings {
            minor: version.split('.').nth(1).and_then(|m| m.parse().ok()),
            version,
            endpoint: text(&c["controlPlaneEndpoint"]),
            pod_subnet: text(&c["networking"]["podSubnet"]),
            sans: c["apiServer"]["certSANs"]
                .as_sequence()
                .into_iter()
                .flatten()
                .map(text)
                .collect(),
        }
    }

    /// Whether the API server certificate covers the host of `endpoint`: it is the
    /// controlPlaneEndpoint's host or one of the certSANs.
    pub(super) fn covers(&self, endpoint: &str) -> bool {
        let host = split_endpoint(endpoint).0;
        host == split_endpoint(&self.endpoint).0 || self.sans.iter().any(|s| s == host)
    }
}

/// An endpoint's host and port, as a rendered file spells it: `10.0.0.1:6443` →
/// (`10.0.0.1`, `6443`), `[fd00::1]:6443` → (`fd00::1`, `6443`), `name` → (`name`, none).
pub(super) fn split_endpoint(endpoint: &str) -> (&str, Option<&str>) {
    if let Some(rest) = endpoint.strip_prefix('[') {
        let (host, after) = rest.split_once(']').unwrap_or((rest, ""));
        return (host, after.strip_prefix(':'));
    }
    match endpoint.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => (host, Some(port)),
        _ => (endpoint, None),
    }
}
