//! HCL text laid out as `packer fmt` (hclwrite's formatter) leaves it, so a rendered
//! template passes `packer fmt -check`. hcl-rs writes one space before every `=`;
//! hclwrite lines up the `=` of consecutive one-line attributes and object items, two
//! spaces per indent level. Blocks, arrays and objects are written here; every other
//! expression is left to hcl-rs, which writes it on one line.

use hcl::expr::Expression;
use hcl::format::{Format, to_string};
use hcl::{Block, Body, Structure};

const INDENT: &str = "  ";

/// A body as the text of a file.
pub(crate) fn body(body: &Body) -> String {
    let mut out = String::new();
    write_body(&mut out, body, 0);
    out
}

/// A blank line separates each block from its neighbours (as hcl-rs lays it out);
/// consecutive attributes stay together so their `=` can line up.
fn write_body(out: &mut String, body: &Body, depth: usize) {
    let structures: Vec<&Structure> = body.iter().collect();
    let groups = structures
        .chunk_by(|a, b| matches!((a, b), (Structure::Attribute(_), Structure::Attribute(_))));
    for (i, group) in groups.enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut assignments = Vec::new();
        for structure in group {
            match structure {
                Structure::Block(block) => write_block(out, block, depth),
                Structure::Attribute(a) => {
                    assignments.push((text(&a.key), expression(&a.expr, depth)))
                }
            }
        }
        write_assignments(out, &assignments, depth);
    }
}

fn write_block(out: &mut String, block: &Block, depth: usize) {
    out.push_str(&INDENT.repeat(depth));
    out.push_str(&block.identifier);
    for label in &block.labels {
        out.push(' ');
        out.push_str(&text(label));
    }
    if block.body.0.is_empty() {
        out.push_str(" {}\n");
        return;
    }
    out.push_str(" {\n");
    write_body(out, &block.body, depth + 1);
    out.push_str(&INDENT.repeat(depth));
    out.push_str("}\n");
}

/// `key = value` lines. hclwrite aligns the `=` over each run of lines whose value
/// closes on the same line; a value spanning lines opens a bracket on its first line,
/// which ends the run and keeps a single space before its `=`.
fn write_assignments(out: &mut String, items: &[(String, String)], depth: usize) {
    let one_line = |v: &str| !v.contains('\n');
    for run in items.chunk_by(|(_, a), (_, b)| one_line(a) && one_line(b)) {
        // hclwrite counts columns in grapheme clusters; the keys written here are ASCII.
        let width = run
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0);
        for (key, value) in run {
            let pad = width - key.chars().count() + 1;
            out.push_str(&format!(
                "{}{key}{}= {value}\n",
                INDENT.repeat(depth),
                " ".repeat(pad)
            ));
        }
    }
}

/// An expression as it appears after `=` at `depth`: non-empty arrays and objects one
/// element per line, indented one level deeper, the closing bracket back at `depth`.
fn expression(expr: &Expression, depth: usize) -> String {
    let close = INDENT.repeat(depth);
    match expr {
        Expression::Array(elements) if !elements.is_empty() => {
            let inner = INDENT.repeat(depth + 1);
            let lines: Vec<String> = elements
                .iter()
                .map(|e| format!("{inner}{}", expression(e, depth + 1)))
                .collect();
            format!("[\n{}\n{close}]", lines.join(",\n"))
        }
        Expression::Object(object) if !object.is_empty() => {
            let items: Vec<(String, String)> = object
                .iter()
                .map(|(k, v)| (text(k), expression(v, depth + 1)))
                .collect();
            let mut out = String::from("{\n");
            write_assignments(&mut out, &items, depth + 1);
            format!("{out}{close}}}")
        }
        other => text(other),
    }
}

fn text(value: &impl Format) -> String {
    to_string(value).expect("HCL serializes to a string")
}

#[cfg(test)]
mod tests {
    use super::*;
    use hcl::Attribute;

    #[test]
    fn aligns_runs_and_breaks_them_at_multi_line_values_and_blocks() {
        let body = Body::builder()
            .add_block(
                Block::builder("source")
                    .add_label("x")
                    .add_attribute(("a", "1"))
                    .add_attribute(("long_name", "2"))
                    .add_attribute(Attribute::new(
                        "tags",
                        Expression::from_iter([("k", "v"), ("longer", "w")]),
                    ))
                    .add_attribute(("b", true))
                    .add_attribute(("cc", Expression::from(vec!["p", "q"])))
                    .add_block(Block::builder("empty").build())
                    .build(),
            )
            .build();
        assert_eq!(
            super::body(&body),
            r#"source "x" {
  a         = "1"
  long_name = "2"
  tags = {
    "k"      = "v"
    "longer" = "w"
  }
  b = true
  cc = [
    "p",
    "q"
  ]

  empty {}
}
"#
        );
    }
}
