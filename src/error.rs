//! The crate's one error type. A definition or secrets file with problems is a
//! [`Report`] (every problem, located); anything else is one failure with an optional
//! note or two and a fix. Both print in the same compiler-like format, and neither ever
//! carries a secret value.

use std::fmt;

use crate::diagnostics::Report;

#[derive(Debug)]
pub enum Error {
    /// Every problem found in one file, each with its field, position and fix.
    Report(Report),
    /// A command that ran to the end and answers "no" (two trees differ): exit 1, with
    /// this one line on stderr and no `error:` prefix, like diff(1).
    Verdict(String),
    /// One failure: what went wrong, facts that explain it, and how to fix it.
    Failed {
        message: String,
        notes: Vec<String>,
        help: Option<String>,
    },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An I/O error's reason without the path the `tempfile` crate appends (` at path
/// "/dir/.tmpXYZ"`): a temporary name means nothing to the user, who is told which of
/// their files or directories was being written instead.
pub(crate) fn io_reason(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" at path ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

impl Error {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Error::Failed {
            message: message.into(),
            notes: Vec::new(),
            help: None,
        }
    }

    /// Adds a fact shown under the message (`  = note`).
    pub(crate) fn note(mut self, note: impl Into<String>) -> Self {
        if let Error::Failed { notes, .. } = &mut self {
            notes.push(note.into());
        }
        self
    }

    /// Sets how to fix it (`  = help: ...`).
    pub(crate) fn help(mut self, text: impl Into<String>) -> Self {
        if let Error::Failed { help, .. } = &mut self {
            *help = Some(text.into());
        }
        self
    }

    /// Puts what was being done in front of the message: `cannot write `x`: <message>`.
    pub(crate) fn context(self, doing: impl fmt::Display) -> Self {
        match self {
            Error::Failed {
                message,
                notes,
                help,
            } => Error::Failed {
                message: format!("{doing}: {message}"),
                notes,
                help,
            },
            report => report,
        }
    }

    /// The message alone, for embedding in a larger sentence.
    pub fn message(&self) -> String {
        match self {
            Error::Report(report) => report.to_string(),
            Error::Verdict(line) => line.clone(),
            Error::Failed { message, .. } => message.clone(),
        }
    }
}

impl From<Report> for Error {
    fn from(report: Report) -> Self {
        Error::Report(report)
    }
}

impl Error {
    /// The whole error as the command line prints it: `error: message`, its notes and
    /// its fix (a report prints every problem with its position).
    pub fn render(&self) -> String {
        match self {
            Error::Report(report) => report.to_string(),
            Error::Verdict(line) => line.clone(),
            Error::Failed {
                message,
                notes,
                help,
            } => {
                let mut out = format!("error: {message}");
                for note in notes {
                    out.push_str(&format!("\n  = {note}"));
                }
                if let Some(help) = help {
                    out.push_str(&format!("\n  = help: {help}"));
                }
                out
            }
        }
    }
}

/// The message alone, so an error reads well inside a larger sentence
/// (`the certificate cannot be read: {e}`); [`Error::render`] prints it whole.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message())
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    #[test]
    fn a_temporary_files_path_is_not_part_of_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        let error = tempfile::Builder::new()
            .prefix(".staging-")
            .tempdir_in(&missing)
            .unwrap_err();
        assert!(error.to_string().contains(".staging-"), "{error}");
        let reason = super::io_reason(&error);
        assert!(
            !reason.contains(".staging-") && !reason.contains("missing"),
            "{reason}"
        );
        assert!(reason.contains("No such file or directory"), "{reason}");
    }

    use super::*;

    #[test]
    fn display_is_the_message_and_render_the_whole_error() {
        let e = Error::new("`x` is in the way")
            .note("tree CA: sha256:00")
            .help("pass another `-o`");
        assert_eq!(
            format!("cannot render: {e}"),
            "cannot render: `x` is in the way"
        );
        assert_eq!(
            e.render(),
            "error: `x` is in the way\n  = tree CA: sha256:00\n  = help: pass another `-o`"
        );
        let e = Error::new("no such file").context("cannot read `a`");
        assert_eq!(e.render(), "error: cannot read `a`: no such file");
    }
}
