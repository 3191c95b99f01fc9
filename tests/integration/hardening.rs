//! `kubernetes.encryption_at_rest` and `kubernetes.audit_log`: what control planes get
//! (and workers never do), the API server documents decoded as the API server of every
//! supported minor decodes them, the secrets file gaining the key only when asked,
//! `verify` catching every way the flags and files can disagree, and no output showing
//! the key.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use kubeprint::Artifacts;

use crate::common;
use common::kubeprint;

const KEY: &str = "a3ViZXByaW50LXRlc3Qtb25seS1rZXktMDAwMDAwMDA=";
const OTHER_KEY: &str = "b3RoZXIta2V5LWZvci10aGUtdGVzdHMtMDAwMDAwMDA=";

fn definition(os: &str, version: &str, extra: &str) -> String {
    format!(
        "name: lab\nos: {os}\nkubernetes:\n  version: \"{version}\"\n  endpoint: api.example.internal:6443\n  encryption_at_rest: true\n  audit_log: true\n{extra}"
    )
}

fn example() -> Artifacts {
    let text = fs::read_to_string(common::root().join("examples/hardened-ubuntu-24.04-1.36.yaml"))
        .unwrap();
    common::render_text(&text, "hardened")
}

fn all(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
}

/// Every ClusterConfiguration decodes as kubeadm of its minor decodes it (the
/// `extraArgs` map up to v1beta3, the `{name, value}` list from v1beta4, `extraVolumes`
/// as HostPathMount), and every EncryptionConfiguration and audit Policy as the API
/// server does, strictly, with the flags and mounts pointing where the files are.
#[test]
fn every_minor_decodes_as_kubeadm_and_the_api_server_would() {
    let Some(python) = common::python_with_yaml() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut trees = Vec::new();
    for r in common::releases() {
        let os = if r.minor < 28 {
            "ubuntu-20.04"
        } else {
            "ubuntu-24.04"
        };
        let version = format!("1.{}.3", r.minor);
        let ha = definition(os, &version, "").replace(
            "  encryption_at_rest",
            "  control_planes: 3\n  encryption_at_rest",
        );
        for (name, text) in [("single", definition(os, &version, "")), ("ha", ha)] {
            let artifacts = common::render_text(&text, name);
            let init = common::text(&artifacts, "control-plane/bootstrap.sh");
            let list = r.field("kubeadm_api") == "kubeadm.k8s.io/v1beta4";
            assert_eq!(
                init.contains(
                    "  - name: encryption-provider-config\n    value: /etc/kubernetes/enc/enc.yaml"
                ),
                list,
                "1.{}",
                r.minor
            );
            assert_eq!(
                init.contains("    encryption-provider-config: /etc/kubernetes/enc/enc.yaml"),
                !list,
                "1.{}",
                r.minor
            );
            let path = dir.path().join(format!("1.{}-{name}", r.minor));
            common::write_tree(&artifacts, &path);
            trees.push(path.display().to_string());
        }
    }
    for tool in ["check_kubeadm.py", "check_apiserver.py"] {
        common::run_conformance(python, tool, &trees);
    }
    let selftest = std::process::Command::new(python)
        .arg(common::root().join("tests/conformance/check_apiserver.py"))
        .arg("--selftest")
        .output()
        .unwrap();
    assert!(selftest.status.success(), "{}", all(&selftest));
}

/// Control planes, first and joining, per role and per inventory node, write both files
/// before kubeadm runs; workers get neither the steps nor the key, and no bake-stage or
/// public file carries the key.
#[test]
fn only_control_planes_get_the_files_and_the_key() {
    let inventory = "nodes:\n  - {name: cp-1, role: control-plane, address: 10.0.1.11}\n  - {name: cp-2, role: control-plane, address: 10.0.1.12}\n  - {name: w-1, role: worker, address: 10.0.2.21}\n";
    let text = definition("ubuntu-24.04", "1.36.4", inventory).replace(
        "  encryption_at_rest",
        "  control_planes: 2\n  encryption_at_rest",
    );
    let artifacts = common::render_text(&text, "inventory");
    // The inventory lists every control plane: no per-role control-plane bundle.
    assert!(!artifacts.keys().any(|p| p.starts_with("control-plane")));
    for dir in ["nodes/cp-1", "nodes/cp-2"] {
        let enc = common::text(&artifacts, &format!("{dir}/steps/07-encryption-config.sh"));
        assert!(
            enc.contains("write_file /etc/kubernetes/enc/enc.yaml 0600 keep <<'KUBEPRINT_EOF'")
                && enc.contains(&format!("        secret: {KEY}\n")),
            "{dir}"
        );
        let step = &artifacts[&format!("{dir}/steps/07-encryption-config.sh")];
        assert!(step.secret && step.mode == 0o700, "{dir}");
        let audit = common::text(&artifacts, &format!("{dir}/steps/08-audit-policy.sh"));
        assert!(audit.contains("write_file /etc/kubernetes/audit-policy.yaml 0600 <<"));
        assert!(audit.contains("install -d -m 0700 /var/log/kubernetes/audit"));
        let bootstrap = common::text(&artifacts, &format!("{dir}/bootstrap.sh"));
        let kubeadm = bootstrap
            .find("kubeadm init --config")
            .or(bootstrap.find("kubeadm join --config"));
        assert!(
            bootstrap.find("enc.yaml 0600 keep").unwrap() < kubeadm.unwrap(),
            "{dir}"
        );
        assert!(
            bootstrap.contains("[ -f /etc/kubernetes/enc/enc.yaml ] || die"),
            "{dir}"
        );
    }
    for (path, a) in &artifacts {
        let text = common::plain_text(path, &a.bytes);
        let worker = path.starts_with("worker/") || path.starts_with("nodes/w-1/");
        let public = !a.secret || a.stage == kubeprint::Stage::Bake;
        if worker || public {
            assert!(!text.contains(KEY), "{path} carries the key");
            assert!(!text.contains("kind: EncryptionConfiguration"), "{path}");
        }
        if worker {
            assert!(!text.contains("audit-policy.yaml"), "{path}");
        }
    }
    common::validate_tree(&artifacts);
}

/// The reviewed audit policy: metadata at most (never a request or response body),
/// RequestReceived omitted, noise dropped first, sensitive resources named.
#[test]
fn the_audit_policy_logs_metadata_only() {
    let artifacts = example();
    let step = common::text(&artifacts, "control-plane/steps/08-audit-policy.sh");
    let policy = &common::heredocs(&step)[0].body;
    let doc: serde_yaml::Value = serde_yaml::from_str(policy).unwrap();
    assert_eq!(doc["apiVersion"], "audit.k8s.io/v1");
    assert_eq!(doc["omitStages"][0], "RequestReceived");
    let rules = doc["rules"].as_sequence().unwrap();
    let levels: Vec<&str> = rules.iter().map(|r| r["level"].as_str().unwrap()).collect();
    assert_eq!(
        levels,
        ["None", "None", "None", "None", "Metadata", "Metadata"]
    );
    let catch_all = rules.last().unwrap().as_mapping().unwrap();
    assert_eq!(catch_all.len(), 1, "the last rule matches everything");
    for needle in [
        "/healthz*",
        "/livez*",
        "/readyz*",
        "/version",
        "leases",
        "events",
        "system:serviceaccount:kube-system:kube-proxy",
        "endpointslices",
        "secrets",
        "configmaps",
        "serviceaccounts/token",
        "tokenreviews",
    ] {
        assert!(policy.contains(needle), "{needle}:\n{policy}");
    }
}

/// With both options off (the default, or written out) the render is byte for byte what
/// it was before they existed.
#[test]
fn options_off_change_nothing() {
    let plain = common::render_default();
    let off = kubeprint::DEFAULT_CLUSTER.replace(
        "kubernetes:\n",
        "kubernetes:\n  encryption_at_rest: false\n  audit_log: false\n",
    );
    assert_ne!(off, kubeprint::DEFAULT_CLUSTER);
    assert_eq!(common::render_text(&off, "off"), plain);
}

/// A temp dir holding `secrets.yaml` (0600) copied from `from` and `cluster.yaml`.
fn workdir(cluster: &str, from: Option<&Path>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("cluster.yaml"), cluster).unwrap();
    if let Some(from) = from {
        let secrets = dir.path().join("secrets.yaml");
        fs::copy(from, &secrets).unwrap();
        fs::set_permissions(&secrets, fs::Permissions::from_mode(0o600)).unwrap();
    }
    dir
}

#[test]
fn the_secrets_file_gains_the_key_only_when_asked() {
    let off = definition("ubuntu-24.04", "1.36.4", "").replace("true", "false");
    let dir = workdir(&off, None);
    let d = dir.path();
    let o = kubeprint(d, &["render", "-c", "cluster.yaml"]);
    assert!(o.status.success(), "{}", all(&o));
    let first = fs::read_to_string(d.join("secrets.yaml")).unwrap();
    assert!(
        !first.contains("encryption_key"),
        "no key while the option is off"
    );
    let show = kubeprint(d, &["secrets", "show"]);
    assert!(
        all(&show).contains("encryption key: absent"),
        "{}",
        all(&show)
    );

    // Turning it on completes the file: the key is added, nothing else changes.
    fs::write(d.join("cluster.yaml"), off.replace("false", "true")).unwrap();
    let o = kubeprint(d, &["render", "-c", "cluster.yaml"]);
    assert!(o.status.success(), "{}", all(&o));
    assert!(
        all(&o).contains("added encryption_key to secrets.yaml"),
        "{}",
        all(&o)
    );
    let second = fs::read_to_string(d.join("secrets.yaml")).unwrap();
    let key_line = second
        .lines()
        .find(|l| l.starts_with("encryption_key: "))
        .unwrap();
    assert_eq!(second.replace(&format!("{key_line}\n"), ""), first);
    let key = key_line.trim_start_matches("encryption_key: ");
    assert!(!all(&o).contains(key), "render never prints the key");
    let o = kubeprint(d, &["render", "-c", "cluster.yaml"]);
    assert!(
        o.status.success() && !all(&o).contains("added"),
        "{}",
        all(&o)
    );
    assert_eq!(fs::read_to_string(d.join("secrets.yaml")).unwrap(), second);

    // `secrets show` names it by fingerprint, as `verify` does; never by value.
    // sha256 of the key's 32 bytes, which the secrets file holds as base64.
    let bytes =
        base64::engine::Engine::decode(&base64::engine::general_purpose::STANDARD, key).unwrap();
    assert_eq!(bytes.len(), 32);
    let fingerprint = format!("sha256:{}", common::sha256_hex(&bytes));
    let show = kubeprint(d, &["secrets", "show"]);
    assert!(all(&show).contains(&format!(
        "encryption key: {fingerprint} (secretbox, 32 bytes)"
    )));
    let json = kubeprint(d, &["secrets", "show", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["encryption_key_sha256"], fingerprint.as_str());
    let verify = kubeprint(d, &["verify", "out"]);
    assert!(all(&verify).contains(&fingerprint), "{}", all(&verify));
    for o in [&show, &verify] {
        assert!(!all(o).contains(key));
    }

    // `secrets generate` writes what the cluster uses: the key only with the option.
    for (cluster, with_key) in [(off.replace("false", "true"), true), (off.clone(), false)] {
        fs::write(d.join("c.yaml"), cluster).unwrap();
        let o = kubeprint(
            d,
            &[
                "secrets", "generate", "-c", "c.yaml", "-s", "gen.yaml", "--force",
            ],
        );
        assert!(o.status.success(), "{}", all(&o));
        let generated = fs::read_to_string(d.join("gen.yaml")).unwrap();
        assert_eq!(generated.contains("\nencryption_key: "), with_key);
    }
}

#[test]
fn check_needs_the_key_and_never_prints_it() {
    let text = fs::read_to_string(common::root().join("examples/hardened-ubuntu-24.04-1.36.yaml"))
        .unwrap();
    // The fixture without its key: check refuses to complete it.
    let fixture = fs::read_to_string(common::root().join(common::FIXTURE_SECRETS)).unwrap();
    let keyless: String = fixture
        .lines()
        .filter(|l| !l.starts_with("encryption_key:"))
        .map(|l| format!("{l}\n"))
        .collect();
    let dir = workdir(&text, None);
    let d = dir.path();
    fs::write(d.join("secrets.yaml"), keyless).unwrap();
    fs::set_permissions(d.join("secrets.yaml"), fs::Permissions::from_mode(0o600)).unwrap();
    let o = kubeprint(d, &["check", "-c", "cluster.yaml"]);
    assert!(!o.status.success());
    assert!(all(&o).contains("lacks encryption_key"), "{}", all(&o));

    // With the key, a tree carrying another key differs only in masked lines.
    let secrets = d.join("secrets.yaml");
    fs::write(&secrets, &fixture).unwrap();
    let o = kubeprint(d, &["render", "-c", "cluster.yaml"]);
    assert!(o.status.success(), "{}", all(&o));
    let step = d.join("out/control-plane/steps/07-encryption-config.sh");
    let edited = fs::read_to_string(&step).unwrap().replace(KEY, OTHER_KEY);
    fs::write(&step, edited).unwrap();
    let o = kubeprint(d, &["check", "-c", "cluster.yaml"]);
    let report = all(&o);
    assert!(!o.status.success(), "{report}");
    assert!(report.contains("secret: <redacted>"), "{report}");
    assert!(
        !report.contains(KEY) && !report.contains(OTHER_KEY),
        "{report}"
    );

    // --redact writes the placeholder, obviously not a key.
    let o = kubeprint(
        d,
        &["render", "-c", "cluster.yaml", "--redact", "-o", "redacted"],
    );
    assert!(o.status.success(), "{}", all(&o));
    for file in common::walk(&d.join("redacted")) {
        let text = common::plain_text(&file.display().to_string(), &fs::read(&file).unwrap());
        assert!(!text.contains(KEY), "{}", file.display());
    }
    let step =
        fs::read_to_string(d.join("redacted/control-plane/steps/07-encryption-config.sh")).unwrap();
    // A stand-in of the real key's shape (32 zero bytes), so the file still validates.
    assert!(step.contains("secret: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"));
}

/// Writes `artifacts`, with `edit` applied to the named files' text, and runs `verify`.
fn verify_edited(artifacts: &Artifacts, edits: &[(&str, &dyn Fn(String) -> String)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    common::write_tree(artifacts, &dir.path().join("out"));
    for (file, edit) in edits {
        let path = dir.path().join("out").join(file);
        fs::write(&path, edit(fs::read_to_string(&path).unwrap())).unwrap();
    }
    let o = kubeprint(
        dir.path(),
        &["verify", "out", "--at", common::FIXTURE_VALID_AT],
    );
    assert!(!o.status.success(), "verify accepted the edit");
    all(&o)
}

#[test]
fn verify_catches_flags_and_files_that_disagree() {
    let artifacts = example();
    let dir = tempfile::tempdir().unwrap();
    common::write_tree(&artifacts, &dir.path().join("out"));
    let o = kubeprint(
        dir.path(),
        &["verify", "out", "--at", common::FIXTURE_VALID_AT],
    );
    let ok = all(&o);
    assert!(o.status.success(), "{ok}");
    assert!(
        ok.contains(
            "  encryption at rest: /etc/kubernetes/enc/enc.yaml with secretbox key sha256:"
        ),
        "{ok}"
    );
    assert!(
        ok.contains("on 2 control-plane bundle(s), none on workers"),
        "{ok}"
    );
    assert!(ok.contains("  audit log: policy /etc/kubernetes/audit-policy.yaml on 2 control-plane bundle(s), events to /var/log/kubernetes/audit/audit.log"), "{ok}");

    // A worker carrying the key.
    let enc = common::text(&artifacts, "control-plane/steps/07-encryption-config.sh");
    let leak = move |s: String| s + &enc;
    let r = verify_edited(&artifacts, &[("worker/steps/07-kubeadm-join.sh", &leak)]);
    assert!(
        r.contains(
            "worker/steps/07-kubeadm-join.sh: a worker file carries the API server's encryption key"
        ),
        "{r}"
    );

    // The flag and the file at different paths.
    let moved = |s: String| {
        s.replace(
            "value: /etc/kubernetes/enc/enc.yaml",
            "value: /etc/kubernetes/enc/other.yaml",
        )
    };
    let r = verify_edited(
        &artifacts,
        &[("control-plane/steps/09-kubeadm-init.sh", &moved)],
    );
    assert!(
        r.contains(
            "but the API server reads --encryption-provider-config=/etc/kubernetes/enc/other.yaml"
        ),
        "{r}"
    );

    // Another key on the joining control plane.
    let other = |s: String| s.replace(KEY, OTHER_KEY);
    let r = verify_edited(
        &artifacts,
        &[("control-plane-join/steps/07-encryption-config.sh", &other)],
    );
    assert!(
        r.contains(
            "control-plane-join/steps/07-encryption-config.sh: holds other encryption keys than"
        ),
        "{r}"
    );

    // The file outside every mount; the log directory mounted read-only.
    let unmounted = |s: String| {
        s.replace(
            "hostPath: /etc/kubernetes/enc\n",
            "hostPath: /etc/kubernetes/encrypted\n",
        )
    };
    let r = verify_edited(
        &artifacts,
        &[("control-plane/steps/09-kubeadm-init.sh", &unmounted)],
    );
    assert!(r.contains("--encryption-provider-config=/etc/kubernetes/enc/enc.yaml lies in no apiServer.extraVolumes mount"), "{r}");
    let read_only = |s: String| s.replace("    readOnly: false\n", "    readOnly: true\n");
    let r = verify_edited(
        &artifacts,
        &[("control-plane/steps/09-kubeadm-init.sh", &read_only)],
    );
    assert!(
        r.contains(
            "--audit-log-path=/var/log/kubernetes/audit/audit.log lies in the read-only mount"
        ),
        "{r}"
    );

    // A control plane without the audit policy its API server reads.
    let dropped = |s: String| {
        s.replace(
            "write_file /etc/kubernetes/audit-policy.yaml",
            "write_file /tmp/audit-policy.yaml",
        )
    };
    let r = verify_edited(
        &artifacts,
        &[("control-plane-join/steps/08-audit-policy.sh", &dropped)],
    );
    assert!(r.contains("writes an audit policy to /tmp/audit-policy.yaml, but the API server reads --audit-policy-file=/etc/kubernetes/audit-policy.yaml"), "{r}");
}

#[test]
fn explain_says_what_the_api_servers_do() {
    let dir = workdir(
        &fs::read_to_string(common::root().join("examples/hardened-ubuntu-24.04-1.36.yaml"))
            .unwrap(),
        None,
    );
    let o = kubeprint(dir.path(), &["explain", "-c", "cluster.yaml"]);
    let text = all(&o);
    assert!(o.status.success(), "{text}");
    let worker = &text[text.find("\nworker/").unwrap()..];
    let control_planes = &text[..text.find("\nworker/").unwrap()];
    assert_eq!(
        control_planes
            .matches("  api server: Secrets encrypted at rest")
            .count(),
        2,
        "{text}"
    );
    assert_eq!(
        control_planes
            .matches("  api server: audit log /var/log/kubernetes/audit/audit.log")
            .count(),
        2
    );
    assert!(
        control_planes.contains("07-encryption-config  boot"),
        "{text}"
    );
    assert!(
        !worker.contains("api server") && !worker.contains("encryption"),
        "{worker}"
    );
    let o = kubeprint(
        dir.path(),
        &["explain", "-c", "cluster.yaml", "--format", "json"],
    );
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["api_server"].as_array().unwrap().len(), 2);
    assert_eq!(json["roles"][0]["steps"][6]["id"], "07-encryption-config");
    assert_eq!(json["roles"][0]["steps"][6]["secret"], true);
    let guide = common::root().join("examples/guide-1.21.yaml");
    let o = kubeprint(
        dir.path(),
        &[
            "explain",
            "-c",
            &guide.display().to_string(),
            "--format",
            "json",
        ],
    );
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(json.get("api_server").is_none(), "absent when off");
}
