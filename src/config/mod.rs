//! Stage 1, load: `cluster.yaml` text → [`Config`], the definition exactly as written.
//!
//! Each key is read on its own (`field::check_field`), so every unknown key and wrong type is
//! reported at once with its path and position; `validate` decides what is required.

use serde::de::DeserializeOwned;
use serde_yaml::Value;

use crate::config::field::{check_field, strip_location};
use crate::diagnostics::Diagnostic;

mod entries;
mod field;
mod nodes;
mod schema;
mod source;
mod syntax;

pub(crate) use schema::*;
pub(crate) use source::SourceMap;

/// The embedded default cluster: the 2021 guide (Kubernetes 1.21.3, CRI-O 1.21, Canal).
pub const DEFAULT_CLUSTER: &str = include_str!("../../examples/guide-1.21.yaml");
pub(crate) const DEFAULT_CLUSTER_NAME: &str = "<embedded default cluster>";

/// A definition as far as it could be read: the fields that failed are left out of
/// `config` (and listed in `failed`), so validation can still check the rest.
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    pub config: Config,
    pub problems: Vec<Diagnostic>,
    /// Dotted paths of keys that were unknown or of the wrong type.
    pub failed: Vec<String>,
}

/// Parses a definition, reporting every unknown key and wrong type at once (not just
/// the first), each with its dotted path and position. YAML syntax errors stop parsing
/// and come back alone, with the line and column the parser reports.
pub(crate) fn load(text: &str, source: &SourceMap) -> Result<Loaded, Vec<Diagnostic>> {
    let value: Value =
        serde_yaml::from_str(text).map_err(|err| vec![syntax::syntax_error(text, &err)])?;
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
        "registries" => check_section::<RegistriesConfig>(name, value, source, problems, failed),
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
