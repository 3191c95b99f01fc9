//! `kubeprint renew`: the definition and the existing secrets in; new admin client
//! certificates (same CA) into the secrets file, and the renewal tree (the control-plane
//! bundle and the new `admin.conf`) into `-o DIR`, the way `render` writes a tree.

use std::path::Path;

use crate::cli::definition::checked_cluster;
use crate::diagnostics::Report;
use crate::emit::{self, outdir};
use crate::error::{Error, Result};
use crate::secrets;

pub(crate) fn cmd_renew(config: Option<&Path>, secrets_path: &Path, output: &Path) -> Result<()> {
    crate::cli::output::refuse_format_as_path(output)?;
    let cluster = checked_cluster(config, false)?;
    let shown = secrets_path.display().to_string();
    if !secrets_path.exists() {
        return Err(Error::new(format!("the secrets file `{shown}` does not exist"))
            .help("pass the secrets file the cluster was rendered with (`-s FILE`): renew signs with its CA"));
    }
    let mut loaded = secrets::read(secrets_path).map_err(|d| Report::of(&shown, d))?;
    if let Some(warning) = secrets::check_binding(&loaded, &cluster.name, &shown, false)? {
        crate::cli::say::info(format!("{warning}"));
    }
    let target = outdir::claim(
        output,
        &[outdir::Input {
            what: "the secrets file",
            path: secrets_path,
        }],
    )?;
    secrets::renew_admin(&mut loaded)?;
    let checked = secrets::check(loaded).map_err(|d| Report::of(&shown, d))?;
    secrets::require(&checked.secrets, secrets::Needs::of(&cluster))?;
    let plan = crate::plan::plan(&cluster, &checked);
    let renew = crate::plan::renew::plan(&cluster, plan)
        .ok_or_else(|| Error::new("the cluster has no control plane bundle to renew"))?;
    let artifacts = crate::render::renew::render_renew(&renew)?;
    emit::emit(&artifacts, &target)?;
    // After the tree: a failed write leaves the secrets file as it was.
    secrets::save(secrets_path, &checked.secrets, true)?;
    crate::cli::say::info(format!(
        "wrote a new admin certificate (same CA) into {shown} and the renewal ({} files) into {}: {}",
        artifacts.len(),
        output.display(),
        output.join("README.md").display()
    ));
    Ok(())
}
