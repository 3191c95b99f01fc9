//! Part of `verify`: the control-plane VIP. Every control-plane bundle writes the same
//! kube-vip static pod, announcing the endpoint's address on the port the endpoint
//! names; workers write none; and the first control plane uses super-admin.conf during
//! `kubeadm init` exactly where kubeadm writes that file (1.29 on).

use serde_yaml::Value;

use crate::model::kube_vip::{ADMIN_CONF, SUPER_ADMIN_CONF, SUPER_ADMIN_SINCE_MINOR};
use crate::review::facts::{BundleFacts, Found, NodeKind};

use super::findings::{Findings, display_dir};
use super::reference::split_endpoint;

/// The cluster's `controlPlaneEndpoint` (`host:port`) and Kubernetes minor, from the
/// reference ClusterConfiguration.
pub(super) fn check_kube_vip(
    bundles: &[BundleFacts],
    endpoint: &str,
    minor: Option<u32>,
    out: &mut Findings,
) {
    let Some(reference) = bundles
        .iter()
        .flat_map(|b| &b.kube_vip)
        .find(|k| kubeconfig(&k.value) == Some(ADMIN_CONF))
    else {
        if let Some(k) = bundles.iter().flat_map(|b| &b.kube_vip).next() {
            out.problems.push(format!(
                "{}: no kube-vip manifest uses {ADMIN_CONF}, so kube-vip keeps a break-glass credential after kubeadm init",
                k.file
            ));
        }
        return;
    };
    check_endpoint(reference, endpoint, out);
    let mut control_planes = 0;
    for b in bundles {
        let is_control_plane =
            matches!(b.kind(), NodeKind::Init) || (b.kind() == NodeKind::Join && !b.is_worker());
        if !is_control_plane {
            if let Some(k) = b.kube_vip.first() {
                out.problems.push(format!(
                    "{}: a worker writes the kube-vip static pod; only control planes run it",
                    k.file
                ));
            }
            continue;
        }
        control_planes += 1;
        check_bundle(b, reference, minor, out);
    }
    out.summary.push(format!(
        "kube-vip static pod ({}) alike in {control_planes} control-plane bundle(s), announcing the endpoint {endpoint}",
        reference.value["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap_or("no image")
    ));
}

/// The VIP is the endpoint's address, on its port: kube-vip forwards no ports.
fn check_endpoint(reference: &Found<Value>, endpoint: &str, out: &mut Findings) {
    let (host, port) = split_endpoint(endpoint);
    // kubeadm's default API server port when the endpoint names none.
    let port = port.unwrap_or("6443");
    for (name, expected) in [("address", host), ("port", port)] {
        let found = env(&reference.value, name);
        if found != Some(expected) {
            out.problems.push(format!(
                "{}: kube-vip's `{name}` is {}, but the endpoint {endpoint} needs {expected}",
                reference.file,
                found.unwrap_or("unset")
            ));
        }
    }
}

/// One control-plane bundle: it carries the manifest, every copy of it equals the
/// reference but for the kubeconfig, and super-admin.conf appears exactly where kubeadm
/// writes it (the init node, from 1.29).
fn check_bundle(b: &BundleFacts, reference: &Found<Value>, minor: Option<u32>, out: &mut Findings) {
    let dir = display_dir(&b.dir);
    if b.kube_vip.is_empty() {
        out.problems.push(format!(
            "{dir}: this control plane writes no kube-vip static pod, but {} does: the VIP could never move here",
            reference.file
        ));
        return;
    }
    let mut super_admin = false;
    for k in &b.kube_vip {
        match kubeconfig(&k.value) {
            Some(ADMIN_CONF) => {}
            Some(SUPER_ADMIN_CONF) if b.kind() == NodeKind::Init => super_admin = true,
            other => {
                out.problems.push(format!(
                    "{}: kube-vip mounts {} where this node has no such kubeconfig",
                    k.file,
                    other.unwrap_or("no kubeconfig")
                ));
                continue;
            }
        }
        if without_kubeconfig(&k.value) != without_kubeconfig(&reference.value) {
            out.problems.push(format!(
                "{}: the kube-vip static pod differs from {}",
                k.file, reference.file
            ));
        }
    }
    let needs = b.kind() == NodeKind::Init && minor.is_some_and(|m| m >= SUPER_ADMIN_SINCE_MINOR);
    if needs && !super_admin {
        out.problems.push(format!(
            "{dir}: kubeadm init of 1.{} gives admin.conf no rights until it ends, so kube-vip needs {SUPER_ADMIN_CONF} during init (kube-vip/kube-vip#684)",
            minor.unwrap_or_default()
        ));
    } else if super_admin && !needs {
        out.problems.push(format!(
            "{dir}: kube-vip mounts {SUPER_ADMIN_CONF}, which kubeadm writes only from 1.{SUPER_ADMIN_SINCE_MINOR}"
        ));
    }
}

/// The `value` of the container's environment variable `name`.
fn env<'a>(pod: &'a Value, name: &str) -> Option<&'a str> {
    pod["spec"]["containers"][0]["env"]
        .as_sequence()?
        .iter()
        .find(|e| e["name"].as_str() == Some(name))?["value"]
        .as_str()
}

/// The host path of the `kubeconfig` volume.
fn kubeconfig(pod: &Value) -> Option<&str> {
    pod["spec"]["volumes"]
        .as_sequence()?
        .iter()
        .find(|v| v["name"].as_str() == Some("kubeconfig"))?["hostPath"]["path"]
        .as_str()
}

/// The pod with its kubeconfig volume's path blanked, for comparing the two variants.
fn without_kubeconfig(pod: &Value) -> Value {
    let mut pod = pod.clone();
    let volumes = pod
        .get_mut("spec")
        .and_then(|s| s.get_mut("volumes"))
        .and_then(Value::as_sequence_mut);
    for v in volumes.into_iter().flatten() {
        if v["name"].as_str() == Some("kubeconfig")
            && let Some(Value::Mapping(host_path)) = v.get_mut("hostPath")
        {
            host_path.remove("path");
        }
    }
    pod
}
