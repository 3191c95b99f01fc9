//! How the command line talks on stderr: errors always, everything else unless
//! `--quiet`; colour on a terminal unless `NO_COLOR` is set (no-color.org).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);
static COLOUR: AtomicBool = AtomicBool::new(false);

/// Called once, with the parsed `--quiet`.
pub(crate) fn init(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    COLOUR.store(colour, Ordering::Relaxed);
}

/// A note, a table or a warning: what `--quiet` leaves out.
pub(crate) fn info(text: impl AsRef<str>) {
    if !QUIET.load(Ordering::Relaxed) {
        eprintln!("{}", paint(text.as_ref()));
    }
}

/// A warning that must reach the user even under `--quiet` (something kubeprint made
/// up that differs from what the user has).
pub(crate) fn always(text: impl AsRef<str>) {
    eprintln!("{}", paint(text.as_ref()));
}

/// An error: always said.
pub(crate) fn error(text: impl AsRef<str>) {
    eprintln!("{}", paint(text.as_ref()));
}

/// Colours the markers of kubeprint's messages: `error:`, `warning:`, `= help:`.
pub(crate) fn paint(text: &str) -> String {
    if !COLOUR.load(Ordering::Relaxed) {
        return text.to_string();
    }
    text.lines()
        .map(|line| {
            for (marker, code) in [
                ("error:", "1;31"),
                ("warning:", "1;33"),
                ("  = help:", "36"),
            ] {
                if let Some(rest) = line.strip_prefix(marker) {
                    return format!("\x1b[{code}m{marker}\x1b[0m{rest}");
                }
            }
            line.to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}
