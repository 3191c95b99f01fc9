//! Part of stage 1 (load): the inventory, read entry by entry, so a mistake inside a
//! node or a taint is reported with its own path and position.

use serde_yaml::Value;

use crate::config::entries::check_entry_keys;
use crate::config::field::check_field;
use crate::config::schema::{NodeConfig, TaintFields};
use crate::config::source::SourceMap;
use crate::diagnostics::Diagnostic;

/// Checks every key of every `nodes` entry on its own, so a typo inside a node is
/// reported at its own position with its full path (`nodes[1].adress`), and the rest
/// of the inventory is still checked.
pub(super) fn check_nodes(
    value: &mut Value,
    source: &SourceMap,
    problems: &mut Vec<Diagnostic>,
    failed: &mut Vec<String>,
) {
    let Value::Sequence(items) = value else {
        return;
    };
    // An entry that is not a mapping is reported and dropped, so the others still load.
    let mut i = 0;
    items.retain(|item| {
        let path = format!("nodes[{i}]");
        i += 1;
        if item.is_mapping() {
            return true;
        }
        problems.push(
            Diagnostic::error(&path, "a node must be a mapping of keys")
                .help("write `- name: ...` followed by indented `role:` and `address:` lines")
                .at(source.locate(&path)),
        );
        false
    });
    for (i, item) in items.iter_mut().enumerate() {
        let path = format!("nodes[{i}]");
        let Value::Mapping(map) = item else {
            continue;
        };
        check_entry_keys::<NodeConfig>(
            &path,
            map,
            source,
            problems,
            failed,
            |name, value, problems, failed| {
                let Value::Sequence(taints) = value else {
                    return false;
                };
                if name == "taints" {
                    check_taints(&path, taints, source, problems, failed);
                }
                name == "taints"
            },
        );
    }
}

/// Each taint is kubectl's text form or a mapping whose keys are checked one by one.
fn check_taints(
    node: &str,
    taints: &mut [Value],
    source: &SourceMap,
    problems: &mut Vec<Diagnostic>,
    failed: &mut Vec<String>,
) {
    for (t, taint) in taints.iter_mut().enumerate() {
        let path = format!("{node}.taints[{t}]");
        match taint {
            Value::String(_) => {}
            Value::Mapping(map) => map.retain(|key, value| {
                let name = key.as_str().unwrap_or_default();
                let ok = check_field::<TaintFields>(&path, name, value, source, problems);
                if !ok {
                    failed.push(format!("{path}.{name}"));
                }
                ok
            }),
            _ => {
                problems.push(
                    Diagnostic::error(&path, "a taint is `key=value:Effect` or a mapping")
                        .help("write `dedicated=infra:NoSchedule`, or `{key: dedicated, value: infra, effect: NoSchedule}`")
                        .at(source.locate(&path)),
                );
                failed.push(path);
                *taint = Value::String(String::new());
            }
        }
    }
}
