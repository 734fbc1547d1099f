//! The fuzz targets' seed corpus and every committed crash input → the same target functions cargo fuzz runs,
//! in plain `cargo test` (no nightly, no libFuzzer): what once crashed stays fixed, and CI replays it all.

#[path = "../../fuzz/common/targets.rs"]
mod targets;

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

/// `../shared` next to the repository, or one level further up from a worktree under `wt/`.
fn shared() -> Option<PathBuf> {
    ["../shared", "../../shared"].iter().map(|s| root().join(s)).find(|p| p.join("corpus").is_dir())
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

/// The inputs scripts/fuzz seeds a target with, plus its committed seeds and regressions.
fn inputs(target: &str) -> Vec<PathBuf> {
    let r = root();
    let any = |_: &Path| true;
    let mut out = files(&r.join("fuzz/seeds").join(target), &any);
    out.extend(files(&r.join("fuzz/regressions").join(target), &any));
    let shared = shared();
    match target {
        "config" => {
            let json = |p: &Path| p.extension().is_some_and(|e| e == "json") && !named("devcontainer-feature.json")(p);
            for dir in ["fixtures/config", "fixtures/plan", "fixtures/features"] {
                out.extend(files(&r.join(dir), &json));
            }
            if let Some(s) = &shared {
                out.extend(files(&s.join("corpus/templates"), &json));
            }
        }
        "feature_metadata" => {
            for dir in ["features", "fixtures"] {
                out.extend(files(&r.join(dir), &named("devcontainer-feature.json")));
            }
            if let Some(s) = &shared {
                out.extend(files(&s.join("corpus/features"), &named("devcontainer-feature.json")));
            }
        }
        "dockerignore" => out.extend(files(&r.join("fixtures"), &named(".dockerignore"))),
        _ => {}
    }
    out
}

#[test]
fn every_seed_and_regression_input_runs_clean_through_its_target() {
    let mut counts = Vec::new();
    for (name, target) in TARGETS {
        let inputs = inputs(name);
        assert!(!inputs.is_empty(), "no inputs for fuzz target `{name}`");
        for path in &inputs {
            let bytes = std::fs::read(path).unwrap();
            // A panic names the input; a stack overflow aborts the test binary, which fails too.
            let outcome = std::panic::catch_unwind(|| target(&bytes));
            assert!(outcome.is_ok(), "fuzz target `{name}` fails on {}", path.display());
        }
        counts.push(format!("{name}: {}", inputs.len()));
    }
    eprintln!("replayed {}", counts.join(", "));
}

#[test]
fn the_shared_corpus_is_part_of_the_seeds() {
    assert!(shared().is_some(), "../shared/corpus not found next to the repository");
    assert!(inputs("config").len() > 40 && inputs("feature_metadata").len() > 28);
}
