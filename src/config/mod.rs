//! Stage 1, load: `cluster.yaml` text → [`Config`], the definition exactly as written.
//!
//! Each key is read on its own (`check_field`), so every unknown key and wrong type is
//! reported at once with its path and position; `validate` decides what is required.

use serde::de::DeserializeOwned;
use serde_yaml::{Mapping, Value};

use crate::diagnostics::Diagnostic;

mod entries;
mod nodes;
mod schema;
mod source;

pub use schema::*;
pub use source::SourceMap;

/// The embedded default cluster: the 2021 guide (Kubernetes 1.21.3, CRI-O 1.21, Canal).
pub const DEFAULT_CLUSTER: &str = include_str!("../../examples/guide-1.21.yaml");
pub const DEFAULT_CLUSTER_NAME: &str = "<embedded default cluster>";

/// A definition as far as it could be read: the fields that failed are left out of
/// `config` (and listed in `failed`), so validation can still check the rest.
#[derive(Debug, Default)]
pub struct Loaded {
    pub config: Config,
    pub problems: Vec<Diagnostic>,
    /// Dotted paths of keys that were unknown or of the wrong type.
    pub failed: Vec<String>,
}

/// Parses a definition, reporting every unknown key and wrong type at once (not just
/// the first), each with its dotted path and position. YAML syntax errors stop parsing
/// and come back alone, with the line and column the parser reports.
pub fn load(text: &str, source: &SourceMap) -> Result<Loaded, Vec<Diagnostic>> {
    let value: Value = serde_yaml::from_str(text).map_err(|err| {
        let location = err.location().map(|l| (l.line(), l.column()));
        vec![
            Diagnostic::error("", strip_location(&err.to_string()))
                .help("fix the YAML syntax at this position")
                .at(location),
        ]
    })?;
    let mut value = value;
    // `<<: *defaults` merge keys, as YAML 1.1 readers resolve them.
    value.apply_merge().map_err(|err| {
        vec![
            Diagnostic::error("", strip_location(&err.to_string()))
                .help("a merge key (`<<`) takes a mapping or a list of mappings"),
        ]
    })?;
    let mut root = match value {
        Value::Null => return Ok(Loaded::default()),
        Value::Mapping(m) => m,
        _ => {
            return Err(vec![
                Diagnostic::error("", "the cluster definition must be a mapping of keys")
                    .help("start with keys like `name:` and `kubernetes:`; see the cluster.yaml reference in README"),
            ]);
        }
    };

    let mut problems = Vec::new();
    let mut failed = Vec::new();
    root.retain(|key, value| keep_top_level(key, value, source, &mut problems, &mut failed));
    let config = serde_yaml::from_value(Value::Mapping(root)).unwrap_or_else(|e| {
        // Every field was checked on its own, so this is not expected; still, report
        // it rather than lose it.
        problems.push(Diagnostic::error("", strip_location(&e.to_string())));
        Config::default()
    });
    Ok(Loaded {
        config,
        problems,
        failed,
    })
}

/// Checks one top-level key (a section key by key); `false` drops it from the mapping
/// because it could not be read at all (and was reported).
fn keep_top_level(
    key: &Value,
    value: &mut Value,
    source: &SourceMap,
    problems: &mut Vec<Diagnostic>,
    failed: &mut Vec<String>,
) -> bool {
    let Some(name) = key.as_str() else {
        problems.push(Diagnostic::error("", "keys must be strings").help("quote the key"));
        return false;
    };
    // A place for YAML anchors, as in Compose files: `x-worker: &worker {...}` and
    // `<<: *worker` in nodes (merges are resolved by now).
    if name.starts_with("x-") {
        return false;
    }
    // Lists of text are read item by item first, so one bad item hides no other.
    entries::check_text_items(name, value, source, problems, failed);
    let before = problems.len();
    match name {
        "kubernetes" => {
            // Nested sections first: a typo inside one must not fail the section's key.
            check_subsection::<VipConfig>(name, "vip", value, source, problems, failed);
            check_section::<KubernetesConfig>(name, value, source, problems, failed)
        }
        "runtime" => check_section::<RuntimeConfig>(name, value, source, problems, failed),
        "cni" => check_section::<CniConfig>(name, value, source, problems, failed),
        "packages" => check_section::<PackagesConfig>(name, value, source, problems, failed),
        "image" => check_section::<ImageConfig>(name, value, source, problems, failed),
        "delivery" => check_section::<DeliveryConfig>(name, value, source, problems, failed),
        "commands" => check_section::<CommandsConfig>(name, value, source, problems, failed),
        "files" if value.is_sequence() => {
            entries::check_files(value, source, problems, failed);
            return true;
        }
        "proxy" => check_section::<ProxyConfig>(name, value, source, problems, failed),
        "nodes" if value.is_sequence() => {
            nodes::check_nodes(value, source, problems, failed);
            return true;
        }
        _ => {
            if !check_field::<Config>("", name, value, source, problems) {
                failed.push(name.to_string());
                return false;
            }
        }
    }
    // A section that is not a mapping at all is dropped whole.
    let drop = problems.len() > before && !value.is_mapping() && !value.is_null();
    if drop {
        failed.push(name.to_string());
    }
    !drop
}

/// Checks each key of a section separately so every problem in it is reported.
/// Fields that fail are removed from the section and recorded in `failed`.
fn check_section<T: DeserializeOwned>(
    section: &str,
    value: &mut Value,
    source: &SourceMap,
    problems: &mut Vec<Diagnostic>,
    failed: &mut Vec<String>,
) {
    match value {
        Value::Null => {}
        Value::Mapping(map) => map.retain(|key, value| match key.as_str() {
            Some(name) => {
                let ok = check_field::<T>(section, name, value, source, problems);
                if !ok {
                    failed.push(format!("{section}.{name}"));
                }
                ok
            }
            None => {
                problems.push(
                    Diagnostic::error(section, "keys must be strings")
                        .help("quote the key")
                        .at(source.locate(section)),
                );
                false
            }
        }),
        _ => problems.push(
            Diagnostic::error(section, format!("`{section}` must be a mapping of keys"))
                .help(format!(
                    "write `{section}:` followed by indented `key: value` lines"
                ))
                .at(source.locate(section)),
        ),
    }
}

/// Checks each key of the mapping at `section.key` on its own (as [`check_section`]
/// does for a section), so `kubernetes.vip.adress` is reported at its own path. A value
/// that is not a mapping is left for the section's check to report.
fn check_subsection<T: DeserializeOwned>(
    section: &str,
    key: &str,
    value: &mut Value,
    source: &SourceMap,
    problems: &mut Vec<Diagnostic>,
    failed: &mut Vec<String>,
) {
    let Some(Value::Mapping(map)) = value.as_mapping_mut().and_then(|m| m.get_mut(key)) else {
        return;
    };
    let path = format!("{section}.{key}");
    map.retain(|k, v| {
        let name = k.as_str().unwrap_or_default();
        let ok = check_field::<T>(&path, name, v, source, problems);
        if !ok {
            failed.push(format!("{path}.{name}"));
        }
        ok
    });
}

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
        let help = if message.contains("expected a sequence") {
            "write a YAML list: one `- item` per line, or `[a, b]`"
        } else if message.contains("expected a boolean") {
            "write `true` or `false` (`yes`, `no`, `on` and `off` are text in YAML 1.2, which kubeprint reads)"
        } else if message.contains("expected a string") {
            "write a single value here (quote it if it contains `:` or starts with a special character)"
        } else {
            "see the cluster.yaml reference in README for this key's type"
        };
        Diagnostic::error(&full_path, message)
            .help(help)
            .at(source.locate(&full_path))
            .unreadable()
    };
    problems.push(diag);
    false
}

/// serde names Rust types (`expected struct TaintFields`, `expected option`); say what
/// to write instead.
fn plain_types(message: &str) -> String {
    let mut out = message.replace("expected option", "expected a value");
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

/// The known key nearest to a typo, when it is near enough to be a likely meaning.
fn closest(typo: &str, known: &[String]) -> Option<String> {
    known
        .iter()
        .map(|k| (strsim::damerau_levenshtein(typo, k), k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k.clone())
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
fn strip_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(idx) => message[..idx].to_string(),
        None => message.to_string(),
    }
}
