//! `publish/` for `aws-secrets-manager`: IAM policies pinned to the account, an
//! unrecoverable delete denied, and with an inventory only the payloads some node
//! fetches rendered, published and authorized.

use std::collections::BTreeSet;

use crate::common;

const INVENTORY: &str = "name: fleet\nos: debian-12\nkubernetes:\n  version: 1.36.4\n  endpoint: api.fleet.example.com:6443\nnodes:\n  - {name: cp-1, role: control-plane, address: 10.0.1.11}\n  - {name: cp-2, role: control-plane, address: 10.0.1.12}\n  - {name: cp-3, role: control-plane, address: 10.0.1.13}\n  - {name: w-1, role: worker, address: 10.0.2.21}\n";

fn definition(delivery: &str) -> String {
    format!(
        "name: lab\nos: ubuntu-24.04\nkubernetes:\n  version: \"1.36.4\"\n  endpoint: 10.0.1.10:6443\n{delivery}"
    )
}

fn validate(cluster: &str) -> (Option<i32>, String) {
    let o = common::validate_definition(cluster);
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

fn policy(artifacts: &kubeprint::Artifacts, role: &str) -> serde_json::Value {
    serde_json::from_str(&common::text(
        artifacts,
        &format!("publish/iam-policy-{role}.json"),
    ))
    .unwrap()
}

/// Every ARN a policy names.
fn resources(policy: &serde_json::Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for statement in policy["Statement"].as_array().unwrap() {
        common::strings_in(&statement["Resource"], &mut out);
    }
    out
}

#[test]
fn the_account_pins_every_arn_and_its_absence_is_a_warning() {
    let with = "delivery:\n  mode: aws-secrets-manager\n  region: eu-west-1\n  account: \"012345678901\"\n";
    let artifacts = common::render_text(&definition(with), "account");
    for role in ["control-plane", "worker"] {
        let arns = resources(&policy(&artifacts, role));
        assert!(!arns.is_empty());
        for arn in arns {
            assert!(
                arn.starts_with(
                    "arn:aws:secretsmanager:eu-west-1:012345678901:secret:kubeprint/lab/"
                ),
                "{role}: {arn}"
            );
        }
    }
    let (code, stderr) = validate(&definition(with));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("delivery.account"), "{stderr}");

    let without = "delivery:\n  mode: aws-secrets-manager\n  region: eu-west-1\n";
    let (code, stderr) = validate(&definition(without));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("warning: the IAM policies name the payload secrets in any AWS account")
            && stderr.contains("(`delivery.account`)"),
        "{stderr}"
    );
    let unquoted = validate(&definition(
        &without.replace("eu-west-1\n", "eu-west-1\n  account: 123456789012\n"),
    ));
    assert_eq!(unquoted.0, Some(0), "{}", unquoted.1);
    for bad in ["\"12345\"", "\"12345678901a\"", "12345678901"] {
        let (code, stderr) = validate(&definition(&format!("{without}  account: {bad}\n")));
        assert_eq!(code, Some(1), "{bad}: {stderr}");
        assert!(
            stderr.contains("is not an AWS account ID"),
            "{bad}: {stderr}"
        );
    }
    let (code, stderr) = validate(&definition(
        "delivery:\n  mode: url\n  url: https://a.example/k8s\n  url_access: private\n  account: \"012345678901\"\n",
    ));
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("`delivery.account` has no meaning with `mode: url`"),
        "{stderr}"
    );
}

#[test]
fn no_policy_allows_an_unrecoverable_delete() {
    let artifacts = common::render_text(
        &definition(
            "delivery: {mode: aws-secrets-manager, region: eu-west-1, account: '012345678901'}\n",
        ),
        "deny",
    );
    for role in ["control-plane", "worker"] {
        let p = policy(&artifacts, role);
        let statements = p["Statement"].as_array().unwrap();
        let read = &statements[0]["Resource"];
        let deny = statements
            .iter()
            .find(|s| s["Effect"] == "Deny")
            .unwrap_or_else(|| panic!("{role}: no Deny statement in {p}"));
        assert_eq!(deny["Action"], "secretsmanager:DeleteSecret", "{role}");
        assert_eq!(
            deny["Condition"],
            serde_json::json!({"Bool": {"secretsmanager:ForceDeleteWithoutRecovery": "true"}}),
            "{role}"
        );
        assert_eq!(
            &deny["Resource"], read,
            "{role}: every payload the role reads"
        );
    }
}

#[test]
fn with_an_inventory_only_the_payloads_some_node_fetches_exist() {
    let text = format!(
        "{INVENTORY}delivery: {{mode: aws-secrets-manager, region: eu-west-1, account: '012345678901'}}\n"
    );
    let (code, stderr) = validate(&text);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        !stderr.contains("serves"),
        "no shared control-plane bundle: {stderr}"
    );

    let artifacts = common::render_text(&text, "inventory");
    let dirs: BTreeSet<&str> = artifacts
        .keys()
        .filter_map(|p| p.rsplit_once('/').map(|(d, _)| d))
        .filter(|d| !d.contains("steps") && !d.starts_with("packer") && *d != "publish")
        .collect();
    assert_eq!(
        dirs,
        BTreeSet::from([
            "nodes/cp-1",
            "nodes/cp-2",
            "nodes/cp-3",
            "nodes/w-1",
            "worker"
        ]),
        "no per-role control-plane bundle: every control plane is listed"
    );
    let script = common::text(&artifacts, "publish/publish-secrets.sh");
    let published: Vec<&str> = script
        .lines()
        .filter_map(|l| l.strip_prefix("publish "))
        // `publish BUNDLE SECRET FILE SHA256`
        .map(|l| l.split(' ').nth(1).unwrap())
        .collect();
    assert_eq!(
        published,
        [
            "kubeprint/fleet/worker",
            "kubeprint/fleet/worker/baked",
            "kubeprint/fleet/nodes/cp-1",
            "kubeprint/fleet/nodes/cp-1/baked",
            "kubeprint/fleet/nodes/cp-2",
            "kubeprint/fleet/nodes/cp-2/baked",
            "kubeprint/fleet/nodes/cp-3",
            "kubeprint/fleet/nodes/cp-3/baked",
            "kubeprint/fleet/nodes/w-1",
            "kubeprint/fleet/nodes/w-1/baked",
        ]
    );
    let control_plane = resources(&policy(&artifacts, "control-plane"));
    assert!(
        control_plane
            .iter()
            .all(|a| a.contains(":secret:kubeprint/fleet/nodes/cp-")),
        "{control_plane:?}"
    );
    assert_eq!(control_plane.len(), 6);
    // explain tells the control planes' steps without naming a bundle that is not there.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("c.yaml"), &text).unwrap();
    let out = common::kubeprint(dir.path(), &["explain", "-c", "c.yaml"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("\ncontrol-plane bundles in nodes/ (the first control plane: kubeadm init")
            && stdout.contains("secret kubeprint/fleet/nodes/cp-1 (eu-west-1)")
            && !stdout.contains("\ncontrol-plane/ ("),
        "{stdout}"
    );
    // Without an inventory the per-role control-plane bundles are still there.
    let plain = common::render_text(
        &definition("delivery: {mode: aws-secrets-manager, region: eu-west-1}\n"),
        "plain",
    );
    assert!(plain.contains_key("control-plane/bootstrap.sh"));
}
