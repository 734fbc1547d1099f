//! Substituted config value + its source text → schema errors with property path, expectation and line:column,
//! and warnings for unknown top-level properties. The schema is containai's own (`schemas/`), compiled once.

use super::jsonc::{excerpt, line_col};
use super::locate::locate;
use super::{ConfigError, Result};
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::LazyLock;

/// File name of the schema in `schemas/`.
pub const SCHEMA_FILE: &str = "devcontainer.schema.json";

struct Compiled {
    validator: Validator,
    top_level: BTreeSet<String>,
}

static SCHEMA: LazyLock<std::result::Result<Compiled, String>> = LazyLock::new(compile);

/// The embedded schema as JSON.
pub fn schema() -> std::result::Result<Value, String> {
    let file = crate::assets::SCHEMAS
        .get_file(SCHEMA_FILE)
        .ok_or_else(|| format!("`schemas/{SCHEMA_FILE}` is not embedded"))?;
    serde_json::from_slice(file.contents()).map_err(|e| format!("`schemas/{SCHEMA_FILE}`: {e}"))
}

/// Compiles the schema (draft 7: its meta-schema is the cheapest to check at start-up).
pub fn compile_schema(schema: &Value) -> std::result::Result<Validator, String> {
    jsonschema::draft7::new(schema).map_err(|e| format!("`schemas/{SCHEMA_FILE}`: {e}"))
}

fn compile() -> std::result::Result<Compiled, String> {
    let schema = schema()?;
    let top_level = schema["properties"].as_object().map(|p| p.keys().cloned().collect()).unwrap_or_default();
    Ok(Compiled { validator: compile_schema(&schema)?, top_level })
}

/// Validates `value` (parsed from `text` at `path`). Returns the warnings; the first schema error is fatal.
pub fn validate(path: &Path, text: &str, value: &Value) -> Result<Vec<String>> {
    let compiled = SCHEMA.as_ref().map_err(|message| ConfigError::Schema(message.clone()))?;
    let mut errors = compiled.validator.iter_errors(value);
    if let Some(first) = errors.next() {
        let more = errors.count();
        return Err(invalid(path, text, &first, more));
    }
    let mut warnings = Vec::new();
    if let Some(map) = value.as_object() {
        for key in map.keys().filter(|k| !compiled.top_level.contains(*k)) {
            let at = locate(text, &pointer_for(key)).map(|s| line_col(text, s.key));
            let place = at.map(|(l, c)| format!("{}:{l}:{c}", path.display())).unwrap_or(path.display().to_string());
            warnings.push(match key.as_str() {
                "extensions" | "settings" | "devPort" => {
                    format!("{place}: `{key}` is deprecated and read as `customizations.vscode.{key}`")
                }
                _ => format!("{place}: unknown property `{key}` is ignored"),
            });
        }
    }
    Ok(warnings)
}

fn pointer_for(key: &str) -> String {
    format!("/{}", key.replace('~', "~0").replace('/', "~1"))
}

fn invalid(path: &Path, text: &str, error: &ValidationError<'_>, more: usize) -> ConfigError {
    let pointer = error.instance_path().to_string();
    let span = locate(text, &pointer);
    let (line, column) = span.map(|s| line_col(text, s.value)).unwrap_or((0, 0));
    ConfigError::Invalid {
        path: path.to_path_buf(),
        pointer: if pointer.is_empty() { "/".into() } else { pointer },
        line,
        column,
        message: describe(error),
        excerpt: if line > 0 { excerpt(text, line, column) } else { String::new() },
        more,
    }
}

/// What was expected, in words.
fn describe(error: &ValidationError<'_>) -> String {
    let found = kind_of(error.instance());
    match error.kind() {
        ValidationErrorKind::Type { kind } => {
            let expected: Vec<String> = match kind {
                TypeKind::Single(t) => vec![t.to_string()],
                TypeKind::Multiple(set) => set.iter().map(|t| t.to_string()).collect(),
            };
            format!("expected {}, found {found}", one_of(&expected))
        }
        ValidationErrorKind::Enum { options } => {
            let options: Vec<String> = match options.as_ref() {
                Value::Array(items) => {
                    items.iter().map(|o| format!("`{}`", o.as_str().map_or(o.to_string(), str::to_string))).collect()
                }
                other => vec![other.to_string()],
            };
            format!("expected one of {}, found `{}`", options.join(", "), short(error.instance()))
        }
        ValidationErrorKind::Required { property } => {
            format!("missing required property `{}`", property.as_str().unwrap_or_default())
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            let names: Vec<String> = unexpected.iter().map(|n| format!("`{n}`")).collect();
            format!("unknown propert{} {}", if names.len() == 1 { "y" } else { "ies" }, names.join(", "))
        }
        ValidationErrorKind::Minimum { limit } => {
            format!("expected a number ≥ {limit}, found {}", short(error.instance()))
        }
        ValidationErrorKind::Maximum { limit } => {
            format!("expected a number ≤ {limit}, found {}", short(error.instance()))
        }
        ValidationErrorKind::Pattern { pattern } => {
            format!("`{}` does not match the pattern `{pattern}`", short(error.instance()))
        }
        _ => error.to_string(),
    }
}

fn one_of(items: &[String]) -> String {
    let with_article: Vec<String> = items
        .iter()
        .map(|t| if t.starts_with(['a', 'e', 'i', 'o', 'u']) { format!("an {t}") } else { format!("a {t}") })
        .collect();
    match with_article.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => "nothing".into(),
    }
}

fn kind_of(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("`{b}`"),
        Value::Number(n) => format!("the number `{n}`"),
        Value::String(s) => format!("the string `{}`", short(&Value::String(s.clone()))),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

/// A value shortened for a one-line message.
fn short(v: &Value) -> String {
    let s = v.as_str().map_or_else(|| v.to_string(), str::to_string);
    if s.chars().count() > 40 { format!("{}…", s.chars().take(40).collect::<String>()) } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<Vec<String>> {
        let value = crate::config::jsonc::parse(Path::new("d.json"), text).unwrap();
        validate(Path::new("d.json"), text, &value)
    }

    #[test]
    fn the_embedded_schema_compiles() {
        assert!(SCHEMA.is_ok(), "{:?}", SCHEMA.as_ref().err());
    }

    #[test]
    fn wrong_type_names_path_expectation_and_position() {
        let err = check("{\n  \"image\": \"x\",\n  \"forwardPorts\": [true]\n}").unwrap_err();
        let ConfigError::Invalid { pointer, line, column, message, .. } = err else { panic!("{err:?}") };
        assert_eq!(pointer, "/forwardPorts/0");
        assert_eq!((line, column), (3, 20));
        assert_eq!(message, "expected an integer or a string, found `true`");
    }

    #[test]
    fn unknown_top_level_property_is_a_warning() {
        let warnings = check("{\"image\": \"x\",\n \"imagee\": 1}").unwrap();
        assert_eq!(warnings, vec!["d.json:2:2: unknown property `imagee` is ignored".to_string()]);
    }
}
