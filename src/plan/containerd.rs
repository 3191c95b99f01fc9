//! Part of stage 3 (plan): containerd as the node's runtime. In: the cluster (its
//! `runtime.containerd_version`, release, image repository and registry mirrors); out:
//! what the `containerd` step installs and writes: Docker's apt repository and the
//! pinned `containerd.io`, the whole `/etc/containerd/config.toml` (the package's own
//! says `disabled_plugins = ["cri"]`: docker/containerd-packaging PR #41,
//! containerd/containerd#4956), registry hosts files and crictl's configuration.
//!
//! TOML is rendered here key by key, every value through the `toml` crate's string
//! escaping, so the table order stays readable and mirrors keep the order given.

use serde::Serialize;

use crate::layout;
use crate::model::cluster::{Cluster, Registries, Runtime};
use crate::model::images;
use crate::model::matrix::containerd;
use crate::plan::packages::{self, AptRepo};
use crate::plan::registries::CaFile;

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ContainerdPlan {
    /// The release (`2.2.6`) and the config schema it reads (2 or 3).
    pub version: String,
    pub config_version: u32,
    pub repos: Vec<AptRepo>,
    pub packages: Vec<&'static str>,
    /// `packages` as apt-get installs them: `containerd.io=2.2.6-*`.
    pub package_pins: Vec<String>,
    pub config_path: &'static str,
    pub config_backup_path: &'static str,
    pub config: String,
    /// `certs.d/<registry>/hosts.toml` per mirrored registry, and the mirrors' CA.
    pub hosts_files: Vec<CaFile>,
    pub crictl_path: &'static str,
    pub crictl: String,
    /// The sandbox (pause) image config.toml pins, as `explain` and `artifacts` show it.
    pub sandbox_image: String,
}

/// The CRI socket kubeadm, the kubelet and crictl use for `runtime`.
pub(crate) fn cri_socket(runtime: &Runtime) -> &'static str {
    match runtime {
        Runtime::CriO => layout::CRIO_SOCKET,
        Runtime::Containerd { .. } => layout::CONTAINERD_SOCKET,
    }
}

/// `None` for CRI-O clusters.
pub(crate) fn containerd_plan(cluster: &Cluster) -> Option<ContainerdPlan> {
    let Runtime::Containerd { version } = &cluster.runtime else {
        return None;
    };
    let major: u32 = version.split('.').next()?.parse().ok()?;
    let config_version = containerd::config_version(major);
    let sandbox_image = sandbox_image(cluster);
    Some(ContainerdPlan {
        version: version.clone(),
        config_version,
        repos: vec![packages::containerd_repo(cluster)],
        packages: vec![containerd::PACKAGE],
        package_pins: vec![format!("{}={version}-*", containerd::PACKAGE)],
        config_path: layout::CONTAINERD_CONFIG_PATH,
        config_backup_path: layout::CONTAINERD_CONFIG_BACKUP_PATH,
        config: config_toml(config_version, &sandbox_image),
        hosts_files: cluster
            .registries
            .as_ref()
            .map(hosts_files)
            .unwrap_or_default(),
        crictl_path: layout::CRICTL_CONFIG_PATH,
        crictl: crictl_yaml(layout::CONTAINERD_SOCKET),
        sandbox_image,
    })
}

/// kubeadm's pause image for the release, from the registry kubeadm pulls from
/// (`kubernetes.image_repository`, else kubeadm's default), so the image the bake
/// pulls is the one containerd runs. The tag is the release's in [`images`]; where no
/// source there confirms this patch release, the newest confirmed tag of the same or
/// an older minor (`validate` warns then: kubeadm's preflight compares the two).
pub(crate) fn sandbox_image(cluster: &Cluster) -> String {
    let v = cluster.version;
    images::pause_reference(cluster, containerd::pause_tag(v.minor, v.patch).0)
}

/// A TOML basic string holding `s`, escaped by the `toml` crate.
fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The whole config.toml: the CRI plugin enabled (nothing disabled), runc with the
/// systemd cgroup driver (kubeadm's default driver from 1.22; kubeprint sets it for
/// every release), the sandbox image and the registry hosts directory. Keys per
/// containerd/containerd docs/cri/config.md at v1.7.34 (version 2) and v2.2.7
/// (version 3, "CGroup driver" and the full configuration).
fn config_toml(config_version: u32, sandbox: &str) -> String {
    let runc_type = q("io.containerd.runc.v2");
    let certs = q(layout::CONTAINERD_CERTS_DIR);
    let sandbox = q(sandbox);
    let body = if config_version >= 3 {
        let images = "plugins.'io.containerd.cri.v1.images'";
        let runtime = "plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc";
        format!(
            "[{images}.pinned_images]\nsandbox = {sandbox}\n\n[{images}.registry]\nconfig_path = {certs}\n\n[{runtime}]\nruntime_type = {runc_type}\n\n[{runtime}.options]\nSystemdCgroup = true\n"
        )
    } else {
        let cri = "plugins.\"io.containerd.grpc.v1.cri\"";
        let runtime = format!("{cri}.containerd.runtimes.runc");
        format!(
            "[{cri}]\nsandbox_image = {sandbox}\n\n[{cri}.registry]\nconfig_path = {certs}\n\n[{runtime}]\nruntime_type = {runc_type}\n\n[{runtime}.options]\nSystemdCgroup = true\n"
        )
    };
    format!(
        "# Written by kubeprint: the whole containerd configuration, CRI enabled.\nversion = {config_version}\n\n{body}"
    )
}

/// One `hosts.toml` per registry (containerd docs/hosts.md at v2.2.7): the mirrors in
/// the order given, then the registry itself (`server`). A mirror with a path
/// (`host/prefix`) is a registry whose API root is `https://host/v2/prefix`, as
/// containers/image reads it, so it gets `override_path` (docs/hosts.md from v1.6.0).
fn hosts_files(r: &Registries) -> Vec<CaFile> {
    let mut files = Vec::new();
    for (registry, mirrors) in &r.mirrors {
        let dir = format!("{}/{registry}", layout::CONTAINERD_CERTS_DIR);
        // Docker Hub's API host is not docker.io (docs/hosts.md's docker.io example).
        let server = match registry.as_str() {
            "docker.io" => "https://registry-1.docker.io".to_string(),
            other => format!("https://{other}"),
        };
        let mut text = format!(
            "# Written by kubeprint: mirrors of {registry}, tried in order.\nserver = {}\n",
            q(&server)
        );
        for mirror in mirrors {
            let (url, override_path) = match mirror.split_once('/') {
                Some((host, path)) => (format!("https://{host}/v2/{path}"), true),
                None => (format!("https://{mirror}"), false),
            };
            text.push_str(&format!(
                "\n[host.{}]\ncapabilities = [\"pull\", \"resolve\"]\n",
                q(&url)
            ));
            if override_path {
                text.push_str("override_path = true\n");
            }
            if r.ca.is_some() {
                text.push_str(&format!("ca = {}\n", q(&format!("{dir}/ca.crt"))));
            }
        }
        files.push(CaFile {
            path: format!("{dir}/hosts.toml"),
            content: text,
        });
        if let Some(pem) = &r.ca {
            files.push(CaFile {
                path: format!("{dir}/ca.crt"),
                content: pem.clone(),
            });
        }
    }
    files
}

/// crictl's configuration (kubernetes-sigs/cri-tools docs/crictl.md: `runtime-endpoint`
/// and `image-endpoint` in `/etc/crictl.yaml`), built as YAML values.
fn crictl_yaml(socket: &str) -> String {
    let doc: std::collections::BTreeMap<&str, &str> =
        [("runtime-endpoint", socket), ("image-endpoint", socket)]
            .into_iter()
            .collect();
    crate::yaml::to_string(&doc).expect("a map of strings serializes")
}

#[cfg(test)]
mod tests;
