//! Golden files: every rendered file of every example cluster, rendered with the
//! test-only secrets fixture, is a snapshot in `snapshots/`. Review each change as a diff.

mod common;

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(common::root().join("snapshots"));
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s
}

/// `control-plane/steps/01-disable-swap.sh` → `default__control-plane__steps__01-disable-swap.sh`
fn snapshot_name(scenario: &str, path: &str) -> String {
    format!("{scenario}__{}", path.replace('/', "__"))
}

fn snapshot_all(scenario: &str, artifacts: &kubeprint::render::Artifacts) {
    settings().bind(|| {
        for path in artifacts.keys() {
            insta::assert_snapshot!(snapshot_name(scenario, path), common::text(artifacts, path));
        }
    });
}

#[test]
fn default_cluster() {
    snapshot_all("default", &common::render_default());
}
