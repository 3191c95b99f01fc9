//! `kubeprint man`: the manual from the same definitions as `--help`. In: the clap
//! command; out: the main page on stdout, or with `-o DIR` one page per command and
//! subcommand (`kubeprint.1`, `kubeprint-render.1`, `kubeprint-secrets-show.1`, ...)
//! written into DIR. A page already there is never replaced: kubeprint did not write it
//! in this run, and may not have written it at all.

use std::io::Write;
use std::path::Path;

use crate::error::{Error, Result};

/// Every page: its file name and its roff text, the main page first.
fn pages(command: clap::Command) -> Result<Vec<(String, Vec<u8>)>> {
    fn collect(command: &clap::Command, out: &mut Vec<(String, Vec<u8>)>) -> Result<()> {
        let man = clap_mangen::Man::new(command.clone());
        let mut roff = Vec::new();
        man.render(&mut roff)
            .map_err(|e| Error::new(format!("cannot write the manual page: {e}")))?;
        out.push((man.get_filename(), roff));
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
            collect(sub, out)?;
        }
        Ok(())
    }
    let mut command = command.disable_help_subcommand(true);
    // Building names each subcommand `kubeprint-render`, which is its page's name.
    command.build();
    let mut out = Vec::new();
    collect(&command, &mut out)?;
    Ok(out)
}

/// The main page on stdout (`dir` absent), or every page into `dir`.
pub(super) fn man(command: clap::Command, dir: Option<&Path>) -> Result<()> {
    let pages = pages(command)?;
    let Some(dir) = dir else {
        let (_, main) = &pages[0];
        return std::io::stdout()
            .write_all(main)
            .map_err(|e| Error::new(format!("cannot write the manual page: {e}")));
    };
    let shown = dir.display();
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::new(format!("cannot create `{shown}`: {e}")))?;
    // Checked before writing any, so a refusal leaves the directory as it was.
    if let Some((name, _)) = pages.iter().find(|(name, _)| dir.join(name).exists()) {
        return Err(Error::new(format!("`{shown}/{name}` already exists"))
            .help("write the pages into an empty directory, or remove the old pages first"));
    }
    for (name, roff) in &pages {
        let path = dir.join(name);
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .and_then(|mut f| f.write_all(roff))
            .map_err(|e| Error::new(format!("cannot write `{}`: {e}", path.display())))?;
    }
    crate::cli::say::info(format!(
        "wrote {} manual pages into {shown} (`man {shown}/kubeprint-render.1`)",
        pages.len()
    ));
    Ok(())
}
