//! A workspace's settings that need trust + the files its host command runs → a fingerprint, kept outside the
//! workspace (0600 in a 0700 folder) per workspace folder; `up` goes on only when the fingerprint was trusted.
//!
//! The workspace is writable from inside the sandbox, so the agent could edit devcontainer.json, move it, or
//! rewrite the script an `initializeCommand` runs. Trust is keyed by the workspace folder alone (not the config
//! path), given by the user before anything runs (never on first use), and covers what runs on the host: the
//! settings as resolved (mount sources through their symlinks), the config file's place, and the bytes of every
//! file in the config folder and every workspace file the host command names.

use super::classify::{Class, Finding};
use super::{PolicyError, Result};
use crate::config::model::{LifecycleCommand, ParallelStep};
use crate::config::{DevContainer, WorkspaceInfo};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Bumped when the fingerprint's meaning changes: older records then no longer match.
pub const TRUST_VERSION: u32 = 2;
/// At most this many files of the config folder are fingerprinted; more is refused (trust cannot cover it).
const MAX_FILES: usize = 4096;

/// What the user trusts about a workspace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fingerprint {
    pub version: u32,
    /// devcontainer.json, relative to the workspace folder when inside it.
    pub config_file: String,
    /// Every setting that needs trust, as shown to the user.
    pub settings: Vec<String>,
    /// Files a host command runs from the workspace: path → `blake3:<hex>` or `link:<target>`.
    pub files: BTreeMap<String, String>,
}

fn relative(workspace: &WorkspaceInfo, path: &Path) -> String {
    path.strip_prefix(&workspace.local_workspace_folder).unwrap_or(path).display().to_string()
}

fn file_entry(path: &Path) -> Result<Option<String>> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(PolicyError::io("read", path)(e)),
    };
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(path).map_err(PolicyError::io("read", path))?;
        return Ok(Some(format!("link:{}", target.display())));
    }
    if !meta.is_file() {
        return Ok(None);
    }
    let bytes = std::fs::read(path).map_err(PolicyError::io("read", path))?;
    Ok(Some(format!("blake3:{}", blake3::hash(&bytes).to_hex())))
}

/// The words of a lifecycle command that could name a file (shell metacharacters and quotes split words).
fn words(command: &LifecycleCommand) -> Vec<String> {
    let texts: Vec<String> = match command {
        LifecycleCommand::Shell(s) => vec![s.clone()],
        LifecycleCommand::Exec(argv) => argv.clone(),
        LifecycleCommand::Parallel(steps) => steps
            .values()
            .flat_map(|step| match step {
                ParallelStep::Shell(s) => vec![s.clone()],
                ParallelStep::Exec(argv) => argv.clone(),
            })
            .collect(),
    };
    let split = |c: char| c.is_whitespace() || ";&|<>()`'\"=".contains(c);
    texts.iter().flat_map(|t| t.split(split).filter(|w| !w.is_empty()).map(str::to_string)).collect()
}

/// The files `initializeCommand` runs from the workspace: the whole config folder (unless it is the workspace
/// folder itself, then the config file), and every existing workspace file the command names.
pub fn host_files(config: &DevContainer, workspace: &WorkspaceInfo) -> Result<BTreeMap<String, String>> {
    let mut files = BTreeMap::new();
    let Some(command) = &config.initialize_command else { return Ok(files) };
    let folder = &workspace.local_workspace_folder;
    let config_dir = workspace.config_file.parent().unwrap_or(folder);
    let mut paths = vec![workspace.config_file.clone()];
    if config_dir != folder.as_path() {
        for entry in walkdir::WalkDir::new(config_dir).follow_links(false).sort_by_file_name() {
            let entry =
                entry.map_err(|e| PolicyError::Config(format!("cannot read `{}`: {e}", config_dir.display())))?;
            if !entry.file_type().is_dir() {
                paths.push(entry.path().to_path_buf());
            }
            if paths.len() > MAX_FILES {
                return Err(PolicyError::Config(format!(
                    "`{}` holds more than {MAX_FILES} files: too many to fingerprint for `initializeCommand`\n\
                     hint: keep the config folder small",
                    config_dir.display()
                )));
            }
        }
    }
    for word in words(command) {
        let path = super::paths::lexical(&folder.join(&word));
        if path.starts_with(folder) && path != *folder {
            paths.push(path);
        }
    }
    for path in paths {
        if let Some(entry) = file_entry(&path)? {
            files.insert(relative(workspace, &path), entry);
        }
    }
    Ok(files)
}

impl Fingerprint {
    /// The fingerprint of a workspace whose classification gave `findings`.
    pub fn of(config: &DevContainer, workspace: &WorkspaceInfo, findings: &[Finding]) -> Result<Fingerprint> {
        Ok(Fingerprint {
            version: TRUST_VERSION,
            config_file: relative(workspace, &workspace.config_file),
            settings: findings.iter().filter(|f| f.class == Class::NeedsTrust).map(ToString::to_string).collect(),
            files: host_files(config, workspace)?,
        })
    }

    /// Nothing in it needs the user's trust.
    pub fn is_empty(&self) -> bool {
        self.settings.is_empty()
    }

    /// One line per difference from `old` (what the user trusted).
    pub fn changes_from(&self, old: &Fingerprint) -> Vec<String> {
        let mut out = Vec::new();
        if old.version != self.version {
            out.push(format!("  - containai's trust records changed (version {} → {})", old.version, self.version));
        }
        if old.config_file != self.config_file {
            out.push(format!("  - the config is now `{}` (was `{}`)", self.config_file, old.config_file));
        }
        for s in self.settings.iter().filter(|s| !old.settings.contains(s)) {
            out.push(format!("  - new: {s}"));
        }
        for s in old.settings.iter().filter(|s| !self.settings.contains(s)) {
            out.push(format!("  - gone: {s}"));
        }
        for (path, hash) in &self.files {
            match old.files.get(path) {
                None => out.push(format!("  - new file `{path}` (run on the host by `initializeCommand`)")),
                Some(h) if h != hash => out.push(format!("  - changed file `{path}`")),
                _ => {}
            }
        }
        for path in old.files.keys().filter(|p| !self.files.contains_key(*p)) {
            out.push(format!("  - removed file `{path}`"));
        }
        out
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    workspace: PathBuf,
    fingerprint: Fingerprint,
}

/// `$XDG_CONFIG_HOME/containai/trust` (default `~/.config/containai/trust`).
pub fn default_store(config_dir: &Path) -> PathBuf {
    config_dir.join("trust")
}

fn record_path(store: &Path, workspace: &WorkspaceInfo) -> PathBuf {
    let folder = std::fs::canonicalize(&workspace.local_workspace_folder)
        .unwrap_or_else(|_| workspace.local_workspace_folder.clone());
    let id = folder.display().to_string();
    store.join(format!("{}.json", &blake3::hash(id.as_bytes()).to_hex()[..24]))
}

/// What the store says about a workspace's fingerprint.
#[derive(Debug, Clone, PartialEq)]
pub enum TrustState {
    /// Nothing needs trust, or exactly this was trusted.
    Trusted,
    /// Never trusted: the settings, one line each.
    Unseen(Vec<String>),
    /// Trusted before, different now: one line per change.
    Changed(Vec<String>),
}

/// Records `fingerprint` as trusted for the workspace; returns the record's path.
pub fn trust(store: &Path, workspace: &WorkspaceInfo, fingerprint: &Fingerprint) -> Result<PathBuf> {
    let path = record_path(store, workspace);
    let record = Record { workspace: workspace.local_workspace_folder.clone(), fingerprint: fingerprint.clone() };
    let text = serde_json::to_string_pretty(&record).map_err(|e| PolicyError::Config(e.to_string()))?;
    write_private(&path, text.as_bytes())?;
    Ok(path)
}

/// Writes `bytes` to `path` atomically, 0600 in a 0700 folder.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::lock::write_private(path, bytes, 0o600).map_err(|e| PolicyError::Config(e.to_string()))
}

/// containai itself rewrote `path` (the feature lockfile beside the config, from the resolved features of a
/// trusted config): where the user's record covered that file as it was before (`before`: its entry then, `None`
/// when absent), it now covers what was written, so that containai's own write does not undo the trust it
/// required. A record that covered other bytes (someone else changed the file) is left alone: that change is
/// the user's to review. Only a file the fingerprint covers is followed.
pub fn follow_own_write(
    store: &Path,
    config: &DevContainer,
    workspace: &WorkspaceInfo,
    path: &Path,
    before: Option<String>,
) -> Result<()> {
    let key = relative(workspace, path);
    let covered = host_files(config, workspace)?;
    let after = covered.get(&key).cloned();
    if after == before {
        return Ok(());
    }
    let record_file = record_path(store, workspace);
    let Ok(text) = std::fs::read_to_string(&record_file) else { return Ok(()) };
    let Ok(mut record) = serde_json::from_str::<Record>(&text) else { return Ok(()) };
    if record.fingerprint.files.get(&key) != before.as_ref() {
        return Ok(());
    }
    match after {
        Some(entry) => record.fingerprint.files.insert(key, entry),
        None => record.fingerprint.files.remove(&key),
    };
    let text = serde_json::to_string_pretty(&record).map_err(|e| PolicyError::Config(e.to_string()))?;
    write_private(&record_file, text.as_bytes())
}

/// The entry [`host_files`] would give `path` now (`None` when absent): what [`follow_own_write`] compares with.
pub fn entry_of(path: &Path) -> Result<Option<String>> {
    file_entry(path)
}

/// Compares with the store; writes nothing.
pub fn check(store: &Path, workspace: &WorkspaceInfo, fingerprint: &Fingerprint) -> Result<TrustState> {
    if fingerprint.is_empty() {
        return Ok(TrustState::Trusted);
    }
    let path = record_path(store, workspace);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(TrustState::Unseen(fingerprint.settings.iter().map(|s| format!("  - {s}")).collect()));
        }
        Err(e) => return Err(PolicyError::io("read", &path)(e)),
    };
    let record: Record = serde_json::from_str(&text).map_err(|e| {
        PolicyError::Config(format!("`{}` is damaged: {e}\nhint: run `containai trust`", path.display()))
    })?;
    let changes = fingerprint.changes_from(&record.fingerprint);
    Ok(if changes.is_empty() { TrustState::Trusted } else { TrustState::Changed(changes) })
}

/// [`check`], turned into the refusal `up` gives.
pub fn require(store: &Path, workspace: &WorkspaceInfo, fingerprint: &Fingerprint) -> Result<()> {
    let folder = workspace.local_workspace_folder.display().to_string();
    match check(store, workspace, fingerprint)? {
        TrustState::Trusted => Ok(()),
        TrustState::Unseen(lines) => Err(PolicyError::Untrusted { folder, changes: lines.join("\n"), first: true }),
        TrustState::Changed(lines) => Err(PolicyError::Untrusted { folder, changes: lines.join("\n"), first: false }),
    }
}

#[cfg(test)]
#[path = "trust_tests.rs"]
mod tests;
