//! Part of stage 1b (validate): `kubernetes.vip`, the control-plane virtual IP kube-vip
//! announces: an IPv4 address that is the endpoint's host, outside the cluster's own
//! ranges and no node's address, and the interface it is announced on.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;

use crate::config::Config;
use crate::model::cluster::{Delivery, Node, NodeRole, Vip};
use crate::validate::fields::Checker;
use crate::validate::network::Network;
use crate::validate::syntax::printable;

/// Linux's IFNAMSIZ (16, the terminating NUL included): names have at most 15 bytes.
/// Source: torvalds/linux, include/uapi/linux/if.h (`#define IFNAMSIZ 16`).
const IFNAME_MAX: usize = 15;

/// `kubernetes.vip`, checked against the endpoint, the subnets and the inventory.
/// `None` when absent or wrong (reported).
pub(crate) fn vip(config: &Config, net: &Network, nodes: &[Node], c: &mut Checker) -> Option<Vip> {
    let v = config.kubernetes.vip.as_ref()?;
    if !c.readable("kubernetes.vip") {
        return None;
    }
    let interface = v.interface.clone();
    if let Some(name) = &interface
        && c.readable("kubernetes.vip.interface")
    {
        check_interface(name, c);
    }
    let address = address(v.address.as_deref(), c)?;
    check_endpoint(address, net, c);
    check_outside(address, net, nodes, c);
    check_subnet(address, nodes, c);
    if !nodes.iter().any(|n| n.role == NodeRole::ControlPlane) {
        node_ip_warning(c);
    }
    Some(Vip { address, interface })
}

/// kube-vip in ARP mode moves the VIP by announcing it (gratuitous ARP) from the
/// leader. An EC2 VPC delivers a packet only to the network interface that owns its
/// destination address (the source/destination check: AWS EC2 API reference,
/// ModifyInstanceAttribute `SourceDestCheck`, "the instance is either the source or the
/// destination of any traffic that it receives") and routes by its own address table,
/// not by ARP, so no instance ever receives traffic for the VIP. `aws-secrets-manager`
/// delivery says the nodes run in AWS.
pub(crate) fn check_platform(vip: Option<&Vip>, delivery: Option<&Delivery>, c: &mut Checker) {
    if let (Some(vip), Some(Delivery::AwsSecretsManager(_))) = (vip, delivery) {
        c.error(
            "kubernetes.vip",
            format!(
                "the VIP {} cannot work inside an AWS VPC, where `delivery.mode: aws-secrets-manager` puts the nodes: kube-vip announces it by ARP, and a VPC delivers traffic only to the interface that owns an address",
                vip.address
            ),
            "put an internal Network Load Balancer (TCP 6443) in front of the control planes, set `kubernetes.endpoint` to its DNS name and remove `vip`; ARP mode needs a real layer-2 network (bare metal, a VLAN, libvirt/QEMU or VMware bridges)",
        );
    }
}

/// kube-vip adds the VIP to the leader's interface, where a kubelet that detects its
/// own address may take it for the node's; kube-vip's docs recommend the kubelet's
/// `--node-ip` (kube-vip/website, content/docs/modes/arp.md, "Cautions"). Only
/// inventory bundles know their node's address ahead.
fn node_ip_warning(c: &mut Checker) {
    c.warning(
        "kubernetes.vip",
        "no control plane is listed in `nodes`, so their kubelets detect their own address and may take the VIP for it",
        "list the control planes under `nodes:` with their addresses: their bundles set the kubelet's node-ip (and the API server's advertise address), as kube-vip recommends",
    );
}

/// Required, and an IPv4 address: ARP announces IPv4 addresses, and the cluster is
/// IPv4 single-stack.
fn address(text: Option<&str>, c: &mut Checker) -> Option<Ipv4Addr> {
    const FIELD: &str = "kubernetes.vip.address";
    if !c.readable(FIELD) {
        return None;
    }
    let Some(text) = text else {
        c.error(
            FIELD,
            "missing required key `address`",
            "add `address:` under `vip:` with the virtual IP, the same address as the endpoint's host",
        );
        return None;
    };
    match text.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => Some(ip),
        Ok(IpAddr::V6(_)) => {
            c.error(
                FIELD,
                format!("{text} is an IPv6 address"),
                "kubeprint renders IPv4 single-stack clusters and kube-vip announces the VIP by ARP: use a free IPv4 address of the control planes' subnet",
            );
            None
        }
        Err(_) => {
            c.error(
                FIELD,
                format!("`{}` is not an IP address", printable(text)),
                "write the virtual IP as an IPv4 address, like `10.0.1.100`; a VIP is an address, never a DNS name",
            );
            None
        }
    }
}

/// Nodes reach the API server through the endpoint, so the endpoint must be the VIP
/// itself; a DNS name or another address would bypass it.
fn check_endpoint(address: Ipv4Addr, net: &Network, c: &mut Checker) {
    let Some(e) = &net.endpoint else {
        return;
    };
    if e.ip == Some(IpAddr::V4(address)) {
        return;
    }
    let help = match e.ip {
        Some(other) => format!(
            "nodes reach the API server at the endpoint, so it must be the VIP: write `endpoint: {address}:{}`, or `address: {other}` if that is the free address for the VIP",
            e.port
        ),
        None => format!(
            "a VIP replaces the load balancer or DNS name: write `endpoint: {address}:{}`, or remove `vip` to keep `{}`",
            e.port,
            printable(&e.host)
        ),
    };
    c.error(
        "kubernetes.vip.address",
        format!(
            "the VIP {address} is not the endpoint's host `{}`",
            printable(&e.host)
        ),
        help,
    );
}

/// The VIP is announced on the node network: never inside the pod or service range,
/// and never a machine's own address (two hosts would answer ARP for it).
fn check_outside(address: Ipv4Addr, net: &Network, nodes: &[Node], c: &mut Checker) {
    let ip = IpAddr::V4(address);
    for (what, subnet) in [("pod", net.pod_subnet), ("service", net.service_subnet)] {
        if let Some(subnet) = subnet
            && subnet.contains(&ip)
        {
            c.error(
                "kubernetes.vip.address",
                format!("the VIP {address} lies inside the {what} subnet {subnet}"),
                "choose a free address of the control planes' own subnet, outside the pod and service subnets",
            );
        }
    }
    if let Some(node) = nodes.iter().find(|n| n.address == ip) {
        c.error(
            "kubernetes.vip.address",
            format!("the VIP {address} is node `{}`'s own address", node.name),
            "the VIP must be a free address that no machine has: kube-vip adds it to the control plane holding its lease",
        );
    }
}

/// ARP is answered only on the link the control planes sit on, so the VIP must be an
/// address of their subnet. The subnet is known only from prefix lengths in
/// `nodes[].address` (`10.0.1.11/24`); unless every listed control plane gives one,
/// nothing is said (no warning from a guess).
fn check_subnet(address: Ipv4Addr, nodes: &[Node], c: &mut Checker) {
    let subnets: Option<Vec<IpNet>> = nodes
        .iter()
        .filter(|n| n.role == NodeRole::ControlPlane)
        .map(|n| n.subnet)
        .collect();
    let Some(mut subnets) = subnets.filter(|s| !s.is_empty()) else {
        return;
    };
    if subnets.iter().any(|s| s.contains(&IpAddr::V4(address))) {
        return;
    }
    subnets.sort();
    subnets.dedup();
    let list: Vec<String> = subnets.iter().map(ToString::to_string).collect();
    c.warning(
        "kubernetes.vip.address",
        format!(
            "the VIP {address} lies outside every control plane's subnet ({}, from the prefix lengths in `nodes[].address`)",
            list.join(", ")
        ),
        format!(
            "kube-vip announces the VIP by ARP on the control planes' own link, where only an address of their subnet is reachable: choose a free address in {}, or correct the prefix lengths",
            list[0]
        ),
    );
}

/// Linux's rule for interface names (net/core/dev.c, `dev_valid_name`): 1 to 15 bytes,
/// not `.` or `..`, no `/`, `:` or whitespace. Control and non-ASCII characters are
/// refused as well: no cloud image names its interfaces so, and the name is shown in
/// logs and written into YAML.
fn check_interface(name: &str, c: &mut Checker) {
    let valid = !name.is_empty()
        && name.len() <= IFNAME_MAX
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'/' && b != b':');
    if !valid {
        c.error(
            "kubernetes.vip.interface",
            format!("`{}` is not a Linux interface name", printable(name)),
            "write the control planes' interface as `ip link` shows it, like `ens5` or `eth0`: at most 15 characters, without `/`, `:` or spaces; leave `interface` out to use the default route's interface",
        );
    }
}
