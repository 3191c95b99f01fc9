//! Part of stage 2 (secrets): the bootstrap token → the Secret that registers it with a
//! running cluster (`kubeprint secrets token-secret | kubectl apply -f -`). In: the
//! secrets and the moment the token should stop working (none: never); out: one YAML
//! document, built as typed values by [`crate::yaml`], so `"true"` and the RFC 3339
//! expiration stay strings under YAML 1.1 and 1.2.
//!
//! The format is the API server's bootstrap token authenticator's: kubernetes/cluster-bootstrap
//! v0.36.2 (published from kubernetes/kubernetes v1.36.2,
//! staging/src/k8s.io/cluster-bootstrap/token/api/types.go): type
//! `bootstrap.kubernetes.io/token`, name `bootstrap-token-<token-id>`, keys `token-id`,
//! `token-secret`, `expiration` (absolute UTC time in RFC 3339), `description`,
//! `auth-extra-groups`, and usages `usage-bootstrap-authentication` /
//! `usage-bootstrap-signing` whose value must be `"true"`; the namespace is kube-system
//! (kubernetes.io "Authenticating with Bootstrap Tokens", "Bootstrap Token Secret Format").
//! kubeadm writes the same keys for a token it creates (kubernetes/kubernetes
//! cmd/kubeadm/app/apis/bootstraptoken/v1/utils.go `encodeTokenSecretData`, read at
//! commit 1c9cf914f2f951313b8e9f7c321f5bd50b5e3d9f): both usages, the expiration as
//! `now + ttl` formatted with Go's `time.RFC3339` in UTC, none when the TTL is 0.
//!
//! `stringData` rather than base64 `data`: the API server folds it into `data` on
//! write, base64 would hide nothing from whoever reads the output, and plain values let
//! the admin check the token id, expiration and groups before applying it. It is also
//! the form of the documentation's own example.

use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

use crate::error::{Error, Result};
use crate::secrets::Secrets;

/// The group kubeadm's node token authenticates as, which kubeadm's RBAC rules let post
/// CSRs and have them approved: `NodeBootstrapTokenAuthGroup` in kubernetes/kubernetes
/// cmd/kubeadm/app/constants/constants.go (read at commit
/// 00886ac01fec1c8432967e8bb597828f46a9ba8b), kubeadm's `DefaultTokenGroups`.
pub(crate) const NODE_TOKEN_GROUP: &str = "system:bootstrappers:kubeadm:default-node-token";

/// kubeadm's default bootstrap token TTL, 24 hours: `DefaultTokenDuration = 24 *
/// time.Hour` in kubernetes/kubernetes v1.29.5
/// cmd/kubeadm/app/apis/bootstraptoken/v1/defaults.go (unchanged at commit
/// 008b3652959ca58af8be3fb5b6ecfe9ae7638282; before 1.28 the same constant sat in
/// cmd/kubeadm/app/constants/constants.go), and `kubeadm token create --ttl`'s default
/// `24h0m0s`.
pub(crate) const KUBEADM_DEFAULT_TTL_SECONDS: u64 = 24 * 3600;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Manifest<'a> {
    api_version: &'a str,
    kind: &'a str,
    metadata: Metadata<'a>,
    #[serde(rename = "type")]
    kind_of_secret: &'a str,
    string_data: TokenData<'a>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    name: String,
    namespace: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct TokenData<'a> {
    description: &'a str,
    token_id: &'a str,
    token_secret: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    expiration: Option<String>,
    usage_bootstrap_authentication: &'a str,
    usage_bootstrap_signing: &'a str,
    auth_extra_groups: &'a str,
}

/// When a token registered at `now` with `ttl_seconds` stops working: `None` for a TTL
/// of 0 (never); an error when the sum is past what a date can hold.
pub(crate) fn expiration(now: OffsetDateTime, ttl_seconds: u64) -> Result<Option<OffsetDateTime>> {
    if ttl_seconds == 0 {
        return Ok(None);
    }
    i64::try_from(ttl_seconds)
        .ok()
        .and_then(|s| now.checked_add(time::Duration::seconds(s)))
        .filter(|t| t.year() <= 9999)
        .map(Some)
        .ok_or_else(|| {
            Error::new("the token's TTL reaches past the year 9999")
                .help("give `--ttl` a shorter duration, such as `24h`")
        })
}

/// The Secret for the token in `secrets`, expiring at `expires` (never when `None`).
pub(crate) fn token_secret(secrets: &Secrets, expires: Option<OffsetDateTime>) -> Result<String> {
    let token = secrets.bootstrap_token.expose();
    let (id, secret) = token
        .split_once('.')
        .ok_or_else(|| Error::new("the bootstrap token is not `id.secret`"))?;
    let expiration = expires.map(rfc3339_utc).transpose()?;
    let manifest = Manifest {
        api_version: "v1",
        kind: "Secret",
        metadata: Metadata {
            name: format!("bootstrap-token-{id}"),
            namespace: "kube-system",
        },
        kind_of_secret: "bootstrap.kubernetes.io/token",
        string_data: TokenData {
            description: "kubeprint bootstrap token (kubeprint secrets token-secret)",
            token_id: id,
            token_secret: secret,
            expiration,
            usage_bootstrap_authentication: "true",
            usage_bootstrap_signing: "true",
            auth_extra_groups: NODE_TOKEN_GROUP,
        },
    };
    crate::yaml::to_string(&manifest)
}

/// `2026-12-07T06:00:00Z`: whole seconds in UTC, as Go's `time.RFC3339` writes it.
pub(crate) fn rfc3339_utc(at: OffsetDateTime) -> Result<String> {
    at.to_offset(UtcOffset::UTC)
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .ok_or_else(|| Error::new("the expiration cannot be written as an RFC 3339 time"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_expiration_is_whole_seconds_in_utc() {
        let at = datetime!(2026-12-06 08:30:15.75 +02:00);
        let end = expiration(at, 90 * 60).unwrap().unwrap();
        assert_eq!(rfc3339_utc(end).unwrap(), "2026-12-06T08:00:15Z");
        assert_eq!(expiration(at, 0).unwrap(), None);
        assert!(expiration(at, u64::MAX).is_err());
        assert!(expiration(at, 9_000 * 365 * 86_400).is_err());
    }
}
