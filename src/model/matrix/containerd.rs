//! Model: containerd facts, as the second container runtime. In: a Kubernetes minor
//! (or an OS id); out: which containerd releases upstream recommends for it, the one
//! kubeprint installs by default, the config schema that release reads, and where
//! Docker's apt repository serves the `containerd.io` package. Nothing is computed here.

/// A containerd release stream (`2.2`) and the oldest patch recommended in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stream {
    pub major: u32,
    pub minor: u32,
    pub min_patch: u32,
}

const fn s(major: u32, minor: u32, min_patch: u32) -> Stream {
    Stream {
        major,
        minor,
        min_patch,
    }
}

/// containerd's Kubernetes support matrix (containerd/containerd RELEASES.md, "Kubernetes
/// Support"): the containerd versions "recommended for a Kubernetes release".
/// 1.21-1.23: the table before e13a9165e (its parent) lists 1.21 → 1.5.0+, 1.22 →
/// 1.5.5+, 1.23 → 1.6.0+, 1.5.8+. 1.24-1.25: at tag v1.7.0, 1.7.0+, 1.6.4+. 1.26-1.28:
/// at bedd85a36's parent, 1.7.0+, 1.6.15+. 1.29-1.31: at tag v2.2.0 (1.29 at v2.0.0).
/// 1.32-1.36: at commit 301026e58c619e63d09c0ec411012e54c0124b03 (2026-08-22), where
/// 1.36 lists only 2.3.0+ and 2.2.0+: Kubernetes 1.36 needs containerd 2.x.
/// 1.37 is not in the table at that commit: kubeprint applies 1.36's row to it.
pub(crate) fn recommended(minor: u32) -> &'static [Stream] {
    match minor {
        ..=21 => const { &[s(1, 5, 0)] },
        22 => const { &[s(1, 5, 5)] },
        23 => const { &[s(1, 6, 0), s(1, 5, 8)] },
        24 | 25 => const { &[s(1, 7, 0), s(1, 6, 4)] },
        26..=28 => const { &[s(1, 7, 0), s(1, 6, 15)] },
        29 => const { &[s(1, 7, 11), s(1, 6, 27)] },
        30 => const { &[s(2, 0, 0), s(1, 7, 13), s(1, 6, 28)] },
        31 => const { &[s(2, 1, 0), s(2, 0, 0), s(1, 7, 20), s(1, 6, 34)] },
        32 => const { &[s(2, 1, 0), s(2, 0, 1), s(1, 7, 24), s(1, 6, 36)] },
        33 => const { &[s(2, 1, 0), s(2, 0, 4), s(1, 7, 24), s(1, 6, 36)] },
        34 => const { &[s(2, 1, 3), s(2, 0, 6), s(1, 7, 28), s(1, 6, 39)] },
        35 => const { &[s(2, 2, 0), s(2, 1, 5), s(1, 7, 28)] },
        _ => const { &[s(2, 3, 0), s(2, 2, 0)] },
    }
}

/// Whether containerd's table names `minor` itself (1.37 is kubeprint's extrapolation).
pub(crate) fn listed(minor: u32) -> bool {
    minor <= 36
}

/// The containerd release installed when `runtime.containerd_version` is not set: a
/// release of a recommended stream that Docker's repository is seen to serve as
/// `containerd.io` (apt pins `X.Y.Z-*`, so a missing build stops the node at its
/// runtime step). containerd's own newest tags (as of 301026e5: v1.5.18, v1.6.39,
/// v1.7.34, v2.0.11, v2.1.9, v2.2.7) are not all confirmed there: Docker builds its
/// package from containerd's releases (docker/containerd-packaging) on its own
/// schedule, and no file read here lists its pool. The defaults are the newest builds
/// that installs pinned to them show, in users' scripts rather than an upstream list:
/// `containerd.io=1.5.11-1` (focal), `1.6.33-1` (jammy), `1.7.28-1~ubuntu.24.04~noble`,
/// `2.1.5-1~ubuntu.24.04~noble`, `2.2.6-1~ubuntu.24.04~noble` (and `2.2.5-1` for
/// Ubuntu 26.04 `resolute`). 1.30 gets 1.7 (its row lists 1.7.13+), as no 2.0 build
/// was seen. 1.35 to 1.37 get 2.2, which their rows list, not 2.3: 2.3.0 shipped a runc
/// shim regression (kubernetes-sigs/kind PR #4155 went back to 2.2.3 for it; the fix,
/// "runc-shim: don't hold the service lock across runc create", is commit 9b0c0dc58 in
/// v2.3.2).
pub(crate) fn default_version(minor: u32) -> &'static str {
    match minor {
        ..=22 => "1.5.11",
        23 => "1.6.33",
        24..=30 => "1.7.28",
        31..=34 => "2.1.5",
        _ => "2.2.6",
    }
}

/// The config.toml schema a containerd major reads: `version = 2` (plugin
/// `io.containerd.grpc.v1.cri`, containerd/containerd docs/cri/config.md at v1.5.18
/// and v1.7.34) or `version = 3` (plugins `io.containerd.cri.v1.runtime` and
/// `io.containerd.cri.v1.images`, docs/cri/config.md at v2.2.7).
pub(crate) fn config_version(major: u32) -> u32 {
    if major >= 2 { 3 } else { 2 }
}

/// Docker's apt repository (docker/docs content/manuals/engine/install/{ubuntu,debian}.md):
/// `deb [signed-by=…] https://download.docker.com/linux/<id> <codename> stable`, key at
/// `https://download.docker.com/linux/<id>/gpg`, package `containerd.io`.
pub(crate) const DOCKER_REPO_BASE: &str = "https://download.docker.com/linux";
pub(crate) const PACKAGE: &str = "containerd.io";

/// The release codename apt's suite names (`VERSION_CODENAME` in /etc/os-release).
pub(crate) fn codename(os_id: &str) -> &'static str {
    match os_id {
        "ubuntu-20.04" => "focal",
        "ubuntu-22.04" => "jammy",
        "ubuntu-24.04" => "noble",
        "ubuntu-26.04" => "resolute",
        "debian-11" => "bullseye",
        "debian-12" => "bookworm",
        _ => "trixie",
    }
}

/// The pause tag for 1.`minor`.`patch` and whether a source confirms it for that release.
/// Unconfirmed: the newest confirmed tag of the same minor, else of the newest older
/// minor (a containerd config.toml needs one; `validate` warns then).
pub(crate) fn pause_tag(minor: u32, patch: u32) -> (&'static str, bool) {
    use crate::model::images::{KUBEADM_IMAGES, kubeadm_images};
    if let Some(i) = kubeadm_images(minor, patch) {
        return (i.pause, true);
    }
    let nearest = KUBEADM_IMAGES
        .iter()
        .filter(|i| i.minor <= minor)
        .max_by_key(|i| (i.minor, i.last));
    (nearest.map_or("3.10.2", |i| i.pause), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_is_in_a_recommended_stream_of_its_minor() {
        for minor in 21..=37 {
            let v = default_version(minor);
            let p: Vec<u32> = v.split('.').map(|x| x.parse().unwrap()).collect();
            assert!(
                recommended(minor)
                    .iter()
                    .any(|s| s.major == p[0] && s.minor == p[1] && p[2] >= s.min_patch),
                "1.{minor}: {v}"
            );
        }
    }

    #[test]
    fn kubernetes_1_36_and_later_need_containerd_2() {
        for minor in 36..=37 {
            assert!(recommended(minor).iter().all(|s| s.major == 2));
        }
        assert!(recommended(35).iter().any(|s| s.major == 1));
    }
}
