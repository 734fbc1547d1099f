//! `doctor`'s checks over fabricated hosts: an all-good sysbox host, this VM's kind (no sysbox), broken pieces.

use super::*;
use crate::engine::EngineInfo;
use crate::isolation::facts::Daemon;

fn engine(runtimes: &[&str], kernel: &str) -> EngineFacts {
    EngineFacts {
        info: EngineInfo {
            version: "24.0.7".into(),
            api_version: "1.43".into(),
            runtimes: runtimes.iter().map(|r| r.to_string()).collect(),
            default_runtime: "runc".into(),
            cgroup_version: Some("2".into()),
            platform: "linux/amd64".into(),
        },
        storage_driver: "overlay2".into(),
        data_root: "/var/lib/docker".into(),
        kernel: kernel.into(),
    }
}

fn daemons(up: bool) -> Vec<Daemon> {
    crate::isolation::facts::SYSBOX_DAEMONS
        .iter()
        .map(|(n, s)| Daemon { name: n.to_string(), running: up, socket: s.into(), answering: up })
        .collect()
}

fn sysbox_host() -> HostFacts {
    HostFacts {
        endpoint: "unix:///var/run/docker.sock".into(),
        engine: Ok(engine(&["runc", "sysbox-runc"], "6.1.0-18-amd64")),
        local_engine: true,
        sysbox_daemons: daemons(true),
        shiftfs: false,
        subuid: Some("dev:100000:65536\nsysbox:165536:268435456\n".into()),
        subgid: Some("sysbox:165536:268435456\n".into()),
        ssh_client: Some("/usr/bin/ssh".into()),
        ssh_config: Some(format!("{INCLUDE_LINE}\n\nHost work\n  User me\n")),
        data_root_free: Some(50 * GIB),
    }
}

fn state_of(checks: &[Check], name: &str) -> State {
    checks.iter().find(|c| c.name == name).unwrap_or_else(|| panic!("no check `{name}`: {checks:#?}")).state
}

#[test]
fn an_all_good_sysbox_host_is_ready() {
    let checks = checks(&sysbox_host());
    assert!(checks.iter().all(|c| c.state == State::Ok), "{checks:#?}");
    assert!(ready(&checks));
    let names: Vec<&str> = checks.iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        [
            "engine",
            "engine version",
            "runtimes",
            "sysbox-runc",
            "cgroup",
            "storage driver",
            "kernel",
            "free disk",
            "sysbox services",
            "subuid",
            "subgid",
            "ssh client",
            "ssh include"
        ]
    );
}

#[test]
fn a_host_without_sysbox_is_not_ready_and_says_how_to_fix_it() {
    let mut host = sysbox_host();
    host.engine = Ok(engine(&["runc", "runsc"], "6.18.44"));
    host.sysbox_daemons = daemons(false);
    host.subuid = Some(String::new());
    host.subgid = None;
    let checks = checks(&host);
    assert!(!ready(&checks));
    for name in ["sysbox-runc", "sysbox services", "subuid", "subgid"] {
        assert_eq!(state_of(&checks, name), State::Missing, "{name}");
        assert!(checks.iter().find(|c| c.name == name).unwrap().remedy.is_some(), "{name} has no remedy");
    }
    let services = checks.iter().find(|c| c.name == "sysbox services").unwrap();
    assert!(
        services.detail.contains("sysbox-mgr not running, /run/sysbox/sysmgr.sock does not answer"),
        "{services:?}"
    );
}

#[test]
fn kernels_below_5_12_need_shiftfs_and_below_5_5_are_refused() {
    let mut host = sysbox_host();
    host.engine = Ok(engine(&["sysbox-runc"], "5.10.0-28-amd64"));
    assert_eq!(state_of(&checks(&host), "kernel"), State::Missing);
    host.shiftfs = true;
    assert_eq!(state_of(&checks(&host), "kernel"), State::Ok);
    host.engine = Ok(engine(&["sysbox-runc"], "4.19.0-26-amd64"));
    assert_eq!(state_of(&checks(&host), "kernel"), State::Missing);
}

#[test]
fn an_unreachable_engine_is_missing_and_so_is_sysbox() {
    let mut host = sysbox_host();
    host.engine = Err("connection refused".into());
    let checks = checks(&host);
    assert_eq!((state_of(&checks, "engine"), state_of(&checks, "sysbox-runc")), (State::Missing, State::Missing));
    assert!(
        checks[0].detail.contains("connection refused") && checks[0].remedy.as_deref().unwrap().contains("DOCKER_HOST")
    );
}

#[test]
fn warnings_do_not_block_up() {
    let mut host = sysbox_host();
    host.ssh_client = None;
    host.ssh_config = Some(format!("Host work\n  User me\n{INCLUDE_LINE}\n"));
    host.data_root_free = Some(5 * GIB);
    let mut engine = engine(&["sysbox-runc"], "6.1.0");
    (engine.storage_driver, engine.info.cgroup_version) = ("vfs".into(), None);
    host.engine = Ok(engine);
    let checks = checks(&host);
    for name in ["ssh client", "ssh include", "free disk", "storage driver", "cgroup"] {
        assert_eq!(state_of(&checks, name), State::Warning, "{name}");
    }
    assert!(ready(&checks));
    host.ssh_config = None;
    host.data_root_free = Some(GIB / 2);
    let checks = super::checks(&host);
    assert_eq!((state_of(&checks, "ssh include"), state_of(&checks, "free disk")), (State::Warning, State::Missing));
}

#[test]
fn a_remote_engine_leaves_host_checks_unknown() {
    let mut host = sysbox_host();
    host.endpoint = "tcp://build:2375".into();
    host.local_engine = false;
    host.data_root_free = None;
    let checks = checks(&host);
    assert_eq!(
        (state_of(&checks, "sysbox services"), state_of(&checks, "free disk")),
        (State::Warning, State::Warning)
    );
}
