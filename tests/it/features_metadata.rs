//! devcontainer-feature.json files → the typed model: every feature of the shared corpus (`CONTAINAI_CORPUS`) parses,
//! and the built-ins are valid against the spec's schema (beside the corpus) and resolve as real features.

use crate::support::corpus;
use containai::assets::FEATURES;
use containai::features::FeatureMetadata;

#[test]
#[ignore = "needs CONTAINAI_CORPUS; run by .ci/run's conformance step"]
fn every_corpus_feature_parses() {
    let dir = corpus::features();
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("the shared corpus is readable") {
        let folder = entry.unwrap().path();
        let file = folder.join("devcontainer-feature.json");
        let text = std::fs::read_to_string(&file).unwrap();
        let (model, raw) = FeatureMetadata::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(model.id, folder.file_name().unwrap().to_str().unwrap());
        assert!(model.version.as_deref().is_some_and(|v| !v.is_empty()), "{}", file.display());
        // Nothing the file declares is lost: every option, and the typed model serialises back to the keys.
        let options = raw.get("options").and_then(|o| o.as_object()).map_or(0, |o| o.len());
        assert_eq!(model.options.len(), options, "{}", file.display());
        let back = serde_json::to_value(&model).unwrap();
        for key in raw.as_object().unwrap().keys() {
            assert!(back.get(key).is_some(), "{}: `{key}` dropped by the model", file.display());
        }
        count += 1;
    }
    assert!(count >= 20, "only {count} corpus features found");
}

fn schema_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(corpus::spec_schema("devContainerFeature.schema.json")).unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

#[test]
#[ignore = "needs CONTAINAI_CORPUS; run by .ci/run's conformance step"]
fn builtins_are_valid_against_the_spec_schema() {
    let validator = schema_validator();
    let mut ids = Vec::new();
    for dir in FEATURES.dirs() {
        let id = dir.path().file_name().unwrap().to_str().unwrap().to_string();
        let file = dir.get_file(dir.path().join("devcontainer-feature.json")).expect("metadata file");
        let value: serde_json::Value = serde_json::from_slice(file.contents()).unwrap();
        let errors: Vec<String> = validator.iter_errors(&value).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{id}: {errors:?}");
        let (model, _) = FeatureMetadata::parse(file.contents_utf8().unwrap()).unwrap();
        assert_eq!(model.id, id, "the id matches the folder name");
        let install = dir.get_file(dir.path().join("install.sh")).expect("install.sh");
        assert!(install.contents().starts_with(b"#!/bin/sh\n"), "{id}: POSIX sh");
        ids.push(id);
    }
    ids.sort();
    assert_eq!(ids, ["agent", "apt-packages", "dockerd", "node-runtime", "sshd"]);
}

#[test]
#[ignore = "needs CONTAINAI_CORPUS; run by .ci/run's conformance step"]
fn the_schema_check_rejects_a_broken_feature() {
    let validator = schema_validator();
    use serde_json::json;
    assert!(validator.is_valid(&json!({"id": "x", "version": "1.0.0"})));
    assert!(!validator.is_valid(&json!({"id": "x"})), "version is required");
    assert!(!validator.is_valid(&json!({"id": "x", "version": "1", "extra": 1})), "no unknown properties");
    let no_default = json!({"id": "x", "version": "1", "options": {"o": {"type": "string"}}});
    assert!(!validator.is_valid(&no_default), "options need a default");
}
