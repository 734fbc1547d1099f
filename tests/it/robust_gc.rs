//! `containai gc` against the real engine, on layers this test makes under its own key prefix (so it never
//! looks at another test's layers): layers under a named image or a container stay, with their ancestors; the
//! rest go, `--dry-run` only lists; once the users are gone, the rest goes too.

use crate::support::sandbox::{Home, json};
use crate::support::{Images, docker, text, token};
use serde_json::Value;
use std::process::{Command, Stdio};

/// `docker build` (classic builder) of `dockerfile` with no context: the layer keyed `key`.
fn layer(key: &str, from: &str, parent_key: Option<&str>, extra_tag: Option<&str>) -> String {
    let tag = format!("containai-cache:{key}");
    let mut cmd = Command::new("docker");
    cmd.env("DOCKER_BUILDKIT", "0").args(["build", "-q", "-t", &tag, "--label", &format!("containai.key={key}")]);
    if let Some(parent) = parent_key {
        cmd.args(["--label", &format!("containai.parent-key={parent}")]);
    }
    if let Some(extra) = extra_tag {
        cmd.args(["-t", extra]);
    }
    let mut child = cmd.arg("-").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(format!("FROM {from}\nENV CAI_GC={key}\n").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "docker build: {}", text(&out));
    tag
}

fn keys(output: &Value, field: &str) -> Vec<String> {
    let mut keys: Vec<String> =
        output[field].as_array().unwrap().iter().map(|l| l["key"].as_str().unwrap().to_string()).collect();
    keys.sort();
    keys
}

fn exists(reference: &str) -> bool {
    !docker(&["image", "inspect", "--format", "{{.Id}}", reference]).is_empty()
}

#[test]
fn gc_keeps_used_layers_and_their_ancestors_and_removes_the_rest() {
    let home = Home::new();
    let prefix = token("gc");
    let k = |name: &str| format!("{prefix}{name}");
    let named = format!("cai-gc-{prefix}:keep");
    let container = format!("cai-gc-{prefix}");
    let images = Images::new();
    for name in ["base", "named", "used", "orphan", "alone", "child"] {
        images.add(format!("containai-cache:{}", k(name)));
    }
    images.add(named.clone());

    // base ← named (also tagged by a name) ; base ← used (a container's image) ; base ← orphan ← child ; alone.
    let base = layer(&k("base"), "containai-test/base:bookworm", None, None);
    layer(&k("named"), &base, Some(&k("base")), Some(&named));
    let used = layer(&k("used"), &base, Some(&k("base")), None);
    let orphan = layer(&k("orphan"), &base, Some(&k("base")), None);
    layer(&k("child"), &orphan, Some(&k("orphan")), None);
    layer(&k("alone"), "containai-test/base:bookworm", None, None);
    let created = docker(&["create", "--name", &container, "--network", "none", &used, "/bin/true"]);
    assert!(!created.is_empty(), "docker create failed");
    struct Rm(String);
    impl Drop for Rm {
        fn drop(&mut self) {
            docker(&["rm", "-f", &self.0]);
        }
    }
    let rm = Rm(container.clone());

    let dry = home.run("gc", None, &["--dry-run", "--key-prefix", &prefix]);
    assert!(dry.status.success(), "{}", text(&dry));
    let dry = json(&dry);
    assert_eq!(dry["dryRun"], true);
    assert_eq!(keys(&dry, "removed"), [k("alone"), k("child"), k("orphan")]);
    assert_eq!(keys(&dry, "kept"), [k("base"), k("named"), k("used")]);
    let removed = dry["removed"].as_array().unwrap();
    let pos = |key: &str| removed.iter().position(|l| l["key"] == key).unwrap();
    assert!(pos(&k("child")) < pos(&k("orphan")), "children are removed first: {dry}");
    let why = |key: String| {
        dry["kept"].as_array().unwrap().iter().find(|l| l["key"] == key.as_str()).unwrap()["usedBy"].clone()
    };
    assert_eq!(why(k("used")), format!("container `{container}`"));
    assert_eq!(why(k("named")), format!("image `{named}`"));
    assert!(
        ["alone", "child", "orphan"].iter().all(|n| exists(&format!("containai-cache:{}", k(n)))),
        "a dry run removed something"
    );

    let real = home.run("gc", None, &["--key-prefix", &prefix]);
    assert!(real.status.success(), "{}", text(&real));
    assert_eq!(keys(&json(&real), "removed"), [k("alone"), k("child"), k("orphan")]);
    for (name, kept) in
        [("base", true), ("named", true), ("used", true), ("orphan", false), ("child", false), ("alone", false)]
    {
        assert_eq!(exists(&format!("containai-cache:{}", k(name))), kept, "layer `{name}`");
    }
    assert!(exists(&named));

    // Nothing used is ever removed, also on a second pass.
    let again = json(&home.run("gc", None, &["--key-prefix", &prefix]));
    assert!(keys(&again, "removed").is_empty(), "{again}");

    // Once the container and the name are gone, their layers are unused too.
    drop(rm);
    docker(&["rmi", &named]);
    let last = json(&home.run("gc", None, &["--key-prefix", &prefix]));
    assert_eq!(keys(&last, "removed"), [k("base"), k("named"), k("used")]);
    assert!(["base", "named", "used"].iter().all(|n| !exists(&format!("containai-cache:{}", k(n)))));
}
