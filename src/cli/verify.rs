//! `containai verify [--workspace-folder DIR | --container ID] [--json]` → probes run in the running container →
//! its isolation in the seed comparison's terms, each yes / partial / no with the evidence.

use super::WorkspaceArgs;
use anyhow::{Context, Result, bail};
use containai::engine::Docker;
use containai::isolation::{self, Finding};
use containai::run::up::find;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The workspace whose container to verify (default: the current directory).
    #[arg(long, conflicts_with = "container")]
    pub workspace_folder: Option<PathBuf>,
    /// The workspace's devcontainer.json (default: found in the workspace).
    #[arg(long, conflicts_with = "container")]
    pub config: Option<PathBuf>,
    /// Any running container, by id or name.
    #[arg(long)]
    pub container: Option<String>,
    /// Print one JSON object with the summary and every observation.
    #[arg(long)]
    pub json: bool,
}

async fn container_id(args: &VerifyArgs, docker: &Docker) -> Result<String> {
    if let Some(id) = &args.container {
        return Ok(id.clone());
    }
    let workspace = WorkspaceArgs {
        workspace_folder: args.workspace_folder.clone().unwrap_or_else(|| PathBuf::from(".")),
        config: args.config.clone(),
        base_image: None,
    };
    let loaded = workspace.load()?;
    match find(docker, &loaded.workspace).await? {
        Some(c) => Ok(c.id),
        None => bail!(
            "no container for workspace `{}`\nhint: run `containai up` first",
            loaded.workspace.local_workspace_folder.display()
        ),
    }
}

fn line(name: &str, f: &Finding) {
    println!("{name:<22} {:<8} {}", f.level.word(), f.evidence.join("; "));
}

pub async fn run(args: VerifyArgs) -> Result<ExitCode> {
    let docker = Docker::connect().await?;
    let id = container_id(&args, &docker).await?;
    let running = docker_running(&docker, &id).await?;
    if !running {
        bail!("container `{id}` is not running\nhint: start it with `containai up`");
    }
    let observations = isolation::probe(&docker, &id).await?.with_context(|| format!("no container `{id}`"))?;
    let summary = isolation::summarize(&observations);
    let shortfalls = isolation::sysbox_shortfalls(&summary);
    let (egress_seen, egress) = isolation::egress::probe(&docker, &id).await?;
    if args.json {
        let out = serde_json::json!({"containerId": id, "summary": summary, "egress": egress, "shortfalls": shortfalls, "observations": observations, "egressObservations": egress_seen});
        println!("{out}");
    } else {
        let runtime = summary.runtime.as_deref().unwrap_or("unknown");
        println!("{:<22} {id}", "container");
        println!("{:<22} {runtime} ({})", "runtime", serde_json::to_value(summary.class)?.as_str().unwrap_or("?"));
        let host = summary.kernel.host.as_deref().unwrap_or("unknown");
        let own = if summary.kernel.own_kernel { ": its own kernel" } else { "" };
        println!("{:<22} {} (host {host}){own}", "kernel", summary.kernel.container);
        line("user namespaces", &summary.user_namespaces);
        line("syscall vetting", &summary.syscall_vetting);
        line("procfs virtualisation", &summary.procfs_virtualisation);
        line("docker-in-docker", &summary.docker_in_docker);
        line("systemd", &summary.systemd);
        line("egress", &egress);
        for s in &shortfalls {
            println!("FAIL: {s}");
        }
    }
    Ok(if shortfalls.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

async fn docker_running(docker: &Docker, id: &str) -> Result<bool> {
    use containai::engine::ContainerEngine;
    Ok(docker
        .inspect_container(id)
        .await?
        .with_context(|| format!("no container `{id}`\nhint: `docker ps` lists the running ones"))?
        .running)
}
