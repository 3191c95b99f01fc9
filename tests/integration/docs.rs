//! Documentation as tests: every cluster definition in README renders, passes the
//! validators and `verify`, so the reference cannot drift from what kubeprint accepts.

use crate::common;

/// The ```yaml blocks of README that are cluster definitions.
fn readme_definitions() -> Vec<String> {
    let readme = std::fs::read_to_string(common::root().join("README.md")).unwrap();
    let mut blocks = Vec::new();
    let mut rest = readme.as_str();
    while let Some(start) = rest.find("```yaml\n") {
        let body = &rest[start + 8..];
        let end = body.find("```").expect("closed block");
        blocks.push(body[..end].to_string());
        rest = &body[end..];
    }
    blocks
        .into_iter()
        .filter(|b| b.contains("kubernetes:"))
        .collect()
}

#[test]
fn readme_definitions_render_and_verify() {
    let blocks = readme_definitions();
    assert!(!blocks.is_empty(), "README has no cluster definition");
    for (i, text) in blocks.iter().enumerate() {
        let name = format!("README.md block {i}");
        let (cluster, report) = kubeprint::load_cluster(text, &name, false);
        let cluster = cluster.unwrap_or_else(|| panic!("{report}"));
        let artifacts = kubeprint::render_cluster(&cluster, &common::fixture_secrets()).unwrap();
        common::validate_tree(&artifacts);
        assert_verifies(&name, &artifacts);
    }
}

#[test]
fn every_example_verifies() {
    for path in common::walk(&common::root().join("examples")) {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.display().to_string();
        assert_verifies(&name, &common::render_text(&text, &name));
    }
}

/// Writes the tree and runs `kubeprint verify` on it.
fn assert_verifies(name: &str, artifacts: &kubeprint::Artifacts) {
    let dir = tempfile::tempdir().unwrap();
    common::write_tree(artifacts, &dir.path().join("out"));
    let verify = common::kubeprint(
        dir.path(),
        &["verify", "out", "--at", common::FIXTURE_VALID_AT],
    );
    assert!(
        verify.status.success(),
        "{name}: {}{}",
        String::from_utf8_lossy(&verify.stdout),
        String::from_utf8_lossy(&verify.stderr)
    );
}
