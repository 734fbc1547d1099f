//! A feature's `entrypoint` for real (engine-backed, runc insecure mode): installed as a systemd service, it
//! runs at boot with the container's environment and stays up with `sleep infinity` as its command. Fails when
//! no engine answers.

use crate::support::sandbox::{Home, Workspaces, json, own_tags, plan_layers};
use crate::support::{Images, docker, text, token};
use serde_json::json;
use std::time::{Duration, Instant};

#[test]
fn a_feature_entrypoint_runs_as_a_service_with_the_container_env() {
    let home = Home::new();
    let marker = token("entry");
    let id = format!("ep-{marker}");
    let ws = home.workspace(
        &marker,
        &json!({
            "image": "containai-test/base:bookworm",
            "containerEnv": {"CAI_ENTRY": "from-container-env"},
            "features": { format!("./{id}"): {} },
            "customizations": {"containai": {"ssh": false}}
        }),
    );
    let _images = Workspaces(vec![ws.clone()]);
    let dir = ws.join(".devcontainer").join(&id);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("devcontainer-feature.json"),
        json!({"id": id, "version": "1.0.0", "entrypoint": "/usr/local/share/cai-entry.sh"}).to_string(),
    )
    .unwrap();
    let install = "#!/bin/sh\nset -e\nprintf '#!/bin/sh\\necho \"$CAI_ENTRY $*\" > /run/cai-entry\\nexec \"$@\"\\n' > /usr/local/share/cai-entry.sh\nchmod +x /usr/local/share/cai-entry.sh\n";
    std::fs::write(dir.join("install.sh"), install).unwrap();

    let images = Images::new();
    own_tags(&plan_layers(&home, &ws), &marker).into_iter().for_each(|t| images.add(t));
    let up = home.run("up", Some(&ws), &["--allow-insecure-runtime"]);
    assert!(up.status.success(), "{}", text(&up));
    let result = json(&up);
    let container = result["containerId"].as_str().unwrap().to_string();

    let unit = format!("containai-feature-{id}.service");
    let deadline = Instant::now() + Duration::from_secs(30);
    let (ran, active) = loop {
        let ran = docker(&["exec", &container, "cat", "/run/cai-entry"]);
        let active = docker(&["exec", &container, "systemctl", "is-active", &unit]);
        if (ran.ends_with("infinity") && active == "active") || Instant::now() > deadline {
            break (ran, active);
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(ran, "from-container-env /bin/sleep infinity");
    assert_eq!(active, "active", "{}", docker(&["exec", &container, "systemctl", "status", &unit]));
    assert!(result["failedUnits"].as_array().unwrap().is_empty(), "{result}");
}
