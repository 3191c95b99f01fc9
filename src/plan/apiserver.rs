//! Part of stage 3 (plan): `kubernetes.encryption_at_rest` and `kubernetes.audit_log` →
//! the files every control plane writes before kubeadm runs (an EncryptionConfiguration
//! holding the key, an audit Policy) and the API server flags and hostPath mounts the
//! ClusterConfiguration carries. Documents are typed values written by [`crate::yaml`].
//!
//! Flags: kubernetes/apiserver v0.36.0 (published from kubernetes/kubernetes v1.36.0,
//! staging/src/k8s.io/apiserver), pkg/server/options/etcd.go (`encryption-provider-config`)
//! and pkg/server/options/audit.go (`audit-policy-file`, `audit-log-path`,
//! `audit-log-maxage`, `audit-log-maxbackup`, `audit-log-maxsize`); the same names in
//! v0.21.0 (Kubernetes 1.21), so every supported minor has them.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::layout::{
    AUDIT_LOG_DIR, AUDIT_LOG_PATH, AUDIT_POLICY_PATH, ENCRYPTION_CONFIG_DIR, ENCRYPTION_CONFIG_PATH,
};
use crate::model::cluster::Cluster;
use crate::secrets::CheckedSecrets;
use crate::yaml;

/// `extraVolumes` entry: `HostPathMount` of v1beta2, v1beta3 and v1beta4 alike
/// (tests/conformance/upstream/kubeadm-v1beta*-types.go). kubeadm adds each to the
/// component's static pod as a hostPath volume and mount
/// (kubernetes/kubernetes cmd/kubeadm/app/phases/controlplane/volumes.go
/// `AddExtraHostPathMounts`, at 4a0608cb77f6a53af41cb4a453af104a4d4a0610).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HostPathMount {
    pub name: &'static str,
    pub host_path: &'static str,
    pub mount_path: &'static str,
    /// Always written, so a reviewer sees which mount the API server may write to.
    pub read_only: bool,
    pub path_type: &'static str,
}

/// A file a step writes, with its mode.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ConfigFile {
    pub path: &'static str,
    pub mode: &'static str,
    pub content: String,
}

/// The audit step's inputs: the policy and the directory the log goes to.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AuditFiles {
    pub policy: ConfigFile,
    pub log_dir: &'static str,
}

/// What ClusterConfiguration's `apiServer` gains: flags (`extraArgs`) and mounts
/// (`extraVolumes`). Empty when both options are off.
#[derive(Debug, Clone, Default)]
pub(crate) struct ApiServerExtras {
    pub args: BTreeMap<String, String>,
    pub volumes: Vec<HostPathMount>,
}

/// Rotation as the CIS Kubernetes Benchmark checks it (1.2.17-1.2.19: maxage >= 30 days,
/// maxbackup >= 10 files, maxsize >= 100 MB): aquasecurity/kube-bench
/// cfg/cis-1.10/master.yaml at a73ce378418c71c5861e6963753f50dec3badadf. At most
/// 11 × 100 MB of audit log per control plane.
pub(crate) const AUDIT_LOG_MAXAGE_DAYS: &str = "30";
pub(crate) const AUDIT_LOG_MAXBACKUP: &str = "10";
pub(crate) const AUDIT_LOG_MAXSIZE_MB: &str = "100";

pub(crate) fn extras(cluster: &Cluster) -> ApiServerExtras {
    let mut x = ApiServerExtras::default();
    let mut arg = |name: &str, value: &str| x.args.insert(name.to_string(), value.to_string());
    if cluster.encryption_at_rest {
        arg("encryption-provider-config", ENCRYPTION_CONFIG_PATH);
    }
    if cluster.audit_log {
        arg("audit-policy-file", AUDIT_POLICY_PATH);
        arg("audit-log-path", AUDIT_LOG_PATH);
        arg("audit-log-maxage", AUDIT_LOG_MAXAGE_DAYS);
        arg("audit-log-maxbackup", AUDIT_LOG_MAXBACKUP);
        arg("audit-log-maxsize", AUDIT_LOG_MAXSIZE_MB);
    }
    // The mounts are the ones the upstream pages show for a static-pod API server:
    // the encryption directory read-only, type DirectoryOrCreate
    // (https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/), the policy
    // file read-only, type File, and the log directory writable, type DirectoryOrCreate
    // (https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/, "Log backend"). Type
    // names: kubernetes/api v0.21.0 and v0.36.0 core/v1/types.go HostPathType.
    // Mounted at the same path, so the flags name the host's paths too.
    let mut mount = |name, path: &'static str, read_only, path_type| {
        x.volumes.push(HostPathMount {
            name,
            host_path: path,
            mount_path: path,
            read_only,
            path_type,
        })
    };
    if cluster.encryption_at_rest {
        mount(
            "encryption-config",
            ENCRYPTION_CONFIG_DIR,
            true,
            "DirectoryOrCreate",
        );
    }
    if cluster.audit_log {
        mount("audit-policy", AUDIT_POLICY_PATH, true, "File");
        mount("audit-log", AUDIT_LOG_DIR, false, "DirectoryOrCreate");
    }
    x
}

/// The EncryptionConfiguration control planes write, `None` when the option is off.
/// Only with the key in the secrets file (`render` adds it; `render_cluster` refuses
/// secrets without it), so `None` here means the option is off.
pub(crate) fn encryption_config(cluster: &Cluster, secrets: &CheckedSecrets) -> Option<ConfigFile> {
    let key = secrets.secrets.encryption_key.as_ref()?;
    cluster.encryption_at_rest.then(|| ConfigFile {
        path: ENCRYPTION_CONFIG_PATH,
        // It holds the key: root only, as the page above asks.
        mode: "0600",
        content: to_yaml(&super::apiserver_docs::encryption_configuration(
            key.expose(),
        )),
    })
}

/// The audit policy and log directory, `None` when the option is off.
pub(crate) fn audit_files(cluster: &Cluster) -> Option<AuditFiles> {
    cluster.audit_log.then(|| AuditFiles {
        policy: ConfigFile {
            path: AUDIT_POLICY_PATH,
            mode: "0600",
            content: to_yaml(&super::apiserver_docs::audit_policy()),
        },
        log_dir: AUDIT_LOG_DIR,
    })
}

fn to_yaml<T: Serialize>(value: &T) -> String {
    // Plain structs of strings: serializing cannot fail.
    yaml::to_string(value).expect("API server documents serialize")
}
