//! The release matrix: every version fact kubeprint relies on, one row per Kubernetes
//! minor, plus the operating systems it renders for. `plan` reads it; nothing else
//! hard-codes a version, repository or API. Adding a release is adding a row.

/// Where the Kubernetes packages (kubelet, kubeadm, kubectl) come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KubeRepo {
    /// `apt.kubernetes.io`, `kubernetes-xenial main`, versions like `1.21.3-00`.
    /// Frozen in September 2023 and removed in March 2024: a mirror is needed today.
    Legacy,
    /// `pkgs.k8s.io/core:/stable:/v1.XX/deb/`, one repository per minor, versions like
    /// `1.30.2-1.1`.
    PkgsK8s,
}

/// Where CRI-O comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrioRepo {
    /// openSUSE Kubic: a `libcontainers:stable` repository plus one per CRI-O minor;
    /// packages `cri-o` and `cri-o-runc`. Stale since CRI-O moved its packaging.
    Kubic,
    /// `pkgs.k8s.io/addons:/cri-o:/stable:/v1.XX/deb/`: where CRI-O 1.28 was published
    /// (the `isv:/cri-o` projects start at 1.29). One `cri-o` package.
    PkgsK8sAddons,
    /// `isv:/cri-o:/stable:/v1.XX/deb/`: one repository, one `cri-o` package that
    /// bundles runc, crun and conmon.
    Isv,
}

/// Where a Calico release publishes its manifests (`calico.yaml`, `canal.yaml`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CalicoPin {
    /// Before v3.24 the manifests were rendered by the docs site, not committed at the
    /// tag; the archived docs still serve them.
    DocsArchive(&'static str),
    /// From v3.24 the manifests at the release tag are the official links.
    Tag(&'static str),
}

impl CalicoPin {
    /// URL of `file` (`canal.yaml` or `calico.yaml`) for this release.
    pub fn manifest_url(self, file: &str) -> String {
        match self {
            CalicoPin::DocsArchive(minor) => {
                format!("https://projectcalico.docs.tigera.io/archive/{minor}/manifests/{file}")
            }
            CalicoPin::Tag(tag) => format!(
                "https://raw.githubusercontent.com/projectcalico/calico/{tag}/manifests/{file}"
            ),
        }
    }

    pub fn version(self) -> &'static str {
        match self {
            CalicoPin::DocsArchive(v) | CalicoPin::Tag(v) => v,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KubeadmApi {
    V1beta2,
    V1beta3,
    V1beta4,
}

impl KubeadmApi {
    pub fn api_version(self) -> &'static str {
        match self {
            KubeadmApi::V1beta2 => "kubeadm.k8s.io/v1beta2",
            KubeadmApi::V1beta3 => "kubeadm.k8s.io/v1beta3",
            KubeadmApi::V1beta4 => "kubeadm.k8s.io/v1beta4",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Release {
    pub minor: u32,
    pub kube_repo: KubeRepo,
    pub kubeadm_api: KubeadmApi,
    pub crio_repo: CrioRepo,
    /// Upstream end of maintenance (ISO date).
    pub end_of_life: &'static str,
    /// Calico release tested with this minor (calico.yaml, canal.yaml).
    pub calico: CalicoPin,
    /// Flannel release whose `kube-flannel.yml` release asset to apply.
    pub flannel: &'static str,
}

/// The date the end-of-life column was last reviewed. Rendering must not read the
/// clock (output is a pure function of its inputs), so "end-of-life" means "as of
/// this kubeprint release".
pub const REVIEWED: &str = "2026-11-26";

const fn row(
    minor: u32,
    kubeadm_api: KubeadmApi,
    end_of_life: &'static str,
    calico: CalicoPin,
    flannel: &'static str,
) -> Release {
    Release {
        minor,
        kube_repo: if minor < 24 {
            KubeRepo::Legacy
        } else {
            KubeRepo::PkgsK8s
        },
        kubeadm_api,
        crio_repo: if minor < 28 {
            CrioRepo::Kubic
        } else if minor == 28 {
            CrioRepo::PkgsK8sAddons
        } else {
            CrioRepo::Isv
        },
        end_of_life,
        calico,
        flannel,
    }
}

use CalicoPin::{DocsArchive, Tag};
use KubeadmApi::{V1beta2, V1beta3, V1beta4};

// End-of-life dates: kubernetes/website data/releases/eol.yaml and kubernetes.io/releases
// (1.32's is the usual pattern date). Calico pins follow Calico's tested-versions tables.
pub static RELEASES: &[Release] = &[
    row(21, V1beta2, "2022-06-28", DocsArchive("v3.20"), "v0.22.3"),
    row(22, V1beta3, "2022-12-08", Tag("v3.24.6"), "v0.22.3"),
    row(23, V1beta3, "2023-02-28", Tag("v3.25.2"), "v0.22.3"),
    row(24, V1beta3, "2023-07-28", Tag("v3.26.5"), "v0.22.3"),
    row(25, V1beta3, "2023-10-28", Tag("v3.26.5"), "v0.22.3"),
    row(26, V1beta3, "2024-02-28", Tag("v3.26.5"), "v0.22.3"),
    row(27, V1beta3, "2024-07-16", Tag("v3.28.2"), "v0.22.3"),
    row(28, V1beta3, "2024-10-22", Tag("v3.28.2"), "v0.26.3"),
    row(29, V1beta3, "2025-02-28", Tag("v3.29.4"), "v0.26.3"),
    row(30, V1beta3, "2025-07-15", Tag("v3.29.4"), "v0.26.3"),
    row(31, V1beta4, "2025-11-11", Tag("v3.30.6"), "v0.26.3"),
    row(32, V1beta4, "2026-02-28", Tag("v3.31.3"), "v0.26.3"),
    row(33, V1beta4, "2026-06-28", Tag("v3.31.3"), "v0.26.3"),
    row(34, V1beta4, "2026-10-27", Tag("v3.32.3"), "v0.28.8"),
    row(35, V1beta4, "2027-02-28", Tag("v3.33.1"), "v0.28.8"),
    row(36, V1beta4, "2027-06-28", Tag("v3.33.1"), "v0.28.8"),
    row(37, V1beta4, "2027-10-28", Tag("v3.33.1"), "v0.28.8"),
];

pub fn release(minor: u32) -> Option<&'static Release> {
    RELEASES.iter().find(|r| r.minor == minor)
}

pub fn supported_range() -> (u32, u32) {
    let first = RELEASES.first().map_or(0, |r| r.minor);
    let last = RELEASES.last().map_or(0, |r| r.minor);
    (first, last)
}

impl Release {
    pub fn is_end_of_life(&self) -> bool {
        self.end_of_life <= REVIEWED
    }

    /// Whether the upstream package repositories for this row still exist.
    pub fn upstream_repos_gone(&self) -> bool {
        self.kube_repo == KubeRepo::Legacy
    }
}

/// An operating system kubeprint renders for.
#[derive(Clone, Debug)]
pub struct Os {
    pub id: &'static str,
    /// Distribution family (`ubuntu`, `debian`).
    pub family: &'static str,
    /// The user the distribution's official cloud images (EC2 AMIs) log in as: the
    /// default `admin_user` and the Packer template's SSH user. Ubuntu's images use
    /// `ubuntu`; Debian's official AMIs use `admin` (Debian wiki, Cloud/AmazonEC2Image:
    /// "the default user name is admin").
    pub login_user: &'static str,
    /// Name in openSUSE Kubic repository paths.
    pub kubic_name: &'static str,
    /// Whether Kubic published CRI-O for this OS (it never built Ubuntu 24.04).
    pub in_kubic: bool,
}

pub static OPERATING_SYSTEMS: &[Os] = &[
    Os {
        id: "ubuntu-20.04",
        family: "ubuntu",
        login_user: "ubuntu",
        kubic_name: "xUbuntu_20.04",
        in_kubic: true,
    },
    Os {
        id: "ubuntu-22.04",
        family: "ubuntu",
        login_user: "ubuntu",
        kubic_name: "xUbuntu_22.04",
        in_kubic: true,
    },
    Os {
        id: "ubuntu-24.04",
        family: "ubuntu",
        login_user: "ubuntu",
        kubic_name: "xUbuntu_24.04",
        in_kubic: false,
    },
    Os {
        id: "debian-11",
        family: "debian",
        login_user: "admin",
        kubic_name: "Debian_11",
        in_kubic: true,
    },
    Os {
        id: "debian-12",
        family: "debian",
        login_user: "admin",
        kubic_name: "Debian_12",
        in_kubic: true,
    },
];

pub fn os(id: &str) -> Option<&'static Os> {
    OPERATING_SYSTEMS.iter().find(|o| o.id == id)
}
