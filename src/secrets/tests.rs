//! The secrets stage's own rules: kubeadm's token format, values hidden from `Debug`,
//! and key/certificate pairs that must match.

use super::pki::KeyType;
use super::*;

#[test]
fn generated_tokens_have_kubeadm_format() {
    for _ in 0..500 {
        let token = generate_token().unwrap();
        let t = token.expose();
        assert!(is_valid_token(t), "{t}");
        assert_eq!(t.len(), 23);
    }
    assert_ne!(generate_token().unwrap(), generate_token().unwrap());
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
        assert!(!is_valid_token(bad), "{bad:?} accepted");
    }
    assert!(is_valid_token("abcdef.0123456789abcdef"));
}

#[test]
fn secret_values_never_show_in_debug_output() {
    let s = generate("kubernetes", KeyType::EcdsaP256, Needs::default()).unwrap();
    let debug = format!("{s:?}");
    assert!(!debug.contains(s.bootstrap_token.expose()));
    assert!(!debug.contains("PRIVATE KEY"));
    assert!(debug.contains("<redacted>"));
}

#[test]
fn mismatched_key_and_leaf_certificates_are_rejected() {
    let a = generate("kubernetes", KeyType::EcdsaP256, Needs::default()).unwrap();
    let b = generate("kubernetes", KeyType::EcdsaP256, Needs::default()).unwrap();
    let mut mixed = a.clone();
    mixed.cluster_ca.private_key = b.cluster_ca.private_key.clone();
    let errors = check(mixed).unwrap_err();
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
