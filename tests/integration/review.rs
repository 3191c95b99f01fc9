//! Golden-file review: `check`, `verify`, `explain`, `diff` and SHA256SUMS, run through
//! the real binary on rendered trees in temporary directories.

use crate::common;

use common::kubeprint;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

fn all(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A temp dir with the fixture secrets as `secrets.yaml` and the default cluster in `out/`.
fn rendered() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let secrets = dir.path().join("secrets.yaml");
    fs::copy(common::root().join(common::FIXTURE_SECRETS), &secrets).unwrap();
    fs::set_permissions(&secrets, fs::Permissions::from_mode(0o600)).unwrap();
    let o = kubeprint(dir.path(), &["render"]);
    assert!(o.status.success(), "{}", all(&o));
    dir
}

/// Every secret of the fixture: the token and each base64 line of each private key.
fn secret_values() -> Vec<String> {
    let text = fs::read_to_string(common::root().join(common::FIXTURE_SECRETS)).unwrap();
    let token = text
        .lines()
        .find_map(|l| l.strip_prefix("bootstrap_token: "))
        .unwrap()
        .trim()
        .to_string();
    let mut values = vec![token];
    let mut in_key = false;
    for line in text.lines().map(str::trim) {
        if line.contains("-----BEGIN") && line.contains("PRIVATE KEY") {
            in_key = true;
        } else if line.contains("-----END") {
            in_key = false;
        } else if in_key && line.len() >= 16 {
            values.push(line.to_string());
        }
    }
    assert!(values.len() > 5, "the fixture has keys");
    values
}

fn assert_no_secret(output: &str) {
    assert!(
        !output.contains("PRIVATE KEY"),
        "a key marker leaked:\n{output}"
    );
    for v in secret_values() {
        assert!(
            !output.contains(&v),
            "a secret leaked ({} chars):\n{output}",
            v.len()
        );
    }
}

fn check(dir: &Path) -> Output {
    kubeprint(dir, &["check"])
}

#[test]
fn fresh_render_passes_check_verify_and_sha256sum() {
    let dir = rendered();
    let o = check(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", all(&o));
    let o = kubeprint(
        dir.path(),
        &["verify", "out", "--at", common::FIXTURE_VALID_AT],
    );
    assert_eq!(o.status.code(), Some(0), "{}", all(&o));
    assert!(all(&o).contains("is consistent"), "{}", all(&o));
    common::run_ok("sha256sum", &["-c", "SHA256SUMS"], &dir.path().join("out"));
}

#[test]
fn hand_edit_is_reported_with_a_masked_diff() {
    let dir = rendered();
    // Edit next to the token and inside the CA key, the two worst places to leak from.
    for (file, from, to) in [
        (
            "out/worker/steps/07-kubeadm-join.sh",
            "caCertHashes:",
            "caCertHashes: # edited",
        ),
        ("out/control-plane/steps/06-pki.sh", "\nM", "\nX"),
    ] {
        let path = dir.path().join(file);
        let text = fs::read_to_string(&path).unwrap();
        fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }
    let o = check(dir.path());
    let out = all(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("changed: worker/steps/07-kubeadm-join.sh"),
        "{out}"
    );
    assert!(
        out.contains("changed: control-plane/steps/06-pki.sh"),
        "{out}"
    );
    assert!(out.contains("-    caCertHashes: # edited"), "{out}");
    assert!(out.contains("@@ "), "{out}");
    assert!(out.contains("token: <redacted>"), "{out}");
    assert!(
        out.contains("kubeprint render -s secrets.yaml -o out"),
        "{out}"
    );
    assert_no_secret(&out);
}

#[test]
fn extra_missing_and_mode_changes_are_reported() {
    let dir = rendered();
    let out_dir = dir.path().join("out");
    fs::write(out_dir.join("worker/notes.txt"), "hi\n").unwrap();
    fs::remove_file(out_dir.join("worker/steps/03-sysctl.sh")).unwrap();
    fs::set_permissions(
        out_dir.join("worker/bootstrap.sh"),
        fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let o = check(dir.path());
    let out = all(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("extra: worker/notes.txt"), "{out}");
    assert!(out.contains("missing: worker/steps/03-sysctl.sh"), "{out}");
    assert!(out.contains("changed: worker/bootstrap.sh"), "{out}");
    assert!(out.contains("mode 0644 on disk, 0700 rendered"), "{out}");
    assert!(out.contains("1 changed, 1 missing, 1 extra"), "{out}");
    assert_no_secret(&out);
}

#[test]
fn changed_definition_fails_check_and_names_the_files() {
    let dir = rendered();
    fs::write(
        dir.path().join("cluster.yaml"),
        kubeprint::DEFAULT_CLUSTER.replace("10.244.0.0/16", "10.32.0.0/16"),
    )
    .unwrap();
    let o = kubeprint(dir.path(), &["check", "-c", "cluster.yaml"]);
    let out = all(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("changed: control-plane/steps/07-kubeadm-init.sh"),
        "{out}"
    );
    assert!(out.contains("+  podSubnet: 10.32.0.0/16"), "{out}");
    assert!(
        out.contains("kubeprint render -c cluster.yaml -s secrets.yaml -o out"),
        "{out}"
    );
    assert_no_secret(&out);
}

#[test]
fn check_never_generates_secrets() {
    let dir = rendered();
    let o = kubeprint(dir.path(), &["check", "-s", "absent.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", all(&o));
    assert!(
        all(&o).contains("`absent.yaml` does not exist"),
        "{}",
        all(&o)
    );
    assert!(!dir.path().join("absent.yaml").exists());
}

#[test]
fn verify_catches_a_wrong_ca_pin() {
    let dir = rendered();
    let file = dir.path().join("out/worker/steps/07-kubeadm-join.sh");
    let text = fs::read_to_string(&file).unwrap();
    let pin = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("- sha256:"))
        .unwrap()
        .to_string();
    fs::write(&file, text.replace(&pin, &"0".repeat(64))).unwrap();
    let o = kubeprint(
        dir.path(),
        &["verify", "out", "--at", common::FIXTURE_VALID_AT],
    );
    let out = all(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("worker/steps/07-kubeadm-join.sh: caCertHashes pins sha256:000"),
        "{out}"
    );
    assert!(out.contains(&format!("hashes to sha256:{pin}")), "{out}");
    assert!(
        out.contains(
            "worker/steps/07-kubeadm-join.sh: content does not match its SHA256SUMS entry"
        ),
        "{out}"
    );
    assert_no_secret(&out);
}

#[test]
fn verify_catches_a_secret_in_a_bake_step_and_a_wrong_pod_network() {
    let dir = rendered();
    let out_dir = dir.path().join("out");
    let token = &secret_values()[0];
    let bake = out_dir.join("worker/steps/01-disable-swap.sh");
    let text = fs::read_to_string(&bake).unwrap();
    fs::write(&bake, format!("{text}# {token}\n")).unwrap();
    let pods = out_dir.join("control-plane/steps/07-kubeadm-init.sh");
    let text = fs::read_to_string(&pods).unwrap();
    fs::write(
        &pods,
        text.replace("podSubnet: 10.244.0.0/16", "podSubnet: 10.9.0.0/16"),
    )
    .unwrap();
    let o = kubeprint(
        dir.path(),
        &["verify", "out", "--at", common::FIXTURE_VALID_AT],
    );
    let out = all(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains(
            "worker/steps/01-disable-swap.sh: a bake-stage file carries a bootstrap token"
        ),
        "{out}"
    );
    assert!(
        out.contains("pod network 10.244.0.0/16, but podSubnet is 10.9.0.0/16"),
        "{out}"
    );
    assert_no_secret(&out);
}

#[test]
fn explain_default_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let o = kubeprint(dir.path(), &["explain"]);
    assert_eq!(o.status.code(), Some(0), "{}", all(&o));
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(common::root().join("snapshots/explain"));
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s.bind(|| insta::assert_snapshot!("default", String::from_utf8_lossy(&o.stdout).into_owned()));
}

#[test]
fn diff_flags_a_new_ca_and_token() {
    let dir = rendered();
    let o = kubeprint(dir.path(), &["secrets", "generate", "-o", "other.yaml"]);
    assert!(o.status.success(), "{}", all(&o));
    let o = kubeprint(dir.path(), &["render", "-s", "other.yaml", "-o", "new"]);
    assert!(o.status.success(), "{}", all(&o));
    let o = kubeprint(dir.path(), &["diff", "out", "new"]);
    let out = all(&o);
    // Like diff(1): 1 when the trees differ, with the report on stdout.
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("! CA changed (sha256:"),
        "{out}"
    );
    assert!(!out.contains("error:"), "{out}");
    assert!(out.contains("! bootstrap token changed"), "{out}");
    assert!(out.contains("! control-plane user-data changed"), "{out}");
    assert!(!out.contains("package versions changed"), "{out}");
    assert!(
        out.contains("changed: worker/steps/07-kubeadm-join.sh"),
        "{out}"
    );
    assert_no_secret(&out);
    let new_token = fs::read_to_string(dir.path().join("other.yaml")).unwrap();
    let new_token = new_token
        .lines()
        .find_map(|l| l.strip_prefix("bootstrap_token: "))
        .unwrap();
    assert!(!out.contains(new_token.trim()), "{out}");

    let same = kubeprint(dir.path(), &["diff", "out", "out"]);
    assert_eq!(same.status.code(), Some(0), "{}", all(&same));
    assert!(
        all(&same).contains("operational changes: none"),
        "{}",
        all(&same)
    );
    assert!(all(&same).contains("files: identical"), "{}", all(&same));
}

#[test]
fn diff_flags_a_version_upgrade() {
    let dir = rendered();
    fs::write(
        dir.path().join("new.yaml"),
        kubeprint::DEFAULT_CLUSTER.replace("1.21.3", "1.21.14"),
    )
    .unwrap();
    let o = kubeprint(dir.path(), &["render", "-c", "new.yaml", "-o", "new"]);
    assert!(o.status.success(), "{}", all(&o));
    let o = kubeprint(dir.path(), &["diff", "out", "new"]);
    let out = all(&o);
    assert!(
        out.contains("! package versions changed (kubeadm=1.21.3-00"),
        "{out}"
    );
    assert!(
        out.contains("kubernetesVersion changed (v1.21.3 → v1.21.14)"),
        "{out}"
    );
    // Both ways on for the running nodes: in place, or replaced.
    assert!(
        out.contains("upgrade them in place with `kubeprint upgrade --from OLD_DIR`, or replace them from the new tree"),
        "{out}"
    );
    assert!(!out.contains("CA changed"), "{out}");
}

/// A tree committed to git comes back 0644/0755: only the executable bit survives, and
/// that is all `check` compares.
#[test]
fn a_checked_out_tree_with_git_modes_passes_check() {
    let dir = rendered();
    for file in common::walk(&dir.path().join("out")) {
        let mode = if common::mode(&file) & 0o100 != 0 {
            0o755
        } else {
            0o644
        };
        fs::set_permissions(&file, fs::Permissions::from_mode(mode)).unwrap();
    }
    let o = check(dir.path());
    assert!(o.status.success(), "{}", all(&o));
}

#[test]
fn check_redact_compares_with_a_redacted_tree() {
    let dir = rendered();
    let o = kubeprint(dir.path(), &["render", "--redact", "-o", "redacted"]);
    assert!(o.status.success(), "{}", all(&o));
    let plain = kubeprint(dir.path(), &["check", "-o", "redacted"]);
    assert_eq!(
        plain.status.code(),
        Some(1),
        "a redacted tree is not the real one"
    );
    assert_no_secret(&all(&plain));
    let redacted = kubeprint(dir.path(), &["check", "--redact", "-o", "redacted"]);
    assert!(redacted.status.success(), "{}", all(&redacted));
    let verify = kubeprint(
        dir.path(),
        &["verify", "redacted", "--at", common::FIXTURE_VALID_AT],
    );
    assert!(verify.status.success(), "{}", all(&verify));
}

#[test]
fn check_refuses_an_incomplete_secrets_file_without_changing_it() {
    let dir = rendered();
    let path = dir.path().join("old.yaml");
    common::write_secrets_without(&path, &["cluster", "etcd_ca", "admin"]);
    let before = fs::read(&path).unwrap();
    let o = kubeprint(dir.path(), &["check", "-s", "old.yaml"]);
    let out = all(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("lacks etcd_ca, admin"), "{out}");
    assert_eq!(
        fs::read(&path).unwrap(),
        before,
        "check changed the secrets file"
    );
}
