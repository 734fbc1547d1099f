//! `containai templates apply|list|show` and `containai init` as a user runs them → `{"files": [...]}` on stdout,
//! or a clear error with NOTHING written (existing file, unknown option, enum, type, unknown template, omit paths).

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn containai(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_containai")).args(args).current_dir(cwd).stdin(Stdio::null()).output().unwrap()
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/templates/local-hello")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn files(out: &Output) -> Vec<String> {
    assert!(out.status.success(), "{}", stderr(out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    serde_json::from_value(v["files"].clone()).unwrap()
}

/// Every path under `dir` with its content.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Option<Vec<u8>>)> {
    let mut out: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .map(|e| (e.path().to_path_buf(), std::fs::read(e.path()).ok()))
        .collect();
    out.sort();
    out
}

#[test]
fn a_local_template_folder_works_like_a_builtin() {
    let dir = tempfile::tempdir().unwrap();
    let t = fixture();
    let args = r#"{"greeting": "bonjour", "size": "large", "docker": true}"#;
    let out = containai(&["templates", "apply", "-t", t.to_str().unwrap(), "-a", args, "-w", "ws"], dir.path());
    assert_eq!(files(&out), ["./.devcontainer/devcontainer.json", "./.devcontainer/hello.sh", "./docs/GUIDE.md"]);
    let ws = dir.path().join("ws");
    let config = std::fs::read_to_string(ws.join(".devcontainer/devcontainer.json")).unwrap();
    assert!(config.starts_with("// local-hello, size large\n"), "{config}");
    assert!(config.contains(r#""compose": true"#) && config.contains(r#""GREETING": "bonjour""#), "{config}");
    assert!(config.contains("${localEnv:HOME}"), "other variables are left for the config stage: {config}");
    let script = ws.join(".devcontainer/hello.sh");
    assert_eq!(std::fs::read_to_string(&script).unwrap(), "#!/bin/sh\necho \"bonjour, docker=true\"\n");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&script).unwrap().permissions().mode() & 0o777, 0o755);
    assert_eq!(std::fs::read_to_string(ws.join("docs/GUIDE.md")).unwrap(), "# Guide (large)\n");
    assert!(
        !ws.join("README.md").exists()
            && !ws.join("NOTES.md").exists()
            && !ws.join("devcontainer-template.json").exists()
    );
    let read = containai(&["read-configuration", "--workspace-folder", "ws"], dir.path());
    assert!(read.status.success(), "{}", stderr(&read));
    let value: Value = serde_json::from_slice(&read.stdout).unwrap();
    assert_eq!(value["configuration"]["name"], "local-hello-large");

    // Relative path, defaults, an optional folder left out (the reference CLI's JSON array form too).
    for omit in ["docs/", r#"["docs/*"]"#] {
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("my-template");
        for (path, bytes) in snapshot(&t).into_iter().filter_map(|(p, b)| Some((p, b?))) {
            let target = copy.join(path.strip_prefix(&t).unwrap());
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(target, bytes).unwrap();
        }
        let out = containai(&["templates", "apply", "-t", "./my-template", "--omit-paths", omit], dir.path());
        assert_eq!(files(&out), ["./.devcontainer/devcontainer.json", "./.devcontainer/hello.sh"], "{omit}");
        let config = std::fs::read_to_string(dir.path().join(".devcontainer/devcontainer.json")).unwrap();
        assert!(config.contains(r#""compose": false"#) && config.contains("local-hello-small"), "{config}");
    }
}

#[test]
fn refusals_write_nothing() {
    let t = fixture();
    let t = t.to_str().unwrap();
    let cases: [(&[&str], &str); 9] = [
        (
            &["-t", t, "-a", r#"{"colour": "red"}"#],
            "template `local-hello` has no option `colour`\nhint: its options are `greeting`, `size`, `docker`",
        ),
        (
            &["-t", t, "-a", r#"{"size": "medium"}"#],
            "option `size` of template `local-hello` must be one of `small`, `large`, not `medium`",
        ),
        (
            &["-t", t, "-a", r#"{"docker": "yes"}"#],
            "option `docker` of template `local-hello` is a boolean, not the string `yes`",
        ),
        (&["-t", t, "-a", r#"{"greeting": 1}"#], "is a string, not the number `1`"),
        (&["-t", t, "-a", r#"["x"]"#], "template options must be a JSON object"),
        (
            &["-t", t, "-a", r#"{"greeting": "say \"hi\""}"#],
            "`.devcontainer/devcontainer.json` is not a valid devcontainer.json",
        ),
        (&["-t", t, "--omit-paths", "doc/"], "`--omit-paths` `doc/` matches no file of template `local-hello`"),
        (
            &["-t", "no-such-template"],
            "there is no built-in template `no-such-template`\nhint: the built-ins are `agent-sandbox`, `minimal`",
        ),
        (&["-t", "./missing-folder"], "`./missing-folder` is not a template"),
    ];
    for (args, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        let mut all = vec!["templates", "apply", "-w", "ws"];
        all.extend_from_slice(args);
        let out = containai(&all, dir.path());
        assert!(!out.status.success(), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}: {}", String::from_utf8_lossy(&out.stdout));
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
        assert!(!dir.path().join("ws").exists(), "{args:?}: the workspace folder was created");
    }
}

#[test]
fn existing_files_are_kept_unless_forced_and_then_named() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path();
    std::fs::create_dir_all(ws.join(".devcontainer")).unwrap();
    std::fs::write(ws.join(".devcontainer/devcontainer.json"), "{\"image\": \"mine\"}").unwrap();
    let before = snapshot(ws);
    let t = fixture();
    let out = containai(&["templates", "apply", "-t", t.to_str().unwrap()], ws);
    assert!(!out.status.success() && out.stdout.is_empty());
    let err = stderr(&out);
    assert!(
        err.contains("a file to write already exists; nothing was written") && err.contains("hint: pass `--force`"),
        "{err}"
    );
    assert!(err.contains(&ws.join(".devcontainer/devcontainer.json").display().to_string()), "{err}");
    assert_eq!(snapshot(ws), before, "the template's other files were not written either");

    let out = containai(&["templates", "apply", "-t", t.to_str().unwrap(), "--force"], ws);
    assert_eq!(files(&out).len(), 3);
    let err = stderr(&out);
    assert_eq!(err.matches("replaced `").count(), 1, "{err}");
    assert!(err.contains(".devcontainer/devcontainer.json` (`--force`)"), "{err}");
    let config = std::fs::read_to_string(ws.join(".devcontainer/devcontainer.json")).unwrap();
    assert!(config.contains("local-hello-small"), "{config}");
    let leftovers: Vec<_> =
        snapshot(ws).into_iter().filter(|(p, _)| p.to_string_lossy().contains(".containai-")).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn init_applies_agent_sandbox_with_defaults_when_stdin_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let out = containai(&["init", "-w", "project"], dir.path());
    assert_eq!(files(&out), ["./.devcontainer/devcontainer.json"]);
    assert!(stderr(&out).contains("from template `agent-sandbox`"), "{}", stderr(&out));
    let config = std::fs::read_to_string(dir.path().join("project/.devcontainer/devcontainer.json")).unwrap();
    assert!(
        config.contains("\"remoteUser\": \"agent\"") && config.contains("\"image\": \"debian:bookworm\""),
        "{config}"
    );
    let out =
        containai(&["init", "-w", "other", "-t", "minimal", "-a", r#"{"baseImage": "ubuntu:24.04"}"#], dir.path());
    assert_eq!(files(&out), ["./.devcontainer/devcontainer.json"]);
}

/// Runs `containai init` on a pseudo-terminal (util-linux `script`) and answers its questions.
#[test]
fn init_on_a_terminal_asks_for_each_option() {
    let dir = tempfile::tempdir().unwrap();
    let command = format!("{} init -w project", env!("CARGO_BIN_EXE_containai"));
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("util-linux `script` runs the prompt on a terminal");
    use std::io::Write;
    // baseImage: the 4th proposal; userName: typed; packages: typed.
    child.stdin.take().unwrap().write_all(b"4\nbob\ngit jq\n").unwrap();
    let out = child.wait_with_output().unwrap();
    let shown = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{shown}");
    assert!(shown.contains("baseImage [debian:bookworm]: "), "{shown}");
    assert!(shown.contains("4) containai-test/base:bookworm"), "{shown}");
    assert!(shown.contains("userName [agent]: "), "{shown}");
    let config = std::fs::read_to_string(dir.path().join("project/.devcontainer/devcontainer.json")).unwrap();
    assert!(config.contains("\"image\": \"containai-test/base:bookworm\""), "{config}");
    assert!(config.contains("\"remoteUser\": \"bob\"") && config.contains("\"packages\": \"git jq\""), "{config}");
}

#[test]
fn list_and_show_describe_the_builtins() {
    let dir = tempfile::tempdir().unwrap();
    let out = containai(&["templates", "list", "--json"], dir.path());
    assert!(out.status.success());
    let list: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = list.iter().map(|t| t["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["agent-sandbox", "minimal", "node", "python", "rust"]);
    assert_eq!(list[0]["options"]["baseImage"]["default"], "debian:bookworm");

    let out = containai(&["templates", "list"], dir.path());
    assert!(
        String::from_utf8_lossy(&out.stdout).lines().next().unwrap().contains("agent-sandbox  Agent sandbox (default)")
    );

    let out = containai(&["templates", "show", "python", "--json"], dir.path());
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["metadata"]["id"], "python");
    assert_eq!(shown["files"], json!([".devcontainer/devcontainer.json"]));

    let out = containai(&["templates", "show", fixture().to_str().unwrap()], dir.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("size (string, default `small`)") && text.contains("one of: small, large"), "{text}");
    assert!(text.contains("docker (boolean, default `false`)") && text.contains("docs/GUIDE.md (optional)"), "{text}");
}
