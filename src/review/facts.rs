//! Review tooling: a rendered [`Tree`] → [`Bundle`] facts (kubeadm documents, CA
//! certificates, package pins, apt repositories, CNI settings), read back from the
//! files alone, without the secrets file. `verify` checks them against each other and
//! `diff` compares them between two trees.
//!
//! A role bundle is any directory with `bootstrap.sh` and a `steps/` directory, so new
//! roles (`control-plane-join/`, `nodes/<name>/`) are found without changes here. Each
//! fact is collected from every copy of it: the step file, `bootstrap.sh`, and the
//! bootstrap embedded in `user-data.yaml`, so a hand edit to any one copy shows.

use crate::error::{Error, Result};
use serde_yaml::Value;

use crate::review::tree::Tree;

/// Terminator of the here-documents kubeprint writes (`render`).
const HEREDOC_END: &str = "KUBEPRINT_EOF";
const HEREDOC_OPEN: &str = "<<'KUBEPRINT_EOF'";
/// Where the control plane installs the cluster CA certificate.
const CA_CERT_PATH: &str = "/etc/kubernetes/pki/ca.crt";
const CNI_MANIFEST_DIR: &str = "/etc/kubeprint/cni/";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// Runs `kubeadm init` (a `kubeadm-init` step).
    Init,
    /// Runs `kubeadm join` (a `kubeadm-join` step).
    Join,
    Other,
}

impl NodeKind {
    pub fn label(self) -> &'static str {
        match self {
            NodeKind::Init => "init",
            NodeKind::Join => "join",
            NodeKind::Other => "no kubeadm step",
        }
    }
}

/// A value found in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct Found<T> {
    pub file: String,
    pub value: T,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pin {
    pub package: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    /// The `.list` file stem: `kubernetes`, `cri-o`, `libcontainers`.
    pub name: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cni {
    pub plugin: String,
    pub manifest_url: String,
    /// The text replacements the step applies to the manifest (`to=` values).
    pub rewrites: Vec<String>,
}

#[derive(Debug, Default)]
pub struct Bundle {
    pub dir: String,
    pub kind: Option<NodeKind>,
    /// `dir/steps/*.sh`, sorted.
    pub step_files: Vec<String>,
    /// Every file under `dir`.
    pub files: Vec<String>,
    /// The documents of each kubeadm configuration (one entry per copy).
    pub kubeadm: Vec<Found<Vec<Value>>>,
    /// PEM certificates written to the CA certificate path.
    pub ca_certs: Vec<Found<String>>,
    pub pins: Vec<Found<Pin>>,
    pub repos: Vec<Found<Repo>>,
    pub cni: Vec<Found<Cni>>,
    /// Files that could not be read as expected.
    pub problems: Vec<String>,
}

impl Bundle {
    pub fn kind(&self) -> NodeKind {
        self.kind.unwrap_or(NodeKind::Other)
    }

    /// The kubeadm documents of the bundle's own kubeadm step file, if any.
    pub fn step_kubeadm(&self) -> Option<&Found<Vec<Value>>> {
        self.kubeadm
            .iter()
            .find(|k| k.file.contains("/steps/") || k.file.starts_with("steps/"))
    }

    /// Joining nodes without a `controlPlane` section: they never need a private key.
    pub fn is_worker(&self) -> bool {
        self.kind() == NodeKind::Join
            && !self
                .kubeadm
                .iter()
                .flat_map(|k| &k.value)
                .any(|d| kind_of(d) == "JoinConfiguration" && !d["controlPlane"].is_null())
    }
}

/// `kind:` of a YAML document (`""` when absent).
pub fn kind_of(doc: &Value) -> &str {
    doc["kind"].as_str().unwrap_or_default()
}

/// Every role bundle in `tree`, sorted by directory.
pub fn bundles(tree: &Tree) -> Vec<Bundle> {
    let mut dirs: Vec<String> = tree
        .keys()
        .filter_map(|p| {
            let dir = if p == "bootstrap.sh" {
                ""
            } else {
                p.strip_suffix("/bootstrap.sh")?
            };
            let steps = join(dir, "steps/");
            tree.keys()
                .any(|k| k.starts_with(&steps))
                .then(|| dir.to_string())
        })
        .collect();
    dirs.sort();
    dirs.into_iter().map(|d| bundle(tree, d)).collect()
}

fn join(dir: &str, rel: &str) -> String {
    if dir.is_empty() {
        rel.to_string()
    } else {
        format!("{dir}/{rel}")
    }
}

fn bundle(tree: &Tree, dir: String) -> Bundle {
    let prefix = join(&dir, "");
    let steps_prefix = join(&dir, "steps/");
    let mut b = Bundle {
        files: tree
            .keys()
            .filter(|k| k.starts_with(&prefix))
            .cloned()
            .collect(),
        step_files: tree
            .keys()
            .filter(|k| k.starts_with(&steps_prefix) && k.ends_with(".sh"))
            .cloned()
            .collect(),
        dir,
        ..Bundle::default()
    };
    for step in &b.step_files {
        let name = step_name(step);
        let kind = if name == "kubeadm-init" {
            Some(NodeKind::Init)
        } else if name == "kubeadm-join" {
            Some(NodeKind::Join)
        } else {
            None
        };
        // A bundle that inits is an init node even if it also has a join step.
        b.kind = match (b.kind, kind) {
            (Some(NodeKind::Init), _) | (_, Some(NodeKind::Init)) => Some(NodeKind::Init),
            (k, None) => k,
            (_, k) => k,
        };
    }
    let mut sources: Vec<(String, String)> = Vec::new();
    for file in b.step_files.iter().chain([&join(&b.dir, "bootstrap.sh")]) {
        match tree.get(file).map(|f| String::from_utf8(f.bytes.clone())) {
            Some(Ok(text)) => sources.push((file.clone(), text)),
            _ => b.problems.push(format!("{file}: not UTF-8 text")),
        }
    }
    let user_data = join(&b.dir, "user-data.yaml");
    if let Some(f) = tree.get(&user_data) {
        match embedded_scripts(&f.bytes) {
            Ok(scripts) => sources.extend(scripts.into_iter().map(|s| (user_data.clone(), s))),
            Err(e) => b.problems.push(format!("{user_data}: {e}")),
        }
    }
    for (file, text) in &sources {
        scan(&mut b, file, text);
    }
    b
}

/// `worker/steps/07-kubeadm-join.sh` → `kubeadm-join`
pub fn step_name(path: &str) -> &str {
    let file = path.rsplit('/').next().unwrap_or(path);
    let stem = file.strip_suffix(".sh").unwrap_or(file);
    match stem.split_once('-') {
        Some((n, rest)) if n.chars().all(|c| c.is_ascii_digit()) => rest,
        _ => stem,
    }
}

/// `worker/steps/07-kubeadm-join.sh` → `Some(7)`
pub fn step_number(path: &str) -> Option<u32> {
    let file = path.rsplit('/').next()?;
    file.split_once('-')?.0.parse().ok()
}

/// The `content` of every `write_files` entry of a `#cloud-config` document.
fn embedded_scripts(bytes: &[u8]) -> Result<Vec<String>> {
    let doc: Value = serde_yaml::from_slice(bytes)
        .map_err(|e| Error::new(format!("not valid cloud-config YAML ({e})")))?;
    Ok(doc["write_files"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(|f| f["content"].as_str().map(str::to_string))
        .collect())
}

/// A quoted here-document: the line that opens it and its body.
pub struct Heredoc<'a> {
    pub opener: &'a str,
    pub body: String,
}

pub fn heredocs(script: &str) -> Vec<Heredoc<'_>> {
    let mut out = Vec::new();
    let mut lines = script.lines();
    while let Some(line) = lines.next() {
        if !line.contains(HEREDOC_OPEN) {
            continue;
        }
        let mut body = String::new();
        for l in lines.by_ref() {
            if l == HEREDOC_END {
                break;
            }
            body.push_str(l);
            body.push('\n');
        }
        out.push(Heredoc { opener: line, body });
    }
    out
}

/// Parses a multi-document YAML text.
pub fn yaml_documents(text: &str) -> Result<Vec<Value>> {
    serde_yaml::Deserializer::from_str(text)
        .map(|d| {
            serde::Deserialize::deserialize(d)
                .map_err(|e: serde_yaml::Error| Error::new(e.to_string()))
        })
        .collect()
}

fn scan(b: &mut Bundle, file: &str, text: &str) {
    for doc in heredocs(text) {
        if doc.opener.contains(CA_CERT_PATH) {
            b.ca_certs.push(Found {
                file: file.to_string(),
                value: doc.body.clone(),
            });
        } else if doc.body.contains("apiVersion: kubeadm.k8s.io/") {
            match yaml_documents(&doc.body) {
                Ok(docs) => b.kubeadm.push(Found {
                    file: file.to_string(),
                    value: docs,
                }),
                Err(e) => b.problems.push(format!(
                    "{file}: the kubeadm configuration is not valid YAML ({e})"
                )),
            }
        }
    }
    let mut cni: Option<Cni> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') {
            continue;
        }
        if line.contains("install") {
            for word in shlex::split(line).unwrap_or_default() {
                if let Some((package, version)) = word.split_once('=')
                    && matches!(package, "kubelet" | "kubeadm" | "kubectl")
                    && !version.is_empty()
                {
                    b.pins.push(Found {
                        file: file.to_string(),
                        value: Pin {
                            package: package.to_string(),
                            version: version.to_string(),
                        },
                    });
                }
            }
        }
        if let Some(repo) = apt_source(line) {
            b.repos.push(Found {
                file: file.to_string(),
                value: repo,
            });
        }
        // The CNI step: `manifest='/etc/kubeprint/cni/<plugin>.yaml'`, the download,
        // then `to='...'` per rewrite.
        if let Some(path) = trimmed.strip_prefix("manifest=") {
            let path = unquote(path);
            if let Some(plugin) = path
                .strip_prefix(CNI_MANIFEST_DIR)
                .and_then(|p| p.strip_suffix(".yaml"))
            {
                if let Some(done) = cni.take() {
                    b.cni.push(Found {
                        file: file.to_string(),
                        value: done,
                    });
                }
                cni = Some(Cni {
                    plugin: plugin.to_string(),
                    manifest_url: String::new(),
                    rewrites: Vec::new(),
                });
            }
        } else if let Some(c) = cni.as_mut() {
            if trimmed.contains("curl ") && trimmed.contains("\"$manifest.download\"") {
                c.manifest_url = shlex::split(trimmed)
                    .and_then(|w| w.last().cloned())
                    .unwrap_or_default();
            } else if let Some(to) = trimmed.strip_prefix("to=") {
                c.rewrites.push(unquote(to));
            }
        }
    }
    if let Some(done) = cni {
        b.cni.push(Found {
            file: file.to_string(),
            value: done,
        });
    }
}

fn unquote(word: &str) -> String {
    shlex::split(word)
        .and_then(|w| w.into_iter().next())
        .unwrap_or_default()
}

/// `printf '%s\n' 'deb [signed-by=…] URL SUITE' | write_file /etc/apt/sources.list.d/NAME.list …`
fn apt_source(line: &str) -> Option<Repo> {
    let (_, list) = line.split_once("/etc/apt/sources.list.d/")?;
    let name = list.split_whitespace().next()?.strip_suffix(".list")?;
    let words = shlex::split(line.split('|').next()?)?;
    let deb = words.iter().find(|w| w.starts_with("deb "))?;
    let url = deb.split_whitespace().find(|w| w.contains("://"))?;
    Some(Repo {
        name: name.to_string(),
        url: url.to_string(),
    })
}

/// The Kubernetes minor a repository URL is for, when it says: `…/cri-o:/1.21/…`,
/// `…/cri-o:/stable:/v1.36/…`, `…/core:/stable:/v1.30/…`. `None` for mirrors.
pub fn repo_minor(url: &str) -> Option<u32> {
    url.split('/').find_map(|segment| {
        let s = segment.trim_end_matches(':');
        let s = s.strip_prefix('v').unwrap_or(s);
        let (major, minor) = s.split_once('.')?;
        (major == "1").then(|| minor.parse().ok())?
    })
}

/// The pod network a CNI step makes the manifest use.
pub fn cni_pod_network(cni: &Cni) -> Result<String> {
    let quoted_after = |s: &str, key: &str| -> Option<String> {
        let rest = &s[s.find(key)? + key.len()..];
        let rest = rest.trim_start().strip_prefix('"')?;
        Some(rest.split('"').next()?.to_string())
    };
    match cni.plugin.as_str() {
        "flannel" | "canal" => Ok(cni
            .rewrites
            .iter()
            .find_map(|r| quoted_after(r, "\"Network\":"))
            .unwrap_or_else(|| FLANNEL_DEFAULT.to_string())),
        "calico" => {
            let sets = cni
                .rewrites
                .iter()
                .any(|r| r.contains("CALICO_IPV4POOL_CIDR"));
            let value = cni.rewrites.iter().find_map(|r| quoted_after(r, "value:"));
            match (sets, value) {
                (true, Some(v)) => Ok(v),
                _ => Err(Error::new(
                    "the calico step does not set `CALICO_IPV4POOL_CIDR`",
                )),
            }
        }
        other => Err(Error::new(format!("unknown CNI plugin `{other}`"))),
    }
}

/// The pod network flannel's and canal's manifests ship with.
pub const FLANNEL_DEFAULT: &str = "10.244.0.0/16";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_minors_are_read_from_urls() {
        assert_eq!(
            repo_minor("https://pkgs.k8s.io/core:/stable:/v1.30/deb/"),
            Some(30)
        );
        assert_eq!(
            repo_minor("https://download.opensuse.org/repositories/isv:/cri-o:/stable:/v1.36/deb/"),
            Some(36)
        );
        assert_eq!(
            repo_minor(
                "https://download.opensuse.org/repositories/devel:/kubic:/libcontainers:/stable:/cri-o:/1.21/xUbuntu_20.04/"
            ),
            Some(21)
        );
        assert_eq!(repo_minor("https://apt.kubernetes.io/"), None);
    }
}
