//! The command line as users run it: exit codes, secrets handling, output replacement.

mod common;

use common::kubeprint;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn read_tree(dir: &Path) -> Vec<(String, Vec<u8>, u32)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let mode = common::mode(&p);
                out.push((
                    p.strip_prefix(dir).unwrap().display().to_string(),
                    fs::read(&p).unwrap(),
                    mode,
                ));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn first_render_generates_private_secrets_and_second_render_is_identical() {
    let dir = tempfile::tempdir().unwrap();
    let first = kubeprint(dir.path(), &["render"]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stderr(&first).contains("generated secrets.yaml"));
    let secrets = dir.path().join("secrets.yaml");
    assert_eq!(common::mode(&secrets), 0o600);
    let tree = read_tree(&dir.path().join("out"));
    assert_eq!(
        tree.len(),
        36,
        "18 bundle files, 2 baked user-data, 2 gzip twins, admin.conf, 9 packer files, SHA256SUMS, manifest.json"
    );

    let second = kubeprint(dir.path(), &["render"]);
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(!stderr(&second).contains("generated"));
    assert_eq!(
        read_tree(&dir.path().join("out")),
        tree,
        "a second render changed out/"
    );
    // Nothing secret reaches the terminal.
    let secret_text = fs::read_to_string(&secrets).unwrap();
    let token = secret_text
        .lines()
        .find_map(|l| l.strip_prefix("bootstrap_token: "))
        .unwrap();
    for o in [&first, &second] {
        assert!(!stderr(o).contains(token) && !String::from_utf8_lossy(&o.stdout).contains(token));
    }
}

#[test]
fn invalid_definition_exits_1_and_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        kubeprint(dir.path(), &["render", "-s", "kept.yaml"])
            .status
            .success()
    );
    let before = read_tree(&dir.path().join("out"));
    fs::write(
        dir.path().join("bad.yaml"),
        "kubernetes:\n  pod_subnet: 10.244.0.0/33\n",
    )
    .unwrap();

    let o = kubeprint(
        dir.path(),
        &["render", "-c", "bad.yaml", "-s", "new-secrets.yaml"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("kubernetes.pod_subnet"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("bad.yaml:2:15"), "{}", stderr(&o));
    assert!(
        !dir.path().join("new-secrets.yaml").exists(),
        "a failed render wrote secrets"
    );
    assert_eq!(
        read_tree(&dir.path().join("out")),
        before,
        "a failed render changed out/"
    );
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with(".kubeprint"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        kubeprint(dir.path(), &["render", "--bogus"]).status.code(),
        Some(2)
    );
    assert_eq!(kubeprint(dir.path(), &[]).status.code(), Some(2));
}

#[test]
fn validate_reports_and_sets_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let ok = kubeprint(dir.path(), &["validate"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let strict = kubeprint(dir.path(), &["validate", "--strict"]);
    assert_eq!(
        strict.status.code(),
        Some(1),
        "the guide's EOL release is a warning, an error under --strict"
    );
    fs::write(
        dir.path().join("typo.yaml"),
        "kubernetes:\n  pod_subnett: 10.0.0.0/16\n",
    )
    .unwrap();
    let typo = kubeprint(dir.path(), &["validate", "-c", "typo.yaml"]);
    assert_eq!(typo.status.code(), Some(1));
    assert!(
        stderr(&typo).contains("unknown key `pod_subnett`")
            && stderr(&typo).contains("did you mean `pod_subnet`?"),
        "{}",
        stderr(&typo)
    );
}

#[test]
fn secrets_generate_refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let first = kubeprint(dir.path(), &["secrets", "generate", "-o", "s.yaml"]);
    assert!(first.status.success(), "{}", stderr(&first));
    let path = dir.path().join("s.yaml");
    let original = fs::read(&path).unwrap();
    assert_eq!(common::mode(&path), 0o600);

    let again = kubeprint(dir.path(), &["secrets", "generate", "-o", "s.yaml"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("--force"));
    assert_eq!(fs::read(&path).unwrap(), original);

    let forced = kubeprint(
        dir.path(),
        &[
            "secrets",
            "generate",
            "-o",
            "s.yaml",
            "--force",
            "--key-type",
            "ecdsa-p256",
        ],
    );
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert_ne!(fs::read(&path).unwrap(), original);
    assert_eq!(common::mode(&path), 0o600);
}

#[test]
fn readable_secrets_file_is_refused_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("secrets.yaml");
    fs::copy(common::root().join(common::FIXTURE_SECRETS), &path).unwrap();
    fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
    let o = kubeprint(dir.path(), &["render"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("chmod 600"), "{}", stderr(&o));
    assert!(!dir.path().join("out").exists());

    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    let o = kubeprint(dir.path(), &["render", "-o", "rendered"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Rendering with the fixture through the CLI gives exactly the snapshotted artifacts.
    let expected = common::render_default();
    for (rel, artifact) in &expected {
        assert_eq!(
            fs::read(dir.path().join("rendered").join(rel)).unwrap(),
            artifact.bytes,
            "{rel}"
        );
    }
}
