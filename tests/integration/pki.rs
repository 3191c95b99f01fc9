//! Secrets: token format, and the CA hash checked against openssl's own computation.

use crate::common;

use std::io::Write;
use std::process::{Command, Stdio};

use kubeprint::secrets;
use kubeprint::secrets::pki::{self, KeyType};

#[test]
fn generated_tokens_have_kubeadm_format() {
    for _ in 0..500 {
        let token = secrets::generate_token().unwrap();
        let t = token.expose();
        assert!(secrets::is_valid_token(t), "{t}");
        assert_eq!(t.len(), 23);
    }
    assert_ne!(
        secrets::generate_token().unwrap(),
        secrets::generate_token().unwrap()
    );
}

#[test]
fn token_validation_rejects_near_misses() {
    for bad in [
        "",
        "abcdef.0123456789abcde",
        "ABCDEF.0123456789abcdef",
        "abcdef-0123456789abcdef",
        "abcde.0123456789abcdef0",
        "abcdef.0123456789abcdef\n",
        "abcdef.0123456789abcdeF",
    ] {
        assert!(!secrets::is_valid_token(bad), "{bad:?} accepted");
    }
    assert!(secrets::is_valid_token("abcdef.0123456789abcdef"));
}

#[test]
fn secret_values_never_show_in_debug_output() {
    let s = secrets::generate("kubernetes", KeyType::EcdsaP256, secrets::Needs::default()).unwrap();
    let debug = format!("{s:?}");
    assert!(!debug.contains(s.bootstrap_token.expose()));
    assert!(!debug.contains("PRIVATE KEY"));
    assert!(debug.contains("<redacted>"));
}

/// `openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | sha256sum`.
fn openssl_hash(cert_pem: &str) -> String {
    let pubkey = pipe(
        "openssl",
        &["x509", "-pubkey", "-noout"],
        cert_pem.as_bytes(),
    );
    let der = pipe("openssl", &["pkey", "-pubin", "-outform", "der"], &pubkey);
    assert!(!der.is_empty(), "openssl produced no DER");
    let sum = pipe("sha256sum", &[], &der);
    format!(
        "sha256:{}",
        String::from_utf8(sum)
            .unwrap()
            .split_whitespace()
            .next()
            .unwrap()
    )
}

fn pipe(cmd: &str, args: &[&str], input: &[u8]) -> Vec<u8> {
    let mut child = Command::new(cmd)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{cmd} failed");
    out.stdout
}

#[test]
fn ca_hash_matches_openssl_for_rsa_and_ecdsa() {
    if !common::require_tool("openssl") {
        return;
    }
    for key_type in [KeyType::Rsa2048, KeyType::EcdsaP256] {
        let s = secrets::generate("kubernetes", key_type, secrets::Needs::default()).unwrap();
        let checked = secrets::check(s.clone()).unwrap();
        assert_eq!(
            checked.ca_cert_hash,
            openssl_hash(&s.cluster_ca.certificate),
            "{key_type:?}"
        );
    }
    let fixture = common::fixture_secrets();
    assert_eq!(
        fixture.ca_cert_hash,
        openssl_hash(&fixture.secrets.cluster_ca.certificate)
    );
}

#[test]
fn generated_ca_is_a_ca_openssl_accepts() {
    if !common::require_tool("openssl") {
        return;
    }
    let s = secrets::generate("kubernetes", KeyType::Rsa2048, secrets::Needs::default()).unwrap();
    let text = String::from_utf8(pipe(
        "openssl",
        &["x509", "-noout", "-text"],
        s.cluster_ca.certificate.as_bytes(),
    ))
    .unwrap();
    assert!(text.contains("CA:TRUE"), "{text}");
    assert!(text.contains("Certificate Sign"), "{text}");
    assert!(
        text.contains("Subject: CN=kubernetes") || text.contains("Subject: CN = kubernetes"),
        "{text}"
    );
    assert!(text.contains("Public-Key: (2048 bit)"), "{text}");
    let info = pki::inspect_certificate(&s.cluster_ca.certificate).unwrap();
    assert!(info.is_ca);
}

#[test]
fn mismatched_key_and_leaf_certificates_are_rejected() {
    let a = secrets::generate("kubernetes", KeyType::EcdsaP256, secrets::Needs::default()).unwrap();
    let b = secrets::generate("kubernetes", KeyType::EcdsaP256, secrets::Needs::default()).unwrap();
    let mut mixed = a.clone();
    mixed.cluster_ca.private_key = b.cluster_ca.private_key.clone();
    let errors = secrets::check(mixed).unwrap_err();
    assert!(
        errors.iter().any(|d| d.path == "cluster_ca.private_key"),
        "{errors:?}"
    );
    for d in &errors {
        assert!(
            !d.message.contains("PRIVATE KEY")
                && !d.help.clone().unwrap_or_default().contains("PRIVATE")
        );
    }
}
