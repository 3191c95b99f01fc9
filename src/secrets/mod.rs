//! Stage 2, secrets: `secrets.yaml` ⇄ [`Secrets`]: the bootstrap token and the cluster's
//! shared PKI (cluster, front-proxy and etcd CAs, service-account keys, admin client
//! certificates).
//!
//! The file is created once (mode 0600) and reused, so every render of a cluster pins the
//! same CAs and token. Secret values live in [`Secret`], whose `Debug` and `Display`
//! never show them; they leave this module only for rendering into node artifacts.

pub mod pki;

use crate::error::{Error, Result};
use std::fmt;
use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::diagnostics::{Diagnostic, Report};
use crate::secrets::pki::{CertPem, KeyType};

/// A value that must never be printed. Serializes transparently (for the secrets file
/// and node artifacts only).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Secret(value)
    }
    /// The secret value. Callers put it into node artifacts, never into messages.
    pub fn expose(&self) -> &str {
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

const HEADER: &str = "\
# kubeprint secrets: the bootstrap token and shared PKI every node of this cluster trusts.
# Keep this file private (mode 0600) and out of version control; back it up: losing it
# means new nodes can no longer be rendered for the existing cluster.
";

/// The admin group kubeadm binds to cluster-admin from Kubernetes 1.29 on; before that
/// `admin.conf` used the all-powerful `system:masters`.
pub const ADMIN_GROUP: &str = "kubeadm:cluster-admins";
pub const LEGACY_ADMIN_GROUP: &str = "system:masters";
pub const ADMIN_USER: &str = "kubernetes-admin";

/// On-disk format of `secrets.yaml`. Everything after the cluster CA is optional when
/// reading, so files written before those parts existed still load; `complete` adds them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Secrets {
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
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertPair {
    /// Public.
    pub certificate: String,
    pub private_key: Secret,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyPairPem {
    pub public_key: String,
    pub private_key: Secret,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminCredential {
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
    pub secrets: Secrets,
    /// `sha256:<hex>` of the cluster CA's SubjectPublicKeyInfo.
    pub ca_cert_hash: String,
}

/// Stand-ins for `--redact`: shaped like the real thing, so redacted trees still pass
/// the validators, and obviously fake.
pub const REDACTED_TOKEN: &str = "redact.redactedredacted";
pub const REDACTED_KEY: &str = "-----BEGIN PRIVATE KEY-----\nREDACTED by kubeprint render --redact\n-----END PRIVATE KEY-----\n";

impl CheckedSecrets {
    /// The same secrets with every private key and the token replaced by placeholders;
    /// certificates and the CA hash stay, since reviewers need them.
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
            },
            ca_cert_hash: self.ca_cert_hash.clone(),
        }
    }

    pub fn admin_credential(&self, organization: &str) -> Option<&AdminCredential> {
        self.secrets
            .admin
            .iter()
            .find(|a| a.organization == organization)
    }
}

/// `^[a-z0-9]{6}\.[a-z0-9]{16}$`, kubeadm's bootstrap token format.
pub fn is_valid_token(token: &str) -> bool {
    let Some((id, secret)) = token.split_once('.') else {
        return false;
    };
    let ok = |s: &str, n: usize| {
        s.len() == n && s.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9'))
    };
    ok(id, 6) && ok(secret, 16)
}

/// A fresh bootstrap token from the OS CSPRNG (uniform over `[a-z0-9]`).
pub fn generate_token() -> Result<Secret> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(23);
    let mut buf = [0u8; 64];
    while out.len() < 23 {
        getrandom::fill(&mut buf)
            .map_err(|e| Error::new(format!("the OS random source failed: {e}")))?;
        for &b in &buf {
            // Rejection sampling: 252 = 7 * 36 keeps every character equally likely.
            if b < 252 && out.len() < 23 {
                if out.len() == 6 {
                    out.push('.');
                }
                out.push(ALPHABET[(b % 36) as usize] as char);
            }
        }
    }
    Ok(Secret(out))
}

fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default()
}

/// A complete new set for `cluster`: token and the whole shared PKI.
pub fn generate(cluster: &str, key_type: KeyType) -> Result<Secrets> {
    let mut secrets = Secrets {
        cluster: Some(cluster.to_string()),
        bootstrap_token: generate_token()?,
        token_created: Some(now_rfc3339()),
        cluster_ca: pki::generate_ca("kubernetes", key_type)?.into(),
        front_proxy_ca: None,
        etcd_ca: None,
        service_account: None,
        admin: Vec::new(),
    };
    complete(&mut secrets, key_type)?;
    Ok(secrets)
}

/// The parts `complete` would add, by key name, without generating anything.
pub fn missing(secrets: &Secrets) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if secrets.front_proxy_ca.is_none() {
        missing.push("front_proxy_ca");
    }
    if secrets.etcd_ca.is_none() {
        missing.push("etcd_ca");
    }
    if secrets.service_account.is_none() {
        missing.push("service_account");
    }
    if [ADMIN_GROUP, LEGACY_ADMIN_GROUP]
        .iter()
        .any(|g| !secrets.admin.iter().any(|a| a.organization == *g))
    {
        missing.push("admin");
    }
    missing
}

/// Adds whatever an older file lacks (front-proxy and etcd CAs, service-account keys,
/// admin certificates), never touching the token or an existing CA. Returns the names
/// of what was added.
pub fn complete(secrets: &mut Secrets, key_type: KeyType) -> Result<Vec<&'static str>> {
    let mut added = Vec::new();
    if secrets.front_proxy_ca.is_none() {
        secrets.front_proxy_ca = Some(pki::generate_ca("front-proxy-ca", key_type)?.into());
        added.push("front_proxy_ca");
    }
    if secrets.etcd_ca.is_none() {
        secrets.etcd_ca = Some(pki::generate_ca("etcd-ca", key_type)?.into());
        added.push("etcd_ca");
    }
    if secrets.service_account.is_none() {
        let (public_key, private_key) = pki::generate_key_pair(key_type)?;
        secrets.service_account = Some(KeyPairPem {
            public_key,
            private_key: Secret(private_key),
        });
        added.push("service_account");
    }
    for group in [ADMIN_GROUP, LEGACY_ADMIN_GROUP] {
        if !secrets.admin.iter().any(|a| a.organization == group) {
            let cert = pki::generate_client_cert(
                &secrets.cluster_ca.as_pem(),
                ADMIN_USER,
                group,
                key_type,
            )?;
            secrets.admin.push(AdminCredential {
                organization: group.to_string(),
                certificate: cert.certificate,
                private_key: Secret(cert.private_key),
            });
            added.push("admin");
        }
    }
    added.dedup();
    Ok(added)
}

/// The key type of the cluster CA, so completed parts match it.
pub fn key_type_of(secrets: &Secrets) -> KeyType {
    pki::key_type(secrets.cluster_ca.private_key.expose()).unwrap_or_default()
}

/// Replaces only the bootstrap token.
pub fn rotate_token(secrets: &mut Secrets) -> Result<()> {
    secrets.bootstrap_token = generate_token()?;
    secrets.token_created = Some(now_rfc3339());
    Ok(())
}

/// Checks a loaded secrets file field by field. Messages never include the values.
pub fn check(secrets: Secrets) -> Result<CheckedSecrets, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    if !is_valid_token(secrets.bootstrap_token.expose()) {
        problems.push(
            Diagnostic::error("bootstrap_token", "the bootstrap token is malformed")
                .help("a token is 6 and 16 characters of [a-z0-9] joined by `.`; `kubeprint secrets rotate-token` makes a new one"),
        );
    }
    if let Some(created) = &secrets.token_created
        && OffsetDateTime::parse(created, &Rfc3339).is_err()
    {
        problems.push(
            Diagnostic::error("token_created", "not an RFC 3339 time")
                .help("write it like 2026-01-31T12:00:00Z, or remove the key"),
        );
    }
    let ca = check_ca("cluster_ca", &secrets.cluster_ca, &mut problems);
    if let Some(pair) = &secrets.front_proxy_ca {
        check_ca("front_proxy_ca", pair, &mut problems);
    }
    if let Some(pair) = &secrets.etcd_ca {
        check_ca("etcd_ca", pair, &mut problems);
    }
    if let Some(sa) = &secrets.service_account {
        match pki::public_key_spki(&sa.public_key)
            .map(|public| pki::key_matches(sa.private_key.expose(), &public))
        {
            Ok(Ok(true)) => {}
            Ok(Ok(false)) => problems.push(
                Diagnostic::error(
                    "service_account.private_key",
                    "the private key does not belong to the public key",
                )
                .help("use kubeadm's sa.key and sa.pub from the same cluster"),
            ),
            Err(e) => problems.push(
                Diagnostic::error(
                    "service_account.public_key",
                    format!("the public key cannot be read: {e}"),
                )
                .help("paste the PEM public key (-----BEGIN PUBLIC KEY-----), kubeadm's sa.pub"),
            ),
            Ok(Err(e)) => problems.push(
                Diagnostic::error(
                    "service_account.private_key",
                    format!("the private key cannot be read: {e}"),
                )
                .help("paste the PEM private key, kubeadm's sa.key"),
            ),
        }
    }
    for (i, admin) in secrets.admin.iter().enumerate() {
        let path = format!("admin[{i}]");
        match pki::inspect_certificate(&admin.certificate) {
            Err(e) => problems.push(
                Diagnostic::error(
                    format!("{path}.certificate"),
                    format!("the certificate cannot be read: {e}"),
                )
                .help("remove the entry; the next render generates a new one"),
            ),
            Ok(info) => {
                if ca.as_ref().is_some_and(|ca| ca.subject != info.issuer) {
                    problems.push(
                        Diagnostic::error(
                            format!("{path}.certificate"),
                            "the admin certificate was not issued by the cluster CA",
                        )
                        .help("remove the entry; the next render generates a new one"),
                    );
                }
                if !pki::key_matches(admin.private_key.expose(), &info.spki_der).unwrap_or(false) {
                    problems.push(
                        Diagnostic::error(
                            format!("{path}.private_key"),
                            "the private key does not belong to the admin certificate",
                        )
                        .help("remove the entry; the next render generates a new one"),
                    );
                }
            }
        }
    }
    match (problems.is_empty(), ca) {
        (true, Some(ca)) => Ok(CheckedSecrets {
            secrets,
            ca_cert_hash: pki::ca_cert_hash(&ca.spki_der),
        }),
        _ => Err(problems),
    }
}

fn check_ca(path: &str, pair: &CertPair, problems: &mut Vec<Diagnostic>) -> Option<pki::CertInfo> {
    let info = match pki::inspect_certificate(&pair.certificate) {
        Ok(info) => info,
        Err(e) => {
            problems.push(
                Diagnostic::error(
                    format!("{path}.certificate"),
                    format!("the CA certificate cannot be read: {e}"),
                )
                .help("paste the PEM certificate (-----BEGIN CERTIFICATE-----) of this CA"),
            );
            return None;
        }
    };
    if !info.is_ca {
        problems.push(
            Diagnostic::error(format!("{path}.certificate"), "the certificate is not a CA (basicConstraints CA:TRUE missing)")
                .help("use the CA certificate (like kubeadm's /etc/kubernetes/pki/ca.crt), not a leaf certificate"),
        );
    }
    match pki::key_matches(pair.private_key.expose(), &info.spki_der) {
        Err(e) => problems.push(
            Diagnostic::error(
                format!("{path}.private_key"),
                format!("the CA private key cannot be read: {e}"),
            )
            .help(
                "paste the PEM private key of this CA (like kubeadm's /etc/kubernetes/pki/ca.key)",
            ),
        ),
        Ok(false) => problems.push(
            Diagnostic::error(
                format!("{path}.private_key"),
                "the private key does not belong to the CA certificate",
            )
            .help("use the key and certificate of the same CA"),
        ),
        Ok(_) => {}
    }
    Some(info)
}

/// Parses secrets text. Parse errors keep only their location and the names of keys,
/// since serde would otherwise quote the offending (secret) value.
pub fn parse(text: &str) -> Result<Secrets, Vec<Diagnostic>> {
    serde_yaml::from_str(text).map_err(|e| {
        let location = e.location().map(|l| (l.line(), l.column()));
        let message = e.to_string();
        let safe = ["missing field `", "unknown field `"]
            .iter()
            .find(|p| message.contains(*p))
            .and_then(|p| message.split(p).nth(1))
            .and_then(|rest| rest.split('`').next())
            .map(|field| {
                if message.contains("missing field") {
                    format!("the key `{field}` is missing")
                } else {
                    format!("unknown key `{field}`")
                }
            })
            .unwrap_or_else(|| "a value has the wrong type or the YAML is malformed".to_string());
        vec![
            Diagnostic::error("", safe)
                .help("expected `bootstrap_token`, `cluster_ca` (`certificate`, `private_key`) and optionally the rest of the shared PKI; `kubeprint secrets generate` writes a fresh file")
                .at(location),
        ]
    })
}

/// Reads and checks `path`, refusing a file that others can read.
pub fn load(path: &Path) -> Result<CheckedSecrets, Vec<Diagnostic>> {
    check(read(path)?)
}

/// Reads `path` without checking it.
pub fn read(path: &Path) -> Result<Secrets, Vec<Diagnostic>> {
    let meta = fs::metadata(path).map_err(|e| {
        vec![Diagnostic::error(
            "",
            format!("cannot read the secrets file: {e}"),
        )]
    })?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(vec![
            Diagnostic::error(
                "",
                format!("the secrets file is readable by others (mode {mode:04o})"),
            )
            .help(format!("run `chmod 600 {}`", path.display())),
        ]);
    }
    let text = fs::read_to_string(path).map_err(|e| {
        vec![Diagnostic::error(
            "",
            format!("cannot read the secrets file: {e}"),
        )]
    })?;
    parse(&text)
}

/// Writes `secrets` to `path` with mode 0600 from the start (never briefly readable).
pub fn save(path: &Path, secrets: &Secrets, overwrite: bool) -> Result<()> {
    let body = serde_yaml::to_string(secrets)
        .map_err(|e| Error::new(format!("cannot serialize secrets: {e}")))?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".secrets-")
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)
        .map_err(|e| Error::new(format!("cannot create a file in `{}`: {e}", dir.display())))?;
    tmp.write_all(HEADER.as_bytes())
        .and_then(|_| tmp.write_all(body.as_bytes()))
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| Error::new(format!("cannot write the secrets file: {e}")))?;
    if overwrite {
        tmp.persist(path)
            .map_err(|e| Error::new(format!("cannot write `{}`: {}", path.display(), e.error)))?;
    } else {
        tmp.persist_noclobber(path)
            .map_err(|e| Error::new(format!("cannot write `{}`: {}", path.display(), e.error)))?;
    }
    Ok(())
}

/// Whether a secrets file may be used for a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Binding {
    /// The file records this cluster.
    Same,
    /// The file predates cluster binding: usable, with a warning.
    Unrecorded,
    /// The file belongs to the named other cluster.
    Other(String),
}

pub fn binding(secrets: &Secrets, cluster: &str) -> Binding {
    match &secrets.cluster {
        None => Binding::Unrecorded,
        Some(name) if name == cluster => Binding::Same,
        Some(name) => Binding::Other(name.clone()),
    }
}

/// Whether the secrets file `file` may be used for `cluster`: `Err` (a report) when it
/// belongs to another cluster, a warning to print when it records none, `None` when it
/// is this cluster's.
pub fn check_binding(secrets: &Secrets, cluster: &str, file: &str) -> Result<Option<Report>> {
    let diagnostic = match binding(secrets, cluster) {
        Binding::Same => return Ok(None),
        Binding::Unrecorded => Diagnostic::warning(
            "cluster",
            format!("the secrets file `{file}` does not record which cluster it belongs to"),
        )
        .help(format!(
            "if it is `{cluster}`'s, add the line `cluster: {cluster}` at the top of `{file}`; kubeprint then refuses it for any other cluster"
        )),
        Binding::Other(other) => Diagnostic::error(
            "cluster",
            format!("the secrets file `{file}` belongs to cluster `{other}`, not `{cluster}`"),
        )
        .help(format!(
            "two clusters must never share a CA and a bootstrap token: pass `{cluster}`'s own secrets file with `-s`, or a path that does not exist yet (render generates a new one there), such as `-s {cluster}-secrets.yaml`"
        )),
    };
    let report = Report::of(file, vec![diagnostic]);
    if report.has_errors() {
        return Err(Error::Report(report));
    }
    Ok(Some(report))
}

/// Seconds since the token was created, when recorded (for expiry warnings only:
/// rendering itself never reads the clock).
pub fn token_age_seconds(secrets: &Secrets) -> Option<i64> {
    let created = OffsetDateTime::parse(secrets.token_created.as_deref()?, &Rfc3339).ok()?;
    Some((OffsetDateTime::now_utc() - created).whole_seconds())
}
