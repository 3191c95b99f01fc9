//! Part of the YAML writer: one string scalar. Given the string and where it sits, it
//! picks the style (plain only when [`plain_is_safe`] allows it, else single-quoted,
//! double-quoted with escapes, or a `|` literal block) and writes it out as libyaml
//! would, through the [`Writer`]'s indicators and indentation.

use super::plain::plain_is_safe;
use super::writer::{Context, INDENT, Writer};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

impl Writer<'_> {
    /// serde_yaml asks for a literal block for multi-line text and leaves the rest to
    /// libyaml; here plain additionally needs [`plain_is_safe`].
    pub(super) fn style(&self, s: &str, context: Context) -> Style {
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

    pub(super) fn scalar(&mut self, s: &str, style: Style) {
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
}

/// Characters libyaml writes as they are (with its Unicode output on).
pub(super) fn printable(c: char) -> bool {
    matches!(c as u32,
        0x0A | 0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
        && c != '\u{FEFF}'
}

/// Line breaks as libyaml (and YAML 1.1) count them.
pub(super) fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

/// libyaml's double-quoted escape for `c`.
pub(super) fn escape(c: char) -> String {
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
