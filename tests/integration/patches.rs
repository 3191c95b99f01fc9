//! Patch releases: the newest patch the matrix knows per minor, as `versions` shows it,
//! as `init` writes it, and the warning for a newer one; and CRI-O pinned to an exact
//! version.

use std::fs;

use crate::common::{self, kubeprint};

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// `1.Y` -> the newest patch `versions --format json` gives for it (`None`: unknown).
fn newest(minor: u32) -> Option<String> {
    let r = common::releases().into_iter().find(|r| r.minor == minor)?;
    r.row["newest_patch"]["version"]
        .as_str()
        .map(str::to_string)
}

#[test]
fn versions_names_each_minors_newest_patch_with_its_source_and_date() {
    let releases = common::releases();
    let mut known = 0;
    for r in &releases {
        let p = &r.row["newest_patch"];
        if p.is_null() {
            continue;
        }
        known += 1;
        let version = p["version"].as_str().unwrap();
        let patch = version
            .strip_prefix(&format!("1.{}.", r.minor))
            .unwrap_or_else(|| panic!("1.{}: {version}", r.minor));
        assert!(
            patch.parse::<u32>().unwrap() > 0,
            "1.{}: {version}",
            r.minor
        );
        assert!(!p["source"].as_str().unwrap().is_empty(), "1.{}", r.minor);
        assert_eq!(p["as_of"].as_str().unwrap().len(), 10, "1.{}", r.minor);
        // Only an end-of-life minor has a final patch.
        if p["is_final"] == true {
            assert_eq!(r.row["end_of_life_reached"], true, "1.{}", r.minor);
        }
    }
    assert!(known >= releases.len() - 2, "{known} of {}", releases.len());
    // The oldest row's final patch is upstream's (kubernetes/website eol.yaml).
    assert_eq!(releases[0].row["newest_patch"]["version"], "1.21.14");
    assert_eq!(releases[0].row["newest_patch"]["is_final"], true);

    let o = kubeprint(&common::root(), &["versions"]);
    let table = String::from_utf8(o.stdout).unwrap();
    assert!(table.contains("newest patch"), "{table}");
    for r in &releases {
        let line = table
            .lines()
            .find(|l| l.starts_with(&format!("1.{} ", r.minor)))
            .unwrap();
        match r.row["newest_patch"]["version"].as_str() {
            Some(v) => assert!(line.contains(&format!(" {v} ")), "{line}"),
            None => assert!(line.contains(" unknown "), "{line}"),
        }
    }
}

/// The `version:` line `init` writes with `args`.
fn init_version(args: &[&str]) -> Result<String, String> {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec!["init", "-o", "-"];
    all.extend_from_slice(args);
    let o = kubeprint(dir.path(), &all);
    if !o.status.success() {
        return Err(stderr(&o));
    }
    let text = String::from_utf8(o.stdout).unwrap();
    let line = text.lines().find(|l| l.starts_with("  version:")).unwrap();
    Ok(line.split('"').nth(1).unwrap().to_string())
}

#[test]
fn init_writes_the_newest_known_patch_never_x_y_0() {
    let default = init_version(&[]).unwrap();
    let minor: u32 = default.split('.').nth(1).unwrap().parse().unwrap();
    assert_eq!(Some(&default), newest(minor).as_ref());
    assert!(!default.ends_with(".0"), "{default}");

    // A minor alone gets its newest known patch; a full version is written as given.
    assert_eq!(
        init_version(&["--version", "1.33"]).unwrap(),
        newest(33).unwrap()
    );
    assert_eq!(init_version(&["--version", "1.30"]).unwrap(), "1.30.14");
    assert_eq!(init_version(&["--version", "1.35.1"]).unwrap(), "1.35.1");

    // An end-of-life minor whose final patch no list names gets the newest release
    // known, not a claim that it is final.
    assert_eq!(init_version(&["--version", "1.32"]).unwrap(), "1.32.13");
    let e = init_version(&["--version", "1.99"]).unwrap_err();
    assert!(e.contains("unsupported Kubernetes release `1.99`"), "{e}");
}

/// `validate` (and `render`, which checks the same way) of a definition at `version`.
fn validate(version: &str) -> (bool, String) {
    let text = format!(
        "name: lab\nos: ubuntu-24.04\nkubernetes:\n  version: \"{version}\"\n  endpoint: 10.0.7.10:6443\n"
    );
    let o = common::validate_definition(&text);
    (o.status.success(), stderr(&o))
}

#[test]
fn a_patch_above_the_newest_known_is_a_warning_naming_step_05() {
    let known = newest(36).unwrap();
    let patch: u32 = known.rsplit('.').next().unwrap().parse().unwrap();
    let above = format!("1.36.{}", patch + 1);
    let (ok, e) = validate(&above);
    assert!(ok, "a warning, not an error: {e}");
    assert!(
        e.contains(&format!(
            "warning: Kubernetes {above} is newer than {known}, the newest 1.36 patch kubeprint knows"
        )),
        "{e}"
    );
    assert!(e.contains("(`kubernetes.version`)"), "{e}");
    assert!(e.contains("fails at step 05 (kube-packages"), "{e}");
    assert!(e.contains(&format!("use `{known}`")), "{e}");

    // The known patch and older ones are fine.
    for v in [known.clone(), format!("1.36.{}", patch - 1)] {
        let (ok, e) = validate(&v);
        assert!(ok && !e.contains("is newer than"), "{v}: {e}");
    }

    // Above a final patch: that release does not exist.
    let (_, e) = validate("1.31.15");
    assert!(
        e.contains("1.31.15 is newer than 1.31.14, the final 1.31 patch release"),
        "{e}"
    );
    assert!(e.contains("would fail at step 05"), "{e}");

    // Above a newest-known patch of an end-of-life minor: a warning naming its source.
    let (ok, e) = validate("1.32.14");
    assert!(ok, "{e}");
    assert!(
        e.contains("1.32.14 is newer than 1.32.13, the newest 1.32 patch kubeprint knows (kubernetes/minikube"),
        "{e}"
    );
}

#[test]
fn render_shows_the_same_warning() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = "name: lab\nos: ubuntu-24.04\nkubernetes:\n  version: \"1.36.99\"\n  endpoint: 10.0.7.10:6443\n";
    fs::write(d.join("cluster.yaml"), text).unwrap();
    let o = kubeprint(
        d,
        &[
            "secrets",
            "generate",
            "-c",
            "cluster.yaml",
            "-o",
            "secrets.yaml",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = kubeprint(
        d,
        &[
            "render",
            "-c",
            "cluster.yaml",
            "-s",
            "secrets.yaml",
            "-o",
            "out",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("Kubernetes 1.36.99 is newer than"),
        "{}",
        stderr(&o)
    );
}

fn with_crio(version: &str, crio: &str) -> String {
    format!(
        "name: lab\nos: ubuntu-24.04\nkubernetes:\n  version: \"{version}\"\n  endpoint: 10.0.7.10:6443\nruntime:\n  crio_version: {crio}\n"
    )
}

/// The `apt_get install` line of the CRI-O step for a definition.
fn crio_install_line(text: &str) -> String {
    let artifacts = common::render_text(text, "crio-pin");
    let step = common::text(&artifacts, "worker/steps/04-cri-o.sh");
    assert!(step.contains("apt-mark hold cri-o"), "{step}");
    step.lines()
        .find(|l| l.starts_with("apt_get install -y "))
        .unwrap()
        .to_string()
}

#[test]
fn crio_can_be_pinned_to_a_release_or_a_package_version() {
    // The stream (the default): whatever patch the repository has newest.
    let plain = "name: lab\nos: ubuntu-24.04\nkubernetes:\n  version: \"1.36.4\"\n  endpoint: 10.0.7.10:6443\n";
    assert_eq!(crio_install_line(plain), "apt_get install -y cri-o");
    assert_eq!(
        crio_install_line(&with_crio("1.36.4", "\"1.36\"")),
        "apt_get install -y cri-o"
    );
    // One release, whatever packaging revision the repository built of it.
    assert_eq!(
        crio_install_line(&with_crio("1.36.4", "1.36.2")),
        "apt_get install -y 'cri-o=1.36.2-*'"
    );
    // Exactly the package version the repository lists.
    assert_eq!(
        crio_install_line(&with_crio("1.36.4", "1.36.6-3.1")),
        "apt_get install -y 'cri-o=1.36.6-3.1'"
    );
    // The manifest records what was pinned.
    let artifacts = common::render_text(&with_crio("1.36.4", "1.36.2"), "crio-pin");
    let manifest: serde_json::Value =
        serde_json::from_str(&common::text(&artifacts, "manifest.json")).unwrap();
    assert_eq!(
        manifest["inputs"]["crio_version"], "1.36.2",
        "{}",
        manifest["inputs"]
    );

    // Kubic's own spelling is the user's to give; its package versions are not known.
    let kubic = "name: lab\nos: ubuntu-20.04\nkubernetes:\n  version: \"1.27.16\"\n  endpoint: 10.0.7.10:6443\nruntime:\n  crio_version: 1.27.3-1.1\n";
    let line = crio_install_line(kubic);
    assert_eq!(line, "apt_get install -y 'cri-o=1.27.3-1.1' cri-o-runc");
}

fn crio_error(version: &str, crio: &str) -> String {
    let (cluster, report) =
        kubeprint::load_cluster(&with_crio(version, crio), "cluster.yaml", false);
    assert!(cluster.is_none(), "{crio} was accepted");
    report.to_string()
}

#[test]
fn a_crio_pin_has_a_known_shape_and_the_kubernetes_minor() {
    for bad in [
        "1.36.x",
        "1.36.2-",
        "v1.36.2",
        "1.36.2.1",
        "1.36.2-1/1",
        "\"\"",
    ] {
        let e = crio_error("1.36.4", bad);
        assert!(e.contains("is not a CRI-O version"), "{bad}: {e}");
        assert!(e.contains("`runtime.crio_version`"), "{bad}: {e}");
        assert!(e.contains("like `1.36.4-1.1`"), "{bad}: {e}");
    }
    for other in ["1.35.2", "1.35.2-1.1", "\"1.35\""] {
        let e = crio_error("1.36.4", other);
        assert!(
            e.contains("does not match Kubernetes 1.36.4"),
            "{other}: {e}"
        );
        assert!(e.contains("set `crio_version: \"1.36\"`"), "{other}: {e}");
    }
    let e = crio_error("1.27.16", "1.27.3");
    assert!(e.contains("comes from openSUSE Kubic"), "{e}");
}
