//! A container's sshd host keys (read through the engine, never over the network) → pinned in containai's own
//! known_hosts under the container's ssh host alias, so that the ssh client checks them strictly
//! (`StrictHostKeyChecking yes`) and never writes that file itself.
//!
//! Every edit is a read-modify-write under a lock beside the file, so concurrent `up`s keep each other's hosts.

use super::ssh_config::{locked, plain_host, refuse_unless, write_atomic};
use super::{Result, RunError};
use crate::engine::{ContainerEngine, ExecRequest};
use std::path::Path;

/// Shell script (run as root) printing the public host keys sshd serves: the `hostkey` files of `sshd -T`, or,
/// when that cannot run, the usual `/etc/ssh/ssh_host_*_key.pub`.
pub const READ_HOST_KEYS: &str = r#"keys=$(sshd -T 2>/dev/null | awk '$1 == "hostkey" { print $2 ".pub" }')
[ -n "$keys" ] || keys=$(ls /etc/ssh/ssh_host_*_key.pub 2>/dev/null)
for k in $keys; do [ -r "$k" ] && cat "$k"; done
exit 0
"#;

/// The `type base64` public keys among `text`'s lines (comments dropped, other lines ignored).
pub fn parse_public_keys(text: &str) -> Vec<String> {
    let known = |t: &str| t.starts_with("ssh-") || t.starts_with("ecdsa-sha2-") || t.starts_with("sk-");
    text.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let (kind, body) = (words.next()?, words.next()?);
            let base64 = body.bytes().all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b));
            (known(kind) && base64).then(|| format!("{kind} {body}"))
        })
        .collect()
}

/// The host keys of container `id`, read through the engine; an error when it serves none.
pub async fn read(engine: &dyn ContainerEngine, id: &str, name: &str) -> Result<Vec<String>> {
    let cmd = ["/bin/sh", "-c", READ_HOST_KEYS].iter().map(|s| s.to_string()).collect();
    let request = ExecRequest { cmd, user: Some("root".into()), ..Default::default() };
    checked(parse_public_keys(&engine.exec(id, &request).await?.stdout), name)
}

/// `keys`, or an error naming container `name` when there are none.
pub fn checked(keys: Vec<String>, name: &str) -> Result<Vec<String>> {
    if keys.is_empty() {
        return Err(RunError::SshKey(format!(
            "container `{name}` serves no ssh host key that containai can read\n\
             hint: containai pins the container's host keys instead of trusting the first one offered; an image \
             with its own sshd must keep them where `sshd -T` says"
        )));
    }
    Ok(keys)
}

fn names_host(line: &str, host: &str) -> bool {
    line.split_whitespace().next().is_some_and(|h| h.split(',').any(|n| n == host))
}

/// Whether `known_hosts` has a key for `host`.
pub fn knows(known_hosts: &Path, host: &str) -> bool {
    std::fs::read_to_string(known_hosts).is_ok_and(|text| text.lines().any(|l| names_host(l, host)))
}

/// Replaces every line of `host` in `known_hosts` with one line per key of `keys` (none: forgets the host).
/// A host alias other than a plain one, or a key other than one `type base64` pair, is refused (nothing written).
pub fn replace(known_hosts: &Path, host: &str, keys: &[String]) -> Result<()> {
    let allowed = "letters, digits, `.`, `_` and `-`";
    refuse_unless(plain_host(host), "known_hosts", "the host alias", host, allowed)?;
    for key in keys {
        let one_key = parse_public_keys(key) == [key.as_str()];
        refuse_unless(one_key, "known_hosts", "the key", key, "one `type base64` public key")?;
    }
    locked(&known_hosts.with_extension("lock"), || {
        let text = std::fs::read_to_string(known_hosts).unwrap_or_default();
        let kept = text.lines().filter(|l| !names_host(l, host)).map(str::to_string);
        let lines: Vec<String> = kept.chain(keys.iter().map(|k| format!("{host} {k}"))).collect();
        let body = if lines.is_empty() { String::new() } else { format!("{}\n", lines.join("\n")) };
        if body != text {
            write_atomic(known_hosts, body.as_bytes(), 0o600)?;
        }
        Ok(())
    })
}

/// Forgets the host keys recorded for `host` (its container is removed).
pub fn forget(known_hosts: &Path, host: &str) -> Result<()> {
    if !knows(known_hosts, host) {
        return Ok(());
    }
    replace(known_hosts, host, &[])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn public_keys_are_read_without_comments_and_junk_is_ignored() {
        let text = "ssh-ed25519 AAAAC3Nz root@abc\necdsa-sha2-nistp256 AAAAE2V=\n\nnot a key\nssh-rsa\n\
                    ssh-rsa AAAA;rm\n";
        assert_eq!(parse_public_keys(text), ["ssh-ed25519 AAAAC3Nz", "ecdsa-sha2-nistp256 AAAAE2V="]);
    }

    #[test]
    fn an_alias_or_key_that_could_add_a_line_is_refused_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let kh = dir.path().join("ssh/known_hosts");
        let key = || vec!["ssh-ed25519 AAA".to_string()];
        for host in ["containai-a\n* ssh-ed25519 EVIL", "a b", "*", "", "-x", "a,b"] {
            assert!(matches!(replace(&kh, host, &key()), Err(RunError::SshValue { .. })), "{host:?}");
        }
        for key in ["ssh-ed25519 AAA\n* ssh-ed25519 EVIL", "ssh-ed25519 AAA comment", "ssh-ed25519", "x AAA"] {
            let err = replace(&kh, "containai-a", &[key.to_string()]).unwrap_err();
            assert!(matches!(err, RunError::SshValue { .. }), "{key:?}: {err}");
        }
        assert!(!kh.exists());
    }

    #[test]
    fn pinning_replaces_one_hosts_keys_and_keeps_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let kh = dir.path().join("ssh/known_hosts");
        replace(&kh, "containai-a", &["ssh-ed25519 AAA".into()]).unwrap();
        replace(&kh, "containai-b", &["ssh-ed25519 BBB".into()]).unwrap();
        assert!(knows(&kh, "containai-a") && !knows(&kh, "containai-c"));
        replace(&kh, "containai-a", &["ssh-ed25519 NEW".into(), "ssh-rsa NEW2".into()]).unwrap();
        let text = std::fs::read_to_string(&kh).unwrap();
        assert_eq!(text, "containai-b ssh-ed25519 BBB\ncontainai-a ssh-ed25519 NEW\ncontainai-a ssh-rsa NEW2\n");
        assert_eq!(std::fs::metadata(&kh).unwrap().permissions().mode() & 0o777, 0o600);
        forget(&kh, "containai-a").unwrap();
        assert_eq!(std::fs::read_to_string(&kh).unwrap(), "containai-b ssh-ed25519 BBB\n");
        forget(&kh, "containai-b").unwrap();
        assert_eq!(std::fs::read_to_string(&kh).unwrap(), "");
    }
}
