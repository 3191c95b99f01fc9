//! Part of `verify`: one kubeadm document, from any copy in any bundle, against the
//! reference. The CRI socket; the bootstrap token; the cluster-wide fields; the
//! kubelet's cgroup driver; and a join's token, CA pin and API server endpoint.

use serde_yaml::Value;

use crate::review::facts::kind_of;

use super::findings::Findings;
use super::reference::{ClusterSettings, Reference};

/// Problems come in the same order for every document: the socket first, then what
/// its kind carries.
pub(super) fn check_document(
    doc: &Value,
    file: &str,
    r: &Reference,
    cluster: &ClusterSettings,
    runtime: Runtime,
    out: &mut Findings,
) {
    check_cri_socket(doc, file, runtime, out);
    match kind_of(doc) {
        "InitConfiguration" => check_init_tokens(doc, file, r, out),
        "ClusterConfiguration" => check_cluster_copy(doc, file, r, out),
        "KubeletConfiguration" => check_cgroup_driver(doc, file, out),
        "JoinConfiguration" => check_join(doc, file, r, cluster, out),
        _ => {}
    }
}

/// The runtime a bundle installs, by its runtime step: `NN-containerd.sh` or (every
/// other bundle) CRI-O's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Runtime {
    pub label: &'static str,
    pub socket: &'static str,
}

pub(super) fn bundle_runtime(step_files: &[String]) -> Runtime {
    if step_files.iter().any(|f| f.ends_with("-containerd.sh")) {
        Runtime {
            label: "containerd",
            socket: crate::layout::CONTAINERD_SOCKET,
        }
    } else {
        Runtime {
            label: "CRI-O",
            socket: crate::layout::CRIO_SOCKET,
        }
    }
}

/// Init and join configurations name the socket of the runtime their bundle installs.
fn check_cri_socket(doc: &Value, file: &str, runtime: Runtime, out: &mut Findings) {
    let socket = doc["nodeRegistration"]["criSocket"].as_str();
    let want = runtime.socket;
    match kind_of(doc) {
        "InitConfiguration" | "JoinConfiguration" if socket != Some(want) => {
            out.problems.push(format!(
                "{file}: {} criSocket is `{}`, expected `{want}` ({})",
                kind_of(doc),
                socket.unwrap_or("(unset)"),
                runtime.label
            ));
        }
        _ => {}
    }
}

/// Every copy of the InitConfiguration has the reference's bootstrap tokens.
fn check_init_tokens(doc: &Value, file: &str, r: &Reference, out: &mut Findings) {
    let tokens: Vec<&str> = doc["bootstrapTokens"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(|t| t["token"].as_str())
        .collect();
    if tokens != r.tokens.iter().map(String::as_str).collect::<Vec<_>>() {
        out.problems.push(format!(
            "{file}: the bootstrap token differs from the one in {}",
            r.file
        ));
    }
}

/// Every copy of the ClusterConfiguration agrees on what the cluster is.
fn check_cluster_copy(doc: &Value, file: &str, r: &Reference, out: &mut Findings) {
    for field in [
        "kubernetesVersion",
        "controlPlaneEndpoint",
        "clusterName",
        "apiServer",
    ] {
        if doc[field] != r.cluster[field] {
            out.problems.push(format!(
                "{file}: ClusterConfiguration {field} differs from the one in {}",
                r.file
            ));
        }
    }
    if doc["networking"] != r.cluster["networking"] {
        out.problems.push(format!(
            "{file}: ClusterConfiguration networking differs from the one in {}",
            r.file
        ));
    }
}

/// CRI-O uses the systemd cgroup driver, and the kubelet's must match it.
fn check_cgroup_driver(doc: &Value, file: &str, out: &mut Findings) {
    let driver = doc["cgroupDriver"].as_str();
    if driver != Some("systemd") {
        out.problems.push(format!(
            "{file}: KubeletConfiguration cgroupDriver is `{}`, expected `systemd` (CRI-O's)",
            driver.unwrap_or("(unset)")
        ));
    }
}

/// A join reaches the control plane only with its token, its CA pin, and an endpoint
/// the API server certificate covers.
fn check_join(
    doc: &Value,
    file: &str,
    r: &Reference,
    cluster: &ClusterSettings,
    out: &mut Findings,
) {
    let discovery = &doc["discovery"]["bootstrapToken"];
    let token = discovery["token"].as_str().unwrap_or_default();
    if !r.tokens.iter().any(|t| t == token) {
        out.problems.push(format!(
            "{file}: the join token differs from the bootstrap token in {}",
            r.file
        ));
    }
    let pins: Vec<&str> = discovery["caCertHashes"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if pins.is_empty() {
        out.problems.push(format!(
            "{file}: caCertHashes is empty, so the node would trust any API server"
        ));
    }
    for pin in pins {
        if !r.ca_hash.is_empty() && pin != r.ca_hash {
            out.problems.push(format!(
                "{file}: caCertHashes pins {pin}, but the CA certificate in {} hashes to {}",
                r.ca_file, r.ca_hash
            ));
        }
    }
    let api = discovery["apiServerEndpoint"].as_str().unwrap_or_default();
    if !cluster.covers(api) {
        out.problems.push(format!(
            "{file}: apiServerEndpoint `{api}` is neither the controlPlaneEndpoint nor in certSANs ({}), so the API server certificate does not cover it",
            r.file
        ));
    }
}
