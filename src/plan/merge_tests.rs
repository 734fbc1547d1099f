//! Tests of [`super::merged_configuration`]: the reference CLI's output for one config, and each rule alone.

use super::merged_configuration;
use serde_json::{Value, json};

#[test]
fn a_config_with_one_feature_merges_as_the_reference_cli_prints_it() {
    let configuration = json!({
        "name": "mc",
        "image": "base",
        "remoteUser": "root",
        "features": {"./feat": {"greeting": "hi"}},
        "forwardPorts": [3000, "localhost:3000", "db:5432"],
        "mounts": ["type=volume,source=a,target=/data"],
        "capAdd": ["SYS_PTRACE"],
        "remoteEnv": {"A": "1"},
        "containerEnv": {"B": "2"},
        "postCreateCommand": "echo config",
        "customizations": {"vscode": {"extensions": ["x.y"]}},
        "hostRequirements": {"cpus": 2, "memory": "4gb"},
        "configFilePath": {"path": "/w/.devcontainer/devcontainer.json"}
    });
    let entries = [
        json!({"id": "./feat", "containerEnv": {"B": "feature", "C": "3"},
               "mounts": [{"type": "volume", "source": "b", "target": "/data"}], "capAdd": ["NET_ADMIN", "SYS_PTRACE"],
               "init": true, "entrypoint": "/usr/local/bin/feat-entry",
               "customizations": {"vscode": {"extensions": ["f.g"]}}, "postCreateCommand": "echo feature"}),
        json!({"mounts": ["type=volume,source=a,target=/data"], "postCreateCommand": "echo config",
               "customizations": {"vscode": {"extensions": ["x.y"]}}, "remoteUser": "root", "containerEnv": {"B": "2"},
               "forwardPorts": [3000, "localhost:3000", "db:5432"], "hostRequirements": {"cpus": 2, "memory": "4gb"},
               "capAdd": ["SYS_PTRACE"]}),
    ];
    // What `devcontainer read-configuration --include-merged-configuration` 0.80 printed for the same files.
    let expected = json!({
        "name": "mc",
        "image": "base",
        "remoteUser": "root",
        "features": {"./feat": {"greeting": "hi"}},
        "forwardPorts": [3000, "db:5432"],
        "mounts": ["type=volume,source=a,target=/data"],
        "capAdd": ["NET_ADMIN", "SYS_PTRACE"],
        "remoteEnv": {"A": "1"},
        "containerEnv": {"B": "2"},
        "hostRequirements": {"cpus": 2, "memory": "4294967296"},
        "configFilePath": {"path": "/w/.devcontainer/devcontainer.json"},
        "init": true,
        "privileged": false,
        "entrypoints": ["/usr/local/bin/feat-entry"],
        "customizations": {"vscode": [{"extensions": ["f.g"]}, {"extensions": ["x.y"]}]},
        "onCreateCommands": [],
        "updateContentCommands": [],
        "postCreateCommands": ["echo feature", "echo config"],
        "postStartCommands": [],
        "postAttachCommands": [],
        "portsAttributes": {}
    });
    let merged = merged_configuration(&configuration, &entries);
    assert_eq!(merged, expected);
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&merged), keys(&expected), "key order");
}

#[test]
fn last_value_wins_booleans_count_when_set_and_empty_strings_do_not() {
    let entries = [
        json!({"remoteUser": "a", "overrideCommand": true, "updateRemoteUserUID": true, "waitFor": "postCreateCommand"}),
        json!({"remoteUser": "", "overrideCommand": false, "shutdownAction": "none"}),
    ];
    let merged = merged_configuration(&json!({"image": "x", "shutdownAction": "stopContainer"}), &entries);
    assert_eq!(merged["remoteUser"], "a");
    assert_eq!(merged["overrideCommand"], false);
    assert_eq!(merged["updateRemoteUserUID"], true);
    assert_eq!(merged["waitFor"], "postCreateCommand");
    assert_eq!(merged["shutdownAction"], "none");
    assert!(merged.get("containerUser").is_none() && merged.get("hostRequirements").is_none());
    assert!(merged.get("capAdd").is_none() && merged.get("mounts").is_none() && merged.get("forwardPorts").is_none());
}

#[test]
fn mounts_keep_the_last_of_each_target_and_host_requirements_take_the_largest() {
    let entries = [
        json!({"mounts": ["source=a,target=/x,type=volume", {"source": "b", "target": "/y", "type": "volume"}],
               "hostRequirements": {"cpus": 4, "storage": "32gb", "gpu": "optional"}}),
        json!({"mounts": ["src=c,dst=/x,type=volume"], "hostRequirements": {"cpus": 2, "memory": "512mb", "gpu": {"cores": 2, "memory": "1gb"}}}),
    ];
    let merged = merged_configuration(&json!({}), &entries);
    assert_eq!(
        merged["mounts"],
        json!([{"source": "b", "target": "/y", "type": "volume"}, "src=c,dst=/x,type=volume"])
    );
    assert_eq!(
        merged["hostRequirements"],
        json!({"cpus": 4, "memory": "536870912", "storage": "34359738368", "gpu": {"cores": 2, "memory": "1073741824"}})
    );
}
