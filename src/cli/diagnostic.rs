//! An error chain → the one JSON object `--log-format json` prints on stderr: `message` (what), `location`
//! (where: file, line, column and JSON pointer, or the feature/option/value it is about), `hint` (what to do).

use containai::config::ConfigError;
use containai::features::FeatureError;
use containai::pipeline::PipelineError;
use containai::run::RunError;
use serde_json::{Map, Value, json};

/// The error as one JSON object: `{"level":"error","message","location","hint","details","causes"}`.
pub fn error_object(err: &anyhow::Error) -> Value {
    let text = err.to_string();
    let mut lines = text.lines();
    let message = lines.next().unwrap_or("").to_string();
    let (mut hints, mut details) = (Vec::new(), Vec::new());
    for line in lines {
        match line.strip_prefix("hint: ") {
            Some(hint) => hints.push(hint.to_string()),
            None => details.push(line.to_string()),
        }
    }
    let causes: Vec<String> = err.chain().skip(1).map(|c| c.to_string()).collect();
    json!({
        "level": "error",
        "message": message,
        "location": location(err),
        "hint": (!hints.is_empty()).then(|| hints.join("\n")),
        "details": details.join("\n"),
        "causes": causes,
    })
}

/// Where the first located error of the chain points; `null` when none says.
fn location(err: &anyhow::Error) -> Value {
    err.chain()
        .find_map(|cause| {
            if let Some(e) = cause.downcast_ref::<ConfigError>() {
                return Some(config_location(e));
            }
            if let Some(e) = cause.downcast_ref::<FeatureError>() {
                return feature_location(e);
            }
            if let Some(RunError::Invalid { what, value, .. }) = cause.downcast_ref::<RunError>() {
                return Some(json!({"property": what, "value": value}));
            }
            // The pipeline's errors are its stages' own, wrapped transparently.
            match cause.downcast_ref::<PipelineError>() {
                Some(PipelineError::Features(e)) => feature_location(e),
                Some(PipelineError::Run(RunError::Invalid { what, value, .. })) => {
                    Some(json!({"property": what, "value": value}))
                }
                _ => None,
            }
        })
        .unwrap_or(Value::Null)
}

fn config_location(e: &ConfigError) -> Value {
    let file = |p: &std::path::Path| Value::String(p.display().to_string());
    match e {
        ConfigError::NotUtf8 { path, line, column }
        | ConfigError::TooDeep { path, line, column, .. }
        | ConfigError::Syntax { path, line, column, .. }
        | ConfigError::Substitution { path, line, column, .. } => {
            json!({"file": file(path), "line": line, "column": column})
        }
        ConfigError::Invalid { path, pointer, line, column, .. } => {
            json!({"file": file(path), "line": line, "column": column, "property": pointer})
        }
        ConfigError::NotFound(path) | ConfigError::IsDirectory(path) => json!({"file": file(path)}),
        ConfigError::Io { path, .. }
        | ConfigError::TooLarge { path, .. }
        | ConfigError::NotAnObject { path, .. }
        | ConfigError::Model { path, .. } => json!({"file": file(path)}),
        ConfigError::Ambiguous { folder, .. } => json!({"file": file(folder)}),
        ConfigError::UserName { path, source } => {
            json!({"file": file(path), "property": source.property, "value": source.value})
        }
        ConfigError::Schema(_) => Value::Null,
    }
}

/// Feature errors point at the `features` entry (and option) they are about.
fn feature_location(e: &FeatureError) -> Option<Value> {
    let mut at = Map::new();
    at.insert("property".into(), "features".into());
    let (feature, option) = match e {
        FeatureError::Dependency { source, .. } => return feature_location(source),
        FeatureError::RemoteUnsupported { reference }
        | FeatureError::UnknownReference { reference }
        | FeatureError::UnknownBuiltin { reference, .. }
        | FeatureError::LocalNotFound { reference, .. }
        | FeatureError::LocalOutsideWorkspace { reference, .. }
        | FeatureError::MissingFile { reference, .. }
        | FeatureError::UnsupportedFile { reference, .. }
        | FeatureError::InvalidMetadata { reference, .. }
        | FeatureError::BadFeatureValue { reference, .. } => (reference.clone(), None),
        FeatureError::UnknownOption { feature, option, .. }
        | FeatureError::InvalidOptionValue { feature, option, .. } => (feature.clone(), Some(option.clone())),
        FeatureError::OverrideNotInstalled { reference } => {
            at.insert("property".into(), "overrideFeatureInstallOrder".into());
            (reference.clone(), None)
        }
        FeatureError::Cycle { cycle } => (cycle.join(" → "), None),
        FeatureError::Io { path, .. } => return Some(json!({"file": path.display().to_string()})),
        FeatureError::Oci(_) => return None,
    };
    at.insert("feature".into(), feature.into());
    if let Some(option) = option {
        at.insert("option".into(), option.into());
    }
    Some(Value::Object(at))
}
