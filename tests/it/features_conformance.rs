//! Fixture configs → install order from `features::resolve` and from the reference CLI's
//! `devcontainer read-configuration --include-features-configuration` (that CLI must be on PATH): the same
//! features, with the same options, in the same order.

use containai::config::{self, LoadOptions};
use containai::features::resolve;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Fixtures the reference CLI can read offline (local features inside `.devcontainer/`, no OCI references).
/// Not `depends-on-dedup`, on purpose: the reference CLI compares the options as written, so `{}` and
/// `{"level": "low"}` (the default) count as two features and it installs `shared` twice; the spec defines
/// equality by the options a feature is executed with, and containai installs it once.
const FIXTURES: &[&str] = &[
    "order-mix",
    "order-collation",
    "depends-on",
    "depends-on-options-differ",
    "override-order",
    "version-shorthand",
    "local-options",
];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/features").join(name)
}

/// `(reference, folder)` in the reference CLI's install order.
fn reference_order(workspace: &Path) -> Option<Vec<(String, String)>> {
    let out = Command::new("devcontainer")
        .args(["read-configuration", "--include-features-configuration", "--workspace-folder"])
        .arg(workspace)
        .output()
        .ok()?;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let value: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    let sets = value["featuresConfiguration"]["featureSets"].as_array().expect("featureSets");
    Some(
        sets.iter()
            .map(|set| {
                let info = &set["sourceInformation"];
                let reference = info["userFeatureId"].as_str().unwrap().to_string();
                let folder = info["resolvedFilePath"].as_str().unwrap().to_string();
                (reference, folder)
            })
            .collect(),
    )
}

#[test]
fn install_order_matches_the_reference_cli() {
    crate::support::reference_cli();
    for name in FIXTURES {
        let workspace = fixture(name);
        let expected = reference_order(&workspace).expect("the reference CLI runs");
        let options = LoadOptions { workspace_folder: workspace.clone(), config_file: None };
        let loaded = config::load(&options).unwrap();
        let ours: Vec<(String, String)> = resolve(&loaded)
            .unwrap()
            .into_iter()
            .map(|f| match f.source {
                containai::features::FeatureSource::Local { path } => (f.reference, path.display().to_string()),
                other => panic!("{name}: unexpected source {other:?}"),
            })
            .collect();
        assert_eq!(ours, expected, "{name}: install order differs from the reference CLI");
    }
}

#[test]
fn the_mixed_fixture_exercises_every_rule() {
    // Independent of the reference CLI: the order the spec's rounds give for order-mix.
    let options = LoadOptions { workspace_folder: fixture("order-mix"), config_file: None };
    let features = resolve(&config::load(&options).unwrap()).unwrap();
    let order: Vec<String> = features
        .iter()
        .map(|f| format!("{}{}", f.reference, f.options.get("v").map_or(String::new(), |v| format!("={v}"))))
        .collect();
    assert_eq!(
        order,
        [
            "./b=\"1\"",
            "./b=\"2\"",
            "./e",
            "./f", // round 1: no dependencies; fewer user options first
            "./a",
            "./d",
            "./opts",  // round 2: their dependencies installed
            "./Zed",   // round 3: highest override priority wins the round
            "./c",     // round 4
            "./opts2", // round 5
        ]
    );
}
