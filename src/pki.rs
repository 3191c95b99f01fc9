//! Certificate authority material: generating a kubeadm-compatible cluster CA, checking
//! a loaded one, and the discovery hash that joining nodes pin.

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, KeyPair, KeyUsagePurpose,
    PublicKeyData, SerialNumber,
};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

/// Key algorithm for generated CAs. RSA-2048 is kubeadm's own default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyType {
    #[default]
    #[value(name = "rsa-2048")]
    Rsa2048,
    #[value(name = "ecdsa-p256")]
    EcdsaP256,
}

/// A CA certificate and its private key, both PEM.
pub struct CaPem {
    pub certificate: String,
    pub private_key: String,
}

/// kubeadm issues its CAs for ten years.
const CA_VALIDITY_DAYS: i64 = 3650;

/// Generates a self-signed CA like `kubeadm init` would (CN `common_name`, CA:TRUE,
/// keyCertSign), with key material from the OS CSPRNG.
pub fn generate_ca(common_name: &str, key_type: KeyType) -> Result<CaPem, String> {
    let key = match key_type {
        KeyType::Rsa2048 => {
            KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
        }
        KeyType::EcdsaP256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
    }
    .map_err(|e| format!("cannot generate a CA key: {e}"))?;

    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyCertSign,
    ];
    let now = OffsetDateTime::now_utc();
    // Backdate a little so nodes with a slightly slow clock accept it at once.
    params.not_before = now - Duration::minutes(5);
    params.not_after = now + Duration::days(CA_VALIDITY_DAYS);
    params.serial_number = Some(SerialNumber::from_slice(&random_serial()?));

    let cert = params
        .self_signed(&key)
        .map_err(|e| format!("cannot sign the CA certificate: {e}"))?;
    Ok(CaPem {
        certificate: cert.pem(),
        private_key: key.serialize_pem(),
    })
}

/// A positive 127-bit serial number.
fn random_serial() -> Result<[u8; 16], String> {
    let mut serial = [0u8; 16];
    getrandom::fill(&mut serial).map_err(|e| format!("the OS random source failed: {e}"))?;
    serial[0] &= 0x7f;
    serial[0] |= 0x01;
    Ok(serial)
}

/// Facts read from a CA certificate.
#[derive(Debug)]
pub struct CaInfo {
    /// DER SubjectPublicKeyInfo.
    pub spki_der: Vec<u8>,
    pub is_ca: bool,
}

pub fn inspect_certificate(pem_text: &str) -> Result<CaInfo, String> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem_text.as_bytes())
        .map_err(|_| "not a PEM certificate".to_string())?;
    if pem.label != "CERTIFICATE" {
        return Err(format!(
            "PEM block is `{}`, expected `CERTIFICATE`",
            pem.label
        ));
    }
    let (_, cert) = x509_parser::parse_x509_certificate(&pem.contents)
        .map_err(|e| format!("not a valid X.509 certificate: {e}"))?;
    let is_ca = cert
        .basic_constraints()
        .ok()
        .flatten()
        .is_some_and(|bc| bc.value.ca);
    Ok(CaInfo {
        spki_der: cert.tbs_certificate.subject_pki.raw.to_vec(),
        is_ca,
    })
}

/// DER SubjectPublicKeyInfo of a PEM private key.
pub fn private_key_spki(pem_text: &str) -> Result<Vec<u8>, String> {
    let key =
        KeyPair::from_pem(pem_text).map_err(|_| "not a supported PEM private key".to_string())?;
    Ok(key.subject_public_key_info())
}

/// The discovery hash kubeadm pins: `sha256:` + hex SHA-256 of the CA certificate's
/// DER SubjectPublicKeyInfo (the same as kubeadm's pubkeypin.Hash).
pub fn ca_cert_hash(spki_der: &[u8]) -> String {
    let digest = Sha256::digest(spki_der);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}
