//! Model: the container images nodes pull that kubeprint does not name itself, as facts
//! with their sources: kubeadm's add-on and etcd images per Kubernetes release, the
//! registry kubeadm pulls from by default, and the images each pinned CNI manifest
//! names. `review::artifacts` lists them; nothing here is computed.

/// What `kubeadm config images list` prints for one Kubernetes release besides the
/// control-plane images (which carry the release's own tag): the etcd, CoreDNS and
/// pause tags. They change with patch releases, not only minors (1.28.2 runs etcd
/// 3.5.9-0, 1.28.14 3.5.15-0), so the key is the full version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct KubeadmImages {
    pub version: &'static str,
    pub etcd: &'static str,
    pub coredns: &'static str,
    pub pause: &'static str,
}

const fn k(
    version: &'static str,
    etcd: &'static str,
    coredns: &'static str,
    pause: &'static str,
) -> KubeadmImages {
    KubeadmImages {
        version,
        etcd,
        coredns,
        pause,
    }
}

// Source: kubernetes/minikube pkg/minikube/constants/constants_kubeadm_images.go, the
// table minikube generates by running `kubeadm config images list` for each release
// (the values of kubeadm's `DefaultEtcdVersion`/`SupportedEtcdVersion`,
// `CoreDNSVersion` and `PauseVersion` at that tag, cmd/kubeadm/app/constants/
// constants.go): 1.21 to 1.26.14 and 1.29.2 at commit
// 2ed9bcfcb2c2982827440b704d8a9ab7bdda9c52; 1.27.16, 1.28.15, 1.29.10, 1.30.6 and
// 1.31.2 at commit 006286b09bed057df735f2b342ecde9427f201ec. 1.21.3's entry also in
// the older form of the same file that names the registry (`k8s.gcr.io/pause`
// "3.4.1"). Releases not listed could not be confirmed from kubeadm's sources here:
// `artifacts` says so instead of guessing.
pub(crate) static KUBEADM_IMAGES: &[KubeadmImages] = &[
    k("1.21.3", "3.4.13-0", "v1.8.0", "3.4.1"),
    k("1.21.14", "3.4.13-0", "v1.8.0", "3.4.1"),
    k("1.22.17", "3.5.6-0", "v1.8.4", "3.5"),
    k("1.23.17", "3.5.6-0", "v1.8.6", "3.6"),
    k("1.24.17", "3.5.6-0", "v1.8.6", "3.7"),
    k("1.25.16", "3.5.9-0", "v1.9.3", "3.8"),
    k("1.26.14", "3.5.10-0", "v1.9.3", "3.9"),
    k("1.26.15", "3.5.10-0", "v1.9.3", "3.9"),
    k("1.27.16", "3.5.12-0", "v1.10.1", "3.9"),
    k("1.28.15", "3.5.15-0", "v1.10.1", "3.9"),
    k("1.29.2", "3.5.10-0", "v1.11.1", "3.9"),
    k("1.29.10", "3.5.15-0", "v1.11.1", "3.9"),
    k("1.30.6", "3.5.15-0", "v1.11.3", "3.9"),
    k("1.31.2", "3.5.15-0", "v1.11.3", "3.10"),
];

/// The images kubeadm pulls for `version` (`1.21.3`), when a source confirmed them.
pub(crate) fn kubeadm_images(version: &str) -> Option<&'static KubeadmImages> {
    KUBEADM_IMAGES.iter().find(|i| i.version == version)
}

/// kubeadm's default `imageRepository`: `registry.k8s.io`, which replaced `k8s.gcr.io`
/// in 1.25 and in the patch releases 1.22.17, 1.23.15 and 1.24.9
/// (kubernetes-sigs/cluster-api util/kubeadm/kubeadm.go, `GetDefaultRegistry`; the
/// minikube table above names `k8s.gcr.io` images for 1.21.3).
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
