//! `kubeprint versions`: the release matrix and the operating systems, as a table or
//! as JSON (`--format json`; the field names below are the stable interface).

use serde::Serialize;

use crate::model::matrix::{self, CrioRepo, KubeRepo, Kubic, containerd};

/// One Kubernetes minor and what kubeprint installs for it.
#[derive(Serialize)]
pub(super) struct ReleaseRow {
    pub minor: String,
    pub kubeadm_api: &'static str,
    pub packages: &'static str,
    pub crio_repository: &'static str,
    /// containerd with `runtime.name: containerd`.
    pub containerd: ContainerdRow,
    pub calico: &'static str,
    /// Whether the Calico release is tested with this minor (else the nearest one).
    pub calico_tested: bool,
    pub flannel: &'static str,
    pub end_of_life: &'static str,
    pub end_of_life_reached: bool,
    /// The newest patch release kubeprint knows (`init` writes it), or `null` where no
    /// source confirmed one.
    pub newest_patch: Option<PatchRow>,
    /// The CNI manifests this minor's nodes download, each with the sha256 the node
    /// checks before applying it, so a reviewer can audit every pin.
    pub manifests: Vec<ManifestPin>,
}

/// What `runtime.name: containerd` installs for a minor, and what containerd's
/// RELEASES.md recommends for it (`2.2.0+`: the 2.2 stream from 2.2.0).
#[derive(Serialize)]
pub(super) struct ContainerdRow {
    /// The release installed without `runtime.containerd_version`.
    pub default: &'static str,
    pub recommended: Vec<String>,
    /// `false`: containerd's table does not list the minor yet (kubeprint uses the
    /// newest row).
    pub listed: bool,
}

/// The newest known patch of a minor and where that knowledge comes from.
#[derive(Serialize)]
pub(super) struct PatchRow {
    /// `1.35.9`.
    pub version: String,
    /// Upstream named it the minor's final patch release.
    pub is_final: bool,
    /// The date the source showed it as the newest (ISO).
    pub as_of: &'static str,
    pub source: &'static str,
}

/// One pinned download.
#[derive(Serialize)]
pub(super) struct ManifestPin {
    /// `calico`, `canal` or `flannel`.
    pub plugin: &'static str,
    pub url: String,
    pub sha256: &'static str,
}

/// One operating system.
#[derive(Serialize)]
pub(super) struct OsRow {
    pub id: &'static str,
    pub login_user: &'static str,
    /// The oldest Kubernetes minor it installs without mirrors (`1.28`).
    pub oldest_release: String,
    /// CRI-O minors openSUSE Kubic published for it; `?` marks ones no source confirms.
    pub kubic: Vec<String>,
}

#[derive(Serialize)]
pub(super) struct Versions {
    pub releases: Vec<ReleaseRow>,
    pub operating_systems: Vec<OsRow>,
}

pub(super) fn versions() -> Versions {
    let releases = matrix::RELEASES
        .iter()
        .map(|r| ReleaseRow {
            minor: format!("1.{}", r.minor),
            kubeadm_api: r.kubeadm_api.api_version(),
            packages: match r.kube_repo {
                KubeRepo::Legacy => "apt.kubernetes.io",
                KubeRepo::PkgsK8s => "pkgs.k8s.io",
            },
            crio_repository: match r.crio_repo {
                CrioRepo::Kubic => "opensuse kubic",
                CrioRepo::Isv => "opensuse isv",
            },
            containerd: ContainerdRow {
                default: containerd::default_version(r.minor),
                recommended: containerd::recommended(r.minor)
                    .iter()
                    .map(|s| format!("{}.{}.{}+", s.major, s.minor, s.min_patch))
                    .collect(),
                listed: containerd::listed(r.minor),
            },
            calico: r.calico.tag,
            calico_tested: r.calico.tests(r.minor),
            flannel: r.flannel.tag,
            end_of_life: r.end_of_life,
            end_of_life_reached: r.is_end_of_life(),
            newest_patch: r.patch.map(|p| PatchRow {
                version: format!("1.{}.{}", r.minor, p.patch),
                is_final: p.is_final,
                as_of: p.as_of,
                source: p.source,
            }),
            manifests: [
                ("calico", r.calico.manifest(false)),
                ("canal", r.calico.manifest(true)),
                ("flannel", r.flannel.manifest()),
            ]
            .into_iter()
            .map(|(plugin, (url, sha256))| ManifestPin {
                plugin,
                url,
                sha256,
            })
            .collect(),
        })
        .collect();
    let operating_systems = matrix::OPERATING_SYSTEMS
        .iter()
        .map(|os| OsRow {
            id: os.id,
            login_user: os.login_user,
            oldest_release: format!("1.{}", os.oldest_supported_minor()),
            kubic: os
                .kubic_minors()
                .iter()
                .map(|m| match os.kubic(*m) {
                    Kubic::Unconfirmed => format!("1.{m}?"),
                    _ => format!("1.{m}"),
                })
                .collect(),
        })
        .collect();
    Versions {
        releases,
        operating_systems,
    }
}

pub(super) fn versions_table() -> String {
    let v = versions();
    let mut out = format!(
        "{:<6} {:<14} {:<8} {:<17} {:<20} {:<11} {:<8} {:<8} {}\n",
        "minor",
        "newest patch",
        "kubeadm",
        "packages",
        "cri-o",
        "containerd",
        "calico",
        "flannel",
        "end of life"
    );
    for r in &v.releases {
        let calico = format!("{}{}", r.calico, if r.calico_tested { "" } else { "*" });
        let eol = format!(
            "{}{}",
            r.end_of_life,
            if r.end_of_life_reached { " (EOL)" } else { "" }
        );
        let patch = r.newest_patch.as_ref().map_or("unknown".into(), |p| {
            format!("{}{}", p.version, if p.is_final { " final" } else { "" })
        });
        out.push_str(&format!(
            "{:<6} {:<14} {:<8} {:<17} {:<20} {:<11} {:<8} {:<8} {eol}\n",
            r.minor,
            patch,
            r.kubeadm_api.trim_start_matches("kubeadm.k8s.io/"),
            r.packages,
            format!("{} {}", r.crio_repository, r.minor),
            format!(
                "{}{}",
                r.containerd.default,
                if r.containerd.listed { "" } else { "†" }
            ),
            calico,
            r.flannel,
        ));
    }
    out.push_str(
        "* the nearest Calico release: none with a pinnable manifest is tested with this minor\n",
    );
    out.push_str(
        "containerd: the containerd.io release `runtime.name: containerd` installs (Docker's apt repository), one containerd's RELEASES.md recommends for the minor; † not in that table yet (the newest row applies)\n",
    );
    out.push_str(
        "newest patch: the newest release a source confirmed (`--format json` gives source and date); `final`: upstream's last for that minor\n\n",
    );
    out.push_str(&format!(
        "{:<13} {:<7} {:<11} {}\n",
        "os", "login", "kubernetes", "cri-o from openSUSE Kubic (before 1.28)"
    ));
    for os in &v.operating_systems {
        let kubic = if os.kubic.is_empty() {
            "none".to_string()
        } else {
            os.kubic.join(" ")
        };
        out.push_str(&format!(
            "{:<13} {:<7} {:<11} {kubic}\n",
            os.id,
            os.login_user,
            format!("{}+", os.oldest_release)
        ));
    }
    out.push_str("? published according to no source; rendered with a warning\n");
    out
}
