//! A loaded workspace + the user's own mounts + the metadata of its features and image → the findings and the
//! trust fingerprint; then the verdict: refused, untrusted, or go on (with the warnings to print).

use super::classify::{Class, Finding, Scope, Subject, classify};
use super::trust::{self, Fingerprint};
use super::{PolicyError, Result, mounts, run_args};
use crate::config::{DevContainer, WorkspaceInfo};
use bollard::models::Mount;
use serde_json::Value;
use std::path::Path;

/// What the policy found in a workspace.
#[derive(Debug, Clone)]
pub struct Assessment {
    pub findings: Vec<Finding>,
    pub fingerprint: Fingerprint,
}

/// Classifies the workspace's config (and `user_mounts`, `up --mount`; and `metadata`, the entries of its
/// features and base image) and fingerprints what needs trust.
pub fn assess(
    config: &DevContainer,
    workspace: &WorkspaceInfo,
    local_env: &[String],
    user_mounts: &[String],
    metadata: &[Value],
) -> Result<Assessment> {
    let args = run_args::parse(config.run_args.as_deref().unwrap_or(&[]))?;
    let user_mounts: Vec<Mount> = user_mounts.iter().map(|m| mounts::parse_mount(m)).collect::<Result<_>>()?;
    let scope = Scope::of(workspace, local_env);
    let subject = Subject { config, workspace, run_args: &args, user_mounts: &user_mounts, metadata };
    let findings = classify(&subject, &scope)?;
    let fingerprint = Fingerprint::of(config, workspace, &findings)?;
    Ok(Assessment { findings, fingerprint })
}

impl Assessment {
    /// The refused settings, one line each.
    pub fn refused(&self) -> Vec<String> {
        self.findings.iter().filter(|f| f.class == Class::Refused).map(ToString::to_string).collect()
    }

    /// Refuses what defeats the sandbox (unless `allow_unsafe`, then each is a warning) and what needs trust
    /// that the store does not hold. Returns the warnings to print. Writes nothing.
    pub fn enforce(&self, store: &Path, workspace: &WorkspaceInfo, allow_unsafe: bool) -> Result<Vec<String>> {
        let warnings = refuse_unless(self.refused(), allow_unsafe)?;
        trust::require(store, workspace, &self.fingerprint)?;
        Ok(warnings)
    }
}

/// `refused` findings → an error, or with `--allow-unsafe-config` the warnings that say each one is kept.
fn refuse_unless(refused: Vec<String>, allow_unsafe: bool) -> Result<Vec<String>> {
    if !refused.is_empty() && !allow_unsafe {
        return Err(PolicyError::Refused(refused));
    }
    Ok(refused.into_iter().map(|r| format!("UNSAFE (kept by `--allow-unsafe-config`): {r}")).collect())
}

/// The refusals among the metadata entries of features or of a base image (see [`Assessment::enforce`]).
pub fn refuse_metadata(entries: &[Value], allow_unsafe: bool) -> Result<Vec<String>> {
    let scope = Scope {
        paths: Default::default(),
        config_dir: "/".into(),
        devcontainer_id: String::new(),
        local_env: Vec::new(),
    };
    let (config, workspace) = (DevContainer::default(), WorkspaceInfo::default());
    let args = run_args::RunArgs::default();
    let subject =
        Subject { config: &config, workspace: &workspace, run_args: &args, user_mounts: &[], metadata: entries };
    let refused: Vec<String> =
        classify(&subject, &scope)?.iter().filter(|f| f.class == Class::Refused).map(ToString::to_string).collect();
    refuse_unless(refused, allow_unsafe)
}

/// [`assess`] of a Compose config: the findings of devcontainer.json and those of its resolved Compose project
/// (`compose config` as JSON) and the `env_file`s its sources name, under one fingerprint.
pub fn assess_compose(
    config: &DevContainer,
    workspace: &WorkspaceInfo,
    local_env: &[String],
    user_mounts: &[String],
    project: &Value,
    env_files: &[(String, std::path::PathBuf)],
) -> Result<Assessment> {
    let mut assessment = assess(config, workspace, local_env, user_mounts, &[])?;
    let scope = Scope::of(workspace, local_env);
    for finding in super::compose::classify_project(project, env_files, &scope) {
        if !assessment.findings.contains(&finding) {
            assessment.findings.push(finding);
        }
    }
    assessment.fingerprint = Fingerprint::of(config, workspace, &assessment.findings)?;
    Ok(assessment)
}
