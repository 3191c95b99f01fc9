//! Part of stage 3 (plan): the HTTP(S) proxy. The validated [`Proxy`] and the cluster's
//! own addresses → [`ProxyPlan`]: the full NO_PROXY list, the environment every step
//! exports (curl, apt-get, kubeadm, kubectl), the apt.conf.d drop-in, and the systemd
//! drop-in CRI-O and the kubelet start with. The same for every bundle and the image
//! build, so the bake steps stay identical across roles; none of it is secret.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;

use crate::model::cluster::{Cluster, Proxy};

/// apt reads every file in apt.conf.d; `Acquire::http::Proxy` and `Acquire::https::Proxy`
/// (the latter defaulting to the former), with `DIRECT` for "no proxy" per host.
/// Source: apt 2.6.1, apt-transport-http(1) "Proxy Configuration" and
/// apt-transport-https(1) "OPTIONS" (Debian/apt, doc/apt-transport-http.1.xml).
pub(crate) const APT_CONF: &str = crate::layout::PROXY_APT_CONF;
/// Systemd drop-ins, read with the unit (after `systemctl daemon-reload`); CRI-O pulls
/// images with the proxy of its own environment, as Red Hat documents for CRI-O
/// (docs.redhat.com, MicroShift 4.14 "Networking", "Using a proxy in the CRI-O
/// container runtime": `/etc/systemd/system/crio.service.d/`, `Environment=`).
pub(crate) const CRIO_DROPIN: &str = crate::layout::PROXY_CRIO_DROPIN;
pub(crate) const KUBELET_DROPIN: &str = crate::layout::PROXY_KUBELET_DROPIN;

/// One variable of the proxy environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct EnvVar {
    pub name: &'static str,
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ProxyPlan {
    pub http: String,
    pub https: String,
    /// In order: what the cluster needs direct, then the user's entries.
    pub no_proxy: Vec<String>,
    pub environment: Vec<EnvVar>,
    pub apt_conf_path: &'static str,
    pub apt_conf: String,
    pub crio_dropin_path: &'static str,
    /// The same environment for containerd's image pulls (a systemd drop-in too).
    pub containerd_dropin_path: &'static str,
    pub kubelet_dropin_path: &'static str,
    pub systemd_dropin: String,
}

/// The proxy plan; `None` when the cluster has no proxy.
pub(crate) fn proxy_plan(cluster: &Cluster) -> Option<ProxyPlan> {
    let proxy = cluster.proxy.as_ref()?;
    let no_proxy = no_proxy(cluster, proxy);
    let environment = environment(&proxy.http, &proxy.https, &no_proxy.join(","));
    Some(ProxyPlan {
        apt_conf: apt_conf(cluster, proxy, &no_proxy),
        systemd_dropin: systemd_dropin(&environment),
        http: proxy.http.clone(),
        https: proxy.https.clone(),
        no_proxy,
        environment,
        apt_conf_path: APT_CONF,
        crio_dropin_path: CRIO_DROPIN,
        containerd_dropin_path: crate::layout::PROXY_CONTAINERD_DROPIN,
        kubelet_dropin_path: KUBELET_DROPIN,
    })
}

/// Everything nodes must reach directly, in a fixed order without duplicates: the
/// loopback names, the instance metadata service (IMDS, which a proxy cannot reach on
/// the node's behalf), the API endpoint, the inventory's node addresses, the pod and
/// service ranges, the cluster DNS suffixes (`kubernetes.default.svc`,
/// `*.svc.cluster.local`), then the user's entries.
///
/// kubeadm leaves this to the user: users asked it to exclude the control plane's
/// address by itself (kubernetes/kubeadm#182) and for NO_PROXY to take IP ranges
/// (kubernetes/kubeadm#1053); `kubeadm init` warns when the advertise address, the
/// service or the pod range would go through the proxy (kubernetes/kubernetes,
/// cmd/kubeadm/app/preflight/checks.go at 00b6a4c7, HTTPProxyCheck, HTTPProxyCIDRCheck)
/// and copies every `*_proxy` variable into the control-plane static pods
/// (cmd/kubeadm/app/util/env.go at 214e3a16, GetProxyEnvVars).
///
/// CIDR ranges and leading-dot domains are Go's NO_PROXY syntax (golang/net,
/// http/httpproxy/proxy.go, `Config.NoProxy`); curl and Python match host names and
/// addresses literally, which is why the endpoint host and node addresses are listed
/// even when a range covers them.
pub(crate) fn no_proxy(cluster: &Cluster, proxy: &Proxy) -> Vec<String> {
    let addresses: Vec<IpAddr> = cluster
        .endpoint
        .ip
        .into_iter()
        .chain(cluster.nodes.iter().map(|n| n.address))
        .collect();
    let mut entries: Vec<String> = vec!["localhost".into(), "127.0.0.1".into()];
    if addresses.iter().any(IpAddr::is_ipv6) {
        entries.push("::1".into());
    }
    entries.push("169.254.169.254".into());
    entries.push(cluster.endpoint.host.clone());
    entries.extend(cluster.nodes.iter().map(|n| n.address.to_string()));
    entries.push(cluster.pod_subnet.to_string());
    entries.push(cluster.service_subnet.to_string());
    entries.push(".svc".into());
    entries.push(format!(".{}", cluster.dns_domain));
    entries.extend(proxy.no_proxy.iter().cloned());
    let mut seen = std::collections::BTreeSet::new();
    entries.retain(|e| seen.insert(e.clone()));
    entries
}

/// Upper- and lower-case spellings: curl reads `http_proxy` only in lower case
/// (everything.curl.dev/usingcurl/proxies/env); Go prefers the upper-case ones
/// (golang/net http/httpproxy `FromEnvironment`); Python's urllib and apt read the
/// lower-case ones (docs.python.org/3/library/urllib.request.html, ProxyHandler;
/// apt-transport-http(1)).
pub(crate) fn environment(http: &str, https: &str, no_proxy: &str) -> Vec<EnvVar> {
    [
        ("HTTP_PROXY", http),
        ("http_proxy", http),
        ("HTTPS_PROXY", https),
        ("https_proxy", https),
        ("NO_PROXY", no_proxy),
        ("no_proxy", no_proxy),
    ]
    .into_iter()
    .map(|(name, value)| EnvVar {
        name,
        value: value.to_string(),
    })
    .collect()
}

/// apt's own proxy settings, so apt runs outside kubeprint's steps (unattended
/// upgrades) use the proxy too. apt honours `no_proxy` only from its environment, so
/// mirrors the NO_PROXY list exempts get an explicit `DIRECT`.
fn apt_conf(cluster: &Cluster, proxy: &Proxy, no_proxy: &[String]) -> String {
    let mut out =
        String::from("// kubeprint: the cluster's HTTP(S) proxy (cluster.yaml `proxy`).\n");
    out.push_str(&format!("Acquire::http::Proxy \"{}\";\n", proxy.http));
    out.push_str(&format!("Acquire::https::Proxy \"{}\";\n", proxy.https));
    let m = &cluster.mirrors;
    let mut hosts: Vec<&str> = [&m.kubernetes_repo, &m.crio_repo, &m.containerd_repo]
        .into_iter()
        .flatten()
        .filter_map(|url| url_host(url))
        .filter(|host| bypasses(no_proxy, host))
        .collect();
    hosts.dedup();
    for host in hosts {
        out.push_str(&format!("Acquire::http::Proxy::{host} \"DIRECT\";\n"));
        out.push_str(&format!("Acquire::https::Proxy::{host} \"DIRECT\";\n"));
    }
    out
}

/// `Environment="NAME=value"`, one per line. Values are validated to hold no quote,
/// backslash, `%` (a systemd specifier) or space. Source: systemd.exec(5),
/// `Environment=` (systemd/systemd, man/systemd.exec.xml).
fn systemd_dropin(environment: &[EnvVar]) -> String {
    let mut out = String::from(
        "# kubeprint: the cluster's HTTP(S) proxy (cluster.yaml `proxy`).\n[Service]\n",
    );
    for v in environment {
        out.push_str(&format!("Environment=\"{}={}\"\n", v.name, v.value));
    }
    out
}

/// The host of an http(s) URL, without port or brackets.
fn url_host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next();
    }
    Some(authority.split(':').next().unwrap_or(authority))
}

/// Whether a NO_PROXY entry exempts `host`, as Go reads them: a domain matches itself
/// and its subdomains (with a leading dot, subdomains only), an address itself, a range
/// the addresses in it.
pub(crate) fn bypasses(no_proxy: &[String], host: &str) -> bool {
    let ip = host.parse::<IpAddr>().ok();
    no_proxy.iter().any(|entry| {
        if let Ok(net) = entry.parse::<IpNet>() {
            return ip.is_some_and(|ip| net.contains(&ip));
        }
        if let (Ok(e), Some(ip)) = (entry.parse::<IpAddr>(), ip) {
            return e == ip;
        }
        match entry.strip_prefix('.') {
            Some(domain) => host.ends_with(&format!(".{domain}")),
            None => host == entry || host.ends_with(&format!(".{entry}")),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_entries_match_as_go_reads_them() {
        let list: Vec<String> = [
            ".example.internal",
            "mirror.lan",
            "10.0.0.0/16",
            "192.168.1.5",
        ]
        .map(String::from)
        .to_vec();
        for (host, bypassed) in [
            ("apt.example.internal", true),
            ("example.internal", false),
            ("mirror.lan", true),
            ("a.mirror.lan", true),
            ("xmirror.lan", false),
            ("10.0.3.4", true),
            ("10.1.0.1", false),
            ("192.168.1.5", true),
            ("pkgs.k8s.io", false),
        ] {
            assert_eq!(bypasses(&list, host), bypassed, "{host}");
        }
        assert_eq!(url_host("https://mirror.lan:8443/k8s/"), Some("mirror.lan"));
        assert_eq!(url_host("http://[fd00::1]:80/"), Some("fd00::1"));
    }
}
