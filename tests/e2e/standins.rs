//! The stand-ins' refusals, without a VM: `double.sh` run as apt-get, curl and kubeadm
//! on this machine inside a private mount namespace (`unshare --mount`, root), with its
//! own /etc (a Debian 12 os-release) and tmpfs over the other directories it reads and
//! writes, so nothing outside the namespace changes. In: the default scenario's rendered sources; out: exit
//! codes and messages as apt and curl give them.

use super::*;

/// Runs `script` (bash) in a private mount namespace prepared as a Debian 12 VM's image:
/// the doubles as `$bin/apt-get`, `$bin/curl`, `$bin/kubeadm` and `$bin/kubectl`, the served URLs, downloads and signed
/// InRelease files of the default scenario, the test key's keyring at `$good`, and the default
/// scenario's sources entries with `signed-by=$KEYRING`. `(exit code, stderr)`.
fn in_namespace(script: &str) -> (i32, String) {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let share = t.join("share");
    repos::install(
        t,
        &default_scenario("standins", "worker", "standins").artifacts,
        [],
    );
    fs::rename(t.join("usr/local/share"), &share).unwrap();
    for path in common::walk(&common::root().join(DOWNLOADS)) {
        let to = share.join("e2e/downloads").join(path.file_name().unwrap());
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(&path, &to).unwrap();
    }
    for name in ["apt-get", "curl", "kubeadm", "kubectl"] {
        write(&t.join("bin").join(name), DOUBLE, 0o755);
    }
    // The namespace's /etc: a Debian 12 os-release, empty apt sources, the loader cache.
    write(
        &t.join("etc/os-release"),
        "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n",
        0o644,
    );
    fs::create_dir_all(t.join("etc/apt/sources.list.d")).unwrap();
    let _ = fs::copy("/etc/ld.so.cache", t.join("etc/ld.so.cache"));
    // The conformance checker where the image has it, for the kubeadm double.
    let conformance = common::root().join("tests/conformance");
    for path in common::walk(&conformance) {
        let rel = path.strip_prefix(&conformance).unwrap();
        let to = t.join("lib/e2e/conformance").join(rel);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(&path, &to).unwrap();
    }
    let armored = share.join("e2e/repo-key.asc");
    fs::write(&armored, REPO_KEY).unwrap();
    run(Command::new("gpg")
        .args(["--batch", "--yes", "--dearmor", "-o"])
        .arg(share.join("good.gpg"))
        .arg(&armored));
    let prelude = format!(
        "set -u; t={t}; bin=$t/bin; good=/usr/local/share/good.gpg
         mount --bind $t/etc /etc; mount -t tmpfs tmpfs /var/lib; mount -t tmpfs tmpfs /var/log
         mount --bind $t/share /usr/local/share; mount --bind $t/lib /usr/local/lib
         sources() {{
           printf 'deb [signed-by=%s] https://pkgs.k8s.io/core:/stable:/v1.31/deb/ /\\n' \"$1\" \
             >/etc/apt/sources.list.d/kubernetes.list
         }}\n",
        t = t.display()
    );
    let out = Command::new("unshare")
        .args(["--mount", "--propagation", "private", "bash", "-c"])
        .arg(prelude + script)
        .stdin(Stdio::null())
        .output()
        .expect("cannot run unshare (util-linux)");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
#[ignore = "needs root (mount namespaces): cargo test --release --test e2e -- --ignored"]
fn apt_update_verifies_the_signed_by_keyring_with_gpgv() {
    let (code, err) = in_namespace("sources $good; $bin/apt-get update");
    assert_eq!(
        code, 0,
        "the test key's keyring verifies the InRelease: {err}"
    );

    // A real OpenPGP keyring of other keys: apt's NO_PUBKEY and exit 100.
    let (code, err) = in_namespace(
        "cp /usr/share/keyrings/debian-archive-keyring.gpg /usr/local/share/other.gpg
         sources /usr/local/share/other.gpg; $bin/apt-get update",
    );
    assert_eq!(code, 100, "{err}");
    assert!(
        err.contains("NO_PUBKEY 86E1AEBF290E1B79A0FE4BD43E57944F1D5A0469")
            && err.contains("InRelease' is not signed."),
        "{err}"
    );

    let (code, err) = in_namespace("sources /etc/apt/keyrings/missing.gpg; $bin/apt-get update");
    assert_eq!(code, 100, "{err}");
    assert!(
        err.contains("missing.gpg is not an OpenPGP keyring"),
        "{err}"
    );

    // An InRelease altered after signing fails its signature.
    let (code, err) = in_namespace(
        "f=$(ls /usr/local/share/e2e/repos/pkgs.k8s.io-core:-stable:-v1.31-deb-/InRelease)
         sed -i 's/^Origin: .*/Origin: someone else/' $f
         sources $good; $bin/apt-get update",
    );
    assert_eq!(code, 100, "{err}");
    assert!(
        err.contains("BADSIG 86E1AEBF290E1B79A0FE4BD43E57944F1D5A0469")
            && err.contains("is not signed"),
        "{err}"
    );
}

#[test]
#[ignore = "needs root (mount namespaces): cargo test --release --test e2e -- --ignored"]
fn curl_serves_only_urls_kubeprint_names() {
    let calico =
        "https://raw.githubusercontent.com/projectcalico/calico/v3.30.7/manifests/canal.yaml";
    let (code, err) = in_namespace(&format!("$bin/curl -fsSL -o /var/lib/m {calico}"));
    assert_eq!(code, 0, "a manifest kubeprint pins is served: {err}");
    let key = "https://pkgs.k8s.io/core:/stable:/v1.31/deb/Release.key";
    let (code, err) = in_namespace(&format!("$bin/curl -fsSL -o /var/lib/k {key}"));
    assert_eq!(code, 0, "the key beside a rendered source is served: {err}");

    // A release of the same file kubeprint does not pin, and a key of a repository the
    // bundle does not name: 404, exit 22 under -f.
    for url in [
        "https://raw.githubusercontent.com/projectcalico/calico/v3.30.6/manifests/canal.yaml",
        "https://pkgs.k8s.io/core:/stable:/v1.30/deb/Release.key",
    ] {
        let (code, err) = in_namespace(&format!("$bin/curl -fsSL -o /var/lib/x {url}"));
        assert_eq!(code, 22, "{url}: {err}");
        assert!(err.contains("404"), "{err}");
    }
}

/// kubeadm reads its --config as the installed minor does: a field its types do not have
/// and an apiVersion that minor does not read are refused before anything is written.
#[test]
#[ignore = "needs root (mount namespaces): cargo test --release --test e2e -- --ignored"]
fn kubeadm_refuses_a_configuration_the_installed_minor_rejects() {
    // `$1`: the installed kubeadm package version; `$2`: the networking field to set.
    let script = r#"init() {
          mkdir -p /var/lib/dpkg/info
          printf 'Package: kubeadm\nStatus: install ok installed\nArchitecture: amd64\nVersion: %s\nDescription: x\n\n' "$1" >/var/lib/dpkg/status
          printf 'apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\nkubernetesVersion: v%s\nnetworking:\n  %s: 10.32.0.0/16\n' "${1%%-*}" "$2" >/var/lib/c.yaml
          $bin/kubeadm init --config /var/lib/c.yaml --skip-token-print
          echo "exit $?" >&2
          ls /etc/kubernetes >&2
        }
        "#;
    let (_, err) = in_namespace(&format!("{script} init 1.31.4-1.1 podCIDR"));
    assert!(
        err.contains("unknown field 'podCIDR'")
            && err.contains("exit 1\n")
            && err.contains("cannot access"),
        "{err}"
    );
    let (_, err) = in_namespace(&format!("{script} init 1.31.4-1.1 podSubnet"));
    assert!(
        err.contains("exit 0\n"),
        "a configuration 1.31 reads: {err}"
    );
    let (_, err) = in_namespace(&format!("{script} init 1.29.9-1.1 podSubnet"));
    assert!(
        err.contains("kubeadm 1.29: ") && err.contains("exit 1\n") && err.contains("cannot access"),
        "{err}"
    );
}

/// On a node with an image store (a baked image), kubectl apply notes each image the
/// applied Pods name that the store lacks, which the kubelet would pull at boot; without
/// a store (an unbaked node) it notes nothing.
#[test]
#[ignore = "needs root (mount namespaces): cargo test --release --test e2e -- --ignored"]
fn kubectl_apply_notes_images_a_baked_store_lacks() {
    let script = r#"printf 'apiVersion: v1\nkind: Config\n' >/var/lib/kc
        printf 'apiVersion: apps/v1\nkind: DaemonSet\nspec:\n  template:\n    spec:\n      containers:\n        - image: docker.io/calico/node:v3.30.7\n          name: a\n      initContainers:\n        - name: b\n          image: "docker.io/calico/cni:v3.30.7"\n' >/var/lib/m.yaml
        [ "$1" = baked ] && mkdir -p /var/lib/e2e-images && echo docker.io/calico/cni:v3.30.7 >/var/lib/e2e-images/pulled
        KUBECONFIG=/var/lib/kc $bin/kubectl apply -f /var/lib/m.yaml
        echo "exit $?" >&2
        cat /var/log/e2e/transcript.log >&2
        "#;
    let (_, err) = in_namespace(&format!("set -- baked; {script}"));
    assert!(err.contains("exit 0\n"), "{err}");
    assert!(
        err.contains("# would pull at boot: docker.io/calico/node:v3.30.7\n"),
        "{err}"
    );
    assert!(
        !err.contains("would pull at boot: docker.io/calico/cni"),
        "{err}"
    );
    let (_, err) = in_namespace(&format!("set -- unbaked; {script}"));
    assert!(
        err.contains("exit 0\n") && !err.contains("would pull"),
        "{err}"
    );
}
