//! Merged image metadata (`containerUser`, `remoteUser`, `updateRemoteUserUID`) + host user → what the user layer
//! does: which users to create when the image lacks them, and whose UID/GID to move to the host's.

use super::metadata::{last_string, last_value};
use super::{HostUser, PlanError, Result};
use serde::Serialize;
use serde_json::Value;

/// The user layer's work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserPlan {
    /// Users to create when missing (home, bash, passwordless sudo, `docker` group when it exists).
    pub create: Vec<String>,
    /// The user whose UID/GID follow the host user's, at most one.
    pub update_uid: Vec<UidUpdate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UidUpdate {
    pub user: String,
    pub uid: u32,
    pub gid: u32,
}

/// A user spec names a user that can be created: not root, not numeric (`1000`, `1000:1000` are ids).
fn nameable(property: &'static str, user: &str) -> Result<Option<String>> {
    let name = user.split(':').next().unwrap_or(user);
    if name == "root" || name.is_empty() || name.chars().all(|c| c.is_ascii_digit()) || user.contains(':') {
        return Ok(None);
    }
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    let rest_ok =
        name.len() <= 32 && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-');
    if first_ok && rest_ok {
        Ok(Some(name.to_string()))
    } else {
        Err(PlanError::UserNotCreatable { property, user: user.to_string() })
    }
}

/// The remote and container users of the merged metadata by the spec's rule: `containerUser` is the last one set
/// (else `root`), `remoteUser` the last one set (else the container user). One rule for install.sh's
/// `_REMOTE_USER` / `_CONTAINER_USER`, the user layer, the lifecycle hooks and ssh.
pub fn effective(entries: &[Value]) -> (String, String) {
    let container = last_string(entries, "containerUser").unwrap_or("root").to_string();
    let remote = last_string(entries, "remoteUser").map(str::to_string).unwrap_or_else(|| container.clone());
    (remote, container)
}

impl UserPlan {
    /// Reads the users from the merged metadata (base label, features, config; last value wins).
    /// `updateRemoteUserUID` defaults to `true`; it applies to the remote user (else the container user) and is
    /// skipped when the host user is root.
    /// Every `containerUser` and `remoteUser` of every entry must be a valid user spec
    /// ([`crate::config::user_name`]), whichever entry wins.
    pub fn from_metadata(entries: &[Value], host: &HostUser) -> Result<UserPlan> {
        for property in ["containerUser", "remoteUser"] {
            for value in entries.iter().filter_map(|e| e.get(property)) {
                match value.as_str() {
                    Some(user) => crate::config::user_name::check(property, user)?,
                    None if value.is_null() => {}
                    None => {
                        let (property, value) = (property.to_string(), value.to_string());
                        return Err(crate::config::user_name::InvalidUser { property, value }.into());
                    }
                }
            }
        }
        let container =
            last_string(entries, "containerUser").map(|u| nameable("containerUser", u)).transpose()?.flatten();
        let remote = last_string(entries, "remoteUser").map(|u| nameable("remoteUser", u)).transpose()?.flatten();
        let mut create: Vec<String> = Vec::new();
        for user in [&container, &remote].into_iter().flatten() {
            if !create.contains(user) {
                create.push(user.clone());
            }
        }
        let update = last_value(entries, "updateRemoteUserUID").and_then(Value::as_bool).unwrap_or(true);
        let target = last_string(entries, "remoteUser")
            .or_else(|| last_string(entries, "containerUser"))
            .map(|u| nameable("remoteUser", u))
            .transpose()?
            .flatten();
        let update_uid = match target {
            Some(user) if update && host.uid != 0 => vec![UidUpdate { user, uid: host.uid, gid: host.gid }],
            _ => Vec::new(),
        };
        Ok(UserPlan { create, update_uid })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const HOST: HostUser = HostUser { uid: 1234, gid: 1235 };

    #[test]
    fn one_rule_for_the_remote_and_container_user() {
        assert_eq!(effective(&[]), ("root".into(), "root".into()));
        assert_eq!(effective(&[json!({"containerUser": "app"})]), ("app".into(), "app".into()));
        let label_then_config = [json!({"remoteUser": "vscode"}), json!({"containerUser": "app"})];
        assert_eq!(effective(&label_then_config), ("vscode".into(), "app".into()));
    }

    #[test]
    fn remote_user_is_created_and_follows_the_host() {
        let plan = UserPlan::from_metadata(&[json!({"remoteUser": "dev"})], &HOST).unwrap();
        assert_eq!(plan.create, ["dev"]);
        assert_eq!(plan.update_uid, [UidUpdate { user: "dev".into(), uid: 1234, gid: 1235 }]);
    }

    #[test]
    fn the_config_entry_wins_and_both_users_are_created() {
        let entries = [json!({"remoteUser": "vscode"}), json!({"remoteUser": "dev", "containerUser": "app"})];
        let plan = UserPlan::from_metadata(&entries, &HOST).unwrap();
        assert_eq!(plan.create, ["app", "dev"]);
        assert_eq!(plan.update_uid[0].user, "dev");
    }

    #[test]
    fn no_update_when_off_for_root_host_or_root_user() {
        let off = [json!({"remoteUser": "dev", "updateRemoteUserUID": false})];
        assert!(UserPlan::from_metadata(&off, &HOST).unwrap().update_uid.is_empty());
        let dev = [json!({"remoteUser": "dev"})];
        let root_host = HostUser { uid: 0, gid: 0 };
        assert!(UserPlan::from_metadata(&dev, &root_host).unwrap().update_uid.is_empty());
        let root = [json!({"remoteUser": "root", "containerUser": "1000:1000"})];
        assert_eq!(UserPlan::from_metadata(&root, &HOST).unwrap(), UserPlan { create: vec![], update_uid: vec![] });
        assert_eq!(UserPlan::from_metadata(&[json!({})], &HOST).unwrap().create, Vec::<String>::new());
    }

    #[test]
    fn a_bad_name_is_an_error_naming_it() {
        let err = UserPlan::from_metadata(&[json!({"remoteUser": "x; rm -rf /"})], &HOST).unwrap_err();
        assert!(err.to_string().contains(r#"`remoteUser` is "x; rm -rf /""#), "{err}");
        let err = UserPlan::from_metadata(&[json!({"remoteUser": "Dev"})], &HOST).unwrap_err();
        assert!(err.to_string().contains(r#"`remoteUser` is "Dev", a user name containai cannot create"#), "{err}");
    }

    #[test]
    fn an_injected_user_is_refused_from_any_entry_even_one_that_loses() {
        let label = json!({"remoteUser": "root:x\nMatch exec \"touch /tmp/m\""});
        let err = UserPlan::from_metadata(&[label, json!({"remoteUser": "dev"})], &HOST).unwrap_err();
        assert!(err.to_string().starts_with(r#"`remoteUser` is "root:x\nMatch exec \"touch /tmp/m\"""#), "{err}");
        let err = UserPlan::from_metadata(&[json!({"containerUser": 7})], &HOST).unwrap_err();
        assert!(err.to_string().contains("`containerUser`"), "{err}");
    }
}
