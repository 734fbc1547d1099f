//! `containai trust` → the workspace's current host-affecting settings recorded as trusted → JSON line.

use super::WorkspaceArgs;
use anyhow::Result;
use containai::report::Reporter;
use containai::run::trust;

#[derive(clap::Args)]
pub struct TrustArgs {
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
}

pub async fn run(args: TrustArgs, reporter: &dyn Reporter) -> Result<std::process::ExitCode> {
    let loaded = args.workspace.load()?;
    let parts = trust::HostParts::of(&loaded.model, &loaded.workspace);
    let store = trust::default_store();
    if let trust::TrustState::Changed(lines) = trust::check(&store, &loaded.workspace, &parts)? {
        reporter.info(&format!("trusting these changes:\n{}", lines.join("\n")));
    }
    let path = trust::trust(&store, &loaded.workspace, &parts)?;
    let out = serde_json::json!({"outcome": "success", "configFile": loaded.workspace.config_file, "record": path});
    println!("{out}");
    Ok(std::process::ExitCode::SUCCESS)
}
