//! Part of stage 1b (validate): the one rule for every URL a node or the image build
//! downloads from (`packages.*`, `cni.manifest`, `delivery.url`): an absolute http(s)
//! URL of plain characters, never carrying credentials, and https where the bytes are
//! not checked by something fetched over https (signing keys) or leave the machine as
//! the token and keys (payloads). In: the field's path and text; out: diagnostics.
//!
//! Credentials are refused before anything else is said about the URL, and such a URL
//! is never repeated in a message: it would print the password.

use crate::validate::fields::Checker;
use crate::validate::syntax::printable;

/// Which schemes a field admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheme {
    /// http or https: apt checks a package mirror's signatures with the signing key.
    Any,
    /// https only: curl fetches it with `--proto '=https'`, and what it carries is
    /// trusted because of where it came from.
    Https,
}

/// Checks `url` for `field`; false when it broke the rule (reported). `https_help` says
/// why the field needs https and how to get there (unused with [`Scheme::Any`]).
pub(crate) fn check(
    c: &mut Checker,
    field: &str,
    url: &str,
    scheme: Scheme,
    https_help: &str,
) -> bool {
    if has_userinfo(url) {
        c.error(
            field,
            format!("`{field}` carries credentials (`user:password@`)"),
            "remove them: this URL is written into user-data, bundles and baked images, which are not secret stores; let the server admit the nodes by their network instead",
        );
        return false;
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    let safe = |b: u8| b.is_ascii_alphanumeric() || b"-._~:/?#@&+,;=%".contains(&b);
    if !matches!(rest, Some(r) if !r.is_empty() && r.bytes().all(safe)) {
        c.error(
            field,
            format!("`{}` is not an http(s) URL", printable(url)),
            "write an absolute https:// URL without spaces, quotes or shell characters",
        );
        return false;
    }
    if scheme == Scheme::Https && !url.starts_with("https://") {
        c.error(
            field,
            format!("`{}` is not an https URL", printable(url)),
            https_help,
        );
        return false;
    }
    true
}

/// Whether the authority (what follows `scheme://` up to the path) holds a `@`, or a
/// text without a scheme has one before its first `/`: either way a user name and
/// maybe a password.
fn has_userinfo(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority.contains('@')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_found_in_the_authority_only() {
        for with in [
            "https://user:pass@mirror.example/k8s",
            "http://user@mirror.example",
            "ftp://u:p@host/x",
            "u:p@host/x",
            "https://u:p@host?x",
        ] {
            assert!(has_userinfo(with), "{with}");
        }
        for without in [
            "https://mirror.example/k8s/@latest",
            "https://mirror.example/k8s?by=a@b",
            "https://mirror.example",
        ] {
            assert!(!has_userinfo(without), "{without}");
        }
    }
}
