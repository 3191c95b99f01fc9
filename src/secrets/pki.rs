//! Key and certificate material for the cluster's shared PKI: generating kubeadm-style
//! CAs, the service-account key pair and an admin client certificate; reading them back
//! to check them; and the discovery hash that joining nodes pin.

use crate::error::{Error, Result};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PublicKeyData, SerialNumber,
};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

/// Key algorithm for generated keys. RSA-2048 is kubeadm's own default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyType {
    #[default]
    #[value(name = "rsa-2048")]
    Rsa2048,
    #[value(name = "ecdsa-p256")]
    EcdsaP256,
}

/// A certificate and its private key, both PEM.
pub(crate) struct CertPem {
    pub certificate: String,
    pub private_key: String,
}

/// kubeadm issues its CAs for ten years and client certificates for one.
const CA_VALIDITY_DAYS: i64 = 3650;
const CLIENT_VALIDITY_DAYS: i64 = 365;

fn generate_key(key_type: KeyType) -> Result<KeyPair> {
    match key_type {
        KeyType::Rsa2048 => {
            KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
        }
        KeyType::EcdsaP256 => KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256),
    }
    .map_err(|e| Error::new(format!("cannot generate a key: {e}")))
}

fn params(common_name: &str, organization: Option<&str>, days: i64) -> Result<CertificateParams> {
    let mut params = CertificateParams::default();
    let mut name = DistinguishedName::new();
    if let Some(o) = organization {
        name.push(DnType::OrganizationName, o);
    }
    name.push(DnType::CommonName, common_name);
    params.distinguished_name = name;
    let now = OffsetDateTime::now_utc();
    // Backdated a little so nodes with a slightly slow clock accept it at once.
    params.not_before = now - Duration::minutes(5);
    params.not_after = now + Duration::days(days);
    params.serial_number = Some(SerialNumber::from_slice(&random_serial()?));
    Ok(params)
}

/// Generates a self-signed CA like `kubeadm init` would (CN `common_name`, CA:TRUE,
/// keyCertSign), with key material from the OS CSPRNG.
pub(crate) fn generate_ca(common_name: &str, key_type: KeyType) -> Result<CertPem> {
    let key = generate_key(key_type)?;
    let mut params = params(common_name, None, CA_VALIDITY_DAYS)?;
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::KeyCertSign,
    ];
    let cert = params
        .self_signed(&key)
        .map_err(|e| Error::new(format!("cannot sign the CA certificate: {e}")))?;
    Ok(CertPem {
        certificate: cert.pem(),
        private_key: key.serialize_pem(),
    })
}

/// Generates a client certificate (clientAuth) signed by the CA, as kubeadm does for
/// `admin.conf`: CN is the user, O the group.
pub(crate) fn generate_client_cert(
    ca: &CertPem,
    common_name: &str,
    organization: &str,
    key_type: KeyType,
) -> Result<CertPem> {
    let ca_key = KeyPair::from_pem(&ca.private_key)
        .map_err(|_| Error::new("the CA private key cannot be read"))?;
    let issuer = Issuer::from_ca_cert_pem(&ca.certificate, ca_key)
        .map_err(|e| Error::new(format!("the CA certificate cannot be read: {e}")))?;
    let key = generate_key(key_type)?;
    let mut params = params(common_name, Some(organization), CLIENT_VALIDITY_DAYS)?;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    params.use_authority_key_identifier_extension = true;
    let cert = params
        .signed_by(&key, &issuer)
        .map_err(|e| Error::new(format!("cannot sign the client certificate: {e}")))?;
    Ok(CertPem {
        certificate: cert.pem(),
        private_key: key.serialize_pem(),
    })
}

/// A key pair as PEM: `(public PKIX, private PKCS#8)`, like kubeadm's `sa.pub`/`sa.key`.
pub(crate) fn generate_key_pair(key_type: KeyType) -> Result<(String, String)> {
    let key = generate_key(key_type)?;
    Ok((key.public_key_pem(), key.serialize_pem()))
}

/// A positive 127-bit serial number.
fn random_serial() -> Result<[u8; 16]> {
    let mut serial = [0u8; 16];
    getrandom::fill(&mut serial)
        .map_err(|e| Error::new(format!("the OS random source failed: {e}")))?;
    serial[0] &= 0x7f;
    serial[0] |= 0x01;
    Ok(serial)
}

/// Facts read from a certificate.
#[derive(Debug)]
pub(crate) struct CertInfo {
    /// DER SubjectPublicKeyInfo.
    pub spki_der: Vec<u8>,
    pub is_ca: bool,
    pub subject: String,
    pub issuer: String,
    /// RFC 2822-ish expiry as x509-parser prints it.
    pub not_after: String,
    /// The same moment, for reckoning how long the certificate has left.
    pub not_after_time: OffsetDateTime,
    /// SHA-256 over the whole DER certificate, hex with colons (as `openssl x509 -fingerprint -sha256`).
    pub fingerprint: String,
    /// The OID of the algorithm the issuer signed it with.
    pub signature_oid: String,
    /// Whether its keyUsage allows signing certificates (what a CA does).
    pub key_cert_sign: bool,
}

pub(crate) fn inspect_certificate(pem_text: &str) -> Result<CertInfo> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem_text.as_bytes())
        .map_err(|_| Error::new("not a PEM certificate"))?;
    if pem.label != "CERTIFICATE" {
        return Err(Error::new(format!(
            "PEM block is `{}`, expected `CERTIFICATE`",
            pem.label
        )));
    }
    let (_, cert) = x509_parser::parse_x509_certificate(&pem.contents)
        .map_err(|e| Error::new(format!("not a valid X.509 certificate: {e}")))?;
    let is_ca = cert
        .basic_constraints()
        .ok()
        .flatten()
        .is_some_and(|bc| bc.value.ca);
    let fingerprint = Sha256::digest(&pem.contents)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":");
    Ok(CertInfo {
        spki_der: cert.tbs_certificate.subject_pki.raw.to_vec(),
        is_ca,
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        not_after: cert.validity().not_after.to_string(),
        not_after_time: cert.validity().not_after.to_datetime(),
        fingerprint,
        signature_oid: cert.signature_algorithm.algorithm.to_id_string(),
        key_cert_sign: cert
            .key_usage()
            .ok()
            .flatten()
            .is_some_and(|ku| ku.value.key_cert_sign()),
    })
}

/// DER SubjectPublicKeyInfo of a PEM private key.
pub(crate) fn private_key_spki(pem_text: &str) -> Result<Vec<u8>> {
    let key =
        KeyPair::from_pem(pem_text).map_err(|_| Error::new("not a supported PEM private key"))?;
    Ok(key.subject_public_key_info())
}

/// DER SubjectPublicKeyInfo of a PEM `PUBLIC KEY`.
pub(crate) fn public_key_spki(pem_text: &str) -> Result<Vec<u8>> {
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem_text.as_bytes())
        .map_err(|_| Error::new("not a PEM public key"))?;
    if pem.label != "PUBLIC KEY" {
        return Err(Error::new(format!(
            "PEM block is `{}`, expected `PUBLIC KEY`",
            pem.label
        )));
    }
    Ok(pem.contents)
}

/// The discovery hash kubeadm pins: `sha256:` + hex SHA-256 of the CA certificate's
/// DER SubjectPublicKeyInfo (the same as kubeadm's pubkeypin.Hash).
pub(crate) fn ca_cert_hash(spki_der: &[u8]) -> String {
    format!("sha256:{}", crate::digest::sha256_hex(spki_der))
}

/// Whether a PEM private key belongs to a public key (DER SubjectPublicKeyInfo).
///
/// RSA keys are compared by modulus and exponent read straight from their PKCS#8 or
/// PKCS#1 structure: loading an RSA key fully (aws-lc validates all of it) costs about
/// a millisecond, and every render checks half a dozen keys. Other keys are loaded.
pub(crate) fn key_matches(private_pem: &str, spki_der: &[u8]) -> Result<bool> {
    use x509_parser::prelude::FromDer;
    use x509_parser::public_key::PublicKey;
    use x509_parser::x509::SubjectPublicKeyInfo;
    if let Some((n, e)) = rsa_public_numbers(private_pem) {
        let (_, spki) =
            SubjectPublicKeyInfo::from_der(spki_der).map_err(|_| Error::new("not a public key"))?;
        let trim = |b: &[u8]| -> Vec<u8> { b.iter().copied().skip_while(|&x| x == 0).collect() };
        return Ok(match spki.parsed() {
            Ok(PublicKey::RSA(k)) => trim(k.modulus) == trim(&n) && trim(k.exponent) == trim(&e),
            _ => false,
        });
    }
    Ok(private_key_spki(private_pem)? == spki_der)
}

const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";

/// The DER of the key inside a PEM private key, and its algorithm OID when PKCS#8.
fn private_key_der(pem_text: &str) -> Option<(Vec<u8>, Option<String>)> {
    use x509_parser::der_parser::der::parse_der;
    let (_, pem) = x509_parser::pem::parse_x509_pem(pem_text.as_bytes()).ok()?;
    match pem.label.as_str() {
        "RSA PRIVATE KEY" => Some((pem.contents, Some(RSA_ENCRYPTION.to_string()))),
        "EC PRIVATE KEY" => Some((pem.contents, None)),
        "PRIVATE KEY" => {
            // PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier, OCTET STRING }
            let (_, info) = parse_der(&pem.contents).ok()?;
            let fields = info.as_sequence().ok()?;
            let oid = fields
                .get(1)?
                .as_sequence()
                .ok()?
                .first()?
                .as_oid()
                .ok()?
                .to_id_string();
            Some((fields.get(2)?.as_slice().ok()?.to_vec(), Some(oid)))
        }
        _ => None,
    }
}

/// `(modulus, publicExponent)` of an RSA private key, without loading it.
fn rsa_public_numbers(pem_text: &str) -> Option<(Vec<u8>, Vec<u8>)> {
    use x509_parser::der_parser::der::parse_der;
    let (der, oid) = private_key_der(pem_text)?;
    if oid.as_deref() != Some(RSA_ENCRYPTION) {
        return None;
    }
    // RSAPrivateKey ::= SEQUENCE { version, modulus, publicExponent, ... }
    let (_, key) = parse_der(&der).ok()?;
    let fields = key.as_sequence().ok()?;
    Some((
        fields.get(1)?.as_slice().ok()?.to_vec(),
        fields.get(2)?.as_slice().ok()?.to_vec(),
    ))
}

/// The algorithm of a PEM private key, read from its structure.
pub(crate) fn key_type(pem_text: &str) -> Option<KeyType> {
    match private_key_der(pem_text)?.1.as_deref() {
        Some(RSA_ENCRYPTION) => Some(KeyType::Rsa2048),
        _ => Some(KeyType::EcdsaP256),
    }
}
