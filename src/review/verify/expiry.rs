//! Part of `verify`: how long the tree's certificates have left at a given moment (the
//! command passes the clock's). The CAs the init bundle installs and the admin
//! certificate in `admin.conf`: expired is a problem (nodes and kubectl refuse them),
//! under 90 days a warning; the summary names each one's last day.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use time::OffsetDateTime;

use crate::review::facts::{BundleFacts, NodeKind, heredocs, step_name};
use crate::review::tree::Tree;
use crate::secrets::expiry::{self, Status};
use crate::secrets::pki;

use super::findings::{CertExpiry, Findings};

/// The admin kubeconfig's path in a rendered tree.
const ADMIN_CONF: &str = "admin.conf";

pub(super) fn check_expiry(
    tree: &Tree,
    bundles: &[BundleFacts],
    now: OffsetDateTime,
    out: &mut Findings,
) {
    let mut certs = ca_certificates(tree, bundles);
    certs.extend(admin_certificates(tree, out));
    for (name, file, pem) in certs {
        let info = match pki::inspect_certificate(&pem) {
            Ok(info) => info,
            Err(e) => {
                out.problems.push(format!(
                    "{file}: the {name} certificate cannot be read: {e}"
                ));
                continue;
            }
        };
        let left = expiry::expiry(info.not_after_time, now);
        let said = format!("{file}: the {name} certificate {}", left.sentence());
        let hint = expiry::renewal_hint(info.is_ca);
        match left.status {
            Status::Expired => out.problems.push(format!("{said}; {hint}")),
            Status::Expiring => out.warnings.push(format!("{said}; {hint}")),
            Status::Valid => {}
        }
        out.certificates.push(CertExpiry {
            name,
            file,
            not_after: left.rfc3339(),
            days_left: left.days_left,
            status: left.status,
        });
    }
    if !out.certificates.is_empty() {
        let until: Vec<String> = out
            .certificates
            .iter()
            .map(|c| format!("{} {}", c.name, &c.not_after[..10]))
            .collect();
        out.summary
            .push(format!("certificates valid until: {}", until.join(", ")));
    }
}

/// (name, file, PEM) of every CA certificate the init bundle's pki step installs.
fn ca_certificates(tree: &Tree, bundles: &[BundleFacts]) -> Vec<(String, String, String)> {
    let Some(init) = bundles.iter().find(|b| b.kind() == NodeKind::Init) else {
        return Vec::new();
    };
    let mut certs = Vec::new();
    for file in init.step_files.iter().filter(|f| step_name(f) == "pki") {
        let Some(text) = tree
            .get(file)
            .and_then(|f| String::from_utf8(f.bytes.clone()).ok())
        else {
            continue;
        };
        for doc in heredocs(&text) {
            let Some(path) = doc.opener.split_whitespace().find(|w| w.ends_with(".crt")) else {
                continue;
            };
            let name = match path.rsplit('/').take(2).collect::<Vec<_>>().as_slice() {
                ["ca.crt", "etcd"] => "etcd CA".to_string(),
                ["ca.crt", _] => "cluster CA".to_string(),
                ["front-proxy-ca.crt", _] => "front-proxy CA".to_string(),
                _ => path.to_string(),
            };
            certs.push((name, file.clone(), doc.body));
        }
    }
    certs
}

/// (name, file, PEM) of the client certificate in `admin.conf`, when the tree has one.
fn admin_certificates(tree: &Tree, out: &mut Findings) -> Vec<(String, String, String)> {
    let Some(f) = tree.get(ADMIN_CONF) else {
        return Vec::new();
    };
    let config: serde_yaml::Value = match serde_yaml::from_slice(&f.bytes) {
        Ok(v) => v,
        Err(e) => {
            out.problems
                .push(format!("{ADMIN_CONF}: not valid YAML ({e})"));
            return Vec::new();
        }
    };
    config["users"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(|u| u["user"]["client-certificate-data"].as_str())
        .filter_map(|data| STANDARD.decode(data).ok())
        .map(|pem| {
            (
                "admin".to_string(),
                ADMIN_CONF.to_string(),
                String::from_utf8_lossy(&pem).into_owned(),
            )
        })
        .collect()
}
