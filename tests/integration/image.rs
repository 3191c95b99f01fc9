//! Baking images: the Packer template, the bake scripts, baked user-data, the size
//! budget with gzip twins, and MIME output.

use crate::common;

use std::io::Read;

use common::USER_DATA_LIMIT;
use kubeprint::Artifacts;

fn example(name: &str) -> Artifacts {
    let text = std::fs::read_to_string(common::root().join("examples").join(name)).unwrap();
    common::render_text(&text, name)
}

fn scenarios() -> Vec<(&'static str, Artifacts)> {
    vec![
        ("default", common::render_default()),
        ("ha", example("ha-ubuntu-22.04-1.35.yaml")),
    ]
}

#[test]
fn packer_template_parses_and_names_only_existing_scripts() {
    for (name, a) in scenarios() {
        let text = common::text(&a, "packer/kubeprint.pkr.hcl");
        let body = hcl::parse(&text).unwrap_or_else(|e| panic!("{name}: not HCL: {e}"));
        let build = body
            .blocks()
            .find(|b| b.identifier() == "build")
            .expect("build block");
        let shell = build
            .body()
            .blocks()
            .find(|b| b.identifier() == "provisioner")
            .expect("provisioner");
        let scripts = shell
            .body()
            .attributes()
            .find(|a| a.key() == "scripts")
            .expect("scripts");
        let hcl::Expression::Array(items) = scripts.expr() else {
            panic!("scripts is not a list")
        };
        assert!(items.len() >= 8, "{name}");
        for item in items {
            let path = match item {
                hcl::Expression::TemplateExpr(t) => t.to_string(),
                other => panic!("{name}: unexpected script entry {other:?}"),
            };
            let rel = path
                .trim_matches('"')
                .strip_prefix("${path.root}/")
                .expect("relative to the template")
                .to_string();
            assert!(
                a.contains_key(&format!("packer/{rel}")),
                "{name}: {rel} is named but not rendered"
            );
        }
        assert!(
            text.contains("required_plugins") && text.contains("source_ami_filter"),
            "{name}"
        );
        // `required_plugins` needs `packer init` (Packer 1.7.0): the template says so.
        let packer = body
            .blocks()
            .find(|b| b.identifier() == "packer")
            .expect("packer block");
        let required = packer
            .body()
            .attributes()
            .find(|a| a.key() == "required_version")
            .unwrap_or_else(|| panic!("{name}: no required_version"));
        assert_eq!(
            required.expr(),
            &hcl::Expression::String(">= 1.7.0".into()),
            "{name}"
        );
    }
}

#[test]
fn bake_scripts_do_the_node_preparation_and_hold_no_secret() {
    let secrets = common::fixture_secrets();
    for (name, a) in scenarios() {
        let bake: String = a
            .iter()
            .filter(|(p, _)| p.starts_with("packer/"))
            .map(|(_, x)| String::from_utf8_lossy(&x.bytes).into_owned())
            .collect();
        for needle in [
            "swapoff -a",
            "modprobe br_netfilter",
            "sysctl --system",
            "systemctl enable --now crio",
            "apt-mark hold kubelet kubeadm kubectl",
            "kubeadm config images pull",
            "/etc/kubeprint/image",
            "cloud-init clean",
            "truncate -s 0 /etc/machine-id",
            "rm -f /etc/ssh/ssh_host_*",
        ] {
            assert!(bake.contains(needle), "{name}: bake lacks `{needle}`");
        }
        assert!(
            !bake.contains("PRIVATE KEY") && !bake.contains("BEGIN CERTIFICATE"),
            "{name}: a key or certificate in the image"
        );
        assert!(
            !bake.contains(&common::fixture_token()),
            "{name}: the token in the image"
        );
        assert!(
            !bake.contains(&secrets.ca_cert_hash),
            "{name}: the CA hash in the image"
        );
        for (path, x) in a.iter().filter(|(_, x)| x.stage == kubeprint::Stage::Bake) {
            assert!(!x.secret, "{name}: {path} is a bake file marked secret");
        }
    }
}

#[test]
fn baked_user_data_checks_the_image_and_installs_nothing() {
    for (name, a) in scenarios() {
        for (path, x) in a
            .iter()
            .filter(|(p, _)| p.ends_with("user-data.baked.yaml"))
        {
            let text = String::from_utf8_lossy(&x.bytes);
            assert!(text.contains("run_step 00-image-check"), "{name}: {path}");
            assert!(
                !text.contains("\napt_get install") && !text.contains("run_step 04-cri-o"),
                "{name}: {path} installs packages"
            );
            let record = common::text(&a, "packer/scripts/07-record-bake.sh");
            let expected = text
                .lines()
                .find_map(|l| l.trim().strip_prefix("expected="))
                .unwrap()
                .trim_matches('\'');
            assert!(
                record.contains(expected),
                "{name}: {path} expects `{expected}`, the image records otherwise"
            );
        }
        common::validate_tree(&a);
    }
}

#[test]
fn every_user_data_fits_directly_or_as_its_gzip_twin() {
    for (name, a) in scenarios() {
        for (path, x) in a
            .iter()
            .filter(|(p, _)| p.ends_with(".yaml") && p.contains("user-data"))
        {
            let gz = a.get(&format!("{path}.gz"));
            if x.bytes.len() <= USER_DATA_LIMIT {
                assert!(gz.is_none(), "{name}: {path} fits but has a twin");
                continue;
            }
            let gz =
                gz.unwrap_or_else(|| panic!("{name}: {path} is over the limit without a twin"));
            assert!(
                gz.bytes.len() <= USER_DATA_LIMIT,
                "{name}: {path}.gz does not fit"
            );
            let mut back = Vec::new();
            flate2::read::GzDecoder::new(&gz.bytes[..])
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(
                back, x.bytes,
                "{name}: {path}.gz does not decompress to its source"
            );
            assert_eq!((gz.mode, gz.secret), (x.mode, x.secret));
        }
    }
}

#[test]
fn mime_output_wraps_the_same_cloud_config() {
    let (cluster, _) = kubeprint::load_cluster(kubeprint::DEFAULT_CLUSTER, "d", false);
    let a = kubeprint::render_cluster_with(
        &cluster.unwrap(),
        &common::fixture_secrets(),
        kubeprint::RenderOptions { mime: true },
    )
    .unwrap();
    let mime = common::text(&a, "worker/user-data.mime");
    let boundary = mime
        .split("boundary=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let parts: Vec<&str> = mime.split(&format!("--{boundary}")).collect();
    assert_eq!(parts.len(), 3, "one part between the boundaries");
    let (headers, body) = parts[1].split_once("\n\n").unwrap();
    assert!(headers.contains("Content-Type: text/cloud-config"));
    assert_eq!(body, common::text(&a, "worker/user-data.yaml"));
    // A MIME twin over the limit gets its own gzip twin, and the size table lists it.
    let big = &a["control-plane/user-data.mime"];
    assert!(big.bytes.len() > common::USER_DATA_LIMIT);
    let gz = &a["control-plane/user-data.mime.gz"];
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&gz.bytes[..]),
        &mut unzipped,
    )
    .unwrap();
    assert_eq!(unzipped, big.bytes);
    if common::require_tool("cloud-init") {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("part.yaml"), body).unwrap();
        common::run_ok(
            "cloud-init",
            &["schema", "--config-file", "part.yaml"],
            dir.path(),
        );
    }
}
