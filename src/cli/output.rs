//! The command line's output formats: text for people, JSON for scripts.

use crate::error::{Error, Result};

/// How reporting commands print: for people, or as JSON for scripts.
#[derive(Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(super) enum Output {
    #[default]
    Text,
    Json,
}

/// Prints `value` as pretty JSON with a final newline.
pub(super) fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Error::new(format!("cannot write JSON: {e}")))?;
    println!("{text}");
    Ok(())
}
