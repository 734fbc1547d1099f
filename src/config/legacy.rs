//! A config with the old top-level `extensions`, `settings`, `devPort` → the same config with them moved under
//! `customizations.vscode`, as the reference CLI's `updateFromOldProperties` does.

use serde_json::{Map, Value};

/// JavaScript truthiness, for the reference's `if (copy.extensions)` checks.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(_) | Value::Object(_) => true,
    }
}

pub fn update_from_old_properties(mut config: Map<String, Value>) -> Map<String, Value> {
    let extensions = config.get("extensions").filter(|v| truthy(v)).cloned();
    let settings = config.get("settings").filter(|v| truthy(v)).cloned();
    let dev_port = config.get("devPort").cloned();
    if extensions.is_none() && settings.is_none() && dev_port.is_none() {
        return config;
    }
    let mut vscode = config
        .get("customizations")
        .and_then(|c| c.get("vscode"))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if let Some(extensions) = extensions {
        let mut list = match vscode.get("extensions") {
            Some(Value::Array(items)) => items.clone(),
            Some(v) if truthy(v) => vec![v.clone()],
            _ => Vec::new(),
        };
        match extensions {
            Value::Array(items) => list.extend(items),
            other => list.push(other),
        }
        vscode.insert("extensions".into(), Value::Array(list));
        config.shift_remove("extensions");
    }
    if let Some(settings) = settings {
        let mut merged = settings.as_object().cloned().unwrap_or_default();
        if let Some(Value::Object(existing)) = vscode.get("settings") {
            for (k, v) in existing {
                merged.insert(k.clone(), v.clone());
            }
        }
        vscode.insert("settings".into(), Value::Object(merged));
        config.shift_remove("settings");
    }
    if let Some(port) = dev_port
        && !vscode.contains_key("devPort")
    {
        vscode.insert("devPort".into(), port);
        config.shift_remove("devPort");
    }
    let customizations = config.entry("customizations").or_insert_with(|| Value::Object(Map::new()));
    if !customizations.is_object() {
        *customizations = Value::Object(Map::new());
    }
    if let Some(c) = customizations.as_object_mut() {
        c.insert("vscode".into(), Value::Object(vscode));
    }
    config
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn moves_old_properties_under_customizations() {
        let config = json!({
            "image": "x",
            "extensions": ["b"],
            "settings": {"s": 1, "t": 1},
            "customizations": {"vscode": {"extensions": ["a"], "settings": {"t": 2}}},
        });
        let out = update_from_old_properties(config.as_object().unwrap().clone());
        assert_eq!(
            Value::Object(out),
            json!({"image": "x", "customizations": {"vscode": {"extensions": ["a", "b"], "settings": {"s": 1, "t": 2}}}})
        );
    }

    #[test]
    fn untouched_without_old_properties() {
        let config = json!({"image": "x", "extensions": []});
        let map = config.as_object().unwrap().clone();
        // An empty array is truthy in JavaScript: it moves.
        let out = update_from_old_properties(map);
        assert_eq!(Value::Object(out), json!({"image": "x", "customizations": {"vscode": {"extensions": []}}}));
        let plain = json!({"image": "x"}).as_object().unwrap().clone();
        assert_eq!(update_from_old_properties(plain.clone()), plain);
    }
}
