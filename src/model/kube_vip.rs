//! Model: the pinned kube-vip release and the defaults of its manifest generator that
//! kubeprint's static pod reproduces. Only facts live here, each with its source;
//! `plan::kube_vip` builds the manifest from them.
//!
//! Sources, all in kube-vip/kube-vip at tag v1.2.3 (commit
//! 7ce55caffa2789b4165072bbef7c7d376000995e) unless a line says otherwise:
//! - `cmd/kube-vip.go`: the flag defaults (`--port` 6443, `--leaseName`
//!   plndr-cp-lock, `--leaseDuration` 15, `--leaseRenewDuration` 10, `--leaseRetry` 2,
//!   `--namespace` kube-system, `--dnsMode` first, `--prometheusHTTPServer` :2112,
//!   `--k8sConfigPath` /etc/kubernetes/admin.conf), and `GenerateCidrRange`, which sets
//!   `vip_subnet` to 32 for an IPv4 `--address` (`vip.DefaultMaskIPv4`,
//!   `pkg/vip/address.go`).
//! - `cmd/kube-vip-manifests.go`, `manifest pod`: the generator kubeprint reproduces.
//! - `pkg/kubevip/config_generator.go`, `generatePodSpec`: the Pod (env order, image
//!   pull policy, capabilities, the kubeconfig hostPath mounted at
//!   /etc/kubernetes/admin.conf, the `kubernetes` → 127.0.0.1 host alias).
//! - `pkg/kubevip/config_envvar.go`: the environment variable names.

/// The kube-vip release every control plane runs: the newest tag in kube-vip/kube-vip
/// (v1.2.3, 2026-08-10). Its image digest is not pinned: the release workflow
/// (`.github/workflows/release.yaml`) prints it only in the CI log, and no upstream
/// file or page records it.
pub(crate) const VERSION: &str = "v1.2.3";

/// `manifest pod --image` default (`cmd/kube-vip-manifests.go`); release.yaml pushes
/// the multi-architecture image (amd64, arm64, ...) under the tag.
pub(crate) const IMAGE: &str = "ghcr.io/kube-vip/kube-vip";

/// Where kubeadm's kubelet reads static pods; kube-vip's static pod docs write the
/// manifest there (kube-vip/website, content/docs/installation/static.md).
pub(crate) const MANIFEST_PATH: &str = "/etc/kubernetes/manifests/kube-vip.yaml";

/// kubeadm's admin kubeconfig, which `generatePodSpec` mounts for kube-vip.
pub(crate) const ADMIN_CONF: &str = "/etc/kubernetes/admin.conf";

/// From Kubernetes 1.29 admin.conf's group (kubeadm:cluster-admins) has rights only
/// through a ClusterRoleBinding `kubeadm init` itself creates, and init writes a
/// break-glass super-admin.conf (system:masters) on its node alone (KEP-4214,
/// kubernetes/enhancements keps/sig-cluster-lifecycle/kubeadm/4214-separate-super-user-kubeconfig;
/// <https://kubernetes.io/docs/reference/setup-tools/kubeadm/generated/kubeadm_init/kubeadm_init_phase_kubeconfig_super-admin/>).
/// So kube-vip, which init waits for, must use super-admin.conf until init finishes,
/// then admin.conf (kube-vip/kube-vip issue #684; kube-vip/website
/// content/docs/installation/static.md, note under "Example ARP Manifest").
pub(crate) const SUPER_ADMIN_CONF: &str = "/etc/kubernetes/super-admin.conf";
pub(crate) const SUPER_ADMIN_SINCE_MINOR: u32 = 29;

/// `--leaseName` default: the Lease in `cp_namespace` the control planes elect on.
pub(crate) const LEASE_NAME: &str = "plndr-cp-lock";
