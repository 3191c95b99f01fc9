//! Part of stage 1b (validate): what comes on top of Kubernetes and where it comes from:
//! the CNI plugin and its manifest, the image architecture, and package mirrors.

use crate::config::Config;
use crate::model::cluster::{Cni, CniPlugin, Mirrors};
use crate::validate::fields::Checker;
use crate::validate::support;
use crate::validate::syntax::printable;

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
        c.url("cni.manifest", url);
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

/// `packages.*`: mirror URLs, checked like every URL that reaches a node.
pub(crate) fn mirrors(config: &Config, c: &mut Checker) -> Mirrors {
    let p = &config.packages;
    for (field, value) in [
        ("packages.kubernetes_repo", &p.kubernetes_repo),
        ("packages.kubernetes_key", &p.kubernetes_key),
        ("packages.crio_repo", &p.crio_repo),
        ("packages.crio_key", &p.crio_key),
    ] {
        if let Some(url) = value {
            c.url(field, url);
        }
    }
    Mirrors {
        kubernetes_repo: p.kubernetes_repo.clone(),
        kubernetes_key: p.kubernetes_key.clone(),
        crio_repo: p.crio_repo.clone(),
        crio_key: p.crio_key.clone(),
    }
}
