//! The YAML writer for every document a node reads: kubeadm, kubelet and kube-proxy
//! configuration, kubeconfigs and cloud-init user-data.
//!
//! Those readers speak YAML 1.1: kubeadm and the kubelet decode through
//! sigs.k8s.io/yaml (go-yaml v2), cloud-init through PyYAML. serde_yaml writes YAML
//! 1.2 and quotes only what YAML 1.2 would misread, so a cluster named `on`, a node
//! named `1e3` or a taint value `Off` came out plain, and kubeadm read a bool or a
//! number where it wanted a string.
//!
//! [`to_string`] lays a value out exactly as serde_yaml 0.9 does (libyaml's block style:
//! the same indentation, `[]`/`{}` for empty collections, `|` literals for multi-line
//! text), so a document of ordinary values is byte for byte what serde_yaml gives. Only
//! the choice of quoting differs: a string is written plain only when a conservative
//! whitelist ([`plain_is_safe`]) proves every YAML 1.1 and YAML 1.2 reader takes it
//! for that same string. Every other string is single-quoted, or double-quoted with
//! escapes when it holds characters a single-quoted scalar cannot carry.

mod plain;
#[cfg(test)]
mod tests;

pub use plain::plain_is_safe;

use crate::error::{Error, Result};
use serde::Serialize;
use serde_yaml::Value;

/// Serializes `value` as one block-style YAML document, every string of it read back
/// unchanged under YAML 1.1 and YAML 1.2.
///
/// Mapping keys must be scalars that fit on one line (at most 128 bytes), and enum
/// variants with data (YAML tags) are refused: no document of ours needs either. The
/// value goes through `serde_yaml::to_value` first, so a `char` is written like a
/// one-character string and an `f32` as the `f64` it widens to.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String> {
    to_string_quoting(value, &[])
}

/// [`to_string`], also single-quoting every string equal to one of `always_quoted`: for
/// placeholders that are replaced in the written text later, by a value that must stay
/// a string whatever it is.
pub fn to_string_quoting<T: Serialize + ?Sized>(
    value: &T,
    always_quoted: &[&str],
) -> Result<String> {
    let tree = serde_yaml::to_value(value).map_err(|e| Error::new(e.to_string()))?;
    let mut w = Writer {
        out: String::new(),
        column: 0,
        indent: -1,
        indents: Vec::new(),
        whitespace: true,
        indention: true,
        always_quoted,
    };
    w.node(&tree, Context::Root)?;
    w.end_document();
    Ok(w.out)
}

/// Where a node sits, as libyaml's emitter tracks it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Root,
    SequenceItem,
    MappingKey,
    MappingValue,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

/// The subset of libyaml's emitter (as serde_yaml drives it: unlimited width, Unicode
/// output, indentation 2) that block-style documents of plain data use, state for state.
struct Writer<'a> {
    out: String,
    /// Characters since the last line break.
    column: usize,
    indent: isize,
    indents: Vec<isize>,
    /// The last character written was whitespace (or nothing was written yet).
    whitespace: bool,
    /// Only indentation has been written on this line.
    indention: bool,
    always_quoted: &'a [&'a str],
}

const INDENT: isize = 2;

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

    /// serde_yaml asks for a literal block for multi-line text and leaves the rest to
    /// libyaml; here plain additionally needs [`plain_is_safe`].
    fn style(&self, s: &str, context: Context) -> Style {
        let special = s.chars().any(|c| !printable(c));
        // U+0085, U+2028 and U+2029 are line breaks to YAML 1.1 and text to YAML 1.2:
        // only an escape reads the same under both.
        let odd_break = s.contains(['\u{85}', '\u{2028}', '\u{2029}']);
        if special || odd_break {
            return Style::DoubleQuoted;
        }
        if s.contains('\n') {
            // libyaml refuses a literal block that would lose trailing spaces.
            let block_allowed = !s.ends_with(' ') && !s.contains(" \n");
            return if block_allowed && context != Context::MappingKey {
                Style::Literal
            } else {
                Style::DoubleQuoted
            };
        }
        if plain_is_safe(s) && !self.always_quoted.contains(&s) {
            Style::Plain
        } else {
            Style::SingleQuoted
        }
    }

    fn scalar(&mut self, s: &str, style: Style) {
        self.increase_indent(true, false);
        match style {
            Style::Plain => {
                if !self.whitespace && !s.is_empty() {
                    self.put(' ');
                }
                self.write(s);
                self.whitespace = false;
                self.indention = false;
            }
            Style::SingleQuoted => {
                self.write_indicator("'", true, false, false);
                self.write(&s.replace('\'', "''"));
                self.write_indicator("'", false, false, false);
                self.whitespace = false;
                self.indention = false;
            }
            Style::DoubleQuoted => {
                self.write_indicator("\"", true, false, false);
                for c in s.chars() {
                    if printable(c) && !is_break(c) && c != '"' && c != '\\' {
                        self.put(c);
                    } else {
                        self.write(&escape(c));
                    }
                }
                self.write_indicator("\"", false, false, false);
                self.whitespace = false;
                self.indention = false;
            }
            Style::Literal => self.literal(s),
        }
        self.pop_indent();
    }

    fn literal(&mut self, s: &str) {
        self.write_indicator("|", true, false, false);
        // Indentation indicator: content starting with a space or a break would
        // otherwise set the indentation itself.
        if s.starts_with([' ', '\n']) {
            self.write_indicator(&INDENT.to_string(), false, false, false);
        }
        // Chomping: strip (`-`) without a final break, keep (`+`) with more than one.
        let chomp = if !s.ends_with('\n') {
            Some("-")
        } else if s == "\n" || s.ends_with("\n\n") {
            Some("+")
        } else {
            None
        };
        if let Some(chomp) = chomp {
            self.write_indicator(chomp, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for c in s.chars() {
            if c == '\n' {
                self.put_break();
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }

    fn empty_collection(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.increase_indent(true, false);
        self.pop_indent();
        self.write_indicator(close, false, false, false);
    }

    /// serde_yaml ends the document but never the stream, so no `...` follows even a
    /// `|+` literal.
    fn end_document(&mut self) {
        self.write_indent();
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { INDENT } else { 0 };
        } else if !indentless {
            self.indent += INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn write_indent(&mut self) {
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

    fn write_indicator(
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

    fn write(&mut self, s: &str) {
        s.chars().for_each(|c| self.put(c));
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
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

/// Characters libyaml writes as they are (with its Unicode output on).
fn printable(c: char) -> bool {
    matches!(c as u32,
        0x0A | 0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
        && c != '\u{FEFF}'
}

/// Line breaks as libyaml (and YAML 1.1) count them.
fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// libyaml's double-quoted escape for `c`.
fn escape(c: char) -> String {
    let short = match c {
        '\0' => '0',
        '\u{7}' => 'a',
        '\u{8}' => 'b',
        '\t' => 't',
        '\n' => 'n',
        '\u{B}' => 'v',
        '\u{C}' => 'f',
        '\r' => 'r',
        '\u{1B}' => 'e',
        '"' => '"',
        '\\' => '\\',
        '\u{85}' => 'N',
        '\u{A0}' => '_',
        '\u{2028}' => 'L',
        '\u{2029}' => 'P',
        _ => {
            let v = c as u32;
            return if v <= 0xFF {
                format!("\\x{v:02X}")
            } else if v <= 0xFFFF {
                format!("\\u{v:04X}")
            } else {
                format!("\\U{v:08X}")
            };
        }
    };
    format!("\\{short}")
}
