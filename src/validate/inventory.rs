//! Part of stage 1b (validate): the optional node inventory (`nodes:`), checked into
//! [`Node`]s. Unique names and addresses, known roles, the first control plane present,
//! addresses outside the cluster's own ranges, labels and taints kubelet will accept.

use std::collections::BTreeSet;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::config::{NodeConfig, TaintConfig};
use crate::model::cluster::{Node, NodeRole, Taint};
use crate::validate::fields::Checker;
use crate::validate::syntax::{is_dns_label, is_dns_name, printable};

const EFFECTS: &[&str] = &["NoSchedule", "PreferNoSchedule", "NoExecute"];

/// Checks the inventory; the returned list keeps the file's order, so the first
/// control plane listed is the one that runs `kubeadm init`.
pub(crate) fn validate_nodes(
    list: &[NodeConfig],
    pod_subnet: Option<IpNet>,
    service_subnet: Option<IpNet>,
    c: &mut Checker,
) -> Vec<Node> {
    let mut seen = Seen {
        names: BTreeSet::new(),
        addresses: BTreeSet::new(),
        subnets: [("pod", pod_subnet), ("service", service_subnet)],
    };
    let nodes = list
        .iter()
        .enumerate()
        .filter_map(|(i, n)| node(i, n, &mut seen, c))
        .collect();
    if !list.is_empty()
        && !list
            .iter()
            .any(|n| n.role.as_deref() == Some("control-plane"))
    {
        c.error(
            "nodes",
            "the inventory lists no control plane",
            "add a node with `role: control-plane`; the first one listed runs `kubeadm init`",
        );
    }
    nodes
}

/// What earlier entries took, and the ranges node addresses must stay out of.
struct Seen {
    names: BTreeSet<String>,
    addresses: BTreeSet<IpAddr>,
    subnets: [(&'static str, Option<IpNet>); 2],
}

/// One entry, `nodes[i]`; `None` when its role or address is unusable (reported).
fn node(i: usize, n: &NodeConfig, seen: &mut Seen, c: &mut Checker) -> Option<Node> {
    let name = node_name(i, n, seen, c);
    let role = match n.role.as_deref() {
        Some("control-plane") => Some(NodeRole::ControlPlane),
        Some("worker") => Some(NodeRole::Worker),
        other => {
            c.error(
                &format!("nodes[{i}].role"),
                format!("unknown node role `{}`", printable(other.unwrap_or(""))),
                "use `control-plane` or `worker`",
            );
            None
        }
    };
    let address = node_address(i, n, seen, c);
    labels(i, n, c);
    let taints = n.taints.as_ref().map(|list| taints(i, list, c));
    Some(Node {
        name,
        role: role?,
        address: address?.0,
        subnet: address?.1,
        labels: n.labels.clone(),
        taints,
    })
}

fn node_name(i: usize, n: &NodeConfig, seen: &mut Seen, c: &mut Checker) -> String {
    let name = n.name.clone().unwrap_or_default();
    let path = format!("nodes[{i}].name");
    if name.is_empty() && c.fully_read(&format!("nodes[{i}]")) {
        c.error(
            &format!("nodes[{i}]"),
            "a node needs a `name`",
            "give every node a unique DNS name, like `cp-1`",
        );
    } else if !is_dns_name(&name) || name.len() > 63 {
        c.error(
            &path,
            format!("`{}` is not a valid node name", printable(&name)),
            "use lowercase letters, digits, `-` and `.` (a DNS name of at most 63 characters)",
        );
    } else if !seen.names.insert(name.clone()) {
        c.error(
            &path,
            format!("node name `{name}` is used twice"),
            "every node needs its own name",
        );
    }
    name
}

/// The node's address, and its subnet when written in CIDR form (`10.0.1.11/24`: the
/// address with its interface's prefix length).
fn node_address(
    i: usize,
    n: &NodeConfig,
    seen: &mut Seen,
    c: &mut Checker,
) -> Option<(IpAddr, Option<IpNet>)> {
    let path = format!("nodes[{i}].address");
    let help = "write the node's private IP address, like `10.0.0.11`, optionally with its subnet's prefix length, like `10.0.0.11/24`";
    let Some(text) = n.address.as_deref() else {
        if c.fully_read(&format!("nodes[{i}]")) {
            c.error(&format!("nodes[{i}]"), "a node needs an `address`", help);
        }
        return None;
    };
    let parsed = match text.split_once('/') {
        None => text.parse::<IpAddr>().ok().map(|ip| (ip, None)),
        Some(_) => text
            .parse::<IpNet>()
            .ok()
            .map(|net| (net.addr(), Some(net.trunc()))),
    };
    let Some((ip, subnet)) = parsed else {
        c.error(
            &path,
            format!("`{}` is not an IP address", printable(text)),
            help,
        );
        return None;
    };
    if !seen.addresses.insert(ip) {
        c.error(
            &path,
            format!("address {ip} is used by two nodes"),
            "every node needs its own address",
        );
    }
    for (label, net) in seen.subnets {
        if net.is_some_and(|net| net.contains(&ip)) {
            c.error(
                &path,
                format!("address {ip} lies inside the {label} subnet"),
                "node addresses must lie outside the pod and service subnets",
            );
        }
    }
    Some((ip, subnet))
}

/// Labels the kubelet may set on its own node (`--node-labels`).
fn labels(i: usize, n: &NodeConfig, c: &mut Checker) {
    let path = format!("nodes[{i}].labels");
    for (key, value) in &n.labels {
        if !is_qualified_name(key) {
            c.error(&path, format!("`{}` is not a valid label key", printable(key)),
                "use `name` or `prefix/name`: letters, digits, `-`, `_`, `.`, name at most 63 characters");
        } else if key.contains('/')
            && key.split('/').next().is_some_and(restricted_prefix)
            && !KUBELET_LABELS.contains(&key.as_str())
        {
            c.error(&path, format!("the kubelet may not set label `{key}` on its own node"),
                "the NodeRestriction admission plugin rejects kubelet labels under kubernetes.io and k8s.io (except kubelet.kubernetes.io and node.kubernetes.io); set such labels with kubectl after the node joins");
        }
        if !is_label_value(value) {
            c.error(&path, format!("`{}` is not a valid label value", printable(value)),
                "use at most 63 letters, digits, `-`, `_` or `.`, starting and ending with a letter or digit");
        }
    }
}

fn taints(i: usize, list: &[TaintConfig], c: &mut Checker) -> Vec<Taint> {
    let mut taints = Vec::new();
    for (t, taint) in list.iter().enumerate() {
        let path = format!("nodes[{i}].taints[{t}]");
        if !c.fully_read(&path) {
            continue;
        }
        let key = taint.key.clone().unwrap_or_default();
        if !is_qualified_name(&key) {
            c.error(
                &path,
                format!("`{}` is not a valid taint key", printable(&key)),
                "use `name` or `prefix/name`, like `dedicated`",
            );
        }
        if let Some(v) = &taint.value
            && !is_label_value(v)
        {
            c.error(
                &path,
                format!("`{}` is not a valid taint value", printable(v)),
                "use at most 63 letters, digits, `-`, `_` or `.`",
            );
        }
        let effect = taint.effect.clone().unwrap_or_default();
        if !EFFECTS.contains(&effect.as_str()) {
            c.error(
                &path,
                format!("`{}` is not a taint effect", printable(&effect)),
                "use NoSchedule, PreferNoSchedule or NoExecute",
            );
        }
        taints.push(Taint {
            key,
            value: taint.value.clone(),
            effect,
        });
    }
    taints
}

/// Well-known labels the kubelet may set on itself although they sit under kubernetes.io.
const KUBELET_LABELS: &[&str] = &[
    "kubernetes.io/hostname",
    "kubernetes.io/arch",
    "kubernetes.io/os",
    "beta.kubernetes.io/instance-type",
    "node.kubernetes.io/instance-type",
    "failure-domain.beta.kubernetes.io/region",
    "failure-domain.beta.kubernetes.io/zone",
    "topology.kubernetes.io/region",
    "topology.kubernetes.io/zone",
];

fn restricted_prefix(prefix: &str) -> bool {
    let allowed = ["kubelet.kubernetes.io", "node.kubernetes.io"];
    let restricted = |p: &str| {
        p == "kubernetes.io"
            || p.ends_with(".kubernetes.io")
            || p == "k8s.io"
            || p.ends_with(".k8s.io")
    };
    restricted(prefix)
        && !allowed
            .iter()
            .any(|a| prefix == *a || prefix.ends_with(&format!(".{a}")))
}

/// Kubernetes qualified names: optional DNS-subdomain prefix, `/`, then a name of at
/// most 63 characters of `[A-Za-z0-9_.-]`, alphanumeric at both ends.
fn is_qualified_name(s: &str) -> bool {
    let (prefix, name) = match s.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    prefix.is_none_or(|p| is_dns_name(p) && p.split('.').all(is_dns_label))
        && is_label_value(name)
        && !name.is_empty()
}

fn is_label_value(s: &str) -> bool {
    let b = s.as_bytes();
    b.is_empty()
        || (b.len() <= 63
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualified_names_and_label_values() {
        for ok in [
            "dedicated",
            "example.com/gpu",
            "node.kubernetes.io/pool",
            "a_b.c-d",
        ] {
            assert!(is_qualified_name(ok), "{ok}");
        }
        for bad in [
            "",
            "/gpu",
            "Example.com/gpu",
            "a/b/c",
            "-x",
            &"x".repeat(64),
        ] {
            assert!(!is_qualified_name(bad), "{bad}");
        }
        assert!(is_label_value("") && is_label_value("eu-west-1a") && !is_label_value("a b"));
    }
}
