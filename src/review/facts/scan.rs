//! Part of `facts`: one script (a step file, `bootstrap.sh`, or a copy embedded in
//! user-data) → the facts it carries. The here-documents it writes (kubeadm
//! configuration, CA certificate, the user's files, kube-vip's static pod, the API
//! server's encryption configuration and audit policy), the kube packages it pins, the
//! apt sources it adds, the CNI manifests it downloads and rewrites, and the user's ssh
//! keys and commands (read by `user`).

use super::model::{BundleFacts, Cni, Found, Pin, Repo, Written};
use super::readers::yaml_documents;

use super::user;

use crate::layout::{CA_CERT_PATH, CNI_MANIFEST_DIR, HEREDOC_END};
use crate::model::kube_vip;

/// A quoted here-document: the line that opens it and its body.
pub(crate) struct Heredoc<'a> {
    pub opener: &'a str,
    pub body: String,
}

pub(crate) fn heredocs(script: &str) -> Vec<Heredoc<'_>> {
    let mut out = Vec::new();
    let mut lines = script.lines();
    while let Some(line) = lines.next() {
        if !line.contains(&format!("<<'{HEREDOC_END}'")) {
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

/// Adds the facts of `text`, read from `file`, to `b`.
pub(super) fn scan(b: &mut BundleFacts, file: &str, text: &str) {
    scan_heredocs(b, file, text);
    let mut cni: Option<Cni> = None;
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') || user::scan_call(b, file, trimmed, &mut lines) {
            continue;
        }
        // A here-document's body is content (scan_heredocs read it), not commands: a
        // user's file may hold any text.
        if line.contains(&format!("<<'{HEREDOC_END}'")) {
            lines
                .by_ref()
                .take_while(|l| *l != HEREDOC_END)
                .for_each(drop);
        }
        for pin in package_pins(line) {
            b.pins.push(found(file, pin));
        }
        if let Some(repo) = apt_source(line) {
            b.repos.push(found(file, repo));
        }
        if let Some(done) = cni_line(&mut cni, trimmed) {
            b.cni.push(found(file, done));
        }
    }
    if let Some(done) = cni {
        b.cni.push(found(file, done));
    }
}

fn found<T>(file: &str, value: T) -> Found<T> {
    Found {
        file: file.to_string(),
        value,
    }
}

/// The CA certificate, the kubeadm configuration and the API server's files are written
/// as here-documents.
fn scan_heredocs(b: &mut BundleFacts, file: &str, text: &str) {
    for doc in heredocs(text) {
        let written = || Written {
            path: written_path(doc.opener),
            body: doc.body.clone(),
        };
        if let Some(f) = user::user_file(doc.opener, &doc.body) {
            b.user_files.push(found(file, f));
        } else if doc.body.contains("kind: EncryptionConfiguration") {
            b.encryption_configs.push(found(file, written()));
        } else if doc.body.contains("apiVersion: audit.k8s.io/") {
            b.audit_policies.push(found(file, written()));
        } else if doc.opener.contains(CA_CERT_PATH) {
            b.ca_certs.push(found(file, doc.body.clone()));
        } else if doc.opener.contains(kube_vip::MANIFEST_PATH) {
            match yaml_documents(&doc.body) {
                Ok(docs) if docs.len() == 1 => {
                    b.kube_vip.extend(docs.into_iter().map(|d| found(file, d)))
                }
                Ok(_) => b
                    .problems
                    .push(format!("{file}: the kube-vip manifest is not one document")),
                Err(e) => b.problems.push(format!(
                    "{file}: the kube-vip manifest is not valid YAML ({e})"
                )),
            }
        } else if doc.body.contains("apiVersion: kubeadm.k8s.io/") {
            match yaml_documents(&doc.body) {
                Ok(docs) => b.kubeadm.push(found(file, docs)),
                Err(e) => b.problems.push(format!(
                    "{file}: the kubeadm configuration is not valid YAML ({e})"
                )),
            }
        }
    }
}

/// `write_file PATH MODE … <<'KUBEPRINT_EOF'` → `PATH` (empty when written otherwise).
fn written_path(opener: &str) -> String {
    let words = shlex::split(opener.split("<<").next().unwrap_or_default()).unwrap_or_default();
    words
        .iter()
        .position(|w| w == "write_file")
        .and_then(|i| words.get(i + 1))
        .cloned()
        .unwrap_or_default()
}

/// `apt-get install … kubelet=1.30.1-1.1 …` → the kube packages it pins.
fn package_pins(line: &str) -> Vec<Pin> {
    if !line.contains("install") {
        return Vec::new();
    }
    shlex::split(line)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|word| {
            let (package, version) = word.split_once('=')?;
            (matches!(package, "kubelet" | "kubeadm" | "kubectl") && !version.is_empty()).then(
                || Pin {
                    package: package.to_string(),
                    version: version.to_string(),
                },
            )
        })
        .collect()
}

/// One line of the CNI step: `manifest='/etc/kubeprint/cni/<plugin>.yaml'`, the
/// download, then `to='...'` per rewrite. `current` is the manifest being read; when a
/// line starts the next one, the finished one is returned.
fn cni_line(current: &mut Option<Cni>, trimmed: &str) -> Option<Cni> {
    if let Some(path) = trimmed.strip_prefix("manifest=") {
        let path = unquote(path);
        let plugin = path
            .strip_prefix(CNI_MANIFEST_DIR)
            .and_then(|rest| rest.strip_prefix('/'))
            .and_then(|p| p.strip_suffix(".yaml"))?;
        return current.replace(Cni {
            plugin: plugin.to_string(),
            manifest_url: String::new(),
            rewrites: Vec::new(),
        });
    }
    if let Some(c) = current.as_mut() {
        if trimmed.contains("curl ") && trimmed.contains("\"$manifest.download\"") {
            c.manifest_url = shlex::split(trimmed)
                .and_then(|w| w.last().cloned())
                .unwrap_or_default();
        } else if let Some(to) = trimmed.strip_prefix("to=") {
            c.rewrites.push(unquote(to));
        }
    }
    None
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
