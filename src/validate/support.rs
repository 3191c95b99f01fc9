//! Part of stage 2 (validate): which combinations of operating system, Kubernetes
//! release and CNI release kubeprint can promise work on a real node, from the facts in
//! the release matrix. Impossible ones are errors that list what exists; unconfirmed or
//! untested ones are warnings.

use crate::config::PackagesConfig;
use crate::model::cluster::CniPlugin;
use crate::model::matrix::{CrioRepo, Kubic, Os, Release};
use crate::validate::fields::Checker;

/// The OS can install this release's CRI-O (when `crio`: containerd comes from Docker's
/// repository) and Kubernetes packages.
pub(crate) fn check_os_release(
    c: &mut Checker,
    os: &Os,
    r: &Release,
    mirrors: &PackagesConfig,
    crio: bool,
) {
    // A mirror is the user's own statement that the packages exist for this OS.
    if crio && r.crio_repo == CrioRepo::Kubic && mirrors.crio_repo.is_none() {
        let published = os
            .kubic_minors()
            .iter()
            .map(|m| format!("1.{m}"))
            .collect::<Vec<_>>();
        match os.kubic(r.minor) {
            Kubic::Published => {}
            Kubic::Unconfirmed => c.warning(
                "os",
                format!(
                    "no source confirms that openSUSE Kubic published CRI-O 1.{} for {}",
                    r.minor, os.id
                ),
                "if nodes cannot install cri-o, set `packages.crio_repo` to a mirror that has it, or use Kubernetes 1.28 or newer",
            ),
            Kubic::Never => c.error(
                "os",
                format!("CRI-O 1.{} was never published for {}", r.minor, os.id),
                if published.is_empty() {
                    format!(
                        "openSUSE Kubic built no CRI-O for {}: use Kubernetes 1.28 or newer on it",
                        os.id
                    )
                } else {
                    format!(
                        "openSUSE Kubic has CRI-O {} for {}; use one of those, Kubernetes 1.28 or newer, or `packages.crio_repo` pointing at a mirror that has 1.{}",
                        published.join(", "),
                        os.id,
                        r.minor
                    )
                },
            ),
        }
    }
    if r.minor < os.oldest_minor
        && (mirrors.kubernetes_repo.is_none() || (crio && mirrors.crio_repo.is_none()))
    {
        c.error(
            "kubernetes.version",
            format!(
                "{}'s apt rejects the repository signatures of Kubernetes 1.{} and its CRI-O",
                os.id, r.minor
            ),
            format!(
                "since 2026-02-01 apt's verifier refuses the old signatures those repositories still carry: use Kubernetes 1.{} or newer on {}, an older OS for this release, or mirrors re-signed for it in `packages.kubernetes_repo` and `packages.crio_repo`",
                os.oldest_minor, os.id
            ),
        );
    }
}

/// The pinned Calico release is tested with this minor.
pub(crate) fn check_cni_release(c: &mut Checker, plugin: CniPlugin, r: &Release) {
    if matches!(plugin, CniPlugin::Calico | CniPlugin::Canal) && !r.calico.tests(r.minor) {
        let (lo, hi) = r.calico.tested;
        c.warning(
            "cni.plugin",
            format!(
                "no Calico release is tested with Kubernetes 1.{}: {} uses the nearest, {} (tested with 1.{lo} to 1.{hi})",
                r.minor,
                plugin.name(),
                r.calico.tag
            ),
            "test pod networking before relying on it, or pin a manifest you have tested with `cni.manifest` and `cni.manifest_sha256`",
        );
    }
}

/// A user's manifest is pinned by its sha256 like the built-in ones.
pub(crate) fn check_manifest_pin(c: &mut Checker, url: Option<&str>, sha256: Option<&str>) {
    match (url, sha256) {
        (Some(_), None) => c.error(
            "cni.manifest",
            "a custom CNI manifest needs its sha256",
            "nodes check the bytes they download: add `manifest_sha256:` under `cni:` with the output of `curl -fsSL URL | sha256sum`",
        ),
        (None, Some(_)) => c.error(
            "cni.manifest_sha256",
            "`manifest_sha256` is set without `manifest`",
            "remove it (the pinned manifests carry their own hashes), or set `cni.manifest` to the URL it belongs to",
        ),
        (Some(_), Some(hash))
            if hash.len() != 64 || !hash.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) =>
        {
            c.error(
                "cni.manifest_sha256",
                "not a sha256 digest",
                "write the 64 lowercase hex digits `sha256sum` prints, without the file name",
            )
        }
        _ => {}
    }
}
