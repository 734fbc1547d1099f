//! A Compose config + its resolved project → the config of the primary service alone, as an `image` or a
//! Dockerfile config, so that the features are layered on its image by the same plan and build as any config.

use super::project::Project;
use super::{ComposeError, Result};
use crate::config::Loaded;
use crate::config::model::BuildConfig;
use indexmap::IndexMap;
use serde_json::Value;
use std::path::Path;

/// `build.args` in either Compose form (a map, or a list of `NAME=value`); a name without a value is left out,
/// as Compose leaves it out when the environment lacks it.
fn build_args(value: Option<&Value>) -> Option<IndexMap<String, String>> {
    let pairs: IndexMap<String, String> = match value? {
        Value::Object(map) => map
            .iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k.clone(), s.clone())),
                Value::Null => None,
                other => Some((k.clone(), other.to_string())),
            })
            .collect(),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .filter_map(|e| e.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
            .collect(),
        _ => return None,
    };
    (!pairs.is_empty()).then_some(pairs)
}

/// The loaded config with the primary service's `build` (context and Dockerfile as absolute paths) or `image`
/// in place of `dockerComposeFile`; everything else of devcontainer.json stays.
pub fn primary_config(loaded: &Loaded, project: &Project) -> Result<Loaded> {
    let service = project.primary();
    let mut out = loaded.clone();
    out.model.docker_compose_file = None;
    out.model.build = None;
    out.model.docker_file = None;
    out.model.image = None;
    let build = match service.get("build") {
        Some(Value::String(context)) => Some((context.clone(), None, None, None)),
        Some(Value::Object(b)) => Some((
            b.get("context").and_then(Value::as_str).unwrap_or(".").to_string(),
            b.get("dockerfile").and_then(Value::as_str).map(str::to_string),
            build_args(b.get("args")),
            b.get("target").and_then(Value::as_str).map(str::to_string),
        )),
        _ => None,
    };
    if let Some((context, dockerfile, args, target)) = build {
        let context = project.dir.join(context);
        let dockerfile = context.join(dockerfile.as_deref().unwrap_or("Dockerfile"));
        let text = |p: &Path| p.display().to_string();
        out.model.build = Some(BuildConfig {
            dockerfile: Some(text(&dockerfile)),
            context: Some(text(&context)),
            args,
            target,
            ..Default::default()
        });
    } else if let Some(image) = service.get("image").and_then(Value::as_str) {
        out.model.image = Some(image.to_string());
    } else {
        return Err(ComposeError::NoImage(project.service.clone()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::ConfigKind;
    use serde_json::json;

    fn project(service: Value) -> (Loaded, Project) {
        let value = json!({"dockerComposeFile": "c.yml", "service": "app", "remoteUser": "dev"});
        let loaded = crate::config::load_in_memory(Path::new("/w/proj"), &value.to_string()).unwrap();
        let project = Project {
            name: "proj_devcontainer".into(),
            files: vec!["/w/proj/.devcontainer/c.yml".into()],
            dir: "/w/proj/.devcontainer".into(),
            config: json!({"services": {"app": service}}),
            service: "app".into(),
            run_services: None,
        };
        (loaded, project)
    }

    #[test]
    fn a_built_service_becomes_a_dockerfile_config_with_absolute_paths() {
        let (loaded, project) =
            project(json!({"build": {"context": "/w/proj", "dockerfile": ".devcontainer/Dockerfile",
            "args": {"V": "1", "UNSET": null}, "target": "dev"}, "image": "ignored"}));
        let primary = primary_config(&loaded, &project).unwrap();
        assert_eq!(primary.model.kind(), Some(ConfigKind::Dockerfile));
        let build = primary.model.build.unwrap();
        assert_eq!(build.dockerfile.as_deref(), Some("/w/proj/.devcontainer/Dockerfile"));
        assert_eq!(build.context.as_deref(), Some("/w/proj"));
        assert_eq!(build.args.unwrap().into_iter().collect::<Vec<_>>(), vec![("V".to_string(), "1".to_string())]);
        assert_eq!(build.target.as_deref(), Some("dev"));
        assert_eq!(primary.model.remote_user.as_deref(), Some("dev"));
    }

    #[test]
    fn an_image_service_becomes_an_image_config_and_neither_is_an_error() {
        let (loaded, project) = project(json!({"image": "postgres:16"}));
        let primary = primary_config(&loaded, &project).unwrap();
        assert_eq!(primary.model.kind(), Some(ConfigKind::Image));
        assert_eq!(primary.model.image.as_deref(), Some("postgres:16"));
        let (loaded, project) = project_none();
        let err = primary_config(&loaded, &project).unwrap_err().to_string();
        assert!(err.contains("`app`") && err.contains("hint:"), "{err}");
    }

    fn project_none() -> (Loaded, Project) {
        project(json!({"command": "sleep"}))
    }
}
