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
    fs::write(
        d.join("cluster.yaml"),
        example("ubuntu-24.04-1.36-calico.yaml"),
    )
    .unwrap();
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
        assert!(
            stderr(&o).contains("reading `./cluster.yaml`"),
            "{args:?}: {}",
            stderr(&o)
        );
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
        assert!(
            !help.contains("--output"),
            "{command:?} shows --output: {help}"
        );
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
        assert!(
            e.contains("`--format text|json`") && e.contains("`-o ./"),
            "{e}"
        );
        assert!(
            fs::read_dir(d).unwrap().next().is_none(),
            "{args:?} wrote something"
        );
    }
    let o = kubeprint(d, &["render", "-o", "./json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(d.join("json").is_dir());
}

/// `validate` of the starter `init` writes with `edit` applied: its stderr and success.
fn validate_edited(edit: impl Fn(&str) -> String) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = kubeprint(d, &["init", "-o", "starter.yaml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let starter = fs::read_to_string(d.join("starter.yaml")).unwrap();
    fs::write(d.join("cluster.yaml"), edit(&starter)).unwrap();
    let o = kubeprint(d, &["validate", "-c", "cluster.yaml"]);
    (o.status.success(), stderr(&o))
}

/// The starter with `line` added after `kubernetes.token_ttl`.
fn with_kubernetes_key(line: &'static str) -> impl Fn(&str) -> String {
    move |starter: &str| {
        let (head, tail) = starter.split_once("  token_ttl:").unwrap();
        format!("{head}  {line}\n  token_ttl:{tail}")
    }
}

#[test]
fn wrong_types_are_said_in_yaml_terms_and_quotes_are_named() {
    let (ok, e) = validate_edited(with_kubernetes_key("control_planes: -1"));
    assert!(!ok);
    assert!(!e.contains("u32"), "{e}");
    assert!(e.contains("expected a whole number, 0 or more"), "{e}");

    let (ok, e) = validate_edited(with_kubernetes_key("control_planes: \"3\""));
    assert!(!ok && !e.contains("u32"), "{e}");
    assert!(e.contains("help: remove the quotes: write `3`"), "{e}");

    let (ok, e) = validate_edited(with_kubernetes_key("encryption_at_rest: \"true\""));
    assert!(!ok, "{e}");
    assert!(e.contains("help: remove the quotes: write `true`"), "{e}");
    assert!(!e.contains("YAML 1.2"), "{e}");

    // `yes` is what YAML 1.1 readers take for true: that hint stays.
    let (ok, e) = validate_edited(with_kubernetes_key("encryption_at_rest: yes"));
    assert!(!ok && e.contains("YAML 1.2"), "{e}");
}

#[test]
fn syntax_errors_point_at_the_duplicate_and_name_the_tab() {
    let (ok, e) = validate_edited(|s| {
        s.replace(
            "  token_ttl: 24h",
            "  token_ttl: 24h\n  pod_subnet: 10.0.0.0/16",
        )
    });
    assert!(!ok);
    let starter_line =
        |s: &str, prefix: &str| s.lines().position(|l| l.starts_with(prefix)).unwrap() + 1;
    let dir = tempfile::tempdir().unwrap();
    let o = kubeprint(dir.path(), &["init", "-o", "-"]);
    let starter = stdout(&o);
    let first = starter_line(&starter, "  pod_subnet:");
    let second = starter_line(&starter, "  token_ttl:") + 1;
    assert!(e.contains("error: duplicate key `pod_subnet`"), "{e}");
    assert!(e.contains(&format!("cluster.yaml:{second}:3")), "{e}");
    assert!(e.contains(&format!("first set at line {first}")), "{e}");

    let (ok, e) = validate_edited(|s| s.replace("  pod_subnet:", "\tpod_subnet:"));
    assert!(!ok);
    assert!(e.contains("error: a tab in indentation"), "{e}");
    assert!(e.contains("replace the tab with spaces"), "{e}");
}

#[test]
fn a_misspelt_value_of_a_closed_set_gets_a_did_you_mean() {
    for (from, to, expect) in [
        ("plugin: calico", "plugin: calcio", "did you mean `calico`?"),
        (
            "os: ubuntu-24.04",
            "os: ubuntu-24.4",
            "did you mean `ubuntu-24.04`?",
        ),
        (
            "# delivery:",
            "delivery:\n  mode: inlne\n#",
            "did you mean `inline`?",
        ),
    ] {
        let (ok, e) = validate_edited(|s| s.replace(from, to));
        assert!(!ok, "{to}");
        assert!(
            e.contains(expect) && e.contains("choose one of:"),
            "{to}: {e}"
        );
    }
}

#[test]
fn the_starters_examples_left_in_place_are_warnings_and_its_help_lists_the_values() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = kubeprint(d, &["init"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("then `kubeprint render`"),
        "./cluster.yaml needs no -c: {}",
        stderr(&o)
    );
    for args in [&["validate"][..], &["render"]] {
        let o = kubeprint(d, args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        let e = stderr(&o);
        assert!(
            e.contains(
                "warning: `name` is still `my-cluster`, the example `kubeprint init` writes"
            ),
            "{args:?}: {e}"
        );
        assert!(
            e.contains("warning: `kubernetes.endpoint` is still `10.0.1.10:6443`"),
            "{args:?}: {e}"
        );
    }
    let help = stdout(&kubeprint(d, &["init", "--help"]));
    for value in ["ubuntu-24.04", "debian-13", "calico", "flannel", "CRI-O"] {
        assert!(help.contains(value), "init --help lacks {value}: {help}");
    }
    assert_eq!(
        kubeprint(d, &["init", "--os", "ubuntu-18.04", "-o", "x"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn a_kube_vip_arp_vip_inside_an_aws_vpc_is_an_error_that_points_to_a_load_balancer() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let vip = example("vip-ubuntu-24.04-1.36.yaml");
    fs::write(d.join("vip.yaml"), &vip).unwrap();
    let o = kubeprint(d, &["validate", "-c", "vip.yaml"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let in_aws = format!("{vip}delivery:\n  mode: aws-secrets-manager\n  region: eu-west-1\n");
    fs::write(d.join("aws.yaml"), in_aws).unwrap();
    let o = kubeprint(d, &["validate", "-c", "aws.yaml"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("cannot work inside an AWS VPC"), "{e}");
    assert!(e.contains("(`kubernetes.vip`)"), "{e}");
    assert!(
        e.contains("internal Network Load Balancer") && e.contains("layer-2"),
        "{e}"
    );
}

#[test]
fn explain_lists_the_ports_of_the_cluster_at_hand_and_nodes_as_objects() {
    let explain = |file: &str| {
        let path = common::root().join("examples").join(file);
        let o = kubeprint(
            &common::root(),
            &["explain", "-c", &path.display().to_string()],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    let calico = explain("ubuntu-24.04-1.36-calico.yaml");
    for line in [
        "control planes  tcp 6443",
        "control planes  tcp 2379-2380    from other control planes",
        "every node      tcp 10250        from control planes",
        "tcp 10257",
        "tcp 10259",
        "every node      tcp 179          from every node: Calico BGP",
        "every node      ip protocol 4",
    ] {
        assert!(calico.contains(line), "calico lacks {line:?}:\n{calico}");
    }
    assert!(!calico.contains("udp 8472"), "{calico}");
    let flannel = explain("debian-13-1.36-flannel.yaml");
    assert!(flannel.contains("every node      udp 8472"), "{flannel}");
    assert!(!flannel.contains("tcp 179"), "{flannel}");
    let canal = explain("ubuntu-22.04-1.28-canal.yaml");
    assert!(
        canal.contains("udp 8472") && !canal.contains("ip protocol 4"),
        "{canal}"
    );

    let inventory = common::root().join("examples/inventory-debian-12-1.36.yaml");
    let o = kubeprint(
        &common::root(),
        &[
            "explain",
            "-c",
            &inventory.display().to_string(),
            "--format",
            "json",
        ],
    );
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let node = &json["nodes"][0];
    assert!(
        node["name"].is_string() && node["role"].is_string() && node["address"].is_string(),
        "{json}"
    );
    assert!(
        json["ports"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["ports"] == "2379-2380" && p["on"] == "control planes"),
        "{json}"
    );
}

#[test]
fn man_writes_one_page_per_command_and_replaces_none() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = kubeprint(d, &["man", "-o", "pages"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = |name: &str| fs::read_to_string(d.join("pages").join(name)).unwrap();
    assert!(page("kubeprint.1").contains(".TH kubeprint 1"));
    let render = page("kubeprint-render.1");
    assert!(
        render.contains("redact") && render.contains("strict"),
        "{render}"
    );
    let show = page("kubeprint-secrets-show.1");
    assert!(show.contains("format"), "{show}");
    for name in [
        "kubeprint-init.1",
        "kubeprint-secrets-rotate-token.1",
        "kubeprint-diff.1",
    ] {
        assert!(d.join("pages").join(name).exists(), "{name}");
    }
    // A page already there (perhaps edited) is left alone, and nothing else is written.
    fs::write(d.join("pages/kubeprint-render.1"), "mine").unwrap();
    fs::remove_file(d.join("pages/kubeprint-diff.1")).unwrap();
    let o = kubeprint(d, &["man", "-o", "pages"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
    assert_eq!(page("kubeprint-render.1"), "mine");
    assert!(!d.join("pages/kubeprint-diff.1").exists());
}

#[test]
fn diff_shows_what_changed_inside_public_text_files_and_never_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = example("ubuntu-24.04-1.36-calico.yaml");
    fs::write(d.join("a.yaml"), &text).unwrap();
    fs::write(d.join("b.yaml"), text.replace("1.36.4", "1.36.3")).unwrap();
    for (file, out) in [("a.yaml", "a"), ("b.yaml", "b")] {
        let o = kubeprint(d, &["render", "-c", file, "-o", out]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let o = kubeprint(d, &["diff", "a", "b"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let report = stdout(&o);
    // A public bake script: its changed pin, as a unified diff under the file.
    assert!(report.contains("    @@ "), "{report}");
    assert!(
        report
            .lines()
            .any(|l| l.starts_with("    -") && l.contains("1.36.4"))
            && report
                .lines()
                .any(|l| l.starts_with("    +") && l.contains("1.36.3")),
        "{report}"
    );
    // A bundle with the token and keys: named, its content withheld.
    assert!(
        report.contains("(secret or unlisted: content not shown)"),
        "{report}"
    );
    let secrets = fs::read_to_string(d.join("secrets.yaml")).unwrap();
    let token = secrets
        .lines()
        .find_map(|l| l.strip_prefix("bootstrap_token: "))
        .unwrap()
        .trim();
    assert!(!report.contains(token), "the token leaked");
    assert!(!report.contains("PRIVATE KEY-----\n    +MII"), "{report}");
}
