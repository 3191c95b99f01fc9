//! The release matrix: one contiguous row per minor, with the facts each row must carry.

use kubeprint::matrix::{self, CrioRepo, KubeRepo, KubeadmApi};

#[test]
fn rows_are_contiguous_and_follow_upstream_boundaries() {
    let (lo, hi) = matrix::supported_range();
    assert_eq!(lo, 21);
    assert!(hi >= 36);
    for (i, r) in matrix::RELEASES.iter().enumerate() {
        assert_eq!(
            r.minor,
            lo + i as u32,
            "rows must be one per minor, in order"
        );
        let api = match r.minor {
            ..=21 => KubeadmApi::V1beta2,
            22..=30 => KubeadmApi::V1beta3,
            _ => KubeadmApi::V1beta4,
        };
        assert_eq!(r.kubeadm_api, api, "1.{}", r.minor);
        assert_eq!(
            r.kube_repo == KubeRepo::Legacy,
            r.minor < 24,
            "1.{}",
            r.minor
        );
        let crio = match r.minor {
            ..=27 => CrioRepo::Kubic,
            28 => CrioRepo::PkgsK8sAddons,
            _ => CrioRepo::Isv,
        };
        assert_eq!(r.crio_repo, crio, "1.{}", r.minor);
        assert!(
            r.end_of_life.len() == 10 && r.end_of_life.starts_with("20"),
            "1.{}",
            r.minor
        );
    }
    assert!(matrix::release(21).unwrap().is_end_of_life());
    assert!(!matrix::release(hi).unwrap().is_end_of_life());
}

#[test]
fn versions_table_lists_every_minor() {
    let table = kubeprint::cli::versions_table();
    for r in matrix::RELEASES {
        assert!(
            table.contains(&format!("1.{:<4} ", r.minor)),
            "1.{} missing:\n{table}",
            r.minor
        );
    }
    assert!(table.contains("(EOL)"));
    assert!(table.contains("v1beta2") && table.contains("v1beta4"));
}
