//! `-a '{"opt": "value"}'` + the template's option declarations → every option's value as substituted text.

use super::metadata::OptionType;
use super::{Result, Template, TemplateError};
use indexmap::IndexMap;
use serde_json::{Map, Value};

/// Option id → value, in declaration order, every declared option present.
pub type OptionValues = IndexMap<String, String>;

/// Parses `-a` text: a JSON object (JSONC accepted).
pub fn parse_args(text: &str) -> Result<Map<String, Value>> {
    let value: Value = crate::config::jsonc::parse_json5(text).map_err(|message| TemplateError::BadArgs { message })?;
    match value {
        Value::Object(map) => Ok(map),
        other => Err(TemplateError::BadArgs { message: format!("found `{other}`") }),
    }
}

/// Checks every given value against its declaration (known, type, enum) and fills in the defaults.
/// A boolean takes `true`/`false`, as JSON or as the strings the reference CLI passes.
pub fn resolve(template: &Template, args: &Map<String, Value>) -> Result<OptionValues> {
    let declared = &template.metadata.options;
    let name = template.id().to_string();
    if let Some(unknown) = args.keys().find(|k| !declared.contains_key(*k)) {
        let known = if declared.is_empty() {
            "none".to_string()
        } else {
            declared.keys().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
        };
        return Err(TemplateError::UnknownOption { template: name, option: unknown.clone(), known });
    }
    let mut values = OptionValues::new();
    for (id, option) in declared {
        let wrong = |found: String| TemplateError::WrongType {
            template: name.clone(),
            option: id.clone(),
            expected: match option.kind {
                OptionType::String => "string",
                OptionType::Boolean => "boolean",
            },
            found,
            hint: match option.kind {
                OptionType::String => "quote the value, e.g. `\"18\"`",
                OptionType::Boolean => "write `true` or `false`",
            },
        };
        let value = match (args.get(id), option.kind) {
            (None, _) => option.default_value(),
            (Some(Value::String(s)), OptionType::String) => s.clone(),
            (Some(Value::Bool(b)), OptionType::Boolean) => b.to_string(),
            (Some(Value::String(s)), OptionType::Boolean) if s == "true" || s == "false" => s.clone(),
            (Some(Value::String(s)), OptionType::Boolean) => return Err(wrong(format!("the string `{s}`"))),
            (Some(other), _) => return Err(wrong(describe(other))),
        };
        if let Some(allowed) = &option.allowed
            && args.contains_key(id)
            && !allowed.contains(&value)
        {
            let allowed = allowed.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
            return Err(TemplateError::NotInEnum { template: name, option: id.clone(), value, allowed });
        }
        values.insert(id.clone(), value);
    }
    Ok(values)
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "`null`".into(),
        Value::Bool(b) => format!("the boolean `{b}`"),
        Value::Number(n) => format!("the number `{n}`"),
        Value::String(s) => format!("the string `{s}`"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::templates::{TemplateMetadata, TemplateRef};
    use serde_json::json;

    fn template() -> Template {
        let text = r#"{"id": "t", "options": {
            "flag": {"type": "boolean", "default": false},
            "flavour": {"type": "string", "enum": ["a", "b"], "default": "a"},
            "free": {"type": "string", "proposals": ["x"], "default": "x"}}}"#;
        Template {
            source: TemplateRef::Builtin("t".into()),
            metadata: TemplateMetadata::parse(text).unwrap(),
            files: vec![],
        }
    }

    fn args(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn defaults_fill_in_and_given_values_win() {
        let v = resolve(&template(), &args(json!({"flag": true, "free": "anything"}))).unwrap();
        let pairs: Vec<(&str, &str)> = v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert_eq!(pairs, [("flag", "true"), ("flavour", "a"), ("free", "anything")]);
        let v = resolve(&template(), &args(json!({"flag": "false", "flavour": "b"}))).unwrap();
        assert_eq!((v["flag"].as_str(), v["flavour"].as_str()), ("false", "b"));
    }

    #[test]
    fn refuses_unknown_options_enum_misses_and_wrong_types() {
        let cases = [
            (json!({"nope": "1"}), "has no option `nope`"),
            (json!({"flavour": "c"}), "must be one of `a`, `b`, not `c`"),
            (json!({"flag": "yes"}), "is a boolean, not the string `yes`"),
            (json!({"free": 18}), "is a string, not the number `18`"),
            (json!({"free": null}), "not `null`"),
        ];
        for (given, needle) in cases {
            let err = resolve(&template(), &args(given.clone())).unwrap_err().to_string();
            assert!(err.contains(needle), "{given}: {err}");
        }
    }

    #[test]
    fn args_must_be_an_object() {
        assert!(parse_args(r#"{"a": "b", /* c */}"#).is_ok());
        assert!(matches!(parse_args("[1]"), Err(TemplateError::BadArgs { .. })));
        assert!(matches!(parse_args("{"), Err(TemplateError::BadArgs { .. })));
    }
}
