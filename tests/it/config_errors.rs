//! Hostile or broken workspaces → a clear `ConfigError` from `config::load` and a non-zero exit from the CLI,
//! never a panic or a stack overflow.

use containai::config::{ConfigError, LoadOptions, load};
use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace_with(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(".devcontainer");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("devcontainer.json"), bytes).unwrap();
    let ws = tmp.path().to_path_buf();
    (tmp, ws)
}

fn load_ws(ws: &Path, config: Option<&str>) -> Result<containai::config::Loaded, ConfigError> {
    load(&LoadOptions { workspace_folder: ws.to_path_buf(), config_file: config.map(|c| ws.join(c)) })
}

/// Runs the CLI; returns (exit code, stderr).
fn cli(ws: &Path, extra: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_containai"))
        .args(["read-configuration", "--workspace-folder"])
        .arg(ws)
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.stdout.is_empty(), "nothing on stdout on error");
    assert!(!stderr.contains("panicked") && !stderr.contains("overflow"), "{stderr}");
    (out.status.code().unwrap_or(-1), stderr)
}

#[test]
fn missing_file() {
    let tmp = tempfile::tempdir().unwrap();
    let err = load_ws(tmp.path(), None).unwrap_err();
    assert!(matches!(err, ConfigError::NotFound(_)), "{err}");
    let err = load_ws(tmp.path(), Some("nope.json")).unwrap_err();
    assert!(err.to_string().contains("nope.json` does not exist"), "{err}");
    let (code, stderr) = cli(tmp.path(), &[]);
    assert_eq!(code, 1);
    assert!(stderr.starts_with("error: no devcontainer.json found"), "{stderr}");
    assert!(stderr.contains("hint:"), "{stderr}");
}

#[test]
fn a_directory_given_as_config() {
    let (_tmp, ws) = workspace_with(b"{}");
    let err = load_ws(&ws, Some(".devcontainer")).unwrap_err();
    assert!(matches!(err, ConfigError::IsDirectory(_)), "{err}");
    let (code, stderr) = cli(&ws, &["--config", ws.join(".devcontainer").to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(stderr.contains("is a directory"), "{stderr}");
}

#[test]
fn invalid_utf8() {
    let (_tmp, ws) = workspace_with(b"{\n  \"name\": \"caf\xe9\"\n}\n");
    let err = load_ws(&ws, None).unwrap_err();
    let ConfigError::NotUtf8 { line, column, .. } = err else { panic!("{err}") };
    assert_eq!((line, column), (2, 15));
    let (code, stderr) = cli(&ws, &[]);
    assert_eq!(code, 1);
    assert!(stderr.contains("devcontainer.json:2:15: not valid UTF-8"), "{stderr}");
}

#[test]
fn a_100_mb_file_is_refused_by_its_size() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(".devcontainer");
    std::fs::create_dir_all(&dir).unwrap();
    let file = std::fs::File::create(dir.join("devcontainer.json")).unwrap();
    file.set_len(100 * 1024 * 1024).unwrap(); // sparse: costs no disk
    let err = load_ws(tmp.path(), None).unwrap_err();
    // The full size can only come from the file's metadata: a read stops one byte past the limit.
    assert!(matches!(err, ConfigError::TooLarge { size: 104_857_600, .. }), "{err}");
    let (code, stderr) = cli(tmp.path(), &[]);
    assert_eq!(code, 1);
    assert!(stderr.contains("104857600 bytes, more than the"), "{stderr}");
}

#[test]
fn nesting_10_000_deep_neither_overflows_nor_panics() {
    for (open, close) in [("[", "]"), ("{\"a\":", "}")] {
        let text = format!("{{\"x\": {}1{}}}", open.repeat(10_000), close.repeat(10_000));
        let (_tmp, ws) = workspace_with(text.as_bytes());
        // Test threads have small stacks: a recursive parse of this would overflow here first.
        let err = load_ws(&ws, None).unwrap_err();
        let ConfigError::TooDeep { line, column, limit, .. } = err else { panic!("{err}") };
        assert_eq!((line, limit), (1, 128));
        assert!(column > 128, "{column}");
        let (code, stderr) = cli(&ws, &[]);
        assert_eq!(code, 1);
        assert!(stderr.contains("nesting deeper than 128 levels"), "{stderr}");
    }
}

#[test]
fn json_log_format_gives_one_json_line_per_message() {
    let (_tmp, ws) = workspace_with(b"{ \"image\": \"x\", \"forwardPorts\": [\"nope nope\"] }");
    let (code, stderr) = cli(&ws, &["--log-format", "json"]);
    assert_eq!(code, 1);
    let line: serde_json::Value = serde_json::from_str(stderr.trim_end()).expect("one JSON line");
    assert_eq!(line["level"], "error");
    assert!(line["message"].as_str().unwrap().contains("`/forwardPorts/0`"), "{line}");
}
