//! The command line: parses arguments, runs the pipeline, reports, and maps outcomes to
//! exit codes (0 success, 1 invalid input or failed render, 2 usage error).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::config::{DEFAULT_CLUSTER, DEFAULT_CLUSTER_NAME};
use crate::diagnostics::Report;
use crate::pki::KeyType;
use crate::secrets::{self, CheckedSecrets};
use crate::{emit, load_cluster, matrix, render_cluster};

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
    },
    /// Check a cluster definition and print every problem found.
    Validate {
        #[arg(short, long, value_name = "FILE")]
        config: Option<PathBuf>,
        #[arg(long)]
        strict: bool,
    },
    /// Manage the secrets file (bootstrap token and cluster CA).
    Secrets {
        #[command(subcommand)]
        command: SecretsCommand,
    },
    /// Print the release matrix: supported Kubernetes minors and what each one uses.
    Versions,
}

#[derive(Subcommand)]
enum SecretsCommand {
    /// Generate a new bootstrap token and cluster CA.
    Generate {
        #[arg(short, long, value_name = "FILE", default_value = "secrets.yaml")]
        output: PathBuf,
        /// Replace an existing file (the cluster's nodes will no longer match it).
        #[arg(long)]
        force: bool,
        #[arg(long, value_enum, default_value_t = KeyType::Rsa2048)]
        key_type: KeyType,
    },
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Render {
            config,
            secrets,
            output,
            strict,
        } => cmd_render(config.as_deref(), &secrets, &output, strict),
        Command::Validate { config, strict } => cmd_validate(config.as_deref(), strict),
        Command::Secrets {
            command:
                SecretsCommand::Generate {
                    output,
                    force,
                    key_type,
                },
        } => cmd_generate(&output, force, key_type),
        Command::Versions => {
            print!("{}", versions_table());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("{message}");
            }
            ExitCode::from(1)
        }
    }
}

/// Reads the definition (or the embedded default) and validates it, printing the report.
fn checked_cluster(path: Option<&Path>, strict: bool) -> Result<crate::validate::Cluster, String> {
    let (text, name) = match path {
        None => (
            DEFAULT_CLUSTER.to_string(),
            DEFAULT_CLUSTER_NAME.to_string(),
        ),
        Some(p) => (
            fs::read_to_string(p)
                .map_err(|e| format!("error: cannot read `{}`: {e}", p.display()))?,
            p.display().to_string(),
        ),
    };
    let (cluster, report) = load_cluster(&text, &name, strict);
    if !report.diagnostics.is_empty() {
        eprintln!("{report}");
    }
    cluster.ok_or_default()
}

trait OkOrDefault<T> {
    fn ok_or_default(self) -> Result<T, String>;
}

impl<T> OkOrDefault<T> for Option<T> {
    /// The report is already printed: fail without a further message.
    fn ok_or_default(self) -> Result<T, String> {
        self.ok_or_else(String::new)
    }
}

fn cmd_validate(path: Option<&Path>, strict: bool) -> Result<(), String> {
    checked_cluster(path, strict)?;
    eprintln!("ok: the cluster definition is valid");
    Ok(())
}

fn cmd_render(
    config: Option<&Path>,
    secrets_path: &Path,
    output: &Path,
    strict: bool,
) -> Result<(), String> {
    // Validate fully before touching anything: a bad definition writes no secrets file.
    let cluster = checked_cluster(config, strict)?;
    let secrets = load_or_generate_secrets(secrets_path)?;
    let artifacts = render_cluster(&cluster, &secrets).map_err(|e| format!("error: {e}"))?;
    emit::emit(&artifacts, output).map_err(|e| format!("error: {e}"))?;
    eprintln!(
        "rendered {} files into {}",
        artifacts.len(),
        output.display()
    );
    Ok(())
}

fn load_or_generate_secrets(path: &Path) -> Result<CheckedSecrets, String> {
    let shown = path.display().to_string();
    if path.exists() {
        return secrets::load(path).map_err(|diags| secrets_report(&shown, diags));
    }
    let fresh = secrets::generate(KeyType::default()).map_err(|e| format!("error: {e}"))?;
    secrets::save(path, &fresh, false).map_err(|e| format!("error: {e}"))?;
    eprintln!(
        "generated {shown} (bootstrap token and cluster CA, mode 0600): keep it private and reuse it for every render of this cluster"
    );
    secrets::check(fresh).map_err(|diags| secrets_report(&shown, diags))
}

fn secrets_report(file: &str, diags: Vec<crate::diagnostics::Diagnostic>) -> String {
    let mut report = Report::new(file);
    diags.into_iter().for_each(|d| report.push(d));
    report.to_string()
}

fn cmd_generate(output: &Path, force: bool, key_type: KeyType) -> Result<(), String> {
    if output.exists() && !force {
        return Err(format!(
            "error: `{}` already exists\n  = help: it holds the CA and token your nodes trust; pass --force to replace it",
            output.display()
        ));
    }
    let fresh = secrets::generate(key_type).map_err(|e| format!("error: {e}"))?;
    secrets::save(output, &fresh, force).map_err(|e| format!("error: {e}"))?;
    let checked = secrets::check(fresh)
        .map_err(|diags| secrets_report(&output.display().to_string(), diags))?;
    eprintln!(
        "wrote {} (mode 0600); CA hash {}",
        output.display(),
        checked.ca_cert_hash
    );
    Ok(())
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
            matrix::CrioRepo::PkgsK8sAddons => "pkgs.k8s.io",
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
            r.calico.version(),
            r.flannel,
            eol
        ));
    }
    out
}
