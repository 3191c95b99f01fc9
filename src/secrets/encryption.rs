//! Part of stage 2 (secrets): the key the API servers encrypt Secrets in etcd with
//! (`kubernetes.encryption_at_rest`). 32 bytes from the OS CSPRNG, kept base64-encoded
//! as the EncryptionConfiguration's `secret` field takes it; shown only by fingerprint.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use crate::diagnostics::Diagnostic;
use crate::error::{Error, Result};
use crate::model::cluster::{Cluster, NodeRole};
use crate::secrets::{Secret, Secrets};

/// secretbox takes exactly 32-byte keys: kubernetes/apiserver v0.36.0 (kubernetes/kubernetes
/// v1.36.0 staging/src/k8s.io/apiserver), pkg/apis/apiserver/validation/validation_encryption.go
/// `secretBoxKeySizes = []int{32}`, and pkg/server/options/encryptionconfig/config.go
/// "expected key size 32 for secretbox provider" (the same check in v0.21.0).
pub(super) const KEY_BYTES: usize = 32;

/// The `--redact` stand-in: 32 zero bytes, so a redacted tree still decodes and passes
/// the validators, and reads as obviously fake.
pub(crate) const REDACTED_ENCRYPTION_KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

/// The optional parts of the secrets file a cluster's options call for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Needs {
    /// `encryption_key`, for `kubernetes.encryption_at_rest`.
    pub encryption_key: bool,
    /// A control plane joins (more than one), so the shared PKI must be the
    /// cluster's own: nothing in `generated_at_import`.
    pub control_plane_join: bool,
}

impl Needs {
    pub(crate) fn of(cluster: &Cluster) -> Needs {
        let listed = cluster
            .nodes
            .iter()
            .filter(|n| n.role == NodeRole::ControlPlane)
            .count();
        Needs {
            encryption_key: cluster.encryption_at_rest,
            control_plane_join: cluster.control_planes > 1 || listed > 1,
        }
    }
}

/// Refuses secrets that lack what the cluster's options need: rendering without the
/// key would leave the API server's flag pointing at a file nobody wrote.
pub(crate) fn require(secrets: &Secrets, needs: Needs) -> Result<()> {
    if needs.encryption_key && secrets.encryption_key.is_none() {
        return Err(Error::new(
            "kubernetes.encryption_at_rest is on but the secrets hold no `encryption_key`",
        )
        .help("`kubeprint render` adds one to the secrets file; `check` never changes it"));
    }
    if let Some(problem) = generated_for_joins(secrets, needs) {
        return Err(Error::new(problem.message).help(problem.help.unwrap_or_default()));
    }
    Ok(())
}

/// A control plane would join with parts `secrets import` generated: the cluster's etcd
/// and API servers would not trust them, and the join would break the cluster.
pub(crate) fn generated_for_joins(secrets: &Secrets, needs: Needs) -> Option<Diagnostic> {
    if !needs.control_plane_join || secrets.generated_at_import.is_empty() {
        return None;
    }
    Some(
        Diagnostic::error(
            "generated_at_import",
            format!(
                "a control plane cannot join with {}: `secrets import` generated them, and the running cluster does not trust them",
                secrets.generated_at_import.join(", ")
            ),
        )
        .help("import a control plane's whole /etc/kubernetes/pki (without --generate-missing), or render with `control_planes: 1` and no second control plane in `nodes` (workers only join)"),
    )
}

/// A fresh key from the OS CSPRNG, base64 (standard alphabet, padded) as
/// EncryptionConfiguration's `keys[].secret` is read (`base64.StdEncoding`, same file).
pub(crate) fn generate_encryption_key() -> Result<Secret> {
    let mut key = [0u8; KEY_BYTES];
    getrandom::fill(&mut key)
        .map_err(|e| Error::new(format!("the OS random source failed: {e}")))?;
    Ok(Secret::new(STANDARD.encode(key)))
}

/// `sha256:<hex>` of the 32 key bytes: names the key in `secrets show` and `verify`
/// without revealing it. `None` when the value is not a well-formed key.
pub(crate) fn encryption_key_fingerprint(key: &str) -> Option<String> {
    let bytes = decode(key)?;
    Some(format!(
        "sha256:{}",
        crate::digest::hex(&Sha256::digest(&bytes))
    ))
}

/// The key's bytes, when it is padded standard base64 of exactly [`KEY_BYTES`].
pub(super) fn decode(key: &str) -> Option<Vec<u8>> {
    STANDARD
        .decode(key)
        .ok()
        .filter(|bytes| bytes.len() == KEY_BYTES)
}

/// A damaged key is reported by field, never by value.
pub(super) fn check_encryption_key(key: &Secret, problems: &mut Vec<Diagnostic>) {
    if decode(key.expose()).is_none() {
        problems.push(
            Diagnostic::error(
                "encryption_key",
                "the encryption key is not 32 bytes of base64",
            )
            .help("it is `head -c 32 /dev/urandom | base64`; if this cluster already encrypts with it, restore it from a backup, since Secrets written with it cannot be read without it"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_32_random_bytes_shown_only_by_fingerprint() {
        let a = generate_encryption_key().unwrap();
        let b = generate_encryption_key().unwrap();
        assert_ne!(a, b);
        assert_eq!(decode(a.expose()).unwrap().len(), 32);
        let fp = encryption_key_fingerprint(a.expose()).unwrap();
        assert!(fp.starts_with("sha256:") && fp.len() == 71 && !fp.contains(a.expose()));
        assert_eq!(decode(REDACTED_ENCRYPTION_KEY), Some(vec![0; 32]));
        assert_eq!(decode("c2VjcmV0IGlzIHNlY3VyZQ=="), None, "16 bytes");
        assert_eq!(decode("not base64!"), None);
    }
}
