//! `kubeprint render`: checks everything that could refuse the render before writing
//! anything, then renders and swaps the tree in.

use std::path::Path;

use crate::cli::args::Format;
use crate::cli::definition::checked_cluster;
use crate::emit::{self, outdir};
use crate::error::Result;
use crate::secrets::{self, CheckedSecrets};

pub(crate) fn cmd_render(
    config: Option<&Path>,
    secrets_path: &Path,
    output: &Path,
    strict: bool,
    redact: bool,
    format: Format,
) -> Result<()> {
    // Validate fully before touching anything: a bad definition or an output directory
    // that holds someone else's files writes no secrets file and replaces nothing.
    crate::cli::output::refuse_format_as_path(output)?;
    let cluster = checked_cluster(config, strict)?;
    let implicit = crate::cli::definition::resolve(config);
    let mut inputs = vec![outdir::Input {
        what: "the secrets file",
        path: secrets_path,
    }];
    if let Some(path) = implicit.as_deref().filter(|p| *p != Path::new("-")) {
        inputs.push(outdir::Input {
            what: "the cluster file",
            path,
        });
    }
    let target = outdir::claim(output, &inputs)?;
    let needs = secrets::Needs::of(&cluster);
    let prepared = secrets::load_or_generate(secrets_path, &cluster.name, needs, strict)?;
    for note in &prepared.notes {
        crate::cli::say::info(note);
    }
    let mut secrets = prepared.secrets;
    warn_if_token_expired(&cluster, &secrets, secrets_path);
    if redact {
        secrets = secrets.redacted();
    }
    let options = crate::RenderOptions {
        mime: format == Format::Mime,
    };
    let artifacts = crate::render_cluster_with(&cluster, &secrets, options)?;
    emit::emit(&artifacts, &target)?;
    let rows = crate::render::budget::rows(&artifacts);
    crate::cli::say::info(crate::render::budget::table(&rows).trim_end_matches('\n'));
    if rows.iter().any(|r| r.gzip_size.is_some()) {
        crate::cli::say::info(
            "note: for user-data over the EC2 limit pass its .gz twin instead (cloud-init reads gzip)",
        );
    }
    crate::cli::say::info(format!(
        "rendered {} files into {}",
        artifacts.len(),
        output.display()
    ));
    Ok(())
}

/// kubeadm counts the token's TTL from `kubeadm init`, which is after the token was
/// generated: once the TTL has passed since generation, joins may fail. Only a warning,
/// since the clock must not change what is rendered.
fn warn_if_token_expired(
    cluster: &crate::model::cluster::Cluster,
    secrets: &CheckedSecrets,
    file: &Path,
) {
    let ttl = cluster.token_ttl_seconds as i64;
    if let Some(age) = secrets::token_age_seconds(&secrets.secrets, time::OffsetDateTime::now_utc())
        && ttl > 0
        && age > ttl
    {
        crate::cli::say::info(format!(
            "warning: the bootstrap token was generated {}h ago and its TTL is {}h: if the control plane was initialized more than {}h ago it has expired and new nodes cannot join\n  = help: on a control plane run `kubeadm token create <bootstrap_token from {file}> --ttl {}`, or `kubeprint secrets rotate-token -s {file}`, render, and register the new one the same way",
            age / 3600,
            ttl / 3600,
            ttl / 3600,
            crate::validate::go_duration(ttl as u64),
            file = file.display(),
        ));
    }
}
