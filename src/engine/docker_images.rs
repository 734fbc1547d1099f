//! [`ImageEngine`] requests → the Docker Engine API through bollard (classic builder, so API 1.41 engines work).

use super::images::{
    BuildContextBody, BuildRequest, BuiltImage, ImageEngine, ImageInfo, ImageSummary, LogSink, PullRequest,
    split_reference,
};
use super::{Docker, EngineError, EngineInfo, Result};
use crate::registry::RegistryAuth;
use crate::registry::reference::{host_of, server_address};
use bollard::errors::Error as BollardError;
use bollard::query_parameters::{
    BuildImageOptions, CreateImageOptions, ListImagesOptions, PushImageOptions, RemoveImageOptions, TagImageOptions,
};
use futures_util::StreamExt;
use std::collections::{HashMap, VecDeque};

/// How many lines of build output a failure carries.
pub const LOG_TAIL_LINES: usize = 40;

fn not_found(err: &BollardError) -> bool {
    matches!(err, BollardError::DockerResponseServerError { status_code: 404, .. })
}

/// Removes terminal colour sequences (`ESC [ ... letter`) that the classic builder puts around stderr.
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[async_trait::async_trait]
impl ImageEngine for Docker {
    async fn engine_info(&self) -> Result<EngineInfo> {
        self.read_engine_info().await
    }

    async fn inspect_image(&self, reference: &str) -> Result<Option<ImageInfo>> {
        match self.client.inspect_image(reference).await {
            Ok(image) => {
                let config = image.config.unwrap_or_default();
                Ok(Some(ImageInfo {
                    id: image.id.unwrap_or_default(),
                    labels: config.labels.unwrap_or_default().into_iter().collect(),
                    user: config.user.unwrap_or_default(),
                    env: config.env.unwrap_or_default(),
                    tags: image.repo_tags.unwrap_or_default(),
                }))
            }
            Err(err) if not_found(&err) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    async fn build_image(&self, request: BuildRequest, log: LogSink<'_>) -> Result<BuiltImage> {
        let mut tags = request.tags.iter();
        let options = BuildImageOptions {
            dockerfile: request.dockerfile.clone(),
            t: tags.next().cloned(),
            rm: true,
            forcerm: true,
            nocache: request.no_cache,
            buildargs: Some(request.build_args.clone().into_iter().collect::<HashMap<_, _>>()),
            labels: Some(request.labels.clone().into_iter().collect::<HashMap<_, _>>()),
            target: request.target.clone().unwrap_or_default(),
            ..Default::default()
        };
        let body = match request.context {
            BuildContextBody::Tar(bytes) => bollard::body_full(bytes.into()),
            BuildContextBody::Stream(stream) => bollard::body_try_stream(stream),
        };
        let mut tail: VecDeque<String> = VecDeque::with_capacity(LOG_TAIL_LINES);
        let mut push = |line: &str| {
            log(line);
            if tail.len() == LOG_TAIL_LINES {
                tail.pop_front();
            }
            tail.push_back(line.to_string());
        };
        let mut image_id = None;
        let mut pending = String::new();
        let credentials = (!request.registry_auth.is_empty()).then(|| {
            request.registry_auth.iter().map(|(server, auth)| (server.clone(), auth.to_engine(server))).collect()
        });
        let mut stream = self.client.build_image(options, credentials, Some(body));
        let mut failure = None;
        while let Some(item) = stream.next().await {
            match item {
                Ok(info) => {
                    if let Some(text) = info.stream.or(info.status) {
                        pending.push_str(&text);
                        while let Some(i) = pending.find('\n') {
                            let line: String = pending.drain(..=i).collect();
                            push(strip_ansi(&line).trim_end());
                        }
                    }
                    if let Some(id) = info.aux.and_then(|aux| aux.id) {
                        image_id = Some(id);
                    }
                }
                Err(BollardError::DockerStreamError { error }) => {
                    failure = Some(error);
                    break;
                }
                Err(BollardError::DockerResponseServerError { message, .. }) => {
                    failure = Some(message);
                    break;
                }
                Err(err) => return Err(err.into()),
            }
        }
        if !pending.trim().is_empty() {
            push(strip_ansi(&pending).trim_end());
        }
        if let Some(message) = failure {
            return Err(EngineError::BuildFailed { message: message.trim().to_string(), log_tail: tail.into() });
        }
        let id = match (image_id, request.tags.first()) {
            (Some(id), _) => id,
            (None, Some(tag)) => self
                .inspect_image(tag)
                .await?
                .map(|image| image.id)
                .ok_or_else(|| EngineError::Other(format!("the build finished but `{tag}` is missing")))?,
            (None, None) => {
                return Err(EngineError::Other("the build finished without reporting an image id".into()));
            }
        };
        for tag in tags {
            self.tag_image(&id, tag).await?;
        }
        Ok(BuiltImage { id })
    }

    async fn tag_image(&self, source: &str, target: &str) -> Result<()> {
        let (repo, tag) = split_reference(target);
        let options = TagImageOptions { repo: Some(repo.to_string()), tag: Some(tag.to_string()) };
        self.client.tag_image(source, Some(options)).await?;
        Ok(())
    }

    async fn remove_image(&self, reference: &str, force: bool) -> Result<bool> {
        let options = RemoveImageOptions { force, noprune: false, ..Default::default() };
        match self.client.remove_image(reference, Some(options), None).await {
            Ok(_) => Ok(true),
            Err(err) if not_found(&err) => Ok(false),
            Err(err) => Err(err.into()),
        }
    }

    async fn push_image(&self, reference: &str, auth: Option<&RegistryAuth>, log: LogSink<'_>) -> Result<()> {
        self.push(reference, auth, log).await
    }

    async fn pull_image(&self, request: PullRequest<'_>, log: LogSink<'_>) -> Result<()> {
        let PullRequest { reference, platform, auth } = request;
        // `repo@sha256:…` is pulled by its digest, whole; `repo[:tag]` by repository and tag.
        let (repo, tag) = match reference.split_once('@') {
            Some(_) => (reference, None),
            None => {
                let (repo, tag) = split_reference(reference);
                (repo, Some(tag))
            }
        };
        let options = CreateImageOptions {
            from_image: Some(repo.to_string()),
            tag: tag.map(str::to_string),
            platform: platform.unwrap_or_default().to_string(),
            ..Default::default()
        };
        let stream = self.client.create_image(Some(options), None, engine_auth(reference, auth));
        let line = |info: &bollard::models::CreateImageInfo| progress_line(info.status.as_deref(), info.id.as_deref());
        drain_progress(reference, stream, line, log).await
    }

    async fn list_images_by_label(&self, label: &str) -> Result<Vec<ImageSummary>> {
        let filters = HashMap::from([("label".to_string(), vec![label.to_string()])]);
        let options = ListImagesOptions { filters: Some(filters), ..Default::default() };
        let images = self.client.list_images(Some(options)).await?;
        Ok(images
            .into_iter()
            .map(|image| ImageSummary {
                id: image.id,
                tags: image.repo_tags,
                labels: image.labels.into_iter().collect(),
            })
            .collect())
    }
}

/// The engine's `X-Registry-Auth` for the registry of `reference`.
fn engine_auth(reference: &str, auth: Option<&RegistryAuth>) -> Option<bollard::auth::DockerCredentials> {
    auth.map(|auth| auth.to_engine(&server_address(&host_of(reference))))
}

/// A push or pull status worth a log line: not the per-chunk progress of a layer.
fn progress_line(status: Option<&str>, id: Option<&str>) -> Option<String> {
    let status = status?;
    let noisy = ["Pushing", "Downloading", "Extracting", "Waiting", "Preparing", "Verifying"];
    if noisy.iter().any(|n| status.starts_with(n)) {
        return None;
    }
    Some(match id {
        Some(id) => format!("{id}: {status}"),
        None => status.to_string(),
    })
}

/// Drains a push or pull progress stream: `status` lines to `log` (layer progress bars are not logged); the
/// first error ends it as [`EngineError::Registry`].
async fn drain_progress<T>(
    reference: &str,
    stream: impl futures_util::Stream<Item = std::result::Result<T, BollardError>>,
    line: impl Fn(&T) -> Option<String>,
    log: LogSink<'_>,
) -> Result<()> {
    let registry_error = |message: String| EngineError::Registry { reference: reference.to_string(), message };
    futures_util::pin_mut!(stream);
    while let Some(item) = stream.next().await {
        match item {
            Ok(info) => {
                if let Some(text) = line(&info) {
                    log(&text);
                }
            }
            Err(BollardError::DockerStreamError { error }) => return Err(registry_error(error)),
            Err(BollardError::DockerResponseServerError { message, .. }) => return Err(registry_error(message)),
            Err(err) => return Err(err.into()),
        }
    }
    Ok(())
}

impl Docker {
    /// [`ImageEngine::push_image`].
    async fn push(&self, reference: &str, auth: Option<&RegistryAuth>, log: LogSink<'_>) -> Result<()> {
        let (repo, tag) = split_reference(reference);
        let options = PushImageOptions { tag: Some(tag.to_string()), platform: None };
        let stream = self.client.push_image(repo, Some(options), engine_auth(reference, auth));
        let line = |info: &bollard::models::PushImageInfo| progress_line(info.status.as_deref(), None);
        drain_progress(reference, stream, line, log).await
    }
}

#[cfg(test)]
mod tests {
    use super::strip_ansi;

    #[test]
    fn colour_sequences_are_stripped_from_log_lines() {
        assert_eq!(strip_ansi("\u{1b}[91mbroken\u{1b}[0m done"), "broken done");
        assert_eq!(strip_ansi("plain [text]"), "plain [text]");
    }
}
