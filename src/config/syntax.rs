//! JSONC text the parser refused → the first syntax error as a reader would name it (offset + message).
//!
//! The JSON5 parser's own report points where its grammar gave up, often one token early with an odd
//! expectation. This recognizer walks the text like a JSONC reader and says what was expected where.
//! Only used on the error path; depth is already bounded by the caller.

use super::lex::{block_comment_end, line_comment_end, string_end};

/// Byte offset and message of the first error, or `None` if this recognizer sees none.
pub fn diagnose(text: &str) -> Option<(usize, String)> {
    let mut r = Recognizer { b: text.as_bytes(), i: 0 };
    r.trivia();
    if r.i == r.b.len() {
        return Some((r.i, "expected a JSON object, found the end of the file".into()));
    }
    if let Err(e) = r.value() {
        return Some(e);
    }
    r.trivia();
    if r.i < r.b.len() {
        return Some((r.i, format!("expected the end of the file after the value, found {}", r.found())));
    }
    None
}

type Step = Result<(), (usize, String)>;

struct Recognizer<'a> {
    b: &'a [u8],
    i: usize,
}

impl Recognizer<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn trivia(&mut self) {
        loop {
            match self.peek() {
                Some(c) if c.is_ascii_whitespace() => self.i += 1,
                Some(b'/') if self.b.get(self.i + 1) == Some(&b'/') => self.i = line_comment_end(self.b, self.i),
                Some(b'/') if self.b.get(self.i + 1) == Some(&b'*') => match block_comment_end(self.b, self.i) {
                    Some(end) => self.i = end,
                    None => return, // reported by the caller as a comment never closed
                },
                Some(0xC2) if self.b.get(self.i + 1) == Some(&0xA0) => self.i += 2,
                // U+2028 and U+2029, the line terminators that also end a `//` comment.
                Some(0xE2) if matches!(self.b.get(self.i + 1..self.i + 3), Some([0x80, 0xA8 | 0xA9])) => self.i += 3,
                Some(0xEF) if self.b[self.i..].starts_with("\u{feff}".as_bytes()) => self.i += 3,
                _ => return,
            }
        }
    }

    /// A short description of what is at the cursor.
    fn found(&self) -> String {
        let rest = String::from_utf8_lossy(&self.b[self.i..]);
        if self.b[self.i..].starts_with(b"/*") {
            return "a comment that is never closed (`/*` without `*/`)".into();
        }
        match rest.chars().next() {
            None => "the end of the file".into(),
            Some('"') | Some('\'') => {
                let token: String = rest.chars().take(30).take_while(|&c| c != '\n').collect();
                format!("`{token}`")
            }
            Some(c) if c.is_alphanumeric() || c == '-' => {
                format!(
                    "`{}`",
                    rest.chars()
                        .take_while(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
                        .collect::<String>()
                )
            }
            Some(c) => format!("`{c}`"),
        }
    }

    fn fail(&self, expected: &str) -> Step {
        Err((self.i, format!("expected {expected}, found {}", self.found())))
    }

    fn value(&mut self) -> Step {
        match self.peek() {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') | Some(b'\'') => self.string(),
            Some(c) if c == b'-' || c == b'+' || c == b'.' || c.is_ascii_alphanumeric() => self.word(),
            _ => self.fail("a value"),
        }
    }

    /// Numbers and literals: a run of word characters that must be one the parser knows.
    fn word(&mut self) -> Step {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'+' | b'.' | b'_')) {
            self.i += 1;
        }
        let word = std::str::from_utf8(&self.b[start..self.i]).unwrap_or("");
        let known = matches!(word, "true" | "false" | "null" | "Infinity" | "-Infinity" | "NaN")
            || word.parse::<f64>().is_ok()
            || word.strip_prefix("0x").or(word.strip_prefix("0X")).is_some_and(|h| u64::from_str_radix(h, 16).is_ok());
        if known {
            return Ok(());
        }
        self.i = start;
        let hint = if word.chars().all(|c| c.is_alphanumeric() || c == '_') { " (strings need quotes)" } else { "" };
        Err((start, format!("expected a value, found `{word}`{hint}")))
    }

    fn string(&mut self) -> Step {
        let end = string_end(self.b, self.i);
        if self.b.get(end) != Some(&self.b[self.i]) {
            return Err((self.i, "this string is not closed before the end of the line".into()));
        }
        self.i = end + 1;
        Ok(())
    }

    fn object(&mut self) -> Step {
        let open = self.i;
        self.i += 1;
        loop {
            self.trivia();
            match self.peek() {
                Some(b'}') => {
                    self.i += 1;
                    return Ok(());
                }
                None => return Err((open, "this `{` is never closed".into())),
                Some(b'"') | Some(b'\'') => self.string()?,
                Some(c) if c.is_ascii_alphabetic() || c == b'_' || c == b'$' => {
                    while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'$') {
                        self.i += 1;
                    }
                }
                _ => return self.fail("a property name in double quotes or `}`"),
            }
            self.trivia();
            if self.peek() != Some(b':') {
                return self.fail("`:` after the property name");
            }
            self.i += 1;
            self.trivia();
            if self.peek().is_none() {
                return Err((open, "this `{` is never closed".into()));
            }
            self.value()?;
            self.trivia();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {}
                None => return Err((open, "this `{` is never closed".into())),
                _ => return self.fail("`,` or `}` after the property value (is a comma missing?)"),
            }
        }
    }

    fn array(&mut self) -> Step {
        let open = self.i;
        self.i += 1;
        loop {
            self.trivia();
            match self.peek() {
                Some(b']') => {
                    self.i += 1;
                    return Ok(());
                }
                None => return Err((open, "this `[` is never closed".into())),
                _ => self.value()?,
            }
            self.trivia();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {}
                None => return Err((open, "this `[` is never closed".into())),
                _ => return self.fail("`,` or `]` after the item (is a comma missing?)"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Option<(usize, usize, String)> {
        diagnose(text).map(|(o, m)| {
            let (l, c) = crate::config::jsonc::line_col(text, o);
            (l, c, m)
        })
    }

    #[test]
    fn names_what_was_expected_where() {
        let (l, c, m) = at("{\n  \"a\": \"x\"\n  \"b\": 1\n}").unwrap();
        assert_eq!((l, c), (3, 3));
        assert_eq!(m, "expected `,` or `}` after the property value (is a comma missing?), found `\"b\": 1`");
        assert_eq!(
            at("{\n \"a\": [1, 2\n}").unwrap().2,
            "expected `,` or `]` after the item (is a comma missing?), found `}`"
        );
        assert_eq!(at("{\"a\": {\"b\": 1}").unwrap(), (1, 1, "this `{` is never closed".into()));
        assert_eq!(at("{\"a\": ,}").unwrap().2, "expected a value, found `,`");
        assert_eq!(at("{\"a\": yes}").unwrap().2, "expected a value, found `yes` (strings need quotes)");
        assert_eq!(at("").unwrap().2, "expected a JSON object, found the end of the file");
        assert_eq!(
            at("{\"a\": \"x}\n").unwrap(),
            (1, 7, "this string is not closed before the end of the line".into())
        );
    }

    #[test]
    fn accepts_what_jsonc_allows() {
        assert_eq!(at("// c\n{ /* c */ \"a\": [1, -2.5e3, true, null, 'x',], b: 0x1F, }"), None);
    }

    #[test]
    fn comments_and_strings_end_where_the_parser_ends_them() {
        // A `//` comment ends at a lone CR and at U+2028; `\` + CR LF continues a string: the error is the
        // missing comma after each of them.
        let expected = "expected `,` or `}` after the property value (is a comma missing?), found `\"b\": 2}`";
        for text in ["{\"a\": 1 // c\r \"b\": 2}", "{\"a\": 1 // c\u{2028} \"b\": 2}", "{\"a\": 'x\\\r\ny' \"b\": 2}"] {
            assert_eq!(at(text).map(|(_, _, m)| m), Some(expected.to_string()), "{text:?}");
        }
    }
}
