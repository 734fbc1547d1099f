//! The summary over fabricated observations: a sysbox system container, plain runc, gVisor, a mounted host socket.

use super::*;
use crate::engine::{EngineView, MountPoint};
use crate::isolation::probe::{fixtures, observe};

fn view(runtime: &str) -> EngineView {
    EngineView {
        runtime: Some(runtime.into()),
        pid: Some(4242),
        engine_id: Some("HOST:ID".into()),
        host_kernel: Some("6.1.0-18-amd64".into()),
        local: true,
        ..Default::default()
    }
}

fn host_uid(uid: u32) -> String {
    format!("Name:\tx\nUid:\t{uid}\t{uid}\t{uid}\t{uid}\n")
}

fn levels(s: &Summary) -> [Level; 5] {
    [
        s.user_namespaces.level,
        s.syscall_vetting.level,
        s.procfs_virtualisation.level,
        s.docker_in_docker.level,
        s.systemd.level,
    ]
}

#[test]
fn a_sysbox_system_container_is_isolated_on_every_count() {
    let s = summarize(&observe(&fixtures::sysbox(), view(SYSBOX), Some(&host_uid(165536))));
    assert_eq!(levels(&s), [Level::Yes; 5], "{s:#?}");
    assert_eq!((s.class, s.kernel.own_kernel, s.host_engine_reachable), (policy::Isolation::Sysbox, false, false));
    assert!(s.user_namespaces.evidence.iter().any(|e| e.contains("uid 165536 on the host")), "{s:#?}");
    assert!(s.user_namespaces.evidence.iter().any(|e| e.contains("only inside the user namespace")), "{s:#?}");
    assert!(s.procfs_virtualisation.evidence[0].contains("/proc/sys, /proc/uptime"), "{s:#?}");
    assert!(s.docker_in_docker.evidence.iter().any(|e| e.contains("INNER:ID (host engine HOST:ID)")), "{s:#?}");
    assert!(sysbox_shortfalls(&s).is_empty());
}

#[test]
fn plain_runc_in_the_insecure_mode_is_reported_as_not_isolated() {
    let s = summarize(&observe(&fixtures::runc_insecure(), view("runc"), Some(&host_uid(0))));
    assert_eq!(levels(&s), [Level::No, Level::No, Level::Partial, Level::No, Level::Yes], "{s:#?}");
    assert_eq!(s.class, policy::Isolation::None);
    assert!(s.user_namespaces.evidence.iter().any(|e| e.contains("includes CAP_SYS_ADMIN in the host's")), "{s:#?}");
    assert!(s.procfs_virtualisation.evidence.iter().any(|e| e.contains("the host's")), "{s:#?}");
    assert!(s.docker_in_docker.evidence.iter().any(|e| e.contains("no inner engine")), "{s:#?}");
    assert!(sysbox_shortfalls(&s).is_empty(), "not sysbox: nothing to hold it to");
}

#[test]
fn gvisor_shows_its_own_kernel_and_procfs() {
    let text = fixtures::runc_insecure()
        .replace("6.1.0-18-amd64", "4.4.0")
        .replace("11926.38 2331.23", "0.63 0.00")
        .replace(" 1192532 ", " 41 ");
    let s = summarize(&observe(&text, view("runsc"), Some(&host_uid(65534))));
    assert_eq!((s.class, s.kernel.own_kernel, s.kernel.container.as_str()), (policy::Isolation::Gvisor, true, "4.4.0"));
    assert_eq!(
        [s.user_namespaces.level, s.syscall_vetting.level, s.procfs_virtualisation.level],
        [Level::Partial, Level::Yes, Level::Yes],
        "{s:#?}"
    );
    assert!(s.syscall_vetting.evidence[0].contains("user-space kernel"), "{s:#?}");
}

#[test]
fn a_host_socket_or_the_host_s_id_inside_means_no_docker_in_docker() {
    let mut engine = view(SYSBOX);
    engine.mounts = vec![MountPoint {
        kind: "bind".into(),
        source: "/var/run/docker.sock".into(),
        destination: "/var/run/docker.sock".into(),
    }];
    let s = summarize(&observe(&fixtures::sysbox(), engine, Some(&host_uid(165536))));
    assert!(s.host_engine_reachable && s.docker_in_docker.level == Level::No, "{s:#?}");
    assert!(sysbox_shortfalls(&s)[0].contains("host's engine is reachable"));
    let same_id = fixtures::sysbox().replace("INNER:ID", "HOST:ID");
    let s = summarize(&observe(&same_id, view(SYSBOX), None));
    assert!(s.host_engine_reachable, "{s:#?}");
    assert!(s.docker_in_docker.evidence.iter().any(|e| e.contains("answers as the host's engine")));
}

#[test]
fn sysbox_without_a_user_namespace_or_sysboxfs_falls_short() {
    let s = summarize(&observe(&fixtures::runc_insecure(), view(SYSBOX), Some(&host_uid(0))));
    let shortfalls = sysbox_shortfalls(&s);
    assert_eq!(shortfalls.len(), 2, "{shortfalls:?}");
    assert!(shortfalls[0].starts_with("user namespace: no: uid_map 0 0 4294967295 (identity)"), "{shortfalls:?}");
    assert!(shortfalls[1].starts_with("procfs virtualisation: partial"), "{shortfalls:?}");
}

#[test]
fn a_mapped_root_that_is_root_on_the_host_is_only_partial_and_unknown_host_uids_are_said() {
    let s = summarize(&observe(&fixtures::sysbox(), view(SYSBOX), Some(&host_uid(0))));
    assert_eq!(s.user_namespaces.level, Level::Partial);
    let mut remote = view(SYSBOX);
    remote.local = false;
    let s = summarize(&observe(&fixtures::sysbox(), remote, None));
    assert_eq!(s.user_namespaces.level, Level::Yes);
    assert!(
        s.user_namespaces.evidence.iter().any(|e| e.contains("unknown: the engine is not on this machine")),
        "{s:#?}"
    );
}
