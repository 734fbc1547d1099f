//! SIGINT / SIGTERM → the running command's future dropped, so that its engine connections close (the engine
//! then cancels a build it was running and removes the build's intermediate container), and exit code 130/143.
//!
//! Layers already built keep their `containai-cache:<key>` tag: the engine tags a layer only when its build
//! completed, so an interrupted layer leaves no tag, and the next run builds it again.

use tokio::signal::unix::{SignalKind, signal};

/// The command was stopped by a signal.
#[derive(Debug, thiserror::Error)]
#[error(
    "interrupted by {name}: stopped the engine work in progress\nhint: layers built so far stay cached; run the command again to go on"
)]
pub struct Interrupted {
    pub name: &'static str,
    /// 128 + the signal number.
    pub exit_code: u8,
}

/// Resolves when SIGINT or SIGTERM arrives (never, if the handlers cannot be installed).
pub async fn interrupted() -> Interrupted {
    let (Ok(mut int), Ok(mut term)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate())) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = int.recv() => Interrupted { name: "SIGINT", exit_code: 130 },
        _ = term.recv() => Interrupted { name: "SIGTERM", exit_code: 143 },
    }
}
