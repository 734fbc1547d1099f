//! devcontainer.json bytes → a `serde_json::Value` (JSONC: comments, trailing commas), refusing huge, non-UTF-8
//! or too deeply nested input before the recursive parser sees it.

use super::lex::{block_comment_end, line_comment_end, string_end};
use super::{ConfigError, Result};
use serde_json::Value;
use std::io::Read;
use std::path::Path;

/// Largest devcontainer.json we read. Real ones are a few KiB.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;
/// Deepest nesting of arrays and objects we parse (serde_json's own default limit).
pub const MAX_DEPTH: usize = 128;

/// Reads the file as UTF-8 text (a leading BOM dropped), refusing directories and oversized files by their size.
pub fn read(path: &Path) -> Result<String> {
    let io = |source| ConfigError::Io { path: path.to_path_buf(), source };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return Err(ConfigError::IsDirectory(path.to_path_buf()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(ConfigError::TooLarge { path: path.to_path_buf(), size: meta.len(), limit: MAX_FILE_BYTES });
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // `take` guards against files that grow, or special files that report no size.
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(ConfigError::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
            limit: MAX_FILE_BYTES,
        });
    }
    let text = String::from_utf8(bytes).map_err(|err| {
        let offset = err.utf8_error().valid_up_to();
        let (line, column) = line_col(&String::from_utf8_lossy(&err.as_bytes()[..offset]), offset);
        ConfigError::NotUtf8 { path: path.to_path_buf(), line, column }
    })?;
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// Parses JSONC text. Syntax errors carry line, column and a caret excerpt.
///
/// Fast path: comments and trailing commas are blanked out (offsets kept) and `serde_json` reads the rest.
/// Anything else JSON5 allows (single quotes, bare keys, hex numbers), and every error, goes to `serde_json5`.
pub fn parse(path: &Path, text: &str) -> Result<Value> {
    let plain = scan(path, text)?;
    if let Ok(value) = serde_json::from_str::<Value>(&plain) {
        return Ok(value);
    }
    serde_json5::from_str::<Value>(text).map_err(|err| {
        let serde_json5::Error::Message { msg, location } = err;
        // Prefer our own reading of the error; fall back to the parser's when ours sees none.
        let ((line, column), message) = match super::syntax::diagnose(text) {
            Some((offset, message)) => (line_col(text, offset), message),
            None => (location.map(|l| (l.line, l.column)).unwrap_or((0, 0)), syntax_message(&msg)),
        };
        ConfigError::Syntax { path: path.to_path_buf(), line, column, message, excerpt: excerpt(text, line, column) }
    })
}

/// pest's message is a drawing of its own; keep only its last `= ...` line, lower-cased at the start.
fn syntax_message(msg: &str) -> String {
    let last =
        msg.lines().rev().find_map(|l| l.trim_start().strip_prefix("= ")).unwrap_or(msg.lines().next().unwrap_or(msg));
    let mut chars = last.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => "invalid json".into(),
    }
}

/// Parses JSON5 text (devcontainer-feature.json, devcontainer-template.json, ...) into `T`, refusing nesting
/// deeper than [`MAX_DEPTH`] first: `serde_json5`'s parser is recursive and has no limit of its own.
pub fn parse_json5<T: serde::de::DeserializeOwned>(text: &str) -> std::result::Result<T, String> {
    if let Err(offset) = blank_comments(text) {
        let (line, column) = line_col(text, offset);
        return Err(format!("{line}:{column}: nesting deeper than {MAX_DEPTH} levels"));
    }
    serde_json5::from_str(text).map_err(|e| e.to_string())
}

fn scan(path: &Path, text: &str) -> Result<String> {
    blank_comments(text).map_err(|offset| {
        let (line, column) = line_col(text, offset);
        ConfigError::TooDeep { path: path.to_path_buf(), line, column, limit: MAX_DEPTH }
    })
}

/// Walks the text once, skipping strings and comments exactly as JSON5 reads them: fails (with the byte offset)
/// at the first bracket deeper than [`MAX_DEPTH`], so no recursive parser ever sees such input, and returns a
/// copy with comments and trailing commas blanked to spaces.
fn blank_comments(text: &str) -> std::result::Result<String, usize> {
    let bytes = text.as_bytes();
    let mut out = bytes.to_vec();
    let (mut depth, mut i) = (0usize, 0usize);
    let mut comma: Option<usize> = None;
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for b in &mut out[from..to.min(bytes.len())] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
    };
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let end = line_comment_end(bytes, i);
                blank(&mut out, i, end);
                i = end;
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = block_comment_end(bytes, i).unwrap_or(bytes.len());
                blank(&mut out, i, end);
                i = end;
                continue;
            }
            _ if c.is_ascii_whitespace() => {
                i += 1;
                continue;
            }
            _ => {}
        }
        if let Some(at) = comma.take()
            && (c == b'}' || c == b']')
        {
            out[at] = b' ';
        }
        match c {
            // To the byte that ends the string (its quote, or the line break that leaves it unclosed).
            b'"' | b'\'' => i = string_end(bytes, i),
            b',' => comma = Some(i),
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    // Only ASCII bytes were replaced, by ASCII spaces: still UTF-8.
    Ok(String::from_utf8(out).unwrap_or_default())
}

/// One-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The offending line with a caret under the column, as rustc draws it.
pub fn excerpt(text: &str, line: usize, column: usize) -> String {
    let Some(source) = line.checked_sub(1).and_then(|n| text.lines().nth(n)) else {
        return String::new();
    };
    let number = line.to_string();
    let pad = " ".repeat(number.len());
    let source: String = source.chars().map(|c| if c == '\t' { ' ' } else { c }).collect();
    let caret = " ".repeat(column.saturating_sub(1));
    format!("{pad} |\n{number} | {source}\n{pad} | {caret}^")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Value> {
        parse(Path::new("devcontainer.json"), text)
    }

    #[test]
    fn comments_and_trailing_commas() {
        let v = parse_str("{\n // c\n \"a\": \"http://x\", /* b */ \"b\": [1,2,],\n}").unwrap();
        assert_eq!(v, serde_json::json!({"a": "http://x", "b": [1, 2]}));
    }

    #[test]
    fn syntax_error_has_position_and_caret() {
        let err = parse_str("{\n  \"a\": ,\n}").unwrap_err();
        let ConfigError::Syntax { line, column, excerpt, .. } = err else { panic!("{err:?}") };
        assert_eq!((line, column), (2, 8));
        assert!(excerpt.ends_with("|        ^"), "{excerpt}");
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        let text = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(matches!(parse_str(&text), Err(ConfigError::TooDeep { .. })));
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse_str(&ok).is_ok());
    }

    #[test]
    fn json5_only_syntax_still_parses() {
        let v = parse_str("{unquoted: 'single', hex: 0x10, 'a': [1,],}").unwrap();
        assert_eq!(v, serde_json::json!({"unquoted": "single", "hex": 16, "a": [1]}));
    }

    #[test]
    fn blanking_keeps_offsets_and_string_contents() {
        let text = "{\"a\": \"x, ]\", // c, ]\n \"b\": [1, /* , */ ], }";
        let plain = scan(Path::new("d"), text).unwrap();
        assert_eq!(plain.len(), text.len());
        assert_eq!(plain, "{\"a\": \"x, ]\",        \n \"b\": [1          ]  }");
    }

    #[test]
    fn nesting_hidden_behind_json5_line_terminators_is_still_counted() {
        // Found by review, replayed by tests/it/robust_fuzz_corpus.rs: `//` comments end at `\r` and U+2028 too, and
        // `\` + CR LF continues a string; each used to hide 20000 brackets from the count, and serde_json5's
        // recursive parser overflowed the stack on them.
        let deep = "[".repeat(20_000) + &"]".repeat(20_000);
        for text in [
            format!("{{\"a\": // c\r{deep}}}"),
            format!("{{\"a\": // c\u{2028}{deep}}}"),
            format!("{{'a': {}'x\\\r\n{}'{deep}}}", "[".repeat(100), "]".repeat(100)),
        ] {
            assert!(matches!(parse_str(&text), Err(ConfigError::TooDeep { .. })), "{:?}", &text[..20]);
        }
        assert!(parse_json5::<Value>(&format!("{{\"a\": {deep}}}")).unwrap_err().contains("nesting deeper than 128"));
        assert_eq!(
            parse_json5::<Value>("{a: 'x\\\r\ny', // c\r b: 1}").unwrap(),
            serde_json::json!({"a": "xy", "b": 1})
        );
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let text = format!("{{\"a\": \"{}\" // {}\n}}", "[".repeat(500), "{".repeat(500));
        assert!(parse_str(&text).is_ok());
    }
}
