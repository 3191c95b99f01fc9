//! The layering README describes, enforced: each stage folder of `src/` may use only
//! stages below it (cli → review/render/emit → plan → secrets/validate → config →
//! model and the leaf modules), so no module cycle can come back.

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
    ("yaml", 2),
    ("config", 3),
    ("validate", 4),
    ("secrets", 4),
    ("plan", 5),
    ("render", 6),
    ("review", 6),
    ("emit", 6),
    // lib.rs's entry points run the whole pipeline: only the command line calls them.
    ("load_cluster", 6),
    ("render_cluster", 6),
    ("render_cluster_with", 6),
    ("cli", 7),
];

/// Stage folder (or leaf module) → the stages its non-test code names as `crate::x`.
fn stage_edges() -> BTreeMap<String, BTreeSet<String>> {
    let src = common::root().join("src");
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in common::walk(&src) {
        let rel = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if !rel.ends_with(".rs") || rel == "lib.rs" || rel == "main.rs" {
            continue;
        }
        let stage = rel
            .split('/')
            .next()
            .unwrap()
            .trim_end_matches(".rs")
            .to_string();
        let text = std::fs::read_to_string(&file).unwrap();
        // Unit tests may reach anywhere; only the code itself is layered.
        let code = text.split("#[cfg(test)]").next().unwrap();
        for (i, _) in code.match_indices("crate::") {
            let target: String = code[i + 7..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            if !target.is_empty() && target != stage {
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
