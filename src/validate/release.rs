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
    /// `runtime.crio_version` when it names one CRI-O release, not the stream.
    pub crio_pin: Option<String>,
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
    let crio_pin = version.and_then(|v| crio_version(config, v, c));
    Installed {
        os,
        version,
        release,
        crio_pin,
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

/// CRI-O's minor must equal Kubernetes' (cri-o's compatibility matrix). Returns an
/// exact pin (`1.Y.Z` or `1.Y.Z-R`), `None` for the stream (`1.Y` or no key).
fn crio_version(config: &Config, v: Version, c: &mut Checker) -> Option<String> {
    let scalar = config.runtime.crio_version.as_ref()?;
    let text = match scalar.as_text() {
        Ok(text) => text,
        Err(hint) => {
            c.error(
                "runtime.crio_version",
                "the CRI-O version must be text",
                format!("{}, like `crio_version: \"1.{}\"`", hint.0, v.minor),
            );
            return None;
        }
    };
    let Some((stream, exact)) = crio_parts(&text) else {
        c.error("runtime.crio_version",
            format!("`{}` is not a CRI-O version", printable(&text)),
            format!("write the stream `\"1.{m}\"` (any patch), a release like `1.{m}.4`, or a package version as the repository lists it (`apt-cache madison cri-o`), like `1.{m}.4-1.1`", m = v.minor));
        return None;
    };
    let want = format!("1.{}", v.minor);
    if stream != want {
        c.error("runtime.crio_version",
            format!("CRI-O `{}` does not match Kubernetes {v}", printable(&text)),
            format!("CRI-O's minor must equal Kubernetes' minor: set `crio_version: \"{want}\"` or remove the key"));
        return None;
    }
    let kubic = matrix::release(v.minor).is_some_and(|r| r.crio_repo == matrix::CrioRepo::Kubic);
    if exact && kubic && !text.contains('-') {
        c.error("runtime.crio_version",
            format!("CRI-O {text} cannot be pinned by release alone: CRI-O 1.{} comes from openSUSE Kubic, whose package versions kubeprint does not know", v.minor),
            format!("write the package version as your repository lists it (`apt-cache madison cri-o`), or the stream `\"{want}\"`"));
        return None;
    }
    exact.then_some(text)
}

/// `1.Y` -> (`1.Y`, false); `1.Y.Z` and `1.Y.Z-R` -> (`1.Y`, true); anything else
/// `None`. `R` is a Debian revision: letters, digits and `.+~`
/// (deb-version(7); the isv:/cri-o: repositories spell it like `1.1` or `3.1`).
fn crio_parts(text: &str) -> Option<(String, bool)> {
    let (upstream, revision) = match text.split_once('-') {
        Some((u, r)) => (u, Some(r)),
        None => (text, None),
    };
    let ok_revision = revision.is_none_or(|r| {
        !r.is_empty()
            && r.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+.~".contains(&b))
    });
    let numbers: Vec<&str> = upstream.split('.').collect();
    let digits = numbers
        .iter()
        .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    match numbers.as_slice() {
        ["1", minor] if digits && revision.is_none() => Some((format!("1.{minor}"), false)),
        ["1", minor, _] if digits && ok_revision => Some((format!("1.{minor}"), true)),
        _ => None,
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
    let crio = config.runtime.name.as_deref() != Some("containerd");
    if let (Some(os), Some(r)) = (installed.os, installed.release) {
        support::check_os_release(c, os, r, p, crio);
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
    if crio && r.crio_repo == matrix::CrioRepo::Kubic && p.crio_repo.is_none() {
        c.warning("packages.crio_repo",
            format!("CRI-O 1.{} comes from the openSUSE Kubic repositories, which are no longer maintained and may be gone", r.minor),
            "if nodes cannot install cri-o, set `packages.crio_repo` to a mirror with CRI-O and its dependencies, or use Kubernetes 1.28 or newer");
    }
}
