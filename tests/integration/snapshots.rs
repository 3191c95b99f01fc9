//! Golden files: every rendered file of every example cluster is a snapshot in
//! `snapshots/<scenario>/`, rendered with the test-only secrets fixture and redacted, as
//! README tells users to commit their own goldens: no private key is committed twice.
//! `redact.rs` proves the real render differs only where redaction masks. Review each
//! change as a diff.

use crate::common;

fn settings(scenario: &str) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(common::root().join("snapshots").join(scenario));
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s
}

/// `control-plane/steps/01-disable-swap.sh` → `control-plane__steps__01-disable-swap.sh`
fn snapshot_name(path: &str) -> String {
    path.replace('/', "__")
}

fn snapshot_all(scenario: &str, artifacts: &kubeprint::Artifacts) {
    settings(scenario).bind(|| {
        // An inventory node's user-data embeds its whole bootstrap.sh, whose functions
        // are its step files: one golden file per node is enough to review.
        // With fetched delivery the user-data is a stub, so the node's bootstrap.sh is
        // the file to review. Gzip twins are binary; tests/image.rs checks they
        // decompress to their source.
        let fetched = artifacts.keys().any(|p| p.starts_with("publish/"));
        let reviewed =
            |p: &str| p.ends_with("/user-data.yaml") || (fetched && p.ends_with("/bootstrap.sh"));
        let redundant = |p: &str| (p.starts_with("nodes/") && !reviewed(p)) || p.ends_with(".gz");
        for path in artifacts.keys().filter(|p| !redundant(p)) {
            insta::assert_snapshot!(snapshot_name(path), common::text(artifacts, path));
        }
    });
}

#[test]
fn default_cluster() {
    snapshot_all("default", &common::render_default_redacted());
}

/// `examples/*.yaml` other than the guide (which is the default cluster above).
pub fn examples() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(common::root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .filter(|(stem, _)| stem != "guide-1.21")
        .collect();
    out.sort();
    out
}

#[test]
fn example_clusters() {
    let examples = examples();
    assert!(examples.len() >= 3);
    for (stem, text) in examples {
        snapshot_all(&stem, &common::render_text_redacted(&text, &stem));
    }
}

#[test]
fn guide_example_is_the_embedded_default() {
    let guide = std::fs::read_to_string(common::root().join("examples/guide-1.21.yaml")).unwrap();
    assert_eq!(guide, kubeprint::DEFAULT_CLUSTER);
}
