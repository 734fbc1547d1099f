//! A running workspace container + a preset + the session's credentials → the agent's state folders linked
//! into the state volume, the credentials in a tmpfs only the remote user can read (gone when the container
//! stops), then the agent run as the remote user, with a terminal when there is one; its exit code.
//!
//! Credentials cross into the container once per session, as the environment of one root `exec` that writes
//! them under `/run` (never an argument, a label, a mount or the image); the agent's own `exec` carries only
//! the wrapper that reads them.

use super::credentials::SessionCredentials;
use super::{AgentError, Preset, Result};
use crate::config::{DevContainer, WorkspaceInfo};
use crate::engine::{ContainerEngine, ExecRequest};
use crate::run::up::find;
use crate::user_config::AgentStateScope;

/// Where the state volume is mounted; each agent has its folder in it.
pub const STATE_MOUNT: &str = "/var/lib/containai/agent-state";
/// The tmpfs folder of sessions: `<user>/env` and `<user>/files/<n>`, 0700 to the user.
pub const SESSION_DIR: &str = "/run/containai-agent";

/// Exit code of [`PREPARE`] when the agent's command is missing.
const NOT_INSTALLED: i64 = 4;

/// Run as root: `$1` user, `$2` agent, `$3` command, then the state folders, `--`, the credential files'
/// targets. The env file and file bytes (base64) come in the environment.
const PREPARE: &str = r#"set -eu
user=$1; agent=$2; cmd=$3; shift 3
command -v "$cmd" >/dev/null 2>&1 || exit 4
home=$(getent passwd "$user" | cut -d: -f6)
[ -n "$home" ] || { echo "no user \`$user\` in the container" >&2; exit 2; }
group=$(id -gn "$user")
fs=$(stat -f -c %T /run)
[ "$fs" = tmpfs ] || { echo "\`/run\` is $fs, not a tmpfs: credentials are written nowhere else" >&2; exit 3; }
umask 077
mkdir -p /run/containai-agent; chmod 0711 /run/containai-agent
d=/run/containai-agent/$user
rm -rf "$d"; mkdir -p "$d/files"; chown -R "$user:$group" "$d"; chmod 0700 "$d" "$d/files"
printf '%s' "${CONTAINAI_AGENT_ENV:-}" > "$d/env"; chown "$user:$group" "$d/env"
store=/var/lib/containai/agent-state/$agent
mkdir -p "$store"; chown "$user:$group" /var/lib/containai/agent-state "$store"
while [ $# -gt 0 ] && [ "$1" != -- ]; do
    rel=$1; shift
    s=$store/$rel; h=$home/$rel
    mkdir -p "$s"
    runuser -u "$user" -- mkdir -p -- "$(dirname -- "$h")"
    if [ -d "$h" ] && [ ! -L "$h" ]; then cp -a "$h/." "$s/"; rm -rf "$h"; fi
    ln -sfn "$s" "$h"; chown -h "$user:$group" "$h"
done
chown -R "$user:$group" "$store"
[ $# -gt 0 ] && shift
i=0
for target in "$@"; do
    eval "content=\${CONTAINAI_AGENT_FILE_$i}"
    f=$d/files/$i
    printf '%s' "$content" | base64 -d > "$f"; chown "$user:$group" "$f"
    h=$home/$target
    runuser -u "$user" -- mkdir -p -- "$(dirname -- "$h")"
    rm -f -- "$h"; ln -s "$f" "$h"; chown -h "$user:$group" "$h"
    i=$((i+1))
done
"#;

/// Run as the remote user: the session's variables, then the agent in place of the shell.
const WRAPPER: &str = r#"d=/run/containai-agent/$(id -un)
if [ -r "$d/env" ]; then . "$d/env"; fi
exec "$@""#;

/// The state volume's name: one per workspace, or one per user.
pub fn state_volume(scope: AgentStateScope, devcontainer_id: &str) -> String {
    match scope {
        AgentStateScope::Workspace => {
            format!("containai-agent-state-{}", &devcontainer_id[..devcontainer_id.len().min(16)])
        }
        AgentStateScope::User => "containai-agent-state".to_string(),
    }
}

/// The `--mount` that gives the container its state volume.
pub fn state_mount(scope: AgentStateScope, devcontainer_id: &str) -> String {
    format!("type=volume,source={},target={STATE_MOUNT}", state_volume(scope, devcontainer_id))
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The session's env file: the preset's state variables, then the credentials' variables.
pub fn env_file(preset: &Preset, credentials: &SessionCredentials) -> String {
    let mut out = String::new();
    for (name, rel) in &preset.state_env {
        out.push_str(&format!("export {name}=\"$HOME/{rel}\"\n"));
    }
    for (name, value) in &credentials.env {
        out.push_str(&format!("export {name}={}\n", shell_quote(value)));
    }
    out
}

/// The root `exec` that prepares the session.
fn prepare_request(user: &str, preset: &Preset, credentials: &SessionCredentials) -> ExecRequest {
    let mut cmd = vec!["sh".into(), "-c".into(), PREPARE.into(), "containai-agent-prepare".into()];
    cmd.extend([user.to_string(), preset.name.clone(), preset.command.clone()]);
    cmd.extend(preset.state.iter().cloned());
    cmd.push("--".into());
    cmd.extend(credentials.files.keys().cloned());
    let mut env = vec![format!("CONTAINAI_AGENT_ENV={}", env_file(preset, credentials))];
    for (i, bytes) in credentials.files.values().enumerate() {
        env.push(format!("CONTAINAI_AGENT_FILE_{i}={}", data_encoding::BASE64.encode(bytes)));
    }
    ExecRequest { cmd, user: Some("root".into()), env, working_dir: Some("/".into()) }
}

/// The command line of the agent's `exec`.
pub fn agent_command(preset: &Preset, args: &[String]) -> Vec<String> {
    let mut cmd = vec!["sh".into(), "-c".into(), WRAPPER.into(), "containai-agent".into(), preset.command.clone()];
    cmd.extend(args.iter().cloned());
    cmd
}

/// Prepares the session in the workspace's running container, then runs the agent in it; its exit code.
pub async fn start(
    engine: &dyn ContainerEngine,
    config: &DevContainer,
    workspace: &WorkspaceInfo,
    preset: &Preset,
    credentials: &SessionCredentials,
    args: &[String],
    tty: bool,
) -> Result<i64> {
    let container = find(engine, workspace)
        .await?
        .filter(|c| c.running)
        .ok_or_else(|| crate::run::RunError::NoContainer(workspace.local_workspace_folder.display().to_string()))?;
    let user = crate::run::label_user(&container.labels)?;
    let out = engine.exec(&container.id, &prepare_request(&user, preset, credentials)).await?;
    match out.exit_code {
        0 => {}
        NOT_INSTALLED => {
            return Err(AgentError::NotInstalled { command: preset.command.clone(), container: container.name });
        }
        code => return Err(AgentError::Prepare { code, message: out.stderr.trim().to_string() }),
    }
    Ok(crate::run::ops::exec(engine, config, workspace, agent_command(preset, args), &[], tty).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn credentials_travel_in_the_environment_of_the_prepare_exec_only() {
        let preset = super::super::find("claude-code").unwrap();
        let credentials = SessionCredentials {
            env: BTreeMap::from([("ANTHROPIC_API_KEY".to_string(), "sk-'canary'".to_string())]),
            files: BTreeMap::from([(".claude/.credentials.json".to_string(), b"file-canary".to_vec())]),
        };
        let request = prepare_request("vscode", &preset, &credentials);
        assert!(request.cmd.iter().all(|a| !a.contains("canary")), "{:?}", request.cmd);
        assert!(request.cmd.ends_with(&["--".to_string(), ".claude/.credentials.json".to_string()]));
        assert!(request.env[0].contains(r#"export ANTHROPIC_API_KEY='sk-'\''canary'\'''"#), "{:?}", request.env);
        assert!(request.env[0].contains(r#"export CLAUDE_CONFIG_DIR="$HOME/.claude""#));
        assert_eq!(request.env[1], format!("CONTAINAI_AGENT_FILE_0={}", data_encoding::BASE64.encode(b"file-canary")));
        let run = agent_command(&preset, &["--version".to_string()]);
        assert_eq!(&run[4..], ["claude", "--version"]);
        assert!(run.iter().all(|a| !a.contains("canary")));
    }

    #[test]
    fn the_state_volume_is_per_workspace_unless_per_user() {
        let id = "0123456789abcdef0123";
        assert_eq!(state_volume(AgentStateScope::Workspace, id), "containai-agent-state-0123456789abcdef");
        assert_eq!(state_volume(AgentStateScope::User, id), "containai-agent-state");
        assert!(state_mount(AgentStateScope::User, id).ends_with(&format!("target={STATE_MOUNT}")));
    }
}
