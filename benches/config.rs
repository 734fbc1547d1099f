//! A typical and a large devcontainer.json → timings of parse, substitute, validate, and the whole in-memory
//! config stage.

use containai::config::discover::Found;
use containai::config::substitute::Context;
use containai::config::{jsonc, load_text, validate};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::path::{Path, PathBuf};

/// The bundled fixture with most of the spec in it (features, ports, lifecycle commands, mounts, customizations).
const TYPICAL: &str = include_str!("../fixtures/config/typical/.devcontainer/devcontainer.json");
/// 50 features, long lifecycle objects, many variables to substitute (made by scripts/bench-large-fixture).
const LARGE: &str = include_str!("large/.devcontainer/devcontainer.json");

fn env(name: &str) -> Option<String> {
    (name == "HOME").then(|| "/home/bench".to_string())
}

fn bench(c: &mut Criterion) {
    let path = PathBuf::from("/src/app/.devcontainer/devcontainer.json");
    let found = Found { path: path.clone(), explicit: false };
    let ws = Path::new("/src/app");
    let value = jsonc::parse(&path, TYPICAL).expect("typical parses");
    let context = || Context {
        local_workspace_folder: Some("/src/app"),
        container_workspace_folder: Some("/workspaces/app".into()),
        env: &env,
    };
    // Compile the schema outside the measurements (it is compiled once per process).
    validate::validate(&path, TYPICAL, &value).expect("typical is valid");

    let schema = validate::schema().expect("embedded schema");
    c.bench_function("compile schema (once per process)", |b| {
        b.iter(|| validate::compile_schema(black_box(&schema)).unwrap())
    });
    c.bench_function("parse (jsonc)", |b| b.iter(|| jsonc::parse(&path, black_box(TYPICAL)).unwrap()));
    c.bench_function("substitute", |b| b.iter(|| context().apply(black_box(&value)).unwrap()));
    c.bench_function("validate (schema)", |b| {
        b.iter(|| validate::validate(&path, TYPICAL, black_box(&value)).unwrap())
    });
    c.bench_function("parse + substitute + validate + model", |b| {
        b.iter(|| load_text(ws, &found, black_box(TYPICAL), &env, |_| None).unwrap())
    });
    c.bench_function("parse + substitute + validate + model (large)", |b| {
        b.iter(|| load_text(ws, &found, black_box(LARGE), &env, |_| None).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
