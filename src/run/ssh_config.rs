//! A container's ssh endpoint → `~/.ssh/containai.d/<name>.conf` and one `Include` line atop `~/.ssh/config`.
//!
//! Every write is atomic (temp file + rename in the same folder); `~/.ssh/config` is edited under a lock so
//! that concurrent `up`s add the `Include` once, and other entries are left as they were.

use super::{Result, RunError};
use std::path::{Path, PathBuf};

pub use crate::user_config::SSH_INCLUDE_LINE as INCLUDE_LINE;

/// Everything a host entry says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostEntry {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub identity_file: PathBuf,
    pub known_hosts: PathBuf,
}

/// Whether `host` is a plain ssh host alias: letters, digits, `.`, `_`, `-`, not starting with `-`.
pub fn plain_host(host: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    !host.is_empty() && !host.starts_with('-') && host.chars().all(allowed)
}

/// `value` refused as `what` for a `file` unless `ok`.
pub fn refuse_unless(
    ok: bool,
    file: &'static str,
    what: &'static str,
    value: &str,
    allowed: &'static str,
) -> Result<()> {
    match ok {
        true => Ok(()),
        false => Err(RunError::SshValue { file, what, value: value.to_string(), allowed }),
    }
}

/// A path ssh reads in double quotes: UTF-8, no control character, no `"`, no `%` (ssh expands `%` tokens).
fn quotable(path: &Path) -> Result<&str> {
    let text = path.to_str().unwrap_or("\u{fffd}");
    let ok = path.to_str().is_some() && !text.chars().any(|c| c.is_control() || c == '"' || c == '%');
    refuse_unless(
        ok,
        CONF,
        "the path",
        &path.to_string_lossy(),
        "UTF-8 paths without control characters, `\"` or `%`",
    )?;
    Ok(text)
}

const CONF: &str = "~/.ssh/containai.d";

impl HostEntry {
    /// The entry's text; an error (nothing written) when a value could change the entry's meaning: a host alias
    /// or user with anything but plain characters, a path with a control character, `"` or `%`.
    pub fn render(&self) -> Result<String> {
        refuse_unless(plain_host(&self.host), CONF, "the host alias", &self.host, "letters, digits, `.`, `_` and `-`")?;
        let user_ok = crate::config::user_name::is_valid(&self.user);
        refuse_unless(user_ok, CONF, "the user", &self.user, "POSIX user names (`remoteUser`)")?;
        Ok(format!(
            "# written by containai; `containai down --remove` deletes it\n\
             Host {host}\n  HostName 127.0.0.1\n  Port {port}\n  User {user}\n  IdentityFile \"{key}\"\n  \
             IdentitiesOnly yes\n  UserKnownHostsFile \"{known}\"\n  StrictHostKeyChecking yes\n  \
             HostKeyAlias {host}\n  HashKnownHosts no\n",
            host = self.host,
            port = self.port,
            user = self.user,
            key = quotable(&self.identity_file)?,
            known = quotable(&self.known_hosts)?,
        ))
    }
}

/// `~/.ssh` (honours `HOME`).
pub fn ssh_dir() -> PathBuf {
    dirs::home_dir().unwrap_or_else(|| PathBuf::from("/root")).join(".ssh")
}

/// Creates `dir` (and missing parents) readable by the owner only: 0700.
pub fn private_dir(dir: &Path) -> Result<()> {
    Ok(crate::lock::private_dir(dir)?)
}

/// Writes `bytes` to `path` atomically with `mode`, creating the parent folder (0700).
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    Ok(crate::lock::write_private(path, bytes, mode)?)
}

/// Writes the container's entry and makes sure `~/.ssh/config` includes the folder. Returns the entry's path.
pub fn install(ssh_dir: &Path, name: &str, entry: &HostEntry) -> Result<PathBuf> {
    let text = entry.render()?;
    let conf_dir = ssh_dir.join("containai.d");
    private_dir(&conf_dir)?;
    super::ssh::set_mode(ssh_dir, 0o700)?;
    let file = conf_dir.join(format!("{name}.conf"));
    if std::fs::read_to_string(&file).ok().as_deref() != Some(text.as_str()) {
        write_atomic(&file, text.as_bytes(), 0o600)?;
    }
    ensure_include(ssh_dir)?;
    Ok(file)
}

/// Removes a container's entry (the `Include` stays: it matches nothing then).
pub fn uninstall(ssh_dir: &Path, name: &str) -> Result<()> {
    let file = ssh_dir.join("containai.d").join(format!("{name}.conf"));
    match std::fs::remove_file(&file) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(RunError::io("remove", &file)(e)),
        _ => Ok(()),
    }
}

/// Puts [`INCLUDE_LINE`] once at the top of `~/.ssh/config`, under an exclusive lock.
pub fn ensure_include(ssh_dir: &Path) -> Result<()> {
    let config = ssh_dir.join("config");
    let has_line = |text: &str| text.lines().any(|l| l.trim() == INCLUDE_LINE);
    if std::fs::read_to_string(&config).is_ok_and(|t| has_line(&t)) {
        return Ok(());
    }
    locked(&ssh_dir.join(".containai.lock"), || {
        let current = match std::fs::read_to_string(&config) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(RunError::io("read", &config)(e)),
        };
        if !has_line(&current) {
            let mode = std::fs::metadata(&config)
                .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o777)
                .unwrap_or(0o600);
            let text = format!("{INCLUDE_LINE}\n\n{current}");
            write_atomic(&config, text.as_bytes(), mode)?;
        }
        Ok(())
    })
}

/// Runs `edit` (a read-modify-write of a shared file) holding an exclusive lock on `lock_path`, so that
/// concurrent editors never lose each other's changes.
pub fn locked<T>(lock_path: &Path, edit: impl FnOnce() -> Result<T>) -> Result<T> {
    let lock = super::lock::open(lock_path)?;
    lock.lock().map_err(RunError::io("lock", lock_path))?;
    edit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(host: &str, port: u16) -> HostEntry {
        HostEntry {
            host: host.into(),
            port,
            user: "vscode".into(),
            identity_file: "/cfg/containai/ssh/id_ed25519".into(),
            known_hosts: "/cfg/containai/ssh/known_hosts".into(),
        }
    }

    #[test]
    fn the_entry_says_everything_ssh_needs() {
        let text = entry("containai-web-1", 32770).render().unwrap();
        for line in [
            "Host containai-web-1",
            "HostName 127.0.0.1",
            "Port 32770",
            "User vscode",
            "IdentitiesOnly yes",
            "StrictHostKeyChecking yes",
            "UserKnownHostsFile \"/cfg/containai/ssh/known_hosts\"",
        ] {
            assert!(text.contains(line), "{line} missing from\n{text}");
        }
    }

    #[test]
    fn a_value_that_could_add_a_line_or_an_option_is_refused_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let ssh = dir.path().join(".ssh");
        let bad = [
            HostEntry { user: "root\nProxyCommand touch /tmp/m".into(), ..entry("containai-a", 1) },
            HostEntry { user: "root:x\nMatch exec \"touch /tmp/m\"".into(), ..entry("containai-a", 1) },
            HostEntry { user: "a b".into(), ..entry("containai-a", 1) },
            entry("containai-a\n  ProxyCommand x", 1),
            entry("a b", 1),
            entry("-oProxyCommand=x", 1),
            HostEntry { identity_file: "/k\"\n  ProxyCommand x \"".into(), ..entry("containai-a", 1) },
            HostEntry { known_hosts: "/k\rx".into(), ..entry("containai-a", 1) },
            HostEntry { known_hosts: "/k/%d".into(), ..entry("containai-a", 1) },
        ];
        for e in bad {
            let err = install(&ssh, "a", &e).unwrap_err();
            assert!(matches!(err, RunError::SshValue { .. }), "{e:?}: {err}");
            assert_eq!(err.to_string().lines().count(), 2, "{err}");
        }
        assert!(!ssh.exists(), "nothing created");
    }

    #[test]
    fn the_include_goes_on_top_once_and_other_entries_stay() {
        let dir = tempfile::tempdir().unwrap();
        let ssh = dir.path().join(".ssh");
        std::fs::create_dir_all(&ssh).unwrap();
        std::fs::write(ssh.join("config"), "Host work\n  HostName work.example\n").unwrap();
        install(&ssh, "a", &entry("containai-a", 1)).unwrap();
        install(&ssh, "b", &entry("containai-b", 2)).unwrap();
        let config = std::fs::read_to_string(ssh.join("config")).unwrap();
        assert!(config.starts_with(INCLUDE_LINE));
        assert_eq!(config.matches(INCLUDE_LINE).count(), 1);
        assert!(config.contains("Host work\n  HostName work.example\n"));
        uninstall(&ssh, "a").unwrap();
        assert!(!ssh.join("containai.d/a.conf").exists() && ssh.join("containai.d/b.conf").exists());
    }

    #[test]
    fn concurrent_writers_add_one_include_and_every_entry() {
        let dir = tempfile::tempdir().unwrap();
        let ssh = dir.path().join(".ssh");
        std::fs::create_dir_all(&ssh).unwrap();
        std::fs::write(ssh.join("config"), "Host mine\n  User me\n").unwrap();
        let handles: Vec<_> = (0..16)
            .map(|i| {
                let ssh = ssh.clone();
                std::thread::spawn(move || {
                    install(&ssh, &format!("c{i}"), &entry(&format!("containai-c{i}"), 2000 + i)).unwrap()
                })
            })
            .collect();
        handles.into_iter().for_each(|h| {
            h.join().unwrap();
        });
        let config = std::fs::read_to_string(ssh.join("config")).unwrap();
        assert_eq!(config.matches(INCLUDE_LINE).count(), 1, "{config}");
        assert!(config.contains("Host mine\n  User me\n"));
        assert_eq!(std::fs::read_dir(ssh.join("containai.d")).unwrap().count(), 16);
    }
}
