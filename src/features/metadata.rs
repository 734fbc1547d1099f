//! devcontainer-feature.json text → typed [`FeatureMetadata`] (every property of the spec), checked for
//! consistency (option defaults of the declared type, defaults inside their `enum`).

use crate::config::model::LifecycleCommand;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The file name that marks a folder as a Dev Container Feature.
pub const METADATA_FILE: &str = "devcontainer-feature.json";
/// The entrypoint every feature must have.
pub const INSTALL_SCRIPT: &str = "install.sh";

/// A parsed devcontainer-feature.json.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeatureMetadata {
    pub id: String,
    /// Optional for local features, as for the reference CLI; publishing needs a semantic version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(rename = "documentationURL", default, skip_serializing_if = "Option::is_none")]
    pub documentation_url: Option<String>,
    #[serde(rename = "licenseURL", default, skip_serializing_if = "Option::is_none")]
    pub license_url: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keywords: Vec<String>,
    /// Option id → its declaration, in file order.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub options: IndexMap<String, FeatureOption>,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub container_env: IndexMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileged: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cap_add: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_opt: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mounts: Vec<FeatureMount>,
    /// Hard dependencies: reference → options (same forms as devcontainer.json's `features`), in file order.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub depends_on: IndexMap<String, Value>,
    /// Soft dependencies: references (no version, no options).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub installs_after: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub legacy_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<bool>,
    /// Tool-specific settings, kept as JSON.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub customizations: IndexMap<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_create_command: Option<LifecycleCommand>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub update_content_command: Option<LifecycleCommand>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_create_command: Option<LifecycleCommand>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_start_command: Option<LifecycleCommand>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_attach_command: Option<LifecycleCommand>,
}

/// The type of an option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptionType {
    Boolean,
    String,
}

impl OptionType {
    pub fn as_str(self) -> &'static str {
        match self {
            OptionType::Boolean => "boolean",
            OptionType::String => "string",
        }
    }
}

/// One declared option.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureOption {
    #[serde(rename = "type")]
    pub kind: OptionType,
    /// Value used when the user gives none (a bool for `boolean`, a string for `string`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// Strict list of allowed values (string options).
    #[serde(rename = "enum", default, skip_serializing_if = "Option::is_none")]
    pub allowed: Option<Vec<String>>,
    /// Suggested values; anything else is allowed too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposals: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A mount a feature asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureMount {
    #[serde(rename = "type")]
    pub kind: MountType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub target: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MountType {
    Bind,
    Volume,
}

impl FeatureMetadata {
    /// Parses devcontainer-feature.json (JSON with comments, as the reference CLI reads it) and checks it.
    pub fn parse(text: &str) -> Result<(FeatureMetadata, Value), String> {
        let value: Value = crate::config::jsonc::parse_json5(text)?;
        let model: FeatureMetadata = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
        model.check()?;
        Ok((model, value))
    }

    /// The consistency rules the schema cannot express.
    pub fn check(&self) -> Result<(), String> {
        if self.id.trim().is_empty() {
            return Err("`id` is empty".into());
        }
        for (name, option) in &self.options {
            let Some(default) = &option.default else {
                continue;
            };
            let ok = match option.kind {
                OptionType::Boolean => default.is_boolean(),
                OptionType::String => default.is_string(),
            };
            if !ok {
                return Err(format!(
                    "option `{name}` is of type `{}` but its default is `{default}`",
                    option.kind.as_str()
                ));
            }
            if let (Some(allowed), Some(text)) = (&option.allowed, default.as_str())
                && !allowed.iter().any(|a| a == text)
            {
                return Err(format!(
                    "option `{name}` has default `{text}`, which is not in its `enum` ({})",
                    allowed.join(", ")
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_field() {
        let text = r#"{
            // comments are allowed, as in the reference CLI
            "id": "x", "version": "1.2.3", "name": "X", "description": "d",
            "documentationURL": "https://d", "licenseURL": "https://l", "keywords": ["a"],
            "options": {
                "flag": {"type": "boolean", "default": true, "description": "f"},
                "mode": {"type": "string", "enum": ["a", "b"], "default": "a"},
                "version": {"type": "string", "proposals": ["latest"], "default": "latest"}
            },
            "containerEnv": {"A": "1"}, "privileged": true, "init": true,
            "capAdd": ["SYS_PTRACE"], "securityOpt": ["seccomp=unconfined"],
            "entrypoint": "/e.sh", "mounts": [{"type": "volume", "source": "s", "target": "/t"}],
            "dependsOn": {"./dep": {"a": true}}, "installsAfter": ["./other"],
            "legacyIds": ["old"], "deprecated": false, "customizations": {"vscode": {}},
            "onCreateCommand": "echo", "updateContentCommand": ["a", "b"],
            "postCreateCommand": {"one": "x", "two": ["y"]}, "postStartCommand": "s",
            "postAttachCommand": "t"
        }"#;
        let (m, _) = FeatureMetadata::parse(text).unwrap();
        assert_eq!(m.options.keys().collect::<Vec<_>>(), ["flag", "mode", "version"]);
        assert_eq!(m.options["mode"].allowed.as_deref(), Some(&["a".to_string(), "b".into()][..]));
        assert_eq!(m.mounts[0].kind, MountType::Volume);
        assert_eq!(m.depends_on["./dep"], serde_json::json!({"a": true}));
        assert!(matches!(m.post_create_command, Some(LifecycleCommand::Parallel(_))));
        assert_eq!(m.legacy_ids, ["old"]);
    }

    #[test]
    fn rejects_inconsistent_defaults() {
        let bad_type = r#"{"id":"x","version":"1","options":{"o":{"type":"boolean","default":"yes"}}}"#;
        assert!(FeatureMetadata::parse(bad_type).unwrap_err().contains("`o`"));
        let bad_enum = r#"{"id":"x","version":"1","options":{"o":{"type":"string","enum":["a"],"default":"b"}}}"#;
        assert!(FeatureMetadata::parse(bad_enum).unwrap_err().contains("not in its `enum`"));
        let bad_type_name = r#"{"id":"x","version":"1","options":{"o":{"type":"number","default":1}}}"#;
        assert!(FeatureMetadata::parse(bad_type_name).is_err());
    }

    #[test]
    fn requires_id_but_not_version() {
        assert_eq!(FeatureMetadata::parse(r#"{"id":"x"}"#).unwrap().0.version, None);
        assert!(FeatureMetadata::parse(r#"{"version":"1"}"#).unwrap_err().contains("id"));
    }
}
