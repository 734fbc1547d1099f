//! `containai doctor [--json]` → the host's facts checked (ok / warning / missing, with remedies); exit 0 only
//! when `up` can run under sysbox-runc.

use anyhow::Result;
use containai::isolation::checks::{self, State};
use containai::isolation::facts;
use containai::run::ssh_config;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct DoctorArgs {
    /// Print one JSON object: `{"ready": bool, "checks": [...]}`.
    #[arg(long)]
    pub json: bool,
}

pub async fn run(args: DoctorArgs) -> Result<ExitCode> {
    let facts = facts::gather(&ssh_config::ssh_dir()).await;
    let checks = checks::checks(&facts);
    let ready = checks::ready(&checks);
    if args.json {
        println!("{}", serde_json::json!({"ready": ready, "checks": checks}));
    } else {
        for c in &checks {
            let state = match c.state {
                State::Ok => "ok",
                State::Warning => "warning",
                State::Missing => "missing",
            };
            println!("{state:<8} {:<16} {}", c.name, c.detail);
            if let Some(remedy) = &c.remedy {
                println!("{:<8} {:<16} → {remedy}", "", "");
            }
        }
        println!();
        println!(
            "{}",
            if ready {
                "`containai up` can run under sysbox-runc here"
            } else {
                "`containai up` cannot run under sysbox-runc here (`--allow-insecure-runtime` runs it without isolation)"
            }
        );
    }
    Ok(if ready { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
