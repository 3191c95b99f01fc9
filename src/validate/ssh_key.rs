//! Part of stage 1b (validate): `ssh_authorized_keys`, each an OpenSSH public key line
//! (`type base64-key [comment]`) checked for its shape: a known type, a body that is
//! base64 and names that same type inside, and one line. `plan` and `review` read the
//! checked keys back with [`parse`] for their fingerprints.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use sha2::{Digest, Sha256};

use crate::config::Config;
use crate::validate::fields::Checker;
use crate::validate::syntax::printable;

/// Key types current OpenSSH accepts in authorized_keys (DSA is gone since 9.8).
pub(crate) const KEY_TYPES: &[&str] = &[
    "ssh-ed25519",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
    "ssh-rsa",
];

/// A public key line, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SshKey {
    pub kind: String,
    /// The decoded key blob.
    pub blob: Vec<u8>,
    pub comment: String,
}

impl SshKey {
    /// `SHA256:<base64>`, as `ssh-keygen -l` prints it.
    pub(crate) fn fingerprint(&self) -> String {
        format!(
            "SHA256:{}",
            STANDARD_NO_PAD.encode(Sha256::digest(&self.blob))
        )
    }
}

/// Why a line is not a public key: the message and the fix.
pub(crate) type KeyProblem = (String, &'static str);

const PASTE: &str = "paste the whole line of the `.pub` file, like `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAA... ops@example`";

/// Reads one authorized_keys line without options.
pub(crate) fn parse(line: &str) -> Result<SshKey, KeyProblem> {
    if line.contains(['\n', '\r']) {
        return Err((
            "an SSH key must be a single line".into(),
            "write one key per list entry; a `|` block adds a line break, so write the key plain or in quotes",
        ));
    }
    if line.chars().any(char::is_control) {
        return Err(("the key contains a control character".into(), PASTE));
    }
    let mut words = line.splitn(3, ' ');
    let kind = words.next().unwrap_or_default();
    if !KEY_TYPES.contains(&kind) {
        return Err((
            format!("`{}` is not a known SSH public key type", printable(kind)),
            "start with the key type (ssh-ed25519, ecdsa-sha2-nistp256/384/521, sk-ssh-ed25519@openssh.com, sk-ecdsa-sha2-nistp256@openssh.com or ssh-rsa); authorized_keys options are not supported",
        ));
    }
    let body = words.next().unwrap_or_default();
    let Ok(blob) = STANDARD.decode(body) else {
        return Err(("the key body is not base64".into(), PASTE));
    };
    match blob_type(&blob) {
        Some(inner) if inner == kind.as_bytes() => Ok(SshKey {
            kind: kind.to_string(),
            blob,
            comment: words.next().unwrap_or_default().to_string(),
        }),
        Some(inner) => Err((
            format!(
                "the key body holds a `{}` key, but the line says `{kind}`",
                printable(&String::from_utf8_lossy(inner))
            ),
            PASTE,
        )),
        None => Err(("the key body is not an SSH public key".into(), PASTE)),
    }
}

/// The type name every key blob starts with: a 32-bit big-endian length, then the name.
fn blob_type(blob: &[u8]) -> Option<&[u8]> {
    let len = u32::from_be_bytes(blob.get(..4)?.try_into().ok()?) as usize;
    blob.get(4..4 + len)
}

/// `ssh_authorized_keys`: every key checked, none twice.
pub(crate) fn ssh_keys(config: &Config, c: &mut Checker) -> Vec<String> {
    let keys = match &config.ssh_authorized_keys {
        Some(keys) if c.readable("ssh_authorized_keys") => keys.clone(),
        _ => Vec::new(),
    };
    let mut seen = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        let path = format!("ssh_authorized_keys[{i}]");
        if !c.readable(&path) {
            continue;
        }
        match parse(key) {
            Err((message, help)) => c.error(&path, message, help),
            Ok(k) if seen.contains(&k.blob) => c.error(
                &path,
                format!("the key {} is listed twice", k.fingerprint()),
                "remove one of the two entries",
            ),
            Ok(k) => seen.push(k.blob),
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real ed25519 public key (from `ssh-keygen -t ed25519`) and its fingerprint as
    /// `ssh-keygen -l` prints it.
    const ED25519: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIyYWWJV6cIMZIHN81tJ7pk+IV2I/zPP4+sx04UkU2D6 ops@example";
    const FINGERPRINT: &str = "SHA256:hQraDwYqNxPM1nDlgCmi6mfayCez1vuzS5OO9rjgLyQ";

    #[test]
    fn reads_a_public_key_line() {
        let key = parse(ED25519).unwrap();
        assert_eq!(key.kind, "ssh-ed25519");
        assert_eq!(key.comment, "ops@example");
        assert_eq!(key.blob.len(), 51);
        assert_eq!(key.fingerprint(), FINGERPRINT);
        assert!(
            parse(ED25519.rsplit_once(' ').unwrap().0).is_ok(),
            "no comment"
        );
    }

    #[test]
    fn refuses_what_is_not_a_key() {
        let swapped = ED25519.replacen("ssh-ed25519", "ssh-rsa", 1);
        for bad in [
            "",
            "ssh-ed25519",
            "ssh-dss AAAAB3NzaC1kc3M= x",
            "from=\"10.0.0.1\" ssh-ed25519 AAAA x",
            "ssh-ed25519 not*base64 x",
            "ssh-ed25519 AAAA x",
            swapped.as_str(),
            &format!("{ED25519}\n"),
            &format!("{ED25519}\nssh-ed25519 AAAA"),
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
