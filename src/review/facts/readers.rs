//! Review tooling: the small parsers that interpret single facts (YAML streams, an
//! EncryptionConfiguration's keys, repository URLs, CNI settings).

use std::collections::BTreeSet;

use crate::error::{Error, Result};
use crate::secrets::encryption_key_fingerprint;
use serde_yaml::Value;

use super::model::Cni;

/// Parses a multi-document YAML text.
pub(crate) fn yaml_documents(text: &str) -> Result<Vec<Value>> {
    serde_yaml::Deserializer::from_str(text)
        .map(|d| {
            serde::Deserialize::deserialize(d)
                .map_err(|e: serde_yaml::Error| Error::new(e.to_string()))
        })
        .collect()
}

/// The `sha256:` fingerprints of the secretbox keys of an EncryptionConfiguration that
/// encrypts Secrets; `Err` says what is wrong with it (never a key).
pub(crate) fn encryption_key_fingerprints(body: &str) -> Result<BTreeSet<String>> {
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
pub(crate) fn repo_minor(url: &str) -> Option<u32> {
    url.split('/').find_map(|segment| {
        let s = segment.trim_end_matches(':');
        let s = s.strip_prefix('v').unwrap_or(s);
        let (major, minor) = s.split_once('.')?;
        (major == "1").then(|| minor.parse().ok())?
    })
}

/// The pod network a CNI step makes the manifest use.
pub(crate) fn cni_pod_network(cni: &Cni) -> Result<String> {
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
