//! Part of stage 1b (validate): how many control planes the cluster has, the optional
//! inventory, and whether the endpoint can reach them.

use crate::config::Config;
use crate::model::cluster::{Endpoint, Node, NodeRole};
use crate::validate::fields::Checker;
use crate::validate::inventory;
use crate::validate::network::Network;

pub(crate) struct Topology {
    pub nodes: Vec<Node>,
    pub control_planes: u32,
}

/// `nodes` and `kubernetes.control_planes`, which must agree with each other, and the
/// endpoint's fitness for them.
pub(crate) fn topology(
    config: &Config,
    net: &Network,
    api_server_port: u16,
    c: &mut Checker,
) -> Topology {
    let nodes = match &config.nodes {
        Some(list) if c.readable("nodes") => {
            inventory::validate_nodes(list, net.pod_subnet, net.service_subnet, c)
        }
        _ => Vec::new(),
    };
    let control_planes = control_planes(config.kubernetes.control_planes, &nodes, c);
    // With `vip`, the endpoint's IP moves to a healthy control plane: no single point
    // of failure, and no load balancer to translate ports.
    let vip = config.kubernetes.vip.is_some();
    let vip_ip = config
        .kubernetes
        .vip
        .as_ref()
        .and_then(|v| v.address.as_deref()?.parse().ok());
    if let Some(e) = &net.endpoint {
        if vip {
            // An endpoint that is not the VIP is `vip.address`'s error.
            if e.ip.is_some() && e.ip == vip_ip {
                check_vip_port(c, e, api_server_port);
            }
        } else if control_planes > 1 && e.ip.is_some() {
            c.warning("kubernetes.endpoint",
                format!("the endpoint {} is an IP address but the cluster has {control_planes} control planes", e.host),
                "point the endpoint at a load balancer or a DNS name that follows the healthy control planes; a single node's IP makes that node a single point of failure");
        }
        if !vip {
            check_endpoint_port(c, e, api_server_port, &nodes);
        }
    }
    Topology {
        nodes,
        control_planes,
    }
}

fn control_planes(stated: Option<u32>, nodes: &[Node], c: &mut Checker) -> u32 {
    let listed = nodes
        .iter()
        .filter(|n| n.role == NodeRole::ControlPlane)
        .count() as u32;
    let count = match stated {
        Some(0) => {
            c.error(
                "kubernetes.control_planes",
                "a cluster needs at least one control plane",
                "set `control_planes: 1` or more (3 for high availability)",
            );
            1
        }
        Some(n) if !nodes.is_empty() && n != listed => {
            c.error(
                "kubernetes.control_planes",
                format!("`control_planes` is {n} but `nodes` lists {listed} control plane(s)"),
                "remove `control_planes` (the inventory decides) or make them agree",
            );
            n
        }
        Some(n) => n,
        None if listed > 0 => listed,
        None => 1,
    };
    if count == 2 {
        c.warning(
            "kubernetes.control_planes",
            "two control planes tolerate no more failures than one",
            "etcd needs a majority: use 3 (tolerates one failure) or 5",
        );
    }
    count
}

/// kube-vip only moves the address (ARP mode, no load balancing), so clients reach
/// the API server on the port it binds.
fn check_vip_port(c: &mut Checker, e: &Endpoint, bind_port: u16) {
    if e.port != bind_port {
        c.error(
            "kubernetes.endpoint",
            format!(
                "the endpoint {} is the VIP, but the API servers listen on {bind_port}",
                e.host_port()
            ),
            format!(
                "a VIP forwards no ports: write `endpoint: {}:{bind_port}`, or set `api_server_port: {}`",
                e.host, e.port
            ),
        );
    }
}

/// Nodes reach the API server at the endpoint. When the endpoint is a control plane's
/// own address nothing translates ports, so its port must be the one the API server
/// binds; elsewhere (a load balancer, a DNS name) a different port is worth a warning.
fn check_endpoint_port(c: &mut Checker, e: &Endpoint, bind_port: u16, nodes: &[Node]) {
    if e.port == bind_port {
        return;
    }
    let own = nodes
        .iter()
        .find(|n| n.role == NodeRole::ControlPlane && Some(n.address) == e.ip);
    match own {
        Some(node) => c.error(
            "kubernetes.endpoint",
            format!(
                "the endpoint {} is control plane `{}`'s own address, but its API server listens on {bind_port}",
                e.host_port(),
                node.name
            ),
            format!(
                "write `endpoint: {}:{bind_port}`, or set `api_server_port: {}` to make the API server listen there",
                e.host, e.port
            ),
        ),
        None => c.warning(
            "kubernetes.endpoint",
            format!(
                "the endpoint's port {} is not the port the API servers listen on ({bind_port})",
                e.port
            ),
            format!(
                "make sure the load balancer at {} forwards port {} to {bind_port} on the control planes, or set `api_server_port: {}`",
                e.host, e.port, e.port
            ),
        ),
    }
}
