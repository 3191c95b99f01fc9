//! Part of stage 4 (render): bundles delivered by `aws-secrets-manager` or `url`. Their
//! user-data is a stub without a key or the token: it writes the fetcher
//! (`templates/delivery/fetch-payload.py`) and the payload's location and sha256, and
//! runs the fetcher, which installs the checked payload (the bundle's `bootstrap.sh`)
//! and runs it as inline user-data would.

use serde::Serialize;

use crate::artifact::Artifacts;
use crate::error::{Error, Result};
use crate::layout::{BOOTSTRAP_PATH, FETCHER_PATH, PAYLOAD_CONFIG_PATH};
use crate::plan::Plan;
use crate::plan::delivery::Fetch;
use crate::plan::proxy::ProxyPlan;
use crate::render::cloudinit::{self, WriteFile};

pub(crate) const FETCHER: &str = include_str!("../../templates/delivery/fetch-payload.py");

/// The largest secret value Secrets Manager stores: 65,536 bytes. Source: AWS Secrets
/// Manager User Guide, "AWS Secrets Manager quotas", secret value size
/// (docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html).
pub(crate) const SECRET_VALUE_LIMIT: usize = 65_536;

/// Which of a bundle's two payloads a stub fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Variant {
    /// Every step: for plain images.
    Full,
    /// The image check and the boot steps: for machines from the baked image.
    Baked,
}

/// `payload.json`: what the fetcher reads.
#[derive(Serialize)]
struct PayloadConfig<'a> {
    source: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    endpoint: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    sha256: String,
    delete: &'a [String],
    install: &'a str,
}

/// Where `variant` of the bundle is fetched from: a secret id or a URL.
pub(crate) fn location(fetch: &Fetch, variant: Variant) -> &str {
    match variant {
        Variant::Full => &fetch.full,
        Variant::Baked => &fetch.baked,
    }
}

/// The stub user-data fetching `payload`, which it pins by sha256. With a proxy, the
/// fetcher runs with its environment: Python's urllib reads it (and `no_proxy`, which
/// keeps the metadata service direct). Source: docs.python.org/3/library/urllib.request.html,
/// `ProxyHandler`.
pub(crate) fn stub(
    header: &[String],
    hostname: Option<&str>,
    fetch: &Fetch,
    variant: Variant,
    payload: &str,
    proxy: Option<&ProxyPlan>,
) -> String {
    let place = location(fetch, variant);
    let aws = fetch.source == "aws-secrets-manager";
    let config = PayloadConfig {
        source: fetch.source,
        region: fetch.region.as_deref(),
        endpoint: fetch.endpoint.as_deref(),
        secret_id: aws.then_some(place),
        url: (!aws).then_some(place),
        sha256: crate::digest::sha256_hex(payload.as_bytes()),
        delete: &fetch.delete,
        install: BOOTSTRAP_PATH,
    };
    let mut json = serde_json::to_string_pretty(&config).expect("payload config serializes");
    json.push('\n');
    let files = vec![
        WriteFile {
            path: FETCHER_PATH,
            owner: "root:root",
            permissions: "0700",
            content: FETCHER,
        },
        WriteFile {
            path: PAYLOAD_CONFIG_PATH,
            owner: "root:root",
            permissions: "0644",
            content: &json,
        },
    ];
    let env: Vec<String> = proxy
        .iter()
        .flat_map(|p| &p.environment)
        .map(|v| format!("{}={}", v.name, v.value))
        .collect();
    let mut command: Vec<&str> = Vec::new();
    if !env.is_empty() {
        command.push("env");
        command.extend(env.iter().map(String::as_str));
    }
    command.extend(["python3", FETCHER_PATH]);
    cloudinit::document(header, hostname, files, command)
}

/// One line for the stub's header: where the payload comes from.
pub(crate) fn describe(fetch: &Fetch, variant: Variant) -> String {
    let place = location(fetch, variant);
    let deleted = if fetch.delete.is_empty() {
        ""
    } else {
        ", deleted after a verified fetch"
    };
    match &fetch.region {
        Some(region) => format!(
            "Fetches its bundle from AWS Secrets Manager secret {place} ({region}){deleted}."
        ),
        None => format!("Fetches its bundle from {place}."),
    }
}

/// Secrets Manager refuses values over its limit: say so at render time, not at boot,
/// for every payload of every fetched bundle.
pub(crate) fn check_sizes(plan: &Plan, artifacts: &Artifacts) -> Result<()> {
    for bundle in &plan.bundles {
        // Only Secrets Manager has a size limit (the one with a region).
        if bundle.fetch.as_ref().is_none_or(|f| f.region.is_none()) {
            continue;
        }
        for file in ["bootstrap.sh", "bootstrap.baked.sh"] {
            let path = format!("{}/{file}", bundle.dir);
            let size = artifacts.get(&path).map_or(0, |a| a.bytes.len());
            if size > SECRET_VALUE_LIMIT {
                return Err(Error::new(format!(
                    "`{path}` is {size} bytes, over Secrets Manager's {SECRET_VALUE_LIMIT}-byte limit for a secret value\n  = help: use `delivery.mode: url`, or fewer certificate SANs, `files` and inventory labels"
                )));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::layout::{BOOTSTRAP_LOG, PAYLOAD_CONFIG_PATH, STATE_DIR};

    /// The fetcher stays a plain Python file (runnable and lintable on its own), so its
    /// paths are checked against the layout the stub and the bundle use instead of
    /// rendered from it.
    #[test]
    fn the_fetcher_uses_the_layouts_paths() {
        for line in [
            format!("CONFIG = \"{PAYLOAD_CONFIG_PATH}\"\n"),
            format!("STATE = \"{STATE_DIR}\"\n"),
            format!("LOG = \"{BOOTSTRAP_LOG}\"\n"),
        ] {
            assert!(super::FETCHER.contains(&line), "{line}");
        }
    }
}
