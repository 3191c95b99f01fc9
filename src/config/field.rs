//! Part of stage 1 (load): one key read on its own. In: a key, its YAML value and the
//! section it sits in; out: whether it deserializes into the section's type, and if
//! not a [`Diagnostic`] in the user's terms: serde's Rust type names turned into what
//! to write, an unknown key's nearest known key suggested, the position of the key or
//! value attached.

use serde::de::DeserializeOwned;
use serde_yaml::{Mapping, Value};

use crate::config::source::SourceMap;
use crate::diagnostics::{Diagnostic, closest};

/// Deserializes `{name: value}` into `T` (all of whose fields are optional), so only
/// this field's problem can surface. Returns whether the field is fine.
pub(super) fn check_field<T: DeserializeOwned>(
    section: &str,
    name: &str,
    value: &Value,
    source: &SourceMap,
    problems: &mut Vec<Diagnostic>,
) -> bool {
    let mut single = Mapping::new();
    single.insert(Value::String(name.to_string()), value.clone());
    let Err(err) = serde_yaml::from_value::<T>(Value::Mapping(single)) else {
        return true;
    };
    let path = if section.is_empty() {
        name.to_string()
    } else {
        format!("{section}.{name}")
    };
    let message = plain_types(&strip_location(&err.to_string()));
    let (inner, message) = split_serde_path(&message);
    // serde names nested positions relative to the single-key mapping (`cert_sans[1]`).
    let full_path = match (inner.is_empty(), section.is_empty()) {
        (true, _) => path.clone(),
        (false, true) => inner,
        (false, false) => format!("{section}.{inner}"),
    };
    let diag = if let Some(expected) = unknown_field_choices(&message) {
        let help = match closest(name, &expected) {
            Some(best) => format!(
                "did you mean `{best}`? known keys here: {}",
                expected.join(", ")
            ),
            None => format!("known keys here: {}", expected.join(", ")),
        };
        // Point at the key itself: the value of an unknown key is not the problem.
        Diagnostic::error(&path, format!("unknown key `{name}`"))
            .help(help)
            .at(source.locate_key(&path))
            .unreadable()
    } else {
        let help = type_help(&message);
        Diagnostic::error(&full_path, message)
            .help(help)
            .at(source.locate(&full_path))
            .unreadable()
    };
    problems.push(diag);
    false
}

/// How to fix a value of the wrong type. A quoted `"true"` or `"3"` is the right value
/// written as text: the fix is the quotes, not the spelling.
fn type_help(message: &str) -> String {
    let quoted = quoted_text(message);
    if message.contains("expected a boolean") {
        return match quoted {
            Some(q @ ("true" | "false")) => format!("remove the quotes: write `{q}`"),
            _ => "write `true` or `false` (`yes`, `no`, `on` and `off` are text in YAML 1.2, which kubeprint reads)".to_string(),
        };
    }
    if message.contains("expected a whole number") {
        return match quoted {
            Some(q) if q.trim().parse::<i64>().is_ok() => {
                format!("remove the quotes: write `{}`", q.trim())
            }
            _ => "write a whole number without quotes, like `3`".to_string(),
        };
    }
    if message.contains("expected a sequence") {
        "write a YAML list: one `- item` per line, or `[a, b]`".to_string()
    } else if message.contains("expected a string") {
        "write a single value here (quote it if it contains `:` or starts with a special character)"
            .to_string()
    } else {
        "see the cluster.yaml reference in README for this key's type".to_string()
    }
}

/// The text of a quoted value serde reports as `invalid type: string "x", expected ...`.
fn quoted_text(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("invalid type: string \"")?;
    rest.rsplit_once("\", expected ").map(|(text, _)| text)
}

/// serde names Rust types (`expected struct TaintFields`, `expected option`, `expected
/// u32`); say what to write instead.
fn plain_types(message: &str) -> String {
    let mut out = message.replace("expected option", "expected a value");
    for (rust, plain) in [
        ("expected u8", "expected a whole number from 0 to 255"),
        ("expected u16", "expected a whole number from 0 to 65535"),
        ("expected u32", "expected a whole number, 0 or more"),
        ("expected u64", "expected a whole number, 0 or more"),
        ("expected usize", "expected a whole number, 0 or more"),
        ("expected i32", "expected a whole number"),
        ("expected i64", "expected a whole number"),
        ("expected f64", "expected a number"),
    ] {
        // Whole words only: `expected u8` must not rewrite the start of `expected u8x`.
        if let Some(i) = out.find(rust)
            && !out[i + rust.len()..].starts_with(|c: char| c.is_alphanumeric())
        {
            out.replace_range(i..i + rust.len(), plain);
        }
    }
    while let Some(i) = out.find("expected struct ") {
        let end = out[i + 16..]
            .find(|c: char| !c.is_alphanumeric())
            .map_or(out.len(), |e| i + 16 + e);
        out.replace_range(i..end, "expected a mapping of keys");
    }
    out
}

/// The known keys serde lists in "unknown field `x`, expected one of `a`, `b`".
fn unknown_field_choices(message: &str) -> Option<Vec<String>> {
    let rest = message.strip_prefix("unknown field `")?;
    let (_, expected) = rest.split_once("`, expected ")?;
    Some(
        expected
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect(),
    )
}

/// serde_yaml prefixes messages with the dotted path (`kubernetes.pod_subnet: ...`).
fn split_serde_path(message: &str) -> (String, String) {
    if let Some((head, rest)) = message.split_once(": ")
        && !head.contains(' ')
        && head
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._[]".contains(c))
    {
        return (head.to_string(), rest.to_string());
    }
    (String::new(), message.to_string())
}

/// serde_yaml appends " at line L column C"; the location is shown separately.
pub(super) fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(idx) => message[..idx].to_string(),
        None => message.to_string(),
    }
}
