//! Fuzz input bytes → one parser of containai run on them, with the invariants that must hold for any input.
//!
//! Shared by the libFuzzer binaries (fuzz/fuzz_targets/*.rs) and by `tests/it/robust_fuzz_corpus.rs`, which
//! replays the seed corpus and every committed regression input through these same functions in `cargo test`.
//! A panic here (or a stack overflow, or a hang libFuzzer times out) is a bug in containai, not in the target.

#![allow(dead_code)]

use containai::config::discover::Found;
use containai::context::dockerignore::DockerIgnore;
use containai::features::metadata::FeatureMetadata;
use containai::features::oci::reference::OciRef;
use containai::policy::mounts;
use std::path::{Path, PathBuf};

/// The input as text: parsers take `&str`; non-UTF-8 bytes are the file reader's job (tested elsewhere).
fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// A host environment where every name with a letter first is set (so `${localEnv:X}` substitutes).
fn fake_env(name: &str) -> Option<String> {
    name.chars().next().filter(char::is_ascii_alphabetic).map(|_| format!("value-of-{name}"))
}

/// devcontainer.json text → parse, substitute, validate, type: `config::load_text` end to end.
pub fn config(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let workspace = Path::new("/fuzz/workspace");
    let found = Found { path: workspace.join(".devcontainer/devcontainer.json"), explicit: false };
    let git_root = |_: &Path| -> Option<PathBuf> { Some(PathBuf::from("/fuzz")) };
    match containai::config::load_text(workspace, &found, text, &fake_env, git_root) {
        Ok(loaded) => {
            // What read-configuration prints must be JSON that reads back (floats may round: not compared).
            let printed = serde_json::to_string(&loaded.value).expect("a loaded config serialises");
            serde_json::from_str::<serde_json::Value>(&printed).expect("printed config re-parses");
            let _ = serde_json::to_string(&loaded.model).expect("the typed model serialises");
        }
        Err(err) => {
            // Every error renders (Display walks line/column/excerpt code).
            let _ = err.to_string();
        }
    }
}

/// devcontainer-feature.json text → `FeatureMetadata::parse` (JSON5 parse, typed model, consistency check).
pub fn feature_metadata(data: &[u8]) {
    let Some(text) = text(data) else { return };
    if let Ok((model, value)) = FeatureMetadata::parse(text) {
        assert!(value.is_object(), "a feature's metadata is an object");
        model.check().expect("a parsed feature stays valid");
    }
}

/// `.dockerignore` text, then after a NUL byte one path per line → the exclusion test, two ways.
pub fn dockerignore(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let (patterns, paths) = text.split_once('\0').unwrap_or((text, "a\na/b\n.git/x"));
    let Ok(ignore) = DockerIgnore::parse(patterns) else { return };
    for path in paths.lines() {
        let excluded = ignore.is_excluded(path);
        // The incremental walk (as the context builder does it) agrees with the whole-path test.
        let mut state = ignore.root_state();
        let mut prefix = String::new();
        for part in path.split('/').filter(|p| !p.is_empty() && *p != ".") {
            if !prefix.is_empty() {
                prefix.push('/');
            }
            prefix.push_str(part);
            state = ignore.state_of(&state, &prefix);
        }
        assert_eq!(ignore.excluded(&state), excluded, "{path:?}");
        let _ = ignore.may_reinclude_below(path);
    }
}

/// A mount string in both Docker forms (`--mount` and `-v`) → a Docker API mount, or a reasoned error.
pub fn mounts(data: &[u8]) {
    let Some(text) = text(data) else { return };
    for parsed in [mounts::parse_mount(text), mounts::parse_volume(text)] {
        match parsed {
            Ok(mount) => {
                assert!(!mount.target.as_deref().unwrap_or("").is_empty(), "a mount always has a target: {text:?}");
                let _ = mounts::is_docker_socket(&mount);
            }
            Err(err) => assert!(!err.to_string().is_empty()),
        }
    }
}

/// An OCI feature reference → `OciRef::parse`; what it prints parses back to the same reference.
pub fn oci_reference(data: &[u8]) {
    let Some(text) = text(data) else { return };
    if let Some(reference) = OciRef::parse(text) {
        let printed = reference.to_string();
        assert_eq!(OciRef::parse(&printed).as_ref(), Some(&reference), "{text:?} → {printed:?}");
        let _ = (reference.path(), reference.resource(), reference.tag());
    }
    let tags: Vec<String> = text.split(',').map(str::to_string).collect();
    let _ = containai::features::oci::reference::choose_tag(tags.first().map_or("", String::as_str), &tags);
}
