//! Part of the YAML writer: the block layout. [`emit`] walks a `serde_yaml::Value` (in)
//! and writes the document text (out) as libyaml's emitter lays it out: where lines
//! break, how far each level is indented, where indicators (`-`, `:`) go. How one
//! scalar is quoted or folded is [`scalar`](super::scalar)'s concern, and the character
//! level (indentation, indicators) [`writer`](super::writer)'s.

use serde_yaml::Value;

use super::scalar::{Style, is_break};
use super::writer::{Context, Writer};
use crate::error::{Error, Result};

/// Writes `tree` as one block-style document; strings equal to one of `always_quoted`
/// are single-quoted whatever they hold.
pub(super) fn emit(tree: &Value, always_quoted: &[&str]) -> Result<String> {
    let mut w = Writer::new(always_quoted);
    w.node(tree, Context::Root)?;
    w.end_document();
    Ok(w.finish())
}

impl Writer<'_> {
    fn node(&mut self, value: &Value, context: Context) -> Result<()> {
        match value {
            Value::Null => self.scalar("null", Style::Plain),
            Value::Bool(b) => self.scalar(if *b { "true" } else { "false" }, Style::Plain),
            Value::Number(n) => self.scalar(&n.to_string(), Style::Plain),
            Value::String(s) => {
                let style = self.style(s, context);
                self.scalar(s, style);
            }
            Value::Sequence(items) if items.is_empty() => self.empty_collection("[", "]"),
            Value::Mapping(map) if map.is_empty() => self.empty_collection("{", "}"),
            Value::Sequence(items) => {
                // A sequence that is a mapping's value is not indented further.
                let indentless = context == Context::MappingValue && !self.indention;
                self.increase_indent(false, indentless);
                for item in items {
                    self.write_indent();
                    self.write_indicator("-", true, false, true);
                    self.node(item, Context::SequenceItem)?;
                }
                self.pop_indent();
            }
            Value::Mapping(map) => {
                self.increase_indent(false, false);
                for (key, value) in map {
                    self.write_indent();
                    if !is_simple_key(key) {
                        return Err(Error::new(format!(
                            "unsupported mapping key {key:?}: keys must be scalars on one line of at most 128 bytes"
                        )));
                    }
                    self.node(key, Context::MappingKey)?;
                    self.write_indicator(":", false, false, false);
                    self.node(value, Context::MappingValue)?;
                }
                self.pop_indent();
            }
            Value::Tagged(t) => {
                return Err(Error::new(format!(
                    "unsupported tagged value `{}`: enum variants with data have no plain YAML form",
                    t.tag
                )));
            }
        }
        Ok(())
    }
}

/// libyaml's check_simple_key for the scalars we allow as keys.
fn is_simple_key(key: &Value) -> bool {
    match key {
        Value::Null | Value::Bool(_) | Value::Number(_) => true,
        Value::String(s) => s.len() <= 128 && !s.chars().any(is_break),
        _ => false,
    }
}
