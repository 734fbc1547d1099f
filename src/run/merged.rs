//! devcontainer.json + the image's metadata entries (base image label, features, the config's own last) → the
//! config the container is made from: `containerEnv`, `mounts`, `init`, `capAdd` and `securityOpt` merged by the
//! spec's rules ([`crate::plan::merge`]), `${devcontainerId}` filled in. What the policy refuses among them was
//! refused before (features before their build, the rest at the create request).

use crate::config::DevContainer;
use crate::config::model::MountEntry;
use serde_json::Value;

/// `config` with the merged container properties of `entries`.
pub fn container_config(config: &DevContainer, entries: &[Value], devcontainer_id: &str) -> DevContainer {
    let configuration = serde_json::to_value(config).unwrap_or_default();
    let merged = crate::plan::merge::merged_configuration(&configuration, entries);
    let fill = |v: &Value| -> Value {
        let text = v.to_string().replace("${devcontainerId}", devcontainer_id);
        serde_json::from_str(&text).unwrap_or_else(|_| v.clone())
    };
    let mut out = config.clone();
    if let Some(env) = merged.get("containerEnv").and_then(Value::as_object).filter(|e| !e.is_empty()) {
        let env = env.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))).collect();
        out.container_env = Some(env);
    }
    if let Some(mounts) = merged.get("mounts").map(fill) {
        out.mounts = serde_json::from_value::<Vec<MountEntry>>(mounts).ok().or(out.mounts);
    }
    if merged.get("init") == Some(&Value::Bool(true)) {
        out.init = Some(true);
    }
    let strings = |key: &str| -> Option<Vec<String>> {
        let list: Vec<String> =
            merged.get(key)?.as_array()?.iter().filter_map(Value::as_str).map(str::to_string).collect();
        (!list.is_empty()).then_some(list)
    };
    out.cap_add = strings("capAdd").or(out.cap_add);
    out.security_opt = strings("securityOpt").or(out.security_opt);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_base_label_and_features_add_to_the_config_by_the_spec_rules() {
        let config: DevContainer = serde_json::from_value(json!({
            "image": "x", "containerEnv": {"A": "config"}, "mounts": ["type=volume,source=data,target=/data"]
        }))
        .unwrap();
        let entries = [
            json!({"containerEnv": {"A": "label", "FROM_LABEL": "1"}, "capAdd": ["SYS_PTRACE"]}),
            json!({"id": "ghcr.io/x/dind:2", "containerEnv": {"IN_IMAGE_ENV": "x"}, "init": true,
                   "mounts": [{"type": "volume", "source": "dind-var-lib-docker-${devcontainerId}", "target": "/var/lib/docker"}]}),
            json!({"containerEnv": {"A": "config"}, "mounts": ["type=volume,source=data,target=/data"]}),
        ];
        let out = container_config(&config, &entries, "abc123");
        let env = out.container_env.unwrap();
        assert_eq!((env["A"].as_str(), env["FROM_LABEL"].as_str()), ("config", "1"));
        assert!(!env.contains_key("IN_IMAGE_ENV"), "a feature's containerEnv is its image's ENV");
        let mounts = serde_json::to_string(&out.mounts.unwrap()).unwrap();
        assert!(mounts.contains("dind-var-lib-docker-abc123") && mounts.contains("source=data"), "{mounts}");
        assert_eq!(out.init, Some(true));
        assert_eq!(out.cap_add.unwrap(), ["SYS_PTRACE"]);
    }

    #[test]
    fn a_config_alone_stays_as_it_is() {
        let config: DevContainer = serde_json::from_value(json!({"image": "x", "capAdd": ["SYS_NICE"]})).unwrap();
        let own = json!({"capAdd": ["SYS_NICE"]});
        assert_eq!(container_config(&config, &[own], "id"), config);
    }
}
