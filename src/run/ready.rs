//! A started container → ready (systemd `running` or `degraded`, sshd answering) or an error with its journal.

use super::{Result, RunError};
use crate::engine::{ContainerEngine, ExecRequest};
use std::time::{Duration, Instant};
use tokio::io::AsyncReadExt;

/// What `up` reports about systemd.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Readiness {
    /// `running` or `degraded`.
    pub state: String,
    /// Units systemd lists as failed.
    pub failed_units: Vec<String>,
}

fn root(cmd: &[&str]) -> ExecRequest {
    ExecRequest { cmd: cmd.iter().map(|s| s.to_string()).collect(), user: Some("root".into()), ..Default::default() }
}

/// The systemd state (`initializing`, `starting`, `running`, `degraded`, ...), or `unknown`.
pub async fn system_state(engine: &dyn ContainerEngine, id: &str) -> Result<String> {
    let out = engine.exec(id, &root(&["systemctl", "is-system-running"])).await?;
    let state = out.stdout.trim();
    Ok(if state.is_empty() { "unknown".into() } else { state.to_string() })
}

/// Units in the `failed` state.
pub async fn failed_units(engine: &dyn ContainerEngine, id: &str) -> Result<Vec<String>> {
    let out = engine
        .exec(id, &root(&["systemctl", "list-units", "--state=failed", "--plain", "--no-legend", "--no-pager"]))
        .await?;
    Ok(out.stdout.lines().filter_map(|l| l.split_whitespace().next()).map(str::to_string).collect())
}

/// Whether an ssh server answers on 127.0.0.1:`port` with its `SSH-` banner.
pub async fn sshd_answers(port: u16) -> bool {
    let attempt = async {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok()?;
        let mut buf = [0u8; 4];
        stream.read_exact(&mut buf).await.ok()?;
        Some(&buf == b"SSH-")
    };
    tokio::time::timeout(Duration::from_secs(2), attempt).await.ok().flatten().unwrap_or(false)
}

/// The container's last journal lines (its own output when journalctl cannot answer).
pub async fn last_journal(engine: &dyn ContainerEngine, id: &str, lines: usize) -> String {
    let n = lines.to_string();
    let journal = engine.exec(id, &root(&["journalctl", "-n", &n, "--no-pager", "-o", "short"])).await;
    if let Some(out) = journal.ok().filter(|o| o.success() && !o.stdout.trim().is_empty()) {
        return out.stdout.trim_end().to_string();
    }
    engine.logs(id, lines).await.unwrap_or_default().trim_end().to_string()
}

/// Polls until systemd is up and sshd (when `ssh_port` is given) answers, or `timeout` passes.
pub async fn wait_ready(
    engine: &dyn ContainerEngine,
    id: &str,
    name: &str,
    ssh_port: Option<u16>,
    timeout: Duration,
) -> Result<Readiness> {
    let start = Instant::now();
    let mut delay = Duration::from_millis(20);
    let mut state = String::from("unknown");
    let not_ready = |state: String, journal: String| RunError::NotReady {
        name: name.into(),
        seconds: timeout.as_secs(),
        state,
        journal,
    };
    loop {
        let running = engine.inspect_container(id).await?.is_some_and(|c| c.running);
        if !running {
            return Err(not_ready("the container stopped".into(), last_journal(engine, id, 30).await));
        }
        state = system_state(engine, id).await.unwrap_or(state);
        if state == "running" || state == "degraded" {
            break;
        }
        if start.elapsed() > timeout {
            return Err(not_ready(format!("systemd is `{state}`"), last_journal(engine, id, 30).await));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_millis(200));
    }
    let failed = if state == "degraded" { failed_units(engine, id).await? } else { Vec::new() };
    if let Some(port) = ssh_port {
        while !sshd_answers(port).await {
            if start.elapsed() > timeout {
                let journal = last_journal(engine, id, 30).await;
                return Err(not_ready(format!("sshd does not answer on 127.0.0.1:{port}"), journal));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    Ok(Readiness { state, failed_units: failed })
}
