//! `containai gc [--dry-run] [--key-prefix P]` → unused cache layers (`containai-cache`, pulled ones too) removed
//! (or listed) → one JSON line on stdout.

use anyhow::{Context, Result};
use bollard::query_parameters::{ListContainersOptions, ListImagesOptions, RemoveImageOptions};
use containai::engine::Docker;
use containai::image::gc::{self, ContainerNode, ImageNode, LayerUse};
use containai::report::Reporter;
use containai::run::{lock, ssh};
use serde::Serialize;

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

/// What `gc` prints.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Output {
    outcome: &'static str,
    dry_run: bool,
    removed: Vec<LayerUse>,
    kept: Vec<LayerUse>,
    /// Layers the engine refused to remove: `(key, message)`.
    failed: Vec<(String, String)>,
}

async fn engine_state(docker: &Docker) -> Result<(Vec<ImageNode>, Vec<ContainerNode>)> {
    let options = ListImagesOptions { all: true, ..Default::default() };
    let images = docker.client().list_images(Some(options)).await.context("cannot list images")?;
    let images = images
        .into_iter()
        .map(|i| ImageNode {
            id: i.id,
            parent_id: i.parent_id,
            tags: i.repo_tags,
            labels: i.labels.into_iter().collect(),
        })
        .collect();
    let options = ListContainersOptions { all: true, ..Default::default() };
    let containers = docker.client().list_containers(Some(options)).await.context("cannot list containers")?;
    let containers = containers
        .into_iter()
        .map(|c| ContainerNode {
            name: c.names.unwrap_or_default().first().cloned().unwrap_or_default().trim_start_matches('/').to_string(),
            image_id: c.image_id.unwrap_or_default(),
        })
        .collect();
    Ok((images, containers))
}

pub async fn run(args: GcArgs, reporter: &dyn Reporter) -> Result<std::process::ExitCode> {
    let docker = Docker::connect().await?;
    let _lock = lock::acquire(&ssh::containai_config_dir(), lock::CACHE_LOCK, true).await?;
    let (images, containers) = engine_state(&docker).await?;
    let plan = gc::plan(&images, &containers, &args.key_prefix);
    let mut out =
        Output { outcome: "success", dry_run: args.dry_run, removed: vec![], kept: plan.keep, failed: vec![] };
    for layer in plan.remove {
        if !args.dry_run {
            let options = RemoveImageOptions { force: false, noprune: false, ..Default::default() };
            if let Err(err) = docker.client().remove_image(&layer.tag, Some(options), None).await {
                reporter.warn(&format!("cannot remove `{}`: {err}", layer.tag));
                out.failed.push((layer.key, err.to_string()));
                continue;
            }
        }
        out.removed.push(layer);
    }
    let verb = if args.dry_run { "would remove" } else { "removed" };
    reporter.info(&format!("{verb} {} cache layer(s), kept {} in use", out.removed.len(), out.kept.len()));
    println!("{}", serde_json::to_string(&out)?);
    Ok(if out.failed.is_empty() { std::process::ExitCode::SUCCESS } else { std::process::ExitCode::FAILURE })
}
