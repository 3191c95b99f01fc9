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

/// The fixture's CAs end on 2036-11-23: fine until a year before, refused after.
#[test]
fn a_ca_must_outlive_a_year_of_leaf_certificates() {
    use time::macros::datetime;
    let fixture = parse(include_str!("../../tests/fixtures/test-only-secrets.yaml")).unwrap();
    assert!(check::check_at(fixture.clone(), datetime!(2035-11-01 0:00 UTC)).is_ok());
    let messages = |now| -> Vec<String> {
        let Err(problems) = check::check_at(fixture.clone(), now) else {
            panic!("accepted at {now}")
        };
        problems
            .iter()
            .map(|d| format!("{}: {}", d.path, d.message))
            .collect()
    };
    let soon = messages(datetime!(2036-01-01 0:00 UTC));
    assert!(soon.contains(&"cluster_ca.certificate: the CA expires on 2036-11-23, before the one-year certificates kubeadm signs with it would".to_string()), "{soon:?}");
    assert_eq!(soon.len(), 3, "one per CA: {soon:?}");
    let late = messages(datetime!(2037-01-01 0:00 UTC));
    assert!(
        late.contains(&"etcd_ca.certificate: the CA expired on 2036-11-23".to_string()),
        "{late:?}"
    );
}

#[test]
fn generated_parts_refuse_control_plane_joins_only() {
    let mut s = generate("kubernetes", KeyType::EcdsaP256, Needs::default()).unwrap();
    s.generated_at_import = vec!["etcd_ca".to_string()];
    let join = Needs {
        control_plane_join: true,
        ..Needs::default()
    };
    assert!(require(&s, Needs::default()).is_ok());
    let refused = require(&s, join).unwrap_err().render();
    assert!(
        refused.contains("a control plane cannot join with etcd_ca"),
        "{refused}"
    );
    // Only the parts an import can generate may be named.
    s.generated_at_import = vec!["cluster_ca".to_string()];
    let Err(problems) = check(s) else {
        panic!("an unknown generated part was accepted")
    };
    assert_eq!(problems[0].path, "generated_at_import[0]");
}
