//! The command line's output formats: text for people, JSON for scripts.

use std::path::Path;

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

/// `-o/--output` is only ever a path: a bare `json` or `text` there is the report-format
/// habit of other tools, and rendering a secret-bearing tree into `./json` is not what
/// anyone typing it meant. `./json` still names such a directory.
pub(super) fn refuse_format_as_path(output: &Path) -> Result<()> {
    let given = output.as_os_str();
    if given != "json" && given != "text" {
        return Ok(());
    }
    let name = output.display();
    Err(
        Error::new(format!("`-o {name}` names a directory, not a report format"))
            .note("`-o/--output` is always a path; report formats are `--format text|json`")
            .help(format!(
                "for a directory of that name pass `-o ./{name}`; for JSON, `explain`, `verify`, `diff`, `versions` and `secrets show` take `--format json`"
            )),
    )
}
