//! Part of `verify`: every bundle against the reference. Each kubeadm document (see
//! `documents`), the init node's kubelet settings, every copy of the CA certificate,
//! the CNI pod network and the package pins; then the summary of what agrees, and the
//! kube-vip static pods against the endpoint.

use crate::review::facts::{self, BundleFacts, NodeKind, kind_of};

use super::documents::{Runtime, bundle_runtime, check_document};
use super::findings::{Findings, display_dir};
use super::kube_vip::check_kube_vip;
use super::packages::check_packages;
use super::reference::{ClusterSettings, Reference, ca_hash};

pub(super) fn check_cluster(bundles: &[BundleFacts], r: &Reference, out: &mut Findings) {
    let c = ClusterSettings::of(&r.cluster);
    if c.endpoint.is_empty() {
        out.problems.push(format!(
            "{}: ClusterConfiguration has no controlPlaneEndpoint, so the API server certificate need not cover the address nodes join through",
            r.file
        ));
    }
    if c.minor.is_none() {
        out.problems.push(format!(
            "{}: kubernetesVersion `{}` is not a version",
            r.file, c.version
        ));
    }
    let runtime = check_runtimes(bundles, out);
    for b in bundles {
        let own = bundle_runtime(&b.step_files);
        for k in &b.kubeadm {
            for doc in &k.value {
                check_document(doc, &k.file, r, &c, own, out);
            }
        }
        if b.kind() == NodeKind::Init {
            check_init_kubelet(b, out);
        }
        check_ca_copies(b, r, out);
        check_cni(b, r, &c.pod_subnet, out);
        check_packages(b, &c.version, c.minor, out);
    }
    summarize(bundles, r, &c, runtime, out);
    check_kube_vip(bundles, &c.endpoint, c.minor, out);
}

/// kubeadm init writes the kubelet's configuration from its own: without a
/// KubeletConfiguration the kubelet keeps its default cgroup driver.
fn check_init_kubelet(b: &BundleFacts, out: &mut Findings) {
    let has_kubelet = b
        .kubeadm
        .iter()
        .all(|k| k.value.iter().any(|d| kind_of(d) == "KubeletConfiguration"));
    if !has_kubelet {
        out.problems.push(format!(
            "{}: the kubeadm init configuration has no KubeletConfiguration (cgroupDriver: systemd, which CRI-O uses)",
            display_dir(&b.dir)
        ));
    }
}

/// Every copy of the CA certificate is the reference's (when that could be read).
fn check_ca_copies(b: &BundleFacts, r: &Reference, out: &mut Findings) {
    for ca in &b.ca_certs {
        match ca_hash(&ca.value) {
            Ok(h) if h == r.ca_hash || r.ca_hash.is_empty() => {}
            Ok(h) => out.problems.push(format!(
                "{}: installs a CA certificate with hash {h}, but {} installs {}",
                ca.file, r.ca_file, r.ca_hash
            )),
            Err(e) => out.problems.push(format!(
                "{}: the CA certificate cannot be read: {e}",
                ca.file
            )),
        }
    }
}

/// The pod network each CNI step gives its manifest is the podSubnet.
fn check_cni(b: &BundleFacts, r: &Reference, pod_subnet: &str, out: &mut Findings) {
    for cni in &b.cni {
        match facts::cni_pod_network(&cni.value) {
            Ok(net) if net == pod_subnet => {}
            Ok(net) => out.problems.push(format!(
                "{}: the {} manifest gets pod network {net}, but podSubnet is {pod_subnet} ({})",
                cni.file, cni.value.plugin, r.file
            )),
            Err(e) => out.problems.push(format!("{}: {e}", cni.file)),
        }
    }
}

/// What agrees, for the success message.
fn summarize(
    bundles: &[BundleFacts],
    r: &Reference,
    c: &ClusterSettings,
    runtime: Runtime,
    out: &mut Findings,
) {
    let join_bundles = bundles
        .iter()
        .filter(|b| b.kind() == NodeKind::Join)
        .count();
    let joins = bundles
        .iter()
        .flat_map(|b| &b.kubeadm)
        .flat_map(|k| &k.value)
        .filter(|d| kind_of(d) == "JoinConfiguration")
        .count();
    if !r.ca_hash.is_empty() {
        out.summary.push(format!(
            "token and CA pin {} agree in {join_bundles} joining bundle(s) ({joins} join configurations, counting copies)",
            r.ca_hash
        ));
    }
    if !c.endpoint.is_empty() {
        out.summary.push(format!(
            "endpoint {} is covered by the API server certificate",
            c.endpoint
        ));
    }
    let mut cni_seen: Vec<&str> = bundles
        .iter()
        .flat_map(|b| &b.cni)
        .map(|cni| cni.value.plugin.as_str())
        .collect();
    cni_seen.dedup();
    let pod_subnet = &c.pod_subnet;
    out.summary.push(match cni_seen.as_slice() {
        [] => format!("pod subnet {pod_subnet} (no CNI step)"),
        plugins => format!("pod subnet {pod_subnet} matches {}", plugins.join(", ")),
    });
    out.summary.push(format!(
        "packages pinned to Kubernetes {}; {} socket and systemd cgroup driver set",
        c.version, runtime.label
    ));
}

/// Every bundle installs the same runtime (a `cri-o` or a `containerd` step); the
/// first bundle's is the cluster's.
fn check_runtimes(bundles: &[BundleFacts], out: &mut Findings) -> Runtime {
    let first = bundle_runtime(bundles.first().map_or(&[][..], |b| &b.step_files));
    for b in bundles {
        let own = bundle_runtime(&b.step_files);
        if own != first {
            out.problems.push(format!(
                "{}: installs {}, but {} installs {}: every node of a cluster runs the same runtime",
                display_dir(&b.dir),
                own.label,
                display_dir(&bundles[0].dir),
                first.label
            ));
        }
    }
    first
}
