//! `kubeprint secrets ...`: generate, import, show and rotate the secrets file. Part of
//! the command line; prints public facts only, never a secret value.

use crate::error::{Error, Result};
use std::fs;
use std::path::{Path, PathBuf};

use clap::Subcommand;

use crate::cli::{Output, print_json};
use crate::diagnostics::{Diagnostic, Report};
use crate::secrets::pki::{self, KeyType};
use crate::secrets::{self, CertPair, CheckedSecrets, KeyPairPem, Secret, Secrets};

/// The secrets file `generate` and `import` write: `-s` like every command that reads
/// one, with the earlier `-o/--output` kept as hidden aliases.
#[derive(clap::Args)]
pub struct SecretsOut {
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
pub enum SecretsCommand {
    /// Generate a new bootstrap token and shared PKI (CAs, service-account keys, admin certificates).
    Generate {
        /// Cluster definition the secrets are for (its `name` is recorded in the file);
        /// the embedded default cluster when absent.
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
        /// in the file); the embedded default cluster when absent.
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
        #[arg(long, value_enum, default_value_t = Output::Text)]
        output: Output,
    },
    /// Replace only the bootstrap token (CAs and keys stay).
    RotateToken {
        /// The secrets file; rewritten with the new token.
        #[arg(short, long, value_name = "FILE", default_value = "secrets.yaml")]
        secrets: PathBuf,
    },
}

pub fn run(command: SecretsCommand) -> Result<()> {
    match command {
        SecretsCommand::Generate {
            config,
            file,
            force,
            key_type,
        } => {
            let cluster = crate::cli::checked_cluster(config.as_deref(), false)?;
            let needs = secrets::Needs::of(&cluster);
            generate(&cluster.name, &file.secrets, force, key_type, needs)
        }
        SecretsCommand::Import {
            pki_dir,
            config,
            file,
            force,
        } => {
            let cluster = crate::cli::checked_cluster(config.as_deref(), false)?;
            let needs = secrets::Needs::of(&cluster);
            import(&cluster.name, &pki_dir, &file.secrets, force, needs)
        }
        SecretsCommand::Show { secrets, output } => show(&secrets, output),
        SecretsCommand::RotateToken { secrets } => rotate(&secrets),
    }
}

pub fn report(file: &str, diags: Vec<Diagnostic>) -> String {
    let mut report = Report::new(file);
    diags.into_iter().for_each(|d| report.push(d));
    report.to_string()
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
    let mut imported = Secrets {
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
    };
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

fn load(path: &Path) -> Result<CheckedSecrets> {
    Ok(secrets::load(path).map_err(|d| Report::of(path.display().to_string(), d))?)
}

/// The public facts `secrets show` prints; with `--output json` these field names are
/// the interface. No secret value, only hashes, fingerprints and the token's id.
#[derive(serde::Serialize)]
struct Shown {
    file: String,
    cluster: Option<String>,
    ca_cert_hash: String,
    token_id: String,
    token_created: Option<String>,
    token_age_seconds: Option<i64>,
    certificates: Vec<ShownCert>,
    service_account_key: bool,
    /// `sha256:` of the encryption key's bytes; `None` when the file holds no key.
    encryption_key_sha256: Option<String>,
}

#[derive(serde::Serialize)]
struct ShownCert {
    name: String,
    subject: String,
    expires: String,
    sha256: String,
}

fn shown(path: &Path) -> Result<Shown> {
    let checked = load(path)?;
    let s = &checked.secrets;
    let mut certs: Vec<(String, &str)> =
        vec![("cluster CA".into(), s.cluster_ca.certificate.as_str())];
    if let Some(c) = &s.front_proxy_ca {
        certs.push(("front-proxy CA".into(), &c.certificate));
    }
    if let Some(c) = &s.etcd_ca {
        certs.push(("etcd CA".into(), &c.certificate));
    }
    for a in &s.admin {
        certs.push((format!("admin ({})", a.organization), &a.certificate));
    }
    Ok(Shown {
        file: path.display().to_string(),
        cluster: s.cluster.clone(),
        ca_cert_hash: checked.ca_cert_hash.clone(),
        token_id: s.bootstrap_token.expose()[..6].to_string(),
        token_created: s.token_created.clone(),
        token_age_seconds: secrets::token_age_seconds(s),
        certificates: certs
            .into_iter()
            .filter_map(|(name, pem)| {
                let info = pki::inspect_certificate(pem).ok()?;
                Some(ShownCert {
                    name,
                    subject: info.subject,
                    expires: info.not_after,
                    sha256: info.fingerprint,
                })
            })
            .collect(),
        service_account_key: s.service_account.is_some(),
        encryption_key_sha256: s
            .encryption_key
            .as_ref()
            .and_then(|k| secrets::encryption_key_fingerprint(k.expose())),
    })
}

fn show(path: &Path, output: Output) -> Result<()> {
    let shown = shown(path)?;
    if output == Output::Json {
        return print_json(&shown);
    }
    println!("secrets file:   {}", shown.file);
    match &shown.cluster {
        Some(name) => println!("cluster:        {name}"),
        None => println!("cluster:        (not recorded; add `cluster: NAME` to the file)"),
    }
    println!("CA hash:        {}", shown.ca_cert_hash);
    match shown.token_age_seconds {
        Some(age) => println!(
            "token id:       {} (created {}, {} ago)",
            shown.token_id,
            shown.token_created.as_deref().unwrap_or(""),
            human(age)
        ),
        None => println!(
            "token id:       {} (creation time not recorded)",
            shown.token_id
        ),
    }
    for cert in &shown.certificates {
        println!("{}:", cert.name);
        println!("  subject:      {}", cert.subject);
        println!("  expires:      {}", cert.expires);
        println!("  sha256:       {}", cert.sha256);
    }
    println!(
        "service-account key: {}",
        if shown.service_account_key {
            "present"
        } else {
            "absent (added on next render)"
        }
    );
    match &shown.encryption_key_sha256 {
        Some(fp) => println!("encryption key: {fp} (secretbox, 32 bytes)"),
        None => println!(
            "encryption key: absent (render adds one when kubernetes.encryption_at_rest is true)"
        ),
    }
    Ok(())
}

fn human(seconds: i64) -> String {
    match seconds {
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

fn rotate(path: &Path) -> Result<()> {
    let mut s = load(path)?.secrets;
    secrets::rotate_token(&mut s)?;
    secrets::save(path, &s, true)?;
    crate::cli::say::info(format!(
        "replaced the bootstrap token in {} (CAs unchanged); render again, and register it on a running cluster with `kubeadm token create <bootstrap_token>` on a control plane",
        path.display()
    ));
    Ok(())
}
