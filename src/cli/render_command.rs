//! `kubeprint render`: checks everything that could refuse the render before writing
//! anything, then renders and swaps the tree in.

use std::path::Path;

use crate::cli::args::Format;
use crate::cli::definition::checked_cluster;
use crate::emit::{self, outdir};
use crate::error::Result;
use crate::secrets;

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
    crate::cli::token_expiry::warn_if_expired(
        &cluster,
        &secrets.secrets,
        secrets_path,
        time::OffsetDateTime::now_utc(),
    );
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
