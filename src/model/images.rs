//! Model: the container images nodes pull that kubeprint does not name itself, as facts
//! with their sources: kubeadm's add-on and etcd images per Kubernetes release, the
//! registry kubeadm pulls from by default, and the images each pinned CNI manifest
//! names. `plan::artifacts` lists them; nothing here is computed but which pause
//! reference kubeadm expects of a cluster (its `PauseVersion` in its registry).

use crate::model::cluster::Cluster;

/// What `kubeadm config images list` prints for a run of patch releases of one minor
/// besides the images that carry the release's own tag (kube-apiserver,
/// kube-controller-manager, kube-scheduler and kube-proxy: kubernetes/kubernetes
/// cmd/kubeadm/app/images/images.go, `GetKubernetesImage`, at
/// 008b3652959ca58af8be3fb5b6ecfe9ae7638282): the etcd, CoreDNS and pause tags. They
/// change with patch releases, not only minors (1.28.2 runs etcd 3.5.9-0, 1.28.14
/// 3.5.15-0): kubeadm picks etcd from its `SupportedEtcdVersion` map by minor
/// (`GetEtcdImageTag`, same file), and patch releases rewrite the map
/// (cmd/kubeadm/app/constants/constants.go at 3301161c36ac9c27854a7b4636139d4ebde43e72
/// maps 1.29-1.31 to 3.5.15-0, at 00886ac01fec1c8432967e8bb597828f46a9ba8b 1.29-1.32
/// to 3.5.24-0). So a row covers the patches `first..=last` of `minor`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KubeadmImages {
    pub minor: u32,
    pub first: u32,
    pub last: u32,
    pub etcd: &'static str,
    pub coredns: &'static str,
    pub pause: &'static str,
}

const fn k(
    minor: u32,
    (first, last): (u32, u32),
    etcd: &'static str,
    coredns: &'static str,
    pause: &'static str,
) -> KubeadmImages {
    KubeadmImages {
        minor,
        first,
        last,
        etcd,
        coredns,
        pause,
    }
}

// Source: kubernetes/minikube pkg/minikube/constants/constants_kubeadm_images.go, the
// table minikube generates (hack/update/kubeadm_constants/kubeadm_constants.go) by
// downloading each release's own kubeadm from dl.k8s.io and running `kubeadm config
// images list --kubernetes-version vX.Y.Z`: the values of kubeadm's
// `DefaultEtcdVersion`/`SupportedEtcdVersion`, `CoreDNSVersion` and `PauseVersion` at
// that tag (cmd/kubeadm/app/constants/constants.go). Every row below as of commit
// 383c3aa4af9c2d637800f0b4c70b360980d523cf (master, 2026-08-10), which lists each
// minor's patch releases from x.y.0 on, without a gap, up to 1.21.14, 1.22.17, 1.23.17,
// 1.24.17, 1.25.16, 1.26.15, 1.27.16, 1.28.15, 1.29.15, 1.30.14, 1.31.14, 1.32.13,
// 1.33.13, 1.34.10, 1.35.7 and 1.36.3. The releases after those (1.34.11-1.34.12,
// 1.35.8-1.35.9, 1.36.4-1.36.5, 1.37.0-1.37.1) from the same generator's next run, as
// minikube-bot/minikube commit 9736e2f848f8f0caa3bb0f57d35ead28c1504b5b holds it (same
// path; its rows for the earlier releases read the same). A release not covered could
// not be confirmed from kubeadm's sources here: `artifacts` says so instead of guessing.
pub(crate) static KUBEADM_IMAGES: &[KubeadmImages] = &[
    k(21, (0, 14), "3.4.13-0", "v1.8.0", "3.4.1"),
    k(22, (0, 16), "3.5.0-0", "v1.8.4", "3.5"),
    k(22, (17, 17), "3.5.6-0", "v1.8.4", "3.5"),
    k(23, (0, 13), "3.5.1-0", "v1.8.6", "3.6"),
    k(23, (14, 14), "3.5.5-0", "v1.8.6", "3.6"),
    k(23, (15, 17), "3.5.6-0", "v1.8.6", "3.6"),
    k(24, (0, 7), "3.5.3-0", "v1.8.6", "3.7"),
    k(24, (8, 8), "3.5.5-0", "v1.8.6", "3.7"),
    k(24, (9, 17), "3.5.6-0", "v1.8.6", "3.7"),
    k(25, (0, 3), "3.5.4-0", "v1.9.3", "3.8"),
    k(25, (4, 4), "3.5.5-0", "v1.9.3", "3.8"),
    k(25, (5, 14), "3.5.6-0", "v1.9.3", "3.8"),
    k(25, (15, 16), "3.5.9-0", "v1.9.3", "3.8"),
    k(26, (0, 9), "3.5.6-0", "v1.9.3", "3.9"),
    k(26, (10, 12), "3.5.9-0", "v1.9.3", "3.9"),
    k(26, (13, 15), "3.5.10-0", "v1.9.3", "3.9"),
    k(27, (0, 6), "3.5.7-0", "v1.10.1", "3.9"),
    k(27, (7, 9), "3.5.9-0", "v1.10.1", "3.9"),
    k(27, (10, 11), "3.5.10-0", "v1.10.1", "3.9"),
    k(27, (12, 16), "3.5.12-0", "v1.10.1", "3.9"),
    k(28, (0, 5), "3.5.9-0", "v1.10.1", "3.9"),
    k(28, (6, 7), "3.5.10-0", "v1.10.1", "3.9"),
    k(28, (8, 13), "3.5.12-0", "v1.10.1", "3.9"),
    k(28, (14, 15), "3.5.15-0", "v1.10.1", "3.9"),
    k(29, (0, 2), "3.5.10-0", "v1.11.1", "3.9"),
    k(29, (3, 8), "3.5.12-0", "v1.11.1", "3.9"),
    k(29, (9, 10), "3.5.15-0", "v1.11.1", "3.9"),
    k(29, (11, 15), "3.5.16-0", "v1.11.1", "3.9"),
    k(30, (0, 4), "3.5.12-0", "v1.11.1", "3.9"),
    k(30, (5, 14), "3.5.15-0", "v1.11.3", "3.9"),
    k(31, (0, 0), "3.5.15-0", "v1.11.1", "3.10"),
    k(31, (1, 13), "3.5.15-0", "v1.11.3", "3.10"),
    k(31, (14, 14), "3.5.24-0", "v1.11.3", "3.10"),
    k(32, (0, 9), "3.5.16-0", "v1.11.3", "3.10"),
    k(32, (10, 13), "3.5.24-0", "v1.11.3", "3.10"),
    k(33, (0, 5), "3.5.21-0", "v1.12.0", "3.10"),
    k(33, (6, 13), "3.5.24-0", "v1.12.0", "3.10"),
    k(34, (0, 1), "3.6.4-0", "v1.12.1", "3.10.1"),
    k(34, (2, 12), "3.6.5-0", "v1.12.1", "3.10.1"),
    k(35, (0, 9), "3.6.6-0", "v1.13.1", "3.10.1"),
    k(36, (0, 5), "3.6.8-0", "v1.14.2", "3.10.2"),
    k(37, (0, 1), "3.7.0-0", "v1.14.6", "3.10.2"),
];

/// The images kubeadm 1.`minor`.`patch` pulls, when a source confirmed them.
pub(crate) fn kubeadm_images(minor: u32, patch: u32) -> Option<&'static KubeadmImages> {
    KUBEADM_IMAGES
        .iter()
        .find(|i| i.minor == minor && (i.first..=i.last).contains(&patch))
}

/// The pause image kubeadm expects of the runtime (its `PauseVersion`, in the image
/// repository), `None` for a release whose pause tag no source here confirmed. CRI-O's
/// compiled-in `pause_image` differs from it (cri-o/cri-o internal/config
/// `DefaultPauseImage` at v1.36.0 is `registry.k8s.io/pause:3.10.1`, kubeadm 1.36's is
/// 3.10.2): kubeadm then warns that the runtime's sandbox image is inconsistent
/// (kubernetes/kubernetes cmd/kubeadm/app/preflight/checks.go), an image build
/// pre-pulls one pause and a node pulls the other at boot, and an image repository or
/// mirror would have to serve a tag kubeadm never names. So the `cri-o` step sets it.
/// (The warning is kubeadm's preflight, cmd/kubeadm/app/preflight/checks.go: "detected
/// that the sandbox image ... of the container runtime is inconsistent with that used
/// by kubeadm", as kubeadm 1.26-1.34 print it.)
pub(crate) fn kubeadm_pause(cluster: &Cluster) -> Option<String> {
    let v = cluster.version;
    let known = kubeadm_images(v.minor, v.patch)?;
    Some(pause_reference(cluster, known.pause))
}

/// `pause:<tag>` in the registry kubeadm pulls from: `kubernetes.image_repository`, else
/// kubeadm's default for the release.
pub(crate) fn pause_reference(cluster: &Cluster, tag: &str) -> String {
    let v = cluster.version;
    let default = default_registry(v.minor, v.patch);
    let registry = cluster.image_repository.as_deref().unwrap_or(default);
    format!("{registry}/pause:{tag}")
}

/// kubeadm's default `imageRepository`: `registry.k8s.io`, which replaced `k8s.gcr.io`
/// in 1.25 and in the patch releases 1.22.17, 1.23.15 and 1.24.9
/// (kubernetes-sigs/cluster-api internal/util/kubeadm/kubeadm.go, `GetDefaultRegistry`,
/// at tag v1.10.0; the same rule in the `imageRepository` doc of
/// api/bootstrap/kubeadm/v1beta1/kubeadm_types.go at
/// ae7ff047db499ac3858ade268ba38db8c9f128bb; kubernetes/minikube's table above names
/// `k8s.gcr.io` images for 1.21.3 in its first form, commit
/// 5f46b98eaea35de9d2e73688f70a6f6ab65fa2bb).
pub(crate) fn default_registry(minor: u32, patch: u32) -> &'static str {
    let old = match minor {
        ..=21 => true,
        22 => patch < 17,
        23 => patch < 15,
        24 => patch < 9,
        _ => false,
    };
    if old { "k8s.gcr.io" } else { "registry.k8s.io" }
}

/// The images a pinned CNI manifest names, by plugin and tag: `git show
/// TAG:manifests/calico.yaml | grep image:` (and canal.yaml) in projectcalico/calico,
/// `git show TAG:Documentation/kube-flannel.yml | grep image:` in flannel-io/flannel,
/// at the tags and hashes the release matrix pins (model/matrix). Calico v3.24.6's
/// manifests name v3.24.5 images: that is what its tag holds.
pub(crate) static CNI_IMAGES: &[(&str, &str, &[&str])] = &[
    (
        "calico",
        "v3.24.6",
        &[
            "docker.io/calico/cni:v3.24.5",
            "docker.io/calico/kube-controllers:v3.24.5",
            "docker.io/calico/node:v3.24.5",
        ],
    ),
    (
        "canal",
        "v3.24.6",
        &[
            "docker.io/calico/cni:v3.24.5",
            "docker.io/calico/kube-controllers:v3.24.5",
            "docker.io/calico/node:v3.24.5",
            "quay.io/coreos/flannel:v0.15.1",
        ],
    ),
    (
        "calico",
        "v3.25.2",
        &[
            "docker.io/calico/cni:v3.25.2",
            "docker.io/calico/kube-controllers:v3.25.2",
            "docker.io/calico/node:v3.25.2",
        ],
    ),
    (
        "canal",
        "v3.25.2",
        &[
            "docker.io/calico/cni:v3.25.2",
            "docker.io/calico/kube-controllers:v3.25.2",
            "docker.io/calico/node:v3.25.2",
            "docker.io/flannelcni/flannel:v0.16.3",
        ],
    ),
    (
        "calico",
        "v3.26.5",
        &[
            "docker.io/calico/cni:v3.26.5",
            "docker.io/calico/kube-controllers:v3.26.5",
            "docker.io/calico/node:v3.26.5",
        ],
    ),
    (
        "canal",
        "v3.26.5",
        &[
            "docker.io/calico/cni:v3.26.5",
            "docker.io/calico/kube-controllers:v3.26.5",
            "docker.io/calico/node:v3.26.5",
            "docker.io/flannel/flannel:v0.21.3",
        ],
    ),
    (
        "calico",
        "v3.28.5",
        &[
            "docker.io/calico/cni:v3.28.5",
            "docker.io/calico/kube-controllers:v3.28.5",
            "docker.io/calico/node:v3.28.5",
        ],
    ),
    (
        "canal",
        "v3.28.5",
        &[
            "docker.io/calico/cni:v3.28.5",
            "docker.io/calico/kube-controllers:v3.28.5",
            "docker.io/calico/node:v3.28.5",
            "docker.io/flannel/flannel:v0.24.3",
        ],
    ),
    (
        "calico",
        "v3.29.7",
        &[
            "docker.io/calico/cni:v3.29.7",
            "docker.io/calico/kube-controllers:v3.29.7",
            "docker.io/calico/node:v3.29.7",
        ],
    ),
    (
        "canal",
        "v3.29.7",
        &[
            "docker.io/calico/cni:v3.29.7",
            "docker.io/calico/kube-controllers:v3.29.7",
            "docker.io/calico/node:v3.29.7",
            "docker.io/flannel/flannel:v0.24.4",
        ],
    ),
    (
        "calico",
        "v3.30.7",
        &[
            "docker.io/calico/cni:v3.30.7",
            "docker.io/calico/kube-controllers:v3.30.7",
            "docker.io/calico/node:v3.30.7",
        ],
    ),
    (
        "canal",
        "v3.30.7",
        &[
            "docker.io/calico/cni:v3.30.7",
            "docker.io/calico/kube-controllers:v3.30.7",
            "docker.io/calico/node:v3.30.7",
            "docker.io/flannel/flannel:v0.24.4",
        ],
    ),
    (
        "calico",
        "v3.31.7",
        &[
            "quay.io/calico/cni:v3.31.7",
            "quay.io/calico/kube-controllers:v3.31.7",
            "quay.io/calico/node:v3.31.7",
        ],
    ),
    (
        "canal",
        "v3.31.7",
        &[
            "quay.io/calico/cni:v3.31.7",
            "quay.io/calico/kube-controllers:v3.31.7",
            "quay.io/calico/node:v3.31.7",
            "docker.io/flannel/flannel:v0.24.4",
        ],
    ),
    (
        "calico",
        "v3.32.1",
        &[
            "quay.io/calico/cni:v3.32.1",
            "quay.io/calico/kube-controllers:v3.32.1",
            "quay.io/calico/node:v3.32.1",
        ],
    ),
    (
        "canal",
        "v3.32.1",
        &[
            "quay.io/calico/cni:v3.32.1",
            "quay.io/calico/kube-controllers:v3.32.1",
            "quay.io/calico/node:v3.32.1",
            "docker.io/flannel/flannel:v0.24.4",
        ],
    ),
    (
        "flannel",
        "v0.22.3",
        &[
            "docker.io/flannel/flannel-cni-plugin:v1.2.0",
            "docker.io/flannel/flannel:v0.22.3",
        ],
    ),
    (
        "flannel",
        "v0.26.7",
        &[
            "ghcr.io/flannel-io/flannel-cni-plugin:v1.6.2-flannel1",
            "ghcr.io/flannel-io/flannel:v0.26.7",
        ],
    ),
    (
        "flannel",
        "v0.28.9",
        &[
            "ghcr.io/flannel-io/flannel-cni-plugin:v1.9.1-flannel3",
            "ghcr.io/flannel-io/flannel:v0.28.9",
        ],
    ),
];

/// The images the pinned manifest of `plugin` at `tag` names.
pub(crate) fn cni_images(plugin: &str, tag: &str) -> Option<&'static [&'static str]> {
    CNI_IMAGES
        .iter()
        .find(|(p, t, _)| *p == plugin && *t == tag)
        .map(|(_, _, images)| *images)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::matrix::RELEASES;

    /// Each minor's rows start at patch 0 and run on without gaps or overlaps, minors in
    /// order: a mistyped bound cannot claim a release twice or drop one silently. Two
    /// neighbouring rows of a minor differ, or they would be one row.
    #[test]
    fn rows_run_from_patch_zero_without_gaps() {
        assert_eq!(KUBEADM_IMAGES[0].first, 0);
        for pair in KUBEADM_IMAGES.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            assert!(a.first <= a.last && b.first <= b.last, "{a:?} {b:?}");
            if a.minor == b.minor {
                assert_eq!(b.first, a.last + 1, "{b:?}");
                assert_ne!((a.etcd, a.coredns, a.pause), (b.etcd, b.coredns, b.pause));
            } else {
                assert_eq!((b.minor, b.first), (a.minor + 1, 0), "{b:?}");
            }
        }
    }

    /// The patch the release matrix knows for each minor has its images, so
    /// `artifacts` names them for every version `init` writes.
    #[test]
    fn every_known_patch_of_the_matrix_has_its_images() {
        for r in RELEASES {
            let Some(p) = r.patch else { continue };
            assert!(
                kubeadm_images(r.minor, p.patch).is_some(),
                "1.{}.{}",
                r.minor,
                p.patch
            );
        }
    }

    /// The facts as read: spot checks that a careless edit breaks.
    #[test]
    fn known_images_as_read() {
        let tags =
            |minor, patch| kubeadm_images(minor, patch).map(|i| (i.etcd, i.coredns, i.pause));
        assert_eq!(tags(21, 3), Some(("3.4.13-0", "v1.8.0", "3.4.1")));
        assert_eq!(tags(22, 16), Some(("3.5.0-0", "v1.8.4", "3.5")));
        assert_eq!(tags(22, 17), Some(("3.5.6-0", "v1.8.4", "3.5")));
        assert_eq!(tags(28, 2), Some(("3.5.9-0", "v1.10.1", "3.9")));
        assert_eq!(tags(28, 14), Some(("3.5.15-0", "v1.10.1", "3.9")));
        assert_eq!(tags(31, 0), Some(("3.5.15-0", "v1.11.1", "3.10")));
        assert_eq!(tags(31, 14), Some(("3.5.24-0", "v1.11.3", "3.10")));
        assert_eq!(tags(32, 13), Some(("3.5.24-0", "v1.11.3", "3.10")));
        assert_eq!(tags(33, 10), Some(("3.5.24-0", "v1.12.0", "3.10")));
        assert_eq!(tags(34, 9), Some(("3.6.5-0", "v1.12.1", "3.10.1")));
        assert_eq!(tags(35, 9), Some(("3.6.6-0", "v1.13.1", "3.10.1")));
        assert_eq!(tags(36, 4), Some(("3.6.8-0", "v1.14.2", "3.10.2")));
        assert_eq!(tags(37, 1), Some(("3.7.0-0", "v1.14.6", "3.10.2")));
        // Releases no source here lists: unknown, not the nearest row.
        assert_eq!(tags(20, 15), None);
        assert_eq!(tags(33, 14), None);
        assert_eq!(tags(37, 2), None);
        assert_eq!(tags(38, 0), None);
    }
}
