//! Stage 2, secrets: `secrets.yaml` ⇄ [`Secrets`] (bootstrap token and cluster CA).
//!
//! The file is created once (mode 0600) and reused, so every render of a cluster pins the
//! same CA and token. Secret values live in [`Secret`], whose `Debug` and `Display`
//! never show them; they leave this module only for rendering into node artifacts.

use std::fmt;
use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostics::Diagnostic;
use crate::pki::{self, KeyType};

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
# kubeprint secrets: the bootstrap token and cluster CA every node of this cluster trusts.
# Keep this file private (mode 0600) and out of version control; back it up: losing it
# means new nodes can no longer be rendered for the existing cluster.
";

/// On-disk format of `secrets.yaml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Secrets {
    pub bootstrap_token: Secret,
    pub cluster_ca: CaPair,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaPair {
    /// Public: ends up on every control plane and in the CA hash.
    pub certificate: String,
    pub private_key: Secret,
}

/// What the rest of the pipeline needs, checked.
#[derive(Debug, Clone)]
pub struct CheckedSecrets {
    pub secrets: Secrets,
    /// `sha256:<hex>` of the CA's SubjectPublicKeyInfo.
    pub ca_cert_hash: String,
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
pub fn generate_token() -> Result<Secret, String> {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(23);
    let mut buf = [0u8; 64];
    while out.len() < 23 {
        getrandom::fill(&mut buf).map_err(|e| format!("the OS random source failed: {e}"))?;
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

pub fn generate(key_type: KeyType) -> Result<Secrets, String> {
    let ca = pki::generate_ca("kubernetes", key_type)?;
    Ok(Secrets {
        bootstrap_token: generate_token()?,
        cluster_ca: CaPair {
            certificate: ca.certificate,
            private_key: Secret(ca.private_key),
        },
    })
}

/// Checks a loaded secrets file field by field. Messages never include the values.
pub fn check(secrets: Secrets) -> Result<CheckedSecrets, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    if !is_valid_token(secrets.bootstrap_token.expose()) {
        problems.push(
            Diagnostic::error("bootstrap_token", "the bootstrap token is malformed")
                .help("a token is 6 and 16 characters of [a-z0-9] joined by `.`; `kubeprint secrets generate --force` makes a new one"),
        );
    }
    let mut hash = String::new();
    match pki::inspect_certificate(&secrets.cluster_ca.certificate) {
        Err(e) => problems.push(
            Diagnostic::error(
                "cluster_ca.certificate",
                format!("the CA certificate cannot be read: {e}"),
            )
            .help("paste the PEM certificate (-----BEGIN CERTIFICATE-----) of the cluster CA"),
        ),
        Ok(info) => {
            if !info.is_ca {
                problems.push(
                    Diagnostic::error("cluster_ca.certificate", "the certificate is not a CA (basicConstraints CA:TRUE missing)")
                        .help("use the cluster CA (kubeadm's /etc/kubernetes/pki/ca.crt), not a leaf certificate"),
                );
            }
            match pki::private_key_spki(secrets.cluster_ca.private_key.expose()) {
                Err(e) => problems.push(
                    Diagnostic::error("cluster_ca.private_key", format!("the CA private key cannot be read: {e}"))
                        .help("paste the PEM private key of the cluster CA (kubeadm's /etc/kubernetes/pki/ca.key)"),
                ),
                Ok(spki) if spki != info.spki_der => problems.push(
                    Diagnostic::error("cluster_ca.private_key", "the private key does not belong to the CA certificate")
                        .help("use the key and certificate of the same CA"),
                ),
                Ok(_) => {}
            }
            hash = pki::ca_cert_hash(&info.spki_der);
        }
    }
    if problems.is_empty() {
        Ok(CheckedSecrets {
            secrets,
            ca_cert_hash: hash,
        })
    } else {
        Err(problems)
    }
}

/// Reads and checks `path`, refusing a file that others can read.
pub fn load(path: &Path) -> Result<CheckedSecrets, Vec<Diagnostic>> {
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
    let secrets: Secrets = serde_yaml::from_str(&text).map_err(|e| {
        // serde_yaml quotes offending values in some messages; keep only the location and
        // the shape of the problem so no secret leaks into the terminal.
        let location = e.location().map(|l| (l.line(), l.column()));
        vec![
            Diagnostic::error("", "the secrets file is not valid kubeprint secrets YAML")
                .help("expected keys `bootstrap_token` and `cluster_ca` (`certificate`, `private_key`); `kubeprint secrets generate` writes a fresh one")
                .at(location),
        ]
    })?;
    check(secrets)
}

/// Writes `secrets` to `path` with mode 0600 from the start (never briefly readable).
pub fn save(path: &Path, secrets: &Secrets, overwrite: bool) -> Result<(), String> {
    let body =
        serde_yaml::to_string(secrets).map_err(|e| format!("cannot serialize secrets: {e}"))?;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".secrets-")
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)
        .map_err(|e| format!("cannot create a file in `{}`: {e}", dir.display()))?;
    tmp.write_all(HEADER.as_bytes())
        .and_then(|_| tmp.write_all(body.as_bytes()))
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| format!("cannot write the secrets file: {e}"))?;
    if overwrite {
        tmp.persist(path)
            .map_err(|e| format!("cannot write `{}`: {}", path.display(), e.error))?;
    } else {
        tmp.persist_noclobber(path)
            .map_err(|e| format!("cannot write `{}`: {}", path.display(), e.error))?;
    }
    Ok(())
}
