//! The command line as users' habits expect it: `./cluster.yaml` without `-c`, one
//! meaning per flag (`-o` a path, `--format` a report format), placeholders and
//! messages in the user's terms.

use std::fs;
use std::path::Path;
use std::process::Output;

use crate::common::{self, kubeprint};

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Every file under `dir`, relative, with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = common::walk(dir)
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(dir).unwrap().display().to_string();
            (rel, fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

/// A file's text under the project root.
fn example(name: &str) -> String {
    fs::read_to_string(common::root().join("examples").join(name)).unwrap()
}

#[test]
fn without_dash_c_the_cluster_yaml_here_is_read_and_said() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fs::write(d.join("cluster.yaml"), example("ubuntu-24.04-1.36-calico.yaml")).unwrap();
    let o = kubeprint(d, &["explain", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let name = example("ubuntu-24.04-1.36-calico.yaml")
        .lines()
        .find_map(|l| l.strip_prefix("name: "))
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(json["cluster"], name.as_str(), "{json}");
    assert!(
        stderr(&o).contains("note: reading `./cluster.yaml` (no `-c` given)"),
        "{}",
        stderr(&o)
    );
    for args in [&["validate"][..], &["secrets", "generate", "-s", "s.yaml"]] {
        let o = kubeprint(d, args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("reading `./cluster.yaml`"), "{args:?}: {}", stderr(&o));
    }
    // The definition is recorded as the secrets' cluster: the one read, not the guide's.
    let secrets = fs::read_to_string(d.join("s.yaml")).unwrap();
    assert!(secrets.contains(&format!("cluster: {name}")), "{secrets}");

    // A broken ./cluster.yaml is reported, never replaced by the guide's cluster.
    fs::write(d.join("cluster.yaml"), "name: [\n").unwrap();
    let o = kubeprint(d, &["validate"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("cluster.yaml"), "{}", stderr(&o));
}

#[test]
fn without_any_definition_the_guide_cluster_is_used_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = kubeprint(d, &["render", "-o", "out"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "note: no `-c` and no `./cluster.yaml`: using the embedded guide cluster (`examples/guide-1.21.yaml`)"
        ),
        "{}",
        stderr(&o)
    );
    // Explicitly, the guide's cluster is its example file: the same tree.
    let guide = common::root().join("examples/guide-1.21.yaml");
    let o = kubeprint(
        d,
        &["render", "-c", &guide.display().to_string(), "-o", "guide"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("note: no `-c`"), "{}", stderr(&o));
    assert_eq!(files(&d.join("out")), files(&d.join("guide")));
}

#[test]
fn report_formats_are_dash_dash_format_and_output_stays_a_hidden_alias() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for args in [
        &["versions", "--format", "json"][..],
        &["versions", "--output", "json"],
        &["explain", "--format", "json"],
        &["explain", "--output", "json"],
    ] {
        let o = kubeprint(d, args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        serde_json::from_slice::<serde_json::Value>(&o.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    }
    for command in [
        &["versions"][..],
        &["explain"],
        &["verify"],
        &["diff"],
        &["secrets", "show"],
    ] {
        let help = stdout(&kubeprint(d, &[command, &["--help"]].concat()));
        assert!(help.contains("--format <FORMAT>"), "{command:?}: {help}");
        assert!(!help.contains("--output"), "{command:?} shows --output: {help}");
    }
}

#[test]
fn dash_o_json_is_never_a_format_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for args in [
        &["render", "--output", "json"][..],
        &["render", "-o", "text"],
        &["check", "--output", "json"],
    ] {
        let o = kubeprint(d, args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        let e = stderr(&o);
        assert!(e.contains("names a directory, not a report format"), "{e}");
        assert!(e.contains("`--format text|json`") && e.contains("`-o ./"), "{e}");
        assert!(fs::read_dir(d).unwrap().next().is_none(), "{args:?} wrote something");
    }
    let o = kubeprint(d, &["render", "-o", "./json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(d.join("json").is_dir());
}
