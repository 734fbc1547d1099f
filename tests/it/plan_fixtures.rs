//! fixtures/plan/<case>/ workspaces → `load → resolve → plan` → insta snapshots of the plan (or the error).
//!
//! The base image comes from a fake engine with a fixed id (and `base-label.json` as its `devcontainer.metadata`
//! label when the case has one); the host user is 1000:1000. Only the absolute context path is redacted;
//! Dockerfiles are shown as arrays of lines.

use containai::config::{self, LoadOptions};
use containai::engine::fake_images::FakeImages;
use containai::features;
use containai::plan::{self, HostUser};
use containai::report::Silent;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const BASE_ID: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const HOST: HostUser = HostUser { uid: 1000, gid: 1000 };

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/plan");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).collect();
    cases.sort();
    cases
}

async fn plan_json(case: &Path) -> Value {
    let opts = LoadOptions { workspace_folder: case.to_path_buf(), config_file: None };
    let loaded = config::load(&opts).unwrap();
    let engine = FakeImages::new();
    let label = std::fs::read_to_string(case.join("base-label.json")).ok();
    let labels: Vec<(&str, &str)> = label.iter().map(|l| ("devcontainer.metadata", l.trim())).collect();
    if let Some(image) = &loaded.model.image {
        engine.add_image(image, BASE_ID, &labels);
    }
    // A Dockerfile's `FROM` images, with the same fixed id.
    if let Ok(base) = plan::DockerfileBase::from_config(&loaded, String::new()) {
        for image in containai::context::from_images::from_images(&base.text, &base.build_args, None) {
            engine.add_image(&image, BASE_ID, &[]);
        }
    }
    let features = match features::resolve(&loaded) {
        Ok(f) => f,
        Err(e) => return json!({ "error": e.to_string() }),
    };
    let base = match plan::base::resolve(&loaded, &engine, true).await {
        Ok(b) => b,
        Err(e) => return json!({ "error": e.to_string() }),
    };
    match plan::plan(&loaded, &features, &base, &HOST, &Silent) {
        Ok(p) => serde_json::to_value(&p).unwrap(),
        Err(e) => json!({ "error": e.to_string() }),
    }
}

/// Cases whose keys hang on files another stage owns (the built-in features): their keys are shown as
/// `[key of <layer>]`, so an edit to a built-in does not break this snapshot (its key tests are in plan_keys.rs).
const NAMED_KEYS: [&str; 1] = ["builtin-features"];

/// Each layer's `dockerfile` as an array of lines, so that a snapshot diff shows the changed line; with
/// `name_keys`, every key replaced by the name of its layer.
fn readable(mut value: Value, name_keys: bool) -> Value {
    let mut names = Vec::new();
    for layer in value.get_mut("layers").and_then(Value::as_array_mut).into_iter().flatten() {
        names.push((layer["key"].as_str().unwrap_or_default().to_string(), layer["name"].to_string()));
    }
    let mut text = serde_json::to_string(&value).unwrap();
    if name_keys {
        for (key, name) in &names {
            text = text.replace(key, &format!("[key of {}]", name.trim_matches('"')));
        }
    }
    value = serde_json::from_str(&text).unwrap();
    for layer in value.get_mut("layers").and_then(Value::as_array_mut).into_iter().flatten() {
        let text = layer["dockerfile"].as_str().unwrap_or_default().to_string();
        layer["dockerfile"] = text.lines().collect::<Vec<_>>().into();
    }
    value
}

#[tokio::test]
async fn every_fixture_plans_as_snapshotted() {
    let cases = cases();
    assert!(cases.len() >= 8, "fixtures/plan has its cases");
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let value = plan_json(&case).await;
        let readable = readable(value, NAMED_KEYS.contains(&name.as_str()));
        insta::assert_json_snapshot!(name, readable, { ".layers[].context.root" => "[context]" });
    }
}

#[tokio::test]
async fn planning_twice_gives_the_same_plan() {
    for case in cases() {
        assert_eq!(plan_json(&case).await, plan_json(&case).await, "{}", case.display());
    }
}
