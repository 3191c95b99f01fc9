//! Part of stage 1 (load): lists of mappings (`nodes`, `files`), read entry by entry
//! and key by key, so a mistake inside one entry is reported with its own path
//! (`files[1].permissions`) and position, and the other entries are still checked.

use serde::de::DeserializeOwned;
use serde_yaml::{Mapping, Value};

use crate::config::field::check_field;
use crate::config::schema::FileConfig;
use crate::config::source::SourceMap;
use crate::diagnostics::Diagnostic;

/// Checks each key of one entry (at `path`) on its own. Keys `nested` takes (it returns
/// true) are its to check, like a node's `taints`; the others must read as a key of `T`.
/// Keys that fail are removed from the entry and recorded in `failed`.
pub(super) fn check_entry_keys<T: DeserializeOwned>(
    path: &str,
    map: &mut Mapping,
    source: &SourceMap,
    problems: &mut Vec<Diagnostic>,
    failed: &mut Vec<String>,
    mut nested: impl FnMut(&str, &mut Value, &mut Vec<Diagnostic>, &mut Vec<String>) -> bool,
) {
    map.retain(|key, value| {
        let Some(name) = key.as_str() else {
            problems.push(
                Diagnostic::error(path, "keys must be strings")
                    .help("quote the key")
                    .at(source.locate(path)),
            );
            return false;
        };
        if nested(name, value, problems, failed) {
            return true;
        }
        let ok = check_field::<T>(path, name, value, source, problems);
        if !ok {
            failed.push(format!("{path}.{name}"));
        }
        ok
    });
}

/// `files`: every entry a mapping whose keys are checked one by one. An entry that is
/// not a mapping is reported and left empty, so the entries after it keep their index.
pub(super) fn check_files(
    value: &mut Value,
    source: &SourceMap,
    problems: &mut Vec<Diagnostic>,
    failed: &mut Vec<String>,
) {
    let Value::Sequence(items) = value else {
        return;
    };
    for (i, item) in items.iter_mut().enumerate() {
        let path = format!("files[{i}]");
        let Value::Mapping(map) = item else {
            problems.push(
                Diagnostic::error(&path, "a file must be a mapping of keys")
                    .help("write `- path: /etc/...` followed by indented `content:` and `permissions:` lines")
                    .at(source.locate(&path)),
            );
            failed.push(path);
            *item = Value::Mapping(Mapping::new());
            continue;
        };
        check_entry_keys::<FileConfig>(&path, map, source, problems, failed, |_, _, _, _| false);
    }
}

/// The lists of text of top-level key `name`: `ssh_authorized_keys`, and `pre` and
/// `post` under `commands`.
pub(super) fn check_text_items(
    name: &str,
    value: &mut Value,
    source: &SourceMap,
    problems: &mut Vec<Diagnostic>,
    failed: &mut Vec<String>,
) {
    match (name, value) {
        ("ssh_authorized_keys", list) => check_strings(name, list, source, problems, failed),
        ("commands", Value::Mapping(map)) => {
            for (key, list) in map.iter_mut() {
                let path = format!("commands.{}", key.as_str().unwrap_or_default());
                check_strings(&path, list, source, problems, failed);
            }
        }
        _ => {}
    }
}

/// A list of strings, item by item: an item that is not a string is reported at its
/// own index and recorded in `failed`, and left as an empty string so the list still
/// reads and the items keep their index.
fn check_strings(
    path: &str,
    value: &mut Value,
    source: &SourceMap,
    problems: &mut Vec<Diagnostic>,
    failed: &mut Vec<String>,
) {
    let Value::Sequence(items) = value else {
        return;
    };
    for (i, item) in items.iter_mut().enumerate() {
        if item.is_string() {
            continue;
        }
        let item_path = format!("{path}[{i}]");
        let found = match item {
            Value::Mapping(_) => "a mapping (YAML reads `key: value` in an unquoted entry as one)",
            Value::Sequence(_) => "a list",
            Value::Null => "nothing",
            _ => "a number or boolean",
        };
        problems.push(
            Diagnostic::error(&item_path, format!("expected text, found {found}"))
                .help("quote the whole entry: `- \"...\"`")
                .at(source.locate(&item_path))
                .unreadable(),
        );
        failed.push(item_path);
        *item = Value::String(String::new());
    }
}
