//! Runs the real validators on everything kubeprint renders: `cloud-init schema` on
//! user-data, `shellcheck` and `bash -n` on every script. Under CI the tools are
//! required; elsewhere a missing tool prints a skip notice.

mod common;

use std::path::Path;
use std::process::Command;

use kubeprint::render::Artifacts;

pub fn validate_tree(artifacts: &Artifacts) {
    let dir = tempfile::tempdir().unwrap();
    common::write_tree(artifacts, dir.path());
    let files = |suffix: &str| -> Vec<String> {
        artifacts
            .keys()
            .filter(|p| p.ends_with(suffix))
            .map(|p| dir.path().join(p).display().to_string())
            .collect()
    };
    let scripts = files(".sh");
    let user_data = files("user-data.yaml");
    assert!(!scripts.is_empty() && !user_data.is_empty());

    for script in &scripts {
        run_ok("bash", &["-n", script], dir.path());
    }
    if common::require_tool("shellcheck") {
        let mut args = vec!["-S", "warning"];
        args.extend(scripts.iter().map(String::as_str));
        run_ok("shellcheck", &args, dir.path());
    }
    if common::require_tool("cloud-init") {
        for file in &user_data {
            run_ok("cloud-init", &["schema", "--config-file", file], dir.path());
        }
    }
}

fn run_ok(tool: &str, args: &[&str], dir: &Path) {
    let out = Command::new(tool)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("tool runs");
    assert!(
        out.status.success(),
        "`{tool} {}` failed:\n{}{}",
        args.join(" "),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn default_cluster_passes_validators() {
    validate_tree(&common::render_default());
}

/// The embedded scripts inside user-data are what actually runs: check those too.
#[test]
fn user_data_payload_is_the_bootstrap_script() {
    let artifacts = common::render_default();
    for role in ["control-plane", "worker"] {
        let doc: serde_yaml::Value =
            serde_yaml::from_str(&common::text(&artifacts, &format!("{role}/user-data.yaml")))
                .unwrap();
        let content = doc["write_files"][0]["content"].as_str().unwrap();
        assert_eq!(
            content,
            common::text(&artifacts, &format!("{role}/bootstrap.sh")),
            "{role}"
        );
        assert_eq!(doc["write_files"][0]["permissions"].as_str(), Some("0700"));
        assert_eq!(
            doc["runcmd"][0][1].as_str(),
            Some(kubeprint::cloudinit::BOOTSTRAP_PATH)
        );
    }
}
