//! Part of stage 1b (validate): what comes on top of Kubernetes and where it comes from:
//! the CNI plugin and its manifest, the image architecture, and package mirrors.

use crate::config::Config;
use crate::model::cluster::{Cni, CniPlugin, Mirrors};
use crate::validate::fields::Checker;
use crate::validate::support;
use crate::validate::syntax::printable;
use crate::validate::url::{self, Scheme};

const KEY_HELP: &str = "apt trusts every package this key signs, and nodes download it with curl over https only (`--proto '=https'`): serve it over https";

const CNI_CHOICES: [&str; 4] = ["flannel", "canal", "calico", "none"];

/// `cni.plugin` (default canal, the guide's), and a user's manifest with its pin.
pub(crate) fn cni(config: &Config, c: &mut Checker) -> Option<Cni> {
    let plugin = match config.cni.plugin.as_deref().unwrap_or("canal") {
        _ if !c.readable("cni.plugin") => None,
        "flannel" => Some(CniPlugin::Flannel),
        "canal" => Some(CniPlugin::Canal),
        "calico" => Some(CniPlugin::Calico),
        "none" => Some(CniPlugin::None),
        other => {
            c.error(
                "cni.plugin",
                format!("unknown CNI plugin `{}`", printable(other)),
                crate::diagnostics::choose_one_of(other, &CNI_CHOICES),
            );
            None
        }
    };
    let manifest = config.cni.manifest.clone();
    let manifest_sha256 = config.cni.manifest_sha256.clone();
    support::check_manifest_pin(c, manifest.as_deref(), manifest_sha256.as_deref());
    if let Some(url) = &manifest {
        url::check(
            c,
            "cni.manifest",
            url,
            Scheme::Https,
            "nodes download the manifest with curl over https only (`--proto '=https'`): serve it over https",
        );
        if plugin == Some(CniPlugin::None) {
            c.error(
                "cni.manifest",
                "a manifest is set but `cni.plugin` is `none`",
                "remove `cni.manifest`, or choose the plugin the manifest installs",
            );
        }
    }
    Some(Cni {
        plugin: plugin?,
        manifest: manifest.zip(manifest_sha256),
    })
}

/// `image.arch` (default amd64).
pub(crate) fn arch(config: &Config, c: &mut Checker) -> Option<&'static str> {
    match config.image.arch.as_deref() {
        None | Some("amd64") => Some("amd64"),
        Some("arm64") => Some("arm64"),
        Some(other) => {
            if c.readable("image.arch") {
                c.error(
                    "image.arch",
                    format!("unknown architecture `{}`", printable(other)),
                    "choose amd64 or arm64 (Debian's names, as in the AMI names)",
                );
            }
            None
        }
    }
}

/// `packages.*`: mirror URLs, checked like every URL that reaches a node. A mirror may
/// be plain http (apt checks its signatures), its signing key may not: whoever could
/// change the key in transit could sign packages too. Without `*_key`, the key is the
/// mirror's `Release.key`, so an http mirror then needs an https `*_key`.
pub(crate) fn mirrors(config: &Config, c: &mut Checker) -> Mirrors {
    let p = &config.packages;
    for (name, repo, key) in [
        ("kubernetes", &p.kubernetes_repo, &p.kubernetes_key),
        ("crio", &p.crio_repo, &p.crio_key),
        ("containerd", &p.containerd_repo, &p.containerd_key),
    ] {
        let (repo_field, key_field) = (
            format!("packages.{name}_repo"),
            format!("packages.{name}_key"),
        );
        let repo_ok = repo
            .as_ref()
            .is_none_or(|u| url::check(c, &repo_field, u, Scheme::Any, ""));
        if let Some(u) = key {
            url::check(c, &key_field, u, Scheme::Https, KEY_HELP);
        } else if let Some(u) = repo
            .as_ref()
            .filter(|u| repo_ok && !u.starts_with("https://"))
        {
            c.error(
                &repo_field,
                format!("the signing key of `{}` would be fetched over plain http (`Release.key` beside it)", printable(u)),
                format!("set `{key_field}` to the key's https URL, or serve the mirror over https"),
            );
        }
    }
    Mirrors {
        kubernetes_repo: p.kubernetes_repo.clone(),
        kubernetes_key: p.kubernetes_key.clone(),
        crio_repo: p.crio_repo.clone(),
        crio_key: p.crio_key.clone(),
        containerd_repo: p.containerd_repo.clone(),
        containerd_key: p.containerd_key.clone(),
    }
}
