//! `up`'s reference-CLI flags for real (engine-backed, runc insecure mode): `--additional-features` (also on
//! `build`), `--mount`, `--remote-env`; the docker socket through `--mount` is refused as in devcontainer.json,
//! and a malformed `--remote-env` fails before anything is built. Fails when no engine answers.

use crate::support::sandbox::{Home, Workspaces, json, local_feature};
use crate::support::{Images, docker, text, token};
use serde_json::json;

#[test]
fn additional_features_mounts_and_remote_env_reach_the_container() {
    let home = Home::new();
    let marker = token("flags");
    let feature = format!("ff-{marker}");
    let config = json!({
        "image": "containai-test/base:bookworm",
        "customizations": {"containai": {"ssh": false}},
        "postCreateCommand": "echo \"$CAI_FLAG\" > /cai-extra/flag"
    });
    let ws = home.workspace(&marker, &config);
    let _images = Workspaces(vec![ws.clone()]);
    local_feature(&ws, &feature, "0");
    let additional = json!({ format!("./{feature}"): {} }).to_string();
    let volume = format!("cai-flags-{marker}");

    // `build --plan` plans the added feature.
    let plan = home.run("build", Some(&ws), &["--plan", "--additional-features", &additional]);
    assert!(plan.status.success(), "{}", text(&plan));
    let layers = json(&plan)["layers"].as_array().unwrap().clone();
    assert!(layers.iter().any(|l| l["name"].as_str().unwrap().contains(&feature)), "{layers:?}");
    let images = Images::new();
    images.add(format!("containai-cache:{}", layers.last().unwrap()["key"].as_str().unwrap()));
    let feature_key = |l: &serde_json::Value| l["name"].as_str().unwrap().contains(&feature);
    images.add(format!("containai-cache:{}", layers.iter().find(|l| feature_key(l)).unwrap()["key"].as_str().unwrap()));

    let bad = home.run("up", Some(&ws), &["--allow-insecure-runtime", "--remote-env", "NOPE"]);
    assert!(!bad.status.success() && text(&bad).contains("`--remote-env NOPE` is not `NAME=value`"), "{}", text(&bad));
    let socket = home.run(
        "up",
        Some(&ws),
        &["--allow-insecure-runtime", "--mount", "type=bind,source=/var/run/docker.sock,target=/var/run/docker.sock"],
    );
    assert!(!socket.status.success() && text(&socket).contains("a socket on the host"), "{}", text(&socket));
    assert!(crate::support::sandbox::workspace_containers(&ws).is_empty(), "a refused up left a container");

    let mount = format!("type=volume,source={volume},target=/cai-extra");
    let up = home.run(
        "up",
        Some(&ws),
        &[
            "--allow-insecure-runtime",
            "--additional-features",
            &additional,
            "--mount",
            &mount,
            "--remote-env",
            "CAI_FLAG=on",
        ],
    );
    assert!(up.status.success(), "{}", text(&up));
    let id = json(&up)["containerId"].as_str().unwrap().to_string();
    assert_eq!(docker(&["exec", &id, "cat", "/cai-extra/flag", &format!("/etc/{feature}")]), format!("on\n{feature}"));
    drop(_images);
    docker(&["volume", "rm", "-f", &volume]);
}
