//! Part of the YAML writer: the character level, as libyaml's emitter keeps it: the
//! output, the column, the indentation stack, and how indicators and breaks are written.
//! [`emitter`](super::emitter) and [`scalar`](super::scalar) write through it.

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

impl<'a> Writer<'a> {
    pub(super) fn new(always_quoted: &'a [&'a str]) -> Self {
        Writer {
            out: String::new(),
            column: 0,
            indent: -1,
            indents: Vec::new(),
            whitespace: true,
            indention: true,
            always_quoted,
        }
    }

    /// The document written so far.
    pub(super) fn finish(self) -> String {
        self.out
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
