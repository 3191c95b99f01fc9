use super::*;

fn cluster(extra: &str, version: &str) -> Cluster {
    let text = format!(
        "name: t\nos: debian-12\nkubernetes:\n  version: \"{version}\"\n  endpoint: 10.0.1.10:6443\n{extra}"
    );
    let (cluster, report) = crate::load_cluster(&text, "cluster.yaml", false);
    cluster.unwrap_or_else(|| panic!("{report}"))
}

fn plan(extra: &str, version: &str) -> ContainerdPlan {
    containerd_plan(&cluster(extra, version)).expect("a containerd cluster")
}

/// The rendered config.toml parsed back: the keys containerd reads, per schema.
fn parsed(p: &ContainerdPlan) -> toml::Table {
    p.config
        .parse()
        .unwrap_or_else(|e| panic!("{e}\n{}", p.config))
}

fn at<'a>(t: &'a toml::Table, path: &[&str]) -> &'a toml::Value {
    let (last, tables) = path.split_last().unwrap();
    let table = tables.iter().fold(t, |t, k| {
        t.get(*k)
            .and_then(|v| v.as_table())
            .unwrap_or_else(|| panic!("no table {k}"))
    });
    table.get(*last).unwrap_or_else(|| panic!("no key {last}"))
}

#[test]
fn cri_o_clusters_have_no_containerd_plan() {
    assert!(containerd_plan(&cluster("", "1.30.2")).is_none());
}

#[test]
fn containerd_1_x_reads_a_version_2_config_with_the_grpc_cri_plugin() {
    let p = plan("runtime: {name: containerd}\n", "1.30.6");
    assert_eq!(p.version, "1.7.28");
    let p = plan(
        "runtime: {name: containerd, containerd_version: \"1.7.34\"}\n",
        "1.30.6",
    );
    let t = parsed(&p);
    assert_eq!(t["version"].as_integer(), Some(2));
    let cri = ["plugins", "io.containerd.grpc.v1.cri"];
    let runc = [&cri[..], &["containerd", "runtimes", "runc"]].concat();
    assert_eq!(
        at(&t, &[&cri[..], &["sandbox_image"]].concat()).as_str(),
        Some("registry.k8s.io/pause:3.9")
    );
    assert_eq!(
        at(&t, &[&runc[..], &["options", "SystemdCgroup"]].concat()).as_bool(),
        Some(true)
    );
    assert_eq!(
        at(&t, &[&runc[..], &["runtime_type"]].concat()).as_str(),
        Some("io.containerd.runc.v2")
    );
    assert_eq!(
        at(&t, &[&cri[..], &["registry", "config_path"]].concat()).as_str(),
        Some("/etc/containerd/certs.d")
    );
    assert_eq!(p.package_pins, ["containerd.io=1.7.34-*"]);
}

#[test]
fn containerd_2_x_reads_a_version_3_config_with_the_split_cri_plugins() {
    let p = plan(
        "  image_repository: registry.example.com/k8s\nruntime: {name: containerd}\n",
        "1.31.2",
    );
    let t = parsed(&p);
    assert_eq!(t["version"].as_integer(), Some(3));
    let images = ["plugins", "io.containerd.cri.v1.images"];
    let runc = [
        "plugins",
        "io.containerd.cri.v1.runtime",
        "containerd",
        "runtimes",
        "runc",
    ];
    assert_eq!(
        at(&t, &[&images[..], &["pinned_images", "sandbox"]].concat()).as_str(),
        Some("registry.example.com/k8s/pause:3.10")
    );
    assert_eq!(
        at(&t, &[&runc[..], &["options", "SystemdCgroup"]].concat()).as_bool(),
        Some(true)
    );
    assert_eq!(
        at(&t, &[&images[..], &["registry", "config_path"]].concat()).as_str(),
        Some("/etc/containerd/certs.d")
    );
    assert!(t.get("disabled_plugins").is_none());
}

#[test]
fn mirrors_become_hosts_files_in_the_order_given() {
    let p = plan(
        "runtime: {name: containerd}\nregistries:\n  mirrors:\n    docker.io: [https://mirror.example.com:5000, https://cache.example.com/hub]\n    registry.k8s.io: [https://mirror.example.com:5000]\n",
        "1.31.2",
    );
    let paths: Vec<&str> = p.hosts_files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/etc/containerd/certs.d/docker.io/hosts.toml",
            "/etc/containerd/certs.d/registry.k8s.io/hosts.toml"
        ]
    );
    let hub = &p.hosts_files[0].content;
    let t: toml::Table = hub.parse().unwrap();
    assert_eq!(t["server"].as_str(), Some("https://registry-1.docker.io"));
    let first = hub.find("https://mirror.example.com:5000").unwrap();
    let second = hub.find("https://cache.example.com/v2/hub").unwrap();
    assert!(first < second, "{hub}");
    let host = t["host"].as_table().unwrap();
    assert_eq!(
        host["https://cache.example.com/v2/hub"]["override_path"].as_bool(),
        Some(true)
    );
    assert_eq!(
        host["https://mirror.example.com:5000"]["capabilities"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn crictl_talks_to_containerd() {
    let p = plan("runtime: {name: containerd}\n", "1.31.2");
    assert!(
        p.crictl
            .contains("runtime-endpoint: unix:///run/containerd/containerd.sock\n")
    );
    assert!(
        p.crictl
            .contains("image-endpoint: unix:///run/containerd/containerd.sock\n")
    );
}
