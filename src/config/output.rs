//! A [`Loaded`] config → the JSON object `read-configuration` prints, in the reference CLI's shape and order.

use super::Loaded;
use serde_json::{Map, Value, json};
use std::path::Path;

/// `{"configuration": ..., "workspace": {...}, "ociAuthDiagnostics": {...}}` as the reference prints it.
pub fn read_configuration(loaded: &Loaded) -> Value {
    let config = loaded.value.as_object();
    let mut workspace = Map::new();
    let folder = match config.and_then(|c| c.get("workspaceFolder")) {
        Some(Value::String(s)) => s.clone(),
        _ => loaded.workspace.workspace_folder.clone(),
    };
    workspace.insert("workspaceFolder".into(), Value::String(folder));
    match config.and_then(|c| c.get("workspaceMount")) {
        Some(given) => {
            workspace.insert("workspaceMount".into(), given.clone());
        }
        None => {
            if let Some(mount) = &loaded.workspace.workspace_mount {
                workspace.insert("workspaceMount".into(), Value::String(mount.clone()));
            }
        }
    }
    json!({
        "configuration": js_normalize(&loaded.value),
        "workspace": Value::Object(workspace),
        // containai's read-configuration never talks to a registry, so none of these can be set.
        "ociAuthDiagnostics": {
            "authLookupWouldBeBlocked": false,
            "registryRedirectWouldPreventCredentialForwarding": false,
            "authServerRedirect": false,
        },
    })
}

/// `configFilePath` as the reference serialises its URI: `file` when given with `--config`.
pub fn config_file_uri(path: &Path, explicit: bool) -> Value {
    let p = path.to_string_lossy();
    json!({
        "$mid": 1,
        "fsPath": p,
        "path": p,
        "scheme": if explicit { "file" } else { "vscode-fileHost" },
    })
}

/// What JavaScript makes of the value: integer-like keys first in ascending order, integral floats as integers.
pub fn js_normalize(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut index_keys: Vec<(u32, &String)> =
                map.keys().filter_map(|k| array_index(k).map(|i| (i, k))).collect();
            index_keys.sort();
            let mut out = Map::with_capacity(map.len());
            for (_, key) in &index_keys {
                out.insert((*key).clone(), js_normalize(&map[*key]));
            }
            for (key, v) in map {
                if array_index(key).is_none() {
                    out.insert(key.clone(), js_normalize(v));
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(js_normalize).collect()),
        Value::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9_007_199_254_740_992.0 => json!(f as i64),
            _ => value.clone(),
        },
        other => other.clone(),
    }
}

/// A canonical array index (`0`, `42`, not `042`, below 2^32 - 1), which JavaScript orders first.
fn array_index(key: &str) -> Option<u32> {
    if key.is_empty() || (key.len() > 1 && key.starts_with('0')) || !key.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    key.parse::<u32>().ok().filter(|&i| i != u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ordered_like_javascript() {
        let v: Value =
            serde_json::from_str(r#"{"b": 1, "8080": 2.0, "a": {"3000": 1, "03": 2, "22": 3}, "10": 1.5}"#).unwrap();
        let out = serde_json::to_string(&js_normalize(&v)).unwrap();
        assert_eq!(out, r#"{"10":1.5,"8080":2,"b":1,"a":{"22":3,"3000":1,"03":2}}"#);
    }
}
