//! Part of stage 4 (render): `publish/`, what the operator runs or applies before
//! booting nodes whose bundles are fetched (`delivery` other than `inline`): for
//! `aws-secrets-manager` a script storing every payload, the node roles' IAM policies
//! and the instance metadata settings; for `url` the list of files to upload and where.

use serde_json::{Value, json};

use crate::artifact::{Artifact, Artifacts};
use crate::digest::sha256_hex;
use crate::model::cluster::{AwsDelivery, Delivery};
use crate::plan::delivery::partition;
use crate::plan::{Plan, Role};
use crate::secrets::REDACTED_TOKEN;

/// One payload to publish: its bundle, the tree file, where it goes, and its pinned sha256.
struct Payload<'a> {
    bundle: &'a str,
    file: String,
    location: &'a str,
    sha256: String,
    role: Role,
    deleted: bool,
}

fn payloads<'a>(plan: &'a Plan, artifacts: &Artifacts) -> Vec<Payload<'a>> {
    let mut out = Vec::new();
    for bundle in &plan.bundles {
        let Some(fetch) = &bundle.fetch else { continue };
        for (file, location) in [
            ("bootstrap.sh", &fetch.full),
            ("bootstrap.baked.sh", &fetch.baked),
        ] {
            let file = format!("{}/{file}", bundle.dir);
            let sha256 = artifacts
                .get(&file)
                .map_or_else(String::new, |a| sha256_hex(&a.bytes));
            out.push(Payload {
                bundle: &bundle.dir,
                file,
                location,
                sha256,
                role: bundle.role,
                deleted: fetch.delete.iter().any(|d| d == location),
            });
        }
    }
    out
}

/// Adds `publish/*` for fetched delivery; nothing for inline.
pub(crate) fn add(plan: &Plan, artifacts: &mut Artifacts) {
    let payloads = payloads(plan, artifacts);
    let mut files = vec![(
        "publish/instance-metadata-options.json",
        json_text(&metadata_options()),
        0o644,
    )];
    match &plan.delivery {
        Delivery::Inline => return,
        Delivery::Url { .. } => {
            files.push(("publish/uploads.txt", uploads(plan, &payloads), 0o644))
        }
        Delivery::AwsSecretsManager(aws) => {
            files.push((
                "publish/publish-secrets.sh",
                script(plan, aws, &payloads),
                0o755,
            ));
            let control_plane = |p: &Payload| p.role != Role::Worker;
            let worker = |p: &Payload| p.role == Role::Worker;
            files.push((
                "publish/iam-policy-control-plane.json",
                json_text(&policy(aws, &payloads, control_plane)),
                0o644,
            ));
            files.push((
                "publish/iam-policy-worker.json",
                json_text(&policy(aws, &payloads, worker)),
                0o644,
            ));
        }
    }
    for (path, text, mode) in files {
        artifacts.insert(
            path.to_string(),
            Artifact::for_operator(text.into_bytes(), mode, false),
        );
    }
}

fn json_text(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("JSON serializes");
    text.push('\n');
    text
}

/// IMDSv2 only, and a hop limit of 1 so pods outside the host network cannot reach the
/// metadata service (and the instance role) at all. A `LaunchTemplateData` fragment.
/// Source: Amazon EC2 API reference, LaunchTemplateInstanceMetadataOptionsRequest
/// (HttpEndpoint, HttpTokens, HttpPutResponseHopLimit).
fn metadata_options() -> Value {
    json!({
        "MetadataOptions": {
            "HttpEndpoint": "enabled",
            "HttpTokens": "required",
            "HttpPutResponseHopLimit": 1
        }
    })
}

/// A secret's ARN pattern: Secrets Manager appends `-` and six random characters to
/// the name. Source: AWS Secrets Manager API reference, CreateSecret, `Name`. The
/// account is `delivery.account`, or any (`*`) when the user did not give it.
fn arn(aws: &AwsDelivery, name: &str) -> String {
    format!(
        "arn:{}:secretsmanager:{}:{}:secret:{name}-??????",
        partition(&aws.region),
        aws.region,
        aws.account.as_deref().unwrap_or("*")
    )
}

/// A node role's policy: read its role's payloads, delete those it deletes. Control
/// planes and workers get separate roles, so a worker can never read the CA keys.
fn policy(aws: &AwsDelivery, payloads: &[Payload], keep: impl Fn(&Payload) -> bool) -> Value {
    let mine: Vec<&Payload> = payloads.iter().filter(|p| keep(p)).collect();
    let read: Vec<String> = mine.iter().map(|p| arn(aws, p.location)).collect();
    let delete: Vec<String> = mine
        .iter()
        .filter(|p| p.deleted)
        .map(|p| arn(aws, p.location))
        .collect();
    let mut statements = vec![json!({
        "Sid": "ReadBundlePayloads",
        "Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": read.clone()
    })];
    if !delete.is_empty() {
        statements.push(json!({
            "Sid": "DeleteFetchedPayloads",
            "Effect": "Allow",
            "Action": "secretsmanager:DeleteSecret",
            "Resource": delete
        }));
    }
    // Nodes delete with a recovery window; an immediate, unrecoverable delete of any of
    // the role's payloads stays denied, even should another policy of the role allow it.
    // Condition key `secretsmanager:ForceDeleteWithoutRecovery` (Bool), on DeleteSecret.
    // Source: AWS Service Authorization Reference, "Actions, resources, and condition
    // keys for AWS Secrets Manager"
    // (docs.aws.amazon.com/service-authorization/latest/reference/list_awssecretsmanager.html).
    statements.push(json!({
        "Sid": "DenyDeletionWithoutRecovery",
        "Effect": "Deny",
        "Action": "secretsmanager:DeleteSecret",
        "Resource": read,
        "Condition": { "Bool": { "secretsmanager:ForceDeleteWithoutRecovery": "true" } }
    }));
    json!({ "Version": "2012-10-17", "Statement": statements })
}

fn script(plan: &Plan, aws: &AwsDelivery, payloads: &[Payload]) -> String {
    let mut out = script_header(plan, aws);
    let mut bundles: Vec<&str> = payloads.iter().map(|p| p.bundle).collect();
    bundles.dedup();
    out.push_str(&format!(
        "check_bundles {}\n\n",
        bundles
            .iter()
            .map(|b| quote(b))
            .collect::<Vec<_>>()
            .join(" ")
    ));
    for p in payloads {
        out.push_str(&format!(
            "publish {} {} {} {}\n",
            quote(p.bundle),
            quote(p.location),
            quote(&p.file),
            p.sha256
        ));
    }
    out
}

/// The script up to its `publish` lines: what it does and needs, and the `publish`
/// function that checks one payload and stores it.
fn script_header(plan: &Plan, aws: &AwsDelivery) -> String {
    format!(
        r#"#!/usr/bin/env bash
# kubeprint {version}: cluster {cluster}. Stores every bundle's payload in AWS Secrets
# Manager ({region}) before nodes boot; `publish-secrets.sh BUNDLE...` stores only
# those bundles' (e.g. `worker` after a token rotation, so the control planes' CA keys
# their machines deleted are not restored). Run it from anywhere with the AWS CLI and
# credentials allowed secretsmanager:DescribeSecret, CreateSecret, PutSecretValue and
# RestoreSecret on {prefix}/*. Idempotent: each run stores the tree's bytes again
# (a secret scheduled for deletion by a node that fetched it is restored first).
# Attach publish/iam-policy-control-plane.json and publish/iam-policy-worker.json to
# the control planes' and the workers' instance roles, and launch them with
# publish/instance-metadata-options.json.
set -Eeuo pipefail
cd "$(dirname "$0")/.."
readonly region={region_q}
# The bundles named on the command line, space-separated and padded (no array: macOS's
# bash 3.2 calls an empty one unbound under `set -u`).
readonly wanted=" $* "

# check_bundles KNOWN...: every bundle named on the command line is one of this tree's.
check_bundles() {{
  local name
  for name in $wanted; do
    case " $* " in *" $name "*) ;; *)
      echo "error: no bundle $name in this tree; bundles: $*" >&2
      exit 2 ;;
    esac
  done
}}

# publish BUNDLE SECRET FILE SHA256: skips a bundle not named (when any is named), and
# refuses a file other than the one the user-data pins (an edited file) and a payload of
# a tree written by render --redact, whose stubs pin its placeholders: nodes would
# install it and fail without the token and keys.
publish() {{
  local bundle=$1 id=$2 file=$3 sha256=$4 actual deleted
  case $wanted in "  " | *" $bundle "*) ;; *) return 0 ;; esac
  actual=$(sha256sum "$file" | cut -d ' ' -f 1)
  if [ "$actual" != "$sha256" ]; then
    echo "error: $file has sha256 $actual, not $sha256 as its user-data pins; publish the tree kubeprint render wrote" >&2
    return 1
  fi
  if grep -qE {redacted} "$file"; then
    echo "error: $file comes from render --redact (placeholders, not the token and keys); publish a tree written by kubeprint render" >&2
    return 1
  fi
  if deleted=$(aws secretsmanager describe-secret --region "$region" --secret-id "$id" --query DeletedDate --output text 2>/dev/null); then
    if [ "$deleted" != None ]; then
      aws secretsmanager restore-secret --region "$region" --secret-id "$id" >/dev/null
      echo "restored: $id"
    fi
    aws secretsmanager put-secret-value --region "$region" --secret-id "$id" --secret-binary "fileb://$file" >/dev/null
    echo "updated: $id <- $file"
  else
    aws secretsmanager create-secret --region "$region" --name "$id" --secret-binary "fileb://$file" \
      --description {description} >/dev/null
    echo "created: $id <- $file"
  fi
}}

"#,
        version = env!("CARGO_PKG_VERSION"),
        cluster = plan.cluster_name,
        region = aws.region,
        region_q = quote(&aws.region),
        prefix = aws.prefix,
        description = quote(&format!(
            "kubeprint bundle payload, cluster {}",
            plan.cluster_name
        )),
        // As a pattern, so the script itself holds nothing token-shaped.
        redacted = quote(&redaction_pattern()),
    )
}

/// `s` as one shell word.
fn quote(s: &str) -> String {
    shlex::try_quote(s).expect("no NUL").into_owned()
}

fn uploads(plan: &Plan, payloads: &[Payload]) -> String {
    let mut out = format!(
        "# kubeprint {}: cluster {}. Upload each FILE of this tree to its URL before nodes boot.\n\
         # Serve them over https to the nodes only: every payload holds the bootstrap token,\n\
         # control planes' also the CA keys. Each node checks the SHA256 before running it.\n\
         # Never upload the payloads of a tree written by render --redact: they hold placeholders.\n\
         # FILE URL SHA256\n",
        env!("CARGO_PKG_VERSION"),
        plan.cluster_name
    );
    for p in payloads {
        out.push_str(&format!("{} {} {}\n", p.file, p.location, p.sha256));
    }
    out
}

/// An extended regular expression matching [`REDACTED_TOKEN`] without containing it
/// (`redact[.](redacted){2}`), so review tools that mask tokens leave the script alone.
fn redaction_pattern() -> String {
    let (id, secret) = REDACTED_TOKEN
        .split_once('.')
        .expect("a token has two parts");
    let half = &secret[..secret.len() / 2];
    assert_eq!(secret, half.repeat(2), "the placeholder repeats one word");
    format!("{id}[.]({half}){{2}}")
}
