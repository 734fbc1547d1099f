//! `containai features package|publish` arguments → feature tarballs and `devcontainer-collection.json` on
//! disk, or manifests and semver tags pushed to a registry; a JSON summary on stdout. Also the shared
//! `--offline`, `--frozen-lockfile`, `--registry-mirror` flags.

use anyhow::Result;
use containai::features::oci::{self, Mirror, RemoteOptions};
use containai::user_config::{UserConfig, merge_mirrors};
use std::path::PathBuf;
use std::process::ExitCode;

/// How remote (OCI) features are resolved.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct RemoteArgs {
    /// Resolve features from the local store and the lockfile only, and pull no image (a missing base is an
    /// error); never touch the network.
    #[arg(long)]
    pub offline: bool,
    /// Fail when `devcontainer-lock.json` would change.
    #[arg(long)]
    pub frozen_lockfile: bool,
    /// Fetch REGISTRY's features and base images from HOST[:PORT][/PREFIX] instead (repeatable; overrides the
    /// user config's `registryMirrors` for that registry); names in the lockfile and in the build stay.
    #[arg(long = "registry-mirror", value_name = "REGISTRY=HOST[:PORT][/PREFIX]")]
    pub registry_mirror: Vec<Mirror>,
}

/// `--additional-features JSON`, as the reference CLI's `build` and `up` take it.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct AdditionalFeatures {
    /// More features, as devcontainer.json's `features` object (JSON); the config's own win on the same id.
    #[arg(long = "additional-features", value_name = "JSON")]
    pub additional_features: Option<String>,
}

impl AdditionalFeatures {
    /// Adds the features to the loaded config's, after them; an id the config has already is left as it is.
    pub fn apply(&self, loaded: &mut containai::config::Loaded) -> Result<()> {
        let Some(text) = &self.additional_features else { return Ok(()) };
        let parsed: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| anyhow::anyhow!("`--additional-features` is not JSON: {e}\nhint: pass an object, e.g. `{{\"ghcr.io/devcontainers/features/node:1\": {{}}}}`"))?;
        let serde_json::Value::Object(added) = parsed else {
            anyhow::bail!(
                "`--additional-features` must be a JSON object of feature ids to options\nhint: e.g. `{{\"./my-feature\": {{}}}}`"
            );
        };
        let features = loaded.model.features.get_or_insert_with(Default::default);
        for (id, options) in added {
            features.entry(id).or_insert(options);
        }
        Ok(())
    }
}

impl RemoteArgs {
    /// The options, with the user config's mirrors for registries the command line gives none for.
    pub fn options(&self) -> Result<RemoteOptions> {
        let config = UserConfig::load()?;
        let configured = config.mirrors().map_err(|message| anyhow::anyhow!(message))?;
        Ok(RemoteOptions {
            offline: self.offline,
            frozen_lockfile: self.frozen_lockfile,
            mirrors: merge_mirrors(&self.registry_mirror, &configured),
            ..RemoteOptions::default()
        })
    }
}

#[derive(clap::Args)]
pub struct FeaturesArgs {
    #[command(subcommand)]
    pub command: FeaturesCommand,
}

#[derive(clap::Subcommand)]
pub enum FeaturesCommand {
    /// Write `devcontainer-feature-<id>.tgz` for a feature folder (or each `src/<id>/` of a collection) and
    /// `devcontainer-collection.json`.
    Package {
        /// A feature folder or a collection folder with `src/<id>/`.
        dir: PathBuf,
        /// Where the artifacts go.
        #[arg(short = 'o', long, default_value = "./output")]
        output_folder: PathBuf,
    },
    /// Push a feature (or a collection's features) to REGISTRY/NAMESPACE/<id> with semver tags.
    Publish {
        /// A feature folder or a collection folder with `src/<id>/`.
        dir: PathBuf,
        /// `ghcr.io`, `localhost:5000` (plain http for `localhost`).
        #[arg(short = 'r', long)]
        registry: String,
        /// `owner/repo`: features go to REGISTRY/NAMESPACE/<id>.
        #[arg(short = 'n', long)]
        namespace: String,
    },
}

pub async fn run(args: FeaturesArgs) -> Result<ExitCode> {
    let value = match args.command {
        FeaturesCommand::Package { dir, output_folder } => {
            let written = oci::publish::package(&dir, &output_folder)?;
            serde_json::json!({ "files": written })
        }
        FeaturesCommand::Publish { dir, registry, namespace } => {
            let published = oci::publish::publish(&dir, &registry.to_ascii_lowercase(), &namespace).await?;
            serde_json::json!({ "published": published })
        }
    };
    println!("{value}");
    Ok(ExitCode::SUCCESS)
}
