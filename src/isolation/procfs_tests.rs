//! Parsers over texts shaped like those the sysbox documentation shows inside a system container, and runc's.

use super::*;

#[test]
fn a_sysbox_uid_map_shifts_root_to_an_unprivileged_range() {
    let map = IdMap::parse("         0     165536      65536\n");
    assert!(!map.is_identity());
    assert_eq!((map.root_outside(), map.size()), (Some(165536), 65536));
    assert_eq!(map.describe(), "0 165536 65536");
}

#[test]
fn the_initial_namespace_map_is_the_identity() {
    let map = IdMap::parse("         0          0 4294967295\n");
    assert!(map.is_identity());
    assert_eq!(map.root_outside(), Some(0));
    assert_eq!(map.describe(), "0 0 4294967295 (identity)");
    assert!(!IdMap::parse("").is_identity(), "an unreadable map proves nothing");
    assert_eq!(IdMap::parse("").describe(), "unreadable");
}

#[test]
fn mountinfo_lines_give_point_type_source_and_options() {
    let text = "\
1530 1529 0:132 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
1531 1530 0:133 / /proc/sys rw,nosuid,nodev,relatime - fuse sysboxfs rw,user_id=0,group_id=0,default_permissions,allow_other
1532 1530 0:133 /uptime /proc/uptime rw,nosuid,nodev,relatime - fuse sysboxfs rw,user_id=0,group_id=0,default_permissions,allow_other
56 81 0:44 /sys /proc/sys ro,nosuid,nodev,noexec,relatime - proc proc rw
90 80 8:1 /home/a\\040b /workspaces/a\\040b rw,relatime shared:1 master:2 - ext4 /dev/sda1 rw
garbage line
";
    let mounts = parse_mountinfo(text);
    assert_eq!(mounts.len(), 5);
    assert!(mounts[1].is_sysboxfs() && !mounts[1].read_only());
    assert_eq!((mounts[2].mount_point.as_str(), mounts[2].fs_type.as_str()), ("/proc/uptime", "fuse"));
    assert!(!mounts[3].is_sysboxfs() && mounts[3].read_only());
    assert_eq!(mounts[4].mount_point, "/workspaces/a b");
    assert_eq!(mounts[4].source, "/dev/sda1");
}

#[test]
fn status_fields_of_a_sysbox_root_process() {
    let text = "Name:\tcat\nUid:\t0\t0\t0\t0\nNoNewPrivs:\t0\nSeccomp:\t2\nSeccomp_filters:\t1\n\
                CapInh:\t0000000000000000\nCapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\n";
    let s = Status::parse(text);
    assert_eq!((s.uid, s.seccomp, s.seccomp_filters, s.no_new_privs), (Some(0), Some(2), Some(1), Some(false)));
    assert!(all_caps(s.cap_eff.unwrap()) && has_cap(s.cap_bnd.unwrap(), CAP_SYS_ADMIN));
}

#[test]
fn status_of_docker_s_default_capabilities() {
    let s = Status::parse("Seccomp:\t0\nCapEff:\t00000000a80425fb\n");
    let eff = s.cap_eff.unwrap();
    assert!(!all_caps(eff) && !has_cap(eff, CAP_SYS_ADMIN));
    assert_eq!((s.seccomp, s.seccomp_filters, s.no_new_privs), (Some(0), None, None));
}

#[test]
fn uptime_stat_and_kernel_versions() {
    assert_eq!(parse_uptime("11926.38 2331.23\n"), Some(11926.38));
    let stat =
        "1 (my (odd) comm) S 0 1 1 0 -1 4194560 1 0 0 0 0 0 0 0 20 0 1 0 1192532 2330624 200 18446744073709551615";
    assert_eq!(parse_start_ticks(stat), Some(1192532));
    assert_eq!(kernel_version("6.1.0-18-amd64"), Some((6, 1)));
    assert_eq!(kernel_version("5.15.0-52-generic\n"), Some((5, 15)));
    assert_eq!(kernel_version("4.4.0"), Some((4, 4)));
    assert_eq!(kernel_version("x"), None);
}
