//! `containai build` stopped by SIGINT or SIGKILL at many points (at each new layer, then after growing delays)
//! against the real engine: each stop leaves no build container or process behind, every `containai-cache`
//! tag of the plan names a complete layer (its labels carry its key and its parent's key, its parent image is
//! an ancestor, the feature's file is in it), SIGINT exits 130 with a message, and the next run completes.

use crate::support::daemon::SecondEngine;
use crate::support::sandbox::{Home, chain, json, local_feature, own_tags, plan_layers as plan};
use crate::support::{Images, docker, text, token};
use serde_json::Value;
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

const FEATURES: [&str; 3] = ["fa", "fb", "fc"];

fn inspect(reference: &str) -> Option<Value> {
    let out = docker(&["image", "inspect", reference]);
    serde_json::from_str::<Value>(&out).ok().and_then(|v| v.get(0).cloned())
}

/// Every tagged layer of the plan is complete and consistent; the ones checked in full are remembered.
fn check_tags(layers: &[(String, String, Option<String>)], features: &[String], verified: &mut HashSet<String>) {
    for (name, key, parent) in layers {
        let Some(image) = inspect(&format!("containai-cache:{key}")) else { continue };
        let labels = &image["Config"]["Labels"];
        assert_eq!(labels["containai.key"].as_str(), Some(key.as_str()), "layer `{name}`: {labels}");
        assert_eq!(labels["containai.parent-key"].as_str(), parent.as_deref(), "layer `{name}`: {labels}");
        if !verified.insert(key.clone()) {
            continue;
        }
        // Built on a complete parent layer (another test may have re-tagged the shared parent meanwhile).
        if let Some(parent) = parent {
            assert!(
                inspect(&format!("containai-cache:{parent}")).is_some(),
                "layer `{name}` is tagged, its parent is not"
            );
            assert!(
                chain(&format!("containai-cache:{key}")).iter().skip(1).any(|(_, k)| k == parent),
                "layer `{name}` is not built on its parent"
            );
        }
        // A feature's layer holds everything its install.sh made.
        for id_of in features.iter().filter(|f| name.contains(f.as_str())) {
            let out = docker(&[
                "run",
                "--rm",
                "--network",
                "none",
                "--entrypoint",
                "cat",
                &format!("containai-cache:{key}"),
                &format!("/etc/{id_of}"),
            ]);
            assert_eq!(out, *id_of, "layer `{name}` is partial");
        }
    }
}

/// No build container and no install.sh of this test is left, once the engine had a moment to clean up.
fn check_no_debris(marker: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let containers = docker(&["ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Command}}"]);
        let ours: Vec<&str> = containers.lines().filter(|l| l.contains(marker)).collect();
        let procs =
            std::process::Command::new("pgrep").args(["-f", &format!("sleep 1.{}", digits(marker))]).output().unwrap();
        if ours.is_empty() && procs.stdout.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "left behind: {ours:?} / processes {}",
            String::from_utf8_lossy(&procs.stdout)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn digits(marker: &str) -> String {
    let d: String = marker.chars().filter(char::is_ascii_digit).collect();
    d[d.len().saturating_sub(6)..].to_string()
}

fn kill(child: &Child, signal: i32) {
    unsafe { libc::kill(child.id() as i32, signal) };
}

#[test]
fn build_survives_sigint_and_sigkill_at_every_point() {
    let home = Home::new();
    let marker = token("int");
    let ids: Vec<String> = FEATURES.iter().map(|f| format!("{f}-{marker}")).collect();
    let features: serde_json::Map<String, Value> =
        ids.iter().map(|id| (format!("./{id}"), serde_json::json!({}))).collect();
    let ws = home.workspace("ws", &serde_json::json!({"image": "containai-test/base:bookworm", "features": features}));
    let seconds = format!("1.{}", digits(&marker));
    for id in &ids {
        local_feature(&ws, id, &seconds);
    }
    let layers = plan(&home, &ws);
    let images = Images::new();
    own_tags(&layers, &marker).into_iter().for_each(|t| images.add(t));
    let mut verified = HashSet::new();

    // SIGINT as each new layer starts building: the layer in progress is stopped, the ones before stay.
    let mut built_layers = 0;
    for round in 1..=4 {
        let mut child =
            home.command("build", Some(&ws), &[]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let stderr = BufReader::new(child.stderr.take().unwrap());
        let mut starts = 0;
        let mut log = String::new();
        let mut signalled = false;
        for line in stderr.lines().map_while(Result::ok) {
            log.push_str(&line);
            log.push('\n');
            if line.contains("building layer") && line.contains(&marker) {
                starts += 1;
                if starts == 2.min(round) && !signalled {
                    std::thread::sleep(Duration::from_millis(300));
                    kill(&child, libc::SIGINT);
                    signalled = true;
                }
            }
        }
        let status = child.wait().unwrap();
        if signalled {
            assert_eq!(status.code(), Some(130), "round {round}: {log}");
            assert!(log.contains("interrupted by SIGINT"), "round {round}: {log}");
        } else {
            assert!(status.success(), "round {round}: {log}");
        }
        check_no_debris(&marker);
        check_tags(&layers, &ids, &mut verified);
        built_layers = verified.len();
    }
    assert!(built_layers >= 2, "each interrupted round should have kept the layers before the one it stopped");

    // Then after growing delays, alternating SIGKILL and SIGINT, on a fresh set of keys for the later layers.
    let more = format!("{marker}m");
    let extra: Vec<String> = ["fd", "fe"].iter().map(|f| format!("{f}-{more}")).collect();
    let mut all = features.clone();
    for id in &extra {
        local_feature(&ws, id, &seconds);
        all.insert(format!("./{id}"), serde_json::json!({}));
    }
    std::fs::write(
        ws.join(".devcontainer/devcontainer.json"),
        serde_json::json!({"image": "containai-test/base:bookworm", "features": all}).to_string(),
    )
    .unwrap();
    let layers = plan(&home, &ws);
    own_tags(&layers, &marker).into_iter().for_each(|t| images.add(t));
    let every: Vec<String> = ids.iter().chain(&extra).cloned().collect();
    for (i, delay) in [0u64, 120, 400, 900, 1500, 2300, 3200, 4500].iter().enumerate() {
        let child = home.command("build", Some(&ws), &[]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(*delay));
        kill(&child, if i % 2 == 0 { libc::SIGKILL } else { libc::SIGINT });
        let mut child = child;
        child.wait().unwrap();
        check_no_debris(&marker);
        check_tags(&layers, &every, &mut verified);
    }

    // The next run completes, and every layer is then tagged and complete.
    let out = home.run("build", Some(&ws), &[]);
    assert!(out.status.success(), "{}", text(&out));
    check_tags(&layers, &every, &mut verified);
    for (name, key, _) in &layers {
        assert!(verified.contains(key), "layer `{name}` missing after the final build");
    }
}

/// On a second engine of its own (the shared one is never restarted): the engine restarts while `up` waits
/// for the container; `up` fails with a message naming the engine, and the next `up`, once the engine is
/// back, brings the same workspace up.
#[test]
fn an_engine_restart_during_up_fails_clearly_and_the_next_up_recovers() {
    let home = Home::new();
    let config = serde_json::json!({
        "image": "containai-test/base:bookworm",
        "runArgs": ["--network=none"],
        "customizations": {"containai": {"ssh": false}},
    });
    let ws = home.workspace(&token("cai-restart"), &config);

    // The layers come from the shared engine (built there once, cached for every test), tags and labels kept.
    let built = home.run("build", Some(&ws), &[]);
    assert!(built.status.success(), "{}", text(&built));
    let layers = plan(&home, &ws);
    let mut daemon = SecondEngine::start(&[]);
    let mut references = vec![crate::support::BASE_IMAGE.to_string()];
    references.extend(layers.iter().map(|(_, key, _)| format!("containai-cache:{key}")));
    daemon.load_images(&references.iter().map(String::as_str).collect::<Vec<_>>());

    let up = |daemon: &SecondEngine| {
        // Egress open, by the user's choice: this engine has no NAT (`--iptables=false`) to build a proxy with.
        let args = ["--allow-insecure-runtime", "--ready-timeout", "60", "--egress", "open"];
        let mut cmd = home.command("up", Some(&ws), &args);
        cmd.env("DOCKER_HOST", daemon.host()).stdout(Stdio::piped()).stderr(Stdio::piped());
        cmd
    };
    let mut child = up(&daemon).spawn().unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut log = String::new();
    let mut stopped = false;
    for line in stderr.lines().map_while(Result::ok) {
        log.push_str(&line);
        log.push('\n');
        if line.contains("creating container") && !stopped {
            std::thread::sleep(Duration::from_millis(500));
            daemon.stop();
            stopped = true;
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(stopped, "`up` never created a container:\n{log}");
    assert!(!out.status.success(), "`up` succeeded without its engine:\n{log}");
    let error = json(&out);
    assert_eq!(error["outcome"], "error");
    let said = format!("{} {}", error["message"], error["description"]);
    assert!(said.contains("Docker engine") && said.contains(&daemon.host()), "unclear error: {said}\n{log}");
    assert!(!log.contains("panicked"), "{log}");

    daemon.resume();
    let out = up(&daemon).output().unwrap();
    assert!(out.status.success(), "the next `up` did not recover:\n{}\n{}", text(&out), daemon.log());
    let ids = daemon.docker().args(["ps", "-q", "--filter", "label=containai.managed=true"]).output().unwrap();
    let running: Vec<String> = String::from_utf8_lossy(&ids.stdout).split_whitespace().map(String::from).collect();
    assert_eq!(running.len(), 1, "{running:?}");
    assert!(json(&out)["containerId"].as_str().unwrap().starts_with(&running[0]));
}
