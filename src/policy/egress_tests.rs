use super::*;

fn setting(json: &str) -> EgressSetting {
    serde_json::from_str(json).unwrap()
}

#[test]
fn entries_parse_names_wildcards_addresses_and_ports() {
    let e: Entry = "Registry.Example.COM:5000".parse().unwrap();
    assert_eq!((e.host.as_str(), e.port), ("registry.example.com", Some(5000)));
    assert_eq!(e.ports(), [5000]);
    let w: Entry = "*.example.com".parse().unwrap();
    assert!(w.is_wildcard() && w.port.is_none() && w.ports() == [80, 443]);
    assert!("10.1.2.3:8080".parse::<Entry>().unwrap().is_address());
    for bad in ["", "*.com", "a..b", "exa mple.com", "host:0", "host:99999", "*", "foo.*.com", "-a.com", "[::1]:80"] {
        let err = bad.parse::<Entry>().unwrap_err().to_string();
        assert!(err.contains("egress entry") && err.contains("hint:"), "{bad}: {err}");
    }
}

#[test]
fn the_default_is_the_builtin_allowlist_plus_the_users_entries() {
    let user = UserEgress {
        command_line: vec!["allowed.test".into()],
        networks: vec!["lab".into()],
        config: Some(setting(r#"{"allow": ["pkg.example.com:8443", "deb.debian.org"], "networks": ["lab", "corp"]}"#)),
    };
    let policy = resolve(None, &user).unwrap();
    assert_eq!(policy.mode, Mode::Allowlist);
    let names: Vec<String> = policy.entries.iter().map(ToString::to_string).collect();
    assert_eq!(names.len(), BUILTIN.len() + 2, "{names:?}");
    assert!(names.ends_with(&["allowed.test".to_string(), "pkg.example.com:8443".to_string()]), "{names:?}");
    assert_eq!(policy.networks, ["lab", "corp"]);
    assert_eq!(resolve(None, &UserEgress::default()).unwrap().entries.len(), BUILTIN.len());
}

#[test]
fn only_the_user_opens_egress() {
    let cli = UserEgress { command_line: vec!["open".into()], ..Default::default() };
    assert_eq!(resolve(None, &cli).unwrap().mode, Mode::Open);
    let config = UserEgress { config: Some(setting(r#""open""#)), ..Default::default() };
    assert_eq!(resolve(None, &config).unwrap().mode, Mode::Open);
    // The repository's `open` is not followed, whatever else it says.
    let repo = setting(r#"{"mode": "open", "allow": ["evil.example"]}"#);
    let policy = resolve(Some(&repo), &UserEgress::default()).unwrap();
    assert_eq!(policy.mode, Mode::Allowlist);
    assert!(policy.entries.iter().any(|e| e.host == "evil.example"));
    assert!(resolve(Some(&setting(r#""wide""#)), &UserEgress::default()).is_err());
}

#[test]
fn a_repository_widening_the_list_needs_trust_and_its_open_is_refused() {
    let found = findings(&setting(r#"{"mode": "open", "allow": ["a.example"], "networks": ["corp"]}"#));
    assert_eq!(found.len(), 3, "{found:?}");
    assert_eq!(found[0].0, Class::Refused);
    assert!(found[1].0 == Class::NeedsTrust && found[1].1.contains("`a.example`"));
    assert!(found[2].0 == Class::NeedsTrust && found[2].1.contains("`corp`"));
    assert!(findings(&setting("[]")).is_empty());
}

#[test]
fn every_builtin_entry_parses() {
    for b in BUILTIN {
        let e: Entry = b.parse().unwrap();
        assert_eq!(e.to_string(), *b);
    }
}
