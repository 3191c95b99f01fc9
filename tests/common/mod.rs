//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use kubeprint::Artifacts;
use kubeprint::CheckedSecrets;
use sha2::{Digest, Sha256};

/// The name a role bundle's kubeadm configuration carries until the step that writes it
/// puts the node's hostname in its place at boot.
pub const NODE_NAME_PLACEHOLDER: &str = "KUBEPRINT_NODE_NAME";

pub const FIXTURE_SECRETS: &str = "tests/fixtures/test-only-secrets.yaml";

/// A moment inside every fixture certificate's validity (its admin certificates end
/// 2027-11-26, its CAs 2036-11-23): `verify --at` it, so a tree rendered from the
/// fixture verifies the same on any day the suite runs.
pub const FIXTURE_VALID_AT: &str = "2027-01-01";

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The fixed, test-only secrets every snapshot is rendered with.
pub fn fixture_secrets() -> CheckedSecrets {
    let text = std::fs::read_to_string(root().join(FIXTURE_SECRETS)).expect("fixture exists");
    kubeprint::parse_secrets(&text, FIXTURE_SECRETS).expect("fixture is valid")
}

/// The fixture secrets file as the YAML a user sees, for tests that need its key text.
pub fn fixture_secrets_yaml() -> serde_yaml::Value {
    let text = std::fs::read_to_string(root().join(FIXTURE_SECRETS)).expect("fixture exists");
    serde_yaml::from_str(&text).expect("fixture parses")
}

/// EC2's limit on user-data before base64 encoding, in bytes
/// (docs.aws.amazon.com/AWSEC2/latest/UserGuide/user-data.html, "User data limits"),
/// stated here independently of the renderer's own constant.
pub const USER_DATA_LIMIT: usize = 16 * 1024;

/// Lower-case hex SHA-256 of `bytes`, as `sha256sum` prints it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Renders a definition (text) with the fixture secrets; panics with the report on error.
pub fn render_text(text: &str, name: &str) -> Artifacts {
    let (cluster, report) = kubeprint::load_cluster(text, name, false);
    let cluster = cluster.unwrap_or_else(|| panic!("{name} is invalid:\n{report}"));
    kubeprint::render_cluster(&cluster, &fixture_secrets()).expect("renders")
}

/// [`render_text`] with the fixture's secrets redacted, as `render --redact` writes.
pub fn render_text_redacted(text: &str, name: &str) -> Artifacts {
    let (cluster, report) = kubeprint::load_cluster(text, name, false);
    let cluster = cluster.unwrap_or_else(|| panic!("{name} is invalid:\n{report}"));
    kubeprint::render_cluster(&cluster, &fixture_secrets().redacted()).expect("renders")
}

pub fn render_default_redacted() -> Artifacts {
    render_text_redacted(kubeprint::DEFAULT_CLUSTER, "default")
}

pub fn render_default() -> Artifacts {
    render_text(kubeprint::DEFAULT_CLUSTER, "default")
}

pub fn text(artifacts: &Artifacts, path: &str) -> String {
    let a = artifacts
        .get(path)
        .unwrap_or_else(|| panic!("{path} was not rendered"));
    String::from_utf8(a.bytes.clone()).expect("utf-8")
}

/// The Packer template with the padding that aligns its `=` taken out, so a test can look
/// for `key = value` however long the neighbouring keys are.
pub fn packer_unaligned(artifacts: &Artifacts) -> String {
    text(artifacts, "packer/kubeprint.pkr.hcl")
        .lines()
        .map(|line| match line.split_once(" = ") {
            Some((key, value)) => format!("{} = {value}\n", key.trim_end()),
            None => format!("{line}\n"),
        })
        .collect()
}

/// Whether an external validator is on PATH. Under CI (`CI` set) a missing tool is a
/// failure; locally the test prints a skip notice and passes.
pub fn require_tool(tool: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !found {
        if std::env::var_os("CI").is_some() {
            panic!("`{tool}` is required when CI is set (.ci/run installs it)");
        }
        eprintln!("SKIP: `{tool}` not found; install it to run this check (required under CI)");
    }
    found
}

/// Writes artifacts to `dir` (absent or empty) as `render -o` does, modes included.
pub fn write_tree(artifacts: &Artifacts, dir: &Path) {
    kubeprint::write_tree(artifacts, dir).expect("the tree is written");
}

/// Runs `bash -n`, `shellcheck -S warning` and `cloud-init schema` on a rendered tree,
/// and reads every YAML document a node reads back under YAML 1.1 and YAML 1.2.
pub fn validate_tree(artifacts: &Artifacts) {
    assert_yaml_reads_alike(&node_yaml(artifacts, None));
    let dir = tempfile::tempdir().unwrap();
    write_tree(artifacts, dir.path());
    // Identical scripts (inventory nodes share most steps with the role bundles) need
    // checking once: shellcheck is the slow part of the suite.
    let mut seen = std::collections::BTreeSet::new();
    let scripts: Vec<String> = artifacts
        .iter()
        .filter(|(p, a)| p.ends_with(".sh") && seen.insert(a.bytes.clone()))
        .map(|(p, _)| dir.path().join(p).display().to_string())
        .collect();
    let user_data: Vec<String> = artifacts
        .keys()
        .filter(|p| {
            p.rsplit('/')
                .next()
                .is_some_and(|f| f.starts_with("user-data") && f.ends_with(".yaml"))
        })
        .map(|p| dir.path().join(p).display().to_string())
        .collect();
    assert!(!scripts.is_empty() && !user_data.is_empty());

    for script in &scripts {
        run_ok("bash", &["-n", script], dir.path());
    }
    if require_tool("shellcheck") {
        let mut args = vec!["-S", "warning"];
        args.extend(scripts.iter().map(String::as_str));
        run_ok("shellcheck", &args, dir.path());
    }
    if require_tool("cloud-init") {
        // About a second each: run them side by side.
        let children: Vec<_> = user_data
            .iter()
            .map(|file| {
                let child = Command::new("cloud-init")
                    .args(["schema", "--config-file", file])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .expect("cloud-init runs");
                (file, child)
            })
            .collect();
        for (file, child) in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "`cloud-init schema --config-file {file}` failed:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

pub fn run_ok(tool: &str, args: &[&str], dir: &Path) {
    let out = Command::new(tool)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("tool runs");
    assert!(
        out.status.success(),
        "`{tool} {}` failed:\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A file's text, decompressing gzip twins.
pub fn plain_text(path: &str, bytes: &[u8]) -> String {
    if path.ends_with(".gz") {
        let mut out = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(bytes), &mut out)
            .expect("gzip");
        out
    } else {
        String::from_utf8_lossy(bytes).into_owned()
    }
}

/// Permission bits of a file.
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("file exists")
        .permissions()
        .mode()
        & 0o777
}

/// Every file below `dir`.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("directory exists") {
        let path = entry.expect("readable entry").path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// Runs the kubeprint binary in `dir`.
pub fn kubeprint(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kubeprint"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("kubeprint runs")
}

/// The fixture secrets (which record no cluster) at `dir/name`, mode 0600 as kubeprint
/// requires of a secrets file.
pub fn fixture_secrets_at(dir: &Path, name: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::copy(root().join(FIXTURE_SECRETS), &path).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// `kubeprint validate -c cluster.yaml` of the definition `text`, in a fresh directory.
pub fn validate_definition(text: &str) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cluster.yaml"), text).unwrap();
    kubeprint(dir.path(), &["validate", "-c", "cluster.yaml"])
}

/// A Python 3 that has PyYAML (a YAML 1.1 reader): the one on PATH, else Debian's (whose
/// `python3-yaml` package `.ci/run` installs). Under CI a missing one is a failure.
pub fn python_with_yaml() -> Option<&'static str> {
    let found = ["python3", "/usr/bin/python3"].into_iter().find(|python| {
        Command::new(python)
            .args(["-c", "import yaml"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        if std::env::var_os("CI").is_some() {
            panic!(
                "a python3 with PyYAML is required when CI is set (.ci/run installs python3-yaml)"
            );
        }
        eprintln!("SKIP: no python3 with PyYAML found (Debian: python3-yaml)");
    }
    found
}

/// Every YAML document a node (or kubectl) reads, named for messages: the cloud-config
/// user-data, `admin.conf`, and the kubeadm configuration and static pods each step
/// writes. With `hostname`, the role bundles' node-name placeholder is replaced by it,
/// as the step does at boot.
pub fn node_yaml(artifacts: &Artifacts, hostname: Option<&str>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, a) in artifacts.iter().filter(|(p, _)| !p.ends_with(".gz")) {
        let file = path.rsplit('/').next().unwrap_or(path);
        let text = String::from_utf8(a.bytes.clone()).expect("utf-8");
        if (file.starts_with("user-data") && file.ends_with(".yaml")) || file == "admin.conf" {
            out.push((path.clone(), text));
        } else if path.contains("steps/") && file.ends_with(".sh") {
            for (i, doc) in heredocs(&text).into_iter().enumerate() {
                // kubeadm's configuration, the API server's files, and static pods
                // (kube-vip) the kubelet reads.
                let node_reads = [
                    "kubeadm.k8s.io/",
                    "apiserver.config.k8s.io/",
                    "audit.k8s.io/",
                ];
                if node_reads
                    .iter()
                    .any(|api| doc.body.contains(&format!("apiVersion: {api}")))
                    || doc.opener.contains("/etc/kubernetes/manifests/")
                {
                    let body = match hostname {
                        Some(h) => doc.body.replace(NODE_NAME_PLACEHOLDER, h),
                        None => doc.body,
                    };
                    out.push((format!("{path} (here-document {i})"), body));
                }
            }
        }
    }
    assert!(!out.is_empty(), "no YAML documents found");
    out
}

/// Reads every file named on the command line with PyYAML's safe loader (YAML 1.1, the
/// resolver cloud-init uses and close kin of kubeadm's go-yaml v2; libyaml's parser
/// when PyYAML has it, for speed) and prints them as JSON. Anything JSON cannot hold
/// (dates, non-string keys, NaN) is spelled as a `!`-marked string, which never equals
/// what YAML 1.2 read.
const PYYAML_TO_JSON: &str = r#"
import json, math, sys, yaml
def norm(v):
    if isinstance(v, dict):
        return {(k if isinstance(k, str) else "!key " + repr(k)): norm(x) for k, x in v.items()}
    if isinstance(v, list):
        return [norm(x) for x in v]
    if v is None or isinstance(v, (str, bool, int)):
        return v
    if isinstance(v, float) and math.isfinite(v):
        return v
    return "!" + type(v).__name__ + " " + repr(v)
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
out = []
for name in sys.argv[1:]:
    with open(name, encoding="utf-8") as f:
        out.append([norm(d) for d in yaml.load_all(f, Loader=Loader)])
json.dump(out, sys.stdout)
"#;

/// YAML 1.2's reading (serde_yaml) of one document, as JSON.
fn yaml12_json(value: &serde_yaml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    use serde_yaml::Value as Y;
    match value {
        Y::Null => J::Null,
        Y::Bool(b) => J::Bool(*b),
        Y::Number(n) => serde_json::to_value(n).expect("finite number"),
        Y::String(s) => J::String(s.clone()),
        Y::Sequence(items) => J::Array(items.iter().map(yaml12_json).collect()),
        Y::Mapping(map) => J::Object(
            map.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Y::String(s) => s.clone(),
                        other => format!("!key {other:?}"),
                    };
                    (key, yaml12_json(v))
                })
                .collect(),
        ),
        Y::Tagged(t) => J::String(format!("!tag {}", t.tag)),
    }
}

/// Reads each document with PyYAML (YAML 1.1) and with serde_yaml (YAML 1.2) and
/// asserts both read the same data: no string turned into a bool, number, date or null
/// under either. Returns each file's documents as read, or `None` when PyYAML is
/// missing outside CI.
pub fn assert_yaml_reads_alike(docs: &[(String, String)]) -> Option<Vec<Vec<serde_json::Value>>> {
    let python = python_with_yaml()?;
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<String> = docs
        .iter()
        .enumerate()
        .map(|(i, (_, text))| {
            let path = dir.path().join(format!("{i}.yaml"));
            std::fs::write(&path, text).unwrap();
            path.display().to_string()
        })
        .collect();
    let out = Command::new(python)
        .args(["-c", PYYAML_TO_JSON])
        .args(&files)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "PyYAML could not read the documents:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let yaml11: Vec<Vec<serde_json::Value>> =
        serde_json::from_slice(&out.stdout).expect("PyYAML's JSON");
    assert_eq!(yaml11.len(), docs.len());
    for ((name, text), read11) in docs.iter().zip(&yaml11) {
        let read12: Vec<serde_json::Value> = yaml_documents(text).iter().map(yaml12_json).collect();
        assert_eq!(
            read11, &read12,
            "{name} reads differently under YAML 1.1 (left) and YAML 1.2 (right):\n{text}"
        );
    }
    Some(yaml11)
}

/// Every string in a read document, keys included.
pub fn strings_in(value: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
    match value {
        serde_json::Value::String(s) => {
            out.insert(s.clone());
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| strings_in(v, out)),
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                out.insert(k.clone());
                strings_in(v, out);
            }
        }
        _ => {}
    }
}

/// [`FIXTURE_VALID_AT`] for calling `verify` directly.
pub fn fixture_valid_at() -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(1_798_761_600).unwrap()
}

/// Rendered artifacts as the tree `verify` and `diff` read back from disk.
pub fn tree(artifacts: &Artifacts) -> kubeprint::Tree {
    kubeprint::tree_of(artifacts)
}

/// A here-document a script writes: the line that opens it and its body.
pub struct Heredoc {
    pub opener: String,
    pub body: String,
}

/// Every quoted here-document (`<<'END'`) in a script, read as bash reads it: the body
/// runs to the first line that is exactly its terminator. The tests' own reader, so what
/// they check does not rest on the scanner `verify` uses.
pub fn heredocs(script: &str) -> Vec<Heredoc> {
    let mut out = Vec::new();
    let mut lines = script.lines();
    while let Some(line) = lines.next() {
        let Some((_, rest)) = line.split_once("<<'") else {
            continue;
        };
        let Some((terminator, _)) = rest.split_once('\'') else {
            continue;
        };
        let body = lines
            .by_ref()
            .take_while(|l| *l != terminator)
            .map(|l| format!("{l}\n"))
            .collect();
        out.push(Heredoc {
            opener: line.to_string(),
            body,
        });
    }
    out
}

/// Every document of a YAML stream, as serde_yaml (YAML 1.2) reads it.
pub fn yaml_documents(text: &str) -> Vec<serde_yaml::Value> {
    serde_yaml::Deserializer::from_str(text)
        .map(|d| serde::Deserialize::deserialize(d).expect("a YAML document"))
        .collect()
}

/// `sha256:<hex>` of a certificate's public key, computed with openssl as kubeadm's
/// documentation computes `--discovery-token-ca-cert-hash`
/// (kubernetes.io/docs/reference/setup-tools/kubeadm/kubeadm-join/, "Token-based discovery
/// with CA pinning"), with `pkey` where it has `rsa` so ECDSA keys work too; `None`
/// without openssl.
pub fn openssl_ca_cert_hash(certificate_pem: &str) -> Option<String> {
    if !require_tool("openssl") {
        return None;
    }
    let script = "openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -hex";
    let mut child = Command::new("sh")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("sh runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(certificate_pem.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "openssl could not read the certificate"
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let hex = text.trim().rsplit(' ').next().unwrap();
    Some(format!("sha256:{hex}"))
}

/// `kubeprint explain` of a file under the project root, as text and as JSON.
pub fn explain(file: &str) -> (String, serde_json::Value) {
    let run = |output: &str| {
        let o = kubeprint(&root(), &["explain", "-c", file, "--format", output]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).expect("utf-8")
    };
    let json = serde_json::from_str(&run("json")).expect("explain's JSON");
    (run("text"), json)
}

/// A row of the release matrix, as `kubeprint versions --format json` publishes it.
pub struct Release {
    /// `1.<minor>`'s minor.
    pub minor: u32,
    pub row: serde_json::Value,
}

impl Release {
    pub fn field(&self, name: &str) -> &str {
        self.row[name]
            .as_str()
            .unwrap_or_else(|| panic!("1.{}: `{name}` is not a string", self.minor))
    }
}

/// Every Kubernetes minor kubeprint supports, oldest first.
pub fn releases() -> Vec<Release> {
    let o = kubeprint(&root(), &["versions", "--format", "json"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).expect("versions' JSON");
    json["releases"]
        .as_array()
        .expect("a list of releases")
        .iter()
        .map(|row| {
            let minor = row["minor"].as_str().expect("a minor");
            let minor = minor
                .strip_prefix("1.")
                .expect("1.x")
                .parse()
                .expect("a number");
            Release {
                minor,
                row: row.clone(),
            }
        })
        .collect()
}

/// The fixture's bootstrap token.
pub fn fixture_token() -> String {
    fixture_field(&["bootstrap_token"])
}

/// The fixture cluster CA's certificate (PEM).
pub fn fixture_ca_certificate() -> String {
    fixture_field(&["cluster_ca", "certificate"])
}

fn fixture_field(path: &[&str]) -> String {
    let file = fixture_secrets_yaml();
    let mut at = &file;
    for key in path {
        at = &at[*key];
    }
    at.as_str().expect("a string").to_string()
}

/// Every private key a secrets file holds (PEM), wherever it sits in the file.
pub fn private_keys(secrets_file: &serde_yaml::Value) -> Vec<String> {
    fn walk(v: &serde_yaml::Value, out: &mut Vec<String>) {
        match v {
            serde_yaml::Value::Mapping(m) => {
                for (k, v) in m {
                    match (k.as_str(), v.as_str()) {
                        (Some("private_key"), Some(pem)) => out.push(pem.to_string()),
                        _ => walk(v, out),
                    }
                }
            }
            serde_yaml::Value::Sequence(s) => s.iter().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(secrets_file, &mut out);
    assert!(out.len() >= 6, "the file's keys: {}", out.len());
    out
}

/// Writes the fixture secrets file without `keys`, as an older kubeprint wrote it
/// (mode 0600, as kubeprint writes secrets).
pub fn write_secrets_without(path: &Path, keys: &[&str]) {
    use std::os::unix::fs::PermissionsExt;
    let mut file = fixture_secrets_yaml();
    let map = file.as_mapping_mut().expect("a mapping");
    for key in keys {
        map.remove(*key);
    }
    std::fs::write(path, serde_yaml::to_string(&file).unwrap()).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// Runs one of `tests/conformance/`'s checkers on rendered trees and fails on any error
/// it reports.
pub fn run_conformance(python: &str, tool: &str, trees: &[String]) {
    let out = Command::new(python)
        .arg(root().join("tests/conformance").join(tool))
        .args(trees)
        .output()
        .expect("python runs");
    let report =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{tool}:\n{report}");
    assert!(!report.contains("ERROR"), "{tool}:\n{report}");
}
