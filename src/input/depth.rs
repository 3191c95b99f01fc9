//! How deeply a YAML text nests, measured before any parser sees it. In: the text; out:
//! where it first goes past [`MAX_DEPTH`], if it does.
//!
//! The parsers behind the definition and the secrets file are slow or fragile on deep
//! nesting: 200 KB of `a: [[[[…` keeps serde_yaml's scanner busy for minutes (every open
//! flow collection is a pending key it re-examines at each token), and 100 000 `- ` on
//! one line overflow the stack of the span-keeping parser. No real cluster definition
//! or secrets file nests past a dozen levels, so anything past [`MAX_DEPTH`] is refused
//! in one linear pass.
//!
//! The count errs high, never low: flow brackets (`[`, `{`) are counted where YAML
//! would open a collection, quoted scalars are skipped as YAML reads them so a `]`
//! inside quotes closes nothing, block scalars (`|`, `>`) are skipped by their
//! indentation, and block nesting is the stack of indentation columns plus compact
//! `- `/`? ` entries.

use crate::diagnostics::Diagnostic;

/// The deepest nesting accepted, counting block levels and flow brackets together.
pub(crate) const MAX_DEPTH: usize = 64;

/// An error located where `text` first nests deeper than [`MAX_DEPTH`].
pub(crate) fn check(text: &str) -> Result<(), Diagnostic> {
    match too_deep(text) {
        None => Ok(()),
        Some(at) => Err(Diagnostic::error(
            "",
            format!("the YAML nests deeper than {MAX_DEPTH} levels"),
        )
        .help("no cluster definition or secrets file nests that deep; check that this is the right file")
        .at(Some(at))),
    }
}

/// The 1-based line and column where `text` first nests deeper than [`MAX_DEPTH`].
pub(crate) fn too_deep(text: &str) -> Option<(usize, usize)> {
    let mut scan = Scan::default();
    for (n, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some(column) = scan.line(line.as_bytes()) {
            return Some((n + 1, column + 1));
        }
    }
    None
}

#[derive(Default)]
struct Scan {
    /// Open flow collections.
    flow: usize,
    /// Indentation columns of the open block nodes.
    indents: Vec<usize>,
    /// The quote a flow-context quoted scalar spanning lines is waiting for.
    quote: Option<u8>,
    /// While inside a block scalar: the indentation of the line that started it.
    block_scalar: Option<usize>,
    /// Whether the next character begins a node (where a quote or bracket is syntax).
    start: bool,
}

impl Scan {
    fn depth(&self) -> usize {
        self.indents.len() + self.flow
    }

    /// Reads one line; the column where the nesting goes too deep, if it does.
    fn line(&mut self, line: &[u8]) -> Option<usize> {
        let indent = line.iter().take_while(|&&b| b == b' ').count();
        let blank = line[indent..].iter().all(|b| b.is_ascii_whitespace());
        if let Some(parent) = self.block_scalar {
            if blank || indent > parent {
                return None;
            }
            self.block_scalar = None;
        }
        if blank || line[indent] == b'#' && self.quote.is_none() {
            return None;
        }
        let mut i = indent;
        if self.quote.is_none() {
            i = self.block_entries(line, indent);
        }
        self.rest(line, i, indent)
    }

    /// Block structure at the start of a line: its indentation and compact `- `/`? `
    /// entries. Returns where the content starts (`rest` then checks the depth).
    fn block_entries(&mut self, line: &[u8], indent: usize) -> usize {
        while self.indents.last().is_some_and(|&top| top >= indent) {
            self.indents.pop();
        }
        self.indents.push(indent);
        if self.flow == 0 {
            self.start = true;
        }
        let mut i = indent;
        while matches!(line.get(i), Some(b'-' | b'?'))
            && matches!(line.get(i + 1), None | Some(b' ' | b'\t'))
        {
            i += 1;
            while matches!(line.get(i), Some(b' ' | b'\t')) {
                i += 1;
            }
            if i < line.len() {
                self.indents.push(i);
            }
            if self.flow == 0 {
                self.start = true;
            }
        }
        i
    }

    /// The rest of a line from `i`: quotes, brackets, comments, block scalar headers.
    fn rest(&mut self, line: &[u8], mut i: usize, indent: usize) -> Option<usize> {
        if self.depth() > MAX_DEPTH {
            return Some(i.min(line.len()));
        }
        while i < line.len() {
            let c = line[i];
            if let Some(q) = self.quote {
                i += self.in_quote(q, line, i);
                continue;
            }
            let after = line.get(i + 1).copied();
            let spaced = matches!(after, None | Some(b' ' | b'\t'));
            match c {
                b' ' | b'\t' => {}
                b'#' if i == 0 || matches!(line[i - 1], b' ' | b'\t') => break,
                b'[' | b'{' if self.start || self.flow > 0 => {
                    self.flow += 1;
                    self.start = true;
                    if self.depth() > MAX_DEPTH {
                        return Some(i);
                    }
                }
                b']' | b'}' if self.flow > 0 => {
                    self.flow -= 1;
                    self.start = false;
                }
                b',' if self.flow > 0 => self.start = true,
                b':' if spaced || self.flow > 0 && matches!(after, Some(b',' | b']' | b'}')) => {
                    self.start = true
                }
                b'"' | b'\'' if self.start => self.quote = Some(c),
                b'?' | b'-' if self.start && spaced => {}
                b'!' | b'&' | b'*' if self.start => {
                    while i + 1 < line.len() && !b" \t,[]{}".contains(&line[i + 1]) {
                        i += 1;
                    }
                    self.start = c != b'*';
                }
                b'|' | b'>' if self.start && self.flow == 0 => {
                    self.block_scalar = Some(indent);
                    break;
                }
                _ => self.start = false,
            }
            i += 1;
        }
        // A block-context quoted scalar that runs on is read as ending here: the next
        // line is then scanned as structure, which can only count higher.
        if self.flow == 0 {
            self.quote = None;
        }
        None
    }

    /// Inside a quoted scalar at `i`: how many bytes to step, closing it at its quote.
    fn in_quote(&mut self, q: u8, line: &[u8], i: usize) -> usize {
        match (q, line[i], line.get(i + 1)) {
            (b'"', b'\\', _) => 2,
            (b'\'', b'\'', Some(b'\'')) => 2,
            (q, c, next) if c == q => {
                self.quote = None;
                // `"key":value` in flow: the colon right after a quoted key is syntax.
                self.start = self.flow > 0 && next == Some(&b':');
                if self.start {
                    return 2;
                }
                1
            }
            _ => 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth_ok(text: &str) -> bool {
        too_deep(text).is_none()
    }

    #[test]
    fn ordinary_documents_pass() {
        assert!(depth_ok(crate::config::DEFAULT_CLUSTER));
        assert!(depth_ok(include_str!(
            "../../tests/fixtures/test-only-secrets.yaml"
        )));
        assert!(depth_ok("a:\n  b: [1, [2, {c: d}]]\n  e: 'it''s [ not'\n"));
        // The top level is one block level: 63 brackets make 64.
        assert!(depth_ok(&"[".repeat(MAX_DEPTH - 1)));
    }

    #[test]
    fn deep_flow_is_refused_where_it_goes_too_deep() {
        let text = format!("a: {}", "[".repeat(200_000));
        // `a` is block level 1, so the 64th bracket is the 65th level.
        assert_eq!(too_deep(&text), Some((1, 4 + MAX_DEPTH - 1)));
        assert!(too_deep(&"{".repeat(MAX_DEPTH + 1)).is_some());
        assert!(too_deep(&"[a, ".repeat(100)).is_some());
        let across_lines = "x: [\n".repeat(100);
        assert_eq!(too_deep(&across_lines), Some((64, 4)));
    }

    #[test]
    fn deep_block_nesting_is_refused() {
        assert!(too_deep(&"- ".repeat(100_000)).is_some());
        let stairs: String = (0..100)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        assert!(too_deep(&stairs).is_some());
    }

    #[test]
    fn brackets_in_quotes_comments_and_block_scalars_do_not_count() {
        let quoted = format!("a: '{}'\nb: \"{}\"\n", "[".repeat(100), "{".repeat(100));
        assert!(depth_ok(&quoted));
        assert!(depth_ok(&format!("a: b # {}\n", "[".repeat(100))));
        let script = format!("content: |\n  {}\n  'x\nnext: 1\n", "[".repeat(100));
        assert!(depth_ok(&script));
        // Brackets inside a plain scalar are text.
        assert!(depth_ok(&format!("a: x{}\n", "[".repeat(100))));
    }

    #[test]
    fn closing_brackets_hidden_in_quotes_do_not_lower_the_count() {
        // Each `']]]]'` is a quoted scalar: the brackets in it close nothing.
        let text = "[[[[ ']]]]', ".repeat(20);
        assert!(too_deep(&text).is_some());
        let text = "[[[[ \"]]]]\", ".repeat(20);
        assert!(too_deep(&text).is_some());
        // A quote inside a plain scalar starts nothing: the brackets after it count.
        let text = "[[[[ x ', ".repeat(20);
        assert!(too_deep(&text).is_some());
        // Block scalars hide nothing from a line that is not indented under them.
        let text = format!("a: |\n  x\n{}", "- ".repeat(100));
        assert!(too_deep(&text).is_some());
    }
}
