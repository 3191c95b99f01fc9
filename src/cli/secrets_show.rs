//! `kubeprint secrets show`: the secrets file → its public facts (cluster, CA hash,
//! token id and age, each certificate's subject, fingerprint and expiry), as text or
//! JSON. Part of the command line; never prints a secret value. Says how long each
//! certificate has left at the moment given (the clock's now, unless `--at`), like
//! `verify`: the only commands whose output depends on the time.

use std::path::Path;

use time::OffsetDateTime;

use crate::cli::output::{Output, print_json};
use crate::cli::say;
use crate::error::Result;
use crate::secrets::expiry::{self, Status};
use crate::secrets::{self, pki};

/// The public facts `secrets show` prints; with `--format json` these field names are
/// the interface. No secret value, only hashes, fingerprints and the token's id.
#[derive(serde::Serialize)]
struct Shown {
    file: String,
    cluster: Option<String>,
    ca_cert_hash: String,
    token_id: String,
    token_created: Option<String>,
    token_age_seconds: Option<i64>,
    certificates: Vec<ShownCert>,
    service_account_key: bool,
    /// `sha256:` of the encryption key's bytes; `None` when the file holds no key.
    encryption_key_sha256: Option<String>,
}

#[derive(serde::Serialize)]
struct ShownCert {
    name: String,
    subject: String,
    /// As x509-parser prints it (kept as it was before `not_after`).
    expires: String,
    sha256: String,
    /// RFC 3339.
    not_after: String,
    /// Whole days left, rounded down; negative once expired.
    days_left: i64,
    /// `valid`, `expiring` (under 90 days left) or `expired`.
    status: Status,
    #[serde(skip)]
    is_ca: bool,
    #[serde(skip)]
    left: expiry::Expiry,
}

fn shown(path: &Path, now: OffsetDateTime) -> Result<Shown> {
    let checked = crate::load_secrets(path)?;
    let s = &checked.secrets;
    let mut certs: Vec<(String, &str)> =
        vec![("cluster CA".into(), s.cluster_ca.certificate.as_str())];
    if let Some(c) = &s.front_proxy_ca {
        certs.push(("front-proxy CA".into(), &c.certificate));
    }
    if let Some(c) = &s.etcd_ca {
        certs.push(("etcd CA".into(), &c.certificate));
    }
    for a in &s.admin {
        certs.push((format!("admin ({})", a.organization), &a.certificate));
    }
    Ok(Shown {
        file: path.display().to_string(),
        cluster: s.cluster.clone(),
        ca_cert_hash: checked.ca_cert_hash.clone(),
        token_id: s.bootstrap_token.expose()[..6].to_string(),
        token_created: s.token_created.clone(),
        token_age_seconds: secrets::token_age_seconds(s, now),
        certificates: certs
            .into_iter()
            .filter_map(|(name, pem)| {
                let info = pki::inspect_certificate(pem).ok()?;
                let left = expiry::expiry(info.not_after_time, now);
                Some(ShownCert {
                    name,
                    subject: info.subject,
                    expires: info.not_after,
                    sha256: info.fingerprint,
                    not_after: left.rfc3339(),
                    days_left: left.days_left,
                    status: left.status,
                    is_ca: info.is_ca,
                    left,
                })
            })
            .collect(),
        service_account_key: s.service_account.is_some(),
        encryption_key_sha256: s
            .encryption_key
            .as_ref()
            .and_then(|k| secrets::encryption_key_fingerprint(k.expose())),
    })
}

/// Certificates are measured against `now` (the clock's, unless `--at` says).
pub(super) fn show(path: &Path, output: Output, now: OffsetDateTime) -> Result<()> {
    let shown = shown(path, now)?;
    warn_expiry(&shown);
    if output == Output::Json {
        return print_json(&shown);
    }
    println!("secrets file:   {}", shown.file);
    match &shown.cluster {
        Some(name) => println!("cluster:        {name}"),
        None => println!("cluster:        (not recorded; add `cluster: NAME` to the file)"),
    }
    println!("CA hash:        {}", shown.ca_cert_hash);
    match shown.token_age_seconds {
        Some(age) => println!(
            "token id:       {} (created {}, {} ago)",
            shown.token_id,
            shown.token_created.as_deref().unwrap_or(""),
            human(age)
        ),
        None => println!(
            "token id:       {} (creation time not recorded)",
            shown.token_id
        ),
    }
    for cert in &shown.certificates {
        println!("{}:", cert.name);
        println!("  subject:      {}", cert.subject);
        println!(
            "  expires:      {} ({})",
            cert.expires,
            cert.left.describe()
        );
        println!("  sha256:       {}", cert.sha256);
    }
    println!(
        "service-account key: {}",
        if shown.service_account_key {
            "present"
        } else {
            "absent (added on next render)"
        }
    );
    match &shown.encryption_key_sha256 {
        Some(fp) => println!("encryption key: {fp} (secretbox, 32 bytes)"),
        None => println!(
            "encryption key: absent (render adds one when kubernetes.encryption_at_rest is true)"
        ),
    }
    Ok(())
}

/// One warning on stderr per certificate under 90 days or past its end, with how to
/// renew it.
fn warn_expiry(shown: &Shown) {
    for cert in shown
        .certificates
        .iter()
        .filter(|c| c.status != Status::Valid)
    {
        say::info(format!(
            "warning: the {} certificate {}\n  = help: {}",
            cert.name,
            cert.left.sentence(),
            expiry::renewal_hint(cert.is_ca)
        ));
    }
}

fn human(seconds: i64) -> String {
    match seconds {
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}
