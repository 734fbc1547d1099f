//! Images a build starts from (an `image` config's image, a Dockerfile's `FROM`s) + mirrors + the user's Docker
//! credentials → each one the engine lacks pulled for the engine's platform, through its registry's mirror when
//! one is set and then tagged with its own name, so that layer keys and labels never depend on the mirror.
//! Offline, nothing is pulled and what is missing is named.

use super::error::{BuildError, Result};
use crate::engine::{EngineError, ImageEngine, PullRequest};
use crate::registry::reference::{DOCKER_HUB, host_of, normalize_host, server_address};
use crate::registry::{Credentials, Mirror, RegistryAuth};
use crate::report::Reporter;
use std::collections::BTreeMap;

/// How the images a build starts from are pulled.
#[derive(Debug, Clone, Default)]
pub struct PullOptions {
    /// Pull nothing: an image the engine lacks is an error.
    pub offline: bool,
    /// Registries whose images are pulled from elsewhere (`--registry-mirror`, the user config's
    /// `registryMirrors`).
    pub mirrors: Vec<Mirror>,
}

/// Where `reference` is pulled from: `HOST[/PREFIX]/<repository>:<tag>` when its registry has a mirror, else
/// itself. A `repo@digest` reference comes from its own registry (the engine cannot tag a digest).
pub fn pull_source(reference: &str, mirrors: &[Mirror]) -> String {
    let host = host_of(reference);
    let mirror = mirrors.iter().find(|m| normalize_host(&m.registry) == host);
    let Some(mirror) = mirror.filter(|_| !reference.contains('@')) else {
        return reference.to_string();
    };
    let path = match reference.split_once('/') {
        Some((first, rest)) if first.contains(['.', ':']) || first == "localhost" => rest,
        _ => reference,
    };
    // Docker Hub's official images live under `library/`.
    let path = match host == DOCKER_HUB && !path.contains('/') {
        true => format!("library/{path}"),
        false => path.to_string(),
    };
    match mirror.prefix.as_str() {
        "" => format!("{}/{path}", mirror.host),
        prefix => format!("{}/{prefix}/{path}", mirror.host),
    }
}

/// Pulls each of `references` the engine lacks, in order; returns those pulled. Offline, any missing one is
/// [`BuildError::OfflineMissing`].
pub async fn ensure(
    references: &[String],
    engine: &dyn ImageEngine,
    reporter: &dyn Reporter,
    options: &PullOptions,
) -> Result<Vec<String>> {
    let mut missing = Vec::new();
    for reference in references {
        if engine.inspect_image(reference).await?.is_none() {
            missing.push(reference.clone());
        }
    }
    if missing.is_empty() {
        return Ok(missing);
    }
    if options.offline {
        return Err(BuildError::OfflineMissing { images: missing });
    }
    let platform = engine.engine_info().await?.platform;
    let platform = (!platform.is_empty()).then_some(platform.as_str());
    for reference in &missing {
        pull_one(reference, platform, engine, reporter, &options.mirrors).await?;
    }
    Ok(missing)
}

async fn pull_one(
    reference: &str,
    platform: Option<&str>,
    engine: &dyn ImageEngine,
    reporter: &dyn Reporter,
    mirrors: &[Mirror],
) -> Result<()> {
    let source = pull_source(reference, mirrors);
    let via = if source == reference { String::new() } else { format!(" through `{source}`") };
    let host = host_of(&source);
    let auth = Credentials::for_registry(&host)?;
    let had_source = source != reference && engine.inspect_image(&source).await?.is_some();
    let for_platform = platform.map(|p| format!(" for {p}")).unwrap_or_default();
    reporter.info(&format!("pulling `{reference}`{via}{for_platform}"));
    // The engine's per-layer progress is not shown: one line when the pull starts, one when it is done.
    let pulled = engine.pull_image(PullRequest { reference: &source, platform, auth: auth.as_ref() }, &|_| {}).await;
    pulled.map_err(|error| {
        let message = match error {
            EngineError::Registry { message, .. } => message,
            other => other.to_string(),
        };
        BuildError::Pull { reference: reference.to_string(), via: via.clone(), host: host.clone(), message }
    })?;
    // Tagged by id: a concurrent pull of the same image may have tagged it and dropped the mirror's name already.
    if source != reference
        && let Some(image) = engine.inspect_image(&source).await?
    {
        engine.tag_image(&image.id, reference).await?;
        if !had_source {
            engine.remove_image(&source, false).await?;
        }
    }
    let missing = || EngineError::Other(format!("`{reference}` is missing right after its pull"));
    let id = engine.inspect_image(reference).await?.ok_or_else(missing)?.id;
    let short = id.strip_prefix("sha256:").unwrap_or(&id);
    reporter.info(&format!("pulled `{reference}`{via} ({})", &short[..short.len().min(12)]));
    Ok(())
}

/// The logins for the registries of `images` that the user's Docker config has, by server address: what a
/// build request carries so that the engine can pull a `FROM` image itself. A failing lookup is a warning.
pub fn logins(images: &[String], reporter: &dyn Reporter) -> BTreeMap<String, RegistryAuth> {
    let mut logins = BTreeMap::new();
    let hosts: std::collections::BTreeSet<String> = images.iter().map(|image| host_of(image)).collect();
    let credentials = match Credentials::from_env() {
        Ok(credentials) => credentials,
        Err(error) => {
            reporter.warn(&error.to_string());
            return logins;
        }
    };
    for host in hosts {
        match credentials.get(&host) {
            Ok(Some(auth)) => {
                logins.insert(server_address(&host), auth);
            }
            Ok(None) => {}
            Err(error) => reporter.warn(&error.to_string()),
        }
    }
    logins
}

#[cfg(test)]
#[path = "pull_tests.rs"]
mod tests;
