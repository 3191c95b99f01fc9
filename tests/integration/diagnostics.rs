//! Bad input: each mistake class in `tests/fixtures/invalid/` gives a report that names
//! the file, the field, the position where known and a fix; the formatted reports are
//! snapshots. Rendering any of them through the CLI exits 1 and writes nothing.

use crate::common;

use std::fs;
use std::path::Path;
use std::process::Command;

fn fixtures() -> Vec<(String, String)> {
    let dir = common::root().join("tests/fixtures/invalid");
    let mut out: Vec<(String, String)> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| {
            (
                format!(
                    "tests/fixtures/invalid/{}",
                    p.file_name().unwrap().to_string_lossy()
                ),
                fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    assert!(out.len() >= 25, "the corpus shrank");
    out
}

#[test]
fn every_invalid_fixture_is_rejected_with_a_located_hint() {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(common::root().join("snapshots/invalid"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        for (name, text) in fixtures() {
            let strict = name.contains("/warning-");
            let (cluster, report) = kubeprint::load_cluster(&text, &name, strict);
            assert!(cluster.is_none(), "{name} was accepted");
            for d in report.diagnostics.iter().filter(|d| d.is_error()) {
                assert!(d.help.is_some(), "{name}: `{}` has no hint", d.message);
                let whole_file = d.path.is_empty() && name.contains("not-a-mapping");
                assert!(
                    d.location.is_some() || whole_file,
                    "{name}: `{}` has no position",
                    d.message
                );
            }
            let stem = Path::new(&name)
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            insta::assert_snapshot!(stem, report.to_string());
        }
    });
}

#[test]
fn rendering_an_invalid_definition_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_kubeprint");
    let ok = Command::new(bin)
        .args(["render", "-s", "keep.yaml"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(ok.status.success());
    let snapshot = |p: &Path| -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<_> = common::walk(p)
            .into_iter()
            .map(|f| (f.display().to_string(), fs::read(&f).unwrap()))
            .collect();
        v.sort();
        v
    };
    let before = snapshot(&dir.path().join("out"));
    for (name, _) in fixtures() {
        let o = Command::new(bin)
            .args([
                "render",
                "-c",
                &common::root().join(&name).display().to_string(),
                "-s",
                "fresh.yaml",
                "--strict",
            ])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(1),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            !dir.path().join("fresh.yaml").exists(),
            "{name}: wrote a secrets file"
        );
        assert_eq!(
            snapshot(&dir.path().join("out")),
            before,
            "{name}: changed out/"
        );
    }
}
