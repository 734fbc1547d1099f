//! fixtures/config/* → the reference CLI's `devcontainer read-configuration` and containai's, compared exactly.
//!
//! Runs when `devcontainer` (npm `@devcontainers/cli`) is on PATH; with `CONTAINAI_REQUIRE_REFERENCE=1` (CI) its
//! absence is a failure.

mod config_support;

use config_support::{command, containai, fixtures, is_valid, prepare};
use std::process::Command;

/// Fixtures the reference CLI also refuses (it does not validate against a schema, so not all `bad-*` ones).
const REFUSED_BY_BOTH: &[&str] = &[
    "bad-config-missing",
    "bad-localenv-without-name",
    "bad-no-config",
    "bad-not-an-object",
    "bad-several-configs",
    "bad-empty-file",
];

fn reference_available() -> bool {
    let found = Command::new("devcontainer").arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        let banner = "!".repeat(78);
        eprintln!("{banner}\n!! `devcontainer` (the reference CLI) is not on PATH: conformance NOT checked.\n!! install it with `npm install -g @devcontainers/cli`\n{banner}");
        assert!(
            std::env::var_os("CONTAINAI_REQUIRE_REFERENCE").is_none(),
            "CONTAINAI_REQUIRE_REFERENCE is set but `devcontainer` is missing"
        );
    }
    found
}

#[test]
fn read_configuration_matches_the_reference_cli() {
    if !reference_available() {
        return;
    }
    let mut compared = 0;
    let mut mismatches = Vec::new();
    for name in fixtures().into_iter().filter(|n| is_valid(n)) {
        let ws = prepare(&name);
        let ours = containai(&ws);
        let theirs = command("devcontainer", &ws).output().expect("run devcontainer");
        assert!(ours.status.success(), "{name}: containai failed:\n{}", String::from_utf8_lossy(&ours.stderr));
        assert!(theirs.status.success(), "{name}: devcontainer failed:\n{}", String::from_utf8_lossy(&theirs.stderr));
        let ours: serde_json::Value = serde_json::from_slice(&ours.stdout).expect("containai prints JSON");
        let theirs: serde_json::Value = serde_json::from_slice(&theirs.stdout).expect("devcontainer prints JSON");
        // Compare serialised text: key order counts too.
        let (a, b) = (serde_json::to_string_pretty(&ours).unwrap(), serde_json::to_string_pretty(&theirs).unwrap());
        if a != b {
            mismatches.push(format!("== {name}\n-- containai\n{a}\n-- devcontainer\n{b}"));
        }
        compared += 1;
    }
    assert!(mismatches.is_empty(), "{} of {compared} fixtures differ:\n{}", mismatches.len(), mismatches.join("\n"));
    assert!(compared >= 15, "only {compared} valid fixtures compared");
}

#[test]
fn both_refuse_the_same_broken_workspaces() {
    if !reference_available() {
        return;
    }
    for name in REFUSED_BY_BOTH {
        let ws = prepare(name);
        let ours = containai(&ws);
        let theirs = command("devcontainer", &ws).output().expect("run devcontainer");
        assert!(!ours.status.success(), "{name}: containai accepted it");
        assert!(!theirs.status.success(), "{name}: the reference accepted it; drop it from REFUSED_BY_BOTH");
    }
}
