//! cloud-init user-data, built as data and serialized. Part of `render`: takes a role's
//! rendered `bootstrap.sh` and returns a `#cloud-config` document that writes it and
//! runs it once, on the instance's first boot.

use serde::Serialize;

pub(crate) use crate::layout::BOOTSTRAP_PATH;

#[derive(Serialize)]
struct CloudConfig<'a> {
    /// Inventory nodes are named ahead of time; the kubelet registers under this name.
    #[serde(skip_serializing_if = "Option::is_none")]
    hostname: Option<&'a str>,
    write_files: Vec<WriteFile<'a>>,
    runcmd: Vec<Vec<&'a str>>,
}

#[derive(Serialize)]
pub(crate) struct WriteFile<'a> {
    pub path: &'a str,
    pub owner: &'a str,
    /// 0700: the control plane's bundle carries the CA key, a worker's the token.
    pub permissions: &'a str,
    pub content: &'a str,
}

/// The user-data for one role: the bundle itself, inline. `header` lines become YAML
/// comments after the mandatory `#cloud-config` line.
pub(crate) fn user_data(header: &[String], hostname: Option<&str>, bootstrap: &str) -> String {
    let files = vec![WriteFile {
        path: BOOTSTRAP_PATH,
        owner: "root:root",
        permissions: "0700",
        content: bootstrap,
    }];
    document(header, hostname, files, vec!["bash", BOOTSTRAP_PATH])
}

/// A `#cloud-config` that writes `files` and runs `command` once.
pub(crate) fn document(
    header: &[String],
    hostname: Option<&str>,
    files: Vec<WriteFile>,
    command: Vec<&str>,
) -> String {
    let config = CloudConfig {
        hostname,
        write_files: files,
        // runcmd runs once per instance, in cloud-init's final stage (after users and
        // write_files), which is what a one-shot bootstrap needs.
        runcmd: vec![command],
    };
    let body = crate::yaml::to_string(&config).expect("cloud-config serializes");
    let mut out = String::from("#cloud-config\n");
    for line in header {
        debug_assert!(!line.contains('\n'));
        out.push_str("# ");
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&body);
    out
}
