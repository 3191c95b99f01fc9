//! The command line: parses arguments, runs the pipeline, reports, and maps outcomes to
//! exit codes (0 success, 1 invalid input or failed render, 2 usage error).

mod args;
mod definition;
mod init_command;
mod man_pages;
mod moment;
mod output;
mod remove_command;
mod render_command;
mod renew_command;
mod review_commands;
pub(crate) mod say;
mod secret_commands;
mod secrets_backup;
mod secrets_import;
mod secrets_show;
mod token_expiry;
mod token_secret;
mod upgrade_command;
mod versions;

use std::path::Path;
use std::process::ExitCode;

use clap::Parser;

use crate::cli::args::{Cli, Command};
use crate::cli::definition::checked_cluster;
use crate::cli::output::{Output, print_json};
use crate::cli::render_command::cmd_render;
use crate::error::{Error, Result};
use crate::load_cluster;

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
            runtime,
            force,
        } => cmd_init(&output, &os, version.as_deref(), &cni, &runtime, force),
        Command::Secrets { command } => crate::cli::secret_commands::run(command),
        Command::Check {
            config,
            secrets,
            output,
            redact,
        } => crate::cli::output::refuse_format_as_path(&output)
            .and_then(|()| checked_cluster(config.as_deref(), false))
            .and_then(|cluster| cmd_check(config.as_deref(), &secrets, &output, cluster, redact)),
        Command::Verify { dir, format, at } => cmd_verify(&dir, format, moment::now_or(at)),
        Command::Explain {
            config,
            secrets,
            format,
        } => checked_cluster(config.as_deref(), false).and_then(|cluster| {
            token_expiry::warn_for_explain(&cluster, &secrets);
            cmd_explain(&cluster, format)
        }),
        Command::Diff { old, new, format } => cmd_diff(&old, &new, format),
        Command::Remove {
            node,
            control_plane,
            config,
            secrets,
            output,
        } => crate::cli::remove_command::cmd_remove(&crate::cli::remove_command::Remove {
            node: &node,
            control_plane,
            config: config.as_deref(),
            secrets: &secrets,
            output: &output,
        }),
        Command::Renew {
            config,
            secrets,
            output,
        } => crate::cli::renew_command::cmd_renew(config.as_deref(), &secrets, &output),
        Command::Upgrade {
            from,
            config,
            secrets,
            output,
        } => crate::cli::upgrade_command::cmd_upgrade(&crate::cli::upgrade_command::Upgrade {
            from: &from,
            config: config.as_deref(),
            secrets: &secrets,
            output: &output,
        }),
        Command::Completion { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "kubeprint", &mut std::io::stdout());
            Ok(())
        }
        Command::Man { output } => {
            man_pages::man(<Cli as clap::CommandFactory>::command(), output.as_deref())
        }
        Command::Artifacts { config, format } => {
            let cluster = checked_cluster(config.as_deref(), false)?;
            let artifacts = crate::plan::artifacts::artifacts(&cluster);
            match format {
                Output::Json => print_json(&artifacts),
                Output::Text => {
                    print!("{}", crate::review::artifacts_table::table(&artifacts));
                    Ok(())
                }
            }
        }
        Command::Versions { format } => match format {
            Output::Json => print_json(&versions::versions()),
            Output::Text => {
                print!("{}", versions::versions_table());
                Ok(())
            }
        },
    }
}

fn cmd_init(
    output: &Path,
    os: &str,
    version: Option<&str>,
    cni: &str,
    runtime: &str,
    force: bool,
) -> Result<()> {
    let text = init_command::starter(&init_command::Starter {
        os,
        version,
        cni,
        runtime,
    })?;
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
    // `render` reads ./cluster.yaml by itself; any other file needs `-c`.
    let render = if output == Path::new("cluster.yaml") {
        "kubeprint render".to_string()
    } else {
        format!("kubeprint render -c {}", output.display())
    };
    crate::cli::say::info(format!(
        "wrote {}: set the endpoint and name, then `{render}`",
        output.display()
    ));
    Ok(())
}

fn cmd_validate(path: Option<&Path>, strict: bool) -> Result<()> {
    checked_cluster(path, strict)?;
    say::info("ok: the cluster definition is valid");
    Ok(())
}
