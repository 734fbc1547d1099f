//! `containai list [--json]` → every container containai manages (with the worktree a sandbox is on), as a table
//! or a JSON array.

use anyhow::Result;
use containai::engine::Docker;
use containai::run::ops;

#[derive(clap::Args)]
pub struct ListArgs {
    /// Print a JSON array.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: ListArgs) -> Result<std::process::ExitCode> {
    let docker = Docker::connect().await?;
    let entries = ops::list(&docker).await?;
    let worktrees = containai::agents::worktree::worktrees_dir();
    if args.json {
        let mut values = Vec::new();
        for e in &entries {
            let mut value = serde_json::to_value(e)?;
            let name = containai::agents::worktree::name_of(&worktrees, std::path::Path::new(&e.workspace));
            value["worktree"] = name.into();
            values.push(value);
        }
        println!("{}", serde_json::to_string(&values)?);
    } else {
        println!("{:<32} {:<10} {:<12} {:<10} {:<40} WORKSPACE", "NAME", "STATUS", "RUNTIME", "EGRESS", "SSH");
        for e in entries {
            let ssh = match (&e.ssh_host, e.ssh_port) {
                (Some(h), Some(p)) => format!("{h} (:{p})"),
                (Some(h), None) => h.clone(),
                _ => "-".into(),
            };
            let runtime = e.runtime.as_deref().unwrap_or("-");
            let worktree = containai::agents::worktree::name_of(&worktrees, std::path::Path::new(&e.workspace));
            let workspace = match worktree {
                Some(name) => format!("{} (worktree `{name}`)", e.workspace),
                None => e.workspace.clone(),
            };
            println!("{:<32} {:<10} {:<12} {:<10} {:<40} {}", e.name, e.status, runtime, e.egress, ssh, workspace);
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}
