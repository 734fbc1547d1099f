//! A feature's declared options + the user's value for it → checked option values (defaults filled) and the
//! install-time environment (sanitised names, `_REMOTE_USER`, `_CONTAINER_USER` and their homes).

use super::FeatureError;
use super::metadata::{FeatureMetadata, OptionType};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The user's value for a feature as an options object: `{...}` as is, `"1.2"` → `{"version": "1.2"}` (`{}`
/// when the feature declares no `version` option: the reference CLI ignores the string then), `true` → `{}`
/// (all defaults).
pub fn user_options(
    reference: &str,
    metadata: &FeatureMetadata,
    value: &Value,
) -> Result<Map<String, Value>, FeatureError> {
    match value {
        Value::Object(map) => Ok(map.clone()),
        Value::String(_) if !metadata.options.contains_key("version") => Ok(Map::new()),
        Value::String(version) => Ok(Map::from_iter([("version".to_string(), Value::String(version.clone()))])),
        Value::Bool(true) => Ok(Map::new()),
        other => Err(FeatureError::BadFeatureValue { reference: reference.to_string(), value: other.to_string() }),
    }
}

/// Checks the user's options against the declarations and fills in defaults. Strings `"true"`/`"false"` are
/// accepted for boolean options and numbers for string options (real configs use both), normalised.
pub fn resolve_options(
    reference: &str,
    metadata: &FeatureMetadata,
    user: &Map<String, Value>,
) -> Result<BTreeMap<String, Value>, FeatureError> {
    let mut resolved = BTreeMap::new();
    for (name, value) in user {
        let Some(option) = metadata.options.get(name) else {
            return Err(FeatureError::UnknownOption {
                feature: reference.to_string(),
                option: name.clone(),
                known: match metadata.options.is_empty() {
                    true => "it has no options".into(),
                    false => {
                        let names: Vec<&str> = metadata.options.keys().map(String::as_str).collect();
                        format!("its options are `{}`", names.join("`, `"))
                    }
                },
            });
        };
        let invalid = |allowed: String| FeatureError::InvalidOptionValue {
            feature: reference.to_string(),
            option: name.clone(),
            value: value.to_string(),
            allowed,
        };
        let checked = match (option.kind, value) {
            (OptionType::Boolean, Value::Bool(b)) => Value::Bool(*b),
            (OptionType::Boolean, Value::String(s)) if s == "true" || s == "false" => Value::Bool(s == "true"),
            (OptionType::Boolean, _) => return Err(invalid("`true` or `false`".into())),
            (OptionType::String, Value::String(s)) => Value::String(s.clone()),
            (OptionType::String, Value::Number(n)) => Value::String(n.to_string()),
            (OptionType::String, _) => {
                return Err(invalid(allowed_text(option.allowed.as_deref())));
            }
        };
        if let (Some(allowed), Some(text)) = (&option.allowed, checked.as_str())
            && !allowed.iter().any(|a| a == text)
        {
            return Err(invalid(allowed_text(Some(allowed))));
        }
        resolved.insert(name.clone(), checked);
    }
    for (name, option) in &metadata.options {
        if let (false, Some(default)) = (resolved.contains_key(name), &option.default) {
            resolved.insert(name.clone(), default.clone());
        }
    }
    Ok(resolved)
}

fn allowed_text(allowed: Option<&[String]>) -> String {
    match allowed {
        Some(values) => format!("one of `{}`", values.join("`, `")),
        None => "a string".into(),
    }
}

/// The spec's option-name rule: non-word characters → `_`, a leading run of digits/underscores → one `_`,
/// upper case (`option-name` → `OPTION_NAME`, `12_x` → `_X`).
pub fn safe_env_name(name: &str) -> String {
    let replaced: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    let rest = replaced.trim_start_matches(|c: char| c.is_ascii_digit() || c == '_');
    let prefix = if rest.len() < replaced.len() { "_" } else { "" };
    format!("{prefix}{rest}").to_uppercase()
}

/// The users a feature is installed for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureUsers {
    pub remote_user: String,
    pub container_user: String,
}

impl FeatureUsers {
    /// `remoteUser` defaults to `containerUser`, which defaults to `root`.
    pub fn new(remote_user: Option<&str>, container_user: Option<&str>) -> Self {
        let container_user = container_user.unwrap_or("root").to_string();
        let remote_user = remote_user.map(str::to_string).unwrap_or_else(|| container_user.clone());
        FeatureUsers { remote_user, container_user }
    }
}

/// Home folder of a user: `/root` for root, `/home/<name>` for everyone else.
pub fn home_of(user: &str) -> String {
    if user == "root" { "/root".into() } else { format!("/home/{user}") }
}

/// install.sh's environment: each option as `SAFE_NAME=value` plus the four user variables.
pub fn install_env(options: &BTreeMap<String, Value>, users: &FeatureUsers) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = options
        .iter()
        .map(|(name, value)| {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (safe_env_name(name), text)
        })
        .collect();
    env.insert("_REMOTE_USER".into(), users.remote_user.clone());
    env.insert("_CONTAINER_USER".into(), users.container_user.clone());
    env.insert("_REMOTE_USER_HOME".into(), home_of(&users.remote_user));
    env.insert("_CONTAINER_USER_HOME".into(), home_of(&users.container_user));
    env
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn feature() -> FeatureMetadata {
        FeatureMetadata::parse(
            r#"{"id":"x","version":"1","options":{
                "version":{"type":"string","proposals":["latest"],"default":"latest"},
                "mode":{"type":"string","enum":["a","b"],"default":"a"},
                "flag":{"type":"boolean","default":false},
                "noDefault":{"type":"string"}}}"#,
        )
        .unwrap()
        .0
    }

    fn resolve(value: Value) -> Result<BTreeMap<String, Value>, FeatureError> {
        let user = user_options("./x", &feature(), &value)?;
        resolve_options("./x", &feature(), &user)
    }

    #[test]
    fn the_spec_sanitising_rule() {
        assert_eq!(safe_env_name("option-name"), "OPTION_NAME");
        assert_eq!(safe_env_name("option1-name-with_dashes-"), "OPTION1_NAME_WITH_DASHES_");
        assert_eq!(safe_env_name("myOptionName"), "MYOPTIONNAME");
        assert_eq!(safe_env_name("1name"), "_NAME");
        assert_eq!(safe_env_name("12345_option-name"), "_OPTION_NAME");
        assert_eq!(safe_env_name("_x"), "_X");
        assert_eq!(safe_env_name("a.b c"), "A_B_C");
    }

    #[test]
    fn defaults_are_filled_and_values_kept() {
        let got = resolve(json!({"mode": "b"})).unwrap();
        assert_eq!(
            got,
            BTreeMap::from([
                ("version".into(), json!("latest")),
                ("mode".into(), json!("b")),
                ("flag".into(), json!(false)),
            ])
        );
    }

    #[test]
    fn shorthand_forms() {
        assert_eq!(resolve(json!("1.2")).unwrap()["version"], json!("1.2"));
        assert_eq!(resolve(json!(true)).unwrap()["mode"], json!("a"));
        let err = resolve(json!(false)).unwrap_err().to_string();
        assert!(err.contains("`./x`") && err.contains("`false`"), "{err}");
        assert!(resolve(json!(3)).is_err());
    }

    #[test]
    fn a_version_string_without_a_version_option_is_ignored() {
        let (bare, _) =
            FeatureMetadata::parse(r#"{"id":"x","options":{"flag":{"type":"boolean","default":true}}}"#).unwrap();
        let user = user_options("./x", &bare, &json!("latest")).unwrap();
        assert!(user.is_empty());
        assert_eq!(resolve_options("./x", &bare, &user).unwrap(), BTreeMap::from([("flag".into(), json!(true))]));
    }

    #[test]
    fn lenient_scalar_forms_are_normalised() {
        let got = resolve(json!({"flag": "true", "version": 18})).unwrap();
        assert_eq!(got["flag"], json!(true));
        assert_eq!(got["version"], json!("18"));
    }

    #[test]
    fn enum_type_and_unknown_errors_name_everything() {
        let err = resolve(json!({"mode": "c"})).unwrap_err().to_string();
        for part in ["`./x`", "`mode`", "\"c\"", "`a`, `b`"] {
            assert!(err.contains(part), "{part} missing in {err}");
        }
        let err = resolve(json!({"flag": "yes"})).unwrap_err().to_string();
        assert!(err.contains("`flag`") && err.contains("`true` or `false`"), "{err}");
        let err = resolve(json!({"mode": false})).unwrap_err().to_string();
        assert!(err.contains("`mode`"), "{err}");
        let err = resolve(json!({"colour": "red"})).unwrap_err().to_string();
        assert!(err.contains("`colour`") && err.contains("`version`, `mode`, `flag`, `noDefault`"), "{err}");
    }

    #[test]
    fn env_has_options_and_users() {
        let options = resolve(json!({"noDefault": "v"})).unwrap();
        let env = install_env(&options, &FeatureUsers::new(Some("dev"), None));
        assert_eq!(env["NODEFAULT"], "v");
        assert_eq!(env["FLAG"], "false");
        assert_eq!(env["_REMOTE_USER"], "dev");
        assert_eq!(env["_REMOTE_USER_HOME"], "/home/dev");
        assert_eq!(env["_CONTAINER_USER"], "root");
        assert_eq!(env["_CONTAINER_USER_HOME"], "/root");
        let users = FeatureUsers::new(None, Some("app"));
        assert_eq!(users.remote_user, "app");
        assert_eq!(FeatureUsers::new(None, None).remote_user, "root");
    }
}
