//! JSONC text + a JSON pointer (`/forwardPorts/0`) → where that value (and its key) starts in the text.
//!
//! Used only to report errors, so it favours simplicity over speed. The text has already parsed, so it is
//! well-formed; the depth is bounded by the parser's limit, so the recursion is too.

use super::lex::{block_comment_end, line_comment_end, string_end};

/// Byte offsets of a located value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// The member's key (same as `value` for array items and the root).
    pub key: usize,
    pub value: usize,
}

/// Finds the value at `pointer` (RFC 6901, `~0`/`~1` escapes). `None` if the pointer leads nowhere.
pub fn locate(text: &str, pointer: &str) -> Option<Span> {
    let segments: Vec<String> = if pointer.is_empty() {
        Vec::new()
    } else {
        pointer.strip_prefix('/')?.split('/').map(|s| s.replace("~1", "/").replace("~0", "~")).collect()
    };
    let mut s = Scanner { b: text.as_bytes(), i: 0 };
    s.skip_trivia();
    let mut span = Span { key: s.i, value: s.i };
    for segment in &segments {
        span = match s.b.get(s.i)? {
            b'{' => s.find_member(segment)?,
            b'[' => s.find_item(segment.parse().ok()?)?,
            _ => return None,
        };
    }
    Some(span)
}

struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Whitespace and comments.
    fn skip_trivia(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_ascii_whitespace() || c == b',' {
                self.i += 1;
            } else if self.b[self.i..].starts_with(b"//") {
                self.i = line_comment_end(self.b, self.i);
            } else if self.b[self.i..].starts_with(b"/*") {
                self.i = block_comment_end(self.b, self.i).unwrap_or(self.b.len());
            } else if c >= 0x80 && self.unicode_space() {
                continue;
            } else {
                return;
            }
        }
    }

    /// JSON5 also allows Unicode spaces (NBSP, BOM, line separators); skip one if here.
    fn unicode_space(&mut self) -> bool {
        let rest = std::str::from_utf8(&self.b[self.i..self.b.len().min(self.i + 4)])
            .or_else(|e| std::str::from_utf8(&self.b[self.i..self.i + e.valid_up_to()]))
            .unwrap_or("");
        match rest.chars().next() {
            Some(c) if c.is_whitespace() || c == '\u{feff}' => {
                self.i += c.len_utf8();
                true
            }
            _ => false,
        }
    }

    /// A quoted string or a JSON5 identifier key, decoded loosely (enough to compare keys).
    fn key(&mut self) -> String {
        let mut out = Vec::new();
        match self.peek() {
            Some(b'"' | b'\'') => {
                let end = string_end(self.b, self.i);
                let mut j = self.i + 1;
                while j < end {
                    let c = self.b[j];
                    j += 1;
                    if c != b'\\' {
                        out.push(c);
                        continue;
                    }
                    let e = self.b.get(j).copied().unwrap_or(b'\\');
                    j += 1;
                    match e {
                        b'n' => out.push(b'\n'),
                        b't' => out.push(b'\t'),
                        b'r' => out.push(b'\r'),
                        b'u' => {
                            let hex = std::str::from_utf8(&self.b[j.min(end)..(j + 4).min(end)]);
                            let ch = hex.ok().and_then(|h| u32::from_str_radix(h, 16).ok()).and_then(char::from_u32);
                            out.extend(ch.unwrap_or('\u{fffd}').to_string().bytes());
                            j += 4;
                        }
                        other => out.push(other),
                    }
                }
                self.i = (end + 1).min(self.b.len()); // past the closing quote
            }
            _ => {
                while let Some(c) = self.peek().filter(|&c| c != b':' && !c.is_ascii_whitespace() && c != b'/') {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    /// Skips one value of any kind.
    fn skip_value(&mut self) {
        match self.peek() {
            Some(b'{') | Some(b'[') => {
                let close = if self.peek() == Some(b'{') { b'}' } else { b']' };
                self.i += 1;
                loop {
                    self.skip_trivia();
                    match self.peek() {
                        None => return,
                        Some(c) if c == close => {
                            self.i += 1;
                            return;
                        }
                        _ => {}
                    }
                    if close == b'}' {
                        self.key();
                        self.skip_trivia();
                        self.i += 1; // ':'
                        self.skip_trivia();
                    }
                    self.skip_value();
                }
            }
            Some(b'"') | Some(b'\'') => {
                self.key();
            }
            _ => {
                while let Some(c) = self.peek() {
                    if matches!(c, b',' | b'}' | b']') || c.is_ascii_whitespace() || self.b[self.i..].starts_with(b"/")
                    {
                        return;
                    }
                    self.i += 1;
                }
            }
        }
    }

    /// At `{`: the member named `name` (the last one, as a duplicate key overrides).
    fn find_member(&mut self, name: &str) -> Option<Span> {
        self.i += 1;
        let mut found = None;
        loop {
            self.skip_trivia();
            if self.peek().is_none_or(|c| c == b'}') {
                break;
            }
            let key_at = self.i;
            let key = self.key();
            self.skip_trivia();
            self.i += 1; // ':'
            self.skip_trivia();
            let value_at = self.i;
            if key == name {
                found = Some(Span { key: key_at, value: value_at });
            }
            self.skip_value();
        }
        let span = found?;
        self.i = span.value;
        Some(span)
    }

    /// At `[`: the item with this index.
    fn find_item(&mut self, index: usize) -> Option<Span> {
        self.i += 1;
        for _ in 0..index {
            self.skip_trivia();
            if self.peek().is_none_or(|c| c == b']') {
                return None;
            }
            self.skip_value();
        }
        self.skip_trivia();
        if self.peek().is_none_or(|c| c == b']') {
            return None;
        }
        Some(Span { key: self.i, value: self.i })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "{\n  // \"forwardPorts\": [9]\n  \"a/b\": {\"x\": [1, {\"y\": 2}]},\n  forwardPorts: [\n    3000, /* c */ \"x\"\n  ],\n}";

    fn at(pointer: &str) -> Option<(usize, usize)> {
        locate(TEXT, pointer).map(|s| crate::config::jsonc::line_col(TEXT, s.value))
    }

    #[test]
    fn finds_nested_values_past_comments() {
        assert_eq!(at(""), Some((1, 1)));
        assert_eq!(at("/forwardPorts/0"), Some((5, 5)));
        assert_eq!(at("/forwardPorts/1"), Some((5, 19)));
        assert_eq!(at("/a~1b/x/1/y"), Some((3, 26)));
        assert_eq!(at("/forwardPorts/2"), None);
        assert_eq!(at("/nope"), None);
        let key = locate(TEXT, "/forwardPorts").unwrap().key;
        assert_eq!(crate::config::jsonc::line_col(TEXT, key), (4, 3));
    }

    #[test]
    fn comments_and_strings_end_where_the_parser_ends_them() {
        // A `//` comment ends at a lone CR (and U+2028), as JSON5 reads it; `\` + CR LF continues a string.
        let text = "{\r// c\r\"a\": [1, 2],\u{2028}// d\u{2028}\"k\": 'x\\\r\ny', \"m\": 3}";
        let parsed: serde_json::Value = serde_json5::from_str(text).unwrap();
        assert_eq!(parsed, serde_json::json!({"a": [1, 2], "k": "xy", "m": 3}));
        let at = |pointer: &str| locate(text, pointer).map(|s| &text[s.value..s.value + 1]);
        assert_eq!((at("/a/1"), at("/k"), at("/m")), (Some("2"), Some("'"), Some("3")));
    }
}
