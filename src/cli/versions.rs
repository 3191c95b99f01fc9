//! `kubeprint versions`: the release matrix and the operating systems, as a table.

use crate::model::matrix;

pub fn versions_table() -> String {
    let mut out = format!(
        "{:<6} {:<8} {:<17} {:<20} {:<8} {:<8} {}\n",
        "minor", "kubeadm", "packages", "cri-o", "calico", "flannel", "end of life"
    );
    for r in matrix::RELEASES {
        let packages = match r.kube_repo {
            matrix::KubeRepo::Legacy => "apt.kubernetes.io",
            matrix::KubeRepo::PkgsK8s => "pkgs.k8s.io",
        };
        let crio = match r.crio_repo {
            matrix::CrioRepo::Kubic => "opensuse kubic",
            matrix::CrioRepo::Isv => "opensuse isv",
        };
        let api = r
            .kubeadm_api
            .api_version()
            .trim_start_matches("kubeadm.k8s.io/");
        let eol = if r.is_end_of_life() {
            format!("{} (EOL)", r.end_of_life)
        } else {
            r.end_of_life.to_string()
        };
        out.push_str(&format!(
            "1.{:<4} {:<8} {:<17} {:<20} {:<8} {:<8} {}\n",
            r.minor,
            api,
            packages,
            format!("{crio} 1.{}", r.minor),
            if r.calico.tests(r.minor) {
                r.calico.tag.to_string()
            } else {
                format!("{}*", r.calico.tag)
            },
            r.flannel.tag,
            eol
        ));
    }
    out.push_str(
        "* the nearest Calico release: none with a pinnable manifest is tested with this minor\n\n",
    );
    out.push_str(&format!(
        "{:<13} {:<7} {:<11} {}\n",
        "os", "login", "kubernetes", "cri-o from openSUSE Kubic (before 1.28)"
    ));
    for os in matrix::OPERATING_SYSTEMS {
        let kubic = match os.kubic_minors().as_slice() {
            [] => "none".to_string(),
            minors => minors
                .iter()
                .map(|m| match os.kubic(*m) {
                    matrix::Kubic::Unconfirmed => format!("1.{m}?"),
                    _ => format!("1.{m}"),
                })
                .collect::<Vec<_>>()
                .join(" "),
        };
        out.push_str(&format!(
            "{:<13} {:<7} {:<11} {kubic}\n",
            os.id,
            os.login_user,
            format!("1.{}+", os.oldest_supported_minor())
        ));
    }
    out.push_str("? published according to no source; rendered with a warning\n");
    out
}
