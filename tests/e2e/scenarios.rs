//! The clusters the scenarios boot, each rendered for the OS of its VM: the guide's
//! cluster moved to Debian 12 (isv:/cri-o 1.31, and Kubic 1.27), the Calico example on
//! Debian 12, and the Debian 13 flannel example on Debian 13.

use super::*;

/// The guide's cluster (`examples/guide-1.21.yaml`, the default) moved to Debian 12 and
/// Kubernetes `1.MINOR.PATCH`, so the VM runs the OS the bundle is for.
pub(crate) fn debian_guide(version: &str) -> String {
    let minor = version.rsplit_once('.').unwrap().0;
    let text = kubeprint::DEFAULT_CLUSTER
        .replace("\nos: ubuntu-20.04\n", "\nos: debian-12\n")
        .replace(
            "\n  version: 1.21.3\n",
            &format!("\n  version: {version}\n"),
        )
        .replace(
            "\n  crio_version: \"1.21\"\n",
            &format!("\n  crio_version: \"{minor}\"\n"),
        );
    assert!(text.contains("os: debian-12") && text.contains(&format!("version: {version}")));
    text
}

/// The guide's cluster on Debian 12 with Kubernetes 1.31: CRI-O from isv:/cri-o v1.31
/// (whose packages installed `11-crio-ipv4-bridge.conflist`), Canal from Calico v3.30.7
/// on flannel's default pod network (nothing to rewrite), admin user `ubuntu`.
pub(crate) fn default_scenario(
    name: &'static str,
    role: &'static str,
    hostname: &'static str,
) -> Scenario {
    Scenario {
        name,
        suite: Suite::Bookworm,
        artifacts: common::render_text(&debian_guide("1.31.4"), "guide-debian-12.yaml"),
        admin_user: "ubuntu",
        cni: CniManifest {
            plugin: "canal",
            download: "projectcalico-calico-v3.30.7-manifests-canal.yaml.gz",
            rewrites: &[],
        },
        role,
        hostname,
        fail_kubeadm: false,
        tamper_downloads: false,
        user_data_file: "user-data.yaml",
        extra: Vec::new(),
    }
}

/// The guide's cluster on Debian 12 with Kubernetes 1.31 on containerd instead of CRI-O,
/// pinned to containerd 1.6.39 (a 1.x release, so config.toml `version = 2`, which
/// bookworm's real containerd 1.6.20 reads; the apt stand-in records the pinned
/// `containerd.io` without installing anything).
pub(crate) fn containerd_scenario(
    name: &'static str,
    role: &'static str,
    hostname: &'static str,
) -> Scenario {
    let text = debian_guide("1.31.4").replace(
        "\n  crio_version: \"1.31\"\n",
        "\n  name: containerd\n  containerd_version: \"1.6.39\"\n",
    );
    assert!(text.contains("name: containerd"));
    Scenario {
        artifacts: common::render_text(&text, "guide-debian-12-containerd.yaml"),
        ..default_scenario(name, role, hostname)
    }
}

/// The guide's cluster on Debian 12 with Kubernetes 1.27: CRI-O from openSUSE Kubic's
/// Debian_12 repositories, Canal from Calico v3.28.5.
pub(crate) fn kubic_scenario(
    name: &'static str,
    role: &'static str,
    hostname: &'static str,
) -> Scenario {
    Scenario {
        artifacts: common::render_text(&debian_guide("1.27.16"), "guide-debian-12-kubic.yaml"),
        cni: CniManifest {
            plugin: "canal",
            download: "projectcalico-calico-v3.28.5-manifests-canal.yaml.gz",
            rewrites: &[],
        },
        ..default_scenario(name, role, hostname)
    }
}

/// A node of `examples/EXAMPLE` on Debian 12 with admin user `ubuntu`, seeded with
/// `user-data.yaml`.
pub(crate) fn example_scenario(
    example: &str,
    cni: CniManifest,
    name: &'static str,
    role: &'static str,
    hostname: &'static str,
) -> Scenario {
    let path = format!("examples/{example}");
    let text = fs::read_to_string(common::root().join(&path)).unwrap();
    Scenario {
        name,
        suite: Suite::Bookworm,
        artifacts: common::render_text(&text, &path),
        admin_user: "ubuntu",
        cni,
        role,
        hostname,
        fail_kubeadm: false,
        tamper_downloads: false,
        user_data_file: "user-data.yaml",
        extra: Vec::new(),
    }
}

/// `examples/ubuntu-24.04-1.36-calico.yaml` rendered for Debian 12 (the VM's OS): Calico
/// v3.32.1 with its IP pool uncommented and set to the pod subnet 172.20.0.0/16.
pub(crate) fn calico_scenario(
    name: &'static str,
    role: &'static str,
    hostname: &'static str,
    user_data_file: &'static str,
) -> Scenario {
    let cni = CniManifest {
        plugin: "calico",
        download: "projectcalico-calico-v3.32.1-manifests-calico.yaml.gz",
        rewrites: &[
            (
                "# - name: CALICO_IPV4POOL_CIDR",
                "- name: CALICO_IPV4POOL_CIDR",
            ),
            (
                "#   value: \"192.168.0.0/16\"",
                "  value: \"172.20.0.0/16\"",
            ),
        ],
    };
    let path = "examples/ubuntu-24.04-1.36-calico.yaml";
    let text = fs::read_to_string(common::root().join(path))
        .unwrap()
        .replace("\nos: ubuntu-24.04\n", "\nos: debian-12\n");
    assert!(text.contains("\nos: debian-12\n"));
    Scenario {
        user_data_file,
        artifacts: common::render_text(&text, "calico-debian-12.yaml"),
        ..example_scenario("ubuntu-24.04-1.36-calico.yaml", cni, name, role, hostname)
    }
}

/// `examples/debian-13-1.36-flannel.yaml` on Debian 13: flannel v0.28.9 with its network
/// set to the pod subnet 10.48.0.0/16, and no `admin_user`, so Debian's `admin`.
pub(crate) fn debian13_scenario(
    name: &'static str,
    role: &'static str,
    hostname: &'static str,
) -> Scenario {
    let cni = CniManifest {
        plugin: "flannel",
        download: "flannel-io-flannel-v0.28.9-Documentation-kube-flannel.yml.gz",
        rewrites: &[(
            "\"Network\": \"10.244.0.0/16\"",
            "\"Network\": \"10.48.0.0/16\"",
        )],
    };
    Scenario {
        suite: Suite::Trixie,
        admin_user: "admin",
        ..example_scenario("debian-13-1.36-flannel.yaml", cni, name, role, hostname)
    }
}
