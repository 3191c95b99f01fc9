//! Part of stage 1b (validate): `proxy`, the HTTP(S) proxy every node and the image
//! build download through. Proxy URLs are `http://host:port` without credentials (they
//! land in user-data, bundles and baked images, which are not secret stores), and
//! `no_proxy` entries are host names, domains, addresses or CIDR ranges, so every value
//! reads the same in a shell word, an apt.conf string and a systemd `Environment=`.

use std::net::IpAddr;

use crate::config::Config;
use crate::model::cluster::Proxy;
use crate::validate::fields::Checker;
use crate::validate::syntax::{is_dns_name, printable, tcp_port};

const EXAMPLE: &str = "http://proxy.example.internal:3128";

/// `proxy.*`; `None` without a `proxy` section, or when a value is wrong (reported).
pub(crate) fn proxy(config: &Config, c: &mut Checker) -> Option<Proxy> {
    let p = config.proxy.as_ref()?;
    if !c.readable("proxy") {
        return None;
    }
    if p.http.is_none() && p.https.is_none() {
        if c.fully_read("proxy") {
            c.error(
                "proxy.http",
                "missing `proxy.http`",
                format!(
                    "add `http: {EXAMPLE}` under `proxy:` (https downloads use the same proxy unless `https` is set), or remove `proxy:`"
                ),
            );
        }
        return None;
    }
    let http = p.http.as_deref().map(|u| proxy_url(c, "proxy.http", u));
    let https = p.https.as_deref().map(|u| proxy_url(c, "proxy.https", u));
    let no_proxy = p.no_proxy.clone().unwrap_or_default();
    for (i, entry) in no_proxy.iter().enumerate() {
        no_proxy_entry(c, &format!("proxy.no_proxy[{i}]"), entry);
    }
    let inventory = config.nodes.as_ref().is_some_and(|n| !n.is_empty());
    if !inventory && !no_proxy.iter().any(|e| e.contains('/')) && c.fully_read("proxy") {
        c.warning(
            "proxy.no_proxy",
            "no network of the nodes is exempt from the proxy",
            "the API server reaches kubelets at the nodes' addresses (logs, exec) and kubeadm checks that its own address is not proxied; without `nodes:` kubeprint knows no node address, so list the nodes' network, like `10.0.0.0/16`",
        );
    }
    // One proxy for both schemes unless both are given: tools disagree on what an unset
    // one means, so kubeprint never leaves one unset.
    let (http, https) = match (http, https) {
        (Some(Some(h)), Some(Some(s))) => (h, s),
        (Some(Some(h)), None) => (h.clone(), h),
        (None, Some(Some(s))) => (s.clone(), s),
        _ => return None,
    };
    Some(Proxy {
        http,
        https,
        no_proxy,
    })
}

/// `http://host:port` (a trailing `/` is dropped); `None` when it is anything else
/// (reported). The URL is never shown when it may carry a password.
fn proxy_url(c: &mut Checker, field: &str, url: &str) -> Option<String> {
    if url.contains('@') {
        c.error(
            field,
            "the proxy URL carries credentials (`user:password@`)",
            "credentials are not supported in cluster.yaml: the proxy URL is written into user-data, bundles and baked images, where any process on the node can read it; let the proxy admit the nodes by their addresses instead",
        );
        return None;
    }
    let Some(rest) = url.strip_prefix("http://") else {
        let help = if url.starts_with("https://") {
            "write the proxy's http:// URL: https downloads still travel encrypted through it (CONNECT), and a TLS connection to the proxy itself is not supported"
        } else {
            "write the proxy as http://host:port, like `http://proxy.example.internal:3128`"
        };
        c.error(
            field,
            format!("`{}` is not an http:// proxy URL", printable(url)),
            help,
        );
        return None;
    };
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    if let Err(problem) = host_port(authority) {
        c.error(
            field,
            format!("`{}`: {problem}", printable(url)),
            format!("write the proxy's host (DNS name or IP address) and port and nothing else, like `{EXAMPLE}`"),
        );
        return None;
    }
    Some(format!("http://{authority}"))
}

/// `host:port` or `[v6]:port`, the port required.
fn host_port(authority: &str) -> Result<(), &'static str> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, port) = rest.split_once("]:").ok_or("the port is missing")?;
        host.parse::<std::net::Ipv6Addr>()
            .map_err(|_| "not an IPv6 address in brackets")?;
        (None, port)
    } else {
        let (host, port) = authority.split_once(':').ok_or("the port is missing")?;
        (Some(host), port)
    };
    if let Some(host) = host
        && host.parse::<std::net::Ipv4Addr>().is_err()
        && !is_dns_name(host)
    {
        return Err("the host is not a DNS name or IPv4 address");
    }
    tcp_port(port).map(drop).ok_or("the port is not a TCP port")
}

/// A host name, `.domain`, IP address or CIDR range.
fn no_proxy_entry(c: &mut Checker, field: &str, entry: &str) {
    if entry.contains('/') {
        // Reports its own problem (not a range, host bits set).
        c.cidr(field, entry);
        return;
    }
    if entry.parse::<IpAddr>().is_ok() || is_dns_name(entry.strip_prefix('.').unwrap_or(entry)) {
        return;
    }
    c.error(
        field,
        format!(
            "`{}` is not a host name, domain, IP address or CIDR range",
            printable(entry)
        ),
        "list entries like `.example.internal` (a domain's hosts), `registry.example.internal`, `10.0.0.5` or `10.0.0.0/16`: lowercase, without scheme, port, spaces or quotes",
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_authorities() {
        for ok in [
            "proxy.example.internal:3128",
            "10.0.0.1:8080",
            "[fd00::1]:3128",
        ] {
            assert_eq!(host_port(ok), Ok(()), "{ok}");
        }
        for bad in [
            "proxy.example.internal",
            "proxy:0",
            "proxy:http",
            "Proxy:3128",
            "proxy:3128/path",
            "[fd00::1]",
            "a b:1",
            "\"p\":1",
            ":3128",
        ] {
            assert!(host_port(bad).is_err(), "{bad}");
        }
    }
}
