//! Runs the real validators on everything kubeprint renders: `cloud-init schema` on
//! user-data, `shellcheck` and `bash -n` on every script, `packer fmt -check` on the
//! Packer template. Under CI the tools are required; elsewhere a missing tool prints a
//! skip notice.

use crate::common;

#[test]
fn default_cluster_passes_validators() {
    common::validate_tree(&common::render_default());
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
            Some("/usr/local/lib/kubeprint/bootstrap.sh")
        );
    }
}

#[test]
fn every_example_passes_validators() {
    for entry in std::fs::read_dir(common::root().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        common::validate_tree(&common::render_text(&text, &path.display().to_string()));
    }
}

/// The Packer template is written as `packer fmt` would leave it (aligned `=`), so users
/// who run the formatter on it see no diff.
#[test]
fn every_packer_template_is_packer_fmt_formatted() {
    if !common::require_tool("packer") {
        return;
    }
    let mut renders = vec![("default".to_string(), common::render_default())];
    for entry in std::fs::read_dir(common::root().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        renders.push((
            name,
            common::render_text(&text, &path.display().to_string()),
        ));
    }
    // One directory of templates named after their example: a single `packer fmt` run
    // checks them all and its diff names the culprit.
    let dir = tempfile::tempdir().unwrap();
    for (name, artifacts) in &renders {
        let templates: Vec<_> = artifacts
            .iter()
            .filter(|(p, _)| p.ends_with(".pkr.hcl"))
            .collect();
        assert!(!templates.is_empty(), "{name} renders no Packer template");
        for (i, (_, a)) in templates.into_iter().enumerate() {
            std::fs::write(dir.path().join(format!("{name}-{i}.pkr.hcl")), &a.bytes).unwrap();
        }
    }
    common::run_ok("packer", &["fmt", "-check", "-diff", "."], dir.path());
}
