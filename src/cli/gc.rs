//! `containai gc [--dry-run] [--key-prefix P]` → unused cache layers (`containai-cache`, pulled ones too) removed
//! (or listed) → one JSON line on stdout.

use anyhow::Result;
use containai::engine::Docker;
use containai::report::Reporter;

/// Removes the cache layers no image or container uses.
///
/// A layer (`containai-cache:<key>`) is in use when its image is, or is an ancestor of, the image of any
/// container (running or stopped, whoever made it) or of any image with a name outside `containai-cache`.
/// Ancestors follow the engine's parent images and each layer's `containai.parent-key` label. Every other
/// layer is removed, children first; nothing is forced, so the engine refuses to remove an image a
/// container has started using meanwhile. Builds on this machine hold a shared lock that `gc` waits for.
#[derive(clap::Args)]
pub struct GcArgs {
    /// List what would be removed and what is kept, remove nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Only look at layers whose key starts with PREFIX (the rest are neither listed nor removed).
    #[arg(long, value_name = "PREFIX", default_value = "")]
    pub key_prefix: String,
}

pub async fn run(args: GcArgs, reporter: &dyn Reporter) -> Result<std::process::ExitCode> {
    let docker = Docker::connect().await?;
    let config_dir = containai::user_config::config_dir();
    let out = containai::image::gc::collect(&docker, &config_dir, &args.key_prefix, args.dry_run, reporter).await?;
    println!("{}", serde_json::to_string(&out)?);
    Ok(if out.failed.is_empty() { std::process::ExitCode::SUCCESS } else { std::process::ExitCode::FAILURE })
}
