//! Part of stage 1b (validate): what the cluster installs: the operating system, the
//! Kubernetes release and CRI-O's, and whether their package repositories still serve.

use crate::config::Config;
use crate::model::cluster::{CniPlugin, Version};
use crate::model::matrix::{self, Os, Release};
use crate::validate::fields::Checker;
use crate::validate::support;
use crate::validate::syntax::printable;

/// The OS and release a definition names, each `None` when missing or wrong (reported).
pub(crate) struct Installed {
    pub os: Option<&'static Os>,
    pub version: Option<Version>,
    pub release: Option<&'static Release>,
}

/// `os`, `kubernetes.version` (both required) and `runtime.crio_version`.
pub(crate) fn installed(config: &Config, c: &mut Checker) -> Installed {
    let os_id = c.required("os", config.os.clone(), "os: ubuntu-24.04");
    let os_id = os_id.unwrap_or_default();
    let os = matrix::os(&os_id).filter(|_| c.readable("os"));
    if os.is_none() && c.readable("os") && config.os.is_some() {
        c.error(
            "os",
            format!("unsupported operating system `{}`", printable(&os_id)),
            crate::diagnostics::choose_one_of(
                &os_id,
                &matrix::os_choices().split(", ").collect::<Vec<_>>(),
            ),
        );
    }
    let stated = c.required(
        "kubernetes.version",
        config.kubernetes.version.clone(),
        "version: \"1.35.2\"",
    );
    let version = stated.and_then(|scalar| c.version(&scalar));
    let release = version.and_then(|v| supported_release(v, c));
    if let Some(v) = version {
        crio_version(config, v, c);
    }
    Installed {
        os,
        version,
        release,
    }
}

fn supported_release(v: Version, c: &mut Checker) -> Option<&'static Release> {
    let Some(r) = matrix::release(v.minor) else {
        let (lo, hi) = matrix::supported_range();
        c.error(
            "kubernetes.version",
            format!("Kubernetes {v} is not supported"),
            format!("choose a release from 1.{lo} to 1.{hi}; `kubeprint versions` lists them"),
        );
        return None;
    };
    if r.is_end_of_life() {
        c.warning(
            "kubernetes.version",
            format!(
                "Kubernetes 1.{} reached end of life on {}",
                r.minor, r.end_of_life
            ),
            "it gets no security fixes; prefer a maintained release (`kubeprint versions`)",
        );
    }
    newer_than_known(v, r, c);
    Some(r)
}

/// A patch above the newest one kubeprint knows may not exist yet: apt then finds no
/// `kubeadm=1.Y.Z-*` and the node stops at its package step. Lower patches are fine.
fn newer_than_known(v: Version, r: &Release, c: &mut Checker) {
    let Some(known) = r.patch.filter(|p| v.patch > p.patch) else {
        return;
    };
    let newest = format!("1.{}.{}", r.minor, known.patch);
    let (what, help) = if known.is_final {
        (
            format!("the final 1.{} patch release ({})", r.minor, known.source),
            format!(
                "Kubernetes {v} does not exist: every node would fail at step 05 (kube-packages: apt finds no kubeadm {v}); use `{newest}`"
            ),
        )
    } else {
        (
            format!(
                "the newest 1.{} patch kubeprint knows ({}, {})",
                r.minor, known.source, known.as_of
            ),
            format!(
                "if Kubernetes {v} is not released, every node fails at step 05 (kube-packages: apt finds no kubeadm {v}): check https://kubernetes.io/releases/ or use `{newest}`"
            ),
        )
    };
    c.warning(
        "kubernetes.version",
        format!("Kubernetes {v} is newer than {newest}, {what}"),
        help,
    );
}

/// CRI-O's minor must equal Kubernetes' (cri-o's compatibility matrix).
fn crio_version(config: &Config, v: Version, c: &mut Checker) {
    let Some(scalar) = config.runtime.crio_version.as_ref() else {
        return;
    };
    match scalar.as_text() {
        Err(hint) => c.error(
            "runtime.crio_version",
            "the CRI-O version must be text",
            format!("{}, like `crio_version: \"1.{}\"`", hint.0, v.minor),
        ),
        Ok(text) => {
            let want = format!("1.{}", v.minor);
            if text != want {
                c.error("runtime.crio_version",
                    format!("CRI-O `{}` does not match Kubernetes {v}", printable(&text)),
                    format!("CRI-O's minor must equal Kubernetes' minor: set `crio_version: \"{want}\"` or remove the key"));
            }
        }
    }
}

/// Whether the OS can install this release's packages, and the pinned CNI is tested
/// with it; warns where upstream repositories are gone or unmaintained.
pub(crate) fn repositories(
    config: &Config,
    installed: &Installed,
    plugin: Option<CniPlugin>,
    c: &mut Checker,
) {
    let p = &config.packages;
    if let (Some(os), Some(r)) = (installed.os, installed.release) {
        support::check_os_release(c, os, r, p);
        if let Some(plugin) = plugin
            && config.cni.manifest.is_none()
        {
            support::check_cni_release(c, plugin, r);
        }
    }
    let Some(r) = installed.release else {
        return;
    };
    if r.upstream_repos_gone() && p.kubernetes_repo.is_none() {
        c.warning("packages.kubernetes_repo",
            format!("the upstream packages for Kubernetes 1.{} (apt.kubernetes.io) were removed in March 2024", r.minor),
            "nodes cannot install kubelet/kubeadm/kubectl from it today: set `packages.kubernetes_repo` to a mirror that keeps them, or use Kubernetes 1.24 or newer");
    }
    if r.crio_repo == matrix::CrioRepo::Kubic && p.crio_repo.is_none() {
        c.warning("packages.crio_repo",
            format!("CRI-O 1.{} comes from the openSUSE Kubic repositories, which are no longer maintained and may be gone", r.minor),
            "if nodes cannot install cri-o, set `packages.crio_repo` to a mirror with CRI-O and its dependencies, or use Kubernetes 1.28 or newer");
    }
}
