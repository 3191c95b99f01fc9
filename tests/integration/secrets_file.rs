//! The secrets file over its life: `--strict` refuses one that records no cluster,
//! `generate --force` keeps the file it replaces and says both CA hashes, the expired-token
//! hint names the file actually used, and `secrets show --at` measures the token's age at
//! that moment.

use std::fs;
use std::path::Path;
use std::process::Output;

use crate::common;
use common::kubeprint;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn strict_refuses_a_secrets_file_without_its_cluster() {
    let dir = tempfile::tempdir().unwrap();
    common::fixture_secrets_at(dir.path(), "old.yaml");
    // A starter definition with its example name and endpoint replaced: no warnings of
    // its own, so `--strict` is about the secrets.
    let o = kubeprint(dir.path(), &["init", "-o", "c.yaml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let starter = fs::read_to_string(dir.path().join("c.yaml")).unwrap();
    let own = starter
        .replace("name: my-cluster", "name: kubernetes")
        .replace("10.0.1.10:6443", "10.20.0.5:6443");
    assert_ne!(own, starter, "the starter's example values moved");
    fs::write(dir.path().join("c.yaml"), own).unwrap();
    let render = |extra: &[&str]| {
        let mut args = vec!["render", "-c", "c.yaml", "-s", "old.yaml", "-o", "out"];
        args.extend_from_slice(extra);
        kubeprint(dir.path(), &args)
    };
    let o = render(&["--strict"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("error: the secrets file `old.yaml` does not record which cluster it belongs to\n  --> old.yaml (`cluster`)"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("out").exists());
    let o = render(&[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("warning: the secrets file `old.yaml` does not record"));
}

/// The CA hash a `generate` run printed.
fn hash_in(text: &str, after: &str) -> String {
    let at = text
        .find(after)
        .unwrap_or_else(|| panic!("no {after:?} in {text}"));
    text[at + after.len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

#[test]
fn generate_force_keeps_the_replaced_file_and_says_both_hashes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = kubeprint(d, &["secrets", "generate", "-s", "s.yaml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let first_hash = hash_in(&stderr(&o), "CA hash ");
    let first = fs::read(d.join("s.yaml")).unwrap();

    let o = kubeprint(d, &["secrets", "generate", "--force", "-s", "s.yaml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    let new_hash = hash_in(&err, "(mode 0600); CA hash ");
    assert_ne!(new_hash, first_hash);
    assert!(err.contains(&format!("its CA hash {first_hash}")), "{err}");
    let kept: Vec<_> = backups(d);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(fs::read(&kept[0]).unwrap(), first);
    assert_eq!(common::mode(&kept[0]), 0o600);

    // Again at once (the same second, most likely): a second copy, the first untouched;
    // and said under --quiet too.
    let second = fs::read(d.join("s.yaml")).unwrap();
    let o = kubeprint(d, &["secrets", "generate", "--force", "-q", "-s", "s.yaml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!("its CA hash {new_hash}")),
        "{}",
        stderr(&o)
    );
    let now_kept = backups(d);
    assert_eq!(now_kept.len(), 2, "{now_kept:?}");
    assert_eq!(fs::read(&kept[0]).unwrap(), first);
    let other = now_kept.iter().find(|p| **p != kept[0]).unwrap();
    assert_eq!(fs::read(other).unwrap(), second);
}

fn backups(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains("s.yaml.replaced-"))
        .collect();
    found.sort();
    found
}

#[test]
fn the_expired_token_hint_names_the_secrets_file_used() {
    let dir = tempfile::tempdir().unwrap();
    // The fixture's token is from 2026-11-26 and the default cluster's TTL is 24h.
    common::fixture_secrets_at(dir.path(), "lab-secrets.yaml");
    let o = kubeprint(
        dir.path(),
        &["render", "-s", "lab-secrets.yaml", "-o", "out"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("a TTL of 24h from `kubeadm init`"), "{err}");
    assert!(
        err.contains("`kubeprint secrets token-secret -s lab-secrets.yaml | kubectl apply -f -`"),
        "{err}"
    );
    assert!(
        err.contains("`kubeprint secrets rotate-token -s lab-secrets.yaml`"),
        "{err}"
    );
    assert!(!err.contains(" secrets.yaml"), "{err}");
    assert!(!err.contains("-s secrets.yaml"), "{err}");
}

#[test]
fn show_at_a_moment_measures_the_token_age_then() {
    let dir = tempfile::tempdir().unwrap();
    common::fixture_secrets_at(dir.path(), "s.yaml");
    let o = kubeprint(
        dir.path(),
        &[
            "secrets",
            "show",
            "-s",
            "s.yaml",
            "--at",
            "2026-11-27",
            "--output",
            "json",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    // Created 2026-11-26T19:26:40Z; midnight is 4h33m20s later.
    assert_eq!(json["token_age_seconds"], 16_400);
    let o = kubeprint(
        dir.path(),
        &["secrets", "show", "-s", "s.yaml", "--at", "2026-11-27"],
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("(created 2026-11-26T19:26:40Z, 4h ago)"));
}
