//! Review tooling, `kubeprint explain`: a checked [`Cluster`] → a terminal-readable
//! account of each role's ordered steps, their purpose and stage. Needs no secrets:
//! the step lists come from [`plan::steps`], which is pure.

use std::fmt::Write;

use crate::model::cluster::{Cluster, Node, Vip};
use crate::plan::proxy::{ProxyPlan, proxy_plan};
use crate::plan::{self, Role, Stage, kube_vip};

/// The same account as data, for `explain --format json`.
#[derive(serde::Serialize)]
pub(crate) struct Explained {
    pub cluster: String,
    pub kubernetes: String,
    pub os: &'static str,
    pub cni: &'static str,
    pub endpoint: String,
    pub roles: Vec<ExplainedRole>,
    /// The inventory's machines, each with its role and address.
    pub nodes: Vec<ExplainedNode>,
    /// What each machine must let in, and from whom (`ports` in README).
    pub ports: Vec<crate::review::ports::Allow>,
    /// The HTTP(S) proxy and the full NO_PROXY list; absent without a proxy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxy: Option<ExplainedProxy>,
    /// The control-plane VIP, when kube-vip announces the endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vip: Option<ExplainedVip>,
    /// What the API servers do beyond kubeadm's defaults (`kubernetes.encryption_at_rest`,
    /// `audit_log`); absent when neither is on.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub api_server: Vec<String>,
    /// `offline: true`: nodes fetch only from mirrors; `airgap/` fills them.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub offline: bool,
}

#[derive(serde::Serialize)]
pub(crate) struct ExplainedNode {
    pub name: String,
    pub role: Role,
    pub address: String,
}

#[derive(serde::Serialize)]
pub(crate) struct ExplainedProxy {
    pub http: String,
    pub https: String,
    pub no_proxy: Vec<String>,
}

#[derive(serde::Serialize)]
pub(crate) struct ExplainedVip {
    pub address: String,
    /// `None`: the default route's interface.
    pub interface: Option<String>,
    pub image: String,
    /// From 1.29 the first control plane runs kube-vip on super-admin.conf during init.
    pub super_admin_during_init: bool,
}

#[derive(serde::Serialize)]
pub(crate) struct ExplainedRole {
    pub role: Role,
    pub purpose: &'static str,
    /// Where the node gets this bundle, and with it the token and keys.
    pub secrets: String,
    pub steps: Vec<plan::Step>,
}

pub(crate) fn explained(cluster: &Cluster) -> Explained {
    let bundles = plan::bundle_roles(cluster);
    Explained {
        cluster: cluster.name.clone(),
        kubernetes: cluster.version.to_string(),
        os: cluster.os.id,
        cni: cluster.cni.plugin.name(),
        endpoint: cluster.endpoint.host_port(),
        roles: roles(&bundles)
            .into_iter()
            .map(|(role, node)| ExplainedRole {
                role,
                purpose: purpose(role),
                secrets: secrets(cluster, role, node),
                steps: plan::steps(cluster, role),
            })
            .collect(),
        nodes: bundles
            .iter()
            .filter_map(|(r, n)| {
                n.map(|n| ExplainedNode {
                    name: n.name.clone(),
                    role: *r,
                    address: n.address.to_string(),
                })
            })
            .collect(),
        ports: crate::review::ports::ports(cluster),
        proxy: proxy_plan(cluster).map(|p| ExplainedProxy {
            http: p.http,
            https: p.https,
            no_proxy: p.no_proxy,
        }),
        vip: cluster.vip.as_ref().map(|v| ExplainedVip {
            address: v.address.to_string(),
            interface: v.interface.clone(),
            image: kube_vip::image(cluster),
            super_admin_during_init: kube_vip::needs_super_admin(cluster),
        }),
        api_server: api_server(cluster),
        offline: cluster.offline,
    }
}

/// One line per API server option that is on.
fn api_server(cluster: &Cluster) -> Vec<String> {
    use crate::layout::{AUDIT_LOG_PATH, AUDIT_POLICY_PATH, ENCRYPTION_CONFIG_PATH};
    use crate::plan::apiserver::{
        AUDIT_LOG_MAXAGE_DAYS, AUDIT_LOG_MAXBACKUP, AUDIT_LOG_MAXSIZE_MB,
    };
    let mut lines = Vec::new();
    if cluster.encryption_at_rest {
        lines.push(format!(
            "Secrets encrypted at rest in etcd (secretbox, key from the secrets file in {ENCRYPTION_CONFIG_PATH}, control planes only)"
        ));
    }
    if cluster.audit_log {
        lines.push(format!(
            "audit log {AUDIT_LOG_PATH} (policy {AUDIT_POLICY_PATH}: metadata only, health checks and other noise dropped; rotated at {AUDIT_LOG_MAXSIZE_MB} MB, {AUDIT_LOG_MAXBACKUP} old files kept up to {AUDIT_LOG_MAXAGE_DAYS} days)"
        ));
    }
    lines
}

/// `CRI-O 1.31` (the stream or the pinned release) or `containerd 2.2.6`.
fn runtime_words(cluster: &Cluster) -> String {
    match &cluster.runtime {
        crate::model::cluster::Runtime::Containerd { version } => format!("containerd {version}"),
        crate::model::cluster::Runtime::CriO => format!(
            "CRI-O {}",
            cluster
                .crio_pin
                .clone()
                .unwrap_or_else(|| format!("1.{}", cluster.release.minor))
        ),
    }
}

pub(crate) fn explain(cluster: &Cluster) -> String {
    let mut out = String::new();
    let cni = cluster.cni.plugin.name();
    let _ = writeln!(
        out,
        "cluster {}: Kubernetes {} on {}, {}, CNI {cni}, endpoint {}",
        cluster.name,
        cluster.version,
        cluster.os.id,
        runtime_words(cluster),
        cluster.endpoint.host_port()
    );
    if let Some(c) = crate::plan::containerd::containerd_plan(cluster) {
        let _ = writeln!(
            out,
            "containerd: {}={} from {}; config.toml version {}, runc with SystemdCgroup, sandbox {}",
            c.packages.join(" "),
            c.version,
            c.repos
                .iter()
                .filter_map(|r| r.source_line.split(' ').nth(2))
                .collect::<Vec<_>>()
                .join(", "),
            c.config_version,
            c.sandbox_image
        );
    }
    if let Some(p) = proxy_plan(cluster) {
        let _ = writeln!(out, "{}", proxy_line(&p));
    }
    if let Some(vip) = &cluster.vip {
        let _ = writeln!(out, "{}", vip_line(cluster, vip));
    }
    if cluster.offline {
        let _ = writeln!(
            out,
            "offline: every package, key, manifest and image from the mirrors (`kubeprint artifacts`); airgap/ fills them"
        );
    }
    let bundles = plan::bundle_roles(cluster);
    let roles = roles(&bundles);
    let width = roles
        .iter()
        .flat_map(|(r, _)| plan::steps(cluster, *r))
        .map(|s| s.id.len())
        .max()
        .unwrap_or(0);
    for (role, node) in roles {
        write_role(&mut out, cluster, role, node, width);
    }
    if !cluster.nodes.is_empty() {
        let _ = writeln!(
            out,
            "\nnodes/ (inventory: one bundle per machine, same steps as its role)"
        );
        for (role, node) in bundles.iter().filter_map(|(r, n)| n.map(|n| (r, n))) {
            let _ = writeln!(out, "  nodes/{}/  {}", node.name, role.name());
        }
    }
    let _ = writeln!(out, "\nports to allow in (on, protocol, from whom):");
    for line in crate::review::ports::lines(&crate::review::ports::ports(cluster)) {
        let _ = writeln!(out, "  {line}");
    }
    let _ = writeln!(
        out,
        "\nbake: no secret and no cluster identity, may be baked into an image (Packer)\nboot: runs on the node at first boot; may carry the token or keys"
    );
    out
}

/// Each role some bundle has, in pipeline order, with where its steps are told: its
/// per-role bundle (`None`), or with an inventory that lists every control plane, the
/// first node of that role (no per-role control-plane bundle is written then).
fn roles<'a>(bundles: &[(Role, Option<&'a Node>)]) -> Vec<(Role, Option<&'a Node>)> {
    [Role::ControlPlane, Role::ControlPlaneJoin, Role::Worker]
        .into_iter()
        .filter_map(|role| {
            let mine = || bundles.iter().filter(move |(r, _)| *r == role);
            mine()
                .find(|(_, n)| n.is_none())
                .or_else(|| mine().next())
                .copied()
        })
        .collect()
}

/// One role's steps: a heading (its per-role bundle, or the inventory's bundles of the
/// role), what secrets it carries, the API server settings (control planes only), then
/// its steps with their ids padded to `width`.
fn write_role(out: &mut String, cluster: &Cluster, role: Role, node: Option<&Node>, width: usize) {
    let steps = plan::steps(cluster, role);
    let heading = match node {
        None => format!("{}/", role.name()),
        Some(_) => format!("{} bundles in nodes/", role.name()),
    };
    let _ = writeln!(
        out,
        "\n{heading} ({}, {} steps)",
        purpose(role),
        steps.len()
    );
    let _ = writeln!(out, "  secrets: {}", secrets(cluster, role, node));
    for line in api_server(cluster).iter().filter(|_| role != Role::Worker) {
        let _ = writeln!(out, "  api server: {line}");
    }
    for step in steps {
        write_step(out, &step, width);
    }
}

/// One step's line; under it, for the user's own steps, what they carry (commands by
/// place and hash, files by path and mode, keys by fingerprint).
fn write_step(out: &mut String, step: &plan::Step, width: usize) {
    let stage = match step.stage {
        Stage::Bake => "bake",
        Stage::Boot => "boot",
    };
    let _ = writeln!(out, "  {:<width$}  {stage}  {}", step.id, step.summary);
    for line in &step.detail {
        let _ = writeln!(out, "  {:<width$}        {line}", "");
    }
}

/// Where downloads go and what stays direct.
fn proxy_line(p: &ProxyPlan) -> String {
    let via = if p.http == p.https {
        format!("{} for http and https", p.http)
    } else {
        format!("{} for http, {} for https", p.http, p.https)
    };
    format!(
        "proxy: {via} (apt, curl, CRI-O, kubelet, kubeadm, the image build)\n  direct (NO_PROXY): {}",
        p.no_proxy.join(",")
    )
}

/// Who answers at the endpoint, and how the first control plane starts it.
fn vip_line(cluster: &Cluster, vip: &Vip) -> String {
    let interface = match &vip.interface {
        Some(i) => format!("on {i}"),
        None => "on the default route's interface".to_string(),
    };
    let init = if kube_vip::needs_super_admin(cluster) {
        "; on super-admin.conf during kubeadm init, then admin.conf"
    } else {
        ""
    };
    format!(
        "VIP {} {interface}: kube-vip {} static pod on every control plane, ARP from the holder of Lease kube-system/{}{init}",
        vip.address,
        kube_vip::image(cluster),
        crate::model::kube_vip::LEASE_NAME
    )
}

fn purpose(role: Role) -> &'static str {
    match role {
        Role::ControlPlane => "the first control plane: kubeadm init",
        Role::ControlPlaneJoin => "further control planes: kubeadm join --control-plane",
        Role::Worker => "workers: kubeadm join",
    }
}

/// How a role's bundle reaches its node: the per-role bundle's way, or `node`'s.
fn secrets(cluster: &Cluster, role: Role, node: Option<&Node>) -> String {
    let Some(fetch) = plan::bundle_fetch(cluster, role, node) else {
        return "inline in user-data, which anything on the instance that reaches the metadata service can read".to_string();
    };
    let deleted = if fetch.delete.is_empty() {
        ""
    } else {
        ", deleted once fetched"
    };
    let how = match &fetch.region {
        Some(region) => format!(
            "fetched at boot from AWS Secrets Manager secret {} ({region}) with the instance role, sha256-pinned{deleted}",
            fetch.full
        ),
        None => format!("fetched at boot from {}, sha256-pinned", fetch.full),
    };
    match node {
        Some(n) => format!("{how} (for nodes/{}/; each node its own)", n.name),
        None => how,
    }
}
