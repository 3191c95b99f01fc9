//! What the rendered bundles must do, checked on the text: the guide's every step per
//! role, matching token and CA pin across roles, no key on workers, reproducibility.

use crate::common;

const COMMON_STEPS: &[&str] = &[
    "swapoff -a",
    "/etc/fstab",
    "modprobe overlay",
    "modprobe br_netfilter",
    "/etc/modules-load.d/crio.conf",
    "net.bridge.bridge-nf-call-iptables = 1",
    "net.bridge.bridge-nf-call-ip6tables = 1",
    "net.ipv4.ip_forward = 1",
    "sysctl --system",
    "devel:/kubic:/libcontainers:/stable/xUbuntu_20.04/",
    "devel:/kubic:/libcontainers:/stable:/cri-o:/1.21/xUbuntu_20.04/",
    "apt_get install -y cri-o cri-o-runc",
    "apt-mark hold cri-o cri-o-runc",
    "systemctl enable --now crio",
    "'kubelet=1.21.3-00' 'kubeadm=1.21.3-00' 'kubectl=1.21.3-00'",
    "apt-mark hold kubelet kubeadm kubectl",
    "set -Eeuo pipefail",
];

#[test]
fn every_guide_step_is_in_each_role() {
    let a = common::render_default();
    for role in ["control-plane", "worker"] {
        let bootstrap = common::text(&a, &format!("{role}/bootstrap.sh"));
        for needle in COMMON_STEPS {
            assert!(
                bootstrap.contains(needle),
                "{role}/bootstrap.sh lacks `{needle}`"
            );
        }
    }
    let cp = common::text(&a, "control-plane/bootstrap.sh");
    for needle in [
        "/etc/kubernetes/pki/ca.crt 0644",
        "/etc/kubernetes/pki/ca.key 0600",
        "apiVersion: kubeadm.k8s.io/v1beta2",
        "podSubnet: 10.244.0.0/16",
        "criSocket: unix:///var/run/crio/crio.sock",
        "cgroupDriver: systemd",
        "kubeadm init --config /etc/kubeprint/kubeadm-init.yaml",
        "/etc/kubernetes/admin.conf \"$home/.kube/config\"",
        "user='ubuntu'",
        "canal.yaml",
        "kubectl apply -f \"$manifest\"",
    ] {
        assert!(cp.contains(needle), "control plane lacks `{needle}`");
    }
    let worker = common::text(&a, "worker/bootstrap.sh");
    for needle in [
        "https://172.31.11.193:6443/healthz",
        "kind: JoinConfiguration",
        "kubeadm join --config",
    ] {
        assert!(worker.contains(needle), "worker lacks `{needle}`");
    }
}

#[test]
fn bootstrap_runs_steps_in_order_and_matches_step_files() {
    let a = common::render_default();
    for role in ["control-plane", "worker"] {
        let bootstrap = common::text(&a, &format!("{role}/bootstrap.sh"));
        let steps: Vec<&String> = a
            .keys()
            .filter(|k| k.starts_with(&format!("{role}/steps/")))
            .collect();
        let mut last = 0;
        for step in steps {
            let id = step.rsplit('/').next().unwrap().trim_end_matches(".sh");
            let call = format!("\nrun_step {id} ");
            let pos = bootstrap
                .find(&call)
                .unwrap_or_else(|| panic!("{role}: no run_step for {id}"));
            assert!(pos > last, "{role}: {id} runs out of order");
            last = pos;
            // The bootstrap function body is exactly the tail of the step file.
            let fn_start = format!("\nstep_{}() {{\n", id.replace('-', "_"));
            let start = bootstrap
                .find(&fn_start)
                .unwrap_or_else(|| panic!("{role}: no function for {id}"))
                + fn_start.len();
            let len = bootstrap[start..].find("\n}\n\n").unwrap();
            let body = &bootstrap[start..start + len];
            let file = common::text(&a, step);
            assert!(
                file.ends_with(&format!("\n{body}\n")),
                "{role}: {id} differs from its bootstrap function"
            );
        }
    }
}

/// The hash every worker pins equals the hash of the CA the control plane installs,
/// and both sides use the same token: read back from the rendered text.
#[test]
fn worker_pins_the_control_plane_ca_and_token() {
    let a = common::render_default();
    let cp = common::text(&a, "control-plane/steps/06-pki.sh");
    let start = cp.find("-----BEGIN CERTIFICATE-----").unwrap();
    let end = cp.find("-----END CERTIFICATE-----").unwrap() + "-----END CERTIFICATE-----".len();
    let Some(hash) = common::openssl_ca_cert_hash(&cp[start..end]) else {
        return;
    };

    let join = common::text(&a, "worker/steps/07-kubeadm-join.sh");
    assert!(
        join.contains(&format!("- {hash}")),
        "worker join does not pin {hash}"
    );

    let token_line = |text: &str, prefix: &str| -> String {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(prefix))
            .map(str::to_string)
            .expect("token present")
    };
    let init = common::text(&a, "control-plane/steps/07-kubeadm-init.sh");
    assert_eq!(token_line(&init, "- token: "), token_line(&join, "token: "));
    assert_eq!(token_line(&join, "token: "), "kbtest.testonly00000000");
}

#[test]
fn worker_artifacts_carry_no_private_key() {
    let a = common::render_default();
    for (path, artifact) in &a {
        let text = common::plain_text(path, &artifact.bytes);
        if path.starts_with("worker/") {
            assert!(
                !text.contains("PRIVATE KEY"),
                "{path} carries a private key"
            );
        }
        let carries = text.contains("PRIVATE KEY")
            || text.contains("client-key-data")
            || text.contains("kbtest.testonly00000000");
        assert_eq!(
            artifact.secret, carries,
            "{path}: secret flag disagrees with content"
        );
        if artifact.secret {
            assert_eq!(
                artifact.mode & 0o077,
                0,
                "{path} holds a secret but is readable by others"
            );
        }
    }
}

#[test]
fn rendering_is_reproducible() {
    assert_eq!(common::render_default(), common::render_default());
    for (path, a) in common::render_default()
        .into_iter()
        .filter(|(p, _)| !p.ends_with(".gz"))
    {
        assert!(!a.bytes.contains(&b'\r'), "{path} has a CR line ending");
        assert!(a.bytes.ends_with(b"\n"), "{path} lacks a final newline");
    }
}

/// A kubeadm step that finds its last run unfinished resets the node with CRI-O's socket
/// and, on control planes, reinstalls the PKI through the bundle's own pki step: the
/// function `bootstrap.sh` defines for it, or the `steps/` script beside it. Workers have
/// no PKI to reinstall; the CA certificate kubeadm join writes counts as a leftover there.
#[test]
fn kubeadm_steps_recover_through_the_bundles_own_pki_step() {
    let name = "examples/inventory-debian-12-1.36.yaml";
    let text = std::fs::read_to_string(common::root().join(name)).unwrap();
    let a = common::render_text(&text, name);
    let mut checked = Vec::new();
    for (path, artifact) in &a {
        let Some((dir, file)) = path.split_once("/steps/") else {
            continue;
        };
        if !file.contains("-kubeadm-") {
            continue;
        }
        let step = String::from_utf8(artifact.bytes.clone()).unwrap();
        assert!(
            step.contains("\n    kubeadm reset -f --cri-socket unix:///var/run/crio/crio.sock\n"),
            "{path} does not reset with CRI-O's socket"
        );
        let steps_dir = format!("{dir}/steps/");
        let pki = a
            .keys()
            .filter_map(|k| k.strip_prefix(&steps_dir))
            .find(|f| f.ends_with("-pki.sh"));
        match pki {
            Some(pki) => {
                let function = format!("step_{}", pki.trim_end_matches(".sh").replace('-', "_"));
                assert!(step.contains(&format!("\n    ( {function} )\n")), "{path}");
                assert!(step.contains(&format!("\")\"/{pki}\n")), "{path}");
                let bootstrap = common::text(&a, &format!("{dir}/bootstrap.sh"));
                assert!(
                    bootstrap.contains(&format!("\n{function}() {{\n")),
                    "{dir}/bootstrap.sh defines no {function}"
                );
                assert!(!step.contains("    /etc/kubernetes/pki/ca.crt\n"), "{path}");
            }
            None => {
                assert!(!step.contains("reinstalling"), "{path}");
                assert!(step.contains("    /etc/kubernetes/pki/ca.crt\n"), "{path}");
            }
        }
        checked.push(path.clone());
    }
    // The per-role bundles and the inventory's nodes: init, joining control planes, workers.
    assert!(checked.len() >= 6, "{checked:?}");
}

/// `check_os` of a rendered prelude, run against an os-release file: its output and
/// whether it passed. The function reads `/etc/os-release`; the test points it at `file`.
fn run_check_os(script: &str, os_release: &str) -> (bool, String) {
    let start = script
        .find("\ncheck_os() {\n")
        .expect("a check_os function")
        + 1;
    let len = script[start..].find("\n}\n").unwrap() + 3;
    let function =
        script[start..start + len].replace(". /etc/os-release 2>", ". \"$OS_RELEASE\" 2>");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("os-release");
    std::fs::write(&file, os_release).unwrap();
    let program = format!(
        "set -Eeuo pipefail\nlog() {{ printf '%s\\n' \"$*\"; }}\ndie() {{ log \"error: $*\" >&2; exit 1; }}\n{function}check_os\necho passed\n"
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &program])
        .env("OS_RELEASE", &file)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success() && text.contains("passed"), text)
}

/// Every script of a bundle (bootstrap.sh, each step, each Packer script) checks
/// /etc/os-release against the cluster's `os` before it changes anything, and
/// bootstrap.sh does it as its first step, so a mismatch leaves the failure marker.
#[test]
fn every_script_refuses_a_machine_of_another_os() {
    let a = common::render_default();
    let debian_12 =
        "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n";
    let ubuntu_20_04 = "NAME=\"Ubuntu\"\nVERSION_ID=\"20.04\"\nID=ubuntu\nID_LIKE=debian\n";
    let scripts: Vec<&String> = a
        .keys()
        .filter(|k| k.ends_with(".sh") && !k.contains("/delivery/"))
        .collect();
    assert!(scripts.len() > 20, "{scripts:?}");
    for path in scripts {
        let script = common::text(&a, path);
        let (ok, out) = run_check_os(&script, ubuntu_20_04);
        assert!(ok, "{path} refuses the OS it was rendered for: {out}");
        let (ok, out) = run_check_os(&script, debian_12);
        assert!(!ok, "{path} runs on Debian 12");
        assert!(
            out.contains("this bundle is for ubuntu-20.04 (cluster.yaml `os`), but /etc/os-release says 'debian-12'"),
            "{path}: {out}"
        );
        let (ok, out) = run_check_os(&script, "");
        assert!(!ok, "{path} runs where os-release names nothing: {out}");
        if path.ends_with("/bootstrap.sh") || path.ends_with("/bootstrap.baked.sh") {
            let first = script.find("\nrun_step ").unwrap();
            assert!(
                script[first..].starts_with("\nrun_step 00-os-check "),
                "{path}"
            );
        } else {
            let prelude_end = script.find("\ncheck_os\n").expect("a check_os call");
            assert!(!script[..prelude_end].contains("\napt_get "), "{path}");
        }
    }
}
