//! Part of stage 2 (secrets): making secrets: a token from the OS CSPRNG, a whole new
//! set, the parts an older file lacks, a new token.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::{Error, Result};
use crate::secrets::pki::{self, KeyType};
use crate::secrets::{
    ADMIN_GROUP, ADMIN_USER, AdminCredential, KeyPairPem, LEGACY_ADMIN_GROUP, Needs, Secret,
    Secrets, generate_encryption_key,
};

/// `^[a-z0-9]{6}\.[a-z0-9]{16}$`, kubeadm's bootstrap token format.
pub(crate) fn is_valid_token(token: &str) -> bool {
    let Some((id, secret)) = token.split_once('.') else {
        return false;
    };
    let ok = |s: &str, n: usize| {
        s.len() == n && s.bytes().all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9'))
    };
    ok(id, 6) && ok(secret, 16)
}

/// A fresh bootstrap token from the OS CSPRNG (uniform over `[a-z0-9]`).
pub(crate) fn generate_token() -> Result<Secret> {
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

/// A complete new set for `cluster`: token, the whole shared PKI, and what `needs` adds.
pub(crate) fn generate(cluster: &str, key_type: KeyType, needs: Needs) -> Result<Secrets> {
    let mut secrets = Secrets {
        cluster: Some(cluster.to_string()),
        bootstrap_token: generate_token()?,
        token_created: Some(now_rfc3339()),
        cluster_ca: pki::generate_ca("kubernetes", key_type)?.into(),
        front_proxy_ca: None,
        etcd_ca: None,
        service_account: None,
        admin: Vec::new(),
        encryption_key: None,
        generated_at_import: Vec::new(),
    };
    complete(&mut secrets, key_type, needs)?;
    Ok(secrets)
}

/// The parts `complete` would add, by key name, without generating anything.
pub(crate) fn missing(secrets: &Secrets, needs: Needs) -> Vec<&'static str> {
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
    if needs.encryption_key && secrets.encryption_key.is_none() {
        missing.push("encryption_key");
    }
    missing
}

/// Adds whatever an older file lacks (front-proxy and etcd CAs, service-account keys,
/// admin certificates, and the encryption key when `needs` asks for it), never touching
/// the token, an existing CA or an existing key. Returns the names of what was added.
pub(crate) fn complete(
    secrets: &mut Secrets,
    key_type: KeyType,
    needs: Needs,
) -> Result<Vec<&'static str>> {
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
    if add_admin(secrets, key_type)? {
        added.push("admin");
    }
    // Only when asked: a key nothing uses is one more secret to guard for nothing.
    if needs.encryption_key && secrets.encryption_key.is_none() {
        secrets.encryption_key = Some(generate_encryption_key()?);
        added.push("encryption_key");
    }
    Ok(added)
}

/// Adds an admin client certificate, signed by the cluster CA, for each admin group that
/// has none; whether any was added.
fn add_admin(secrets: &mut Secrets, key_type: KeyType) -> Result<bool> {
    let mut added = false;
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
            added = true;
        }
    }
    Ok(added)
}

/// Replaces the admin client certificates with new ones signed by the same cluster CA
/// (`kubeprint renew`); nothing else changes.
pub(crate) fn renew_admin(secrets: &mut Secrets) -> Result<()> {
    let key_type = key_type_of(secrets);
    secrets.admin.clear();
    add_admin(secrets, key_type).map(|_| ())
}

/// The key type of the cluster CA, so completed parts match it.
pub(crate) fn key_type_of(secrets: &Secrets) -> KeyType {
    pki::key_type(secrets.cluster_ca.private_key.expose()).unwrap_or_default()
}

/// Replaces only the bootstrap token.
pub(crate) fn rotate_token(secrets: &mut Secrets) -> Result<()> {
    secrets.bootstrap_token = generate_token()?;
    secrets.token_created = Some(now_rfc3339());
    Ok(())
}
