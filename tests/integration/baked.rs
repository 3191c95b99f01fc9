//! Zero-network boots from a baked image: the image build pulls every image `artifacts`
//! lists and keeps the pinned CNI manifest; a baked bundle's boot steps install no
//! package, pull no image and download nothing but the CNI manifest's fallback; and the
//! rendered cni step, run with stand-in curl and kubectl, prefers the image's copy.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use serde_json::Value;

use kubeprint::{Artifacts, Stage};

use crate::common;

fn example(name: &str) -> Artifacts {
    let text = std::fs::read_to_string(common::root().join("examples").join(name)).unwrap();
    common::render_text(&text, name)
}

fn examples() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(common::root().join("examples"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    names
}

/// A step file's own text: what follows the shared prelude's `check_os` call.
fn body(step: &str) -> &str {
    step.split_once("\ncheck_os\n").expect("a step file").1
}

#[test]
fn baked_boot_steps_install_pull_and_download_nothing() {
    for name in examples() {
        let a = example(&name);
        let boot_steps = a.iter().filter(|(path, artifact)| {
            path.contains("/steps/")
                && artifact.stage == Stage::Boot
                && !path.starts_with("packer/")
        });
        let mut checked = 0;
        for (path, artifact) in boot_steps {
            let text = String::from_utf8(artifact.bytes.clone()).unwrap();
            let body = body(&text);
            for word in [
                "apt_get",
                "apt-get",
                "apt_install_missing",
                "apt_refresh",
                "install_apt_key",
                "images pull",
                "crictl",
            ] {
                assert!(!body.contains(word), "{name}: {path} runs `{word}` at boot");
            }
            let lines: Vec<&str> = body.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                // The wait for the cluster's own API server keeps nothing it fetches.
                if !line.contains("curl ") || line.contains("-o /dev/null \"$url\"") {
                    continue;
                }
                // Only the cni step's fallback, when the image lacks its copy.
                let opened = lines[..i]
                    .iter()
                    .rposition(|l| l.starts_with("if [ -f \"$baked\" ]"));
                let otherwise = lines[..i].iter().rposition(|l| *l == "else");
                assert!(
                    path.ends_with("-cni.sh") && opened.is_some() && otherwise > opened,
                    "{name}: {path} downloads at boot: {line}"
                );
            }
            checked += 1;
        }
        assert!(checked > 0, "{name}: no boot steps");
    }
}

/// What `kubeprint artifacts --format json` lists for an example.
fn listed(name: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = common::root()
        .join("examples")
        .join(name)
        .display()
        .to_string();
    let o = common::kubeprint(dir.path(), &["artifacts", "--format", "json", "-c", &path]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// kubeadm's own images: `kubeadm config images pull` fetches them.
const KUBEADM: &[&str] = &[
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kube-proxy",
    "etcd",
    "coredns",
    "pause",
];

#[test]
fn the_image_build_pulls_every_listed_image_and_keeps_the_manifest() {
    for name in examples() {
        let a = example(&name);
        let (_, script) = a
            .iter()
            .find(|(p, _)| p.starts_with("packer/scripts/") && p.ends_with("-pull-images.sh"))
            .unwrap_or_else(|| panic!("{name}: no pull-images script"));
        let script = String::from_utf8(script.bytes.clone()).unwrap();
        let script = body(&script);
        assert!(script.contains("kubeadm config images pull "), "{name}");
        let json = listed(&name);
        for item in json["items"].as_array().unwrap() {
            let location = item["location"].as_str();
            match (item["kind"].as_str().unwrap(), location) {
                ("image", Some(reference)) => {
                    let kubeadm = KUBEADM.contains(&item["name"].as_str().unwrap());
                    let pull = format!(" pull {reference}\n");
                    assert!(
                        kubeadm || script.contains(&pull),
                        "{name}: the image build does not pull {reference}"
                    );
                }
                ("manifest", Some(url)) => {
                    let sha = item["sha256"].as_str().unwrap();
                    assert!(
                        script.contains(&format!(" \"$manifest.download\" {url}\n")),
                        "{name}: no download of {url}"
                    );
                    assert!(
                        script.contains(&format!("[ \"$actual\" = '{sha}' ]")),
                        "{name}: {url} unchecked"
                    );
                }
                _ => {}
            }
        }
    }
}

/// The Calico example's rendered cni step, its node paths moved under a temporary root,
/// run with stand-in curl (serving the real pinned manifest from tests/e2e/downloads)
/// and kubectl on PATH. `baked`: what the image holds at its copy's path. Returns the
/// step's exit status, its output and the stand-ins' calls.
fn run_cni_step(baked: Option<&[u8]>) -> (bool, String, String) {
    let a = example("ubuntu-24.04-1.36-calico.yaml");
    let (_, step) = a
        .iter()
        .find(|(p, _)| p.starts_with("control-plane/steps/") && p.ends_with("-cni.sh"))
        .expect("a cni step");
    let step = String::from_utf8(step.bytes.clone()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let r = root.display().to_string();
    let script = step
        .replace("\ncheck_os\n", "\n")
        .replace("[ \"$(id -u)\" -eq 0 ] ||", "true ||")
        .replace("=/var/lib/kubeprint", &format!("={r}/state"))
        .replace("'/etc/kubeprint/", &format!("'{r}/etc/kubeprint/"))
        .replace("'/usr/local/share/kubeprint/", &format!("'{r}/share/"));
    assert!(
        script.contains(&format!("baked='{r}/share/cni/calico.yaml'")),
        "{script}"
    );
    let upstream = root.join("upstream.yaml.gz");
    std::fs::copy(
        common::root()
            .join("tests/e2e/downloads/projectcalico-calico-v3.32.1-manifests-calico.yaml.gz"),
        &upstream,
    )
    .unwrap();
    let calls = root.join("calls");
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let stub = |name: &str, text: String| {
        let p = bin.join(name);
        std::fs::write(
            &p,
            format!(
                "#!/bin/bash\nprintf '%s\\n' \"{name} $*\" >>{}\n{text}",
                calls.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    };
    stub(
        "curl",
        format!("gzip -dc {} >\"${{*: -2:1}}\"\n", upstream.display()),
    );
    stub("kubectl", format!("cp \"$3\" {}/applied.yaml\n", r));
    if let Some(bytes) = baked {
        std::fs::create_dir_all(root.join("share/cni")).unwrap();
        std::fs::write(root.join("share/cni/calico.yaml"), bytes).unwrap();
    }
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let out = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .env("PATH", path)
        .output()
        .unwrap();
    let output =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let calls = std::fs::read_to_string(&calls).unwrap_or_default();
    if out.status.success() {
        let applied = std::fs::read_to_string(root.join("applied.yaml")).unwrap();
        assert!(
            applied.contains("value: \"172.20.0.0/16\""),
            "the pod subnet edit"
        );
    }
    (out.status.success(), output, calls)
}

fn pinned_calico() -> Vec<u8> {
    let gz = std::fs::read(
        common::root()
            .join("tests/e2e/downloads/projectcalico-calico-v3.32.1-manifests-calico.yaml.gz"),
    )
    .unwrap();
    common::plain_text("calico.yaml.gz", &gz).into_bytes()
}

#[test]
fn the_cni_step_applies_the_images_copy_without_downloading() {
    let (ok, output, calls) = run_cni_step(Some(&pinned_calico()));
    assert!(ok, "{output}");
    assert!(
        !calls.contains("curl "),
        "downloaded although the image has the manifest:\n{calls}"
    );
    assert!(calls.contains("kubectl apply -f "), "{calls}");
    assert!(
        output.contains("using the image's calico manifest"),
        "{output}"
    );
}

#[test]
fn the_cni_step_downloads_when_the_image_lacks_the_manifest() {
    let (ok, output, calls) = run_cni_step(None);
    assert!(ok, "{output}");
    assert_eq!(calls.matches("curl ").count(), 1, "{calls}");
    assert!(calls.contains("kubectl apply -f "), "{calls}");
    assert!(!output.contains("does not match its pin"), "{output}");
}

#[test]
fn the_cni_step_downloads_when_the_images_copy_is_altered_and_says_so() {
    let mut altered = pinned_calico();
    altered.extend_from_slice(b"# altered\n");
    let (ok, output, calls) = run_cni_step(Some(&altered));
    assert!(ok, "{output}");
    assert_eq!(calls.matches("curl ").count(), 1, "{calls}");
    assert!(
        output.contains("/share/cni/calico.yaml does not match its pin: downloading"),
        "{output}"
    );
}
