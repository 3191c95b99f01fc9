//! `kubeprint remove --node NAME`: the definition (the inventory, when it lists nodes,
//! says the node's role) and the secrets file in; the removal tree (the node's `kubeadm
//! reset` bundle and the admin side's drain and delete) into `-o DIR`, the way `render`
//! writes a tree. Neither side needs a secret: the secrets are redacted before planning,
//! so none can reach the bundle.

use std::path::Path;

use crate::cli::definition::{checked_cluster, resolve};
use crate::emit::{self, outdir};
use crate::error::Result;

pub(crate) struct Remove<'a> {
    pub node: &'a str,
    pub control_plane: bool,
    pub config: Option<&'a Path>,
    pub secrets: &'a Path,
    pub output: &'a Path,
}

pub(crate) fn cmd_remove(args: &Remove) -> Result<()> {
    crate::cli::output::refuse_format_as_path(args.output)?;
    let cluster = checked_cluster(args.config, false)?;
    let file = resolve(args.config).map_or_else(
        || "the embedded guide cluster".to_string(),
        |p| p.display().to_string(),
    );
    let secrets = crate::load_secrets(args.secrets)?.redacted();
    let plan = crate::plan::plan(&cluster, &secrets);
    let remove = crate::plan::remove::plan(&cluster, plan, args.node, args.control_plane, &file)?;
    let target = outdir::claim(
        args.output,
        &[outdir::Input {
            what: "the secrets file",
            path: args.secrets,
        }],
    )?;
    let artifacts = crate::render::remove::render_remove(&remove)?;
    emit::emit(&artifacts, &target)?;
    crate::cli::say::info(format!(
        "wrote the removal of {} ({} files) into {}: the order is in {}",
        args.node,
        artifacts.len(),
        args.output.display(),
        args.output.join("README.md").display()
    ));
    Ok(())
}
