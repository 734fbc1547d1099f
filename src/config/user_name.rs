//! A `remoteUser` / `containerUser` value (from a config, an image's `devcontainer.metadata` label, a feature or a
//! container's label) → accepted when it is a POSIX user spec, else an error naming the property and the value.
//!
//! The value reaches host-side files (`~/.ssh/containai.d/*.conf`) and commands, so the rule is an allowlist:
//! `user` or `user:group`, each part either a number or a portable POSIX name (`[A-Za-z0-9._-]`, at most 32,
//! not starting with `-` or `.`).

/// A user spec that is not a POSIX user name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{property}` is {value:?}, which is not a valid user name\n\
     hint: write a user name (`vscode`) or id (`1000`), optionally with a group (`vscode:vscode`, `1000:1000`): \
     letters, digits, `_`, `-` and `.`, at most 32 each, not starting with `-` or `.`"
)]
pub struct InvalidUser {
    pub property: String,
    pub value: String,
}

/// Whether one part (user or group) of a spec is a number or a portable POSIX name.
fn valid_part(part: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    !part.is_empty() && part.len() <= 32 && !part.starts_with(['-', '.']) && part.chars().all(allowed)
}

/// Whether `spec` is `user` or `user:group` with valid parts.
pub fn is_valid(spec: &str) -> bool {
    match spec.split_once(':') {
        Some((user, group)) => valid_part(user) && valid_part(group),
        None => valid_part(spec),
    }
}

/// `Ok` when `value` of `property` is a valid user spec.
pub fn check(property: &str, value: &str) -> Result<(), InvalidUser> {
    match is_valid(value) {
        true => Ok(()),
        false => Err(InvalidUser { property: property.to_string(), value: value.to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_ids_and_groups_are_valid() {
        for spec in ["root", "vscode", "node", "_apt", "user-1", "first.last", "1000", "1000:1000", "dev:staff"] {
            assert!(is_valid(spec), "{spec}");
        }
    }

    #[test]
    fn injections_and_odd_names_are_refused() {
        let bad = [
            "",
            "root\nProxyCommand touch /tmp/x",
            "root:x\nMatch exec \"touch /tmp/x\"",
            "a b",
            "a\"b",
            "-oProxyCommand=x",
            ".hidden",
            "a:",
            ":a",
            "a:b:c",
            "x; rm -rf /",
            "%u",
            "r\u{0}t",
            "ünï",
            &"a".repeat(33),
        ];
        for spec in bad {
            assert!(!is_valid(spec), "{spec:?}");
        }
    }

    #[test]
    fn the_error_names_the_property_and_escapes_the_value() {
        let err = check("remoteUser", "root\nProxyCommand touch /tmp/x").unwrap_err().to_string();
        assert!(err.starts_with(r#"`remoteUser` is "root\nProxyCommand touch /tmp/x", which"#), "{err}");
        assert_eq!(err.lines().count(), 2, "the value cannot break the message's lines: {err}");
    }

    #[test]
    fn a_config_with_an_injected_user_does_not_load() {
        let found =
            crate::config::discover::Found { path: "/w/.devcontainer/devcontainer.json".into(), explicit: false };
        let load = |text: &str| crate::config::load_text("/w".as_ref(), &found, text, &|_| None, |_| None);
        let err = load(r#"{"image": "x", "remoteUser": "root\nProxyCommand touch /tmp/m"}"#).unwrap_err();
        assert!(err.to_string().contains(r#"`remoteUser` is "root\nProxyCommand touch /tmp/m""#), "{err}");
        let err = load(r#"{"image": "x", "containerUser": "a b"}"#).unwrap_err();
        assert!(err.to_string().contains(r#"`containerUser` is "a b""#), "{err}");
        assert!(load(r#"{"image": "x", "remoteUser": "vscode", "containerUser": "1000:1000"}"#).is_ok());
    }
}
