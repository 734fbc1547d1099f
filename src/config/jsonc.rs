//! devcontainer.json bytes → a `serde_json::Value` (JSONC: comments, trailing commas), refusing huge, non-UTF-8
//! or too deeply nested input before the recursive parser sees it.

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
        return Err(ConfigError::TooLarge { path: path.to_path_buf(), size: bytes.len() as u64, limit: MAX_FILE_BYTES });
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
pub fn parse(path: &Path, text: &str) -> Result<Value> {
    check_depth(path, text)?;
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
    let last = msg
        .lines()
        .rev()
        .find_map(|l| l.trim_start().strip_prefix("= "))
        .unwrap_or(msg.lines().next().unwrap_or(msg));
    let mut chars = last.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => "invalid json".into(),
    }
}

/// Walks the text once (skipping strings and comments) and fails at the first bracket deeper than [`MAX_DEPTH`].
fn check_depth(path: &Path, text: &str) -> Result<()> {
    let bytes = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'"' | b'\'' => {
                let quote = bytes[i];
                i += 1;
                while i < bytes.len() && bytes[i] != quote && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 1;
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    let (line, column) = line_col(text, i);
                    return Err(ConfigError::TooDeep { path: path.to_path_buf(), line, column, limit: MAX_DEPTH });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
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
    fn brackets_in_strings_and_comments_do_not_count() {
        let text = format!("{{\"a\": \"{}\" // {}\n}}", "[".repeat(500), "{".repeat(500));
        assert!(parse_str(&text).is_ok());
    }
}
