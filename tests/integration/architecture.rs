//! The layering README describes, enforced: each stage folder of `src/` may use only
//! stages below it (cli → review/render/emit → plan → secrets/validate → config →
//! model and the leaf modules), and within a stage no module reaches itself through
//! others, so no module cycle can come back.

use std::collections::{BTreeMap, BTreeSet};

use crate::common;

/// Lower ranks are lower in the pipeline; an edge must go to a strictly lower rank.
const RANKS: &[(&str, u32)] = &[
    ("model", 0),
    ("diagnostics", 0),
    ("digest", 0),
    ("artifact", 0),
    ("layout", 0),
    ("error", 1),
    ("input", 2),
    ("yaml", 2),
    ("nofollow", 2),
    ("config", 3),
    ("validate", 4),
    ("secrets", 4),
    ("plan", 5),
    ("render", 6),
    ("review", 6),
    ("emit", 6),
    // lib.rs's entry points run whole stages: only the command line calls them.
    ("load_cluster", 6),
    ("load_secrets", 6),
    ("render_cluster", 6),
    ("render_cluster_with", 6),
    ("cli", 7),
];

/// Stage folder (or leaf module) → the stages its non-test code names as `crate::x`.
fn stage_edges() -> BTreeMap<String, BTreeSet<String>> {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, code) in modules() {
        // lib.rs and main.rs wire the stages together; they are not one of them.
        let Some(stage) = module.first() else {
            continue;
        };
        for (i, _) in code.match_indices("crate::") {
            let target: String = code[i + 7..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if !target.is_empty() && target != *stage {
                edges.entry(stage.clone()).or_default().insert(target);
            }
        }
    }
    edges
}

#[test]
fn stages_depend_only_on_stages_below_them() {
    let rank: BTreeMap<&str, u32> = RANKS.iter().copied().collect();
    let edges = stage_edges();
    assert!(
        edges.contains_key("cli") && edges.contains_key("render"),
        "{edges:?}"
    );
    let mut wrong = Vec::new();
    for (from, targets) in &edges {
        let from_rank = rank
            .get(from.as_str())
            .unwrap_or_else(|| panic!("{from} has no rank: add it to RANKS"));
        for to in targets {
            let Some(to_rank) = rank.get(to.as_str()) else {
                wrong.push(format!("{from} → crate::{to}, which has no rank"));
                continue;
            };
            if to_rank >= from_rank {
                wrong.push(format!("{from} ({from_rank}) → {to} ({to_rank})"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "dependencies against the pipeline: {wrong:#?}"
    );
}

/// Every module of `src/` (a file; `mod.rs` is its folder's module) → its code without
/// its unit tests, which may reach anywhere: only the code itself is layered.
fn modules() -> BTreeMap<Vec<String>, String> {
    let src = common::root().join("src");
    let mut out = BTreeMap::new();
    for file in common::walk(&src) {
        let rel = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        // main.rs is the binary, a crate of its own; `tests.rs` files are unit tests.
        let Some(stem) = rel
            .strip_suffix(".rs")
            .filter(|s| *s != "main" && !s.ends_with("/tests"))
        else {
            continue;
        };
        let mut path: Vec<String> = stem.split('/').map(str::to_string).collect();
        if path.last().is_some_and(|p| p == "mod") || stem == "lib" {
            path.pop();
        }
        let text = std::fs::read_to_string(&file).unwrap();
        out.insert(path, text.split("#[cfg(test)]").next().unwrap().to_string());
    }
    out
}

/// `a::{b, c::{d, e}}` → `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree: String = tree.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = tree.find('{') else {
        return vec![tree];
    };
    let (prefix, rest) = (&tree[..open], &tree[open + 1..tree.len() - 1]);
    let (mut items, mut depth, mut start) = (Vec::new(), 0, 0);
    for (i, c) in rest.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&rest[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&rest[start..]);
    items
        .into_iter()
        .filter(|i| !i.is_empty() && *i != "self")
        .flat_map(|i| expand(i).into_iter().map(move |p| format!("{prefix}{p}")))
        .collect()
}

/// The module each path in `code` names (`crate::`, `super::`, or a child of `module`).
fn references(
    module: &[String],
    code: &str,
    all: &BTreeMap<Vec<String>, String>,
) -> BTreeSet<Vec<String>> {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    // Comments (doc links included) name paths without depending on them.
    let code: String = code
        .lines()
        .map(|l| l.split("//").next().unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    let mut paths = Vec::new();
    // `use` trees, braces expanded; then every other path written inline.
    for (i, _) in code.match_indices("use ") {
        let line_start = code[..i].rfind('\n').map_or(0, |n| n + 1);
        let before = code[line_start..i].trim();
        if !["", "pub", "pub(crate)", "pub(super)"].contains(&before) {
            continue;
        }
        let tree = &code[i + 4..];
        paths.extend(expand(&tree[..tree.find(';').unwrap_or(tree.len())]));
    }
    let chars: Vec<(usize, char)> = code.char_indices().collect();
    for (n, &(i, c)) in chars.iter().enumerate() {
        let starts_word = n == 0 || !(ident(chars[n - 1].1) || chars[n - 1].1 == ':');
        if starts_word && ident(c) {
            let end = code[i..]
                .find(|c: char| !(ident(c) || c == ':'))
                .map_or(code.len(), |e| i + e);
            if code[i..end].contains("::") {
                paths.push(code[i..end].to_string());
            }
        }
    }
    let children: BTreeSet<&str> = all
        .keys()
        .filter(|k| k.len() == module.len() + 1 && k.starts_with(module))
        .map(|k| k.last().unwrap().as_str())
        .collect();
    let mut out = BTreeSet::new();
    for path in paths {
        let mut segments: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
        let mut base: Vec<String> = match segments.first() {
            Some(&"crate") => Vec::new(),
            Some(&"super") => module[..module.len().saturating_sub(1)].to_vec(),
            Some(&"self") => module.to_vec(),
            Some(s) if children.contains(s) => {
                segments.insert(0, "self");
                module.to_vec()
            }
            _ => continue,
        };
        base.extend(segments[1..].iter().map(|s| s.to_string()));
        // The longest prefix that is a module is the one named.
        while !base.is_empty() && !all.contains_key(&base) {
            base.pop();
        }
        if !base.is_empty() && base != module {
            out.insert(base);
        }
    }
    out
}

/// No module reaches itself through others: not parent and child (a `mod.rs` that calls
/// its children while they import its types), not siblings. Shared types live in a leaf
/// module the others import.
#[test]
fn no_module_depends_on_itself() {
    let all = modules();
    let graph: BTreeMap<&Vec<String>, BTreeSet<Vec<String>>> = all
        .iter()
        .map(|(m, code)| (m, references(m, code, &all)))
        .collect();
    assert!(
        graph[&vec!["render".to_string()]]
            .contains(&vec!["render".to_string(), "bundle".to_string()]),
        "the reader must see a parent's calls into its children"
    );
    // Depth-first search; a module met again on the current path closes a cycle.
    fn visit<'a>(
        m: &'a Vec<String>,
        graph: &'a BTreeMap<&Vec<String>, BTreeSet<Vec<String>>>,
        path: &mut Vec<&'a Vec<String>>,
        done: &mut BTreeSet<&'a Vec<String>>,
        cycles: &mut Vec<String>,
    ) {
        if let Some(at) = path.iter().position(|p| *p == m) {
            let names: Vec<String> = path[at..]
                .iter()
                .chain([&m])
                .map(|p| p.join("::"))
                .collect();
            cycles.push(names.join(" → "));
            return;
        }
        if !done.insert(m) {
            return;
        }
        path.push(m);
        for next in &graph[m] {
            let (key, _) = graph.get_key_value(next).unwrap();
            visit(key, graph, path, done, cycles);
        }
        path.pop();
    }
    let (mut done, mut cycles) = (BTreeSet::new(), Vec::new());
    for m in graph.keys() {
        visit(m, &graph, &mut Vec::new(), &mut done, &mut cycles);
    }
    assert!(cycles.is_empty(), "module cycles: {cycles:#?}");
}
