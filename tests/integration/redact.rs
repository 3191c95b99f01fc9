//! `render --redact`: the same tree with every secret replaced by a stable placeholder,
//! still valid for the validators, with the public material kept.

use crate::common;

/// The token `render --redact` puts in place of the real one: kubeadm's shape, obviously fake.
const REDACTED_TOKEN: &str = "redact.redactedredacted";
/// The encryption key's stand-in: 32 zero bytes.
const REDACTED_ENCRYPTION_KEY: &str = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

fn secret_lines(secrets_file: &serde_yaml::Value) -> Vec<String> {
    // Every base64 body line of every key, long enough to be unique.
    common::private_keys(secrets_file)
        .iter()
        .flat_map(|k| {
            k.lines()
                .filter(|l| l.len() > 40)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn redacted_tree_holds_no_secret_and_still_validates() {
    let real = common::fixture_secrets();
    let text =
        std::fs::read_to_string(common::root().join("examples/ha-ubuntu-22.04-1.35.yaml")).unwrap();
    let (cluster, _) = kubeprint::load_cluster(&text, "ha", false);
    let cluster = cluster.unwrap();
    let redacted = kubeprint::render_cluster(&cluster, &real.redacted()).unwrap();
    let plain = kubeprint::render_cluster(&cluster, &real).unwrap();
    // Placeholders are shorter than keys, so a gzip twin may no longer be needed.
    let names = |a: &kubeprint::Artifacts| -> Vec<String> {
        a.keys().filter(|k| !k.ends_with(".gz")).cloned().collect()
    };
    assert_eq!(names(&redacted), names(&plain), "same files");

    let lines = secret_lines(&common::fixture_secrets_yaml());
    let token = common::fixture_token();
    for (path, a) in &redacted {
        let text = common::plain_text(path, &a.bytes);
        assert!(!text.contains(&token), "{path} carries the token");
        for l in &lines {
            assert!(
                !text.contains(l.as_str()),
                "{path} carries private key material"
            );
        }
    }
    // admin.conf embeds keys in base64: decode and look again.
    let conf: serde_yaml::Value = serde_yaml::from_slice(&redacted["admin.conf"].bytes).unwrap();
    use base64::Engine;
    let key = base64::engine::general_purpose::STANDARD
        .decode(
            conf["users"][0]["user"]["client-key-data"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
    assert!(String::from_utf8(key).unwrap().contains("REDACTED"));

    let cp = String::from_utf8_lossy(&redacted["control-plane/steps/06-pki.sh"].bytes).into_owned();
    assert!(
        cp.contains(common::fixture_ca_certificate().trim()),
        "the CA certificate is public and stays"
    );
    let join =
        String::from_utf8_lossy(&redacted["worker/steps/07-kubeadm-join.sh"].bytes).into_owned();
    assert!(join.contains(&real.ca_cert_hash) && join.contains(REDACTED_TOKEN));
    common::validate_tree(&redacted);
}

#[test]
fn redacted_render_is_stable() {
    let real = common::fixture_secrets();
    let a = kubeprint::render_cluster(
        &kubeprint::load_cluster(kubeprint::DEFAULT_CLUSTER, "d", false)
            .0
            .unwrap(),
        &real.redacted(),
    )
    .unwrap();
    let b = kubeprint::render_cluster(
        &kubeprint::load_cluster(kubeprint::DEFAULT_CLUSTER, "d", false)
            .0
            .unwrap(),
        &real.redacted(),
    )
    .unwrap();
    assert_eq!(a, b);
}

#[test]
fn cli_render_redact_writes_a_tree_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_kubeprint"))
        .args(["render", "--redact", "-o", "redacted"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let secrets: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(dir.path().join("secrets.yaml")).unwrap())
            .unwrap();
    let token = secrets["bootstrap_token"].as_str().unwrap().to_string();
    let lines = secret_lines(&secrets);
    for entry in common::walk(&dir.path().join("redacted")) {
        let text = common::plain_text(
            &entry.display().to_string(),
            &std::fs::read(&entry).unwrap(),
        );
        assert!(!text.contains(&token), "{}", entry.display());
        assert!(
            lines.iter().all(|l| !text.contains(l.as_str())),
            "{}",
            entry.display()
        );
    }
}

/// The committed goldens are redacted renders (`snapshots.rs`); this proves the real
/// render, the one nodes get, differs from them only where redaction masks: private key
/// blocks and the token. Checksums and the manifest differ only through those files'
/// hashes and sizes, and gzip twins only by what they compress. With fetched delivery,
/// the stub user-data and `publish/` pin the payloads' sha256, so they differ in those
/// hashes and nowhere else.
#[test]
fn the_real_render_differs_from_the_goldens_only_in_masked_spans() {
    let real = common::fixture_secrets();
    let redacted = real.redacted();
    let token = common::fixture_token();
    let encryption_key = common::fixture_secrets_yaml()["encryption_key"]
        .as_str()
        .unwrap()
        .to_string();
    let mask_real = [token.as_str(), &token[7..], encryption_key.as_str()];
    let mask_redacted = [
        REDACTED_TOKEN,
        &REDACTED_TOKEN[7..],
        REDACTED_ENCRYPTION_KEY,
    ];
    let mut definitions = vec![(
        "default".to_string(),
        kubeprint::DEFAULT_CLUSTER.to_string(),
    )];
    definitions.extend(crate::snapshots::examples());
    for (name, text) in definitions {
        let (cluster, _) = kubeprint::load_cluster(&text, &name, false);
        let cluster = cluster.unwrap();
        let plain = kubeprint::render_cluster(&cluster, &real).unwrap();
        let golden = kubeprint::render_cluster(&cluster, &redacted).unwrap();
        let mut compared = 0;
        for (path, a) in &plain {
            if path.ends_with(".gz") || path == "SHA256SUMS" || path == "manifest.json" {
                continue;
            }
            let g = golden
                .get(path)
                .unwrap_or_else(|| panic!("{name}: {path} missing from the golden"));
            let (p, r) = (
                common::plain_text(path, &a.bytes),
                common::plain_text(path, &g.bytes),
            );
            // Only delivery stubs and publish/ may differ, and only in payload pins.
            let (p, r) = if path.starts_with("publish/") || p.contains("/kubeprint/payload.json") {
                (without_sha256s(&p), without_sha256s(&r))
            } else {
                (p, r)
            };
            if !a.secret {
                assert_eq!(p, r, "{name}: {path} holds no secret yet differs");
            }
            assert_eq!(
                masked(&mask_real, &p),
                masked(&mask_redacted, &r),
                "{name}: {path} differs outside the masked spans"
            );
            compared += 1;
        }
        assert!(compared > 20, "{name}");
    }
}

/// No private key is committed anywhere but the labelled test-only fixture: secret
/// scanners (and people) can trust every other file.
#[test]
fn no_tracked_file_holds_a_private_key_except_the_fixture() {
    let root = common::root();
    let listed = std::process::Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(&root)
        .output();
    let files: Vec<std::path::PathBuf> = match listed {
        Ok(o) if o.status.success() => o
            .stdout
            .split(|b| *b == 0)
            .filter(|p| !p.is_empty())
            .map(|p| root.join(String::from_utf8_lossy(p).as_ref()))
            .collect(),
        // Not a git checkout (a source archive): every file but the build output.
        _ => common::walk(&root)
            .into_iter()
            .filter(|p| !p.starts_with(root.join("target")) && !p.starts_with(root.join(".git")))
            .collect(),
    };
    assert!(files.len() > 50, "found only {} files", files.len());
    let fixture = root.join(common::FIXTURE_SECRETS);
    let mut found = Vec::new();
    for file in files.iter().filter(|f| **f != fixture && f.is_file()) {
        let text = String::from_utf8_lossy(&std::fs::read(file).unwrap()).into_owned();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            // A PEM header followed by a base64 body line: a key, not a mention of one.
            let header = line.contains("-----BEGIN") && line.contains("PRIVATE KEY-----");
            let body = lines
                .get(i + 1)
                .map(|l| l.trim().trim_matches('"'))
                .unwrap_or("");
            if header
                && body.len() >= 40
                && body
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b))
            {
                found.push(format!(
                    "{}:{}",
                    file.strip_prefix(&root).unwrap().display(),
                    i + 1
                ));
            }
        }
    }
    assert!(
        found.is_empty(),
        "private keys committed outside the fixture: {found:?}"
    );
}

/// `text` read the way a reviewer compares a real render with a golden: each private key
/// block (PEM, or base64 of PEM as kubeconfigs hold it) as one `<key>` line, each secret
/// file's content as one `<secret file>` line, and each of `values` (the token, its
/// secret half, the encryption key) as `<secret>`. The tests' own masker, independent of
/// the one `check` uses.
fn masked(values: &[&str], text: &str) -> Vec<String> {
    use base64::Engine;
    let mut lines: Vec<String> = Vec::new();
    let mut in_key = false;
    // A `secret: true` file's here-document: its body (and whether it is trimmed) is
    // the masked span, up to the terminator at the opener's indentation.
    let mut secret_file_end: Option<String> = None;
    for line in text.lines() {
        if let Some(end) = &secret_file_end {
            if line == end {
                secret_file_end = None;
                lines.push(line.to_string());
            } else if lines.last().is_none_or(|l| l != "<secret file>") {
                lines.push("<secret file>".to_string());
            }
            continue;
        }
        if line.trim_start().starts_with("user_file ") && line.contains(" secret <<'KUBEPRINT_EOF'")
        {
            let indent = &line[..line.len() - line.trim_start().len()];
            secret_file_end = Some(format!("{indent}KUBEPRINT_EOF"));
            lines.push(line.replace(" trim secret ", " secret "));
            continue;
        }
        let trimmed = line.trim().trim_matches('"');
        let starts = trimmed.starts_with("-----BEGIN") && trimmed.contains("PRIVATE KEY-----");
        let ends = trimmed.starts_with("-----END") && trimmed.contains("PRIVATE KEY-----");
        let embedded = line.split_once("-key-data: ").is_some_and(|(_, data)| {
            base64::engine::general_purpose::STANDARD
                .decode(data.trim())
                .is_ok_and(|pem| String::from_utf8_lossy(&pem).contains("PRIVATE KEY-----"))
        });
        let line = if in_key || starts || embedded {
            in_key = (in_key || starts) && !ends;
            "<key>".to_string()
        } else {
            values
                .iter()
                .fold(line.to_string(), |l, v| l.replace(v, "<secret>"))
        };
        if !(line == "<key>" && lines.last().is_some_and(|l| l == "<key>")) {
            lines.push(line);
        }
    }
    lines
}

/// `text` with every 64-digit lowercase hex run (a sha256) replaced by `<sha256>`.
fn without_sha256s(text: &str) -> String {
    let mut out = String::new();
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once('\n')) {
        if c.is_ascii_digit() || ('a'..='f').contains(&c) {
            run.push(c);
            continue;
        }
        out.push_str(if run.len() == 64 { "<sha256>" } else { &run });
        run.clear();
        out.push(c);
    }
    out.pop();
    out
}
