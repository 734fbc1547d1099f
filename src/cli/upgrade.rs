//! `containai upgrade` arguments → the config's OCI features resolved afresh (lockfile pins ignored) and
//! `devcontainer-lock.json` rewritten (`--dry-run`: printed on stdout instead).

use super::WorkspaceArgs;
use super::features::RemoteArgs;
use anyhow::Result;
use containai::features::{self, oci};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct UpgradeArgs {
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
    #[command(flatten)]
    pub remote: RemoteArgs,
    /// Print the new lockfile instead of writing it.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(args: UpgradeArgs) -> Result<ExitCode> {
    let loaded = args.workspace.load()?;
    let options = oci::RemoteOptions {
        ignore_lockfile: true,
        no_lockfile_write: true,
        frozen_lockfile: false,
        ..args.remote.options()?
    };
    let remote = oci::Remote::new(options, None);
    features::resolve_loaded(&loaded, &remote)?;
    let lockfile = remote.lockfile();
    if args.dry_run {
        print!("{}", lockfile.to_text());
    } else {
        lockfile.write(&oci::lockfile::path_for(&loaded.workspace.config_file))?;
    }
    Ok(ExitCode::SUCCESS)
}
