//! Every invalid fixture (fixtures/config/bad-*, the broken fixtures/features/*) → the CLI in both log formats:
//! a non-zero exit, no panic, a message that says where (file:line:column, file, or the property / feature it
//! is about) and what; with `--log-format json`, stderr is exactly one JSON object with message, location, hint.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The fixtures of fixtures/features that cannot be resolved (oci-reference needs a registry: not here).
const BAD_FEATURES: [&str; 12] = [
    "bad-dependency",
    "bad-enum",
    "bad-type",
    "cycle",
    "invalid-metadata",
    "missing-install",
    "missing-local",
    "outside-workspace",
    "override-absent",
    "unknown-builtin",
    "unknown-option",
    "unknown-reference",
];

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Every invalid fixture with the subcommand that reads it (features are resolved by `build --plan`).
fn cases() -> Vec<(PathBuf, &'static [&'static str])> {
    let mut cases: Vec<(PathBuf, &'static [&'static str])> = Vec::new();
    for entry in std::fs::read_dir(fixtures().join("config")).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().unwrap().to_string_lossy().starts_with("bad-") {
            cases.push((path, &["read-configuration"]));
        }
    }
    for name in BAD_FEATURES {
        cases.push((fixtures().join("features").join(name), &["build", "--plan"]));
    }
    cases.sort();
    cases
}

struct Run {
    code: i32,
    stderr: String,
}

fn run(fixture: &Path, command: &[&str], format: &str) -> Run {
    let extra = std::fs::read_to_string(fixture.join("args")).unwrap_or_default();
    let out = Command::new(env!("CARGO_BIN_EXE_containai"))
        .current_dir(fixture)
        .args(command)
        .args(["--workspace-folder", ".", "--log-format", format])
        .args(extra.split_whitespace())
        .env_remove("CONTAINAI_BASE_IMAGE")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"), "{}: {stderr}", fixture.display());
    Run { code: out.status.code().unwrap_or(-1), stderr }
}

/// The text a location must show up as in the plain-text message.
fn location_in_text(location: &Value) -> Vec<String> {
    let mut parts = Vec::new();
    if let Some(file) = location["file"].as_str() {
        let name = Path::new(file).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        match (location["line"].as_u64(), location["column"].as_u64()) {
            (Some(line), Some(column)) => parts.push(format!("{name}:{line}:{column}")),
            _ => parts.push(name),
        }
    }
    if let Some(pointer) = location["property"].as_str().filter(|p| p.starts_with('/')) {
        parts.push(format!("`{pointer}`"));
    }
    for key in ["feature", "option"] {
        if let Some(name) = location[key].as_str() {
            parts.push(name.split(" → ").next().unwrap().to_string());
        }
    }
    parts
}

#[test]
fn every_invalid_fixture_fails_saying_where_and_what_in_both_formats() {
    let cases = cases();
    assert!(cases.len() >= 30, "{} invalid fixtures", cases.len());
    for (fixture, command) in &cases {
        let name = fixture.file_name().unwrap().to_string_lossy().into_owned();
        let json = run(fixture, command, "json");
        assert_eq!(json.code, 1, "{name}: exit code; stderr: {}", json.stderr);
        let lines: Vec<&str> = json.stderr.lines().collect();
        let last = lines.last().unwrap_or_else(|| panic!("{name}: nothing on stderr"));
        // Every stderr line is JSON (infos before the error too); the last is the error.
        for line in &lines {
            serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("{name}: not JSON ({e}): {line}"));
        }
        let error: Value = serde_json::from_str(last).unwrap();
        assert_eq!(error["level"], "error", "{name}: {last}");
        let message = error["message"].as_str().unwrap_or_else(|| panic!("{name}: no message: {last}"));
        assert!(!message.is_empty() && !message.starts_with(char::is_uppercase), "{name}: {message}");
        assert!(error.get("hint").is_some(), "{name}: no `hint` key: {last}");
        let location = &error["location"];
        assert!(location.is_object(), "{name}: no location: {last}");
        if let Some(line) = location.get("line") {
            assert!(line.as_u64().unwrap() >= 1 && location["column"].as_u64().unwrap() >= 1, "{name}: {last}");
        }

        let text = run(fixture, command, "text");
        assert_eq!(text.code, 1, "{name}: exit code (text); stderr: {}", text.stderr);
        assert!(text.stderr.contains(&format!("error: {message}")), "{name}: what:\n{}", text.stderr);
        let wanted = location_in_text(location);
        assert!(!wanted.is_empty(), "{name}: an empty location: {location}");
        for part in wanted {
            assert!(text.stderr.contains(&part), "{name}: where: `{part}` missing in:\n{}", text.stderr);
        }
    }
}

#[test]
fn content_errors_point_at_line_and_column() {
    // Errors about what the file says (not whether it is there) carry file:line:column.
    for name in [
        "bad-syntax-missing-comma",
        "bad-syntax-missing-value",
        "bad-syntax-unclosed-object",
        "bad-not-utf8",
        "bad-type-container-env",
        "bad-type-forward-ports",
        "bad-port-out-of-range",
        "bad-enum-shutdown-action",
        "bad-lifecycle-command-type",
        "bad-localenv-without-name",
        "bad-mount-missing-target",
        "bad-containai-customization",
    ] {
        let out = run(&fixtures().join("config").join(name), &["read-configuration"], "json");
        let error: Value = serde_json::from_str(out.stderr.lines().last().unwrap()).unwrap();
        let location = &error["location"];
        assert!(location["line"].is_u64() && location["column"].is_u64(), "{name}: {}", out.stderr);
        assert!(location["file"].as_str().unwrap().ends_with(".json"), "{name}: {}", out.stderr);
    }
}
