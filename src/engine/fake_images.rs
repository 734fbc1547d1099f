//! Recording fake of [`super::ImageEngine`] for unit tests: scripted images in, recorded calls out.
//!
//! Builds "succeed" by registering an image whose id hashes the request; a build whose Dockerfile contains a
//! scripted needle fails with a scripted message and log. Contexts are unpacked so tests can see what was sent.

use super::images::{
    BuildContextBody, BuildRequest, BuiltImage, ImageEngine, ImageInfo, ImageSummary, LogSink, PullRequest,
};
use super::info::EngineInfo;
use super::{EngineError, Result};
use crate::registry::{ManifestProbe, ProbeError, RegistryAuth, Repository};
use futures_util::StreamExt;
use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Mutex;

/// One build as the fake received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedBuild {
    pub dockerfile_path: String,
    /// Text of the Dockerfile found in the context (empty when it was missing).
    pub dockerfile: String,
    pub tags: Vec<String>,
    /// The request's labels plus those of the Dockerfile's `LABEL` instructions (as the image gets them).
    pub labels: BTreeMap<String, String>,
    pub build_args: BTreeMap<String, String>,
    pub target: Option<String>,
    pub no_cache: bool,
    /// The servers the request carried a login for.
    pub registries: Vec<String>,
    /// Every regular file of the context: path → bytes.
    pub files: BTreeMap<String, Vec<u8>>,
}

/// One call, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Call {
    EngineInfo,
    Inspect(String),
    Build(Box<RecordedBuild>),
    Tag {
        source: String,
        target: String,
    },
    Remove(String),
    List(String),
    /// A push: the reference and whether credentials were sent.
    Push {
        reference: String,
        with_auth: bool,
    },
    Pull {
        reference: String,
        platform: Option<String>,
        with_auth: bool,
    },
    /// A manifest lookup (the fake registry answers [`crate::registry::ManifestProbe`] too).
    Head(String),
}

#[derive(Default)]
struct State {
    /// reference or id → image.
    images: BTreeMap<String, ImageInfo>,
    calls: Vec<Call>,
    failures: Vec<(String, String, Vec<String>)>,
    /// What the fake registry holds: reference → image.
    remote: BTreeMap<String, ImageInfo>,
    /// Registry calls fail with this message (unreachable or refusing registry).
    registry_down: Option<String>,
    /// How long each build takes (after it is recorded, before its image exists).
    build_delay: Option<std::time::Duration>,
}

/// The fake engine.
#[derive(Default)]
pub struct FakeImages {
    state: Mutex<State>,
}

impl FakeImages {
    pub fn new() -> FakeImages {
        FakeImages::default()
    }

    /// Makes `reference` exist (with `id`, and the given labels).
    pub fn add_image(&self, reference: &str, id: &str, labels: &[(&str, &str)]) {
        let labels = labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let info = ImageInfo { id: id.to_string(), labels, tags: vec![reference.to_string()], ..Default::default() };
        let mut state = self.state.lock().unwrap();
        state.images.insert(id.to_string(), info.clone());
        state.images.insert(reference.to_string(), info);
    }

    /// A build whose Dockerfile contains `needle` fails with `message` after printing `log`.
    pub fn fail_builds_containing(&self, needle: &str, message: &str, log: &[&str]) {
        let log = log.iter().map(|l| l.to_string()).collect();
        self.state.lock().unwrap().failures.push((needle.into(), message.into(), log));
    }

    /// Puts `info` in the fake registry as `reference` (as if another machine pushed it).
    pub fn add_remote(&self, reference: &str, info: ImageInfo) {
        self.state.lock().unwrap().remote.insert(reference.to_string(), info);
    }

    /// The image the fake registry holds as `reference`.
    pub fn remote(&self, reference: &str) -> Option<ImageInfo> {
        self.state.lock().unwrap().remote.get(reference).cloned()
    }

    /// Makes every push and pull fail with `message` (`None`: the registry answers again).
    pub fn set_registry_down(&self, message: Option<&str>) {
        self.state.lock().unwrap().registry_down = message.map(String::from);
    }

    /// Every call so far, in order.
    /// Makes every build take `delay`, so that concurrent builds overlap.
    pub fn set_build_delay(&self, delay: std::time::Duration) {
        self.state.lock().unwrap().build_delay = Some(delay);
    }

    pub fn calls(&self) -> Vec<Call> {
        self.state.lock().unwrap().calls.clone()
    }

    /// The builds so far, in order.
    pub fn builds(&self) -> Vec<RecordedBuild> {
        let calls = self.calls();
        calls.into_iter().filter_map(|c| if let Call::Build(b) = c { Some(*b) } else { None }).collect()
    }

    /// Whether `reference` currently names an image.
    pub fn has_image(&self, reference: &str) -> bool {
        self.state.lock().unwrap().images.contains_key(reference)
    }

    /// The id of the image `reference` names, if any.
    pub fn image_id(&self, reference: &str) -> Option<String> {
        self.state.lock().unwrap().images.get(reference).map(|i| i.id.clone())
    }

    fn record(&self, call: Call) {
        self.state.lock().unwrap().calls.push(call);
    }
}

fn unpack(tar_bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>> {
    let bad = |e: std::io::Error| EngineError::Other(format!("the build context is not a valid tar: {e}"));
    let mut files = BTreeMap::new();
    let mut archive = tar::Archive::new(tar_bytes);
    for entry in archive.entries().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        if entry.header().entry_type().is_file() {
            let path = entry.path().map_err(bad)?.to_string_lossy().into_owned();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).map_err(bad)?;
            files.insert(path, bytes);
        }
    }
    Ok(files)
}

/// The labels a Dockerfile's `LABEL` instructions set (`key="value"` with backslash escapes, or `key=value`), as an
/// engine puts them on the image beside the request's own labels.
fn dockerfile_labels(dockerfile: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    let joined = dockerfile.replace("\\\n", " ");
    for line in joined.lines() {
        let Some(mut rest) = line.trim_start().strip_prefix("LABEL ") else {
            continue;
        };
        while let Some(eq) = rest.find('=') {
            let key = rest[..eq].trim().to_string();
            let mut value = String::new();
            let mut chars = rest[eq + 1..].char_indices();
            let quoted = rest[eq + 1..].starts_with('"');
            if quoted {
                chars.next();
            }
            let mut end = rest.len() - eq - 1;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' if quoted => value.extend(chars.next().map(|(_, c)| c)),
                    '"' if quoted => {
                        end = i + 1;
                        break;
                    }
                    ' ' if !quoted => {
                        end = i;
                        break;
                    }
                    c => value.push(c),
                }
            }
            labels.insert(key, value);
            rest = &rest[eq + 1 + end..];
        }
    }
    labels
}

#[async_trait::async_trait]
impl ImageEngine for FakeImages {
    async fn engine_info(&self) -> Result<EngineInfo> {
        self.record(Call::EngineInfo);
        Ok(EngineInfo {
            version: "fake".into(),
            api_version: "1.41".into(),
            runtimes: vec!["runc".into()],
            default_runtime: "runc".into(),
            cgroup_version: None,
            platform: "linux/amd64".into(),
        })
    }

    async fn inspect_image(&self, reference: &str) -> Result<Option<ImageInfo>> {
        self.record(Call::Inspect(reference.into()));
        Ok(self.state.lock().unwrap().images.get(reference).cloned())
    }

    async fn build_image(&self, request: BuildRequest, log: LogSink<'_>) -> Result<BuiltImage> {
        let tar_bytes = match request.context {
            BuildContextBody::Tar(bytes) => bytes,
            BuildContextBody::Stream(mut stream) => {
                let mut all = Vec::new();
                while let Some(chunk) = stream.next().await {
                    all.extend_from_slice(&chunk.map_err(|e| EngineError::Other(e.to_string()))?);
                }
                all
            }
        };
        let files = unpack(&tar_bytes)?;
        let dockerfile =
            files.get(&request.dockerfile).map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default();
        let recorded = RecordedBuild {
            dockerfile_path: request.dockerfile,
            dockerfile: dockerfile.clone(),
            tags: request.tags,
            labels: request.labels.into_iter().chain(dockerfile_labels(&dockerfile)).collect(),
            build_args: request.build_args,
            target: request.target,
            no_cache: request.no_cache,
            registries: request.registry_auth.into_keys().collect(),
            files,
        };
        self.record(Call::Build(Box::new(recorded.clone())));
        let delay = self.state.lock().unwrap().build_delay;
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
        let lines: Vec<&str> = dockerfile.lines().filter(|l| !l.trim().is_empty()).collect();
        for (i, line) in lines.iter().enumerate() {
            log(&format!("Step {}/{} : {}", i + 1, lines.len(), line.trim()));
        }
        let failure = {
            let state = self.state.lock().unwrap();
            state.failures.iter().find(|(needle, _, _)| dockerfile.contains(needle.as_str())).cloned()
        };
        if let Some((_, message, log_lines)) = failure {
            log_lines.iter().for_each(|l| log(l));
            return Err(EngineError::BuildFailed { message, log_tail: log_lines });
        }
        let id = format!("sha256:{}", blake3::hash(format!("{recorded:?}").as_bytes()).to_hex());
        let info = ImageInfo {
            id: id.clone(),
            labels: recorded.labels.clone(),
            tags: recorded.tags.clone(),
            ..Default::default()
        };
        let mut state = self.state.lock().unwrap();
        state.images.insert(id.clone(), info.clone());
        for tag in &recorded.tags {
            state.images.insert(tag.clone(), info.clone());
        }
        Ok(BuiltImage { id })
    }

    async fn tag_image(&self, source: &str, target: &str) -> Result<()> {
        self.record(Call::Tag { source: source.into(), target: target.into() });
        let mut state = self.state.lock().unwrap();
        let info = state
            .images
            .get(source)
            .cloned()
            .ok_or_else(|| EngineError::Other(format!("no such image: `{source}`")))?;
        state.images.insert(target.into(), info);
        Ok(())
    }

    async fn remove_image(&self, reference: &str, _force: bool) -> Result<bool> {
        self.record(Call::Remove(reference.into()));
        Ok(self.state.lock().unwrap().images.remove(reference).is_some())
    }

    async fn push_image(&self, reference: &str, auth: Option<&RegistryAuth>, log: LogSink<'_>) -> Result<()> {
        self.record(Call::Push { reference: reference.into(), with_auth: auth.is_some() });
        let mut state = self.state.lock().unwrap();
        let failed = |message: String| EngineError::Registry { reference: reference.into(), message };
        if let Some(message) = state.registry_down.clone() {
            return Err(failed(message));
        }
        let info = state.images.get(reference).cloned().ok_or_else(|| failed("no such image".into()))?;
        state.remote.insert(reference.into(), info);
        log(&format!("pushed {reference}"));
        Ok(())
    }

    async fn pull_image(&self, request: PullRequest<'_>, log: LogSink<'_>) -> Result<()> {
        let PullRequest { reference, platform, auth } = request;
        let platform = platform.map(String::from);
        self.record(Call::Pull { reference: reference.into(), platform, with_auth: auth.is_some() });
        let mut state = self.state.lock().unwrap();
        let failed = |message: String| EngineError::Registry { reference: reference.into(), message };
        if let Some(message) = state.registry_down.clone() {
            return Err(failed(message));
        }
        let info = state.remote.get(reference).cloned().ok_or_else(|| failed("manifest unknown".into()))?;
        state.images.insert(info.id.clone(), info.clone());
        state.images.insert(reference.into(), info);
        log(&format!("pulled {reference}"));
        Ok(())
    }

    async fn list_images_by_label(&self, label: &str) -> Result<Vec<ImageSummary>> {
        self.record(Call::List(label.into()));
        let (name, value) = match label.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (label, None),
        };
        let state = self.state.lock().unwrap();
        let mut by_id: BTreeMap<String, ImageSummary> = BTreeMap::new();
        for (reference, info) in &state.images {
            let hit = info.labels.get(name).is_some_and(|v| value.is_none_or(|want| v == want));
            if hit {
                let entry = by_id.entry(info.id.clone()).or_insert_with(|| ImageSummary {
                    id: info.id.clone(),
                    tags: Vec::new(),
                    labels: info.labels.clone(),
                });
                if reference != &info.id {
                    entry.tags.push(reference.clone());
                }
            }
        }
        Ok(by_id.into_values().collect())
    }
}

/// The fake registry answers manifest lookups from what was pushed or added.
#[async_trait::async_trait]
impl ManifestProbe for FakeImages {
    async fn has_tag(&self, repository: &Repository, tag: &str) -> std::result::Result<bool, ProbeError> {
        let reference = repository.tagged(tag);
        self.record(Call::Head(reference.clone()));
        let state = self.state.lock().unwrap();
        match &state.registry_down {
            Some(message) => Err(ProbeError { host: repository.host.clone(), message: message.clone() }),
            None => Ok(state.remote.contains_key(&reference)),
        }
    }
}
