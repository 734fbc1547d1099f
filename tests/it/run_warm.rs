//! A warm `up` for real (engine-backed, runc insecure mode): the second `up` of a running, unchanged workspace
//! answers from the first one's result (same line, nothing run in the container); a restart of the container,
//! an edited config or an edited local feature each make it a full `up` again. Prints what each took.

use crate::support::sandbox::{Home, Workspaces, json, local_feature};
use crate::support::{docker, text, token};
use serde_json::json;
use std::time::Instant;

const WARM: &str = "the container is up and nothing it is made from changed";

#[test]
fn an_unchanged_running_workspace_answers_from_its_last_up() {
    let home = Home::new();
    let marker = token("warm");
    let config = json!({"image": crate::support::BASE_IMAGE, "features": {format!("./{marker}"): {}},
                        "mounts": ["type=bind,source=${localWorkspaceFolder}/data,target=/data"]});
    let ws = home.workspace(&marker, &config);
    std::fs::create_dir_all(ws.join("data")).unwrap();
    local_feature(&ws, &marker, "0");
    let _containers = Workspaces(vec![ws.clone()]);
    let up = || {
        let start = Instant::now();
        let out = home.run("up", Some(&ws), &["--allow-insecure-runtime"]);
        (out, start.elapsed())
    };

    let (first, cold) = up();
    assert!(first.status.success(), "{}", text(&first));
    assert!(!text(&first).contains(WARM));
    let (second, warm) = up();
    assert!(second.status.success() && text(&second).contains(WARM), "{}", text(&second));
    assert_eq!(json(&second), json(&first), "the same result line");
    println!("up: first {cold:?}, warm {warm:?}");

    // A restart of the container is another boot: the full `up` (probes, keys) again.
    let id = json(&first)["containerId"].as_str().unwrap().to_string();
    docker(&["restart", "-t", "1", &id]);
    let (restarted, _) = up();
    assert!(restarted.status.success() && !text(&restarted).contains(WARM), "{}", text(&restarted));
    let (again, _) = up();
    assert!(text(&again).contains(WARM), "{}", text(&again));

    // An edited local feature or config is a full `up` (here: the image changed, the container is kept and said so).
    local_feature(&ws, &marker, "0 # edited");
    let (edited, _) = up();
    assert!(edited.status.success() && !text(&edited).contains(WARM), "{}", text(&edited));
    let mut changed = config.clone();
    changed["containerEnv"] = json!({"WARM_TEST": "1"});
    std::fs::write(ws.join(".devcontainer/devcontainer.json"), changed.to_string()).unwrap();
    let (reconfigured, _) = up();
    assert!(reconfigured.status.success() && !text(&reconfigured).contains(WARM), "{}", text(&reconfigured));

    let (warm_again, _) = up();
    assert!(text(&warm_again).contains(WARM), "{}", text(&warm_again));

    // The agent turns the mounted folder into a link to the user's keys: the warm path asks the policy too.
    std::fs::create_dir_all(home.path().join(".ssh")).unwrap();
    std::fs::remove_dir(ws.join("data")).unwrap();
    std::os::unix::fs::symlink(home.path().join(".ssh"), ws.join("data")).unwrap();
    let (refused, _) = up();
    assert!(
        !refused.status.success() && text(&refused).contains("credentials in the home folder"),
        "{}",
        text(&refused)
    );
}
