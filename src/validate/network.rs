//! Part of stage 1b (validate): how the cluster is reached and addressed: the API
//! endpoint and port, the pod and service ranges, the DNS domain and extra API server
//! certificate names.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::config::KubernetesConfig;
use crate::model::cluster::{DEFAULT_API_SERVER_PORT, Endpoint};
use crate::validate::fields::Checker;
use crate::validate::syntax::{is_dns_name, printable};

/// The checked addresses; `None` where a value is missing or wrong (reported).
pub(crate) struct Network {
    pub endpoint: Option<Endpoint>,
    pub pod_subnet: Option<IpNet>,
    pub service_subnet: Option<IpNet>,
    pub dns_domain: String,
}

/// `kubernetes.endpoint` (required), the subnets and `dns_domain`.
pub(crate) fn network(k: &KubernetesConfig, c: &mut Checker) -> Network {
    let endpoint = c
        .required(
            "kubernetes.endpoint",
            k.endpoint.clone(),
            "endpoint: 10.0.1.10:6443",
        )
        .and_then(|text| c.endpoint(&text));
    let pod_subnet = c.cidr(
        "kubernetes.pod_subnet",
        k.pod_subnet.as_deref().unwrap_or("10.244.0.0/16"),
    );
    let service_subnet = c.cidr(
        "kubernetes.service_subnet",
        k.service_subnet.as_deref().unwrap_or("10.96.0.0/12"),
    );
    check_subnets(pod_subnet, service_subnet, c);
    if let Some(e) = &endpoint {
        check_endpoint_outside(e, pod_subnet, service_subnet, c);
    }
    let dns_domain = k
        .dns_domain
        .clone()
        .unwrap_or_else(|| "cluster.local".into());
    if !is_dns_name(&dns_domain) {
        c.error(
            "kubernetes.dns_domain",
            format!("`{}` is not a valid DNS domain", printable(&dns_domain)),
            "use lowercase DNS labels separated by dots, like `cluster.local`",
        );
    }
    Network {
        endpoint,
        pod_subnet,
        service_subnet,
        dns_domain,
    }
}

/// Sizes the API server and the node IPAM accept, IPv4 only, and no overlap.
fn check_subnets(pod: Option<IpNet>, service: Option<IpNet>, c: &mut Checker) {
    if let Some(IpNet::V4(s)) = service
        && s.prefix_len() < 12
    {
        c.error("kubernetes.service_subnet", format!("service subnet {s} is larger than the API server allows"),
            "the kube-apiserver accepts at most a /12 for IPv4 services: use a prefix of 12 or more, like 10.96.0.0/12");
    }
    if let Some(IpNet::V4(p)) = pod
        && p.prefix_len() > 23
    {
        c.error("kubernetes.pod_subnet", format!("pod subnet {p} is too small"),
            "each node gets a /24 of the pod subnet: use a prefix of 23 or less (a /16 gives 256 nodes)");
    }
    for (field, net) in [
        ("kubernetes.pod_subnet", pod),
        ("kubernetes.service_subnet", service),
    ] {
        if let Some(IpNet::V6(n)) = net {
            c.error(
                field,
                format!("{n} is an IPv6 range"),
                "kubeprint renders IPv4 single-stack clusters: use an IPv4 range",
            );
        }
    }
    if let (Some(p), Some(s)) = (pod, service)
        && (p.contains(&s.network()) || s.contains(&p.network()))
    {
        c.error(
            "kubernetes.service_subnet",
            format!("service subnet {s} overlaps the pod subnet {p}"),
            "choose disjoint ranges, e.g. pod_subnet 10.244.0.0/16 and service_subnet 10.96.0.0/12",
        );
    }
}

fn check_endpoint_outside(
    e: &Endpoint,
    pod: Option<IpNet>,
    service: Option<IpNet>,
    c: &mut Checker,
) {
    let Some(ip) = e.ip else {
        return;
    };
    for (field, net) in [
        ("kubernetes.pod_subnet", pod),
        ("kubernetes.service_subnet", service),
    ] {
        if let Some(net) = net
            && net.contains(&ip)
        {
            c.error(
                field,
                format!("{net} contains the API endpoint {}", e.host),
                "node and load-balancer addresses must lie outside the pod and service subnets",
            );
        }
    }
}

/// `kubernetes.cert_sans`: IP addresses or DNS names (a leading `*.` allowed).
pub(crate) fn cert_sans(k: &KubernetesConfig, c: &mut Checker) -> Vec<String> {
    let cert_sans = k.cert_sans.clone().unwrap_or_default();
    for (i, san) in cert_sans.iter().enumerate() {
        if san.parse::<IpAddr>().is_err() && !is_dns_name(san.strip_prefix("*.").unwrap_or(san)) {
            c.error(
                &format!("kubernetes.cert_sans[{i}]"),
                format!(
                    "`{}` is neither an IP address nor a DNS name",
                    printable(san)
                ),
                "list IP addresses or DNS names the API server is reached by",
            );
        }
    }
    cert_sans
}

/// `kubernetes.api_server_port`, the port API servers bind (default 6443).
pub(crate) fn api_server_port(k: &KubernetesConfig, c: &mut Checker) -> u16 {
    let port = k.api_server_port.unwrap_or(DEFAULT_API_SERVER_PORT);
    if port == 0 {
        c.error(
            "kubernetes.api_server_port",
            "port 0 is not a port the API server can bind",
            "use a TCP port from 1 to 65535, like 6443 (the default)",
        );
    }
    port
}
