//! Part of stage 1b (validate): `delivery`, how each node gets its bundle and with it
//! the bootstrap token and (on control planes) the CA keys: inline in user-data, from
//! AWS Secrets Manager, or from an https URL.

use crate::config::{Config, DeliveryConfig, Scalar};
use crate::model::cluster::{AwsDelivery, Delivery};
use crate::validate::fields::Checker;
use crate::validate::syntax::printable;
use crate::validate::url::{self, Scheme};

const MODES: [&str; 3] = ["inline", "aws-secrets-manager", "url"];

/// Secret names: ASCII letters, digits and `/_+=.@-`, at most 512 characters.
/// Source: AWS Secrets Manager API reference, CreateSecret, request parameter `Name`
/// (docs.aws.amazon.com/secretsmanager/latest/apireference/API_CreateSecret.html).
const SECRET_NAME_MAX: usize = 512;
/// Room left under that limit for the longest bundle name kubeprint appends
/// (`/nodes/<63-character name>/baked`).
const BUNDLE_SUFFIX_MAX: usize = 1 + 6 + 63 + 6;

/// `delivery.*`. `control_planes` is the cluster's count: a shared per-role bundle whose
/// payload is deleted after the first fetch would strand every later machine.
pub(crate) fn delivery(config: &Config, control_planes: u32, c: &mut Checker) -> Option<Delivery> {
    let d = &config.delivery;
    if !c.readable("delivery") {
        return None;
    }
    match d.mode.as_deref().unwrap_or("inline") {
        "inline" => {
            only_for(c, d, &[]);
            Some(Delivery::Inline)
        }
        "aws-secrets-manager" => {
            only_for(c, d, &["region", "account", "prefix", "delete_after_fetch"]);
            aws(config, control_planes, c).map(Delivery::AwsSecretsManager)
        }
        "url" => {
            only_for(c, d, &["url", "url_access"]);
            let base = url(d, c);
            url_access(d, c);
            base.map(|base| Delivery::Url { base })
        }
        other => {
            if c.readable("delivery.mode") {
                c.error(
                    "delivery.mode",
                    format!("unknown delivery mode `{}`", printable(other)),
                    crate::diagnostics::choose_one_of(other, &MODES),
                );
            }
            None
        }
    }
}

/// Keys that belong to another mode are errors, not silently ignored settings.
fn only_for(c: &mut Checker, d: &DeliveryConfig, allowed: &[&str]) {
    let mode = d.mode.as_deref().unwrap_or("inline");
    let set = [
        ("region", d.region.is_some(), "aws-secrets-manager"),
        ("account", d.account.is_some(), "aws-secrets-manager"),
        ("prefix", d.prefix.is_some(), "aws-secrets-manager"),
        (
            "delete_after_fetch",
            d.delete_after_fetch.is_some(),
            "aws-secrets-manager",
        ),
        ("url", d.url.is_some(), "url"),
        ("url_access", d.url_access.is_some(), "url"),
    ];
    for (key, present, owner) in set {
        if present && !allowed.contains(&key) {
            c.error(
                &format!("delivery.{key}"),
                format!("`delivery.{key}` has no meaning with `mode: {mode}`"),
                format!("remove it, or set `delivery.mode: {owner}`"),
            );
        }
    }
}

fn aws(config: &Config, control_planes: u32, c: &mut Checker) -> Option<AwsDelivery> {
    let d = &config.delivery;
    let region = needed(
        c,
        "region",
        d.region.clone(),
        "region: eu-west-1",
        "the region its secrets live in",
    );
    if let Some(r) = &region
        && !is_region(r)
    {
        c.error(
            "delivery.region",
            format!("`{}` is not an AWS region name", printable(r)),
            "write the region's code, like `eu-west-1` or `us-gov-west-1`",
        );
    }
    let default_prefix = format!("kubeprint/{}", config.name.as_deref().unwrap_or("cluster"));
    let prefix = d.prefix.clone().unwrap_or(default_prefix);
    if !is_secret_prefix(&prefix) {
        c.error(
            "delivery.prefix",
            format!("`{}` cannot start a Secrets Manager secret name", printable(&prefix)),
            format!(
                "use ASCII letters, digits and `/_+=.@-`, no leading, trailing or doubled `/`, at most {} characters",
                SECRET_NAME_MAX - BUNDLE_SUFFIX_MAX
            ),
        );
    }
    let (delete_control_plane, delete_worker) = delete_roles(d, c);
    // With an inventory every control plane has a bundle of its own (none is shared).
    let inventory = config.nodes.as_ref().is_some_and(|n| !n.is_empty());
    if delete_control_plane && control_planes > 2 && !inventory {
        c.warning(
            "delivery.delete_after_fetch",
            format!(
                "the control-plane-join bundle serves {} machines, so its payload is kept after a fetch",
                control_planes - 1
            ),
            "delete that secret once they joined, or list the machines in `nodes:` so each control plane gets a payload of its own that it deletes",
        );
    }
    if delete_worker {
        c.warning(
            "delivery.delete_after_fetch",
            "the worker bundle's payload is deleted by the first worker that fetches it",
            "every later worker started from out/worker fails to boot; list workers in `nodes:` (a payload each) or keep `delete_after_fetch: [control-plane]`",
        );
    }
    let account = account(d, c);
    Some(AwsDelivery {
        region: region?,
        account,
        prefix,
        delete_control_plane,
        delete_worker,
    })
}

/// `account`: 12 digits, as text (a number loses leading zeros). Absent: a warning, since
/// the policies then name the secrets in any account.
fn account(d: &DeliveryConfig, c: &mut Checker) -> Option<String> {
    const FIELD: &str = "delivery.account";
    let Some(scalar) = &d.account else {
        if c.readable(FIELD) {
            c.warning(
                FIELD,
                "the IAM policies name the payload secrets in any AWS account (`*`)",
                "add `account: \"123456789012\"` under `delivery:` (the account the secrets live in) so every ARN in publish/ names it",
            );
        }
        return None;
    };
    let text = match scalar {
        Scalar::Text(t) => t.clone(),
        Scalar::Integer(i) => i.to_string(),
        Scalar::Float(_) => String::new(),
    };
    if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
        return Some(text);
    }
    c.error(
        FIELD,
        format!("`{}` is not an AWS account ID", printable(&text)),
        "write the account's 12 digits in quotes, like `account: \"012345678901\"` (unquoted, YAML drops leading zeros)",
    );
    None
}

/// `delete_after_fetch`: roles, default `[control-plane]`.
fn delete_roles(d: &DeliveryConfig, c: &mut Checker) -> (bool, bool) {
    let Some(roles) = &d.delete_after_fetch else {
        return (true, false);
    };
    let (mut control_plane, mut worker) = (false, false);
    for (i, role) in roles.iter().enumerate() {
        match role.as_str() {
            "control-plane" => control_plane = true,
            "worker" => worker = true,
            other => c.error(
                &format!("delivery.delete_after_fetch[{i}]"),
                format!("unknown role `{}`", printable(other)),
                "list roles from: control-plane, worker (`[]` keeps every payload)",
            ),
        }
    }
    (control_plane, worker)
}

fn url(d: &DeliveryConfig, c: &mut Checker) -> Option<String> {
    let url = needed(
        c,
        "url",
        d.url.clone(),
        "url: https://artifacts.example.internal/kubeprint/prod",
        "the https URL payloads are served under",
    )?;
    url::check(
        c,
        "delivery.url",
        &url,
        Scheme::Https,
        "payloads carry the bootstrap token and CA keys: serve them over https only",
    );
    if url.contains(['?', '#']) {
        c.error(
            "delivery.url",
            "the base URL has a query or fragment",
            "give the directory payloads live under; kubeprint appends `/<bundle>/payload`",
        );
    }
    Some(url.trim_end_matches('/').to_string())
}

/// A control plane's payload holds the cluster, etcd and front-proxy CA keys and the
/// service-account key, and every cluster has control planes: `mode: url` needs the
/// user's statement that only the nodes can GET the URL.
fn url_access(d: &DeliveryConfig, c: &mut Checker) {
    match d.url_access.as_deref() {
        Some("private") => {}
        None | Some("public") => {
            // The URL itself is not repeated: it may carry credentials (refused apart).
            c.error(
                "delivery.url_access",
                "with `mode: url`, whoever can GET `<url>/control-plane/payload` gets the cluster's CA keys",
                "the control planes' payloads hold the cluster, etcd and front-proxy CA keys and the service-account key (workers' the bootstrap token): serve the URL to the nodes only (client certificates, a network only they reach) and say so with `url_access: private` under `delivery:`, or use `mode: aws-secrets-manager`, where only the control planes' instance role reads them",
            );
        }
        Some(other) => c.error(
            "delivery.url_access",
            format!("unknown URL access `{}`", printable(other)),
            "write `private` (only the nodes can GET the URL) or `public`",
        ),
    }
}

/// A key the mode cannot do without: an error at `delivery:` saying what to add.
fn needed(
    c: &mut Checker,
    key: &str,
    value: Option<String>,
    example: &str,
    what: &str,
) -> Option<String> {
    if value.is_none() {
        c.error(
            &format!("delivery.{key}"),
            format!("missing `delivery.{key}`"),
            format!("this delivery mode needs {what}: add `{example}` under `delivery:`"),
        );
    }
    value
}

/// `eu-west-1`, `us-gov-west-1`, `cn-north-1`, `ap-southeast-5`.
fn is_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].parse::<u8>().is_ok()
}

fn is_secret_prefix(prefix: &str) -> bool {
    !prefix.is_empty()
        && prefix.len() <= SECRET_NAME_MAX - BUNDLE_SUFFIX_MAX
        && prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/_+=.@-".contains(&b))
        && !prefix.starts_with('/')
        && !prefix.ends_with('/')
        && !prefix.contains("//")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names() {
        for ok in ["eu-west-1", "us-gov-west-1", "cn-north-1", "ap-southeast-5"] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in [
            "",
            "eu-west",
            "EU-west-1",
            "eu--1",
            "eu-west-x",
            "eu west 1",
        ] {
            assert!(!is_region(bad), "{bad}");
        }
    }

    #[test]
    fn secret_prefixes() {
        for ok in ["kubeprint/prod", "a", "team_a/k8s=prod@x+y.z-1"] {
            assert!(is_secret_prefix(ok), "{ok}");
        }
        for bad in ["", "/x", "x/", "a//b", "a b", "a$b", &"x".repeat(500)] {
            assert!(!is_secret_prefix(bad), "{bad}");
        }
    }
}
