//! `.dockerignore` text → an exclusion test with Docker's semantics (not gitignore's).
//!
//! Docker's rules (moby/patternmatcher): a line starting with `#` is a comment; each pattern is trimmed, cleaned
//! like Go's `filepath.Clean` (so `./a/`, `/a` and `a` are the same) and anchored at the context root; `*` and
//! `?` stay within one path segment, `**` spans any number of segments; a leading `!` makes an exception. A
//! pattern matches a path when it matches the path itself *or any of its parent directories*, and the last
//! pattern that matches decides — so `!a/keep` re-includes a file inside an excluded `a/`, and a later `a`
//! excludes it again. Each pattern is compiled on its own by the `ignore` crate's matcher, with a leading `/`
//! so that it is anchored.

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::path::Path;

/// One cleaned pattern.
#[derive(Debug, Clone)]
struct Pattern {
    /// The cleaned pattern, as Docker compares it (without the `!`).
    text: String,
    exception: bool,
    /// Set when the pattern has no wildcard: then it is compared as a string (much faster).
    literal: bool,
    matcher: Gitignore,
}

/// The parsed `.dockerignore` of a context.
#[derive(Debug, Clone, Default)]
pub struct DockerIgnore {
    patterns: Vec<Pattern>,
}

/// A pattern that does not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadPattern {
    pub line: usize,
    pub pattern: String,
    pub message: String,
}

/// Go's `filepath.Clean` on a slash-separated pattern, then without its leading `/`.
fn clean(pattern: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in pattern.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !pattern.starts_with('/') {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    if parts.is_empty() { ".".to_string() } else { parts.join("/") }
}

impl DockerIgnore {
    /// Parses the text of a `.dockerignore`.
    pub fn parse(text: &str) -> Result<DockerIgnore, BadPattern> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut patterns = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            if raw.starts_with('#') {
                continue;
            }
            let mut line = raw.trim();
            if line.is_empty() {
                continue;
            }
            let exception = line.starts_with('!');
            if exception {
                line = line[1..].trim();
                if line.is_empty() {
                    continue;
                }
            }
            let text = clean(line);
            let bad = |message: String| BadPattern { line: index + 1, pattern: raw.to_string(), message };
            let mut builder = GitignoreBuilder::new("");
            builder.allow_unclosed_class(false);
            builder.add_line(None, &format!("/{text}")).map_err(|e| bad(e.to_string()))?;
            let matcher = builder.build().map_err(|e| bad(e.to_string()))?;
            let literal = !text.contains(['*', '?', '[', '\\']);
            patterns.push(Pattern { text, exception, literal, matcher });
        }
        Ok(DockerIgnore { patterns })
    }

    /// Reads `<root>/.dockerignore`; no file means nothing is excluded.
    pub fn load(root: &Path) -> std::io::Result<Result<DockerIgnore, BadPattern>> {
        match std::fs::read(root.join(".dockerignore")) {
            Ok(bytes) => Ok(DockerIgnore::parse(&String::from_utf8_lossy(&bytes))),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Ok(DockerIgnore::default())),
            Err(err) => Err(err),
        }
    }

    /// Whether any pattern is an exception (then excluded folders must still be walked).
    pub fn has_exceptions(&self) -> bool {
        self.patterns.iter().any(|p| p.exception)
    }

    /// Whether pattern `index` matches exactly `path` (slash-separated, relative to the context root).
    fn matches_exactly(&self, index: usize, path: &str) -> bool {
        let pattern = &self.patterns[index];
        if pattern.literal {
            return pattern.text == path;
        }
        pattern.matcher.matched(path, false).is_ignore()
    }

    /// The match state of the root's direct children's parent: nothing matched yet.
    pub fn root_state(&self) -> MatchState {
        MatchState { hits: vec![false; self.patterns.len()] }
    }

    /// The state of `path`, given the state of its parent directory: which patterns match it or a parent.
    pub fn state_of(&self, parent: &MatchState, path: &str) -> MatchState {
        let hits = (0..self.patterns.len()).map(|i| parent.hits[i] || self.matches_exactly(i, path)).collect();
        MatchState { hits }
    }

    /// Whether a path in this state is excluded: the last matching pattern decides.
    pub fn excluded(&self, state: &MatchState) -> bool {
        state.hits.iter().rposition(|hit| *hit).is_some_and(|i| !self.patterns[i].exception)
    }

    /// Whether `path` (slash-separated, relative to the root) is excluded; walks its parents.
    pub fn is_excluded(&self, path: &str) -> bool {
        let mut state = self.root_state();
        let mut prefix = String::new();
        for part in path.split('/').filter(|p| !p.is_empty() && *p != ".") {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            state = self.state_of(&state, &prefix);
        }
        self.excluded(&state)
    }

    /// Whether an exception could re-include something below the excluded folder `dir`.
    pub fn may_reinclude_below(&self, dir: &str) -> bool {
        self.patterns.iter().any(|p| {
            p.exception
                && (p.text.contains('*')
                    || p.text.contains('?')
                    || p.text.contains('[')
                    || p.text.starts_with(&format!("{dir}/")))
        })
    }
}

/// Which patterns match a path or one of its parents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchState {
    hits: Vec<bool>,
}

#[cfg(test)]
mod tests {
    use super::{DockerIgnore, clean};

    fn check(ignore: &str, table: &[(&str, bool)]) {
        let parsed = DockerIgnore::parse(ignore).unwrap();
        for (path, excluded) in table {
            assert_eq!(parsed.is_excluded(path), *excluded, "`{path}` with .dockerignore {ignore:?}");
        }
    }

    #[test]
    fn patterns_are_cleaned_like_go_filepath_clean() {
        assert_eq!(clean("./a/b/"), "a/b");
        assert_eq!(clean("/a//b"), "a/b");
        assert_eq!(clean("a/../b"), "b");
        assert_eq!(clean("/.."), ".");
    }

    #[test]
    fn patterns_are_anchored_at_the_context_root() {
        check("foo\n", &[("foo", true), ("foo/x", true), ("a/foo", false), ("foo.txt", false)]);
        check("/foo\n", &[("foo/x", true), ("a/foo", false)]);
        check("a/b\n", &[("a/b", true), ("a/b/c", true), ("x/a/b", false)]);
        check("*.md\n", &[("README.md", true), ("docs/x.md", false)]);
    }

    #[test]
    fn single_star_stays_in_one_segment_and_double_star_spans_many() {
        check("*/temp*\n", &[("a/tempx", true), ("a/b/tempx", false), ("tempx", false)]);
        check("**/*.log\n", &[("x.log", true), ("a/b/c.log", true), ("a/b/c.txt", false)]);
        check("a/**/z\n", &[("a/z", true), ("a/b/c/z", true), ("b/z", false)]);
        check("a/**\n", &[("a/x", true), ("a/x/y", true), ("a", false)]);
        check("temp?\n", &[("temp1", true), ("temp12", false)]);
    }

    #[test]
    fn exceptions_reinclude_inside_excluded_folders_and_later_patterns_win() {
        check("a\n!a/keep\n", &[("a/drop", true), ("a/keep", false), ("a/keep/deep", false)]);
        check("!a/keep\na\n", &[("a/keep", true)]);
        check("*.md\n!README.md\n", &[("x.md", true), ("README.md", false)]);
        check("*.md\n!README*.md\nREADME-secret.md\n", &[("README-a.md", false), ("README-secret.md", true)]);
        check("a/b\n!a\n", &[("a/b/c", false)]);
        check("**\n!src/**\n", &[("src/main.rs", false), ("Cargo.toml", true), ("target/x", true)]);
    }

    #[test]
    fn comments_blank_lines_and_spaces_are_ignored() {
        check("# foo\n\n  bar  \n", &[("# foo", false), ("foo", false), ("bar", true), ("bar/x", true)]);
        check(" # not a comment\n", &[("# not a comment", true)]);
        check("!\n", &[("x", false)]);
    }

    #[test]
    fn character_classes_and_escapes() {
        check("file[0-9]\n", &[("file1", true), ("filea", false)]);
        check("file[^0-9]\n", &[("file1", false), ("filea", true)]);
        check("\\*star\n", &[("*star", true), ("xstar", false)]);
    }

    #[test]
    fn a_bad_pattern_names_its_line() {
        let err = DockerIgnore::parse("ok\nfile[\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert_eq!(err.pattern, "file[");
    }

    #[test]
    fn only_matching_exceptions_force_a_walk_below_an_excluded_folder() {
        let parsed = DockerIgnore::parse("a\nb\n!a/keep\n").unwrap();
        assert!(parsed.may_reinclude_below("a"));
        assert!(!parsed.may_reinclude_below("b"));
    }
}
