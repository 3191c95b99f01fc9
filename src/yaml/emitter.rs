//! Part of the YAML writer: the block layout. [`emit`] walks a `serde_yaml::Value` (in)
//! and writes the document text (out) as libyaml's emitter lays it out: where lines
//! break, how far each level is indented, where indicators (`-`, `:`) go. How one
//! scalar is quoted or folded is [`scalar`](super::scalar)'s concern.

use serde_yaml::Value;

use super::scalar::{Style, is_break};
use crate::error::{Error, Result};

/// Writes `tree` as one block-style document; strings equal to one of `always_quoted`
/// are single-quoted whatever they hold.
pub(super) fn emit(tree: &Value, always_quoted: &[&str]) -> Result<String> {
    let mut w = Writer {
        out: String::new(),
        column: 0,
        indent: -1,
        indents: Vec::new(),
        whitespace: true,
        indention: true,
        always_quoted,
    };
    w.node(tree, Context::Root)?;
    w.end_document();
    Ok(w.out)
}

/// Where a node sits, as libyaml's emitter tracks it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Context {
    Root,
    SequenceItem,
    MappingKey,
    MappingValue,
}

/// The subset of libyaml's emitter (as serde_yaml drives it: unlimited width, Unicode
/// output, indentation 2) that block-style documents of plain data use, state for state.
pub(super) struct Writer<'a> {
    out: String,
    /// Characters since the last line break.
    column: usize,
    indent: isize,
    indents: Vec<isize>,
    /// The last character written was whitespace (or nothing was written yet).
    pub(super) whitespace: bool,
    /// Only indentation has been written on this line.
    pub(super) indention: bool,
    pub(super) always_quoted: &'a [&'a str],
}

pub(super) const INDENT: isize = 2;

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

    pub(super) fn empty_collection(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.pop_indent();
        self.write_indicator(close, false, false, false);
    }

    /// serde_yaml ends the document but never the stream, so no `...` follows even a
    /// `|+` literal.
    pub(super) fn end_document(&mut self) {
        self.write_indent();
    }

    pub(super) fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { INDENT } else { 0 };
        } else if !indentless {
            self.indent += INDENT;
        }
    }

    pub(super) fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    pub(super) fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    pub(super) fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        self.write(indicator);
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    pub(super) fn write(&mut self, s: &str) {
        s.chars().for_each(|c| self.put(c));
    }

    pub(super) fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    pub(super) fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
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
