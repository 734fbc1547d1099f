//! `devcontainer-template.json` text → typed, checked template metadata (id, version, options, optionalPaths, ...).

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// File name of a template's metadata.
pub const METADATA_FILE: &str = "devcontainer-template.json";

/// `devcontainer-template.json`, as the Dev Container Templates spec defines it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TemplateMetadata {
    pub id: String,
    pub version: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    #[serde(rename = "documentationURL", skip_serializing_if = "Option::is_none")]
    pub documentation_url: Option<String>,
    #[serde(rename = "licenseURL", skip_serializing_if = "Option::is_none")]
    pub license_url: Option<String>,
    /// Option id → its declaration, in file order.
    #[serde(default)]
    pub options: IndexMap<String, TemplateOption>,
    /// Files (`a/b`) and folders (`dir/`) the user may leave out.
    #[serde(default)]
    pub optional_paths: Vec<String>,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub platforms: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
}

/// The two option types the spec knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptionType {
    String,
    Boolean,
}

/// One entry of `options`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TemplateOption {
    #[serde(rename = "type")]
    pub kind: OptionType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A string, or for booleans also `true`/`false` (the spec writes `"false"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// Suggested values; others are allowed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub proposals: Vec<String>,
    /// The only allowed values.
    #[serde(default, rename = "enum", skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
}

impl TemplateOption {
    /// The default as it is substituted: a string, `"true"`/`"false"` for booleans, `""` when none is given.
    pub fn default_value(&self) -> String {
        match (&self.default, self.kind) {
            (Some(Value::String(s)), _) => s.clone(),
            (Some(Value::Bool(b)), _) => b.to_string(),
            (_, OptionType::Boolean) => "false".into(),
            _ => String::new(),
        }
    }

    /// Values to offer: the enum, else the proposals, else `true`/`false` for booleans.
    pub fn choices(&self) -> Vec<String> {
        match (&self.allowed, self.kind) {
            (Some(allowed), _) => allowed.clone(),
            (None, OptionType::Boolean) => vec!["true".into(), "false".into()],
            (None, OptionType::String) => self.proposals.clone(),
        }
    }
}

/// An option id usable in `${templateOption:NAME}`: letters, digits, `_`.
pub fn valid_option_id(id: &str) -> bool {
    !id.is_empty() && id.chars().all(|c| c.is_alphanumeric() || c == '_')
}

impl TemplateMetadata {
    /// Parses and checks the metadata; `Err` is a message for [`super::TemplateError::InvalidMetadata`].
    pub fn parse(text: &str) -> Result<TemplateMetadata, String> {
        let metadata: TemplateMetadata = crate::config::jsonc::parse_json5(text)?;
        metadata.check()?;
        Ok(metadata)
    }

    fn check(&self) -> Result<(), String> {
        if self.id.trim().is_empty() {
            return Err("`id` is empty".into());
        }
        for (id, option) in &self.options {
            if !valid_option_id(id) {
                return Err(format!("option id `{id}` may hold only letters, digits and `_`"));
            }
            let default_ok = match (&option.default, option.kind) {
                (None, _)
                | (Some(Value::String(_)), OptionType::String)
                | (Some(Value::Bool(_)), OptionType::Boolean) => true,
                (Some(Value::String(s)), OptionType::Boolean) => s == "true" || s == "false",
                _ => false,
            };
            if !default_ok {
                return Err(format!("the default of option `{id}` does not have the option's type"));
            }
            if let Some(allowed) = &option.allowed {
                if option.kind == OptionType::Boolean {
                    return Err(format!("option `{id}` is a boolean and cannot have an `enum`"));
                }
                if option.default.is_some() && !allowed.contains(&option.default_value()) {
                    return Err(format!("the default of option `{id}` is not one of its `enum` values"));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_spec_example_with_string_boolean_default() {
        let text = r#"{ "id": "java", "version": "1.0.0", "name": "Java", "documentationURL": "https://e.com",
            "options": { "installMaven": { "type": "boolean", "default": "false" },
                         "variant": { "type": "string", "enum": ["17", "11"], "default": "17" } },
            "optionalPaths": [".github/"] }"#;
        let m = TemplateMetadata::parse(text).unwrap();
        assert_eq!(m.options["installMaven"].default_value(), "false");
        assert_eq!(m.options["installMaven"].choices(), ["true", "false"]);
        assert_eq!(m.options["variant"].choices(), ["17", "11"]);
        assert_eq!(m.documentation_url.as_deref(), Some("https://e.com"));
        assert_eq!(m.optional_paths, [".github/"]);
    }

    #[test]
    fn rejects_inconsistent_declarations() {
        for (text, needle) in [
            (r#"{"id": ""}"#, "`id` is empty"),
            (r#"{"id": "x", "options": {"a-b": {"type": "string"}}}"#, "`a-b`"),
            (r#"{"id": "x", "options": {"a": {"type": "boolean", "default": "yes"}}}"#, "type"),
            (r#"{"id": "x", "options": {"a": {"type": "string", "enum": ["1"], "default": "2"}}}"#, "enum"),
            (r#"{"id": "x", "options": {"a": {"type": "number"}}}"#, "number"),
        ] {
            let err = TemplateMetadata::parse(text).unwrap_err();
            assert!(err.contains(needle), "{text}: {err}");
        }
    }
}
