//! The command line: parses arguments, runs the pipeline, reports, and maps outcomes to
//! exit codes (0 success, 1 invalid input or failed render, 2 usage error).

mod init_command;
mod moment;
mod render_command;
pub mod review_commands;
pub(crate) mod say;
pub mod secret_commands;
mod secrets_show;
mod versions;

pub use versions::versions_table;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::cli::render_command::cmd_render;
use crate::config::{DEFAULT_CLUSTER, DEFAULT_CLUSTER_NAME};
use crate::error::{Error, Result};
use crate::load_cluster;

#[derive(Parser)]
#[command(
    name = "kubeprint",
    version,
    about = "Render kubeadm + CRI-O node bootstrap files (cloud-init user-data and shell bundles) from a cluster definition"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Print errors only: no warnings, notes or tables.
    #[arg(short, long, global = true)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Render every role's user-data and shell bundle into a directory.
    Render {
        /// Cluster definition (`-` reads standard input); the embedded default cluster
        /// (the 2021 guide) when absent.
        #[arg(short, long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Secrets file; generated (mode 0600) when it does not exist yet.
        #[arg(short, long, value_name = "FILE", default_value = "secrets.yaml")]
        secrets: PathBuf,
        /// Output directory, replaced as a whole: only when absent, empty or a tree
        /// kubeprint rendered (README, "The output directory").
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
    /// Write a commented starter cluster.yaml for a current release.
    Init {
        /// Where to write it; `-` prints it.
        #[arg(short, long, value_name = "FILE", default_value = "cluster.yaml")]
        output: PathBuf,
        /// Operating system of the nodes.
        #[arg(long, default_value = "ubuntu-24.04")]
        os: String,
        /// Kubernetes release (full X.Y.Z); default: the newest maintained release whose
        /// pinned CNI is tested with it.
        #[arg(long, value_name = "X.Y.Z")]
        version: Option<String>,
        /// Pod network plugin.
        #[arg(long, default_value = "calico", value_parser = ["flannel", "canal", "calico", "none"])]
        cni: String,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Check a cluster definition and print every problem found.
    Validate {
        /// Cluster definition (`-` reads standard input); the embedded default cluster
        /// when absent.
        #[arg(short, long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
    },
    /// Manage the secrets file (bootstrap token, shared PKI, admin certificates).
    Secrets {
        #[command(subcommand)]
        command: crate::cli::secret_commands::SecretsCommand,
    },
    /// Print the release matrix: supported Kubernetes minors and what each one uses.
    Versions {
        /// `json`: `{"releases": [...], "operating_systems": [...]}`.
        #[arg(long, value_enum, default_value_t = Output::Text)]
        output: Output,
    },
    /// Render in memory and compare with a rendered directory; exit 1 with diffs when
    /// it differs (for CI on pull requests). Never writes anything.
    Check {
        /// Cluster definition (`-` reads standard input); the embedded default cluster
        /// when absent.
        #[arg(short, long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Secrets file the directory was rendered with; must exist.
        #[arg(short, long, value_name = "FILE", default_value = "secrets.yaml")]
        secrets: PathBuf,
        /// The rendered directory to compare with (what `render -o` wrote); only read.
        #[arg(short, long, value_name = "DIR", default_value = "out")]
        output: PathBuf,
        /// Compare with a tree written by `render --redact`.
        #[arg(long)]
        redact: bool,
    },
    /// Cross-check a rendered directory's files against each other (token, CA pin,
    /// endpoint, pod subnet, versions, secret placement, SHA256SUMS); no secrets file.
    Verify {
        /// A rendered directory.
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// `json`: `{"problems": [...], "summary": [...], "warnings": [...],
        /// "certificates": [...]}` on stdout.
        #[arg(long, value_enum, default_value_t = Output::Text)]
        output: Output,
        /// Measure certificate expiry at this moment instead of now: a date
        /// (`2027-06-01`, midnight UTC) or an RFC 3339 time.
        #[arg(long, value_name = "WHEN")]
        at: Option<moment::Moment>,
    },
    /// Print each role's steps in order, with their purpose and stage (bake/boot).
    Explain {
        /// Cluster definition (`-` reads standard input); the embedded default cluster
        /// when absent.
        #[arg(short, long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// `json`: the cluster, each role's steps (id, template, summary, stage, secret)
        /// and the inventory nodes.
        #[arg(long, value_enum, default_value_t = Output::Text)]
        output: Output,
    },
    /// Print a shell completion script (`kubeprint completion bash > /etc/bash_completion.d/kubeprint`).
    Completion {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page in roff (`kubeprint man > kubeprint.1; man ./kubeprint.1`).
    Man,
    /// Compare two rendered directories and flag what matters operationally; exit 1
    /// when they differ, like diff(1).
    Diff {
        /// The tree running nodes were built from.
        #[arg(value_name = "OLD_DIR")]
        old: PathBuf,
        /// The tree to compare it with.
        #[arg(value_name = "NEW_DIR")]
        new: PathBuf,
        /// `json`: `{"operational": [...], "files": [{"path", "change", "modes"}]}`.
        #[arg(long, value_enum, default_value_t = Output::Text)]
        output: Output,
    },
}

/// How reporting commands print: for people, or as JSON for scripts.
#[derive(Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Output {
    #[default]
    Text,
    Json,
}

/// Prints `value` as pretty JSON with a final newline.
pub(crate) fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::new(format!("cannot write JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Yaml,
    Mime,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    say::init(cli.quiet);
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            say::error(error.render());
            ExitCode::from(1)
        }
    }
}

/// Runs one command: each arm hands its arguments to the function that does it.
fn run(command: Command) -> Result<()> {
    use crate::cli::review_commands::{cmd_check, cmd_diff, cmd_explain, cmd_verify};
    match command {
        Command::Render {
            config,
            secrets,
            output,
            strict,
            redact,
            format,
        } => cmd_render(config.as_deref(), &secrets, &output, strict, redact, format),
        Command::Validate { config, strict } => cmd_validate(config.as_deref(), strict),
        Command::Init {
            output,
            os,
            version,
            cni,
            force,
        } => cmd_init(&output, &os, version.as_deref(), &cni, force),
        Command::Secrets { command } => crate::cli::secret_commands::run(command),
        Command::Check {
            config,
            secrets,
            output,
            redact,
        } => checked_cluster(config.as_deref(), false)
            .and_then(|cluster| cmd_check(config.as_deref(), &secrets, &output, cluster, redact)),
        Command::Verify { dir, output, at } => cmd_verify(&dir, output, moment::now_or(at)),
        Command::Explain { config, output } => checked_cluster(config.as_deref(), false)
            .and_then(|cluster| cmd_explain(&cluster, output)),
        Command::Diff { old, new, output } => cmd_diff(&old, &new, output),
        Command::Completion { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "kubeprint", &mut std::io::stdout());
            Ok(())
        }
        Command::Man => clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
            .render(&mut std::io::stdout())
            .map_err(|e| Error::new(format!("cannot write the manual page: {e}"))),
        Command::Versions { output } => match output {
            Output::Json => print_json(&versions::versions()),
            Output::Text => {
                print!("{}", versions_table());
                Ok(())
            }
        },
    }
}

/// How diagnostics name a definition read from standard input (`-c -`).
const STDIN_NAME: &str = "<stdin>";

/// Reads the definition (`-` for standard input, none for the embedded default) and
/// validates it. Warnings are
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
        Some(p) if p == Path::new("-") => {
            let mut text = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
                .map_err(|e| Error::new(format!("cannot read standard input: {e}")))?;
            (text, STDIN_NAME.to_string())
        }
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
        say::info(report.to_string());
    }
    Ok(cluster)
}

fn cmd_init(output: &Path, os: &str, version: Option<&str>, cni: &str, force: bool) -> Result<()> {
    let text = init_command::starter(&init_command::Starter { os, version, cni })?;
    // Only a definition that validates is written.
    let (cluster, report) = load_cluster(&text, "<starter>", false);
    if cluster.is_none() {
        return Err(Error::Report(report));
    }
    if output == Path::new("-") {
        print!("{text}");
        return Ok(());
    }
    init_command::write(output, &text, force)?;
    crate::cli::say::info(format!(
        "wrote {}: set the endpoint and name, then `kubeprint render -c {}`",
        output.display(),
        output.display()
    ));
    Ok(())
}

fn cmd_validate(path: Option<&Path>, strict: bool) -> Result<()> {
    checked_cluster(path, strict)?;
    say::info("ok: the cluster definition is valid");
    Ok(())
}
