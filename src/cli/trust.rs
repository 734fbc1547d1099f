//! `containai trust` → the workspace's current host-affecting settings (and the files its host command runs)
//! recorded as trusted → JSON line. The user's word: nothing in the repository can say it.

use super::WorkspaceArgs;
use anyhow::Result;
use containai::policy::trust;
use containai::report::Reporter;

#[derive(clap::Args)]
pub struct TrustArgs {
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
}

pub async fn run(args: TrustArgs, reporter: &dyn Reporter) -> Result<std::process::ExitCode> {
    let loaded = args.workspace.load()?;
    // A Compose config's project is assessed with it (Compose resolves the files; nothing runs).
    let assessment = containai::pipeline::compose::assess_workspace(&loaded, &[]).await?;
    let refused = assessment.refused();
    if !refused.is_empty() {
        reporter.warn(&format!(
            "trust does not cover these (a repository cannot ask for them; `up --allow-unsafe-config` keeps them):\n{}",
            refused.iter().map(|r| format!("  - {r}")).collect::<Vec<_>>().join("\n")
        ));
    }
    let store = trust::default_store(&containai::run::ssh::containai_config_dir());
    match trust::check(&store, &loaded.workspace, &assessment.fingerprint)? {
        trust::TrustState::Changed(lines) => reporter.info(&format!("trusting these changes:\n{}", lines.join("\n"))),
        trust::TrustState::Unseen(lines) => reporter.info(&format!("trusting:\n{}", lines.join("\n"))),
        trust::TrustState::Trusted => {}
    }
    let path = trust::trust(&store, &loaded.workspace, &assessment.fingerprint)?;
    let out = serde_json::json!({
        "outcome": "success",
        "configFile": loaded.workspace.config_file,
        "record": path,
        "settings": assessment.fingerprint.settings,
        "files": assessment.fingerprint.files.keys().collect::<Vec<_>>(),
    });
    println!("{out}");
    Ok(std::process::ExitCode::SUCCESS)
}
