//! The user's own additions (`ssh_authorized_keys`, `files`, `commands`): what they
//! carry arrives verbatim (hostile text included, or it is refused), `explain` shows it,
//! and `verify` notices a copy edited by hand.

use crate::common;

use serde_yaml::Value;

const EXAMPLE: &str = include_str!("../../examples/escape-hatches.yaml");

/// A moment inside the fixture certificates' validity.
fn valid_at() -> time::OffsetDateTime {
    common::fixture_valid_at()
}

/// Text the shell, YAML and here-documents treat specially (shared with the scanner's unit
/// test in src/review/facts/user.rs).
fn texts() -> Vec<String> {
    serde_yaml::from_str(include_str!("../fixtures/hostile-texts.yaml")).unwrap()
}

/// Every text renders into a bundle `verify` accepts and the validators pass (that each
/// arrives verbatim in every copy is src/review/facts/user.rs's unit test).
#[test]
fn hostile_text_renders_into_bundles_verify_accepts() {
    let mut rendered = Vec::new();
    for text in texts() {
        let mut doc: Value = serde_yaml::from_str(EXAMPLE).unwrap();
        doc["commands"]["pre"] = Value::Sequence(vec![text.as_str().into()]);
        doc["files"][0]["content"] = text.as_str().into();
        let yaml = serde_yaml::to_string(&doc).unwrap();
        let artifacts = common::render_text(&yaml, "hostile.yaml");
        let findings = kubeprint::verify(&common::tree(&artifacts), valid_at());
        assert!(
            findings.problems.is_empty(),
            "{text:?}: {:?}",
            findings.problems
        );
        rendered.push(artifacts);
    }
    // bash -n, shellcheck and cloud-init on the worst of them.
    for artifacts in rendered.iter().skip(2).take(3) {
        common::validate_tree(artifacts);
    }
}

/// What no bundle can carry inert is refused, with the field it came from.
#[test]
fn text_that_cannot_be_carried_is_refused() {
    for (text, message) in [
        ("cat <<'X'\nKUBEPRINT_EOF\nX", "contains `KUBEPRINT_EOF`"),
        ("a\r\nb", "control character \\u{d}"),
        ("bell\u{7}", "control character \\u{7}"),
        ("nul\0", "control character \\u{0}"),
    ] {
        for field in ["commands.post[0]", "files[1].content"] {
            let mut doc: Value = serde_yaml::from_str(EXAMPLE).unwrap();
            match field {
                "commands.post[0]" => doc["commands"]["post"][0] = text.into(),
                _ => doc["files"][1]["content"] = text.into(),
            }
            let yaml = serde_yaml::to_string(&doc).unwrap();
            let (cluster, report) = kubeprint::load_cluster(&yaml, "bad.yaml", false);
            let report = report.to_string();
            assert!(cluster.is_none(), "{field} = {text:?} accepted");
            assert!(
                report.contains(message) && report.contains(field),
                "{report}"
            );
        }
    }
}

#[test]
fn explain_shows_what_the_additions_carry() {
    let dir = tempfile::tempdir().unwrap();
    let example = common::root().join("examples/escape-hatches.yaml");
    let o = common::kubeprint(
        dir.path(),
        &["explain", "-c", &example.display().to_string()],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(common::root().join("snapshots/explain"));
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s.bind(|| {
        insta::assert_snapshot!(
            "escape-hatches",
            String::from_utf8_lossy(&o.stdout).into_owned()
        )
    });

    let o = common::kubeprint(
        dir.path(),
        &[
            "explain",
            "-c",
            &example.display().to_string(),
            "--format",
            "json",
        ],
    );
    let e: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let steps = &e["roles"][0]["steps"];
    assert_eq!(steps[8]["id"], "09-commands-pre");
    // A command is named by its place and hash, never shown: it may hold a credential.
    let hash = &common::sha256_hex(b"systemctl restart crio")[..12];
    assert_eq!(
        steps[8]["detail"][0],
        format!("commands.pre[0] (sha256 {hash})")
    );
    assert_eq!(steps[12]["id"], "13-wait-for-node");
    assert_eq!(steps[13]["id"], "14-commands-post");
    assert_eq!(e["roles"][0]["steps"][0]["detail"], serde_json::json!([]));
}

/// A copy edited by hand, and one bundle's additions unlike another's.
#[test]
fn verify_notices_edited_additions() {
    let artifacts = common::render_text(EXAMPLE, "escape-hatches.yaml");
    let mut t = common::tree(&artifacts);
    let mut edit = |path: &str, from: &str, to: &str| {
        let f = t.get_mut(path).unwrap();
        let text = String::from_utf8(f.bytes.clone()).unwrap();
        assert!(text.contains(from), "{path}");
        f.bytes = text.replacen(from, to, 1).into_bytes();
    };
    edit("worker/steps/07-files.sh", "not-a-real-token", "edited");
    edit(
        "worker/bootstrap.sh",
        "'systemctl restart systemd-journald'",
        "'reboot'",
    );
    edit(
        "control-plane-join/bootstrap.sh",
        "authorize_key 'ssh-ed25519",
        "authorize_key 'ssh-rsa",
    );
    let problems = kubeprint::verify(&t, valid_at()).problems;
    let has = |p: &str| problems.iter().any(|x| x.starts_with(p));
    assert!(
        has("worker/steps/07-files.sh: its files differ from those in worker/bootstrap.sh"),
        "{problems:#?}"
    );
    assert!(
        has(
            "worker/steps/12-commands-post.sh: its commands.post differ from those in worker/bootstrap.sh"
        ),
        "{problems:#?}"
    );
    assert!(
        has("worker/bootstrap.sh: its commands differ from those in control-plane/bootstrap.sh"),
        "{problems:#?}"
    );
    assert!(
        has(
            "control-plane-join/bootstrap.sh: an authorized ssh key does not read: the key body holds a `ssh-ed25519` key"
        ),
        "{problems:#?}"
    );

    let clean = kubeprint::verify(&common::tree(&artifacts), valid_at());
    assert!(clean.problems.is_empty(), "{:#?}", clean.problems);
    for line in [
        "ssh keys: 2",
        "files: 3 path(s)",
        "commands: 2 right before kubeadm, 2 after the last step",
    ] {
        assert!(
            clean.summary.iter().any(|s| s.starts_with(line)),
            "{line}: {:#?}",
            clean.summary
        );
    }
}
