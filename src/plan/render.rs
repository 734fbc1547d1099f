//! templates/*.hbs + a JSON context → Dockerfile text (handlebars, strict mode, no HTML escaping).
//!
//! Values are quoted by helpers, never by hand in a template: `{{sh x}}` for a POSIX shell word,
//! `{{dq x}}` for the inside of a Dockerfile double-quoted string (`\`, `"` and `$` escaped), `{{env x}}` for an
//! `ENV` value (`\` and `"` escaped, `${VAR}` left to the builder as the spec's `containerEnv` expects).

use super::{PlanError, Result};
use crate::assets::TEMPLATES;
use handlebars::{Handlebars, handlebars_helper};
use serde::Serialize;
use std::sync::OnceLock;

/// The Dockerfile fragments, by template name (file name without `.hbs`).
pub const FRAGMENTS: [&str; 5] = ["base", "system", "ca", "feature", "user"];

/// POSIX shell single-quoted word.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Inside of a Dockerfile double-quoted word with no variable expansion.
pub fn dockerfile_quote(s: &str) -> String {
    s.replace('\\', r"\\").replace('"', "\\\"").replace('$', r"\$")
}

/// Inside of a Dockerfile double-quoted `ENV` value: `${VAR}` references stay live.
pub fn env_quote(s: &str) -> String {
    s.replace('\\', r"\\").replace('"', "\\\"")
}

handlebars_helper!(sh: |s: str| shell_quote(s));
handlebars_helper!(dq: |s: str| dockerfile_quote(s));
handlebars_helper!(env: |s: str| env_quote(s));

fn registry() -> &'static Handlebars<'static> {
    static REGISTRY: OnceLock<Handlebars<'static>> = OnceLock::new();
    REGISTRY.get_or_init(|| {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_escape_fn(handlebars::no_escape);
        hb.register_helper("sh", Box::new(sh));
        hb.register_helper("dq", Box::new(dq));
        hb.register_helper("env", Box::new(env));
        for name in FRAGMENTS {
            let path = format!("{name}.hbs");
            let text = TEMPLATES
                .get_file(&path)
                .and_then(|f| f.contents_utf8())
                .unwrap_or_else(|| panic!("templates/{path} is embedded"));
            hb.register_template_string(name, text).unwrap_or_else(|e| panic!("templates/{path} parses: {e}"));
        }
        hb
    })
}

/// Renders the fragment `name` with `data`.
pub fn render(name: &str, data: &impl Serialize) -> Result<String> {
    registry()
        .render(name, data)
        .map_err(|source| PlanError::Template { name: name.to_string(), message: source.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fragment_is_embedded_and_parses() {
        registry();
    }

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(dockerfile_quote(r#"a"b\c$d"#), r#"a\"b\\c\$d"#);
        assert_eq!(env_quote(r#"/x:${PATH} "q""#), r#"/x:${PATH} \"q\""#);
    }

    #[test]
    fn strict_mode_rejects_a_missing_variable() {
        let err = render("base", &serde_json::json!({})).unwrap_err();
        assert!(err.to_string().contains("base"), "{err}");
    }
}
