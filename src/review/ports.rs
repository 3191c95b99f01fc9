//! Review tooling, part of `kubeprint explain`: a checked [`Cluster`] → what each
//! machine's firewall or security group must let in, and from whom, for this cluster's
//! API server port and CNI.
//!
//! Sources: Kubernetes' own ports are kubernetes/website
//! content/en/docs/reference/networking/ports-and-protocols.md (at
//! 31a8f95edf918abb97b71193d74d9ff9513826a1). The CNI rows follow the manifests
//! kubeprint pins (tests/e2e/downloads holds them): calico.yaml v3.32.1 sets
//! `calico_backend: "bird"` (BGP, TCP 179 between nodes) and `CALICO_IPV4POOL_IPIP:
//! "Always"` (IP-in-IP, IP protocol 4; `CALICO_IPV4POOL_VXLAN: "Never"`); flannel's
//! kube-flannel.yml v0.28.9 and canal.yaml v3.24.6 both set `"Backend": {"Type":
//! "vxlan"}` without a port, and flannel-io/flannel Documentation/backends.md (at
//! 04e17d4b81ca1a293ea56943ceebc9a88fad10cf) says its VXLAN port "defaults to kernel
//! default, currently 8472".

use crate::model::cluster::{Cluster, CniPlugin};

/// One rule to allow in: on which machines, which protocol and ports, from whom.
#[derive(serde::Serialize, Debug, PartialEq, Eq)]
pub(crate) struct Allow {
    /// `control planes` or `every node`.
    pub on: &'static str,
    /// `tcp`, `udp`, or `ip protocol 4`.
    pub protocol: &'static str,
    /// A port or an inclusive range (`2379-2380`); empty for a protocol without ports.
    pub ports: String,
    pub from: &'static str,
    pub purpose: &'static str,
}

fn allow(on: &'static str, protocol: &'static str, ports: impl Into<String>) -> Allow {
    Allow {
        on,
        protocol,
        ports: ports.into(),
        from: "",
        purpose: "",
    }
}

impl Allow {
    fn from(mut self, from: &'static str, purpose: &'static str) -> Self {
        self.from = from;
        self.purpose = purpose;
        self
    }
}

/// Every rule this cluster needs, Kubernetes' own first, then its CNI's.
pub(crate) fn ports(cluster: &Cluster) -> Vec<Allow> {
    const CP: &str = "control planes";
    const ALL: &str = "every node";
    let mut rules = vec![
        allow(CP, "tcp", cluster.api_server_port.to_string()).from(
            "every node, the load balancer, admins",
            "Kubernetes API server",
        ),
        allow(CP, "tcp", "2379-2380").from("other control planes", "etcd client and peer API"),
        allow(ALL, "tcp", "10250").from("control planes", "kubelet API (logs, exec, metrics)"),
        allow(CP, "tcp", "10257").from("itself only (no rule needed)", "kube-controller-manager"),
        allow(CP, "tcp", "10259").from("itself only (no rule needed)", "kube-scheduler"),
        allow(ALL, "tcp", "30000-32767")
            .from("clients of NodePort services, if any", "NodePort services"),
    ];
    match cluster.cni.plugin {
        CniPlugin::Calico => {
            rules.push(allow(ALL, "tcp", "179").from("every node", "Calico BGP (BIRD)"));
            rules.push(
                allow(ALL, "ip protocol 4", "").from("every node", "Calico IP-in-IP pod traffic"),
            );
        }
        CniPlugin::Flannel | CniPlugin::Canal => {
            rules.push(allow(ALL, "udp", "8472").from("every node", "flannel VXLAN pod traffic"));
        }
        CniPlugin::None => {}
    }
    rules
}

/// The rules as explain prints them: one aligned line each.
pub(crate) fn lines(rules: &[Allow]) -> Vec<String> {
    rules
        .iter()
        .map(|r| {
            let what = if r.ports.is_empty() {
                r.protocol.to_string()
            } else {
                format!("{} {}", r.protocol, r.ports)
            };
            format!("{:<15} {what:<16} from {}: {}", r.on, r.from, r.purpose)
        })
        .collect()
}
