//! Part of stage 3 (plan): the two documents the API server hardening options write, as
//! typed values: the EncryptionConfiguration (apiserver.config.k8s.io/v1) and the audit
//! Policy (audit.k8s.io/v1). Field names follow the upstream types, transcribed with
//! their sources in tests/conformance/upstream-apiserver/, which decode these documents
//! strictly in the test suite.

use serde::Serialize;

/// kubernetes/apiserver v0.36.0 pkg/apis/apiserver/v1/types_encryption.go (v0.21.0:
/// pkg/apis/config/v1/types.go), group `apiserver.config.k8s.io`, version `v1`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct EncryptionConfiguration<'a> {
    api_version: &'static str,
    kind: &'static str,
    resources: Vec<ResourceConfiguration<'a>>,
}

#[derive(Serialize)]
struct ResourceConfiguration<'a> {
    resources: Vec<&'static str>,
    providers: Vec<Provider<'a>>,
}

/// One provider per entry (the validation's "more than one provider specified in a
/// single element").
#[derive(Serialize, Default)]
struct Provider<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    secretbox: Option<Keys<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    identity: Option<Empty>,
}

#[derive(Serialize)]
struct Keys<'a> {
    keys: Vec<Key<'a>>,
}

#[derive(Serialize)]
struct Key<'a> {
    name: &'static str,
    secret: &'a str,
}

/// `IdentityConfiguration struct{}`: written `{}`.
#[derive(Serialize)]
struct Empty {}

/// Secrets are encrypted with secretbox (XSalsa20-Poly1305, "Strong" in the provider
/// table of <https://kubernetes.io/docs/tasks/administer-cluster/encrypt-data/>; aescbc is
/// "not recommended", aesgcm needs rotation every 200,000 writes, kms needs a plugin).
/// The first provider encrypts every write; `identity: {}` after it still reads what
/// was stored unencrypted, as that page's "Encrypting your data" configuration does.
/// Only `secrets`: ConfigMaps are meant for non-confidential data.
pub(super) fn encryption_configuration(key: &str) -> EncryptionConfiguration<'_> {
    EncryptionConfiguration {
        api_version: "apiserver.config.k8s.io/v1",
        kind: "EncryptionConfiguration",
        resources: vec![ResourceConfiguration {
            resources: vec!["secrets"],
            providers: vec![
                Provider {
                    secretbox: Some(Keys {
                        // The name is stored with each value (`k8s:enc:secretbox:v1:key1:`);
                        // a later key gets another name, as in the page's rotation steps.
                        keys: vec![Key {
                            name: "key1",
                            secret: key,
                        }],
                    }),
                    ..Provider::default()
                },
                Provider {
                    identity: Some(Empty {}),
                    ..Provider::default()
                },
            ],
        }],
    }
}

/// kubernetes/apiserver v0.36.0 pkg/apis/audit/v1/types.go `Policy` (the fields used
/// here exist in v0.21.0 too; `omitManagedFields`, which does not, is not used).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Policy {
    api_version: &'static str,
    kind: &'static str,
    omit_stages: Vec<&'static str>,
    rules: Vec<Rule>,
}

#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Rule {
    level: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    users: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    verbs: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    resources: Vec<GroupResources>,
    #[serde(rename = "nonResourceURLs", skip_serializing_if = "Vec::is_empty")]
    non_resource_urls: Vec<&'static str>,
}

#[derive(Serialize)]
struct GroupResources {
    /// `""` is the core group; written out, as the GCE policy does, for readers.
    group: &'static str,
    resources: Vec<&'static str>,
}

fn group(group: &'static str, resources: &[&'static str]) -> GroupResources {
    GroupResources {
        group,
        resources: resources.to_vec(),
    }
}

/// The reviewed default policy. It starts from the one kubernetes' own GCE scripts write
/// (kubernetes/kubernetes cluster/gce/gci/configure-helper.sh `create-master-audit-policy`
/// at b574b11f6b28f06e17333bb110e9374db3259bad), which the audit page recommends as a
/// starting point (<https://kubernetes.io/docs/tasks/debug/debug-cluster/audit/>), and
/// differs where README's "Encryption at rest and audit logging" says why: Metadata, not
/// request or response bodies, for everything logged; kubeadm's kube-proxy identity and
/// EndpointSlices; /livez and /readyz; leases; events.k8s.io; no GCE-only identities.
/// The first matching rule decides (same page, "Audit policy").
pub(super) fn audit_policy() -> Policy {
    let rule = |level| Rule {
        level,
        ..Rule::default()
    };
    Policy {
        api_version: "audit.k8s.io/v1",
        kind: "Policy",
        // RequestReceived repeats what ResponseComplete records, for every request.
        omit_stages: vec!["RequestReceived"],
        rules: vec![
            kube_proxy_watches(),
            Rule {
                // Health probes and version checks. kubeadm's API server pod is probed on
                // /livez and /readyz (kubernetes/kubernetes cmd/kubeadm/app/phases/
                // controlplane/manifests.go at ad7cb45bb24a21d7f391c10985d0af850471f426),
                // endpoints newer than the GCE rule's /healthz*.
                non_resource_urls: vec!["/healthz*", "/livez*", "/readyz*", "/version"],
                ..rule("None")
            },
            Rule {
                // Leader election and node heartbeats read leases constantly.
                verbs: vec!["get", "list", "watch"],
                resources: vec![group("coordination.k8s.io", &["leases"])],
                ..rule("None")
            },
            Rule {
                // Events, in both API groups: high volume, as the GCE policy notes.
                resources: vec![group("", &["events"]), group("events.k8s.io", &["events"])],
                ..rule("None")
            },
            Rule {
                // Bodies hold secret data or tokens: metadata only, even if the default
                // below is ever raised (the GCE policy's rule, unchanged).
                resources: vec![
                    group("", &["secrets", "configmaps", "serviceaccounts/token"]),
                    group("authentication.k8s.io", &["tokenreviews"]),
                ],
                ..rule("Metadata")
            },
            // Everything else: who did what to which object, when and from where.
            rule("Metadata"),
        ],
    }
}

/// kube-proxy's watches: high volume, low risk (the GCE policy's first rule).
fn kube_proxy_watches() -> Rule {
    Rule {
        level: "None",
        // kubeadm runs kube-proxy as the ServiceAccount kube-system/kube-proxy
        // (kubernetes/kubernetes cmd/kubeadm/app/phases/addons/proxy/proxy.go
        // `KubeProxyServiceAccountName`, at 03a145de8ad282764828f43821433001974718e9),
        // whose user name is `system:serviceaccount:<namespace>:<name>`
        // (kubernetes/apiserver v0.36.0 pkg/authentication/serviceaccount/util.go);
        // `system:kube-proxy` is the GCE rule's user. Its role system:node-proxier
        // watches EndpointSlices too (kubernetes/kubernetes plugin/pkg/auth/authorizer/
        // rbac/bootstrappolicy/policy.go at 53f1b9d6f8de259644c05a25aa7ac8c6a67258e2).
        users: vec![
            "system:kube-proxy",
            "system:serviceaccount:kube-system:kube-proxy",
        ],
        verbs: vec!["watch"],
        resources: vec![
            group("", &["endpoints", "services", "services/status"]),
            group("discovery.k8s.io", &["endpointslices"]),
        ],
        ..Rule::default()
    }
}
