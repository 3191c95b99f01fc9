//! Part of stage 3 (plan): `kubernetes.vip` → the kube-vip static pod every control
//! plane runs, built as a typed Pod and written with [`crate::yaml`]. It is the Pod
//! `kube-vip manifest pod --address A --interface I --port P --controlplane --arp
//! --leaderElection` generates at the pinned tag (sources in [`crate::model::kube_vip`]),
//! fields in the order that generator's output has them, minus its empty
//! `creationTimestamp`, `resources` and `status`.

use serde::Serialize;

use crate::model::cluster::{Cluster, Vip};
use crate::model::kube_vip::{
    ADMIN_CONF, IMAGE, LEASE_NAME, SUPER_ADMIN_CONF, SUPER_ADMIN_SINCE_MINOR, VERSION,
};
use crate::plan::role::Role;
use crate::yaml;

/// What a control plane's kube-vip steps write to the static pod path.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct KubeVipPlan {
    /// Written by the `kube-vip` step: before `kubeadm init` on the first control plane
    /// (with super-admin.conf from 1.29), after `kubeadm join` on the others.
    pub manifest: String,
    /// Written by `kube-vip-admin-conf` once `kubeadm init` succeeded: the manifest
    /// with admin.conf. `None` where `manifest` already uses admin.conf.
    pub after_init: Option<String>,
    pub address: String,
    /// `default route's interface` when the cluster names none.
    pub interface: String,
    pub image: String,
}

/// Whether the first control plane needs super-admin.conf while `kubeadm init` runs.
pub(crate) fn needs_super_admin(cluster: &Cluster) -> bool {
    cluster.release.minor >= SUPER_ADMIN_SINCE_MINOR
}

/// `repository:tag`, as `generatePodSpec` writes the image; under
/// `kubernetes.image_repository` the same name and tag in that repository, as kubeadm
/// does with its own images (`<repository>/<name>:<tag>`).
pub(crate) fn image(cluster: &Cluster) -> String {
    match &cluster.image_repository {
        Some(repository) => format!("{repository}/kube-vip:{VERSION}"),
        None => format!("{IMAGE}:{VERSION}"),
    }
}

/// The kube-vip steps' inputs for a control plane bundle; `None` for workers and
/// clusters without a VIP.
pub(crate) fn kube_vip_plan(cluster: &Cluster, role: Role) -> Option<KubeVipPlan> {
    let vip = cluster.vip.as_ref()?;
    let port = cluster.api_server_port;
    let image = image(cluster);
    let final_manifest = manifest(vip, port, ADMIN_CONF, &image);
    let (manifest_text, after_init) = match role {
        Role::Worker => return None,
        Role::ControlPlane if needs_super_admin(cluster) => (
            manifest(vip, port, SUPER_ADMIN_CONF, &image),
            Some(final_manifest),
        ),
        Role::ControlPlane | Role::ControlPlaneJoin => (final_manifest, None),
    };
    Some(KubeVipPlan {
        manifest: manifest_text,
        after_init,
        address: vip.address.to_string(),
        interface: vip
            .interface
            .clone()
            .unwrap_or_else(|| "the default route's interface".to_string()),
        image,
    })
}

/// The static pod, with the kubeconfig at `kubeconfig` on the host mounted where
/// kube-vip reads it.
pub(crate) fn manifest(vip: &Vip, port: u16, kubeconfig: &str, image: &str) -> String {
    yaml::to_string(&pod(vip, port, kubeconfig, image)).expect("a Pod of plain strings serializes")
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Pod<'a> {
    api_version: &'a str,
    kind: &'a str,
    metadata: Metadata<'a>,
    spec: PodSpec<'a>,
}

#[derive(Serialize)]
struct Metadata<'a> {
    name: &'a str,
    namespace: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PodSpec<'a> {
    containers: Vec<Container<'a>>,
    host_aliases: Vec<HostAlias<'a>>,
    host_network: bool,
    volumes: Vec<Volume<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Container<'a> {
    args: Vec<&'a str>,
    env: Vec<EnvVar<'a>>,
    image: String,
    image_pull_policy: &'a str,
    name: &'a str,
    security_context: SecurityContext<'a>,
    volume_mounts: Vec<VolumeMount<'a>>,
}

/// `value`, or `valueFrom.fieldRef` (the node name).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EnvVar<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value_from: Option<EnvVarSource<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EnvVarSource<'a> {
    field_ref: FieldRef<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FieldRef<'a> {
    field_path: &'a str,
}

#[derive(Serialize)]
struct SecurityContext<'a> {
    capabilities: Capabilities<'a>,
}

#[derive(Serialize)]
struct Capabilities<'a> {
    add: Vec<&'a str>,
    drop: Vec<&'a str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VolumeMount<'a> {
    mount_path: &'a str,
    name: &'a str,
}

#[derive(Serialize)]
struct HostAlias<'a> {
    hostnames: Vec<&'a str>,
    ip: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Volume<'a> {
    host_path: HostPath<'a>,
    name: &'a str,
}

#[derive(Serialize)]
struct HostPath<'a> {
    path: &'a str,
}

fn pod<'a>(vip: &'a Vip, port: u16, kubeconfig: &'a str, image: &str) -> Pod<'a> {
    Pod {
        api_version: "v1",
        kind: "Pod",
        metadata: Metadata {
            name: "kube-vip",
            namespace: "kube-system",
        },
        spec: PodSpec {
            containers: vec![Container {
                args: vec!["manager"],
                env: env(vip, port),
                image: image.to_string(),
                image_pull_policy: "IfNotPresent",
                name: "kube-vip",
                // ARP needs raw sockets and address changes, nothing more (the
                // generator adds privileged only for IPVS masquerade).
                security_context: SecurityContext {
                    capabilities: Capabilities {
                        add: vec!["NET_ADMIN", "NET_RAW"],
                        drop: vec!["ALL"],
                    },
                },
                volume_mounts: vec![VolumeMount {
                    mount_path: ADMIN_CONF,
                    name: "kubeconfig",
                }],
            }],
            // kube-vip reaches its own node's API server as https://kubernetes:<port>
            // (pkg/manager/manager.go), a name the API server certificate carries.
            host_aliases: vec![HostAlias {
                hostnames: vec!["kubernetes"],
                ip: "127.0.0.1",
            }],
            host_network: true,
            volumes: vec![Volume {
                host_path: HostPath { path: kubeconfig },
                name: "kubeconfig",
            }],
        },
    }
}

/// The environment `generatePodSpec` writes for these flags, in its order. Each name
/// is a constant of pkg/kubevip/config_envvar.go (named in the comment).
fn env(vip: &Vip, port: u16) -> Vec<EnvVar<'_>> {
    let value = |name, value: &str| EnvVar {
        name,
        value: Some(value.to_string()),
        value_from: None,
    };
    let mut env = vec![
        value("vip_arp", "true"),         // vipArp: --arp
        value("port", &port.to_string()), // port: --port, the API servers' bind port
        EnvVar {
            name: "vip_nodename", // nodeName: the lease holder's identity
            value: None,
            value_from: Some(EnvVarSource {
                field_ref: FieldRef {
                    field_path: "spec.nodeName",
                },
            }),
        },
    ];
    if let Some(interface) = &vip.interface {
        env.push(value("vip_interface", interface)); // vipInterface: --interface
    }
    env.extend([
        value("vip_subnet", "32"),            // vipSubnet: GenerateCidrRange, IPv4
        value("dns_mode", "first"),           // dnsMode: --dnsMode default
        value("cp_enable", "true"),           // cpEnable: --controlplane
        value("cp_namespace", "kube-system"), // cpNamespace: --namespace default
        value("vip_leaderelection", "true"),  // vipLeaderElection: --leaderElection
        value("vip_leasename", LEASE_NAME),   // vipLeaseName: --leaseName default
        value("vip_leaseduration", "15"),     // vipLeaseDuration: --leaseDuration default
        value("vip_renewdeadline", "10"),     // vipRenewDeadline: --leaseRenewDuration default
        value("vip_retryperiod", "2"),        // vipRetryPeriod: --leaseRetry default
        value("address", &vip.address.to_string()), // address: --address
        value("prometheus_server", ":2112"),  // prometheusServer: --prometheusHTTPServer default
    ]);
    env
}
