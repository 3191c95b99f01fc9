//! A node from a baked image, downloading nothing: the guide's cluster on Debian 12
//! (Kubernetes 1.31, Canal). The first boot is the image build's instance: the harness runs
//! `out/packer/scripts/*.sh` in order, as Packer's shell provisioner would (bake steps,
//! image pulls, bake record, sysprep). The second boots that disk with the control plane's
//! `user-data.baked.yaml`. The VM has no network; the doubles record every package
//! install, download and image pull, and on the baked node note what kubeadm or the
//! kubelet would still pull (`# would pull at boot:`).

use super::*;

const SOCKET: &str = "unix:///var/run/crio/crio.sock";

/// The image build's scripts in the image, for the harness's first boot, and its trigger.
fn bake_extras(artifacts: &Artifacts) -> Vec<Extra> {
    let mut extra: Vec<Extra> = artifacts
        .iter()
        .filter_map(|(path, a)| {
            let name = path.strip_prefix("packer/scripts/")?;
            Some(Extra::File(
                format!("usr/local/lib/e2e/packer/{name}"),
                a.bytes.clone(),
                0o755,
            ))
        })
        .collect();
    assert!(extra.len() >= 8, "too few image build scripts");
    extra.push(Extra::File("etc/e2e-bake".into(), Vec::new(), 0o644));
    extra
}

#[test]
#[ignore = "boots VMs: cargo test --release --test e2e -- --ignored"]
fn baked_control_plane() {
    let base = default_scenario("baked-control-plane", "control-plane", "e2e-cp");
    let scenario = Scenario {
        user_data_file: "user-data.baked.yaml",
        extra: bake_extras(&base.artifacts),
        ..base
    };
    let mut vm = scenario.build_image();
    // Boot 1: the image build.
    vm.boot();
    if vm.exists("/var/log/e2e/bake-failed") {
        let failed = vm.read("/var/log/e2e/bake-failed");
        let log = vm.read("/var/log/e2e/bake.log");
        vm.check(false, &format!("the image build failed: {failed}\n{log}"));
    }
    vm.check(!vm.exists("/etc/e2e-bake"), "the bake trigger is left");
    // Boot 2: a node from the image.
    vm.boot();
    assert_cloud_init_ok(&vm);
    assert_console_line(&vm, "kubeprint: bootstrap complete");
    let done = vm.list("/var/lib/kubeprint/done");
    let mut boot_steps: BTreeSet<String> = scenario
        .artifacts
        .iter()
        .filter(|(p, a)| p.starts_with("control-plane/steps/") && a.stage == kubeprint::Stage::Boot)
        .map(|(p, _)| {
            p["control-plane/steps/".len()..]
                .trim_end_matches(".sh")
                .to_string()
        })
        .collect();
    boot_steps.extend(["00-os-check".to_string(), "00-image-check".to_string()]);
    vm.check(
        done == boot_steps,
        &format!("done markers {done:?}, expected {boot_steps:?}"),
    );
    assert_node_prepared(&vm);
    assert_control_plane(&vm, &scenario);
    assert_crio_bridge_removed(&vm, "control-plane");
    assert_node_waited(&vm, &scenario);
    assert_token_private(&vm);

    let transcript = assert_transcript(&vm, scenario.name);
    let (bake, boot) = transcript
        .split_once("# boot 2\n")
        .expect("two boots in the transcript");
    // The bake fetched everything: packages, kubeadm's images, the CNI's images, the manifest.
    assert!(
        count(bake, "apt-get -o DPkg::Lock::Timeout=600 install") >= 2,
        "{bake}"
    );
    assert_eq!(
        count(
            bake,
            "kubeadm config images pull --kubernetes-version v1.31.4 "
        ),
        1,
        "{bake}"
    );
    let applied = vm.read("/var/log/e2e/recorded/kubectl-applied.yaml");
    let mut named = 0;
    for line in applied.lines() {
        if let Some(image) = line.trim().trim_start_matches("- ").strip_prefix("image: ") {
            let pull = format!(
                "crictl --runtime-endpoint {SOCKET} pull {}\n",
                image.trim_matches('"')
            );
            assert!(
                bake.contains(&pull),
                "the image build did not pull {image}:\n{bake}"
            );
            named += 1;
        }
    }
    assert!(named >= 4, "the applied manifest names {named} images");
    let manifest =
        "https://raw.githubusercontent.com/projectcalico/calico/v3.30.7/manifests/canal.yaml";
    assert!(
        bake.contains(&format!(
            " -o /usr/local/share/kubeprint/cni/canal.yaml.download {manifest}\n"
        )),
        "the image build did not download the manifest:\n{bake}"
    );
    // The boot from the image: no package, no download, no pull, nothing left to pull.
    for tool in [
        "apt-get",
        "apt-mark",
        "curl",
        "gpg",
        "crictl",
        "kubeadm config images",
    ] {
        assert_eq!(count(boot, tool), 0, "the baked boot ran `{tool}`:\n{boot}");
    }
    assert!(!boot.contains("# would pull at boot:"), "{boot}");
    let log = vm.read("/var/log/kubeprint-bootstrap.log");
    assert!(
        log.contains("using the image's canal manifest: /usr/local/share/kubeprint/cni/canal.yaml"),
        "{log}"
    );
    vm.cleanup();
}
