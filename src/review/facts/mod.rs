//! Review tooling: a rendered [`Tree`] → [`BundleFacts`] (kubeadm documents, CA
//! certificates, package pins, apt repositories, CNI settings, kube-vip's static pod),
//! read back from the files alone, without the secrets file. `verify` checks them
//! against each other and `diff` compares them between two trees.
//!
//! A role bundle is any directory with `bootstrap.sh` and a `steps/` directory, so new
//! roles (`control-plane-join/`, `nodes/<name>/`) are found without changes here. Each
//! fact is collected from every copy of it: the step file, `bootstrap.sh`, and the
//! bootstrap embedded in `user-data.yaml`, so a hand edit to any one copy shows.
//!
//! This file holds the facts and the small parsers that interpret them; `discover`
//! finds the bundles and the texts to read, and `scan` reads the facts out of a script.
//!
//! [`Tree`]: crate::review::tree::Tree

mod discover;
mod scan;
mod user;

use std::collections::BTreeSet;

use crate::error::{Error, Result};
use crate::secrets::encryption_key_fingerprint;
use serde_yaml::Value;

pub use discover::{bundles, step_name, step_number};
pub use scan::heredocs;

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

/// One of the user's own files, as a files step writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFile {
    pub path: String,
    pub mode: String,
    pub content: String,
}

/// One of the user's own commands: `pre[0]`, `post[1]`, ... and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserCommand {
    pub name: String,
    pub text: String,
}

/// A configuration file a step writes with `write_file`: where, and what.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub path: String,
    pub body: String,
}

#[derive(Debug, Default)]
pub struct BundleFacts {
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
    /// The user's own files, ssh keys and commands (`files`, `ssh_authorized_keys`,
    /// `commands` in the definition).
    pub user_files: Vec<Found<UserFile>>,
    pub ssh_keys: Vec<Found<String>>,
    pub commands: Vec<Found<UserCommand>>,
    /// kube-vip static pods written to the manifest directory (each copy, in order).
    pub kube_vip: Vec<Found<Value>>,
    /// The API server's EncryptionConfiguration files (they hold its key).
    pub encryption_configs: Vec<Found<Written>>,
    /// The API server's audit policy files.
    pub audit_policies: Vec<Found<Written>>,
    /// Files that could not be read as expected.
    pub problems: Vec<String>,
}

impl BundleFacts {
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

/// Parses a multi-document YAML text.
pub fn yaml_documents(text: &str) -> Result<Vec<Value>> {
    serde_yaml::Deserializer::from_str(text)
        .map(|d| {
            serde::Deserialize::deserialize(d)
                .map_err(|e: serde_yaml::Error| Error::new(e.to_string()))
        })
        .collect()
}

/// The `sha256:` fingerprints of the secretbox keys of an EncryptionConfiguration that
/// encrypts Secrets; `Err` says what is wrong with it (never a key).
pub fn encryption_key_fingerprints(body: &str) -> Result<BTreeSet<String>> {
    let docs = yaml_documents(body)
        .map_err(|_| Error::new("the EncryptionConfiguration is not valid YAML"))?;
    let resources = docs
        .first()
        .and_then(|d| d["resources"].as_sequence())
        .ok_or_else(|| Error::new("the EncryptionConfiguration has no resources"))?;
    let secrets = resources
        .iter()
        .find(|r| {
            r["resources"]
                .as_sequence()
                .is_some_and(|list| list.iter().any(|x| x.as_str() == Some("secrets")))
        })
        .ok_or_else(|| Error::new("the EncryptionConfiguration does not cover secrets"))?;
    let first = &secrets["providers"][0];
    let keys = first["secretbox"]["keys"]
        .as_sequence()
        .ok_or_else(|| Error::new("the first provider for secrets is not secretbox, so Secrets are not encrypted with the rendered key"))?;
    let mut out = BTreeSet::new();
    for k in keys {
        let fp = k["secret"]
            .as_str()
            .and_then(encryption_key_fingerprint)
            .ok_or_else(|| Error::new("a secretbox key is not 32 bytes of base64"))?;
        out.insert(fp);
    }
    if out.is_empty() {
        return Err(Error::new("the secretbox provider has no keys"));
    }
    Ok(out)
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
            .unwrap_or_else(|| crate::model::matrix::FLANNEL_DEFAULT_NETWORK.to_string())),
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
