//! Part of stage 1b (validate): the optional node inventory (`nodes:`), checked into
//! [`Node`]s. Unique names and addresses, known roles, the first control plane present,
//! addresses outside the cluster's own ranges, labels and taints kubelet will accept.

use std::collections::BTreeSet;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::config::NodeConfig;
use crate::model::cluster::{Node, NodeRole, Taint};
use crate::validate::fields::{Checker, is_dns_label, is_dns_name, printable};

const EFFECTS: &[&str] = &["NoSchedule", "PreferNoSchedule", "NoExecute"];

/// Checks the inventory; the returned list keeps the file's order, so the first
/// control plane listed is the one that runs `kubeadm init`.
pub(crate) fn validate_nodes(
    list: &[NodeConfig],
    pod_subnet: Option<IpNet>,
    service_subnet: Option<IpNet>,
    c: &mut Checker,
) -> Vec<Node> {
    let mut nodes = Vec::new();
    let mut names = BTreeSet::new();
    let mut addresses = BTreeSet::new();
    for (i, n) in list.iter().enumerate() {
        let at = |field: &str| format!("nodes[{i}].{field}");
        let name = n.name.clone().unwrap_or_default();
        if name.is_empty() {
            c.error(
                &format!("nodes[{i}]"),
                "a node needs a `name`",
                "give every node a unique DNS name, like `cp-1`",
            );
        } else if !is_dns_name(&name) || name.len() > 63 {
            c.error(
                &at("name"),
                format!("`{}` is not a valid node name", printable(&name)),
                "use lowercase letters, digits, `-` and `.` (a DNS name of at most 63 characters)",
            );
        } else if !names.insert(name.clone()) {
            c.error(
                &at("name"),
                format!("node name `{name}` is used twice"),
                "every node needs its own name",
            );
        }

        let role = match n.role.as_deref() {
            Some("control-plane") => Some(NodeRole::ControlPlane),
            Some("worker") => Some(NodeRole::Worker),
            other => {
                c.error(
                    &at("role"),
                    format!("unknown node role `{}`", printable(other.unwrap_or(""))),
                    "use `control-plane` or `worker`",
                );
                None
            }
        };

        let address = match n.address.as_deref().map(str::parse::<IpAddr>) {
            Some(Ok(ip)) => {
                if !addresses.insert(ip) {
                    c.error(
                        &at("address"),
                        format!("address {ip} is used by two nodes"),
                        "every node needs its own address",
                    );
                }
                for (label, net) in [("pod", pod_subnet), ("service", service_subnet)] {
                    if net.is_some_and(|net| net.contains(&ip)) {
                        c.error(
                            &at("address"),
                            format!("address {ip} lies inside the {label} subnet"),
                            "node addresses must lie outside the pod and service subnets",
                        );
                    }
                }
                Some(ip)
            }
            Some(Err(_)) => {
                c.error(
                    &at("address"),
                    format!(
                        "`{}` is not an IP address",
                        printable(n.address.as_deref().unwrap_or(""))
                    ),
                    "write the node's private IP address, like `10.0.0.11`",
                );
                None
            }
            None => {
                c.error(
                    &format!("nodes[{i}]"),
                    "a node needs an `address`",
                    "write the node's private IP address, like `10.0.0.11`",
                );
                None
            }
        };

        for (key, value) in &n.labels {
            let path = format!("nodes[{i}].labels");
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

        let mut taints = Vec::new();
        for (t, taint) in n.taints.iter().flatten().enumerate() {
            let path = format!("nodes[{i}].taints[{t}]");
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

        if let (Some(role), Some(address)) = (role, address) {
            nodes.push(Node {
                name,
                role,
                address,
                labels: n.labels.clone(),
                taints: n.taints.is_some().then_some(taints),
            });
        }
    }
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
