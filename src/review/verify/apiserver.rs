//! Part of `verify`: the API server's encryption configuration and audit policy
//! (`kubernetes.encryption_at_rest`, `audit_log`). The flags of the reference
//! ClusterConfiguration, which every control plane's API server runs with (joining ones
//! read it from the cluster), against the files each control-plane bundle writes and the
//! `extraVolumes` that mount them: a flag without its file, a file at another path or
//! outside every mount, another key on one control plane, or a file nothing reads.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::Value;

use crate::review::facts::{self, BundleFacts, Found, NodeKind, Written};

use super::findings::{Findings, display_dir};
use super::reference::Reference;

/// One `extraVolumes` entry.
struct Mount {
    host_path: String,
    mount_path: String,
    read_only: bool,
}

pub(super) fn check_api_server(bundles: &[BundleFacts], r: &Reference, out: &mut Findings) {
    let api_server = &r.cluster["apiServer"];
    let args = extra_args(&api_server["extraArgs"]);
    let mounts = extra_volumes(&api_server["extraVolumes"]);
    let control_planes: Vec<&BundleFacts> = bundles
        .iter()
        .filter(|b| b.kind() == NodeKind::Init || (b.kind() == NodeKind::Join && !b.is_worker()))
        .collect();
    let flag = |name: &str| args.get(name).map(String::as_str);
    let encryption = ("--encryption-provider-config", "an EncryptionConfiguration");
    let audit = ("--audit-policy-file", "an audit policy");
    for b in &control_planes {
        check_files(
            b,
            &b.encryption_configs,
            encryption,
            flag("encryption-provider-config"),
            r,
            out,
        );
        check_files(
            b,
            &b.audit_policies,
            audit,
            flag("audit-policy-file"),
            r,
            out,
        );
    }
    if let Some(path) = flag("encryption-provider-config") {
        check_mount(&mounts, path, false, encryption.0, r, out);
        check_keys(&control_planes, out);
    }
    if let Some(path) = flag("audit-policy-file") {
        check_mount(&mounts, path, false, audit.0, r, out);
    }
    match (flag("audit-log-path"), flag("audit-policy-file")) {
        (Some(log), _) => check_mount(&mounts, log, true, "--audit-log-path", r, out),
        (None, Some(_)) => out.problems.push(format!(
            "{}: --audit-policy-file is set without --audit-log-path, so no audit event is written",
            r.file
        )),
        (None, None) => {}
    }
    summarize(&control_planes, &args, out);
}

/// The bundle writes the file its flag names, at that path, and none the API server
/// does not read.
fn check_files(
    b: &BundleFacts,
    files: &[Found<Written>],
    (flag_name, what): (&str, &str),
    flag: Option<&str>,
    r: &Reference,
    out: &mut Findings,
) {
    let dir = display_dir(&b.dir);
    match flag {
        None => {
            for f in files {
                out.problems.push(format!(
                    "{}: writes {what} to {}, but {} has no {flag_name}, so the API server never reads it",
                    f.file, f.value.path, r.file
                ));
            }
        }
        Some(path) => {
            if files.is_empty() {
                out.problems.push(format!(
                    "{dir}: the API server runs with {flag_name}={path} ({}), but no step of this control plane writes it",
                    r.file
                ));
            }
            for f in files.iter().filter(|f| f.value.path != path) {
                out.problems.push(format!(
                    "{}: writes {what} to {}, but the API server reads {flag_name}={path} ({})",
                    f.file, f.value.path, r.file
                ));
            }
        }
    }
}

/// The API server runs in a pod: the path its flag names must lie inside one of the
/// hostPath mounts, at the same place on the host, and writable for the log.
fn check_mount(
    mounts: &[Mount],
    path: &str,
    writable: bool,
    flag_name: &str,
    r: &Reference,
    out: &mut Findings,
) {
    let inside = |m: &&Mount| {
        let rest = path.strip_prefix(m.mount_path.trim_end_matches('/'));
        let host = rest.map(|rest| format!("{}{rest}", m.host_path.trim_end_matches('/')));
        matches!(rest, Some(rest) if rest.is_empty() || rest.starts_with('/'))
            && host.as_deref() == Some(path)
    };
    match mounts.iter().find(inside) {
        None => out.problems.push(format!(
            "{}: {flag_name}={path} lies in no apiServer.extraVolumes mount of the same host path, so the API server's pod cannot see it",
            r.file
        )),
        Some(m) if writable && m.read_only => out.problems.push(format!(
            "{}: {flag_name}={path} lies in the read-only mount {}, so the API server cannot write it",
            r.file, m.mount_path
        )),
        Some(_) => {}
    }
}

/// Every copy on every control plane holds the same well-formed keys: an API server
/// with another key cannot read what the others wrote.
fn check_keys(control_planes: &[&BundleFacts], out: &mut Findings) {
    let mut first: Option<(&str, BTreeSet<String>)> = None;
    for f in control_planes.iter().flat_map(|b| &b.encryption_configs) {
        let keys = match facts::encryption_key_fingerprints(&f.value.body) {
            Ok(keys) => keys,
            Err(e) => {
                out.problems.push(format!("{}: {e}", f.file));
                continue;
            }
        };
        match &first {
            None => first = Some((&f.file, keys)),
            Some((file, reference)) if *reference != keys => out.problems.push(format!(
                "{}: holds other encryption keys than {file}: one API server could not read the Secrets another wrote",
                f.file
            )),
            Some(_) => {}
        }
    }
}

/// `extraArgs`: a map up to v1beta3, a `{name, value}` list from v1beta4.
fn extra_args(v: &Value) -> BTreeMap<String, String> {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    match v {
        Value::Mapping(m) => m.iter().map(|(k, v)| (text(k), text(v))).collect(),
        Value::Sequence(items) => items
            .iter()
            .map(|a| (text(&a["name"]), text(&a["value"])))
            .collect(),
        _ => BTreeMap::new(),
    }
}

fn extra_volumes(v: &Value) -> Vec<Mount> {
    v.as_sequence()
        .into_iter()
        .flatten()
        .map(|m| Mount {
            host_path: m["hostPath"].as_str().unwrap_or_default().to_string(),
            mount_path: m["mountPath"].as_str().unwrap_or_default().to_string(),
            read_only: m["readOnly"].as_bool().unwrap_or(false),
        })
        .collect()
}

/// One line per option that is on, for the success message.
fn summarize(control_planes: &[&BundleFacts], args: &BTreeMap<String, String>, out: &mut Findings) {
    let n = control_planes.len();
    if let Some(path) = args.get("encryption-provider-config") {
        let keys: BTreeSet<String> = control_planes
            .iter()
            .flat_map(|b| &b.encryption_configs)
            .filter_map(|f| facts::encryption_key_fingerprints(&f.value.body).ok())
            .flatten()
            .collect();
        let keys: Vec<String> = keys.into_iter().collect();
        out.summary.push(format!(
            "encryption at rest: {path} with secretbox key {} on {n} control-plane bundle(s), none on workers",
            keys.join(", ")
        ));
    }
    if let Some(path) = args.get("audit-policy-file") {
        let log = args.get("audit-log-path").map_or("(none)", String::as_str);
        out.summary.push(format!(
            "audit log: policy {path} on {n} control-plane bundle(s), events to {log}"
        ));
    }
}
