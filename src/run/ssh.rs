//! containai's own ed25519 key pair under `$XDG_CONFIG_HOME/containai/ssh` → created once (0600), then reused.

use super::ssh_config::write_atomic;
use super::{Result, RunError};
use ssh_key::{Algorithm, LineEnding, PrivateKey};
use std::path::{Path, PathBuf};

/// `$XDG_CONFIG_HOME/containai` (default `~/.config/containai`).
pub fn containai_config_dir() -> PathBuf {
    crate::user_config::config_dir()
}

/// Paths of the key pair and containai's own known_hosts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPair {
    pub private: PathBuf,
    pub public: PathBuf,
    pub known_hosts: PathBuf,
    /// The public key line (`ssh-ed25519 AAAA... containai`).
    pub public_line: String,
}

/// containai's own known_hosts beside its key pair in `dir`.
pub fn known_hosts_path(dir: &Path) -> PathBuf {
    dir.join("known_hosts")
}

/// Loads the key pair in `dir`, generating it when absent. Safe against concurrent callers: the first
/// writer wins and everyone reads its key.
pub fn ensure_key(dir: &Path) -> Result<KeyPair> {
    let private = dir.join("id_ed25519");
    let public = dir.join("id_ed25519.pub");
    let known_hosts = known_hosts_path(dir);
    if !private.exists() {
        super::ssh_config::private_dir(dir)?;
        set_mode(dir, 0o700)?;
        let key = PrivateKey::random(&mut rand_core::OsRng, Algorithm::Ed25519)
            .map_err(|e| RunError::SshKey(e.to_string()))?;
        let mut key = key;
        key.set_comment("containai");
        let text = key.to_openssh(LineEnding::LF).map_err(|e| RunError::SshKey(e.to_string()))?;
        let tmp = tempfile::NamedTempFile::new_in(dir).map_err(RunError::io("create a file in", dir))?;
        std::fs::write(tmp.path(), text.as_bytes()).map_err(RunError::io("write", tmp.path()))?;
        set_mode(tmp.path(), 0o600)?;
        // Another process may have won the race: keep its key.
        match tmp.persist_noclobber(&private) {
            Ok(_) => {}
            Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(RunError::io("write", &private)(e.error)),
        }
    }
    let text = std::fs::read_to_string(&private).map_err(RunError::io("read", &private))?;
    let key = PrivateKey::from_openssh(&text)
        .map_err(|e| RunError::SshKey(format!("`{}` is not an OpenSSH private key: {e}", private.display())))?;
    let public_line = key.public_key().to_openssh().map_err(|e| RunError::SshKey(e.to_string()))?;
    let current = std::fs::read_to_string(&public).unwrap_or_default();
    if current.trim() != public_line {
        write_atomic(&public, format!("{public_line}\n").as_bytes(), 0o600)?;
    }
    Ok(KeyPair { private, public, known_hosts, public_line })
}

/// chmod.
pub fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(RunError::io("chmod", path))
}

/// Shell script (run as root, `$1` = user, `$2` = key line) that installs the key for the user.
pub const INSTALL_KEY: &str = r#"set -e
home=$(getent passwd "$1" | cut -d: -f6)
group=$(id -gn "$1")
[ -n "$home" ] || { echo "no user $1" >&2; exit 3; }
mkdir -p "$home/.ssh"
touch "$home/.ssh/authorized_keys"
grep -qxF "$2" "$home/.ssh/authorized_keys" || printf '%s\n' "$2" >> "$home/.ssh/authorized_keys"
chmod 700 "$home/.ssh"; chmod 600 "$home/.ssh/authorized_keys"
chown -R "$1:$group" "$home/.ssh"
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_key_is_made_once_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let ssh = dir.path().join("containai/ssh");
        let first = ensure_key(&ssh).unwrap();
        assert!(first.public_line.starts_with("ssh-ed25519 AAAA"), "{}", first.public_line);
        assert_eq!(std::fs::metadata(&first.private).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(&ssh).unwrap().permissions().mode() & 0o777, 0o700);
        let text = std::fs::read_to_string(&first.private).unwrap();
        assert!(text.starts_with("-----BEGIN OPENSSH PRIVATE KEY-----"));
        assert_eq!(ensure_key(&ssh).unwrap(), first);
    }

    #[test]
    fn concurrent_callers_agree_on_one_key() {
        let dir = tempfile::tempdir().unwrap();
        let ssh = dir.path().join("ssh");
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let ssh = ssh.clone();
                std::thread::spawn(move || ensure_key(&ssh).unwrap().public_line)
            })
            .collect();
        let lines: Vec<String> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert!(lines.iter().all(|l| l == &lines[0]));
        assert_eq!(std::fs::read_to_string(ssh.join("id_ed25519.pub")).unwrap().trim(), lines[0]);
    }
}
