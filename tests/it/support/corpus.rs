//! `CONTAINAI_CORPUS` (the shared corpus folder, holding `templates/` and `features/`) → its paths, and the spec's
//! schemas in `reference/schemas` beside it (shared/'s layout). The tests that read it are `#[ignore]`d: the
//! default run never needs anything outside the repository, and `.ci/run`'s conformance step runs them with
//! `cargo test --test it -- --ignored`, where a missing corpus fails them.

use std::path::{Path, PathBuf};

/// The folder `CONTAINAI_CORPUS` names (relative to the repository root, or absolute); panics when it is unset or
/// is not a corpus.
pub fn corpus() -> PathBuf {
    let Some(value) = std::env::var_os("CONTAINAI_CORPUS") else {
        panic!(
            "this test reads the shared corpus and CONTAINAI_CORPUS is not set\n\
             hint: point CONTAINAI_CORPUS at shared/corpus and run `cargo test --test it -- --ignored`, as .ci/run does"
        );
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(value);
    assert!(
        dir.join("templates").is_dir() && dir.join("features").is_dir(),
        "CONTAINAI_CORPUS names {}, which has no templates/ and features/\n\
         hint: point it at shared/corpus (the folder holding templates/ and features/)",
        dir.display()
    );
    dir
}

/// `<corpus>/templates`.
pub fn templates() -> PathBuf {
    corpus().join("templates")
}

/// `<corpus>/features`.
pub fn features() -> PathBuf {
    corpus().join("features")
}

/// The Dev Container spec's schema `name` (`devContainer.base.schema.json`, `devContainerFeature.schema.json`),
/// from `reference/schemas` beside the corpus folder.
pub fn spec_schema(name: &str) -> PathBuf {
    let path = corpus().join("../reference/schemas").join(name);
    assert!(
        path.is_file(),
        "{} is missing\nhint: CONTAINAI_CORPUS names shared/corpus, beside shared/reference",
        path.display()
    );
    path
}
