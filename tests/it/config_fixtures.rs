//! fixtures/config/* → `containai read-configuration` output (stdout JSON, stderr, exit code), snapshot-tested.

use crate::support::config::{containai, fixtures, is_valid, prepare, redact};

#[test]
fn every_fixture_matches_its_snapshot() {
    let names = fixtures();
    assert!(names.len() >= 20, "fixtures/config looks empty: {names:?}");
    for name in names {
        let ws = prepare(&name);
        let out = containai(&ws);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.success(), is_valid(&name), "{name}: exit {:?}\n{stderr}", out.status);
        assert!(!stderr.contains("panicked"), "{name} panicked:\n{stderr}");
        let shown = if out.status.success() {
            let json: serde_json::Value =
                serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{name}: {e}: {stdout}"));
            assert_eq!(stdout.lines().count(), 1, "{name}: one JSON object on one line");
            serde_json::to_string_pretty(&json).unwrap()
        } else {
            assert!(stdout.is_empty(), "{name}: an error prints nothing on stdout");
            String::new()
        };
        let snapshot = format!("exit: {}\n--- stdout\n{shown}\n--- stderr\n{stderr}", out.status.code().unwrap_or(-1));
        insta::assert_snapshot!(name.clone(), redact(&snapshot, &ws));
    }
}
