//! `kubeprint upgrade --from OLD_TREE`: the running cluster's tree (its version from
//! `manifest.json`, its CA from the bundles), the target definition and the secrets in;
//! checks every refusal before writing anything, then writes the upgrade bundles to
//! `-o DIR` the way `render` writes a tree.

use std::path::Path;

use crate::cli::definition::{checked_cluster, resolve};
use crate::diagnostics::Report;
use crate::emit::{self, outdir};
use crate::error::{Error, Result};
use crate::model::cluster::Version;
use crate::review::{tree, treediff};
use crate::secrets::{self, CheckedSecrets};

pub(crate) struct Upgrade<'a> {
    pub from: &'a Path,
    pub config: Option<&'a Path>,
    pub secrets: &'a Path,
    pub output: &'a Path,
}

pub(crate) fn cmd_upgrade(args: &Upgrade) -> Result<()> {
    crate::cli::output::refuse_format_as_path(args.output)?;
    // The target must render: the OS and version rules are render's.
    let cluster = checked_cluster(args.config, false)?;
    let definition = resolve(args.config).map_or_else(
        || "the embedded guide cluster".to_string(),
        |p| p.display().to_string(),
    );
    // The upgrade bundles move CRI-O with the kubelet; containerd's are not written yet.
    if cluster.runtime_name() != "cri-o" {
        return Err(Error::new(format!(
            "`{definition}`: `runtime.name` is `{}`, and `kubeprint upgrade` upgrades CRI-O nodes only",
            cluster.runtime_name()
        ))
        .help("upgrade containerd nodes by hand (kubeadm's upgrade guide), or replace them with nodes rendered for the new release"));
    }
    let old = tree::read(args.from)?;
    let manifest = args
        .from
        .join(crate::artifact::MANIFEST)
        .display()
        .to_string();
    let (running, old_name) = running_version(&old, &manifest)?;
    if old_name != cluster.name {
        return Err(Error::new(format!(
            "`{manifest}` is cluster `{old_name}`'s tree, but `{definition}` defines `name: {}`",
            cluster.name
        ))
        .help("pass the tree rendered for this cluster's running nodes as `--from`"));
    }
    crate::plan::upgrade::check(&running, &cluster.version, &manifest, &definition)?;
    let secrets = existing_secrets(args.secrets, &cluster)?;
    same_ca(&old, &secrets, args.from, args.secrets)?;
    let target = outdir::claim(
        args.output,
        &[
            outdir::Input {
                what: "the secrets file",
                path: args.secrets,
            },
            outdir::Input {
                what: "the `--from` tree",
                path: args.from,
            },
        ],
    )?;
    let plan = crate::plan::plan(&cluster, &secrets);
    let upgrade = crate::plan::upgrade::plan(&running, &cluster, plan);
    let artifacts = crate::render::upgrade::render_upgrade(&upgrade)?;
    emit::emit(&artifacts, &target)?;
    crate::cli::say::info(format!(
        "wrote the upgrade from {running} to {} ({} files) into {}: the order to run it is in {}",
        cluster.version,
        artifacts.len(),
        args.output.display(),
        args.output.join("README.md").display()
    ));
    Ok(())
}

/// The version and cluster name the old tree's manifest records.
fn running_version(old: &tree::Tree, manifest: &str) -> Result<(Version, String)> {
    let bytes = old
        .get(crate::artifact::MANIFEST)
        .map(|f| f.bytes.as_slice())
        .ok_or_else(|| {
            Error::new(format!("`{manifest}` does not exist")).help(
                "`--from` takes the directory `kubeprint render` wrote for the running cluster",
            )
        })?;
    let json: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| Error::new(format!("`{manifest}` is not JSON: {e}")))?;
    let field = |name: &str| json["inputs"][name].as_str().map(str::to_string);
    let text = field("kubernetes_version").unwrap_or_default();
    let parts: Vec<u32> = text.split('.').filter_map(|p| p.parse().ok()).collect();
    match (parts.as_slice(), field("cluster_name")) {
        ([major, minor, patch], Some(name)) if text.split('.').count() == 3 => Ok((
            Version {
                major: *major,
                minor: *minor,
                patch: *patch,
            },
            name,
        )),
        _ => Err(Error::new(format!(
            "`{manifest}`: `inputs.kubernetes_version` and `inputs.cluster_name` do not name a release and a cluster"
        ))
        .help("pass the tree `kubeprint render` wrote for the running cluster, unchanged")),
    }
}

/// The secrets must exist and hold everything the target needs: upgrade never writes
/// them.
fn existing_secrets(
    path: &Path,
    cluster: &crate::model::cluster::Cluster,
) -> Result<CheckedSecrets> {
    let shown = path.display().to_string();
    if !path.exists() {
        return Err(
            Error::new(format!("the secrets file `{shown}` does not exist"))
                .help("pass the secrets file the running cluster was rendered with (`-s FILE`)"),
        );
    }
    let loaded = secrets::read(path).map_err(|d| Report::of(&shown, d))?;
    if let Some(warning) = secrets::check_binding(&loaded, &cluster.name, &shown, false)? {
        crate::cli::say::info(format!("{warning}"));
    }
    let missing = secrets::missing(&loaded, secrets::Needs::of(cluster));
    if !missing.is_empty() {
        return Err(Error::new(format!("the secrets file `{shown}` lacks {}", missing.join(", ")))
            .help("the target uses options the running cluster did not: upgrade first, then change the options and render"));
    }
    Ok(secrets::check(loaded).map_err(|d| Report::of(&shown, d))?)
}

/// The running cluster's CA, as its tree records it, must be the secrets' CA: other
/// secrets would be another cluster's.
fn same_ca(old: &tree::Tree, secrets: &CheckedSecrets, from: &Path, file: &Path) -> Result<()> {
    let in_tree = treediff::ca_hashes(old);
    if in_tree.contains(&secrets.ca_cert_hash) {
        return Ok(());
    }
    let recorded = if in_tree.is_empty() {
        "none".to_string()
    } else {
        in_tree.iter().cloned().collect::<Vec<_>>().join(", ")
    };
    Err(Error::new(format!(
        "`{}` holds another cluster CA than the running cluster's tree `{}` records",
        file.display(),
        from.display()
    ))
    .note(format!("tree CA: {recorded}"))
    .note(format!("secrets CA: {}", secrets.ca_cert_hash))
    .help("pass the secrets file the running cluster was rendered with (`-s FILE`)"))
}
