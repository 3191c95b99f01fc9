//! Part of the YAML writer: when a string may be written plain. Conservative on purpose:
//! a plain scalar must read back as the same string under YAML 1.1 (go-yaml v2, PyYAML)
//! and YAML 1.2 (serde_yaml); anything in doubt is quoted.

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
pub(super) fn plain_is_safe(s: &str) -> bool {
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
