//! `offline: true`: one error per upstream place the nodes would still reach, derived
//! from the artifact list (every example, every key that fixes one), and `airgap/`:
//! rendered only then, listed in the manifest, and its scripts run against stand-ins
//! for curl and skopeo.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::common;

const EXAMPLE: &str = "examples/airgap-ubuntu-24.04-1.36.yaml";

fn example() -> String {
    std::fs::read_to_string(common::root().join(EXAMPLE)).unwrap()
}

/// The example without the lines that contain any of `drop`.
fn without(drop: &[&str]) -> String {
    example()
        .lines()
        .filter(|l| !drop.iter().any(|d| l.contains(d)))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// `validate`'s errors (and warnings) as `(severity, field, message)`, from its stderr.
fn diagnostics(text: &str) -> (bool, Vec<(String, String, String)>) {
    let out = common::validate_definition(text);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let mut found = Vec::new();
    let lines: Vec<&str> = stderr.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let Some((severity, message)) = line.split_once(": ") else {
            continue;
        };
        if !["error", "warning"].contains(&severity) {
            continue;
        }
        let field = lines
            .get(i + 1)
            .and_then(|l| l.rsplit_once("(`"))
            .map(|(_, f)| f.trim_end_matches("`)").to_string())
            .unwrap_or_default();
        found.push((severity.to_string(), field, message.to_string()));
    }
    (out.status.success(), found)
}

fn errors(text: &str) -> Vec<(String, String)> {
    let (_, found) = diagnostics(text);
    found
        .into_iter()
        .filter(|(s, _, _)| s == "error")
        .map(|(_, f, m)| (f, m))
        .collect()
}

#[test]
fn the_example_is_valid_and_each_missing_mirror_is_exactly_one_error() {
    let (ok, found) = diagnostics(&example());
    assert!(ok && found.is_empty(), "{found:?}");
    let cases: &[(&[&str], &str, &str)] = &[
        (
            &["kubernetes_repo"],
            "packages.kubernetes_repo",
            "`offline: true`, but nodes would install the `kubernetes` packages from `https://pkgs.k8s.io/core:/stable:/v1.36/deb/` (key `https://pkgs.k8s.io/core:/stable:/v1.36/deb/Release.key`)",
        ),
        (
            &["crio_repo"],
            "packages.crio_repo",
            "`offline: true`, but nodes would install the `cri-o` packages from `https://download.opensuse.org/repositories/isv:/cri-o:/stable:/v1.36/deb/` (key `https://download.opensuse.org/repositories/isv:/cri-o:/stable:/v1.36/deb/Release.key`)",
        ),
        (
            &["  manifest"],
            "cni.manifest",
            "`offline: true`, but the first control plane would download the canal manifest from `https://raw.githubusercontent.com/projectcalico/calico/v3.32.1/manifests/canal.yaml`",
        ),
        (
            &["docker.io:"],
            "registries.mirrors.docker.io",
            "`offline: true`, but nodes would pull flannel/flannel from `docker.io`",
        ),
        (
            &["quay.io:"],
            "registries.mirrors.quay.io",
            "`offline: true`, but nodes would pull calico/cni, calico/kube-controllers, calico/node from `quay.io`",
        ),
        (
            &["image_repository", "registry.k8s.io: ["],
            "registries.mirrors.registry.k8s.io",
            "`offline: true`, but nodes would pull kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy, etcd, coredns, pause from `registry.k8s.io`",
        ),
    ];
    // CRI-O runs kubeadm's pause from the image repository (the `cri-o` step sets its
    // `pause_image`): with the image repository, registry.k8s.io needs no mirror.
    let (ok, found) = diagnostics(&without(&["registry.k8s.io: ["]));
    assert!(ok && found.is_empty(), "{found:?}");
    // Where kubeprint does not know kubeadm's pause, CRI-O keeps its own, upstream.
    let unknown = without(&["registry.k8s.io: ["]).replace("version: 1.36.4", "version: 1.36.99");
    assert_eq!(
        errors(&unknown),
        vec![(
            "registries.mirrors.registry.k8s.io".to_string(),
            "`offline: true`, but nodes would pull CRI-O's own pause image (its `pause_image`, which `kubernetes.image_repository` does not change) from `registry.k8s.io`".to_string()
        )]
    );
    for (drop, field, message) in cases {
        let found = errors(&without(drop));
        assert_eq!(
            found,
            vec![(field.to_string(), message.to_string())],
            "without {drop:?}"
        );
    }
}

#[test]
fn each_error_names_the_file_the_key_and_the_fix() {
    let out = common::validate_definition(&without(&["quay.io:", "kubernetes_repo"]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    // registries.mirrors exists: the error points at it; packages at its section.
    assert!(
        stderr.contains("--> cluster.yaml:23:3 (`registries.mirrors.quay.io`)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("= help: add `registries.mirrors.quay.io: [https://<mirror>/quay.io]`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("(`packages.kubernetes_repo`)\n  = help: set `packages.kubernetes_repo` to your mirror of it"),
        "{stderr}"
    );
    // `render` refuses the same definition and writes nothing.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("cluster.yaml"), without(&["quay.io:"])).unwrap();
    let secrets = common::fixture_secrets_at(dir.path(), "secrets.yaml");
    let o = common::kubeprint(
        dir.path(),
        &[
            "render",
            "-c",
            "cluster.yaml",
            "-s",
            &secrets.display().to_string(),
            "-o",
            "out",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("registries.mirrors.quay.io"));
    assert!(!dir.path().join("out").exists());
}

#[test]
fn a_mirror_on_an_upstream_host_or_an_upstream_key_is_no_mirror() {
    let moved = example().replace(
        "https://apt.example.internal/kubernetes/v1.36/deb/",
        "https://pkgs.k8s.io/core:/stable:/v1.35/deb/",
    );
    let found = errors(&moved);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "packages.kubernetes_repo");
    let key = example().replace(
        "  crio_repo:",
        "  kubernetes_key: https://pkgs.k8s.io/core:/stable:/v1.36/deb/Release.key\n  crio_repo:",
    );
    assert_eq!(
        errors(&key),
        vec![(
            "packages.kubernetes_key".to_string(),
            "`offline: true`, but nodes would download the `kubernetes` repository's key from `https://pkgs.k8s.io/core:/stable:/v1.36/deb/Release.key`".to_string()
        )]
    );
}

#[test]
fn no_cni_needs_no_manifest_and_no_cni_registries() {
    let none =
        without(&["  manifest", "docker.io:", "quay.io:"]).replace("plugin: canal", "plugin: none");
    assert_eq!(errors(&none), vec![]);
}

#[test]
fn a_registry_mirror_instead_of_the_image_repository_and_kube_vip_s_registry() {
    let mirrored = without(&["image_repository"]);
    assert_eq!(errors(&mirrored), vec![]);
    // kube-vip comes from ghcr.io unless `image_repository` moves it.
    let vip = |text: &str| {
        text.replace(
            "  endpoint: 10.20.0.10:6443\n",
            "  endpoint: 10.20.0.10:6443\n  vip:\n    address: 10.20.0.10\n",
        )
    };
    assert_eq!(
        errors(&vip(&mirrored)),
        vec![(
            "registries.mirrors.ghcr.io".to_string(),
            "`offline: true`, but nodes would pull kube-vip from `ghcr.io`".to_string()
        )]
    );
    assert_eq!(errors(&vip(&example())), vec![]);
}

#[test]
fn a_manifest_of_the_user_s_own_is_a_warning_about_its_images() {
    let own = example().replace("manifest_sha256: aa58", "manifest_sha256: bb58");
    let (ok, found) = diagnostics(&own);
    assert!(ok, "{found:?}");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        (found[0].0.as_str(), found[0].1.as_str()),
        ("warning", "cni.manifest")
    );
    assert!(
        found[0]
            .2
            .contains("does not know which images `cni.manifest` names")
    );
}

/// Every example made `offline: true`: one error per apt-repository key, manifest and
/// image registry that its own artifact list names, no more.
#[test]
fn every_example_offline_fails_once_per_upstream_location_of_its_artifacts() {
    for (stem, text) in crate::snapshots::examples() {
        if text.contains("offline:") {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("cluster.yaml"), &text).unwrap();
        let o = common::kubeprint(
            dir.path(),
            &["artifacts", "-c", "cluster.yaml", "--format", "json"],
        );
        let json: Value = serde_json::from_slice(&o.stdout).unwrap();
        let mut expected = BTreeSet::new();
        for item in json["items"].as_array().unwrap() {
            match item["kind"].as_str().unwrap() {
                "apt-repository" if item["name"] == "kubernetes" => {
                    expected.insert("packages.kubernetes_repo".to_string());
                }
                "apt-repository" if item["name"] == "containerd" => {
                    expected.insert("packages.containerd_repo".to_string());
                }
                "apt-repository" => {
                    expected.insert("packages.crio_repo".to_string());
                }
                "manifest" => {
                    expected.insert("cni.manifest".to_string());
                }
                "image" => {
                    if let Some(reference) = item["location"].as_str() {
                        let registry = reference.split('/').next().unwrap();
                        expected.insert(format!("registries.mirrors.{registry}"));
                    }
                }
                _ => {}
            }
        }
        let found: Vec<String> = errors(&format!("{text}\noffline: true\n"))
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        let unique: BTreeSet<String> = found.iter().cloned().collect();
        assert_eq!(unique.len(), found.len(), "{stem}: {found:?}");
        assert_eq!(unique, expected, "{stem}");
    }
}

#[test]
fn airgap_is_rendered_only_offline_and_listed_in_the_manifest() {
    let rendered = common::render_text(&example(), EXAMPLE);
    let manifest: Value = serde_json::from_str(&common::text(&rendered, "manifest.json")).unwrap();
    let listed: BTreeSet<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    for (path, mode) in [
        ("airgap/mirror-images.sh", 0o755),
        ("airgap/download-files.sh", 0o755),
        ("airgap/README.md", 0o644),
    ] {
        let a = &rendered[path];
        assert_eq!(
            (a.mode, a.secret, a.role.as_str()),
            (mode, false, "operator"),
            "{path}"
        );
        assert!(listed.contains(path), "{path}");
        assert!(common::text(&rendered, "SHA256SUMS").contains(&format!("  {path}\n")));
    }
    let online = common::render_text(
        &example().replace("offline: true", "offline: false"),
        "online",
    );
    assert!(!online.keys().any(|p| p.starts_with("airgap/")));
}

/// Writes `script` as an executable stand-in named `name` in `bin`.
fn stub(bin: &Path, name: &str, script: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = bin.join(name);
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// curl's stand-in: serves `$SERVE/<url with / as _>` for `-o FILE URL`.
const CURL: &str = r#"#!/bin/sh
out= url=
while [ $# -gt 0 ]; do
  case $1 in -o) out=$2; shift ;; https://*) url=$1 ;; esac
  shift
done
key=$(printf '%s' "$url" | tr '/:' '__')
[ -f "$SERVE/$key" ] || exit 22
cp "$SERVE/$key" "$out"
printf '%s\n' "$url" >>"$SERVE/log"
"#;

/// The real Calico v3.32.1 manifest (the VM test's stand-in download), which 1.36 pins.
fn calico_manifest() -> Vec<u8> {
    let gz = std::fs::read(
        common::root()
            .join("tests/e2e/downloads/projectcalico-calico-v3.32.1-manifests-calico.yaml.gz"),
    )
    .unwrap();
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut out).unwrap();
    out
}

#[test]
fn download_files_checks_each_pinned_sha256_and_names_the_file() {
    let bytes = calico_manifest();
    let manifest = "https://files.example.internal/calico/v3.32.1/calico.yaml";
    let upstream =
        "https://raw.githubusercontent.com/projectcalico/calico/v3.32.1/manifests/calico.yaml";
    let text = example()
        .replace("plugin: canal", "plugin: calico")
        .replace(
            "https://files.example.internal/projectcalico/calico/v3.32.1/manifests/canal.yaml",
            manifest,
        )
        .replace(
            "aa58a7b245586a90d75d969b9184326f6218acea7e4951ce2931113cd8e91e39",
            &common::sha256_hex(&bytes),
        );
    let rendered = common::render_text(&text, "calico");
    let dir = tempfile::tempdir().unwrap();
    let (out, bin, serve) = (
        dir.path().join("out"),
        dir.path().join("bin"),
        dir.path().join("serve"),
    );
    common::write_tree(&rendered, &out);
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&serve).unwrap();
    stub(&bin, "curl", CURL);
    let serve_file = |url: &str, bytes: &[u8]| {
        std::fs::write(serve.join(url.replace(['/', ':'], "_")), bytes).unwrap();
    };
    serve_file(
        "https://pkgs.k8s.io/core:/stable:/v1.36/deb/Release.key",
        b"k8s key\n",
    );
    serve_file(
        "https://download.opensuse.org/repositories/isv:/cri-o:/stable:/v1.36/deb/Release.key",
        b"crio key\n",
    );
    let mut wrong = bytes.clone();
    wrong[100] ^= 1;
    serve_file(upstream, &wrong);
    let script = out.join("airgap/download-files.sh");
    let go = || {
        Command::new("bash")
            .arg(&script)
            .arg("files")
            .current_dir(dir.path())
            .env(
                "PATH",
                format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
            )
            .env("SERVE", &serve)
            .output()
            .unwrap()
    };
    let o = go();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        stderr.contains(&format!(
            "download-files.sh: files.example.internal/calico/v3.32.1/calico.yaml ({upstream}) does not match its pin: expected sha256 {}, downloaded {}",
            common::sha256_hex(&bytes),
            common::sha256_hex(&wrong)
        )),
        "{stderr}"
    );
    let saved = dir
        .path()
        .join("files/files.example.internal/calico/v3.32.1/calico.yaml");
    assert!(!saved.exists() && !saved.with_extension("yaml.part").exists());

    serve_file(upstream, &bytes);
    let o = go();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(std::fs::read(&saved).unwrap(), bytes);
    let key = dir
        .path()
        .join("files/apt.example.internal/kubernetes/v1.36/deb/Release.key");
    assert_eq!(std::fs::read(&key).unwrap(), b"k8s key\n");
    let sums = std::fs::read_to_string(dir.path().join("files/SHA256SUMS")).unwrap();
    assert!(
        sums.contains(&format!(
            "{}  apt.example.internal/kubernetes/v1.36/deb/Release.key\n",
            common::sha256_hex(b"k8s key\n")
        )),
        "{sums}"
    );
    // Again: the checked manifest is kept, not fetched twice.
    let o = go();
    assert!(o.status.success());
    let log = std::fs::read_to_string(serve.join("log")).unwrap();
    assert_eq!(log.matches(upstream).count(), 2, "{log}");
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .contains("already there: files.example.internal/calico/v3.32.1/calico.yaml")
    );
}

/// skopeo's stand-in: `inspect` prints the digest `$REG/<ref>` holds (upstream refs are
/// seeded, mirror refs written by `copy`); `copy docker://NAME@DIGEST docker://DEST`
/// records DEST's digest and logs the call.
const SKOPEO: &str = r#"#!/bin/sh
last() { for a; do :; done; printf '%s' "${a#docker://}"; }
key() { printf '%s' "$1" | tr '/:@' '___'; }
case $1 in
  inspect)
    ref=$(last "$@")
    [ -f "$REG/$(key "$ref")" ] || exit 1
    cat "$REG/$(key "$ref")" ;;
  copy)
    [ "$2 $3" = "--all --preserve-digests" ] || exit 2
    src=${4#docker://} dest=${5#docker://}
    printf '%s\n' "${src#*@}" >"$REG/$(key "$dest")"
    printf '%s -> %s\n' "$src" "$dest" >>"$REG/log" ;;
  *) exit 2 ;;
esac
"#;

#[test]
fn mirror_images_copies_by_digest_records_the_lock_and_stops_when_one_changes() {
    let rendered = common::render_text(&example(), EXAMPLE);
    let dir = tempfile::tempdir().unwrap();
    let (out, bin, reg) = (
        dir.path().join("out"),
        dir.path().join("bin"),
        dir.path().join("reg"),
    );
    common::write_tree(&rendered, &out);
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::create_dir_all(&reg).unwrap();
    stub(&bin, "skopeo", SKOPEO);
    let upstream = [
        "registry.k8s.io/kube-apiserver:v1.36.4",
        "registry.k8s.io/kube-controller-manager:v1.36.4",
        "registry.k8s.io/kube-scheduler:v1.36.4",
        "registry.k8s.io/kube-proxy:v1.36.4",
        "registry.k8s.io/etcd:3.6.8-0",
        "registry.k8s.io/coredns/coredns:v1.14.2",
        "registry.k8s.io/pause:3.10.2",
        "quay.io/calico/cni:v3.32.1",
        "quay.io/calico/kube-controllers:v3.32.1",
        "quay.io/calico/node:v3.32.1",
        "docker.io/flannel/flannel:v0.24.4",
    ];
    let digest = |i: usize| format!("sha256:{}", common::sha256_hex(&[i as u8]));
    let seed = |r: &str, d: &str| {
        std::fs::write(reg.join(r.replace(['/', ':', '@'], "_")), format!("{d}\n")).unwrap()
    };
    for (i, r) in upstream.iter().enumerate() {
        seed(r, &digest(i));
    }
    let script = out.join("airgap/mirror-images.sh");
    let go = || {
        Command::new("bash")
            .arg(&script)
            .current_dir(dir.path())
            .env(
                "PATH",
                format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
            )
            .env("REG", &reg)
            .output()
            .unwrap()
    };
    let o = go();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lock = std::fs::read_to_string(dir.path().join("images.lock")).unwrap();
    let expected: String = upstream
        .iter()
        .enumerate()
        .map(|(i, r)| format!("{r} {}\n", digest(i)))
        .collect();
    assert_eq!(lock, expected);
    let log = std::fs::read_to_string(reg.join("log")).unwrap();
    assert!(log.contains(&format!(
        "registry.k8s.io/kube-apiserver@{} -> registry.example.internal/k8s/kube-apiserver:v1.36.4\n",
        digest(0)
    )), "{log}");
    assert!(log.contains(&format!(
        "docker.io/flannel/flannel@{} -> registry.example.internal/docker.io/flannel/flannel:v0.24.4\n",
        digest(10)
    )), "{log}");
    assert!(
        log.contains(&format!(
            "registry.k8s.io/pause@{} -> registry.example.internal/k8s/pause:3.10.2\n",
            digest(6)
        )),
        "{log}"
    );
    assert_eq!(log.lines().count(), upstream.len());

    // Again: nothing copied twice, the lock unchanged.
    assert!(go().status.success());
    assert_eq!(std::fs::read_to_string(reg.join("log")).unwrap(), log);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("images.lock")).unwrap(),
        lock
    );

    // Upstream moves a tag: the run stops naming it, and the lock keeps the reviewed one.
    seed(upstream[9], &digest(99));
    let o = go();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains(&format!(
        "mirror-images.sh: quay.io/calico/node:v3.32.1 is now {} but images.lock records {}",
        digest(99),
        digest(9)
    )));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("images.lock")).unwrap(),
        lock
    );
}

#[test]
fn explain_and_init_say_offline() {
    let (text, json) = common::explain(EXAMPLE);
    assert!(
        text.contains("\noffline: every package, key, manifest and image from the mirrors"),
        "{text}"
    );
    assert_eq!(json["offline"], true);
    let (text, json) = common::explain("examples/ubuntu-24.04-1.36-calico.yaml");
    assert!(
        !text.contains("offline") && json.get("offline").is_none(),
        "{json}"
    );
    let dir = tempfile::tempdir().unwrap();
    let o = common::kubeprint(dir.path(), &["init", "-o", "cluster.yaml"]);
    assert!(o.status.success());
    let starter = std::fs::read_to_string(dir.path().join("cluster.yaml")).unwrap();
    let line = starter
        .lines()
        .find(|l| l.starts_with("# offline: true"))
        .unwrap();
    assert!(
        line.ends_with("# air-gapped: every download from your mirrors"),
        "{line}"
    );
}

/// With `kubernetes.image_repository`, kubeadm's images are copied there, and its pause
/// also to kubeadm's default registry's mirror, where CRI-O's own `pause_image` points.
/// CRI-O is set to run kubeadm's pause, so that is the one pause mirrored: to the image
/// repository, not also to a registry.k8s.io mirror under a tag CRI-O might name.
#[test]
fn mirror_images_copies_the_one_pause_cri_o_is_set_to_run() {
    let text = example().replace("version: 1.36.4", "version: 1.31.2");
    let rendered = common::render_text(&text, "1.31");
    let script = common::text(&rendered, "airgap/mirror-images.sh");
    assert!(
        script.contains(
            "\nmirror registry.k8s.io/pause 3.10 registry.example.internal/k8s/pause:3.10\n"
        ),
        "{script}"
    );
    let crio = common::text(&rendered, "control-plane/steps/04-cri-o.sh");
    assert!(
        crio.contains("[crio.image]\npause_image = \"registry.example.internal/k8s/pause:3.10\"\n"),
        "{crio}"
    );
    assert!(script.contains("\nmirror registry.k8s.io/coredns/coredns v1.11.3 registry.example.internal/k8s/coredns:v1.11.3\n"), "{script}");
    // 1.31 pins another canal manifest: this one is the user's own, its images unknown.
    assert!(
        script.contains("not mirrored: canal: unknown") && !script.contains("not mirrored: etcd")
    );
}

#[test]
fn diff_says_when_the_mirrors_must_be_filled_again() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old"), dir.path().join("new"));
    common::write_tree(&common::render_text(&example(), EXAMPLE), &old);
    let newer = example().replace("version: 1.36.4", "version: 1.36.3");
    common::write_tree(&common::render_text(&newer, EXAMPLE), &new);
    let out = common::kubeprint(dir.path(), &["diff", "old", "new"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "! what the mirrors must serve changed (airgap/mirror-images.sh): run out/airgap/ again"
        ),
        "{stdout}"
    );
}

/// The mirrors' drop-in is kubeprint's: a file of the user's own there is refused.
#[test]
fn a_user_file_may_not_replace_the_mirrors_drop_in() {
    let text = format!(
        "{}files:\n  - path: /etc/containers/registries.conf.d/50-kubeprint-mirrors.conf\n    content: x\n",
        example()
    );
    let found = errors(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "files[0].path");
    assert!(found[0].1.contains("registry mirrors"), "{found:?}");
}

/// A release whose etcd, CoreDNS and pause kubeprint does not know: the script says
/// which images it cannot mirror instead of guessing their tags.
#[test]
fn mirror_images_names_the_images_it_cannot_know() {
    let newer = example().replace("version: 1.36.4", "version: 1.36.99");
    assert_ne!(newer, example());
    let rendered = common::render_text(&newer, EXAMPLE);
    let script = String::from_utf8(rendered["airgap/mirror-images.sh"].bytes.clone()).unwrap();
    for name in ["etcd", "coredns", "pause"] {
        assert!(
            script.contains(&format!("warning: not mirrored: {name}: unknown")),
            "{name}:\n{script}"
        );
    }
    assert!(!script.contains("mirror registry.k8s.io/etcd "), "{script}");
}

/// A containerd cluster's Docker repository is named by its own keys and layout.
#[test]
fn offline_containerd_names_its_repository_keys() {
    let text = format!(
        "{}offline: true\n",
        std::fs::read_to_string(common::root().join("examples/containerd-ubuntu-24.04-1.36.yaml"))
            .unwrap()
    );
    let o = common::validate_definition(&text);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("(`packages.containerd_repo`)"), "{err}");
    assert!(
        err.contains("set `packages.containerd_repo` to your mirror of it, laid out like Docker's (`deb URL <codename> stable`) that serves its `gpg` too or names the key in `packages.containerd_key`"),
        "{err}"
    );
    assert!(!err.contains("packages.crio_repo"), "{err}");
}
