//! Review tooling, output side: keeps secrets out of what `check`, `verify` and `diff`
//! print. Lines of a PEM private key block and of a `secret: true` file's here-document
//! become `<redacted>`, and bootstrap tokens and the encryption key, whether known from
//! the secrets file or merely shaped like one, are replaced wherever they appear (an
//! old tree may carry a previous secrets file's).

use crate::layout::HEREDOC_END;
use crate::model::cluster::ExtraFile;
use crate::secrets::CheckedSecrets;

pub(crate) const REDACTED: &str = "<redacted>";

#[derive(Debug, Default, Clone)]
pub(crate) struct Masker {
    /// Exact values replaced anywhere in a line.
    values: Vec<String>,
    /// Lines of known private keys: a line containing one is dropped whole.
    key_lines: Vec<String>,
}

impl Masker {
    /// Knows this cluster's token and every private key in its secrets file, on top of
    /// the shape-based masking.
    pub(crate) fn from_secrets(secrets: &CheckedSecrets) -> Masker {
        let token = secrets.secrets.bootstrap_token.expose();
        let mut values = vec![token.to_string()];
        if let Some((_, secret_half)) = token.split_once('.') {
            values.push(secret_half.to_string());
        }
        if let Some(key) = &secrets.secrets.encryption_key {
            values.push(key.expose().to_string());
        }
        // Walk the whole file rather than naming fields, so keys added later are masked too.
        let mut keys = Vec::new();
        if let Ok(tree) = serde_yaml::to_value(&secrets.secrets) {
            collect_private_keys(&tree, &mut keys);
        }
        let key_lines = keys
            .iter()
            .flat_map(|k| k.lines())
            .map(str::trim)
            .filter(|l| l.len() >= 16 && !l.starts_with("-----"))
            .map(str::to_string)
            .collect();
        Masker { values, key_lines }
    }

    /// Also knows the lines of the definition's `secret: true` files, wherever they
    /// turn up (the here-documents are masked by shape, see [`masked_lines`]). Short
    /// lines are left out: they would mask half the diff, and the shape covers them.
    pub(crate) fn with_secret_files(mut self, files: &[ExtraFile]) -> Masker {
        let lines = files
            .iter()
            .filter(|f| f.secret)
            .flat_map(|f| f.content.lines())
            .map(str::trim)
            .filter(|l| l.len() >= 6)
            .map(str::to_string);
        self.key_lines.extend(lines);
        self
    }

    /// One line, where `in_key` says whether it lies in a private key block or a secret
    /// file of its file (see [`masked_lines`]).
    pub(crate) fn line(&self, line: &str, in_key: bool) -> String {
        // kubeconfig's `client-key-data:` is a base64 PEM key on one line.
        if in_key
            || line.contains("key-data:")
            || self.key_lines.iter().any(|k| line.contains(k.as_str()))
        {
            return REDACTED.to_string();
        }
        let mut out = line.to_string();
        for v in &self.values {
            out = out.replace(v.as_str(), REDACTED);
        }
        mask_token_shapes(&mask_encryption_key_shape(&out))
    }
}

fn collect_private_keys(value: &serde_yaml::Value, out: &mut Vec<String>) {
    match value {
        serde_yaml::Value::String(s) if has_private_key(s) => out.push(s.clone()),
        serde_yaml::Value::Sequence(items) => {
            items.iter().for_each(|v| collect_private_keys(v, out))
        }
        serde_yaml::Value::Mapping(map) => map.values().for_each(|v| collect_private_keys(v, out)),
        _ => {}
    }
}

/// Per line of `text` (split like [`str::lines`]): whether it belongs to a PEM private
/// key block, from its `-----BEGIN … PRIVATE KEY-----` line to its `-----END` line.
pub(crate) fn private_key_lines(text: &str) -> Vec<bool> {
    let mut inside = false;
    text.lines()
        .map(|line| {
            if line.contains("-----BEGIN") && line.contains("PRIVATE KEY-----") {
                inside = true;
            }
            let flag = inside;
            if line.contains("-----END") && line.contains("PRIVATE KEY-----") {
                inside = false;
            }
            flag
        })
        .collect()
}

/// Per line of `text`: whether it is masked whole, as part of a PEM private key block
/// or of a `secret` file's here-document.
pub(crate) fn masked_lines(text: &str) -> Vec<bool> {
    private_key_lines(text)
        .into_iter()
        .zip(secret_file_lines(text))
        .map(|(key, secret)| key || secret)
        .collect()
}

/// Per line of `text`: whether it is the body of a secret file's here-document, from
/// after `user_file PATH MODE … secret <<'KUBEPRINT_EOF'` to the terminator at the
/// opener's indentation (a script's own, or user-data's block indentation).
pub(crate) fn secret_file_lines(text: &str) -> Vec<bool> {
    let mut end: Option<String> = None;
    text.lines()
        .map(|line| {
            if let Some(terminator) = &end {
                let inside = line != terminator;
                if !inside {
                    end = None;
                }
                return inside;
            }
            let body = line.trim_start();
            let opens_secret = body.starts_with("user_file ")
                && body
                    .split_once(&format!("<<'{HEREDOC_END}'"))
                    .is_some_and(|(call, _)| call.split_whitespace().any(|w| w == "secret"));
            if opens_secret {
                end = Some(format!("{}{HEREDOC_END}", &line[..line.len() - body.len()]));
            }
            false
        })
        .collect()
}

/// Whether `text` contains a PEM private key.
pub(crate) fn has_private_key(text: &str) -> bool {
    text.contains("PRIVATE KEY-----")
}

/// Byte ranges of bootstrap-token-shaped words (`[a-z0-9]{6}.[a-z0-9]{16}`).
pub(crate) fn token_shapes(text: &str) -> Vec<std::ops::Range<usize>> {
    let b = text.as_bytes();
    let word = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    let mut found = Vec::new();
    let mut i = 0;
    while i + 23 <= b.len() {
        let bounded_before = i == 0 || !(word(b[i - 1]) || b[i - 1] == b'.');
        let bounded_after = i + 23 == b.len() || !(word(b[i + 23]) || b[i + 23] == b'.');
        if bounded_before
            && bounded_after
            && b[i..i + 6].iter().all(|&c| word(c))
            && b[i + 6] == b'.'
            && b[i + 7..i + 23].iter().all(|&c| word(c))
        {
            found.push(i..i + 23);
            i += 23;
        } else {
            i += 1;
        }
    }
    found
}

/// An EncryptionConfiguration key line (`secret: <base64 of 32 bytes>`), whichever
/// secrets file it came from.
fn mask_encryption_key_shape(line: &str) -> String {
    let trimmed = line.trim_start();
    let value = trimmed
        .strip_prefix("secret: ")
        .map(|v| v.trim_matches(|c| c == '\'' || c == '"'));
    match value {
        Some(v) if crate::secrets::encryption_key_fingerprint(v).is_some() => {
            format!("{}secret: {REDACTED}", &line[..line.len() - trimmed.len()])
        }
        _ => line.to_string(),
    }
}

fn mask_token_shapes(line: &str) -> String {
    let ranges = token_shapes(line);
    if ranges.is_empty() {
        return line.to_string();
    }
    let mut out = String::new();
    let mut last = 0;
    for r in ranges {
        out.push_str(&line[last..r.start]);
        out.push_str(REDACTED);
        last = r.end;
    }
    out.push_str(&line[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line of `text` through a masker that knows no secrets file, as `check` masks
    /// a diff's lines.
    fn masked(text: &str) -> String {
        let masker = Masker::default();
        let flags = private_key_lines(text);
        let mut out = String::new();
        for (line, in_key) in text.split_inclusive('\n').zip(flags) {
            let (body, end) = line.strip_suffix('\n').map_or((line, ""), |b| (b, "\n"));
            out.push_str(&masker.line(body, in_key));
            out.push_str(end);
        }
        out
    }

    #[test]
    fn masks_keys_and_tokens() {
        let text = "a\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n  token: abcdef.0123456789abcdef\nb";
        let masked = masked(text);
        assert_eq!(
            masked,
            "a\n<redacted>\n<redacted>\n<redacted>\n  token: <redacted>\nb"
        );
        // Not token-shaped: too long, or part of a longer dotted name.
        assert!(token_shapes("abcdef.0123456789abcdefg").is_empty());
        assert!(token_shapes("x.abcdef.0123456789abcdef").is_empty());
    }

    #[test]
    fn masks_secret_files_in_scripts_and_user_data() {
        let script = "user_file /a 0644 <<'KUBEPRINT_EOF'\nopen\nKUBEPRINT_EOF\nuser_file /root/.netrc 0600 trim secret <<'KUBEPRINT_EOF'\nmachine x password p\n  KUBEPRINT_EOF\nKUBEPRINT_EOF\nafter\n";
        assert_eq!(
            secret_file_lines(script),
            [false, false, false, false, true, true, false, false]
        );
        let user_data = "    user_file /n 0600 secret <<'KUBEPRINT_EOF'\n    pw\n    KUBEPRINT_EOF\n    after\n";
        assert_eq!(secret_file_lines(user_data), [false, true, false, false]);
        let masker = Masker::default();
        let flags = masked_lines(script);
        let shown: Vec<String> = script
            .lines()
            .zip(flags)
            .map(|(l, m)| masker.line(l, m))
            .collect();
        assert_eq!(shown[1], "open");
        assert_eq!(shown[4], REDACTED);
    }

    #[test]
    fn masks_encryption_keys_by_shape() {
        let key = "a3ViZXByaW50LXRlc3Qtb25seS1rZXktMDAwMDAwMDA=";
        let text = format!("      - name: key1\n        secret: {key}\nsecret: short\n");
        assert_eq!(
            masked(&text),
            "      - name: key1\n        secret: <redacted>\nsecret: short\n"
        );
    }
}
