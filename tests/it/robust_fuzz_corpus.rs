//! The fuzz targets' seed corpus and every committed crash input (and, with `CONTAINAI_CORPUS`, the shared corpus)
//! → the same target functions cargo fuzz runs, in plain `cargo test` (no nightly, no libFuzzer): what once
//! crashed stays fixed, and CI replays it all.

#[path = "../../fuzz/common/targets.rs"]
mod targets;

use crate::support::corpus;
use std::path::{Path, PathBuf};

type Target = fn(&[u8]);

const TARGETS: [(&str, Target); 5] = [
    ("config", targets::config),
    ("feature_metadata", targets::feature_metadata),
    ("dockerignore", targets::dockerignore),
    ("mounts", targets::mounts),
    ("oci_reference", targets::oci_reference),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files(dir: &Path, keep: &dyn Fn(&Path) -> bool) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && keep(e.path()))
        .map(|e| e.into_path())
        .collect()
}

fn named(name: &'static str) -> impl Fn(&Path) -> bool {
    move |p: &Path| p.file_name().is_some_and(|n| n == name)
}

/// The repository's inputs scripts/fuzz seeds a target with, plus its committed seeds and regressions.
fn inputs(target: &str) -> Vec<PathBuf> {
    let r = root();
    let any = |_: &Path| true;
    let mut out = files(&r.join("fuzz/seeds").join(target), &any);
    out.extend(files(&r.join("fuzz/regressions").join(target), &any));
    match target {
        "config" => {
            for dir in ["fixtures/config", "fixtures/plan", "fixtures/features"] {
                out.extend(files(&r.join(dir), &config_json));
            }
        }
        "feature_metadata" => {
            for dir in ["features", "fixtures"] {
                out.extend(files(&r.join(dir), &named("devcontainer-feature.json")));
            }
        }
        "dockerignore" => out.extend(files(&r.join("fixtures"), &named(".dockerignore"))),
        _ => {}
    }
    out
}

/// A devcontainer.json-like file: JSON, not a feature's metadata.
fn config_json(p: &Path) -> bool {
    p.extension().is_some_and(|e| e == "json") && !named("devcontainer-feature.json")(p)
}

/// Runs every input through the target; panics naming the first that fails. Returns how many ran.
fn replay(name: &str, target: Target, inputs: &[PathBuf]) -> usize {
    for path in inputs {
        let bytes = std::fs::read(path).unwrap();
        // A panic names the input; a stack overflow aborts the test binary, which fails too.
        let outcome = std::panic::catch_unwind(|| target(&bytes));
        assert!(outcome.is_ok(), "fuzz target `{name}` fails on {}", path.display());
    }
    inputs.len()
}

#[test]
fn every_seed_and_regression_input_runs_clean_through_its_target() {
    let mut counts = Vec::new();
    for (name, target) in TARGETS {
        let inputs = inputs(name);
        assert!(!inputs.is_empty(), "no inputs for fuzz target `{name}`");
        counts.push(format!("{name}: {}", replay(name, target, &inputs)));
    }
    eprintln!("replayed {}", counts.join(", "));
}

/// The shared corpus, which scripts/fuzz adds to the seeds when `CONTAINAI_CORPUS` is set, through the same targets.
#[test]
#[ignore = "needs CONTAINAI_CORPUS; run by .ci/run's conformance step"]
fn the_shared_corpus_runs_clean_through_its_targets() {
    let templates = files(&corpus::templates(), &config_json);
    let features = files(&corpus::features(), &named("devcontainer-feature.json"));
    assert!(templates.len() > 40 && features.len() > 20, "{} templates, {} features", templates.len(), features.len());
    replay("config", targets::config, &templates);
    replay("feature_metadata", targets::feature_metadata, &features);
}
