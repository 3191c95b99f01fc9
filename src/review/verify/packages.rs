//! Part of `verify`: a bundle's packages are of the reference's release. The kube
//! packages are pinned to its version, and the versioned apt repositories are its minor.

use std::collections::BTreeSet;

use crate::review::facts::{self, BundleFacts};

use super::findings::{Findings, display_dir};

/// `version` is the reference's kubernetesVersion without its `v`; `minor` is `None`
/// when it is not a version (reported), and then no repository is compared.
pub(super) fn check_packages(
    b: &BundleFacts,
    version: &str,
    minor: Option<u32>,
    out: &mut Findings,
) {
    let mut pinned = BTreeSet::new();
    for pin in &b.pins {
        pinned.insert(pin.value.package.as_str());
        let upstream = pin.value.version.split('-').next().unwrap_or_default();
        if upstream != version {
            out.problems.push(format!(
                "{}: {} is pinned to {}, but kubernetesVersion is v{version}",
                pin.file, pin.value.package, pin.value.version
            ));
        }
    }
    for package in ["kubelet", "kubeadm", "kubectl"] {
        if !pinned.contains(package) {
            out.problems.push(format!(
                "{}: {package} is not installed at a pinned version",
                display_dir(&b.dir)
            ));
        }
    }
    let Some(minor) = minor else { return };
    for repo in &b.repos {
        let relevant = repo.value.name == "cri-o" || repo.value.name == "kubernetes";
        match facts::repo_minor(&repo.value.url) {
            Some(m) if relevant && m != minor => out.problems.push(format!(
                "{}: the {} repository is for 1.{m} ({}), but kubernetesVersion is v{version}",
                repo.file, repo.value.name, repo.value.url
            )),
            // Mirrors do not name their release: nothing to compare.
            _ => {}
        }
    }
}
