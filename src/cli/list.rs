//! `containai list [--json]` → every container containai manages, as a table or a JSON array.

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
    if args.json {
        println!("{}", serde_json::to_string(&entries)?);
    } else {
        println!("{:<32} {:<10} {:<12} {:<10} {:<40} WORKSPACE", "NAME", "STATUS", "RUNTIME", "EGRESS", "SSH");
        for e in entries {
            let ssh = match (&e.ssh_host, e.ssh_port) {
                (Some(h), Some(p)) => format!("{h} (:{p})"),
                (Some(h), None) => h.clone(),
                _ => "-".into(),
            };
            let runtime = e.runtime.as_deref().unwrap_or("-");
            println!("{:<32} {:<10} {:<12} {:<10} {:<40} {}", e.name, e.status, runtime, e.egress, ssh, e.workspace);
        }
    }
    Ok(std::process::ExitCode::SUCCESS)
}
