//! The newest Kubernetes patch release kubeprint knows for each minor, where it read
//! it, and when. In: a minor. Out: its [`Patch`], or `None` where no source confirmed
//! one (then `init` refuses to choose a patch for that minor and `validate` has
//! nothing to compare `kubernetes.version` against).
//!
//! A patch is only a lower bound for a maintained minor: upstream publishes a new one
//! about monthly, so a newer version in a definition is a warning, never an error.

/// The newest patch release of one minor that a source confirmed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Patch {
    /// `z` of `1.y.z`.
    pub patch: u32,
    /// Upstream named it the minor's final patch release (the minor is end of life).
    pub is_final: bool,
    /// The date the source showed it as the newest: the patch's release date for a
    /// maintained minor, the date the end-of-life list was read for a final one.
    pub as_of: &'static str,
    /// Where it was read, for `kubeprint versions`.
    pub source: &'static str,
}

/// kubernetes/website data/releases/eol.yaml at 0637786b3e0a896fabe197d29682f2bb688074a6,
/// `finalPatchRelease` of each branch; read 2026-12-06.
const EOL_YAML: &str = "kubernetes/website data/releases/eol.yaml";

const fn last(patch: u32) -> Option<Patch> {
    Some(Patch {
        patch,
        is_final: true,
        as_of: "2026-12-06",
        source: EOL_YAML,
    })
}

const fn newest(patch: u32, as_of: &'static str, source: &'static str) -> Option<Patch> {
    Some(Patch {
        patch,
        is_final: false,
        as_of,
        source,
    })
}

/// One entry per minor of the release matrix, 1.21 first.
///
/// - 1.21-1.31 but 1.29: eol.yaml's `finalPatchRelease` (above).
/// - 1.29: eol.yaml says 1.29.14 is final, but v1.29.15 was published after it:
///   minikube's generator downloaded its kubeadm (below; added 2025-04-30 by commit
///   e3f5d85463). So 1.29.15 is the newest known, not claimed final.
/// - 1.32-1.34: the newest release in kubernetes/minikube
///   pkg/minikube/constants/constants_kubeadm_images.go at
///   383c3aa4af9c2d637800f0b4c70b360980d523cf (2026-08-10), a table minikube's
///   hack/update/kubeadm_constants generates by downloading each release's own kubeadm,
///   so every version in it was released. `as_of` is the date of the commit that added
///   it: v1.32.13 89b4c5ec6f (2026-03-02, after 1.32's end of life on 2026-02-28, but
///   no list read here calls it final), v1.33.13 3684118c9c (2026-06-22), v1.34.10
///   b353cfc808 (2026-07-27).
/// - 1.35-1.37: the "Latest patch release" of kubernetes.io/releases/1.XX/ (the page
///   kubernetes/website generates from data/releases/schedule.yaml), as stored with its
///   release date: 1.35.9 (releases/1.35/, 2026-09-15), 1.36.4 (it/releases/1.36/,
///   2026-08-11), 1.37.1 (releases/1.37/, 2026-09-15; also the top entry of
///   kubernetes/kubernetes master CHANGELOG/CHANGELOG-1.37.md).
const PAGE: &str = "kubernetes.io/releases";
const MINIKUBE: &str = "kubernetes/minikube pkg/minikube/constants/constants_kubeadm_images.go";
static PATCHES: &[(u32, Option<Patch>)] = &[
    (21, last(14)),
    (22, last(17)),
    (23, last(17)),
    (24, last(17)),
    (25, last(16)),
    (26, last(15)),
    (27, last(16)),
    (28, last(15)),
    (29, newest(15, "2025-04-30", MINIKUBE)),
    (30, last(14)),
    (31, last(14)),
    (32, newest(13, "2026-03-02", MINIKUBE)),
    (33, newest(13, "2026-06-22", MINIKUBE)),
    (34, newest(10, "2026-07-27", MINIKUBE)),
    (35, newest(9, "2026-09-15", PAGE)),
    (36, newest(4, "2026-08-11", PAGE)),
    (37, newest(1, "2026-09-15", PAGE)),
];

/// The newest known patch of `minor`; `None` for a minor without one (or unknown).
pub(crate) const fn newest_patch(minor: u32) -> Option<Patch> {
    let mut i = 0;
    while i < PATCHES.len() {
        if PATCHES[i].0 == minor {
            return PATCHES[i].1;
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::matrix::RELEASES;

    /// Every row of the matrix has exactly one entry here, so a new row cannot
    /// silently lack its patch fact.
    #[test]
    fn every_minor_has_an_entry() {
        let minors: Vec<u32> = PATCHES.iter().map(|(m, _)| *m).collect();
        let rows: Vec<u32> = RELEASES.iter().map(|r| r.minor).collect();
        assert_eq!(minors, rows);
    }

    /// Final patches belong to end-of-life minors only, and every date is ISO.
    #[test]
    fn finals_are_end_of_life_and_dates_are_iso() {
        for r in RELEASES {
            let Some(p) = r.patch else { continue };
            assert!(!p.is_final || r.is_end_of_life(), "1.{}", r.minor);
            let d = p.as_of.as_bytes();
            assert!(
                d.len() == 10 && d[4] == b'-' && d[7] == b'-' && p.as_of.starts_with("20"),
                "1.{}: {}",
                r.minor,
                p.as_of
            );
            // Nobody releases `x.y.0` as the newest patch for long: a zero is a typo.
            assert!(p.patch > 0, "1.{}", r.minor);
        }
    }

    /// The facts as read: spot checks that a careless edit breaks.
    #[test]
    fn known_patches_as_read() {
        let p = |m| newest_patch(m).map(|p| p.patch);
        assert_eq!(p(21), Some(14));
        assert_eq!(p(29), Some(15));
        assert!(newest_patch(29).is_some_and(|p| !p.is_final));
        assert_eq!(p(31), Some(14));
        assert_eq!(p(32), Some(13));
        assert_eq!(p(33), Some(13));
        assert_eq!(p(34), Some(10));
        assert_eq!(p(35), Some(9));
        assert_eq!(p(36), Some(4));
        assert_eq!(p(37), Some(1));
        assert_eq!(newest_patch(20), None);
        assert!(newest_patch(31).is_some_and(|p| p.is_final));
        assert!(newest_patch(36).is_some_and(|p| !p.is_final));
    }
}
