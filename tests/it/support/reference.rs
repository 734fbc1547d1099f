//! The reference `devcontainer` CLI (a test that compares with it fails when it is missing) and
//! `read-configuration --include-features-configuration` of containai and of it, compared key by key.
#![allow(dead_code)]

use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// Keys of the reference's output that name its temporary staging folder; containai stages nothing.
pub const STAGING_KEYS: [&str; 2] = ["cachePath", "dstFolder"];

/// The reference CLI's version; panics (the test fails) when it is not on PATH.
pub fn require_reference_cli() -> String {
    let out = Command::new("devcontainer").arg("--version").output();
    match out {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).trim().to_string(),
        _ => panic!(
            "this test compares with the reference CLI, and `devcontainer` is not on PATH\n\
             hint: `npm install -g @devcontainers/cli` (scripts/setup installs it)"
        ),
    }
}

/// `program read-configuration --include-features-configuration` in `workspace` (plus `extra` arguments):
/// (success, stdout's last line as JSON or null, stderr).
pub fn read_configuration(
    program: &str,
    workspace: &Path,
    extra: &[&str],
    envs: &[(&str, &Path)],
) -> (bool, Value, String) {
    let out = Command::new(program)
        .args(["read-configuration", "--include-features-configuration", "--workspace-folder"])
        .arg(workspace)
        .args(extra)
        .envs(envs.iter().map(|(k, v)| (*k, *v)))
        .output()
        .unwrap_or_else(|e| panic!("`{program}` runs: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json = stdout.lines().rev().find_map(|l| serde_json::from_str(l).ok()).unwrap_or(Value::Null);
    (out.status.success(), json, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Every difference between `ours` and `theirs` (paths like `/featureSets/0/features/0/value`), except
/// `theirs` having the [`STAGING_KEYS`] that `ours` lacks.
pub fn differences(ours: &Value, theirs: &Value) -> Vec<String> {
    let mut out = Vec::new();
    diff(ours, theirs, "", &mut out);
    out
}

fn diff(ours: &Value, theirs: &Value, at: &str, out: &mut Vec<String>) {
    match (ours, theirs) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in b {
                match a.get(key) {
                    Some(mine) => diff(mine, value, &format!("{at}/{key}"), out),
                    None if STAGING_KEYS.contains(&key.as_str()) => {}
                    None => out.push(format!("{at}/{key}: missing in containai's (reference: {value})")),
                }
            }
            for key in a.keys().filter(|k| !b.contains_key(*k)) {
                out.push(format!("{at}/{key}: only in containai's ({})", a[key]));
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                diff(x, y, &format!("{at}/{i}"), out);
            }
        }
        _ if ours != theirs => out.push(format!("{at}: containai {ours} ≠ reference {theirs}")),
        _ => {}
    }
}

/// Both tools' `featuresConfiguration` of `workspace` are the same but for the staging keys; containai runs
/// with `extra` arguments and `envs`. Returns containai's output.
pub fn assert_same_features_configuration(workspace: &Path, extra: &[&str], envs: &[(&str, &Path)]) -> Value {
    require_reference_cli();
    let (ok, ours, err) = read_configuration(env!("CARGO_BIN_EXE_containai"), workspace, extra, envs);
    assert!(ok, "containai read-configuration failed: {err}");
    let (ok, theirs, err) = read_configuration("devcontainer", workspace, &[], &[]);
    assert!(ok, "devcontainer read-configuration failed: {err}");
    let keys = |v: &Value| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
    assert_eq!(keys(&ours), keys(&theirs), "top-level keys");
    let differ = differences(&ours["featuresConfiguration"], &theirs["featuresConfiguration"]);
    assert!(differ.is_empty(), "featuresConfiguration differs:\n{}", differ.join("\n"));
    for key in STAGING_KEYS {
        assert!(theirs.to_string().contains(&format!("\"{key}\"")), "the reference printed no `{key}`");
    }
    ours
}
