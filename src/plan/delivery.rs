//! Part of stage 3 (plan): how each bundle reaches its node when `delivery` is not
//! `inline`: which secret or URL holds its payload, and whether the node deletes it
//! after a verified fetch. The payload's sha256 is known only once it is rendered, so
//! render adds it.

use serde::Serialize;

use crate::model::cluster::{AwsDelivery, Delivery};
use crate::plan::role::Role;

/// Where one bundle's payloads live: the full `bootstrap.sh` and the one for machines
/// started from the baked image.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Fetch {
    pub source: &'static str,
    /// aws-secrets-manager only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The API endpoint (aws-secrets-manager only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Secret ids, or URLs.
    pub full: String,
    pub baked: String,
    /// Secret ids the node deletes once a payload checked out: both variants, since
    /// either one holds the same keys.
    pub delete: Vec<String>,
}

/// The bundle's fetch plan; `None` for inline delivery. `shared` says whether several
/// machines boot from this bundle (per-role `control-plane-join` with more than one
/// joining control plane, per-role `worker`), whose payload must outlive a first fetch
/// unless the user asked otherwise for workers.
pub(crate) fn fetch(delivery: &Delivery, dir: &str, role: Role, shared: bool) -> Option<Fetch> {
    match delivery {
        Delivery::Inline => None,
        Delivery::Url { base } => Some(Fetch {
            source: "url",
            region: None,
            endpoint: None,
            full: format!("{base}/{dir}/payload"),
            baked: format!("{base}/{dir}/payload.baked"),
            delete: Vec::new(),
        }),
        Delivery::AwsSecretsManager(aws) => {
            let (full, baked) = secret_ids(aws, dir);
            let delete = match role {
                Role::Worker => aws.delete_worker,
                Role::ControlPlane | Role::ControlPlaneJoin => {
                    aws.delete_control_plane && !(shared && role == Role::ControlPlaneJoin)
                }
            };
            Some(Fetch {
                source: "aws-secrets-manager",
                region: Some(aws.region.clone()),
                endpoint: Some(secrets_manager_endpoint(&aws.region)),
                delete: if delete {
                    vec![full.clone(), baked.clone()]
                } else {
                    Vec::new()
                },
                full,
                baked,
            })
        }
    }
}

/// `<prefix>/<bundle>` and `<prefix>/<bundle>/baked`.
pub(crate) fn secret_ids(aws: &AwsDelivery, dir: &str) -> (String, String) {
    let full = format!("{}/{dir}", aws.prefix);
    let baked = format!("{full}/baked");
    (full, baked)
}

/// Secrets Manager's regional endpoint. Source: AWS General Reference, "AWS Secrets
/// Manager endpoints and quotas" (docs.aws.amazon.com/general/latest/gr/asm.html):
/// `secretsmanager.<region>.amazonaws.com`; the China regions use `amazonaws.com.cn`
/// (docs.amazonaws.cn, same page).
pub(crate) fn secrets_manager_endpoint(region: &str) -> String {
    let domain = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("https://secretsmanager.{region}.{domain}")
}

/// The ARN partition of a region, for IAM policies.
pub(crate) fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aws(delete_control_plane: bool, delete_worker: bool) -> Delivery {
        Delivery::AwsSecretsManager(AwsDelivery {
            region: "eu-west-1".into(),
            account: None,
            prefix: "kubeprint/prod".into(),
            delete_control_plane,
            delete_worker,
        })
    }

    #[test]
    fn endpoints_and_partitions_follow_the_region() {
        assert_eq!(
            secrets_manager_endpoint("eu-west-1"),
            "https://secretsmanager.eu-west-1.amazonaws.com"
        );
        assert_eq!(
            secrets_manager_endpoint("cn-north-1"),
            "https://secretsmanager.cn-north-1.amazonaws.com.cn"
        );
        assert_eq!(partition("eu-west-1"), "aws");
        assert_eq!(partition("cn-northwest-1"), "aws-cn");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
    }

    #[test]
    fn only_a_payload_one_machine_uses_is_deleted() {
        let deleted = |d: &Delivery, dir, role, shared| fetch(d, dir, role, shared).unwrap().delete;
        let both = vec![
            "kubeprint/prod/control-plane".to_string(),
            "kubeprint/prod/control-plane/baked".to_string(),
        ];
        assert_eq!(
            deleted(
                &aws(true, false),
                "control-plane",
                Role::ControlPlane,
                false
            ),
            both
        );
        // A per-role join bundle that several control planes boot from is kept.
        assert!(
            deleted(
                &aws(true, false),
                "control-plane-join",
                Role::ControlPlaneJoin,
                true
            )
            .is_empty()
        );
        assert_eq!(
            deleted(
                &aws(true, false),
                "nodes/cp-2",
                Role::ControlPlaneJoin,
                false
            )
            .len(),
            2
        );
        assert!(deleted(&aws(true, false), "worker", Role::Worker, true).is_empty());
        assert_eq!(
            deleted(&aws(false, true), "worker", Role::Worker, true).len(),
            2
        );
        assert!(
            deleted(
                &aws(false, false),
                "control-plane",
                Role::ControlPlane,
                false
            )
            .is_empty()
        );
    }

    #[test]
    fn url_payloads_live_under_the_bundle() {
        let url = Delivery::Url {
            base: "https://a.example/k8s".into(),
        };
        let f = fetch(&url, "nodes/cp-1", Role::ControlPlane, false).unwrap();
        assert_eq!(f.full, "https://a.example/k8s/nodes/cp-1/payload");
        assert_eq!(f.baked, "https://a.example/k8s/nodes/cp-1/payload.baked");
        assert!(f.delete.is_empty() && f.region.is_none());
        assert!(fetch(&Delivery::Inline, "worker", Role::Worker, true).is_none());
    }
}
