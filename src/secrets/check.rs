//! Part of stage 2 (secrets): checks a loaded secrets file field by field, so a damaged
//! or weak file (see `strength`) is reported with the field to fix, never with the value.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::diagnostics::Diagnostic;
use crate::secrets::{
    AdminCredential, CertPair, CheckedSecrets, KeyPairPem, Secrets, is_valid_token,
};
use crate::secrets::{pki, strength};

/// Checks a loaded secrets file field by field, its CAs against the clock's now.
/// Messages never include the values.
pub(crate) fn check(secrets: Secrets) -> Result<CheckedSecrets, Vec<Diagnostic>> {
    check_at(secrets, OffsetDateTime::now_utc())
}

/// [`check`] at the moment `now`.
pub(crate) fn check_at(
    secrets: Secrets,
    now: OffsetDateTime,
) -> Result<CheckedSecrets, Vec<Diagnostic>> {
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
    let ca = check_ca("cluster_ca", &secrets.cluster_ca, now, &mut problems);
    if let Some(pair) = &secrets.front_proxy_ca {
        check_ca("front_proxy_ca", pair, now, &mut problems);
    }
    if let Some(pair) = &secrets.etcd_ca {
        check_ca("etcd_ca", pair, now, &mut problems);
    }
    check_generated(&secrets, &mut problems);
    if let Some(sa) = &secrets.service_account {
        check_service_account(sa, &mut problems);
    }
    for (i, admin) in secrets.admin.iter().enumerate() {
        check_admin(i, admin, ca.as_ref(), &mut problems);
    }
    if let Some(key) = &secrets.encryption_key {
        super::encryption::check_encryption_key(key, &mut problems);
    }
    match (problems.is_empty(), ca) {
        (true, Some(ca)) => Ok(CheckedSecrets {
            secrets,
            ca_cert_hash: pki::ca_cert_hash(&ca.spki_der),
            redacted: false,
        }),
        _ => Err(problems),
    }
}

fn check_ca(
    path: &str,
    pair: &CertPair,
    now: OffsetDateTime,
    problems: &mut Vec<Diagnostic>,
) -> Option<pki::CertInfo> {
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
    if let Some(lack) = strength::not_a_signing_ca(&info) {
        problems.push(
            Diagnostic::error(format!("{path}.certificate"), lack)
                .help("use the CA certificate (like kubeadm's /etc/kubernetes/pki/ca.crt), not a leaf certificate"),
        );
    }
    let weak = [
        strength::weak_signature(&info),
        strength::weak_key(&info.spki_der),
    ];
    for problem in weak.into_iter().flatten() {
        problems.push(Diagnostic::error(format!("{path}.certificate"), problem).help(
            "replace this CA with one on an RSA key of 2048 bits or more (or ECDSA P-256/P-384), signed with SHA-256 or better",
        ));
    }
    if let Some(problem) = strength::short_lived(&info, now) {
        problems.push(Diagnostic::error(format!("{path}.certificate"), problem).help(
            "replace this CA before rendering nodes for it: a node's certificates must not outlive their CA",
        ));
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

/// The service-account key pair: a public key that reads, and the private key that
/// belongs to it.
fn check_service_account(sa: &KeyPairPem, problems: &mut Vec<Diagnostic>) {
    let public = pki::public_key_spki(&sa.public_key);
    if let Some(problem) = public.as_ref().ok().and_then(|p| strength::weak_key(p)) {
        problems.push(
            Diagnostic::error("service_account.public_key", problem)
                .help("use a service-account key pair on an RSA key of 2048 bits or more, or ECDSA P-256/P-384"),
        );
    }
    match public.map(|public| pki::key_matches(sa.private_key.expose(), &public)) {
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

/// An admin client certificate: readable, issued by the cluster CA, with its own key.
fn check_admin(
    i: usize,
    admin: &AdminCredential,
    ca: Option<&pki::CertInfo>,
    problems: &mut Vec<Diagnostic>,
) {
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
            let weak = [
                strength::weak_signature(&info),
                strength::weak_key(&info.spki_der),
            ];
            for problem in weak.into_iter().flatten() {
                problems.push(
                    Diagnostic::error(format!("{path}.certificate"), problem)
                        .help("remove the entry; the next render generates a new one"),
                );
            }
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

/// `generated_at_import` names only the parts an import can generate.
fn check_generated(secrets: &Secrets, problems: &mut Vec<Diagnostic>) {
    for (i, part) in secrets.generated_at_import.iter().enumerate() {
        if !super::GENERATED_AT_IMPORT.contains(&part.as_str()) {
            problems.push(
                Diagnostic::error(
                    format!("generated_at_import[{i}]"),
                    format!("`{part}` is not a part `secrets import` generates"),
                )
                .help(format!(
                    "list only {}",
                    super::GENERATED_AT_IMPORT
                        .map(|p| format!("`{p}`"))
                        .join(", ")
                )),
            );
        }
    }
}
