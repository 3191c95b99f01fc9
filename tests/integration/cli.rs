//! The command line as users run it: exit codes, secrets handling, output replacement.

use crate::common;

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
        38,
        "20 bundle files, 2 baked user-data, 2 gzip twins, admin.conf, 9 packer files, SHA256SUMS, manifest.json"
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

// ---- The output directory: kubeprint never deletes, moves or rewrites what it did not write.

/// A project folder as users keep one: definition, secrets (bound to the default
/// cluster, `kubernetes`) and version control.
fn project(dir: &Path) {
    let fixture = fs::read_to_string(common::root().join(common::FIXTURE_SECRETS)).unwrap();
    let secrets = dir.join("secrets.yaml");
    fs::write(&secrets, format!("cluster: kubernetes\n{fixture}")).unwrap();
    fs::set_permissions(&secrets, fs::Permissions::from_mode(0o600)).unwrap();
    fs::write(dir.join("cluster.yaml"), kubeprint::DEFAULT_CLUSTER).unwrap();
    fs::create_dir_all(dir.join(".git/refs")).unwrap();
    fs::write(dir.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
}

/// Every file and directory under `dir` with its bytes and mode (links as their target).
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>, u32)> {
    let mut out = Vec::new();
    for path in common::walk(dir) {
        let rel = path.strip_prefix(dir).unwrap().display().to_string();
        let meta = fs::symlink_metadata(&path).unwrap();
        let bytes = if meta.file_type().is_symlink() {
            fs::read_link(&path)
                .unwrap()
                .display()
                .to_string()
                .into_bytes()
        } else if meta.is_file() {
            fs::read(&path).unwrap()
        } else {
            Vec::new()
        };
        out.push((rel, bytes, meta.permissions().mode()));
    }
    out.sort();
    out
}

/// Renders with `args` in `dir`, expecting a refusal that names `expect`, and checks
/// that nothing under `dir` changed (no secrets file written either).
fn assert_refused(dir: &Path, args: &[&str], expect: &str) {
    let before = snapshot(dir);
    let o = kubeprint(dir, args);
    assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
    assert!(stderr(&o).contains(expect), "{args:?}: {}", stderr(&o));
    assert!(stderr(&o).contains("help:"), "{args:?}: {}", stderr(&o));
    assert_eq!(snapshot(dir), before, "{args:?} changed the directory");
}

#[test]
fn a_directory_with_foreign_files_is_never_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    project(d);
    // The reported data loss: the project folder itself as the output.
    assert_refused(
        d,
        &[
            "render",
            "-c",
            "cluster.yaml",
            "-s",
            "secrets.yaml",
            "-o",
            ".",
        ],
        "is the working directory",
    );
    fs::create_dir(d.join("proj")).unwrap();
    project(&d.join("proj"));
    let proj = [
        "render",
        "-c",
        "proj/cluster.yaml",
        "-s",
        "proj/secrets.yaml",
        "-o",
        "proj",
    ];
    assert_refused(d, &proj, "is inside the output directory `proj`");
    // The cluster file alone inside it is refused too.
    assert_refused(
        d,
        &[
            "render",
            "-c",
            "proj/cluster.yaml",
            "-s",
            "secrets.yaml",
            "-o",
            "proj",
        ],
        "the cluster file `proj/cluster.yaml` is inside",
    );
    // Only foreign entries: a `.git`, a note, a folder.
    fs::create_dir_all(d.join("mine/.git")).unwrap();
    fs::write(d.join("mine/notes.txt"), "keep me").unwrap();
    fs::create_dir(d.join("mine/docs")).unwrap();
    assert_refused(
        d,
        &["render", "-s", "secrets.yaml", "-o", "mine"],
        "`.git/`, `docs/`, `notes.txt`",
    );
    // Every writer follows the same rules.
    for extra in [&["--redact"][..], &["--format", "mime"]] {
        let mut args = vec!["render", "-s", "secrets.yaml", "-o", "mine"];
        args.extend_from_slice(extra);
        assert_refused(d, &args, "holds files kubeprint did not write");
    }
    // A foreign file inside a rendered tree is foreign too, and so is a manifest.json
    // that is not kubeprint's.
    let ok = kubeprint(d, &["render", "-s", "secrets.yaml", "-o", "out"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    fs::write(d.join("out/worker/my-edit.sh"), "echo mine\n").unwrap();
    assert_refused(
        d,
        &["render", "-s", "secrets.yaml", "-o", "out"],
        "`worker/my-edit.sh`",
    );
    fs::create_dir(d.join("other")).unwrap();
    fs::write(d.join("other/manifest.json"), r#"{"files": []}"#).unwrap();
    assert_refused(
        d,
        &["render", "-s", "secrets.yaml", "-o", "other"],
        "`manifest.json`",
    );
    // The home directory.
    fs::create_dir(d.join("home")).unwrap();
    fs::write(d.join("home/.bashrc"), "# mine\n").unwrap();
    let before = snapshot(d);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_kubeprint"))
        .args(["render", "-s", "secrets.yaml", "-o", "home"])
        .env("HOME", d.join("home"))
        .current_dir(d)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("is your home directory"),
        "{}",
        stderr(&o)
    );
    assert_eq!(snapshot(d), before);
    // A plain file is not a directory; `..` holds the working directory.
    fs::write(d.join("file"), "x").unwrap();
    assert_refused(
        d,
        &["render", "-s", "secrets.yaml", "-o", "file"],
        "is not a directory",
    );
    let sub = d.join("proj");
    assert_refused(
        &sub,
        &["render", "-s", "secrets.yaml", "-o", ".."],
        "holds the working directory",
    );
}

#[test]
fn absent_empty_and_previously_rendered_directories_are_filled_or_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    project(d);
    let render = |args: &[&str]| {
        let mut all = vec!["render", "-s", "secrets.yaml"];
        all.extend_from_slice(args);
        let o = kubeprint(d, &all);
        assert!(o.status.success(), "{all:?}: {}", stderr(&o));
    };
    // Absent, nested.
    render(&["-o", "a/b/out"]);
    assert!(d.join("a/b/out/manifest.json").is_file());
    // Empty, and empty but for `.gitkeep`, which is kept.
    fs::create_dir(d.join("empty")).unwrap();
    render(&["-o", "empty"]);
    assert!(d.join("empty/control-plane/user-data.yaml").is_file());
    fs::create_dir(d.join("kept")).unwrap();
    fs::write(d.join("kept/.gitkeep"), "").unwrap();
    render(&["-o", "kept"]);
    assert!(d.join("kept/.gitkeep").is_file() && d.join("kept/manifest.json").is_file());
    // A previous tree is replaced as a whole: files only the old manifest listed go.
    fs::write(
        d.join("ha.yaml"),
        fs::read_to_string(common::root().join("examples/ha-ubuntu-22.04-1.35.yaml")).unwrap(),
    )
    .unwrap();
    let ha_secrets = [
        "render",
        "-c",
        "ha.yaml",
        "-s",
        "ha-secrets.yaml",
        "-o",
        "kept",
    ];
    let o = kubeprint(d, &ha_secrets);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(d.join("kept/control-plane-join").is_dir());
    render(&["-o", "kept"]);
    assert!(!d.join("kept/control-plane-join").exists());
    assert!(d.join("kept/.gitkeep").is_file());
    // The project folder's own files were never touched.
    assert!(d.join(".git/HEAD").is_file() && d.join("cluster.yaml").is_file());
}

#[test]
fn a_symlinked_output_renders_into_its_target_and_stays_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    project(d);
    fs::create_dir(d.join("real")).unwrap();
    std::os::unix::fs::symlink("real", d.join("link")).unwrap();
    for _ in 0..2 {
        let o = kubeprint(d, &["render", "-s", "secrets.yaml", "-o", "link"]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(
            fs::symlink_metadata(d.join("link"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_link(d.join("link")).unwrap(), Path::new("real"));
        assert!(d.join("real/manifest.json").is_file());
    }
    // The rules apply to the target: a foreign file there is refused.
    fs::write(d.join("real/notes.txt"), "keep me").unwrap();
    assert_refused(
        d,
        &["render", "-s", "secrets.yaml", "-o", "link"],
        "`notes.txt`",
    );
    // A link to the project folder is the project folder.
    std::os::unix::fs::symlink(".", d.join("here")).unwrap();
    assert_refused(
        d,
        &["render", "-s", "secrets.yaml", "-o", "here"],
        "is the working directory",
    );
}

// ---- Secrets belong to one cluster.

#[test]
fn another_clusters_secrets_are_refused_and_old_files_load_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    project(d);
    let lab =
        fs::read_to_string(common::root().join("examples/debian-12-1.30-flannel.yaml")).unwrap();
    fs::write(d.join("lab.yaml"), &lab).unwrap();
    // secrets.yaml is the default cluster's (`kubernetes`); lab.yaml is `lab`.
    for command in ["render", "check"] {
        assert_refused(
            d,
            &[command, "-c", "lab.yaml", "-s", "secrets.yaml", "-o", "out"],
            "the secrets file `secrets.yaml` belongs to cluster `kubernetes`, not `lab`",
        );
    }
    // A new cluster gets its own file, which records its name.
    let o = kubeprint(
        d,
        &[
            "render",
            "-c",
            "lab.yaml",
            "-s",
            "lab-secrets.yaml",
            "-o",
            "lab-out",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("for cluster `lab`"), "{}", stderr(&o));
    let lab_secrets = fs::read_to_string(d.join("lab-secrets.yaml")).unwrap();
    assert!(
        lab_secrets.lines().any(|l| l == "cluster: lab"),
        "{lab_secrets}"
    );
    let show = kubeprint(d, &["secrets", "show", "-s", "lab-secrets.yaml"]);
    assert!(String::from_utf8_lossy(&show.stdout).contains("cluster:        lab"));
    // `secrets generate -c` records the definition's name.
    let o = kubeprint(
        d,
        &["secrets", "generate", "-c", "lab.yaml", "-o", "gen.yaml"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        fs::read_to_string(d.join("gen.yaml"))
            .unwrap()
            .contains("\ncluster: lab\n")
    );

    // A file from before binding: accepted, one warning with the line to add, unchanged.
    let old = d.join("old-secrets.yaml");
    fs::copy(common::root().join(common::FIXTURE_SECRETS), &old).unwrap();
    fs::set_permissions(&old, fs::Permissions::from_mode(0o600)).unwrap();
    let before = fs::read(&old).unwrap();
    for command in ["render", "check"] {
        let o = kubeprint(d, &[command, "-s", "old-secrets.yaml", "-o", "old-out"]);
        assert!(o.status.success(), "{command}: {}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(
            err.matches("does not record which cluster").count(),
            1,
            "{err}"
        );
        assert!(err.contains("add the line `cluster: kubernetes`"), "{err}");
    }
    assert_eq!(
        fs::read(&old).unwrap(),
        before,
        "a secrets file was rewritten"
    );
}

#[test]
fn check_with_another_ca_says_so_instead_of_diffing_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    project(d);
    let o = kubeprint(d, &["render", "-s", "secrets.yaml", "-o", "out"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kubeprint(d, &["secrets", "generate", "-o", "fresh.yaml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kubeprint(d, &["check", "-s", "fresh.yaml", "-o", "out"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("was rendered with another cluster CA than `fresh.yaml` holds"),
        "{err}"
    );
    assert!(
        o.stdout.is_empty(),
        "no certificate diff: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(!err.contains("regenerate it with"), "{err}");
}

#[test]
fn a_damaged_secrets_file_is_named_with_its_field() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    project(d);
    // Drop ten lines from the middle of the CA private key, as a bad copy would: still
    // valid YAML, no longer a key.
    let text = fs::read_to_string(d.join("secrets.yaml")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let key = lines
        .iter()
        .position(|l| l.starts_with("  private_key: |"))
        .unwrap();
    let damaged: Vec<&str> = lines[..key + 5]
        .iter()
        .chain(&lines[key + 15..])
        .copied()
        .collect();
    fs::write(d.join("secrets.yaml"), damaged.join("\n") + "\n").unwrap();
    let o = kubeprint(d, &["render", "-s", "secrets.yaml", "-o", "out"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("secrets.yaml") && err.contains("(`cluster_ca.private_key`)"),
        "{err}"
    );
    // A nested failure reads as one sentence, not as an error inside an error.
    assert!(!err.contains(": error:"), "{err}");
    assert!(!d.join("out").exists());
}

// ---- No guide defaults in a user's cluster.

#[test]
fn a_users_definition_states_its_identity_and_debian_defaults_to_admin() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("empty.yaml"), "").unwrap();
    let o = kubeprint(d, &["render", "-c", "empty.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    for key in ["`name`", "`os`", "`version`", "`endpoint`"] {
        assert!(
            stderr(&o).contains(&format!("missing required key {key}")),
            "{}",
            stderr(&o)
        );
    }
    assert!(!d.join("secrets.yaml").exists() && !d.join("out").exists());
    // Without an endpoint even a complete-looking file is refused, under --strict or not.
    fs::write(
        d.join("no-endpoint.yaml"),
        "name: lab\nos: debian-12\nkubernetes:\n  version: \"1.35.2\"\n",
    )
    .unwrap();
    let o = kubeprint(d, &["validate", "-c", "no-endpoint.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no-endpoint.yaml:3:1 (`kubernetes.endpoint`)"),
        "{}",
        stderr(&o)
    );

    // Debian's official images log in as `admin`: the kubeconfig step and the Packer
    // template agree on it when `admin_user` is left out.
    let debian = "name: lab\nos: debian-12\nkubernetes:\n  version: \"1.35.2\"\n  endpoint: 10.0.1.10:6443\n";
    let artifacts = common::render_text(debian, "debian.yaml");
    let step = common::text(&artifacts, "control-plane/steps/08-admin-kubeconfig.sh");
    assert!(step.contains("user='admin'\n"), "{step}");
    let packer = common::packer_unaligned(&artifacts);
    assert!(packer.contains("ssh_username = \"admin\""), "{packer}");
    let ubuntu = debian.replace("debian-12", "ubuntu-24.04");
    let artifacts = common::render_text(&ubuntu, "ubuntu.yaml");
    assert!(
        common::text(&artifacts, "control-plane/steps/08-admin-kubeconfig.sh")
            .contains("user='ubuntu'\n")
    );
    assert!(common::packer_unaligned(&artifacts).contains("ssh_username = \"ubuntu\""));
}

// ---- Command-line conventions.

#[test]
fn a_definition_can_come_from_standard_input() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    project(d);
    let run = |args: &[&str], input: &str| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kubeprint"))
            .args(args)
            .current_dir(d)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let o = run(&["validate", "-c", "-"], "name: x\n");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("--> <stdin>:1:1 (`os`)"),
        "{}",
        stderr(&o)
    );
    let o = run(
        &["render", "-c", "-", "-s", "secrets.yaml", "-o", "piped"],
        kubeprint::DEFAULT_CLUSTER,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let file = kubeprint(
        d,
        &[
            "render",
            "-c",
            "cluster.yaml",
            "-s",
            "secrets.yaml",
            "-o",
            "from-file",
        ],
    );
    assert!(file.status.success(), "{}", stderr(&file));
    assert_eq!(read_tree(&d.join("piped")), read_tree(&d.join("from-file")));
}

#[test]
fn the_secrets_file_is_dash_s_everywhere_and_every_option_is_described() {
    let dir = tempfile::tempdir().unwrap();
    let o = kubeprint(dir.path(), &["secrets", "generate", "-s", "a.yaml"]);
    assert!(
        o.status.success() && dir.path().join("a.yaml").exists(),
        "{}",
        stderr(&o)
    );
    // The old spelling still works.
    let o = kubeprint(dir.path(), &["secrets", "generate", "--output", "b.yaml"]);
    assert!(
        o.status.success() && dir.path().join("b.yaml").exists(),
        "{}",
        stderr(&o)
    );

    let commands: &[&[&str]] = &[
        &["render"],
        &["validate"],
        &["check"],
        &["verify"],
        &["explain"],
        &["diff"],
        &["versions"],
        &["secrets", "generate"],
        &["secrets", "import"],
        &["secrets", "show"],
        &["secrets", "rotate-token"],
        &["completion"],
        &["man"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let o = kubeprint(dir.path(), &args);
        let help = String::from_utf8_lossy(&o.stdout).into_owned();
        // An option or argument line: the spec, then at least two spaces and its text.
        // (Indented deeper: a wrapped description, not an option.)
        for line in help.lines().filter(|l| {
            let t = l.trim_start();
            l.starts_with("  ")
                && !l[2..].starts_with(' ')
                && (t.starts_with('-') || t.starts_with('<') || t.starts_with('['))
        }) {
            let spec_end = line.trim_start().find("  ");
            assert!(
                spec_end.is_some_and(|i| !line.trim_start()[i..].trim().is_empty()),
                "`kubeprint {}` has an option without a description: {line:?}\n{help}",
                command.join(" ")
            );
        }
    }
}

#[test]
fn completions_and_the_manual_come_from_the_same_definitions() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = kubeprint(dir.path(), &["completion", shell]);
        assert!(o.status.success(), "{shell}: {}", stderr(&o));
        let script = String::from_utf8_lossy(&o.stdout).into_owned();
        for word in ["render", "secrets", "rotate-token", "--redact"] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
        if shell == "bash" {
            fs::write(dir.path().join("kubeprint.bash"), &script).unwrap();
            common::run_ok("bash", &["-n", "kubeprint.bash"], dir.path());
        }
    }
    let o = kubeprint(dir.path(), &["man"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let man = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        man.contains(".TH kubeprint 1") && man.contains("render"),
        "{man}"
    );
    assert_eq!(
        kubeprint(dir.path(), &["completion", "tcsh"]).status.code(),
        Some(2)
    );
}

#[test]
fn reporting_commands_print_json_for_scripts() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    project(d);
    let json = |args: &[&str]| -> serde_json::Value {
        let o = kubeprint(d, args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}"))
    };
    let v = json(&["versions", "--format", "json"]);
    let releases = v["releases"].as_array().unwrap();
    assert_eq!(releases[0]["minor"], "1.21");
    assert!(releases.len() >= 16, "1.21 to at least 1.36");
    assert_eq!(releases[0]["calico_tested"], false);
    assert!(
        v["operating_systems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["id"] == "debian-13" && o["login_user"] == "admin")
    );

    let e = json(&["explain", "--format", "json"]);
    assert_eq!(e["cluster"], "kubernetes");
    assert_eq!(e["roles"][0]["role"], "control-plane");
    assert_eq!(e["roles"][0]["steps"][6]["id"], "07-kubeadm-init");
    assert_eq!(e["roles"][0]["steps"][6]["secret"], true);

    let s = json(&["secrets", "show", "-s", "secrets.yaml", "--format", "json"]);
    assert_eq!(s["cluster"], "kubernetes");
    assert!(s["ca_cert_hash"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(s["token_id"].as_str().unwrap().len(), 6);
    let secrets_text = fs::read_to_string(d.join("secrets.yaml")).unwrap();
    let token = secrets_text
        .lines()
        .find_map(|l| l.strip_prefix("bootstrap_token: "))
        .unwrap();
    assert!(
        !s.to_string().contains(token.trim()),
        "no secret in the JSON"
    );

    let o = kubeprint(d, &["render", "-s", "secrets.yaml", "-o", "out"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = json(&[
        "verify",
        "out",
        "--format",
        "json",
        "--at",
        common::FIXTURE_VALID_AT,
    ]);
    assert_eq!(r["problems"].as_array().unwrap().len(), 0, "{r}");
    assert!(!r["summary"].as_array().unwrap().is_empty());
    let same = json(&["diff", "out", "out", "--format", "json"]);
    assert!(
        same["operational"].as_array().unwrap().is_empty()
            && same["files"].as_array().unwrap().is_empty()
    );
    fs::remove_file(d.join("out/worker/steps/01-disable-swap.sh")).unwrap();
    let o = kubeprint(d, &["diff", "out", "out-copy-missing", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "a missing tree is an error");
    let o = kubeprint(d, &["render", "-s", "secrets.yaml", "-o", "again"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kubeprint(d, &["diff", "again", "out", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1), "the trees differ");
    let changed: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        changed["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["path"] == "worker/steps/01-disable-swap.sh" && f["change"] == "removed"),
        "{changed}"
    );
}

#[test]
fn init_writes_a_starter_that_validates_and_renders() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (os, cni) in [
        ("ubuntu-24.04", "calico"),
        ("debian-13", "flannel"),
        ("ubuntu-22.04", "canal"),
    ] {
        let file = format!("{os}.yaml");
        let o = kubeprint(d, &["init", "-o", &file, "--os", os, "--cni", cni]);
        assert!(o.status.success(), "{}", stderr(&o));
        // Valid as written, with a warning for each example value left in place.
        let v = kubeprint(d, &["validate", "-c", &file, "--strict"]);
        assert_eq!(v.status.code(), Some(1), "{os}: {}", stderr(&v));
        assert!(stderr(&v).contains("2 error(s)"), "{os}: {}", stderr(&v));
        let starter = fs::read_to_string(d.join(&file)).unwrap();
        let own = starter
            .replace("name: my-cluster", &format!("name: {os}").replace('.', "-"))
            .replace("10.0.1.10:6443", "10.20.0.5:6443");
        fs::write(d.join(&file), own).unwrap();
        let v = kubeprint(d, &["validate", "-c", &file, "--strict"]);
        assert!(v.status.success(), "{os}: {}", stderr(&v));
        let r = kubeprint(
            d,
            &[
                "render",
                "-c",
                &file,
                "-s",
                &format!("{os}-secrets.yaml"),
                "-o",
                &format!("{os}-out"),
            ],
        );
        assert!(r.status.success(), "{os}: {}", stderr(&r));
    }
    let before = fs::read(d.join("ubuntu-24.04.yaml")).unwrap();
    let again = kubeprint(d, &["init", "-o", "ubuntu-24.04.yaml"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    assert_eq!(fs::read(d.join("ubuntu-24.04.yaml")).unwrap(), before);
    let forced = kubeprint(
        d,
        &[
            "init",
            "-o",
            "ubuntu-24.04.yaml",
            "--force",
            "--version",
            "1.35.2",
        ],
    );
    assert!(forced.status.success(), "{}", stderr(&forced));
    assert!(
        fs::read_to_string(d.join("ubuntu-24.04.yaml"))
            .unwrap()
            .contains("version: \"1.35.2\"")
    );
    // A starter that would not validate is not written.
    let bad = kubeprint(
        d,
        &[
            "init",
            "-o",
            "old.yaml",
            "--os",
            "debian-13",
            "--version",
            "1.30.2",
        ],
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(!d.join("old.yaml").exists());
}

#[test]
fn quiet_keeps_only_errors_and_colour_needs_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    project(d);
    let o = kubeprint(d, &["render", "-q", "-s", "secrets.yaml", "-o", "out"]);
    assert!(o.status.success());
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
    fs::write(d.join("empty.yaml"), "").unwrap();
    let o = kubeprint(d, &["validate", "--quiet", "-c", "empty.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("error: missing required key `name`"));
    // Piped: no escape codes.
    assert!(!stderr(&o).contains('\u{1b}'));
    // On a terminal (util-linux `script` gives one), coloured unless NO_COLOR.
    if !common::require_tool("script") {
        return;
    }
    let bin = env!("CARGO_BIN_EXE_kubeprint");
    let on_tty = |no_color: bool| {
        let mut c = std::process::Command::new("script");
        c.args([
            "-qec",
            &format!("{bin} validate -c empty.yaml"),
            "/dev/null",
        ])
        .current_dir(d)
        .env_remove("NO_COLOR");
        if no_color {
            c.env("NO_COLOR", "1");
        }
        String::from_utf8_lossy(&c.output().unwrap().stdout).into_owned()
    };
    assert!(
        on_tty(false).contains("\u{1b}[1;31merror:\u{1b}[0m"),
        "{:?}",
        on_tty(false)
    );
    assert!(!on_tty(true).contains('\u{1b}'));
}
