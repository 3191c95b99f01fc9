//! `kubeprint secrets ...`: generate, import, show and rotate the secrets file. Part of
//! the command line; prints public facts only, never a secret value.

use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

use clap::Subcommand;

use crate::cli::moment::{Moment, now_or};
use crate::cli::output::Output;
use crate::cli::secrets_backup;
use crate::cli::secrets_import;
use crate::cli::secrets_show;
use crate::diagnostics::Report;
use crate::secrets;
use crate::secrets::pki::KeyType;

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
    /// the cluster with `kubeprint secrets token-secret | kubectl apply -f -`.
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
        /// Generate the front-proxy CA, etcd CA or service-account keys the directory
        /// lacks, instead of refusing. The running cluster does not trust generated
        /// parts: only workers can join with them (the file records them, and rendering
        /// more than one control plane is refused).
        #[arg(long)]
        generate_missing: bool,
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
    /// Print the bootstrap token as a Secret to register it with a running cluster:
    /// `kubeprint secrets token-secret | kubectl apply -f -` from a machine with admin
    /// credentials, once the token has expired or after `rotate-token`.
    #[command(
        after_help = "The Secret (kube-system, type bootstrap.kubernetes.io/token, named bootstrap-token-<id>) is the one kubeadm creates: both usages, the group system:bootstrappers:kubeadm:default-node-token, and an RFC 3339 expiration unless the TTL is 0. Standard output must be a pipe or a file only its owner can read; a terminal needs --to-terminal. See README, \"Adding nodes later\"."
    )]
    TokenSecret {
        /// The secrets file whose token to print.
        #[arg(short, long, value_name = "FILE", default_value = "secrets.yaml")]
        secrets: PathBuf,
        /// How long the token works from now, as kubeadm's `--ttl` takes it (`24h`,
        /// `90m`, `1h30m`); `0` never expires. Default: kubeadm's 24h.
        #[arg(long, value_name = "DURATION", value_parser = crate::cli::token_secret::parse_ttl)]
        ttl: Option<u64>,
        /// Count the TTL from this moment instead of now: a date (`2027-06-01`, midnight
        /// UTC) or an RFC 3339 time.
        #[arg(long, value_name = "WHEN")]
        at: Option<Moment>,
        /// Print the Secret even when standard output is a terminal.
        #[arg(long)]
        to_terminal: bool,
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
            generate_missing,
        } => {
            let cluster = crate::cli::definition::checked_cluster(config.as_deref(), false)?;
            refuse_overwrite(&file.secrets, force)?;
            let import = secrets_import::Import {
                cluster: &cluster.name,
                dir: &pki_dir,
                output: &file.secrets,
                force,
                generate_missing,
                needs: secrets::Needs::of(&cluster),
            };
            secrets_import::import(&import)
        }
        SecretsCommand::Show {
            secrets,
            format,
            at,
        } => secrets_show::show(&secrets, format, now_or(at)),
        SecretsCommand::RotateToken { secrets } => rotate(&secrets),
        SecretsCommand::TokenSecret {
            secrets,
            ttl,
            at,
            to_terminal,
        } => crate::cli::token_secret::run(&crate::cli::token_secret::Request {
            secrets: &secrets,
            ttl_seconds: ttl.unwrap_or(secrets::KUBEADM_DEFAULT_TTL_SECONDS),
            now: now_or(at),
            to_terminal,
        }),
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
    let kept = match force {
        true => secrets_backup::keep(output, time::OffsetDateTime::now_utc())?,
        false => None,
    };
    secrets::save(output, &checked.secrets, force)?;
    crate::cli::say::info(format!(
        "wrote {} for cluster `{cluster}` (mode 0600); CA hash {}",
        output.display(),
        checked.ca_cert_hash
    ));
    if let Some(kept) = kept {
        // Said even under --quiet: the nodes of the cluster trust the old CA.
        crate::cli::say::always(format!(
            "kept the replaced file as {} (mode 0600); its CA hash {}\n  = help: nodes of the existing cluster trust the old CA: render for them with `-s {}`",
            kept.path.display(),
            kept.ca_hash.unwrap_or_else(|why| why),
            kept.path.display()
        ));
    }
    Ok(())
}

fn rotate(path: &Path) -> Result<()> {
    let mut s = crate::load_secrets(path)?.secrets;
    secrets::rotate_token(&mut s)?;
    secrets::save(path, &s, true)?;
    crate::cli::say::info(format!(
        "replaced the bootstrap token in {} (CAs unchanged); register it on a running cluster with `kubeprint secrets token-secret -s {} | kubectl apply -f -`, then render again and republish the joining nodes' user-data",
        path.display(),
        path.display()
    ));
    Ok(())
}
