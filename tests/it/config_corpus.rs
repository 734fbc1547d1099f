//! The corpus's templates/*/devcontainer.json (`CONTAINAI_CORPUS`) → every file the spec's schema accepts, containai
//! accepts too.

use crate::support::corpus;
use containai::config::{LoadOptions, jsonc, load};
use std::path::{Path, PathBuf};

fn spec_validator() -> jsonschema::Validator {
    let path = corpus::spec_schema("devContainer.base.schema.json");
    let schema: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).expect("spec schema")).unwrap();
    jsonschema::draft201909::new(&schema).expect("the spec's schema compiles")
}

fn templates() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus::templates())
        .expect("the corpus's templates/ is readable")
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("devcontainer.json"))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[test]
#[ignore = "needs CONTAINAI_CORPUS; run by .ci/run's conformance step"]
fn templates_the_spec_accepts_are_accepted() {
    let spec = spec_validator();
    let (mut accepted_by_spec, mut failures) = (0, Vec::new());
    let files = templates();
    assert!(files.len() >= 30, "corpus looks empty: {}", files.len());
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let value = jsonc::parse(file, &text).unwrap_or_else(|e| panic!("{e}"));
        if !spec.is_valid(&value) {
            continue;
        }
        accepted_by_spec += 1;
        // A workspace outside any Git repository; the template is given with `--config`.
        let ws = tempfile::tempdir().unwrap();
        match load(&LoadOptions { workspace_folder: ws.path().to_path_buf(), config_file: Some(file.clone()) }) {
            Ok(loaded) => assert!(loaded.warnings.is_empty(), "{}: {:?}", file.display(), loaded.warnings),
            Err(e) => failures.push(format!("{}: {e}", file.display())),
        }
    }
    eprintln!("{accepted_by_spec} of {} templates are valid per the spec's schema", files.len());
    assert!(accepted_by_spec >= files.len() / 2, "the spec's schema accepted only {accepted_by_spec}");
    assert!(failures.is_empty(), "refused by containai:\n{}", failures.join("\n"));
}

#[test]
#[ignore = "needs CONTAINAI_CORPUS; run by .ci/run's conformance step"]
fn our_schema_is_stricter_where_it_should_be() {
    // Sanity check that the comparison above can fail: a value both schemas must refuse.
    let spec = spec_validator();
    let bad = serde_json::json!({"image": "x", "forwardPorts": [true]});
    assert!(!spec.is_valid(&bad));
    let err = containai::config::validate::validate(Path::new("d.json"), &bad.to_string(), &bad).unwrap_err();
    assert!(err.to_string().contains("/forwardPorts/0"), "{err}");
}
