//! `containai up` arguments → [`containai::pipeline::up`] (policy and trust checked, image made, container up) →
//! one JSON line on stdout.

use super::{Printer, WorkspaceArgs};
use anyhow::{Context, Result};
use containai::agents::worktree::{self, Worktree};
use containai::config::substitute::{host_env, redact_local_env};
use containai::engine::Docker;
use containai::pipeline::{self, ImageSettings};
use containai::registry::HttpProbe;
use containai::report::Reporter;
use containai::run::{self, PolicyOptions, UpOptions};
use std::time::Duration;

#[derive(clap::Args)]
pub struct UpArgs {
    #[command(flatten)]
    pub workspace: WorkspaceArgs,
    /// OCI runtime to run under (default `sysbox-runc`).
    #[arg(long)]
    pub runtime: Option<String>,
    /// Run under plain runc when sysbox-runc is missing: no isolation from the host.
    #[arg(long, env = "CONTAINAI_ALLOW_INSECURE_RUNTIME", value_parser = clap::builder::BoolishValueParser::new(), default_value_t = false)]
    pub allow_insecure_runtime: bool,
    /// Keep config that defeats the isolation (privileged, host namespaces, the docker socket).
    #[arg(long)]
    pub allow_unsafe_config: bool,
    /// Replace the container when the image or its settings changed.
    #[arg(long)]
    pub remove_existing_container: bool,
    /// Same as `--remove-existing-container`.
    #[arg(long)]
    pub rebuild: bool,
    /// Fail when the workspace has no container yet.
    #[arg(long)]
    pub expect_existing_container: bool,
    /// Run no lifecycle command in the container.
    #[arg(long)]
    pub skip_post_create: bool,
    /// Run the lifecycle commands only up to `waitFor` (default `updateContentCommand`); a later `up` runs the
    /// rest.
    #[arg(long)]
    pub skip_non_blocking_commands: bool,
    /// Run onCreateCommand and updateContentCommand (again, if it ran before) and nothing after: for prebuilds.
    #[arg(long)]
    pub prebuild: bool,
    /// Build without the engine's or containai's layer cache when the workspace has no container yet.
    #[arg(long)]
    pub build_no_cache: bool,
    /// A mount beyond the config's, `type=bind|volume,source=...,target=...` (repeatable); checked as the
    /// config's mounts are.
    #[arg(long = "mount", value_name = "MOUNT")]
    pub mounts: Vec<String>,
    /// An environment variable for the lifecycle commands, `NAME=value`, over remoteEnv's (repeatable).
    #[arg(long = "remote-env", value_name = "NAME=value")]
    pub remote_env: Vec<String>,
    #[command(flatten)]
    pub additional: super::features::AdditionalFeatures,
    /// A dotfiles repository (a URL, a path in the container, or `owner/repo` on GitHub) cloned in the container
    /// once and installed after postCreateCommand.
    #[arg(long, value_name = "URL")]
    pub dotfiles_repository: Option<String>,
    /// The dotfiles' install script (default: the first of `install.sh`, `install`, `bootstrap.sh`, ... found;
    /// with none, the repository's dotfiles are linked into the home folder).
    #[arg(long, value_name = "PATH")]
    pub dotfiles_install_command: Option<String>,
    /// Where the dotfiles are cloned.
    #[arg(long, value_name = "PATH", default_value = "~/dotfiles")]
    pub dotfiles_target_path: String,
    /// Add the configuration (`configuration`) to the result, as `read-configuration` prints it.
    #[arg(long)]
    pub include_configuration: bool,
    /// Add the configuration merged with the image's metadata (`mergedConfiguration`) to the result.
    #[arg(long)]
    pub include_merged_configuration: bool,
    /// Do not run postAttachCommand.
    #[arg(long)]
    pub skip_post_attach: bool,
    /// A JSON object of secret environment variables (`{"NAME": "value"}`) for the lifecycle commands; never
    /// stored in the image or the container's config, masked in the output.
    #[arg(long, value_name = "FILE")]
    pub secrets_file: Option<std::path::PathBuf>,
    /// Egress beyond the built-in allowlist: a host (`host`, `*.domain`, `host:port`), or `open` for no
    /// filtering (repeatable; added to the user config's `egress`).
    #[arg(long = "egress", value_name = "HOST|open")]
    pub egress: Vec<String>,
    /// An engine network the egress proxy joins, so that allowed names on it resolve (repeatable).
    #[arg(long = "egress-network", value_name = "NETWORK")]
    pub egress_networks: Vec<String>,
    /// Seconds to wait for systemd and sshd.
    #[arg(long, default_value_t = 120)]
    pub ready_timeout: u64,
    #[command(flatten)]
    pub remote: super::features::RemoteArgs,
    #[command(flatten)]
    pub cache: super::cache::CacheArgs,
    #[command(flatten)]
    pub ca: super::ca::CaArgs,
    /// Install the coding agent NAME (a preset: `claude-code`, `codex`, `gemini-cli`, `opencode`, `aider`) in
    /// the image and give the container its state volume (repeatable); `containai run NAME` starts it.
    #[arg(long = "agent", value_name = "NAME")]
    pub agents: Vec<String>,
    /// Bring up a sandbox on a git worktree of the workspace's repository on branch NAME (created from `HEAD`
    /// when missing; the worktree is kept under containai's data folder), from the workspace's config and image.
    #[arg(long, value_name = "NAME")]
    pub worktree: Option<String>,
}

/// The worktree's sandbox as a workspace: its folder, with the main workspace's config file (so that the image
/// is the same one), or the built-in default when the main workspace has none.
pub fn worktree_workspace(main: &WorkspaceArgs, worktree: &Worktree) -> Result<WorkspaceArgs> {
    let (loaded, default) = main.load_or_default()?;
    Ok(WorkspaceArgs {
        workspace_folder: worktree.path.clone(),
        config: default.is_none().then(|| loaded.workspace.config_file.clone()),
        base_image: main.base_image.clone(),
    })
}

impl UpArgs {
    pub fn options(&self) -> Result<UpOptions> {
        let mut options = UpOptions::new(PolicyOptions {
            runtime: self.runtime.clone(),
            allow_insecure_runtime: self.allow_insecure_runtime,
            allow_unsafe_config: self.allow_unsafe_config,
        });
        options.remove_existing = self.remove_existing_container || self.rebuild;
        options.expect_existing = self.expect_existing_container;
        options.skip_post_create = self.skip_post_create;
        options.ready_timeout = Duration::from_secs(self.ready_timeout);
        if let Some(path) = &self.secrets_file {
            options.flow.secrets = run::secrets::Secrets::load(path)?;
        }
        options.flow.skip_post_attach = self.skip_post_attach;
        options.flow.remote_env = run::ops::check_remote_env(&self.remote_env)?;
        options.extra_mounts = self.mounts.clone();
        options.flow.dotfiles = self.dotfiles_repository.clone().map(|repository| run::dotfiles::Dotfiles {
            repository,
            install_command: self.dotfiles_install_command.clone(),
            target_path: self.dotfiles_target_path.clone(),
        });
        if self.prebuild {
            options.flow = options.flow.prebuild();
        }
        options.egress = containai::policy::egress::UserEgress {
            command_line: self.egress.clone(),
            networks: self.egress_networks.clone(),
            config: containai::user_config::UserConfig::load()?.egress,
        };
        Ok(options)
    }
}

/// The arguments → the loaded config (with the agents' features), the options and the image settings: what
/// `up` and `run` share.
pub fn prepare(
    args: &UpArgs,
    agents: &[String],
    printer: &Printer,
) -> Result<(containai::config::Loaded, UpOptions, ImageSettings)> {
    let worktree = match &args.worktree {
        Some(name) => Some(worktree::ensure(&worktree::worktrees_dir(), &args.workspace.workspace_folder, name)?),
        None => None,
    };
    let workspace = match &worktree {
        Some(worktree) => worktree_workspace(&args.workspace, worktree)?,
        None => args.workspace.clone(),
    };
    let (mut loaded, notice) = workspace.load_or_default()?;
    args.additional.apply(&mut loaded)?;
    if let Some(notice) = notice {
        printer.info(&notice);
    }
    let mut options = args.options()?;
    if args.skip_non_blocking_commands && !args.prebuild {
        options.flow = options.flow.until_wait_for(&loaded.model);
    }
    if let Some(worktree) = &worktree {
        printer.info(&format!("worktree `{}` on branch `{}`", worktree.path.display(), worktree.name));
        options.extra_mounts.extend(worktree.mounts());
    }
    if !agents.is_empty() {
        let scope = containai::user_config::UserConfig::load()?.agent_state;
        for name in agents {
            let preset = containai::agents::find(name)?;
            containai::agents::preset::add_to(&mut loaded, &preset);
            // The hosts the agent needs join the egress allowlist: the user asked for the agent.
            options.egress.command_line.extend(preset.hosts.iter().cloned());
        }
        let id = &loaded.workspace.devcontainer_id;
        options.extra_mounts.push(containai::agents::session::state_mount(scope, id));
    }
    let settings = ImageSettings {
        remote: args.remote.options()?,
        cache: args.cache.options(&loaded)?,
        config_dir: Some(options.config_dir.clone()),
        ca: args.ca.certificates()?,
        ..Default::default()
    };
    Ok((loaded, options, settings))
}

pub async fn run(args: UpArgs, printer: &Printer) -> Result<std::process::ExitCode> {
    let (loaded, mut options, settings) = prepare(&args, &args.agents, printer)?;
    let docker = Docker::connect().await?;
    // The merged configuration needs what the container was made from: no answer from the last result then.
    options.warm = !args.include_merged_configuration;
    let done =
        pipeline::up(&loaded, &docker, &HttpProbe::new(), printer, &settings, &options, args.build_no_cache).await?;
    let mut out = done.result;
    let configuration = containai::config::output::read_configuration(&loaded)["configuration"].take();
    // The result is logged by CI jobs: host variables' values are written back as `${localEnv:NAME}`.
    let configuration = redact_local_env(&configuration, &loaded.local_env, &host_env);
    if let Some(target) = done.target.as_ref().filter(|_| args.include_merged_configuration) {
        let entries = target.metadata.as_array().map(Vec::as_slice).unwrap_or_default();
        let merged = containai::plan::merge::merged_configuration(&configuration, entries);
        let merged = redact_local_env(&merged, &loaded.local_env, &host_env);
        out["mergedConfiguration"] = mask_remote_env(containai::config::output::js_normalize(&merged));
    }
    if args.include_configuration {
        out["configuration"] = mask_remote_env(configuration);
    }
    println!("{}", serde_json::to_string(&out).context("output")?);
    Ok(std::process::ExitCode::SUCCESS)
}

/// `config` with every `remoteEnv` value masked: they may come from `${localEnv:...}` (tokens, say), and the
/// result of `up` is logged by CI jobs; `read-configuration` prints them, as the reference CLI does.
fn mask_remote_env(mut config: serde_json::Value) -> serde_json::Value {
    if let Some(env) = config.get_mut("remoteEnv").and_then(serde_json::Value::as_object_mut) {
        for value in env.values_mut().filter(|v| v.is_string()) {
            *value = run::secrets::MASK.into();
        }
    }
    config
}
