//! Diagnostics shared by every stage: a problem tied to a file, a dotted field path
//! and (when known) a line and column, with a hint saying how to fix it.
//!
//! Messages never carry secret values: callers describe what is wrong, not what was there.

use std::fmt;

/// The known word nearest to a typo (a key, a value of a closed set), when it is near
/// enough to be a likely meaning.
pub(crate) fn closest<S: AsRef<str>>(typo: &str, known: &[S]) -> Option<String> {
    known
        .iter()
        .map(|k| k.as_ref())
        .map(|k| (strsim::damerau_levenshtein(typo, k), k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.to_string())
}

/// The help for a value outside a closed set: the nearest choice first when there is
/// one (``did you mean `calico`?``), then every choice. A value with digits must be
/// one edit away: `ubuntu-18.04` is another release, not a typo of `ubuntu-20.04`.
pub(crate) fn choose_one_of<S: AsRef<str>>(typo: &str, choices: &[S]) -> String {
    let all = choices
        .iter()
        .map(|c| c.as_ref())
        .collect::<Vec<_>>()
        .join(", ");
    let near = closest(typo, choices).filter(|best| {
        !typo.contains(|c: char| c.is_ascii_digit()) || strsim::damerau_levenshtein(typo, best) <= 1
    });
    match near {
        Some(best) => format!("did you mean `{best}`? choose one of: {all}"),
        None => format!("choose one of: {all}"),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Dotted path of the field (`kubernetes.pod_subnet`); empty for the whole file.
    pub path: String,
    pub message: String,
    pub help: Option<String>,
    /// 1-based line and column, when the source location is known.
    pub location: Option<(usize, usize)>,
    /// A key that could not be read at all (unknown, wrong type): reported before the
    /// problems found in what was read, since those may only follow from it.
    pub unreadable: bool,
}

impl Diagnostic {
    pub(crate) fn error(path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            path: path.into(),
            message: message.into(),
            help: None,
            location: None,
            unreadable: false,
        }
    }

    pub(crate) fn warning(path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(path, message)
        }
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub(crate) fn at(mut self, location: Option<(usize, usize)>) -> Self {
        self.location = location;
        self
    }

    /// Marks a key that could not be read (see [`Diagnostic::unreadable`]).
    pub(crate) fn unreadable(mut self) -> Self {
        self.unreadable = true;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Formats the diagnostic like a compiler message for `file`.
    pub(crate) fn display<'a>(&'a self, file: &'a str) -> DisplayDiagnostic<'a> {
        DisplayDiagnostic { diag: self, file }
    }
}

pub(crate) struct DisplayDiagnostic<'a> {
    diag: &'a Diagnostic,
    file: &'a str,
}

impl fmt::Display for DisplayDiagnostic<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.diag;
        let kind = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(f, "{kind}: {}", d.message)?;
        write!(f, "  --> {}", self.file)?;
        if let Some((line, col)) = d.location {
            write!(f, ":{line}:{col}")?;
        }
        if !d.path.is_empty() {
            write!(f, " (`{}`)", d.path)?;
        }
        if let Some(help) = &d.help {
            write!(f, "\n  = help: {help}")?;
        }
        Ok(())
    }
}

/// A whole report: every problem found in one file, errors first.
#[derive(Debug, Default)]
pub struct Report {
    pub file: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    pub(crate) fn new(file: impl Into<String>) -> Self {
        Report {
            file: file.into(),
            diagnostics: Vec::new(),
        }
    }

    /// A report of `diagnostics` found in `file`.
    pub(crate) fn of(file: impl Into<String>, diagnostics: Vec<Diagnostic>) -> Self {
        Report {
            file: file.into(),
            diagnostics,
        }
    }

    pub(crate) fn push(&mut self, diag: Diagnostic) {
        self.diagnostics.push(diag);
    }

    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == severity)
            .count()
    }

    /// Turns every warning into an error (`--strict`).
    pub(crate) fn make_strict(&mut self) {
        for d in &mut self.diagnostics {
            d.severity = Severity::Error;
        }
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sorted: Vec<&Diagnostic> = self.diagnostics.iter().collect();
        sorted.sort_by_key(|d| {
            (
                d.severity,
                !d.unreadable,
                d.location.unwrap_or((usize::MAX, 0)),
            )
        });
        for d in sorted {
            writeln!(f, "{}", d.display(&self.file))?;
        }
        let errors = self.count(Severity::Error);
        let warnings = self.count(Severity::Warning);
        if errors > 0 {
            write!(f, "{}: {errors} error(s), {warnings} warning(s)", self.file)?;
        } else if warnings > 0 {
            write!(f, "{}: {warnings} warning(s)", self.file)?;
        }
        Ok(())
    }
}
