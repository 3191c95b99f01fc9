//! The release matrix: one contiguous row per minor, with the facts each row must carry.

//! The release matrix as `kubeprint versions` publishes it: one contiguous row per
//! minor, with the facts each row must carry.

use crate::common;

#[test]
fn rows_are_contiguous_and_follow_upstream_boundaries() {
    let releases = common::releases();
    let lo = releases[0].minor;
    let hi = releases.last().unwrap().minor;
    assert_eq!(lo, 21);
    assert!(hi >= 36);
    for (i, r) in releases.iter().enumerate() {
        assert_eq!(
            r.minor,
            lo + i as u32,
            "rows must be one per minor, in order"
        );
        let api = match r.minor {
            ..=21 => "kubeadm.k8s.io/v1beta2",
            22..=30 => "kubeadm.k8s.io/v1beta3",
            _ => "kubeadm.k8s.io/v1beta4",
        };
        assert_eq!(r.field("kubeadm_api"), api, "1.{}", r.minor);
        let packages = if r.minor < 24 {
            "apt.kubernetes.io"
        } else {
            "pkgs.k8s.io"
        };
        assert_eq!(r.field("packages"), packages, "1.{}", r.minor);
        let crio = match r.minor {
            // cri-o/packaging's README lists isv:/cri-o:/stable:/v1.28 as its oldest stream.
            ..=27 => "opensuse kubic",
            _ => "opensuse isv",
        };
        assert_eq!(r.field("crio_repository"), crio, "1.{}", r.minor);
        let eol = r.field("end_of_life");
        assert!(eol.len() == 10 && eol.starts_with("20"), "1.{}", r.minor);
        assert!(r.field("calico").starts_with("v3.") && r.field("flannel").starts_with("v0."));
        // Only 1.21 (no Calico release with a hashable manifest tests it) and 1.37 (none
        // tests it yet) use the nearest release.
        assert_eq!(
            r.row["calico_tested"],
            !matches!(r.minor, 21 | 37),
            "1.{}",
            r.minor
        );
        // Tags upstream never published must not come back.
        assert!(
            !["v3.32.3", "v3.33.1"].contains(&r.field("calico")),
            "1.{}",
            r.minor
        );
        // Each manifest is the file at the row's tag, pinned by a lower-case sha256.
        let manifests = r.row["manifests"].as_array().expect("manifests");
        assert_eq!(manifests.len(), 3, "1.{}", r.minor);
        for (m, plugin) in manifests.iter().zip(["calico", "canal", "flannel"]) {
            assert_eq!(m["plugin"], plugin, "1.{}", r.minor);
            let tag = r.field(if plugin == "flannel" {
                "flannel"
            } else {
                "calico"
            });
            let url = m["url"].as_str().unwrap();
            assert!(
                url.starts_with("https://raw.githubusercontent.com/")
                    && url.contains(&format!("/{tag}/")),
                "1.{}: {url}",
                r.minor
            );
            let sha = m["sha256"].as_str().unwrap();
            let hex = sha
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            assert!(sha.len() == 64 && hex, "1.{}: {sha}", r.minor);
        }
    }
    assert_eq!(releases[0].row["end_of_life_reached"], true);
    assert_eq!(releases.last().unwrap().row["end_of_life_reached"], false);
}

#[test]
fn versions_table_lists_every_minor() {
    let o = common::kubeprint(&common::root(), &["versions"]);
    let table = String::from_utf8(o.stdout).unwrap();
    for r in common::releases() {
        assert!(
            table.contains(&format!("1.{:<4} ", r.minor)),
            "1.{} missing:\n{table}",
            r.minor
        );
    }
    assert!(table.contains("(EOL)"));
    assert!(table.contains("v1beta2") && table.contains("v1beta4"));
}

/// A minimal definition for `os` and `version`, plus `extra` lines.
fn definition(os: &str, version: &str, extra: &str) -> String {
    format!(
        "name: lab\nos: {os}\nkubernetes:\n  version: \"{version}\"\n  endpoint: 10.0.1.10:6443\n{extra}"
    )
}

fn report(text: &str) -> (bool, String) {
    let (cluster, report) = kubeprint::load_cluster(text, "cluster.yaml", false);
    (cluster.is_some(), report.to_string())
}

#[test]
fn crio_1_28_and_later_install_from_the_isv_projects() {
    let text = definition("ubuntu-22.04", "1.28.15", "");
    let artifacts = common::render_text(&text, "1.28");
    let step = common::text(&artifacts, "worker/steps/04-cri-o.sh");
    assert!(
        step.contains(
            "https://download.opensuse.org/repositories/isv:/cri-o:/stable:/v1.28/deb/ /"
        ),
        "{step}"
    );
    assert!(!step.contains("pkgs.k8s.io/addons"));
}

#[test]
fn kubic_coverage_depends_on_os_and_minor() {
    // Never published: an error that lists what exists.
    let (ok, r) = report(&definition("ubuntu-22.04", "1.21.3", ""));
    assert!(!ok);
    assert!(
        r.contains("CRI-O 1.21 was never published for ubuntu-22.04"),
        "{r}"
    );
    assert!(
        r.contains("has CRI-O 1.22, 1.23, 1.24, 1.25, 1.26, 1.27 for ubuntu-22.04"),
        "{r}"
    );
    let (ok, r) = report(&definition("debian-12", "1.24.17", ""));
    assert!(!ok);
    assert!(
        r.contains("has CRI-O 1.25, 1.26, 1.27 for debian-12"),
        "{r}"
    );
    // Published: only the usual warning about Kubic being unmaintained.
    let (ok, r) = report(&definition("debian-12", "1.26.15", ""));
    assert!(ok, "{r}");
    assert!(!r.contains("no source confirms"), "{r}");
    // Unconfirmed: a warning, an error under --strict.
    let (ok, r) = report(&definition("debian-11", "1.21.3", ""));
    assert!(ok, "{r}");
    assert!(
        r.contains("no source confirms that openSUSE Kubic published CRI-O 1.21 for debian-11"),
        "{r}"
    );
    // A mirror is the user's word that the packages exist.
    let mirror = "packages:\n  crio_repo: https://mirror.example.com/cri-o/\n";
    let (ok, r) = report(&definition("ubuntu-22.04", "1.21.3", mirror));
    assert!(ok, "{r}");
}

#[test]
fn new_operating_systems_accept_only_releases_their_apt_verifies() {
    for os in ["debian-13", "ubuntu-26.04"] {
        let (ok, r) = report(&definition(os, "1.30.14", ""));
        assert!(!ok, "{os}");
        assert!(
            r.contains(&format!(
                "{os}'s apt rejects the repository signatures of Kubernetes 1.30"
            )),
            "{r}"
        );
        assert!(r.contains("use Kubernetes 1.35 or newer"), "{r}");
        let (ok, r) = report(&definition(os, "1.35.2", ""));
        assert!(ok, "{os}: {r}");
    }
    let artifacts = common::render_text(&definition("debian-13", "1.36.4", ""), "trixie");
    let packer = common::packer_unaligned(&artifacts);
    assert!(
        packer.contains("\"name\" = \"debian-13-amd64-*\""),
        "{packer}"
    );
    assert!(packer.contains("ssh_username = \"admin\""), "{packer}");
}

/// A minor no Calico release tests renders with the nearest release and says so.
#[test]
fn calico_warns_only_for_a_minor_no_release_tests() {
    let (ok, r) = report(&definition(
        "ubuntu-24.04",
        "1.37.0",
        "cni:\n  plugin: calico\n",
    ));
    assert!(ok, "{r}");
    assert!(
        r.contains("no Calico release is tested with Kubernetes 1.37"),
        "{r}"
    );
    let (_, r) = report(&definition(
        "ubuntu-24.04",
        "1.36.4",
        "cni:\n  plugin: calico\n",
    ));
    assert!(!r.contains("no Calico release"), "{r}");
}

#[test]
fn packer_bakes_the_official_image_for_the_architecture() {
    for (os, arch, name, ec2, instance) in [
        (
            "ubuntu-24.04",
            "arm64",
            "ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-arm64-server-*",
            "arm64",
            "t4g.medium",
        ),
        (
            "ubuntu-22.04",
            "amd64",
            "ubuntu/images/hvm-ssd*/ubuntu-jammy-22.04-amd64-server-*",
            "x86_64",
            "t3.medium",
        ),
        (
            "debian-12",
            "arm64",
            "debian-12-arm64-*",
            "arm64",
            "t4g.medium",
        ),
    ] {
        let text = definition(os, "1.36.4", &format!("image:\n  arch: {arch}\n"));
        let packer = common::packer_unaligned(&common::render_text(&text, os));
        assert!(
            packer.contains(&format!("\"name\" = \"{name}\"")),
            "{packer}"
        );
        assert!(
            packer.contains(&format!("\"architecture\" = \"{ec2}\"")),
            "{packer}"
        );
        assert!(
            packer.contains(&format!("default = \"{instance}\"")),
            "{packer}"
        );
    }
    let (ok, r) = report(&definition(
        "debian-12",
        "1.36.4",
        "image:\n  arch: x86_64\n",
    ));
    assert!(!ok && r.contains("unknown architecture `x86_64`"), "{r}");
}

/// Every release's CRI-O step removes the bridge config its packages install before the
/// node can start a pod: the isv:/cri-o packages of 1.28 to 1.31 ship
/// `11-crio-ipv4-bridge.conflist`, those built in November 2024 `10-crio-bridge.conflist`.
#[test]
fn the_crio_step_removes_every_bridge_config_the_packages_ship() {
    for (os, version) in [
        ("ubuntu-22.04", "1.28.15"),
        ("debian-12", "1.31.14"),
        ("ubuntu-20.04", "1.21.14"),
    ] {
        let artifacts = common::render_text(&definition(os, version, ""), version);
        let step = common::text(&artifacts, "worker/steps/04-cri-o.sh");
        let rm = step
            .lines()
            .find(|l| l.starts_with("rm -f /etc/cni/net.d/"))
            .unwrap_or_else(|| panic!("no rm of CRI-O's bridge configs in:\n{step}"));
        for name in [
            "100-crio-bridge.conf",
            "100-crio-bridge.conflist",
            "10-crio-bridge.conf",
            "10-crio-bridge.conflist",
            "11-crio-ipv4-bridge.conf",
            "11-crio-ipv4-bridge.conflist",
        ] {
            assert!(
                rm.split(' ').any(|w| w == format!("/etc/cni/net.d/{name}")),
                "{version}: {name} is not removed: {rm}"
            );
        }
        // Not loaded by CRI-O (only .conf, .conflist, .json) and not ours to delete.
        assert!(!rm.contains(".disabled"), "{rm}");
        // Removed before crio starts, so it never reads one.
        assert!(step.find(rm).unwrap() < step.find("systemctl enable --now crio").unwrap());
    }
}

#[test]
fn nodes_update_package_lists_once_for_both_repositories() {
    let artifacts = common::render_text(&definition("ubuntu-24.04", "1.36.4", ""), "apt");
    let crio = common::text(&artifacts, "worker/steps/04-cri-o.sh");
    let kube = common::text(&artifacts, "worker/steps/05-kube-packages.sh");
    for step in [&crio, &kube] {
        assert!(!step.contains("\napt_get update"), "{step}");
    }
    // Step 04 adds both repositories before its one refresh; step 05 finds them current.
    let body = &crio[crio.find("\napt_install_missing").unwrap()..];
    let refresh = body.find("\napt_refresh").unwrap();
    assert!(
        body[..refresh].contains("sources.list.d/kubernetes.list"),
        "{body}"
    );
    assert!(
        body[..refresh].contains("sources.list.d/cri-o.list"),
        "{body}"
    );
}

#[test]
fn the_node_refuses_a_manifest_that_does_not_match_its_pin() {
    if !running_as_root() {
        return;
    }
    let manifest =
        "kind: ConfigMap\ndata:\n  net-conf.json: |\n    {\"Network\": \"10.244.0.0/16\"}\n";
    let pin = common::sha256_hex(manifest.as_bytes());
    let extra = format!(
        "cni:\n  plugin: flannel\n  manifest: https://mirror.example.com/flannel.yaml\n  manifest_sha256: {pin}\n"
    );
    let artifacts = common::render_text(&definition("ubuntu-24.04", "1.36.4", &extra), "pin");
    let step = common::text(&artifacts, "control-plane/steps/09-cni.sh");
    for (served, ok) in [
        (manifest.to_string(), true),
        (format!("{manifest}# changed\n"), false),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("bin")).unwrap();
        std::fs::write(d.join("served.yaml"), &served).unwrap();
        // curl serves the bytes; kubectl records that it ran.
        let fake = |name: &str, body: String| {
            let path = d.join("bin").join(name);
            std::fs::write(&path, format!("#!/bin/bash\n{body}\n")).unwrap();
            std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
                .unwrap();
        };
        fake(
            "curl",
            format!(
                "while [ \"$1\" != -o ]; do shift; done; cp {} \"$2\"",
                d.join("served.yaml").display()
            ),
        );
        fake("kubectl", format!("touch {}", d.join("applied").display()));
        // The step runs on this host, whatever its OS: its OS check (tested in bundle.rs)
        // is left out.
        let script = step
            .replace("/etc/kubeprint/cni/", &format!("{}/", d.display()))
            .replacen("\ncheck_os\n", "\n", 1);
        std::fs::write(d.join("09-cni.sh"), script).unwrap();
        let out = std::process::Command::new("bash")
            .arg(d.join("09-cni.sh"))
            .env("PATH", format!("{}:/usr/bin:/bin", d.join("bin").display()))
            .output()
            .unwrap();
        let log = String::from_utf8_lossy(&out.stderr).into_owned()
            + &String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.success(), ok, "{log}");
        assert_eq!(d.join("applied").exists(), ok, "{log}");
        if !ok {
            let actual = common::sha256_hex(served.as_bytes());
            assert!(
                log.contains(&format!("expected sha256 {pin}, downloaded {actual}")),
                "{log}"
            );
            assert!(!d.join("flannel.yaml").exists() && !d.join("flannel.yaml.download").exists());
        }
    }
}

/// The step scripts insist on root; under CI the test must run.
fn running_as_root() -> bool {
    let root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    if !root {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs the tests as root"
        );
        eprintln!("SKIP: the rendered step scripts need root");
    }
    root
}

/// Every kubeadm and kubelet document kubeprint renders, for every minor it claims
/// (single control plane, HA, inventory, containerd) and every example, decodes as that minor's
/// kubeadm decodes it: YAML 1.1, strict fields against the upstream API types, the API
/// versions the minor accepts (`tests/conformance/`, sources in its README).
#[test]
fn every_rendered_kubeadm_document_decodes_as_kubeadm_would() {
    let Some(python) = common::python_with_yaml() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut trees = Vec::new();
    let mut render = |name: String, text: &str| {
        let path = dir.path().join(&name);
        common::write_tree(&common::render_text(text, &name), &path);
        trees.push(path.display().to_string());
    };
    for r in common::releases() {
        let os = if r.minor < 28 {
            "ubuntu-20.04"
        } else {
            "ubuntu-24.04"
        };
        let version = format!("1.{}.3", r.minor);
        render(
            format!("1.{}-single", r.minor),
            &definition(os, &version, ""),
        );
        let ha = definition(os, &version, "").replace(
            "endpoint: 10.0.1.10:6443",
            "endpoint: api.example.internal:6443\n  control_planes: 3\n  cert_sans: [api2.example.internal, 10.0.0.5]",
        );
        render(format!("1.{}-ha", r.minor), &ha);
        let inventory = definition(os, &version, INVENTORY).replace(
            "endpoint: 10.0.1.10:6443",
            "endpoint: api.example.internal:6443",
        );
        render(format!("1.{}-inventory", r.minor), &inventory);
        // containerd on every minor: containerd's table recommends a release for each.
        let containerd = definition(os, &version, "runtime: {name: containerd}\n");
        render(format!("1.{}-containerd", r.minor), &containerd);
    }
    for entry in std::fs::read_dir(common::root().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        render(
            path.file_stem().unwrap().to_string_lossy().into_owned(),
            &text,
        );
    }
    common::run_conformance(python, "check_kubeadm.py", &trees);
}

const INVENTORY: &str = "nodes:
  - {name: cp-1, role: control-plane, address: 10.0.1.11, taints: []}
  - {name: cp-2, role: control-plane, address: 10.0.1.12}
  - {name: cp-3, role: control-plane, address: 10.0.1.13}
  - name: w-1
    role: worker
    address: 10.0.2.21
    labels: {topology.kubernetes.io/zone: eu-west-1a}
    taints: [{key: dedicated, value: infra, effect: NoSchedule}]
";

/// A checker that found nothing to check fails: a tree with only its manifest proves
/// nothing about kubeadm's or the API server's reading of a document.
#[test]
fn conformance_checkers_fail_on_a_tree_without_documents() {
    let Some(python) = common::python_with_yaml() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("empty");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(tree.join("manifest.json"), "{}\n").unwrap();
    for tool in ["check_kubeadm.py", "check_apiserver.py"] {
        let out = std::process::Command::new(python)
            .arg(common::root().join("tests/conformance").join(tool))
            .arg(&tree)
            .output()
            .unwrap();
        let report = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success(),
            "{tool} passed an empty tree:\n{report}"
        );
        assert!(report.contains("nothing was checked"), "{tool}:\n{report}");
    }
}
