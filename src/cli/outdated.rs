//! `containai outdated` arguments → for each OCI feature of the config: the locked (current), wanted (newest
//! matching its tag) and latest versions, as a table or the reference CLI's JSON.

use super::WorkspaceArgs;
use super::features::RemoteArgs;
use anyhow::Result;
use containai::features::oci::{self, OciRef, reference, registry};
use serde_json::json;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct OutdatedArgs {
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
    #[command(flatten)]
    pub remote: RemoteArgs,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub output_format: Format,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub async fn run(args: OutdatedArgs) -> Result<ExitCode> {
    let loaded = args.workspace.load()?;
    let lock = oci::Lockfile::read(&oci::lockfile::path_for(&loaded.workspace.config_file))?.unwrap_or_default();
    let mirrors = args.remote.options()?.mirrors;
    let mut features = serde_json::Map::new();
    let keys: Vec<String> = loaded.model.features.as_ref().map(|f| f.keys().cloned().collect()).unwrap_or_default();
    for key in keys {
        let Some(oci_ref) = OciRef::parse(&key) else { continue };
        let Some(tag) = oci_ref.tag().map(str::to_string) else { continue };
        let at = registry::location(&oci_ref, &mirrors);
        let tags = registry::list_tags(&registry::client(at.registry()), &at).await?;
        let wanted = reference::choose_tag(&tag, &tags).filter(|t| semver::Version::parse(t).is_ok());
        let latest = reference::semver_tags(&tags).into_iter().find(|v| v.pre.is_empty()).map(|v| v.to_string());
        let current = lock.features.get(&key).map(|e| e.version.clone()).or_else(|| wanted.clone());
        let major = |v: &Option<String>| v.as_ref().map(|v| v.split('.').next().unwrap_or_default().to_string());
        features.insert(
            key,
            json!({
                "current": current, "wanted": wanted, "wantedMajor": major(&wanted),
                "latest": latest, "latestMajor": major(&latest),
            }),
        );
    }
    match args.output_format {
        Format::Json => println!("{}", json!({ "features": features })),
        Format::Text => {
            println!("{:<60} {:<10} {:<10} {:<10}", "Feature", "Current", "Wanted", "Latest");
            for (key, v) in &features {
                let cell = |name: &str| v[name].as_str().unwrap_or("-").to_string();
                println!("{key:<60} {:<10} {:<10} {:<10}", cell("current"), cell("wanted"), cell("latest"));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
