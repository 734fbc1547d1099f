//! JSONC bytes + the offset of a comment or string → where it ends, by JSON5's lexical rules.
//!
//! Shared by the scanners over devcontainer.json text: the depth guard and comment blanking
//! ([`super::jsonc`]), the pointer locator ([`super::locate`]) and the syntax-error recognizer
//! ([`super::syntax`]), so that all three agree with the parser on where comments and strings end.

/// At `//`: the offset of the line terminator that ends the comment (`\n`, `\r`, U+2028, U+2029), or the end
/// of the text.
pub fn line_comment_end(bytes: &[u8], from: usize) -> usize {
    (from..bytes.len())
        .find(|&i| match bytes[i] {
            b'\n' | b'\r' => true,
            0xE2 => bytes.get(i + 1) == Some(&0x80) && matches!(bytes.get(i + 2), Some(0xA8 | 0xA9)),
            _ => false,
        })
        .unwrap_or(bytes.len())
}

/// At `/*`: the offset just after its `*/`, or `None` when the comment is never closed.
pub fn block_comment_end(bytes: &[u8], from: usize) -> Option<usize> {
    let body = bytes.get(from + 2..)?;
    body.windows(2).position(|w| w == b"*/").map(|p| from + 2 + p + 2)
}

/// At a string's opening quote (`"` or `'`): the offset of the byte that ends it, which is its closing quote
/// when the string is closed, else the raw line break (`\n`, `\r`; JSON5 refuses one in a string) or the end
/// of the text. `\` escapes one byte, or a CR LF pair (a line continuation).
pub fn string_end(bytes: &[u8], from: usize) -> usize {
    let quote = bytes[from];
    let mut i = from + 1;
    while i < bytes.len() && bytes[i] != quote && bytes[i] != b'\n' && bytes[i] != b'\r' {
        i += match (bytes[i], bytes.get(i + 1), bytes.get(i + 2)) {
            (b'\\', Some(b'\r'), Some(b'\n')) => 3,
            (b'\\', _, _) => 2,
            _ => 1,
        };
    }
    i.min(bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_comments_end_at_every_json5_line_terminator() {
        for (text, end) in [("// a\nb", 4), ("// a\rb", 4), ("// a\u{2028}b", 4), ("// a\u{2029}b", 4), ("// a", 4)] {
            assert_eq!(line_comment_end(text.as_bytes(), 0), end, "{text:?}");
        }
        assert_eq!(line_comment_end("// a\u{2027}b".as_bytes(), 0), 8);
    }

    #[test]
    fn block_comments_end_after_their_close() {
        assert_eq!(block_comment_end(b"x /* a */ y", 2), Some(9));
        assert_eq!(block_comment_end(b"/**/", 0), Some(4));
        assert_eq!(block_comment_end(b"/*/", 0), None);
        assert_eq!(block_comment_end(b"/* a", 0), None);
    }

    #[test]
    fn strings_end_at_their_quote_or_a_line_break() {
        assert_eq!(string_end(br#""a\"b" x"#, 0), 5);
        assert_eq!(string_end(b"'a\"b' x", 0), 4);
        assert_eq!(string_end(b"'a\\\r\nb' x", 0), 6);
        assert_eq!(string_end(b"\"ab\ncd\"", 0), 3);
        assert_eq!(string_end(b"\"ab\rcd\"", 0), 3);
        assert_eq!(string_end(b"\"ab", 0), 3);
        assert_eq!(string_end(b"\"ab\\", 0), 4);
    }
}
