//! `kubeprint secrets token-secret`: the secrets file's bootstrap token → a Secret on
//! standard output for `kubectl apply -f -`, so a running cluster accepts the token
//! again (or a rotated one for the first time). Part of the command line.
//!
//! The one command whose output is a secret, by design. So it refuses a terminal
//! unless `--to-terminal` says so (a token on screen stays in scrollback, screen
//! recordings and shared sessions), and a regular file other users can read (the shell
//! creates `> file` with the umask's mode, usually 0644): a careful tool writes a secret
//! into a pipe or a private file only. Nothing else it says names the secret.

use std::io::{IsTerminal, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::secrets;

/// What `secrets token-secret` was asked for.
pub(super) struct Request<'a> {
    pub(super) secrets: &'a Path,
    pub(super) ttl_seconds: u64,
    pub(super) now: OffsetDateTime,
    pub(super) to_terminal: bool,
}

/// `--ttl`: a Go duration as kubeadm's `--ttl` takes it (`24h`, `90m`, `1h30m`, `0`).
pub(super) fn parse_ttl(text: &str) -> std::result::Result<u64, String> {
    crate::validate::parse_duration(text).ok_or_else(|| {
        format!("`{text}` is not a duration: whole hours, minutes and seconds like `24h`, `90m` or `1h30m`, or `0` for a token that never expires")
    })
}

pub(super) fn run(request: &Request<'_>) -> Result<()> {
    let checked = crate::load_secrets(request.secrets)?;
    let file = request.secrets.display();
    refuse_unsafe_output(where_output_goes(), request.to_terminal, &file.to_string())?;
    let expires = secrets::expiration(request.now, request.ttl_seconds)?;
    let text = secrets::token_secret(&checked.secrets, expires)?;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Error::new(format!("cannot write the Secret to standard output: {e}")))?;
    let id = &checked.secrets.bootstrap_token.expose()[..6];
    let until = match expires {
        Some(at) => format!("until {}", secrets::rfc3339_utc(at)?),
        None => "with no expiration".to_string(),
    };
    crate::cli::say::info(format!(
        "printed the Secret `bootstrap-token-{id}` for the token in {file}, valid {until}; apply it with a kubeconfig that may write Secrets in kube-system"
    ));
    if expires.is_none() {
        crate::cli::say::info(format!(
            "warning: this token never expires: anyone who reads a worker's user-data or payload can join machines until it is deleted\n  = help: delete it when the nodes have joined: `kubectl -n kube-system delete secret bootstrap-token-{id}`"
        ));
    }
    Ok(())
}

/// Where standard output goes, as far as a secret cares.
#[derive(Debug, PartialEq, Eq)]
enum Output {
    Terminal,
    /// A regular file that group or others may read; its permission bits.
    SharedFile(u32),
    /// A pipe, a private file, `/dev/null`.
    Private,
}

fn where_output_goes() -> Output {
    let stdout = std::io::stdout();
    if stdout.is_terminal() {
        return Output::Terminal;
    }
    let mode = stdout
        .as_fd()
        .try_clone_to_owned()
        .map(std::fs::File::from)
        .and_then(|f| f.metadata())
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.permissions().mode() & 0o777);
    match mode {
        Some(mode) if mode & 0o077 != 0 => Output::SharedFile(mode),
        _ => Output::Private,
    }
}

fn refuse_unsafe_output(output: Output, to_terminal: bool, file: &str) -> Result<()> {
    let pipe = format!("kubeprint secrets token-secret -s {file} | kubectl apply -f -");
    match output {
        Output::Terminal if !to_terminal => Err(Error::new(
            "refusing to print the bootstrap token to a terminal",
        )
        .help(format!(
            "pipe it into kubectl: `{pipe}`, or write it to a private file: `(umask 077 && kubeprint secrets token-secret -s {file} > token-secret.yaml)`; `--to-terminal` prints it here anyway"
        ))),
        Output::SharedFile(mode) => Err(Error::new(format!(
            "refusing to write the bootstrap token into a file other users can read (mode {mode:04o})"
        ))
        .help(format!(
            "make the file private first (`chmod 600 FILE`, or create it under `umask 077`), or pipe it: `{pipe}`"
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_terminal_needs_the_flag_and_a_shared_file_is_refused() {
        let refused = |o, flag| refuse_unsafe_output(o, flag, "s.yaml").is_err();
        assert!(refused(Output::Terminal, false));
        assert!(!refused(Output::Terminal, true));
        assert!(refused(Output::SharedFile(0o644), false));
        assert!(refused(Output::SharedFile(0o640), true));
        assert!(!refused(Output::Private, false));
    }

    #[test]
    fn ttls_are_go_durations_and_anything_else_says_how() {
        assert_eq!(parse_ttl("24h"), Ok(86_400));
        assert_eq!(parse_ttl("90m"), Ok(5_400));
        assert_eq!(parse_ttl("1h30m"), Ok(5_400));
        assert_eq!(parse_ttl("0"), Ok(0));
        for bad in ["", "1d", "-1h", "24", "1.5h", "h"] {
            let err = parse_ttl(bad).unwrap_err();
            assert!(err.contains("`24h`"), "{bad}: {err}");
        }
    }
}
