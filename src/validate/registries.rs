//! Part of stage 1b (validate): `registries`, the container registry mirrors CRI-O pulls
//! through and the CA that signs them. In: the section as read; out: [`Registries`]
//! with each mirror as containers-registries.conf(5) spells a location, or diagnostics
//! naming the field.

use crate::config::{Config, KubernetesConfig};
use crate::model::cluster::Registries;
use crate::validate::fields::Checker;
use crate::validate::syntax::{is_dns_name, printable, tcp_port};
use crate::validate::url::{self, Scheme};

const HTTPS_HELP: &str = "write the mirror as https://host[:port][/path]: CRI-O speaks TLS to mirrors, and kubeprint never marks one insecure";

/// `registries.*`; `None` without the section or when a value is wrong (reported).
pub(crate) fn registries(config: &Config, c: &mut Checker) -> Option<Registries> {
    let r = config.registries.as_ref()?;
    if !c.readable("registries") {
        return None;
    }
    let mut ok = true;
    let mut mirrors = Vec::new();
    for (registry, urls) in r.mirrors.iter().flatten() {
        let field = format!("registries.mirrors.{registry}");
        if !is_host_port(registry) {
            c.error(
                &field,
                format!("`{}` is not a registry host", printable(registry)),
                "name the registry as images do, `host` or `host:port` (`docker.io`, `registry.k8s.io`, `registry.example.com:5000`)",
            );
            ok = false;
        }
        if urls.is_empty() {
            c.error(
                &field,
                format!("`{field}` lists no mirror"),
                "list at least one https URL, or remove the registry",
            );
            ok = false;
        }
        let mut locations = Vec::new();
        for (i, u) in urls.iter().enumerate() {
            match location(c, &format!("{field}[{i}]"), u) {
                Some(l) => locations.push(l),
                None => ok = false,
            }
        }
        mirrors.push((registry.clone(), locations));
    }
    let ca = r.ca.clone();
    if let Some(pem) = &ca {
        ok &= check_ca(c, pem, !mirrors.is_empty());
    }
    ok.then_some(Registries { mirrors, ca })
}

/// `kubernetes.image_repository`: `host[:port][/path]`, as kubeadm's `imageRepository`
/// and an image name's prefix take it (no scheme: kubeadm and CRI-O speak TLS).
pub(crate) fn image_repository(k: &KubernetesConfig, c: &mut Checker) -> Option<String> {
    let repository = k.image_repository.as_deref()?;
    let trimmed = repository.trim_end_matches('/');
    let (authority, path) = trimmed.split_once('/').unwrap_or((trimmed, ""));
    if is_host_port(authority) && is_image_path(path) {
        return Some(trimmed.to_string());
    }
    c.error(
        "kubernetes.image_repository",
        format!("`{}` is not an image repository", printable(repository)),
        "write it as images name it, `host[:port][/path]` without a scheme and with a lowercase path, like `registry.example.internal/k8s`",
    );
    None
}

/// An image name's path: lowercase components of letters, digits and `._-`, or none.
fn is_image_path(path: &str) -> bool {
    path.is_empty()
        || path.split('/').all(|p| {
            p.starts_with(|ch: char| ch.is_ascii_lowercase() || ch.is_ascii_digit())
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        })
}

/// `https://mirror.example.com:5000/path/` → `mirror.example.com:5000/path`.
fn location(c: &mut Checker, field: &str, u: &str) -> Option<String> {
    if !url::check(c, field, u, Scheme::Https, HTTPS_HELP) {
        return None;
    }
    let rest = u.trim_start_matches("https://").trim_end_matches('/');
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    if !is_host_port(authority) || !is_image_path(path) {
        c.error(
            field,
            format!("`{}` is not a registry mirror URL", printable(u)),
            "write https://host[:port][/path] with a lowercase path and no query or fragment, like `https://mirror.example.com/docker.io`",
        );
        return None;
    }
    Some(rest.to_string())
}

/// `host` or `host:port`: a DNS name or IPv4 address, and a TCP port.
fn is_host_port(text: &str) -> bool {
    let (host, port) = match text.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (text, None),
    };
    let host_ok = is_dns_name(host) || host.parse::<std::net::Ipv4Addr>().is_ok();
    host_ok && port.is_none_or(|p| tcp_port(p).is_some())
}

/// The CA must be one or more PEM certificates, and only means something with mirrors.
fn check_ca(c: &mut Checker, pem: &str, has_mirrors: bool) -> bool {
    if !has_mirrors {
        c.error(
            "registries.ca",
            "`registries.ca` without `registries.mirrors`",
            "the CA is trusted for the mirrors only: add `registries.mirrors`, or remove `ca`",
        );
        return false;
    }
    let certificates: Vec<_> = x509_parser::pem::Pem::iter_from_buffer(pem.as_bytes()).collect();
    let parsed = !certificates.is_empty()
        && certificates.iter().all(|p| {
            p.as_ref()
                .is_ok_and(|p| p.label == "CERTIFICATE" && p.parse_x509().is_ok())
        });
    if !parsed {
        c.error(
            "registries.ca",
            "`registries.ca` is not a PEM certificate",
            "paste the CA certificate(s) the mirrors' TLS certificates chain to, `-----BEGIN CERTIFICATE-----` to `-----END CERTIFICATE-----`, as a block scalar (`ca: |`)",
        );
    }
    parsed
}
