//! `kubeprint init`: a commented starter `cluster.yaml` for a current release, which
//! validates as written. It never overwrites a file without `--force`.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};
use crate::model::matrix;
use crate::validate::placeholders;

/// What the starter file says.
pub(super) struct Starter<'a> {
    pub os: &'a str,
    pub version: Option<&'a str>,
    pub cni: &'a str,
    /// `cri-o` (the default: nothing written) or `containerd`.
    pub runtime: &'a str,
}

/// The newest maintained release whose pinned Calico is tested with it and which the
/// OS installs: the release a new cluster should start on.
fn current_minor(os: &matrix::Os) -> u32 {
    matrix::RELEASES
        .iter()
        .rev()
        .find(|r| {
            !r.is_end_of_life()
                && r.calico.tests(r.minor)
                && r.minor >= os.oldest_supported_minor()
                && r.patch.is_some()
        })
        .map_or(matrix::supported_range().1, |r| r.minor)
}

/// `1.Y` as the newest patch release kubeprint knows of that minor (never `1.Y.0`,
/// which upstream has long superseded).
fn newest_of(minor: &str) -> Result<String> {
    let release = minor
        .strip_prefix("1.")
        .and_then(|m| m.parse::<u32>().ok())
        .and_then(matrix::release);
    let Some(release) = release else {
        let (lo, hi) = matrix::supported_range();
        return Err(Error::new(format!("unsupported Kubernetes release `{minor}`"))
            .help(format!("pass `--version 1.Y` or `--version 1.Y.Z` with Y from {lo} to {hi}; `kubeprint versions` lists them")));
    };
    let Some(patch) = release.patch else {
        return Err(Error::new(format!(
            "kubeprint knows no patch release of Kubernetes {minor}"
        ))
        .help(format!("pass the full version, like `--version {minor}.N`, with N the newest patch upstream lists")));
    };
    Ok(format!("1.{}.{}", release.minor, patch.patch))
}

pub(super) fn starter(s: &Starter) -> Result<String> {
    let os = matrix::os(s.os).ok_or_else(|| {
        Error::new(format!("unsupported operating system `{}`", s.os))
            .help(format!("choose one of: {}", matrix::os_choices()))
    })?;
    let version = match s.version {
        Some(v) if v.matches('.').count() >= 2 => v.to_string(),
        Some(v) => newest_of(v)?,
        None => newest_of(&format!("1.{}", current_minor(os)))?,
    };
    let os_line = format!("os: {}", s.os);
    let version_line = format!("  version: \"{version}\"");
    let cni_line = format!("  plugin: {}", s.cni);
    // CRI-O stays the default; the starter names the runtime either way.
    let runtime_line = format!("  name: {}", s.runtime);
    let admin_line = format!("# admin_user: {}", os.login_user);
    let name_line = format!("name: {}", placeholders::NAME);
    let endpoint_line = format!("  endpoint: {}:6443", placeholders::ENDPOINT_HOST);
    let choices = matrix::os_choices();
    let lines: &[(&str, &str)] = &[
        (&name_line, "DNS-1123 label; recorded in secrets.yaml"),
        (&os_line, &choices),
        ("kubernetes:", ""),
        (
            &version_line,
            "the newest patch known: `kubeprint versions`",
        ),
        (
            &endpoint_line,
            "where nodes reach the API server: the control",
        ),
        (
            "",
            "plane's private IP, or a load balancer / DNS name for HA",
        ),
        (
            "  pod_subnet: 10.244.0.0/16",
            "must not overlap your network or the services",
        ),
        ("  service_subnet: 10.96.0.0/12", ""),
        (
            "  token_ttl: 24h",
            "the bootstrap token's lifetime after kubeadm init",
        ),
        (
            "  # control_planes: 3",
            "HA: also point the endpoint at a load balancer",
        ),
        ("runtime:", ""),
        (&runtime_line, "cri-o | containerd"),
        ("cni:", ""),
        (&cni_line, "flannel | canal | calico | none"),
        (&admin_line, "default: the OS image's login user"),
        ("# image:", ""),
        ("#   arch: amd64", "amd64 | arm64, for the Packer template"),
        ("# delivery:", "keep the token and keys out of user-data"),
        (
            "#   mode: aws-secrets-manager",
            "inline (default) | aws-secrets-manager | url",
        ),
        (
            "#   region: eu-west-1",
            "then run out/publish/publish-secrets.sh first",
        ),
        (
            "# offline: true",
            "air-gapped: every download from your mirrors",
        ),
    ];
    Ok(commented(lines))
}

/// The starter's header, then each line with its comment aligned in one column.
fn commented(lines: &[(&str, &str)]) -> String {
    let mut out = String::from(
        "# kubeprint cluster definition. Render with:\n\
         #   kubeprint render -c cluster.yaml -s secrets.yaml -o out\n\
         # Every key is documented in kubeprint's README (cluster.yaml reference).\n\n",
    );
    for (code, comment) in lines {
        let line = if comment.is_empty() {
            code.to_string()
        } else {
            format!("{code:<33}# {comment}")
        };
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Writes the starter to `path`, refusing to replace an existing file without `force`.
pub(super) fn write(path: &Path, text: &str, force: bool) -> Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if force {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Error::new(format!("`{}` already exists", path.display()))
                .help("pass --force to replace it, or choose another file with -o")
        } else {
            Error::new(format!("cannot write `{}`: {e}", path.display()))
        }
    })?;
    file.write_all(text.as_bytes())
        .map_err(|e| Error::new(format!("cannot write `{}`: {e}", path.display())))
}
