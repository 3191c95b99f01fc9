//! Stage 2, secrets: `secrets.yaml` ⇄ [`Secrets`]: the bootstrap token and the cluster's
//! shared PKI (cluster, front-proxy and etcd CAs, service-account keys, admin client
//! certificates).
//!
//! The file is created once (mode 0600) and reused, so every render of a cluster pins the
//! same CAs and token. Secret values live in [`Secret`], whose `Debug` and `Display`
//! never show them; they leave this module only for rendering into node artifacts.

mod binding;
mod check;
mod encryption;
pub(crate) mod expiry;
mod file;
mod generate;
pub(crate) mod pki;
mod prepare;
mod strength;
#[cfg(test)]
mod tests;
mod token_secret;

pub(crate) use binding::check_binding;
pub(crate) use check::check;
pub(crate) use encryption::{
    Needs, REDACTED_ENCRYPTION_KEY, encryption_key_fingerprint, generate_encryption_key,
    generated_for_joins, require,
};
pub(crate) use file::{load, parse, read, save};
pub(crate) use generate::{
    complete, generate, generate_token, is_valid_token, key_type_of, missing, renew_admin,
    rotate_token,
};
pub(crate) use prepare::load_or_generate;
pub(crate) use token_secret::{KUBEADM_DEFAULT_TTL_SECONDS, expiration, rfc3339_utc, token_secret};

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::secrets::pki::CertPem;

/// A value that must never be printed. Serializes transparently (for the secrets file
/// and node artifacts only).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn new(value: String) -> Self {
        Secret(value)
    }
    /// The secret value. Callers put it into node artifacts, never into messages.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The admin group kubeadm binds to cluster-admin from Kubernetes 1.29 on; before that
/// `admin.conf` used the all-powerful `system:masters`.
pub(crate) const ADMIN_GROUP: &str = "kubeadm:cluster-admins";
pub(crate) const LEGACY_ADMIN_GROUP: &str = "system:masters";
pub(crate) const ADMIN_USER: &str = "kubernetes-admin";

/// On-disk format of `secrets.yaml`. Everything after the cluster CA is optional when
/// reading, so files written before those parts existed still load; `complete` adds them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Secrets {
    /// The cluster these secrets belong to (its `name` when they were generated or
    /// imported), so one cluster's CA and token are never rendered into another's
    /// nodes. Files written before it existed lack it; they load with a warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    pub bootstrap_token: Secret,
    /// When the token was generated (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_created: Option<String>,
    pub cluster_ca: CertPair,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub front_proxy_ca: Option<CertPair>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etcd_ca: Option<CertPair>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<KeyPairPem>,
    /// Client certificates for `admin.conf`, one per admin group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub admin: Vec<AdminCredential>,
    /// The key the API servers encrypt Secrets in etcd with (base64 of 32 bytes), present
    /// once a cluster with `kubernetes.encryption_at_rest` was rendered or generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_key: Option<Secret>,
    /// The parts `secrets import --generate-missing` made because the PKI directory
    /// lacked them (names from [`GENERATED_AT_IMPORT`]). The running cluster does not
    /// trust them, so control planes are never joined with them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub generated_at_import: Vec<String>,
}

/// The parts of the shared PKI an import may generate when asked to.
pub(crate) const GENERATED_AT_IMPORT: [&str; 3] = ["front_proxy_ca", "etcd_ca", "service_account"];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CertPair {
    /// Public.
    pub certificate: String,
    pub private_key: Secret,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KeyPairPem {
    pub public_key: String,
    pub private_key: Secret,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AdminCredential {
    pub organization: String,
    pub certificate: String,
    pub private_key: Secret,
}

impl From<CertPem> for CertPair {
    fn from(c: CertPem) -> Self {
        CertPair {
            certificate: c.certificate,
            private_key: Secret(c.private_key),
        }
    }
}

impl CertPair {
    fn as_pem(&self) -> CertPem {
        CertPem {
            certificate: self.certificate.clone(),
            private_key: self.private_key.expose().to_string(),
        }
    }
}

/// What the rest of the pipeline needs, checked.
#[derive(Debug, Clone)]
pub struct CheckedSecrets {
    pub(crate) secrets: Secrets,
    /// `sha256:<hex>` of the cluster CA's SubjectPublicKeyInfo.
    pub ca_cert_hash: String,
    /// Made by [`CheckedSecrets::redacted`]: the plan replaces the content of the
    /// user's `secret: true` files too.
    pub(crate) redacted: bool,
}

/// Stand-ins for `--redact`: shaped like the real thing, so redacted trees still pass
/// the validators, and obviously fake.
pub(crate) const REDACTED_TOKEN: &str = "redact.redactedredacted";
pub(crate) const REDACTED_KEY: &str = "-----BEGIN PRIVATE KEY-----\nREDACTED by kubeprint render --redact\n-----END PRIVATE KEY-----\n";
/// The content of a `secret: true` file under `--redact`.
pub(crate) const REDACTED_FILE: &str = "REDACTED by kubeprint render --redact\n";

impl CheckedSecrets {
    /// The same secrets with every private key, the token and the encryption key replaced
    /// by placeholders; certificates and the CA hash stay, since reviewers need them.
    pub fn redacted(&self) -> CheckedSecrets {
        let key = || Secret(REDACTED_KEY.to_string());
        let pair = |p: &CertPair| CertPair {
            certificate: p.certificate.clone(),
            private_key: key(),
        };
        let s = &self.secrets;
        CheckedSecrets {
            secrets: Secrets {
                cluster: s.cluster.clone(),
                bootstrap_token: Secret(REDACTED_TOKEN.to_string()),
                token_created: s.token_created.clone(),
                cluster_ca: pair(&s.cluster_ca),
                front_proxy_ca: s.front_proxy_ca.as_ref().map(pair),
                etcd_ca: s.etcd_ca.as_ref().map(pair),
                service_account: s.service_account.as_ref().map(|k| KeyPairPem {
                    public_key: k.public_key.clone(),
                    private_key: key(),
                }),
                admin: s
                    .admin
                    .iter()
                    .map(|a| AdminCredential {
                        organization: a.organization.clone(),
                        certificate: a.certificate.clone(),
                        private_key: key(),
                    })
                    .collect(),
                encryption_key: s
                    .encryption_key
                    .as_ref()
                    .map(|_| Secret(REDACTED_ENCRYPTION_KEY.to_string())),
                generated_at_import: s.generated_at_import.clone(),
            },
            ca_cert_hash: self.ca_cert_hash.clone(),
            redacted: true,
        }
    }

    pub(crate) fn admin_credential(&self, organization: &str) -> Option<&AdminCredential> {
        self.secrets
            .admin
            .iter()
            .find(|a| a.organization == organization)
    }
}

/// Seconds from the token's creation, when recorded, to `now` (for expiry warnings and
/// `secrets show` only: rendering itself never reads the clock).
pub(crate) fn token_age_seconds(secrets: &Secrets, now: OffsetDateTime) -> Option<i64> {
    let created = OffsetDateTime::parse(secrets.token_created.as_deref()?, &Rfc3339).ok()?;
    Some((now - created).whole_seconds())
}
