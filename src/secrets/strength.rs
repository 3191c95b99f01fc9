//! Part of stage 2 (secrets): whether the shared PKI is strong enough to trust. In: the
//! facts read from a certificate or a public key, and the moment; out: what is wrong, in
//! words (never a value). RSA keys of 2048 bits or more and ECDSA keys on P-256 or
//! P-384; no signature over SHA-1 or MD5; a CA that says it is one and may sign
//! certificates; and a CA that outlives the certificates kubeadm signs with it.

use time::{Duration, OffsetDateTime};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

use crate::secrets::pki::CertInfo;

/// kubeadm signs the certificates of a node (API server, kubelet client, etcd peer, ...)
/// for one year: kubernetes/kubernetes cmd/kubeadm/app/constants/constants.go
/// `CertificateValidityPeriod = time.Hour * 24 * 365` (read at commit
/// 00886ac01fec1c8432967e8bb597828f46a9ba8b). A CA that ends sooner leaves a joining
/// node with certificates that outlive their issuer.
pub(crate) const LEAF_VALIDITY_DAYS: i64 = 365;

/// The smallest RSA modulus accepted, in bits (kubeadm's own default is 2048).
const MIN_RSA_BITS: usize = 2048;

/// ECDSA curves accepted: P-256 (prime256v1) and P-384 (secp384r1), by their OIDs (RFC 5480).
const CURVES: &[(&str, &str)] = &[("1.2.840.10045.3.1.7", "P-256"), ("1.3.132.0.34", "P-384")];
const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";

/// Signature algorithms accepted, by OID (RFC 4055, RFC 5758): RSA PKCS#1 v1.5 and
/// ECDSA over SHA-256, SHA-384 and SHA-512.
const SIGNATURES: &[&str] = &[
    "1.2.840.113549.1.1.11",
    "1.2.840.113549.1.1.12",
    "1.2.840.113549.1.1.13",
    "1.2.840.10045.4.3.2",
    "1.2.840.10045.4.3.3",
    "1.2.840.10045.4.3.4",
];

/// Weak signature algorithms named in the message (RFC 3279, RFC 8017 appendix A.2.4).
const WEAK_SIGNATURES: &[(&str, &str)] = &[
    ("1.2.840.113549.1.1.2", "MD2"),
    ("1.2.840.113549.1.1.4", "MD5"),
    ("1.2.840.113549.1.1.5", "SHA-1"),
    ("1.3.14.3.2.29", "SHA-1"),
    ("1.2.840.10045.4.1", "SHA-1"),
    ("1.2.840.10040.4.3", "SHA-1"),
];

/// What is wrong with a public key (DER SubjectPublicKeyInfo), if anything.
pub(crate) fn weak_key(spki_der: &[u8]) -> Option<String> {
    let Ok((_, spki)) = SubjectPublicKeyInfo::from_der(spki_der) else {
        return Some("the public key cannot be read".to_string());
    };
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => {
            let bits = rsa_bits(rsa.modulus);
            (bits < MIN_RSA_BITS).then(|| {
                format!("the RSA key has {bits} bits; at least {MIN_RSA_BITS} are required")
            })
        }
        Ok(PublicKey::EC(_)) if spki.algorithm.algorithm.to_id_string() == EC_PUBLIC_KEY => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|oid| oid.to_id_string())
                .unwrap_or_default();
            match CURVES.iter().find(|(oid, _)| *oid == curve) {
                Some(_) => None,
                None => Some(format!(
                    "the ECDSA key is on curve `{curve}`; only P-256 and P-384 are accepted"
                )),
            }
        }
        _ => Some(format!(
            "the key's algorithm `{}` is not accepted; use RSA (2048 bits or more) or ECDSA P-256/P-384",
            spki.algorithm.algorithm.to_id_string()
        )),
    }
}

/// Bits of an RSA modulus (big-endian, possibly with leading zero bytes).
fn rsa_bits(modulus: &[u8]) -> usize {
    let trimmed: Vec<u8> = modulus.iter().copied().skip_while(|&b| b == 0).collect();
    match trimmed.first() {
        None => 0,
        Some(first) => trimmed.len() * 8 - first.leading_zeros() as usize,
    }
}

/// What is wrong with the signature on a certificate, if anything.
pub(crate) fn weak_signature(info: &CertInfo) -> Option<String> {
    if SIGNATURES.contains(&info.signature_oid.as_str()) {
        return None;
    }
    Some(
        match WEAK_SIGNATURES
            .iter()
            .find(|(oid, _)| *oid == info.signature_oid)
        {
            Some((_, hash)) => format!("the certificate is signed with {hash}, which is broken"),
            None => format!(
                "the certificate's signature algorithm `{}` is not accepted",
                info.signature_oid
            ),
        },
    )
}

/// What a CA certificate lacks to act as one: CA:TRUE and keyCertSign.
pub(crate) fn not_a_signing_ca(info: &CertInfo) -> Option<&'static str> {
    match (info.is_ca, info.key_cert_sign) {
        (true, true) => None,
        (false, _) => Some("the certificate is not a CA (basicConstraints CA:TRUE missing)"),
        (true, false) => Some("the CA may not sign certificates (keyUsage keyCertSign missing)"),
    }
}

/// Whether a CA has ended at `now`, or ends before a certificate kubeadm signs with it
/// now would.
pub(crate) fn short_lived(info: &CertInfo, now: OffsetDateTime) -> Option<String> {
    let end = info.not_after_time;
    let day = end.date();
    if end <= now {
        return Some(format!("the CA expired on {day}"));
    }
    (end < now + Duration::days(LEAF_VALIDITY_DAYS)).then(|| {
        format!(
            "the CA expires on {day}, before the one-year certificates kubeadm signs with it would"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rsa_bits_ignore_leading_zeros() {
        assert_eq!(rsa_bits(&[0, 0x80, 0, 0]), 24);
        assert_eq!(rsa_bits(&[0x01, 0xff]), 9);
        assert_eq!(rsa_bits(&[0]), 0);
    }
}
