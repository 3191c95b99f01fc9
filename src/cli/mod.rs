//! The command line: parses arguments, runs the pipeline, reports, and maps outcomes to
//! exit codes (0 success, 1 invalid input or failed render, 2 usage error).

pub mod review_commands;
pub mod secret_commands;

use crate::diagnostics::Report;
use crate::error::{Error, Result};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{DEFAULT_CLUSTER, DEFAULT_CLUSTER_NAME};
use crate::emit;
use crate::emit::outdir;
use crate::load_cluster;
use crate::model::matrix;
use crate::secrets::pki::KeyType;
use crate::secrets::{self, CheckedSecrets};

#[derive(Parser)]
#[command(
    name = "kubeprint",
    version,
    about = "Render kubeadm + CRI-O node bootstrap files (cloud-init user-data and shell bundles) from a cluster definition"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render every role's user-data and shell bundle into a directory.
    Render {
        /// Cluster definition; the embedded default cluster (the 2021 guide) when absent.
        #[arg(short, long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Secrets file; generated (mode 0600) when it does not exist yet.
        #[arg(short, long, value_name = "FILE", default_value = "secrets.yaml")]
        secrets: PathBuf,
        /// Output directory, replaced as a whole.
        #[arg(short, long, value_name = "DIR", default_value = "out")]
        output: PathBuf,
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
        /// Replace every secret (private keys, the token) with a stable placeholder, so
        /// the tree can be committed and reviewed; public material (CA certificates,
        /// hashes) stays. The result cannot bootstrap nodes.
        #[arg(long)]
        redact: bool,
        /// `mime` also writes each user-data as a MIME multipart message
        /// (`user-data.mime`), to combine with your own cloud-config parts.
        #[arg(long, value_enum, default_value_t = Format::Yaml)]
        format: Format,
    },
    /// Check a cluster definition and print every problem found.
    Validate {
        #[arg(short, long, value_name = "FILE")]
        config: Option<PathBuf>,
        #[arg(long)]
        strict: bool,
    },
    /// Manage the secrets file (bootstrap token, shared PKI, admin certificates).
    Secrets {
        #[command(subcommand)]
        command: crate::cli::secret_commands::SecretsCommand,
    },
    /// Print the release matrix: supported Kubernetes minors and what each one uses.
    Versions,
    /// Render in memory and compare with a rendered directory; exit 1 with diffs when
    /// it differs (for CI on pull requests). Never writes anything.
    Check {
        #[arg(short, long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Secrets file the directory was rendered with; must exist.
        #[arg(short, long, value_name = "FILE", default_value = "secrets.yaml")]
        secrets: PathBuf,
        #[arg(short, long, value_name = "DIR", default_value = "out")]
        output: PathBuf,
        /// Compare with a tree written by `render --redact`.
        #[arg(long)]
        redact: bool,
    },
    /// Cross-check a rendered directory's files against each other (token, CA pin,
    /// endpoint, pod subnet, versions, secret placement, SHA256SUMS); no secrets file.
    Verify {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Print each role's steps in order, with their purpose and stage (bake/boot).
    Explain {
        #[arg(short, long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Compare two rendered directories and flag what matters operationally.
    Diff {
        #[arg(value_name = "OLD_DIR")]
        old: PathBuf,
        #[arg(value_name = "NEW_DIR")]
        new: PathBuf,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Yaml,
    Mime,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Render {
            config,
            secrets,
            output,
            strict,
            redact,
            format,
        } => cmd_render(config.as_deref(), &secrets, &output, strict, redact, format),
        Command::Validate { config, strict } => cmd_validate(config.as_deref(), strict),
        Command::Secrets { command } => crate::cli::secret_commands::run(command),
        Command::Check {
            config,
            secrets,
            output,
            redact,
        } => checked_cluster(config.as_deref(), false).and_then(|cluster| {
            crate::cli::review_commands::cmd_check(
                config.as_deref(),
                &secrets,
                &output,
                cluster,
                redact,
            )
        }),
        Command::Verify { dir } => crate::cli::review_commands::cmd_verify(&dir),
        Command::Explain { config } => checked_cluster(config.as_deref(), false)
            .and_then(|cluster| crate::cli::review_commands::cmd_explain(&cluster)),
        Command::Diff { old, new } => crate::cli::review_commands::cmd_diff(&old, &new),
        Command::Versions => {
            print!("{}", versions_table());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{}", error.render());
            ExitCode::from(1)
        }
    }
}

/// Reads the definition (or the embedded default) and validates it. Warnings are
/// printed; errors come back as the whole report.
pub(crate) fn checked_cluster(
    path: Option<&Path>,
    strict: bool,
) -> Result<crate::model::cluster::Cluster> {
    let (text, name) = match path {
        None => (
            DEFAULT_CLUSTER.to_string(),
            DEFAULT_CLUSTER_NAME.to_string(),
        ),
        Some(p) => (
            fs::read_to_string(p)
                .map_err(|e| Error::new(format!("cannot read `{}`: {e}", p.display())))?,
            p.display().to_string(),
        ),
    };
    let (cluster, report) = load_cluster(&text, &name, strict);
    let Some(cluster) = cluster else {
        return Err(Error::Report(report));
    };
    // Warnings only: say them, and go on.
    if !report.diagnostics.is_empty() {
        eprintln!("{report}");
    }
    Ok(cluster)
}

fn cmd_validate(path: Option<&Path>, strict: bool) -> Result<()> {
    checked_cluster(path, strict)?;
    eprintln!("ok: the cluster definition is valid");
    Ok(())
}

fn cmd_render(
    config: Option<&Path>,
    secrets_path: &Path,
    output: &Path,
    strict: bool,
    redact: bool,
    format: Format,
) -> Result<()> {
    // Validate fully before touching anything: a bad definition or an output directory
    // that holds someone else's files writes no secrets file and replaces nothing.
    let cluster = checked_cluster(config, strict)?;
    let mut inputs = vec![outdir::Input {
        what: "the secrets file",
        path: secrets_path,
    }];
    if let Some(path) = config {
        inputs.push(outdir::Input {
            what: "the cluster file",
            path,
        });
    }
    let target = outdir::claim(output, &inputs)?;
    let mut secrets = load_or_generate_secrets(secrets_path, &cluster.name)?;
    warn_if_token_expired(&cluster, &secrets);
    if redact {
        secrets = secrets.redacted();
    }
    let options = crate::RenderOptions {
        mime: format == Format::Mime,
    };
    let artifacts = crate::render_cluster_with(&cluster, &secrets, options)?;
    emit::emit(&artifacts, &target)?;
    let rows = crate::render::budget::rows(&artifacts);
    eprint!("{}", crate::render::budget::table(&rows));
    if rows.iter().any(|r| r.gzip_size.is_some()) {
        eprintln!(
            "note: for user-data over the EC2 limit pass its .gz twin instead (cloud-init reads gzip)"
        );
    }
    eprintln!(
        "rendered {} files into {}",
        artifacts.len(),
        output.display()
    );
    Ok(())
}

/// kubeadm counts the token's TTL from `kubeadm init`, which is after the token was
/// generated: once the TTL has passed since generation, joins may fail. Only a warning,
/// since the clock must not change what is rendered.
fn warn_if_token_expired(cluster: &crate::model::cluster::Cluster, secrets: &CheckedSecrets) {
    let ttl = cluster.token_ttl_seconds as i64;
    if let Some(age) = secrets::token_age_seconds(&secrets.secrets)
        && ttl > 0
        && age > ttl
    {
        eprintln!(
            "warning: the bootstrap token was generated {}h ago and its TTL is {}h: if the control plane was initialized more than {}h ago it has expired and new nodes cannot join\n  = help: on a control plane run `kubeadm token create <bootstrap_token from secrets.yaml> --ttl {}`, or `kubeprint secrets rotate-token`, render, and register the new one the same way",
            age / 3600,
            ttl / 3600,
            ttl / 3600,
            crate::validate::go_duration(ttl as u64)
        );
    }
}

/// Loads the secrets file, generating it on first use and completing an older file
/// with any shared PKI it lacks (the token and existing CAs never change). A file that
/// belongs to another cluster is refused before anything is written.
fn load_or_generate_secrets(path: &Path, cluster: &str) -> Result<CheckedSecrets> {
    let shown = path.display().to_string();
    let problems = |d| Report::of(&shown, d);
    if !path.exists() {
        let fresh = secrets::generate(cluster, KeyType::default())?;
        let checked = secrets::check(fresh).map_err(problems)?;
        secrets::save(path, &checked.secrets, false)?;
        eprintln!(
            "generated {shown} for cluster `{cluster}` (bootstrap token and shared PKI, mode 0600): keep it private and reuse it for every render of this cluster"
        );
        return Ok(checked);
    }
    let mut loaded = secrets::read(path).map_err(problems)?;
    if let Some(warning) = secrets::check_binding(&loaded, cluster, &shown)? {
        eprintln!("{warning}");
    }
    // Check what is there before building on it, so a damaged key is reported with its
    // file and field rather than as a failure to complete the file.
    secrets::check(loaded.clone()).map_err(problems)?;
    let key_type = secrets::key_type_of(&loaded);
    let added = secrets::complete(&mut loaded, key_type)
        .map_err(|e| e.context(format!("cannot complete `{shown}`")))?;
    let checked = secrets::check(loaded).map_err(problems)?;
    if !added.is_empty() {
        secrets::save(path, &checked.secrets, true)?;
        eprintln!(
            "added {} to {shown} (token and existing CAs unchanged)",
            added.join(", ")
        );
    }
    Ok(checked)
}

pub fn versions_table() -> String {
    let mut out = format!(
        "{:<6} {:<8} {:<17} {:<20} {:<8} {:<8} {}\n",
        "minor", "kubeadm", "packages", "cri-o", "calico", "flannel", "end of life"
    );
    for r in matrix::RELEASES {
        let packages = match r.kube_repo {
            matrix::KubeRepo::Legacy => "apt.kubernetes.io",
            matrix::KubeRepo::PkgsK8s => "pkgs.k8s.io",
        };
        let crio = match r.crio_repo {
            matrix::CrioRepo::Kubic => "opensuse kubic",
            matrix::CrioRepo::Isv => "opensuse isv",
        };
        let api = r
            .kubeadm_api
            .api_version()
            .trim_start_matches("kubeadm.k8s.io/");
        let eol = if r.is_end_of_life() {
            format!("{} (EOL)", r.end_of_life)
        } else {
            r.end_of_life.to_string()
        };
        out.push_str(&format!(
            "1.{:<4} {:<8} {:<17} {:<20} {:<8} {:<8} {}\n",
            r.minor,
            api,
            packages,
            format!("{crio} 1.{}", r.minor),
            if r.calico.tests(r.minor) {
                r.calico.tag.to_string()
            } else {
                format!("{}*", r.calico.tag)
            },
            r.flannel.tag,
            eol
        ));
    }
    out.push_str(
        "* the nearest Calico release: none with a pinnable manifest is tested with this minor\n\n",
    );
    out.push_str(&format!(
        "{:<13} {:<7} {:<11} {}\n",
        "os", "login", "kubernetes", "cri-o from openSUSE Kubic (before 1.28)"
    ));
    for os in matrix::OPERATING_SYSTEMS {
        let kubic = match os.kubic_minors().as_slice() {
            [] => "none".to_string(),
            minors => minors
                .iter()
                .map(|m| match os.kubic(*m) {
                    matrix::Kubic::Unconfirmed => format!("1.{m}?"),
                    _ => format!("1.{m}"),
                })
                .collect::<Vec<_>>()
                .join(" "),
        };
        out.push_str(&format!(
            "{:<13} {:<7} {:<11} {kubic}\n",
            os.id,
            os.login_user,
            format!("1.{}+", os.oldest_supported_minor())
        ));
    }
    out.push_str("? published according to no source; rendered with a warning\n");
    out
}
