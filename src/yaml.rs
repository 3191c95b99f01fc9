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

/// Whether `s` may be written as a plain (unquoted) scalar: when this says yes, every
/// YAML 1.1 and YAML 1.2 reader takes the plain scalar for this very string.
///
/// Deliberately narrower than the grammar. Plain means: starts with an ASCII letter,
/// digit or `/`; only ASCII letters, digits and `._/:@=+-,` follow (a comma is text in
/// block context, and block context is all we write: `a=b,c=d` label lists); no
/// trailing `:`; not a YAML 1.1 bool or null word in any letter case (`y`, `n`, `yes`,
/// `no`, `on`, `off`, `true`, `false`, `null`), nor `inf`/`nan`/`infinity`; and,
/// starting with a digit, nothing a YAML 1.1, go-yaml v2 or YAML 1.2 reader could take
/// for a number or a date ([`number_like`]). The leading-character rule alone keeps
/// out `~`, `<<`, `=`, `.inf`, `-1`, `+1` and every indicator.
pub fn plain_is_safe(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&first) = b.first() else {
        return false;
    };
    (first.is_ascii_alphanumeric() || first == b'/')
        && b.iter()
            .all(|&c| c.is_ascii_alphanumeric() || b"._/:@=+-,".contains(&c))
        && !s.ends_with(':')
        && !RESERVED_WORDS.iter().any(|w| s.eq_ignore_ascii_case(w))
        && !(first.is_ascii_digit() && number_like(s))
}

/// Bools and null of YAML 1.1 (a superset of YAML 1.2's), and the words float parsers
/// take for infinity and not-a-number.
const RESERVED_WORDS: &[&str] = &[
    "y", "n", "yes", "no", "on", "off", "true", "false", "null", "inf", "infinity", "nan",
];

/// A superset of the numbers and timestamps YAML readers resolve, for text of the plain
/// whitelist that starts with a digit. YAML 1.1 ignores `_` in numbers (go-yaml v2
/// strips it before parsing), so this is tested with `_` removed:
/// - digits only: decimal, or octal with a leading `0` in YAML 1.1 (`0123`);
/// - `0x`, `0o`, `0b` (any case) and anything after: hex, octal, binary in YAML 1.1,
///   1.2 or Go's integer syntax;
/// - a decimal float with at most one `.` and an optional exponent (`1.5`, `1.`, `1e3`);
/// - base 60, `1:20` or `1:20:30.5` (YAML 1.1 sexagesimal);
/// - anything starting like a date, `2001-12-14` or `2001-1-2` (YAML 1.1 timestamps);
/// - anything with a comma (`1,000` was a number to YAML 1.0 readers).
///
/// Dotted quads (`10.0.0.1`), `host:port` and CIDRs (`10.96.0.0/12`) are none of these,
/// so addresses stay plain.
fn number_like(s: &str) -> bool {
    if s.contains(',') {
        return true;
    }
    let t: Vec<u8> = s.bytes().filter(|&c| c != b'_').collect();
    let digits = |from: usize| t[from..].iter().take_while(|c| c.is_ascii_digit()).count();
    // Base 60 and decimal floats share a leading run of digits.
    let lead = digits(0);
    if lead == t.len() {
        return true;
    }
    if t[0] == b'0' && matches!(t[1], b'x' | b'X' | b'o' | b'O' | b'b' | b'B') {
        return true;
    }
    if lead == 4 && date_like(&t) {
        return true;
    }
    float_like(&t, lead) || base60_like(&t, lead)
}

/// `d+ ('.' d*)? ([eE] [+-]? d+)?` after `lead` digits (at least one).
fn float_like(t: &[u8], lead: usize) -> bool {
    let mut i = lead;
    if lead == 0 {
        return false;
    }
    if t.get(i) == Some(&b'.') {
        i += 1;
        i += t[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    }
    if matches!(t.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(t.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp = t[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        if exp == 0 {
            return false;
        }
        i += exp;
    }
    i == t.len()
}

/// `d+ (':' d+)+ ('.' d*)?` after `lead` digits (at least one).
fn base60_like(t: &[u8], lead: usize) -> bool {
    let mut i = lead;
    let mut parts = 0;
    while t.get(i) == Some(&b':') {
        let n = t[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        i += 1 + n;
        parts += 1;
    }
    if parts == 0 {
        return false;
    }
    if t.get(i) == Some(&b'.') {
        i += 1;
        i += t[i..].iter().take_while(|c| c.is_ascii_digit()).count();
    }
    i == t.len()
}

/// Starts `dddd-d[d]-d[d]`: every YAML 1.1 timestamp form does.
fn date_like(t: &[u8]) -> bool {
    let run = |from: usize| {
        t.get(from..)
            .map_or(0, |r| r.iter().take_while(|c| c.is_ascii_digit()).count())
    };
    let month = run(5);
    t.get(4) == Some(&b'-')
        && (1..=2).contains(&month)
        && t.get(5 + month) == Some(&b'-')
        && (1..=2).contains(&run(6 + month))
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_yaml::Mapping;

    /// Strings some YAML 1.1 or 1.2 reader takes for something else than that string
    /// (bools, nulls, numbers, dates, merge keys) when they are written plain.
    #[rustfmt::skip]
    const TRAPS: &[&str] = &[
        "y", "Y", "n", "N", "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off",
        "Off", "OFF", "true", "True", "TRUE", "false", "False", "FALSE", "~", "null", "Null",
        "NULL", "", "1_000", "0x1f", "0X1F", "0o17", "0b101", "0123", "0", "123", "1e3", "1E3",
        "1.5", "1.", ".5", ".inf", "-.inf", "+.inf", ".Inf", ".NaN", ".nan", "inf", "nan",
        "2001-12-14", "2001-1-2", "2001-12-14t21:59:43.10-05:00", "1:20", "190:20:30", "1:20.5",
        "+1", "-1", "<<", "=", "1e999", "1,000",
    ];

    fn plain(s: &str) -> bool {
        to_string(s).unwrap() == format!("{s}\n")
    }

    #[test]
    fn traps_are_quoted_and_read_back() {
        for trap in TRAPS {
            assert!(!plain(trap), "{trap:?} was written plain");
            let text = to_string(&[trap]).unwrap();
            let back: Vec<String> = serde_yaml::from_str(&text).unwrap();
            assert_eq!(back, [*trap], "{text}");
        }
        assert_eq!(to_string("on").unwrap(), "'on'\n");
        assert_eq!(to_string("it's").unwrap(), "'it''s'\n");
    }

    #[test]
    fn addresses_and_names_stay_plain() {
        for s in [
            "10.0.0.10",
            "172.31.11.193:6443",
            "10.96.0.0/12",
            "https://10.0.0.10:6443",
            "unix:///var/run/crio/crio.sock",
            "v1.21.3",
            "24h0m0s",
            "0s",
            "sha256:10d5af16",
            "system:bootstrappers:kubeadm:default-node-token",
            "kubernetes-admin@prod-eu1",
            "kubeadm.k8s.io/v1beta4",
            "root:root",
            "node.kubernetes.io/role=gpu",
            "node.kubernetes.io/pool=general,topology.kubernetes.io/zone=eu-west-1a",
            "LS0tLS1CRUdJTi+/=",
            "cp-1",
            "3des",
            "1-2-3",
            "2001-123",
            "yess",
            "KUBEPRINT_NODE_NAME",
        ] {
            assert!(plain_is_safe(s), "{s}");
            assert!(plain(s), "{s} is plain for serde_yaml too");
        }
    }

    #[test]
    fn always_quoted_strings_are_single_quoted() {
        let text = to_string_quoting(&[("name", "NODE"), ("other", "NODES")], &["NODE"]).unwrap();
        assert_eq!(text, "- - name\n  - 'NODE'\n- - other\n  - NODES\n");
    }

    #[test]
    fn layout_matches_serde_yaml() {
        let doc: Value = serde_yaml::from_str(
            r#"
kind: Config
empty_map: {}
empty_list: []
nothing: null
flag: true
port: 6443
ratio: 0.5
list:
- a
- - nested
  - []
- key: value
  other:
  - x
  deeper:
    k: v
- {}
text: "line 1\nline 2\n"
strip: "no final break\nhere"
keep: "two breaks\n\n"
indented: "  starts with spaces\nthen not\n"
tabbed: "tab\there\n"
trailing: "trailing \nspace"
control: "bell\u0007"
quote: "kubeprint: a description"
"#,
        )
        .unwrap();
        assert_eq!(
            to_string(&doc).unwrap(),
            serde_yaml::to_string(&doc).unwrap()
        );
    }

    /// A random tree of random strings. `newly_quoted` strings (plain for serde_yaml,
    /// not for us) are replaced when `faithful`, so the output must equal serde_yaml's.
    fn random_value(rng: &mut fastrand::Rng, depth: u32, faithful: bool) -> Value {
        let leaf = depth == 0 || rng.u8(..3) == 0;
        if leaf {
            return match rng.u8(..8) {
                0 => Value::Null,
                1 => Value::Bool(rng.bool()),
                2 => Value::Number(rng.i64(-1000..1000).into()),
                3 => Value::Number((rng.f64() * 100.0).into()),
                _ => Value::String(random_string(rng, faithful, false)),
            };
        }
        let n = rng.usize(..4);
        if rng.bool() {
            Value::Sequence(
                (0..n)
                    .map(|_| random_value(rng, depth - 1, faithful))
                    .collect(),
            )
        } else {
            let mut map = Mapping::new();
            for _ in 0..n {
                let key = random_string(rng, faithful, true);
                map.insert(Value::String(key), random_value(rng, depth - 1, faithful));
            }
            Value::Mapping(map)
        }
    }

    /// Keys are kept to one line.
    fn random_string(rng: &mut fastrand::Rng, faithful: bool, key: bool) -> String {
        const PIECES: &[&str] = &[
            "a", "Z", "k8s", "0", "1", "9", "x", "e", ".", "-", "_", ":", "/", " ", "#", "'", "\"",
            "\\", "\n", "\t", "~", "!", "@", "%", "é", "名", "\u{85}", "\u{feff}", "\r", "+", "=",
            ",", "[", "{", "&", "*", "?", "|", ">", "`", "yes", "on", "null", "0x", "\u{7}", "😀",
            "\u{a0}",
        ];
        let s: String = if rng.u8(..4) == 0 {
            TRAPS[rng.usize(..TRAPS.len())].to_string()
        } else {
            (0..rng.usize(..7))
                .map(|_| PIECES[rng.usize(..PIECES.len())])
                .filter(|p| !(key && p.contains(is_break)))
                .collect()
        };
        let serde_plain = || serde_yaml::to_string(&s).unwrap() == format!("{s}\n");
        if faithful && !plain_is_safe(&s) && serde_plain() {
            return "x".to_string();
        }
        s
    }

    #[test]
    fn random_trees_match_serde_yaml_where_it_quotes_enough() {
        let mut rng = fastrand::Rng::with_seed(1123);
        for _ in 0..3000 {
            let tree = random_value(&mut rng, 4, true);
            assert_eq!(
                to_string(&tree).unwrap(),
                serde_yaml::to_string(&tree).unwrap(),
                "{tree:?}"
            );
        }
    }

    #[test]
    fn random_trees_read_back_under_yaml_1_2() {
        let mut rng = fastrand::Rng::with_seed(1211);
        for _ in 0..3000 {
            let tree = random_value(&mut rng, 4, false);
            let text = to_string(&tree).unwrap();
            let back: Value = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
            assert_eq!(back, tree, "{text}");
        }
    }

    #[test]
    fn plain_strings_are_plain_for_serde_yaml() {
        // Whatever the whitelist admits, serde_yaml writes plain too: so quoting only
        // ever changes in one direction, and snapshots change only where we add quotes.
        let alphabet = b"aZ09._/:@=+-,xXoObBeE";
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..20_000 {
            let s: String = (0..rng.usize(1..7))
                .map(|_| alphabet[rng.usize(..alphabet.len())] as char)
                .collect();
            if plain_is_safe(&s) {
                assert_eq!(serde_yaml::to_string(&s).unwrap(), format!("{s}\n"));
            }
        }
    }

    #[test]
    fn unsupported_shapes_are_errors() {
        let mut map = Mapping::new();
        map.insert(Value::Sequence(vec![Value::Null]), Value::Null);
        assert!(to_string(&map).is_err());
        let mut map = Mapping::new();
        map.insert(Value::String("a\nb".into()), Value::Null);
        assert!(to_string(&map).is_err());
    }
}
