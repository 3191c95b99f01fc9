//! Stage 1b, validate: [`Config`] → [`Cluster`], typed, checked and with defaults applied.
//!
//! Every problem is collected (not just the first) as a [`Diagnostic`] naming the dotted
//! field path and carrying a fix. Values that reach shell or YAML later are restricted
//! here to safe, well-formed shapes, so the renderer never sees surprising text.

pub mod fields;
pub mod inventory;
pub mod support;

use std::net::IpAddr;

use ipnet::IpNet;

use crate::config::{Config, SourceMap};
use crate::diagnostics::Report;
use crate::model::cluster::{
    Cluster, Cni, CniPlugin, DEFAULT_API_SERVER_PORT, Endpoint, Mirrors, Node, NodeRole,
};
use crate::model::matrix;
use crate::validate::fields::{Checker, is_posix_user, printable};
pub use crate::validate::fields::{go_duration, is_dns_label, is_dns_name, parse_duration};

const CNI_CHOICES: &str = "flannel, canal, calico, none";

/// Checks `config`; `Ok` carries the cluster and the report (warnings only).
///
/// `failed` lists the fields that could not be read at all (already reported): they are
/// skipped here, so their defaults never cause follow-on errors.
pub fn validate(
    config: &Config,
    failed: &[String],
    source: &SourceMap,
    report: &mut Report,
) -> Option<Cluster> {
    let mut c = Checker::new(source, report, failed);
    let k = &config.kubernetes;

    // A user's definition states who it is, where it runs and what it installs: the
    // guide's values are defaults only for the embedded cluster (which states them too).
    let name = c.required("name", config.name.clone(), "name: prod");
    if let Some(name) = &name
        && c.readable("name")
        && !is_dns_label(name)
    {
        c.error("name", format!("`{}` is not a valid cluster name", printable(name)),
            "use a DNS-1123 label: lowercase letters, digits and `-`, at most 63 characters, starting and ending with a letter or digit");
    }

    let os_id = c.required("os", config.os.clone(), "os: ubuntu-24.04");
    let os_id = os_id.unwrap_or_default();
    let os = matrix::os(&os_id).filter(|_| c.readable("os"));
    if os.is_none() && c.readable("os") && config.os.is_some() {
        c.error(
            "os",
            format!("unsupported operating system `{}`", printable(&os_id)),
            format!("choose one of: {}", matrix::os_choices()),
        );
    }

    let stated_version = c.required(
        "kubernetes.version",
        k.version.clone(),
        "version: \"1.35.2\"",
    );
    let version = if let Some(scalar) = stated_version {
        c.version(&scalar)
    } else {
        None
    };
    let release = version.and_then(|v| {
        let r = matrix::release(v.minor);
        if r.is_none() {
            let (lo, hi) = matrix::supported_range();
            c.error(
                "kubernetes.version",
                format!("Kubernetes {v} is not supported"),
                format!("choose a release from 1.{lo} to 1.{hi}; `kubeprint versions` lists them"),
            );
        }
        r
    });
    if let Some(r) = release
        && r.is_end_of_life()
    {
        c.warning(
            "kubernetes.version",
            format!(
                "Kubernetes 1.{} reached end of life on {}",
                r.minor, r.end_of_life
            ),
            "it gets no security fixes; prefer a maintained release (`kubeprint versions`)",
        );
    }

    if let (Some(v), Some(scalar)) = (version, config.runtime.crio_version.as_ref()) {
        match scalar.as_text() {
            Err(hint) => c.error(
                "runtime.crio_version",
                "the CRI-O version must be text",
                hint.0,
            ),
            Ok(text) => {
                let want = format!("1.{}", v.minor);
                if text != want {
                    c.error("runtime.crio_version",
                        format!("CRI-O `{}` does not match Kubernetes {v}", printable(&text)),
                        format!("CRI-O's minor must equal Kubernetes' minor: set `crio_version: \"{want}\"` or remove the key"));
                }
            }
        }
    }

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
    if let Some(IpNet::V4(s)) = service_subnet
        && s.prefix_len() < 12
    {
        c.error("kubernetes.service_subnet", format!("service subnet {s} is larger than the API server allows"),
            "the kube-apiserver accepts at most a /12 for IPv4 services: use a prefix of 12 or more, like 10.96.0.0/12");
    }
    if let Some(IpNet::V4(p)) = pod_subnet
        && p.prefix_len() > 23
    {
        c.error("kubernetes.pod_subnet", format!("pod subnet {p} is too small"),
            "each node gets a /24 of the pod subnet: use a prefix of 23 or less (a /16 gives 256 nodes)");
    }
    for (field, net) in [
        ("kubernetes.pod_subnet", pod_subnet),
        ("kubernetes.service_subnet", service_subnet),
    ] {
        if let Some(IpNet::V6(n)) = net {
            c.error(
                field,
                format!("{n} is an IPv6 range"),
                "kubeprint renders IPv4 single-stack clusters: use an IPv4 range",
            );
        }
    }
    if let (Some(p), Some(s)) = (pod_subnet, service_subnet)
        && (p.contains(&s.network()) || s.contains(&p.network()))
    {
        c.error(
            "kubernetes.service_subnet",
            format!("service subnet {s} overlaps the pod subnet {p}"),
            "choose disjoint ranges, e.g. pod_subnet 10.244.0.0/16 and service_subnet 10.96.0.0/12",
        );
    }
    if let (Some(e), Some(ip)) = (endpoint.as_ref(), endpoint.as_ref().and_then(|e| e.ip)) {
        for (field, net) in [
            ("kubernetes.pod_subnet", pod_subnet),
            ("kubernetes.service_subnet", service_subnet),
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

    let token_ttl_seconds = c.duration(k.token_ttl.as_ref()).unwrap_or(86_400);
    if token_ttl_seconds == 0 {
        c.warning("kubernetes.token_ttl", "the bootstrap token never expires",
            "anyone who reads a worker's user-data can join nodes forever; prefer a TTL like `24h` and create new tokens with `kubeadm token create`");
    }

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

    let plugin = match config.cni.plugin.as_deref().unwrap_or("canal") {
        _ if !c.readable("cni.plugin") => None,
        "flannel" => Some(CniPlugin::Flannel),
        "canal" => Some(CniPlugin::Canal),
        "calico" => Some(CniPlugin::Calico),
        "none" => Some(CniPlugin::None),
        other => {
            c.error(
                "cni.plugin",
                format!("unknown CNI plugin `{}`", printable(other)),
                format!("choose one of: {CNI_CHOICES}"),
            );
            None
        }
    };
    let manifest = config.cni.manifest.clone();
    let manifest_sha256 = config.cni.manifest_sha256.clone();
    support::check_manifest_pin(&mut c, manifest.as_deref(), manifest_sha256.as_deref());
    if let Some(url) = &manifest {
        c.url("cni.manifest", url);
        if plugin == Some(CniPlugin::None) {
            c.error(
                "cni.manifest",
                "a manifest is set but `cni.plugin` is `none`",
                "remove `cni.manifest`, or choose the plugin the manifest installs",
            );
        }
    }

    // Default: the user the OS's official cloud image logs in as, which is also the Packer
    // template's SSH user, so the kubeconfig lands in a home that exists.
    let admin_user = config
        .admin_user
        .clone()
        .unwrap_or_else(|| os.map_or("ubuntu", |o| o.login_user).into());
    if !is_posix_user(&admin_user) {
        c.error("admin_user", format!("`{}` is not a valid user name", printable(&admin_user)),
            "use a POSIX user name: lowercase letters, digits, `_` and `-`, starting with a letter or `_`, at most 32 characters");
    }

    let api_server_port = k.api_server_port.unwrap_or(DEFAULT_API_SERVER_PORT);
    if api_server_port == 0 {
        c.error(
            "kubernetes.api_server_port",
            "port 0 is not a port the API server can bind",
            "use a TCP port from 1 to 65535, like 6443 (the default)",
        );
    }

    let arch = match config.image.arch.as_deref() {
        None | Some("amd64") => Some("amd64"),
        Some("arm64") => Some("arm64"),
        Some(other) => {
            if c.readable("image.arch") {
                c.error(
                    "image.arch",
                    format!("unknown architecture `{}`", printable(other)),
                    "choose amd64 or arm64 (Debian's names, as in the AMI names)",
                );
            }
            None
        }
    };

    let p = &config.packages;
    for (field, value) in [
        ("packages.kubernetes_repo", &p.kubernetes_repo),
        ("packages.kubernetes_key", &p.kubernetes_key),
        ("packages.crio_repo", &p.crio_repo),
        ("packages.crio_key", &p.crio_key),
    ] {
        if let Some(url) = value {
            c.url(field, url);
        }
    }
    if let (Some(os), Some(r)) = (os, release) {
        support::check_os_release(&mut c, os, r, &config.packages);
        if let Some(plugin) = plugin
            && manifest.is_none()
        {
            support::check_cni_release(&mut c, plugin, r);
        }
    }
    if let Some(r) = release
        && r.upstream_repos_gone()
        && p.kubernetes_repo.is_none()
    {
        c.warning("packages.kubernetes_repo",
            format!("the upstream packages for Kubernetes 1.{} (apt.kubernetes.io) were removed in March 2024", r.minor),
            "nodes cannot install kubelet/kubeadm/kubectl from it today: set `packages.kubernetes_repo` to a mirror that keeps them, or use Kubernetes 1.24 or newer");
    }

    if let Some(r) = release
        && r.crio_repo == matrix::CrioRepo::Kubic
        && p.crio_repo.is_none()
    {
        c.warning("packages.crio_repo",
            format!("CRI-O 1.{} comes from the openSUSE Kubic repositories, which are no longer maintained and may be gone", r.minor),
            "if nodes cannot install cri-o, set `packages.crio_repo` to a mirror with CRI-O and its dependencies, or use Kubernetes 1.28 or newer");
    }

    let nodes = match &config.nodes {
        Some(list) if c.readable("nodes") => {
            inventory::validate_nodes(list, pod_subnet, service_subnet, &mut c)
        }
        _ => Vec::new(),
    };
    let inventory_control_planes = nodes
        .iter()
        .filter(|n| n.role == NodeRole::ControlPlane)
        .count() as u32;
    let control_planes = match k.control_planes {
        Some(0) => {
            c.error(
                "kubernetes.control_planes",
                "a cluster needs at least one control plane",
                "set `control_planes: 1` or more (3 for high availability)",
            );
            1
        }
        Some(n) if !nodes.is_empty() && n != inventory_control_planes => {
            c.error("kubernetes.control_planes",
                format!("`control_planes` is {n} but `nodes` lists {inventory_control_planes} control plane(s)"),
                "remove `control_planes` (the inventory decides) or make them agree");
            n
        }
        Some(n) => n,
        None if inventory_control_planes > 0 => inventory_control_planes,
        None => 1,
    };
    if control_planes == 2 {
        c.warning(
            "kubernetes.control_planes",
            "two control planes tolerate no more failures than one",
            "etcd needs a majority: use 3 (tolerates one failure) or 5",
        );
    }
    if control_planes > 1
        && let Some(e) = &endpoint
        && e.ip.is_some()
    {
        c.warning("kubernetes.endpoint",
            format!("the endpoint {} is an IP address but the cluster has {control_planes} control planes", e.host),
            "point the endpoint at a load balancer or a DNS name that follows the healthy control planes; a single node's IP makes that node a single point of failure");
    }

    if let Some(e) = &endpoint {
        check_endpoint_port(&mut c, e, api_server_port, &nodes);
    }

    if c.has_errors() {
        return None;
    }
    Some(Cluster {
        name: name?,
        os: os?,
        version: version?,
        release: release?,
        endpoint: endpoint?,
        pod_subnet: pod_subnet?,
        service_subnet: service_subnet?,
        dns_domain,
        token_ttl_seconds,
        cert_sans,
        cni: Cni {
            plugin: plugin?,
            manifest: manifest.zip(manifest_sha256),
        },
        admin_user,
        mirrors: Mirrors {
            kubernetes_repo: p.kubernetes_repo.clone(),
            kubernetes_key: p.kubernetes_key.clone(),
            crio_repo: p.crio_repo.clone(),
            crio_key: p.crio_key.clone(),
        },
        control_planes,
        api_server_port,
        arch: arch?,
        nodes,
    })
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
