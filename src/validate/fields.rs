//! Part of stage 1b (validate): the field-level checks. [`Checker`] collects
//! diagnostics with their source positions; its methods parse one kind of value each
//! (version, endpoint, CIDR, duration; URLs are [`url`](super::url)'s). The plain shape
//! rules they apply (DNS names, Go durations, printable excerpts) are in
//! [`syntax`](super::syntax).

use std::net::IpAddr;

use ipnet::IpNet;

use crate::config::{Scalar, SourceMap};
use crate::diagnostics::{Diagnostic, Report};
use crate::model::cluster::{Endpoint, Version};
use crate::validate::syntax::{is_dns_name, parse_duration, printable, tcp_port};

pub(crate) struct Checker<'a> {
    source: &'a SourceMap,
    report: &'a mut Report,
    failed: &'a [String],
}

/// The keys whose guide values would be wrong for anyone else's cluster.
pub(crate) const REQUIRED_KEYS: &str =
    "`name`, `os`, `kubernetes.version` and `kubernetes.endpoint`";

impl<'a> Checker<'a> {
    /// `failed` lists fields that could not be read at all (already reported).
    pub(crate) fn new(source: &'a SourceMap, report: &'a mut Report, failed: &'a [String]) -> Self {
        Checker {
            source,
            report,
            failed,
        }
    }

    pub(crate) fn has_errors(&self) -> bool {
        self.report.has_errors()
    }

    /// False when the field (or its section) could not be read and was reported already.
    pub(crate) fn readable(&self, path: &str) -> bool {
        !self
            .failed
            .iter()
            .any(|f| path == f || path.starts_with(&format!("{f}.")))
    }

    /// True when nothing at or under `path` failed to read: checks of a whole entry
    /// (a required key, a combination) are skipped when one of its keys was already
    /// reported, since they would only repeat that mistake.
    pub(crate) fn fully_read(&self, path: &str) -> bool {
        self.readable(path)
            && !self.failed.iter().any(|f| {
                f.strip_prefix(path)
                    .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
            })
    }

    pub(crate) fn error(
        &mut self,
        path: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.push(Diagnostic::error(path, message), help);
    }

    pub(crate) fn warning(
        &mut self,
        path: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.push(Diagnostic::warning(path, message), help);
    }

    /// Adds the hint and the field's source position.
    fn push(&mut self, diag: Diagnostic, help: impl Into<String>) {
        let at = self.source.locate(&diag.path);
        self.report.push(diag.help(help).at(at));
    }

    /// A key every user definition must state. Absent: an error pointing at the
    /// enclosing section (or the top of the file) with a line to add; `None` then, so
    /// no check runs on a value that was never written.
    pub(crate) fn required<T>(&mut self, path: &str, value: Option<T>, example: &str) -> Option<T> {
        if value.is_none() && self.readable(path) {
            let (section, key) = match path.rsplit_once('.') {
                Some((section, key)) => (Some(section), key),
                None => (None, path),
            };
            let place = match section {
                Some(section) => format!(" under `{section}:`"),
                None => String::new(),
            };
            let at = self.source.locate(path).or(Some((1, 1)));
            self.report.push(
                Diagnostic::error(path, format!("missing required key `{key}`"))
                    .help(format!(
                        "add `{example}`{place}; every cluster.yaml states {}",
                        REQUIRED_KEYS
                    ))
                    .at(at),
            );
        }
        value
    }

    pub(crate) fn version(&mut self, scalar: &Scalar) -> Option<Version> {
        const FIELD: &str = "kubernetes.version";
        let text = match scalar.as_text() {
            Ok(t) => t,
            Err(hint) => {
                self.error(
                    FIELD,
                    "the Kubernetes version must be a full X.Y.Z",
                    format!(
                        "{}, with all three parts, like `version: \"1.35.2\"`",
                        hint.0
                    ),
                );
                return None;
            }
        };
        let parts: Vec<Option<u32>> = text
            .trim_start_matches('v')
            .split('.')
            .map(|p| {
                (!p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| p.parse().ok())
                    .flatten()
            })
            .collect();
        match parts.as_slice() {
            [Some(1), Some(minor), Some(patch)] => Some(Version {
                major: 1,
                minor: *minor,
                patch: *patch,
            }),
            _ => {
                self.error(
                    FIELD,
                    format!("`{}` is not a full Kubernetes version", printable(&text)),
                    "write the exact release, like `1.30.2` (kubeprint pins packages to it)",
                );
                None
            }
        }
    }

    pub(crate) fn endpoint(&mut self, text: &str) -> Option<Endpoint> {
        const FIELD: &str = "kubernetes.endpoint";
        if text.contains("://") {
            self.error(
                FIELD,
                format!("`{}` has a URL scheme", printable(text)),
                "write host or host:port only, like `10.0.0.10:6443` or `api.example.com`",
            );
            return None;
        }
        let (host, port) = if let Some(rest) = text.strip_prefix('[') {
            match rest.split_once(']') {
                Some((h, "")) => (h, None),
                Some((h, p)) if p.starts_with(':') => (h, Some(&p[1..])),
                _ => ("", None),
            }
        } else if text.matches(':').count() == 1 {
            let (h, p) = text.split_once(':').unwrap_or((text, ""));
            (h, Some(p))
        } else {
            (text, None)
        };
        let port =
            match port {
                None => 6443,
                Some(p) => match tcp_port(p) {
                    Some(n) => n,
                    None => {
                        self.error(FIELD, format!("`{}` is not a valid port", printable(p)),
                    "use a TCP port from 1 to 65535; the API server listens on 6443 by default");
                        return None;
                    }
                },
            };
        let ip = host.parse::<IpAddr>().ok();
        if ip.is_none() && !is_dns_name(host) {
            self.error(FIELD, format!("`{}` is not an IP address or DNS name", printable(host)),
                "write host or host:port, like `10.0.0.10:6443` or `api.example.com:6443` (IPv6 in brackets)");
            return None;
        }
        Some(Endpoint {
            host: host.to_string(),
            port,
            ip,
        })
    }

    pub(crate) fn cidr(&mut self, field: &str, text: &str) -> Option<IpNet> {
        match text.parse::<IpNet>() {
            Ok(net) if net.trunc() == net => Some(net),
            Ok(net) => {
                self.error(
                    field,
                    format!("`{text}` has host bits set"),
                    format!("write the network address: `{}`", net.trunc()),
                );
                None
            }
            Err(_) => {
                self.error(
                    field,
                    format!("`{}` is not a CIDR range", printable(text)),
                    "write an address and prefix length, like `10.244.0.0/16`",
                );
                None
            }
        }
    }

    /// Go-style durations as kubeadm reads them (`24h`, `1h30m`, `90m`, `0`).
    pub(crate) fn duration(&mut self, scalar: Option<&Scalar>) -> Option<u64> {
        const FIELD: &str = "kubernetes.token_ttl";
        let text = match scalar.map(Scalar::as_text)? {
            Ok(t) => t,
            Err(hint) => {
                self.error(
                    FIELD,
                    "the token TTL must be a duration",
                    format!("{}, like `token_ttl: \"24h\"`", hint.0),
                );
                return None;
            }
        };
        match parse_duration(&text) {
            Some(s) => Some(s),
            None => {
                self.error(
                    FIELD,
                    format!("`{}` is not a duration", printable(&text)),
                    "write hours, minutes and seconds like `24h`, `1h30m` or `0` (never expires)",
                );
                None
            }
        }
    }
}
