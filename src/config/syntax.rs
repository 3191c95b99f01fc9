//! Part of stage 1 (load): a YAML syntax error in the user's terms. In: the parser's
//! message and position and the text; out: a [`Diagnostic`] that points where the
//! problem is (a duplicate key at its second occurrence, not at its mapping's start)
//! and names what it is (a tab in indentation, not "a character that cannot start any
//! token").

use crate::config::field::strip_location;
use crate::diagnostics::Diagnostic;

/// The diagnostic for a document the YAML parser refused.
pub(super) fn syntax_error(text: &str, err: &serde_yaml::Error) -> Diagnostic {
    let location = err.location().map(|l| (l.line(), l.column()));
    let message = strip_location(&err.to_string());
    if let Some((line, column)) = location {
        if let Some(key) = duplicate_key(&message)
            && let Some((first, second)) = occurrences(text, key, line, column)
        {
            return Diagnostic::error("", format!("duplicate key `{key}`"))
                .help(format!(
                    "a key appears once in a mapping: it is first set at line {first}; remove one of the two"
                ))
                .at(Some((second, column)));
        }
        if let Some(tab_column) = tab_in_indentation(text, line) {
            return Diagnostic::error("", "a tab in indentation")
                .help("YAML indents with spaces only: replace the tab with spaces")
                .at(Some((line, tab_column)));
        }
    }
    Diagnostic::error("", message)
        .help("fix the YAML syntax at this position")
        .at(location)
}

/// The key serde_yaml names in `duplicate entry with key "name"` (possibly after a
/// `path: ` prefix).
fn duplicate_key(message: &str) -> Option<&str> {
    let (_, rest) = message.split_once("duplicate entry with key \"")?;
    rest.strip_suffix('"')
}

/// The first two lines (1-based) where `key` is a key of the block mapping that starts
/// at `line`:`column`: its first key sits at that position, every later one on a line
/// indented to that column. A flow mapping (`{a: 1, a: 2}`) gives `None`.
fn occurrences(text: &str, key: &str, line: usize, column: usize) -> Option<(usize, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let is_key = |rest: &str| {
        [key.to_string(), format!("\"{key}\""), format!("'{key}'")]
            .iter()
            .any(|k| {
                rest.strip_prefix(k.as_str())
                    .is_some_and(|after| after.trim_start().starts_with(':'))
            })
    };
    let mut found = Vec::new();
    let column0 = column.checked_sub(1)?;
    for (index, text_line) in lines.iter().enumerate().skip(line.checked_sub(1)?) {
        let number = index + 1;
        let at = text_line.char_indices().nth(column0).map(|(i, _)| i);
        let Some(at) = at else { continue };
        let indent_ok = number == line || text_line[..at].chars().all(|c| c == ' ');
        if !indent_ok {
            continue;
        }
        // The mapping holds the duplicate, so its first two keys of that name come
        // before any sibling mapping's at the same column.
        if is_key(&text_line[at..]) {
            found.push(number);
        }
        if found.len() == 2 {
            return Some((found[0], found[1]));
        }
    }
    None
}

/// The column (1-based) of a tab among the leading whitespace of `line`, if any.
fn tab_in_indentation(text: &str, line: usize) -> Option<usize> {
    let text_line = text.lines().nth(line.checked_sub(1)?)?;
    text_line
        .chars()
        .take_while(|c| c.is_whitespace())
        .position(|c| c == '\t')
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diagnose(text: &str) -> Diagnostic {
        let err = serde_yaml::from_str::<serde_yaml::Value>(text).unwrap_err();
        syntax_error(text, &err)
    }

    #[test]
    fn a_duplicate_key_is_shown_at_its_second_line() {
        let d = diagnose("# c\nname: a\nos: x\nname: b\n");
        assert_eq!(d.message, "duplicate key `name`");
        assert_eq!(d.location, Some((4, 1)));
        assert!(d.help.unwrap().contains("line 2"));
        let d = diagnose("kubernetes:\n  version: 1\n  x:\n    version: 3\n  version: 2\n");
        assert_eq!(d.message, "duplicate key `version`");
        assert_eq!(d.location, Some((5, 3)));
    }

    #[test]
    fn a_tab_in_indentation_is_named() {
        let d = diagnose("kubernetes:\n\tversion: 1\n");
        assert_eq!(d.message, "a tab in indentation");
        assert_eq!(d.location, Some((2, 1)));
        let d = diagnose("kubernetes:\n  \tversion: 1\n");
        assert_eq!(d.message, "a tab in indentation");
    }
}
