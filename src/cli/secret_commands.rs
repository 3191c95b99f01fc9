//! `kubeprint secrets ...`: generate, import, show and rotate the secrets file. Part of
//! the command line; prints public facts only, never a secret value.

use crate::error::{Error, Result};
use std::fs;
use std::path::{Path, PathBuf};

use clap::Subcommand;

use crate::cli::moment::{Moment, now_or};
use crate::cli::output::Output;
use crate::cli::secrets_show;
use crate::diagnostics::Report;
use crate::secrets::pki::KeyType;
use crate::secrets::{self, CertPair, KeyPairPem, Secret, Secrets};

/// The secrets file `generate` and `import` write: `-s` like every command that reads
/// one, with the earlier `-o/--output` kept as hidden aliases.
#[derive(clap::Args)]
pub(super) struct SecretsOut {
    /// The secrets file to write (mode 0600). `-o/--output` still works.
    #[arg(
        short = 's',
        long = "secrets",
        alias = "output",
        short_alias = 'o',
        value_name = "FILE",
        default_value = "secrets.yaml"
    )]
    secrets: PathBuf,
}

#[derive(Subcommand)]
pub(super) enum SecretsCommand {
    /// Generate a new bootstrap token and shared PKI (CAs, service-account keys, admin certificates).
    Generate {
        /// Cluster definition the secrets are for (its `name` is recorded in the file);
        /// default `./cluster.yaml`, else the embedded guide cluster.
        #[arg(short, long, value_name = "FILE")]
        config: Option<PathBuf>,
        #[command(flatten)]
        file: SecretsOut,
        /// Replace an existing file (the cluster's nodes will no longer match it).
        #[arg(long)]
        force: bool,
        /// Key algorithm of the CAs and keys: RSA-2048 like kubeadm, or ECDSA P-256.
        #[arg(long, value_enum, default_value_t = KeyType::Rsa2048)]
        key_type: KeyType,
    },
    /// Import an existing kubeadm PKI directory (at least ca.crt and ca.key), to render
    /// joins for a cluster kubeprint did not create. The token is new: register it on
    /// the cluster with `kubeadm token create`.
    Import {
        /// A control plane's kubeadm PKI directory (`/etc/kubernetes/pki`, copied
        /// securely): at least ca.crt and ca.key.
        #[arg(long, value_name = "DIR")]
        pki_dir: PathBuf,
        /// Cluster definition of the cluster whose PKI this is (its `name` is recorded
        /// in the file); default `./cluster.yaml`, else the embedded guide cluster.
        #[arg(short, long, value_name = "FILE")]
        config: Option<PathBuf>,
        #[command(flatten)]
        file: SecretsOut,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Print public facts: CA hash, fingerprints, expiry dates, token id and age.
    Show {
        /// The secrets file.
        #[arg(short, long, value_name = "FILE", default_value = "secrets.yaml")]
        secrets: PathBuf,
        /// `json`: the same public facts as fields (cluster, ca_cert_hash, token_id,
        /// certificates, ...).
        #[arg(long, alias = "output", value_enum, default_value_t = Output::Text)]
        format: Output,
        /// Measure certificate expiry at this moment instead of now: a date
        /// (`2027-06-01`, midnight UTC) or an RFC 3339 time.
        #[arg(long, value_name = "WHEN")]
        at: Option<Moment>,
    },
    /// Replace only the bootstrap token (CAs and keys stay).
    RotateToken {
        /// The secrets file; rewritten with the new token.
        #[arg(short, long, value_name = "FILE", default_value = "secrets.yaml")]
        secrets: PathBuf,
    },
}

pub(super) fn run(command: SecretsCommand) -> Result<()> {
    match command {
        SecretsCommand::Generate {
            config,
            file,
            force,
            key_type,
        } => {
            let cluster = crate::cli::definition::checked_cluster(config.as_deref(), false)?;
            let needs = secrets::Needs::of(&cluster);
            generate(&cluster.name, &file.secrets, force, key_type, needs)
        }
        SecretsCommand::Import {
            pki_dir,
            config,
            file,
            force,
        } => {
            let cluster = crate::cli::definition::checked_cluster(config.as_deref(), false)?;
            let needs = secrets::Needs::of(&cluster);
            import(&cluster.name, &pki_dir, &file.secrets, force, needs)
        }
        SecretsCommand::Show {
            secrets,
            format,
            at,
        } => secrets_show::show(&secrets, format, now_or(at)),
        SecretsCommand::RotateToken { secrets } => rotate(&secrets),
    }
}

fn refuse_overwrite(output: &Path, force: bool) -> Result<()> {
    if output.exists() && !force {
        return Err(Error::new(format!("`{}` already exists", output.display()))
            .help("it holds the CA and token your nodes trust; pass --force to replace it"));
    }
    Ok(())
}

/// With `kubernetes.encryption_at_rest` the file gets the encryption key too, exactly as
/// `render` would add it: only what the cluster uses.
fn generate(
    cluster: &str,
    output: &Path,
    force: bool,
    key_type: KeyType,
    needs: secrets::Needs,
) -> Result<()> {
    refuse_overwrite(output, force)?;
    let fresh = secrets::generate(cluster, key_type, needs)?;
    let checked = secrets::check(fresh).map_err(|d| Report::of(output.display().to_string(), d))?;
    secrets::save(output, &checked.secrets, force)?;
    crate::cli::say::info(format!(
        "wrote {} for cluster `{cluster}` (mode 0600); CA hash {}",
        output.display(),
        checked.ca_cert_hash
    ));
    Ok(())
}

fn import(
    cluster: &str,
    dir: &Path,
    output: &Path,
    force: bool,
    needs: secrets::Needs,
) -> Result<()> {
    refuse_overwrite(output, force)?;
    let mut imported = read_pki_dir(cluster, dir)?;
    secrets::rotate_token(&mut imported)?;
    // What the directory lacks is made fresh; only the admin certificates are always new.
    let key_type = secrets::key_type_of(&imported);
    let missing = secrets::complete(&mut imported, key_type, needs)?;
    let checked = secrets::check(imported).map_err(|d| Report::of(dir.display().to_string(), d))?;
    secrets::save(output, &checked.secrets, force)?;
    crate::cli::say::info(format!(
        "imported {} into {} for cluster `{cluster}` (mode 0600); CA hash {}",
        dir.display(),
        output.display(),
        checked.ca_cert_hash
    ));
    let generated: Vec<&str> = missing.into_iter().filter(|m| *m != "admin").collect();
    if !generated.is_empty() {
        crate::cli::say::info(format!(
            "warning: {} not found in {} and generated; joining control planes need the cluster's own copies",
            generated.join(", "),
            dir.display()
        ));
    }
    crate::cli::say::info(format!(
        "register the new bootstrap token on a control plane: `kubeadm token create <bootstrap_token from {}>`",
        output.display()
    ));
    Ok(())
}

/// The cluster's shared PKI as kubeadm keeps it in `dir` (`/etc/kubernetes/pki`): the
/// cluster CA is required, the front-proxy CA, etcd CA and service-account keys are
/// taken when both halves are there. The token is new; admin certificates come later.
fn read_pki_dir(cluster: &str, dir: &Path) -> Result<Secrets> {
    let read = |name: &str| fs::read_to_string(dir.join(name)).ok();
    let pair = |crt: &str, key: &str| -> Option<CertPair> {
        Some(CertPair {
            certificate: read(crt)?,
            private_key: Secret::new(read(key)?),
        })
    };
    let cluster_ca = pair("ca.crt", "ca.key").ok_or_else(|| {
        Error::new(format!("`{}` lacks ca.crt or ca.key", dir.display()))
            .help("point --pki-dir at a control plane's /etc/kubernetes/pki (copied securely)")
    })?;
    Ok(Secrets {
        cluster: Some(cluster.to_string()),
        bootstrap_token: secrets::generate_token()?,
        token_created: None,
        cluster_ca,
        front_proxy_ca: pair("front-proxy-ca.crt", "front-proxy-ca.key"),
        etcd_ca: pair("etcd/ca.crt", "etcd/ca.key"),
        service_account: match (read("sa.pub"), read("sa.key")) {
            (Some(public_key), Some(private_key)) => Some(KeyPairPem {
                public_key,
                private_key: Secret::new(private_key),
            }),
            _ => None,
        },
        admin: Vec::new(),
        encryption_key: None,
    })
}

fn rotate(path: &Path) -> Result<()> {
    let mut s = crate::load_secrets(path)?.secrets;
    secrets::rotate_token(&mut s)?;
    secrets::save(path, &s, true)?;
    crate::cli::say::info(format!(
        "replaced the bootstrap token in {} (CAs unchanged); render again, and register it on a running cluster with `kubeadm token create <bootstrap_token>` on a control plane",
        path.display()
    ));
    Ok(())
}
