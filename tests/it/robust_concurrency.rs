//! Races, for real: `containai up` several times at once on one workspace (one container) and on different
//! workspaces (shared layers, own ssh port and entry each), `containai build` of one plan several times at
//! once (each new layer built once, under the layer locks, and complete and consistent after), and many
//! processes writing ssh entries and forgetting host keys at once (nothing lost). Engine-backed but the last;
//! fails when no engine answers.

use crate::support::sandbox::{
    Home, Workspaces, chain, json, local_feature, own_tags, plan_layers, workspace_containers,
};
use crate::support::{Images, docker, text, token};
use containai::run::known_hosts;
use containai::run::ssh_config::{self, HostEntry, INCLUDE_LINE};
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

fn wait(children: Vec<Child>) -> Vec<Output> {
    children.into_iter().map(|c| c.wait_with_output().unwrap()).collect()
}

#[test]
fn concurrent_ups_make_one_container_per_workspace_and_share_layers() {
    let home = Home::new();
    let config = serde_json::json!({"image": "containai-test/base:bookworm"});
    let a = home.workspace(&token("cai-race-a"), &config);
    let b = home.workspace(&token("cai-race-b"), &config);
    let _images = Workspaces(vec![a.clone(), b.clone()]);

    let spawn = |ws: &Path| {
        home.command("up", Some(ws), &["--allow-insecure-runtime", "--skip-post-create"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let children = vec![spawn(&a), spawn(&b), spawn(&a), spawn(&b), spawn(&a)];
    let outputs = wait(children);
    for out in &outputs {
        assert!(out.status.success(), "{}", text(out));
    }
    let results: Vec<Value> = outputs.iter().map(json).collect();
    let on_a: Vec<&Value> = results.iter().step_by(2).collect();
    let on_b: Vec<&Value> = results.iter().skip(1).step_by(2).collect();

    // One container per workspace, whatever the interleaving.
    assert_eq!(workspace_containers(&a).len(), 1);
    assert_eq!(workspace_containers(&b).len(), 1);
    assert!(on_a.iter().all(|r| r["containerId"] == on_a[0]["containerId"]), "{on_a:?}");
    assert!(on_b.iter().all(|r| r["containerId"] == on_b[0]["containerId"]), "{on_b:?}");
    assert_ne!(on_a[0]["containerId"], on_b[0]["containerId"]);

    // The same layers, their own ssh port and entry each, one Include line.
    assert!(results.iter().all(|r| r["imageKey"] == results[0]["imageKey"]), "{results:?}");
    let (pa, pb) = (&on_a[0]["ssh"], &on_b[0]["ssh"]);
    assert_ne!(pa["port"], pb["port"]);
    assert_ne!(pa["configFile"], pb["configFile"]);
    for ssh in [pa, pb] {
        let entry = std::fs::read_to_string(ssh["configFile"].as_str().unwrap()).unwrap();
        assert!(
            entry.contains(&format!("Port {}", ssh["port"])) && entry.contains(ssh["host"].as_str().unwrap()),
            "{entry}"
        );
    }
    let config = std::fs::read_to_string(home.path().join(".ssh/config")).unwrap();
    assert_eq!(config.matches(INCLUDE_LINE).count(), 1);

    // Each answers over ssh through its own entry.
    for ssh in [pa, pb] {
        let out = Command::new("ssh")
            .arg("-F")
            .arg(ssh["configFile"].as_str().unwrap())
            .args(["-o", "BatchMode=yes", "-o", "ConnectTimeout=20", ssh["host"].as_str().unwrap(), "hostname"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out));
    }
}

#[test]
fn concurrent_builds_of_one_plan_leave_complete_consistent_layers() {
    let home = Home::new();
    let marker = token("race");
    let ids: Vec<String> = ["ra", "rb"].iter().map(|f| format!("{f}-{marker}")).collect();
    let features: serde_json::Map<String, Value> =
        ids.iter().map(|id| (format!("./{id}"), serde_json::json!({}))).collect();
    let ws = home.workspace("ws", &serde_json::json!({"image": "containai-test/base:bookworm", "features": features}));
    for id in &ids {
        local_feature(&ws, id, "0.5");
    }
    let layers = plan_layers(&home, &ws);
    let images = Images::new();
    let own = own_tags(&layers, &marker);
    own.iter().for_each(|t| images.add(t.clone()));

    let outputs = wait(
        (0..3)
            .map(|_| {
                home.command("build", Some(&ws), &[]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
            })
            .collect(),
    );
    for out in &outputs {
        assert!(out.status.success(), "{}", text(out));
        assert_eq!(json(out)["imageKey"].as_str(), layers.last().map(|l| l.1.as_str()));
    }

    // The layer locks: each layer this test's marker makes new was built by exactly one of the three; none twice.
    for (name, key, _) in &layers {
        let built = outputs
            .iter()
            .filter(|out| {
                json(out)["layers"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|l| l["key"] == key.as_str() && l["source"] == "built")
            })
            .count();
        let expected = if own.contains(&format!("containai-cache:{key}")) { 1 } else { built.min(1) };
        assert_eq!(built, expected, "layer `{name}` was built {built} times");
    }

    // Whichever build tagged last, each tag names a complete layer built on a complete parent layer.
    for (name, key, parent) in &layers {
        let tag = format!("containai-cache:{key}");
        let chain = chain(&tag);
        assert_eq!(chain.first().map(|c| c.1.as_str()), Some(key.as_str()), "layer `{name}`");
        if let Some(parent) = parent {
            assert!(
                chain.iter().skip(1).any(|(_, k)| k == parent),
                "layer `{name}` is not built on a `{parent}` layer"
            );
        }
    }
    let last = format!("containai-cache:{}", layers.last().unwrap().1);
    let files = docker(&[
        "run",
        "--rm",
        "--network",
        "none",
        "--entrypoint",
        "cat",
        &last,
        &format!("/etc/{}", ids[0]),
        &format!("/etc/{}", ids[1]),
    ]);
    assert_eq!(files.lines().collect::<Vec<_>>(), [ids[0].as_str(), ids[1].as_str()]);

    // And the next build finds every layer cached.
    let again = home.run("build", Some(&ws), &[]);
    assert!(again.status.success(), "{}", text(&again));
    assert_eq!(json(&again)["layersBuilt"], 0);
}

const WRITERS: usize = 12;
const ENTRIES: usize = 8;

/// One writer's share of the race below: writes its entries, pins its hosts' keys and forgets its own gone host.
fn write_entries(ssh: &Path, me: &str) {
    for n in 0..ENTRIES {
        let host = format!("containai-w{me}-{n}");
        let entry = HostEntry {
            host: host.clone(),
            port: 2000,
            user: "u".into(),
            identity_file: "/k".into(),
            known_hosts: ssh.join("known_hosts"),
        };
        ssh_config::install(ssh, &format!("w{me}-{n}"), &entry).unwrap();
        known_hosts::replace(&ssh.join("known_hosts"), &host, &[format!("ssh-ed25519 CCCC{me}{n}")]).unwrap();
        known_hosts::forget(&ssh.join("known_hosts"), &format!("containai-gone{me}-{n}")).unwrap();
    }
}

/// The writers are this test binary run again on this test alone, with `CAI_RACE_WRITER` set: such a run is one
/// writer and nothing else (its exit status is what the parent checks).
#[test]
fn many_processes_writing_ssh_entries_lose_nothing() {
    if let (Ok(dir), Ok(me)) = (std::env::var("CAI_RACE_SSH_DIR"), std::env::var("CAI_RACE_WRITER")) {
        write_entries(Path::new(&dir), &me);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let ssh = dir.path().join(".ssh");
    std::fs::create_dir_all(&ssh).unwrap();
    std::fs::write(ssh.join("config"), "Host mine\n  User me\n").unwrap();
    let mut hosts = String::new();
    for w in 0..WRITERS {
        for n in 0..ENTRIES {
            hosts.push_str(&format!(
                "containai-keep{w}-{n} ssh-ed25519 AAAA{w}{n}\ncontainai-gone{w}-{n} ssh-ed25519 BBBB{w}{n}\n"
            ));
        }
    }
    std::fs::write(ssh.join("known_hosts"), &hosts).unwrap();
    let me = std::env::current_exe().unwrap();
    let children: Vec<Child> = (0..WRITERS)
        .map(|w| {
            Command::new(&me)
                .args([
                    "--exact",
                    "robust_concurrency::many_processes_writing_ssh_entries_lose_nothing",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env("CAI_RACE_SSH_DIR", &ssh)
                .env("CAI_RACE_WRITER", w.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for out in wait(children) {
        assert!(out.status.success(), "{}", text(&out));
    }
    let entries = std::fs::read_dir(ssh.join("containai.d"))
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().extension().is_some_and(|x| x == "conf"))
        .count();
    assert_eq!(entries, WRITERS * ENTRIES);
    let config = std::fs::read_to_string(ssh.join("config")).unwrap();
    assert_eq!(config.matches(INCLUDE_LINE).count(), 1, "{config}");
    assert!(config.contains("Host mine\n  User me\n"));
    let known = std::fs::read_to_string(ssh.join("known_hosts")).unwrap();
    assert_eq!(known.lines().filter(|l| l.starts_with("containai-keep")).count(), WRITERS * ENTRIES, "{known}");
    assert_eq!(known.lines().filter(|l| l.starts_with("containai-gone")).count(), 0, "{known}");
    for (w, n) in (0..WRITERS).flat_map(|w| (0..ENTRIES).map(move |n| (w, n))) {
        assert!(known.contains(&format!("containai-w{w}-{n} ssh-ed25519 CCCC{w}{n}\n")), "w{w}-{n} lost: {known}");
    }
}
