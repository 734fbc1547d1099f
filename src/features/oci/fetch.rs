//! An OCI reference + lockfile pin + store → the feature's manifest digest and files: from the store when
//! pinned and present, else from the registry (semver tag choice, then manifest, then layer), stored after.

use super::lockfile::{LockEntry, Lockfile};
use super::reference::{OciRef, Version, choose_tag};
use super::registry::{self, location};
use super::store::Store;
use super::{LAYER_MEDIA_TYPE, OciError, RemoteOptions, Result, archive};
use crate::context::ContextFile;
use oci_client::manifest::OciImageManifest;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Resolves remote features for one config; remembers what it resolved for the lockfile.
#[derive(Debug)]
pub struct Remote {
    pub options: RemoteOptions,
    pub store: Store,
    /// The lockfile as found next to the config.
    pub existing: Option<Lockfile>,
    resolved: Mutex<BTreeMap<String, LockEntry>>,
}

/// A remote feature's files and its lockfile entry.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub files: Vec<ContextFile>,
    pub manifest_digest: String,
}

impl Remote {
    pub fn new(options: RemoteOptions, existing: Option<Lockfile>) -> Remote {
        let store = Store::new(options.store.clone().unwrap_or_else(Store::default_root));
        Remote { options, store, existing, resolved: Mutex::new(BTreeMap::new()) }
    }

    /// What was resolved so far, as a lockfile.
    pub fn lockfile(&self) -> Lockfile {
        Lockfile { features: self.resolved.lock().expect("lock").clone() }
    }

    /// The manifest digest the lockfile (unless ignored) or the reference itself pins.
    fn pinned(&self, reference: &str, oci: &OciRef) -> Option<String> {
        if let Version::Digest(digest) = &oci.version {
            return Some(digest.clone());
        }
        let lock = self.existing.as_ref().filter(|_| !self.options.ignore_lockfile)?;
        let entry = lock.features.get(reference)?;
        let resolved = OciRef::parse(&entry.resolved)?;
        (resolved.resource() == oci.resource()).then(|| entry.integrity.clone())
    }

    /// Loads a remote feature, recording its lockfile entry under `reference`.
    pub fn load(&self, reference: &str, oci: &OciRef) -> Result<Fetched> {
        let fetched = match self.pinned(reference, oci).map(|d| self.stored(reference, &d)) {
            Some(Ok(Some(found))) => found,
            _ if self.options.offline => self.offline(reference, oci)?,
            _ => match super::block_on(self.online(reference, oci)) {
                Err(OciError::Registry { unreachable: true, .. }) if self.offline(reference, oci).is_ok() => {
                    self.offline(reference, oci)?
                }
                other => other?,
            },
        };
        self.record(
            reference,
            &format!("{}@{}", oci.resource(), fetched.manifest_digest),
            &fetched.files,
            &fetched.manifest_digest,
        );
        Ok(fetched)
    }

    /// Records the lockfile entry of `reference`: its `version` and `dependsOn` from the files' metadata.
    pub(super) fn record(&self, reference: &str, resolved: &str, files: &[ContextFile], digest: &str) {
        let raw = files.iter().find(|f| f.path == super::super::metadata::METADATA_FILE);
        let metadata: serde_json::Value = raw
            .and_then(|f| crate::config::jsonc::parse_json5(&String::from_utf8_lossy(&f.bytes)).ok())
            .unwrap_or_default();
        let entry = LockEntry {
            version: metadata.get("version").and_then(|v| v.as_str()).unwrap_or_default().to_string(),
            resolved: resolved.to_string(),
            integrity: digest.to_string(),
            depends_on: metadata
                .get("dependsOn")
                .and_then(|d| d.as_object())
                .map(|d| d.keys().cloned().collect())
                .unwrap_or_default(),
        };
        self.resolved.lock().expect("lock").insert(reference.to_string(), entry);
    }

    /// The references (with their `OciRef`) that the store cannot answer without the network.
    pub fn missing_offline<'a>(&self, references: impl IntoIterator<Item = (&'a str, &'a OciRef)>) -> Vec<String> {
        references
            .into_iter()
            .filter(|(reference, oci)| self.offline(reference, oci).is_err())
            .map(|(reference, _)| reference.to_string())
            .collect()
    }

    fn offline(&self, reference: &str, oci: &OciRef) -> Result<Fetched> {
        let missing =
            || OciError::NotInStore { store: self.store.root().to_path_buf(), missing: vec![reference.to_string()] };
        let digest = match self.pinned(reference, oci) {
            Some(digest) => digest,
            None => self.store.tag(&oci.to_string())?.ok_or_else(missing)?,
        };
        self.stored(reference, &digest)?.ok_or_else(missing)
    }

    /// The feature whose manifest is `digest`, if the store holds the manifest and its layer.
    fn stored(&self, reference: &str, digest: &str) -> Result<Option<Fetched>> {
        let Some(manifest) = self.store.get(digest)? else { return Ok(None) };
        let layer = feature_layer(reference, &manifest)?;
        let Some(bytes) = self.store.get(&layer.digest)? else { return Ok(None) };
        let files = archive::unpack(reference, &bytes)?;
        Ok(Some(Fetched { files, manifest_digest: digest.to_string() }))
    }

    async fn online(&self, reference: &str, oci: &OciRef) -> Result<Fetched> {
        let mirrors = &self.options.mirrors;
        let at = location(oci, mirrors);
        let client = registry::client(at.registry());
        let target = match (&oci.version, self.pinned(reference, oci)) {
            (_, Some(digest)) => oci.with_version(Version::Digest(digest)),
            (Version::Tag(wanted), None) => {
                let tags = registry::list_tags(&client, &at).await?;
                let chosen = choose_tag(wanted, &tags).ok_or_else(|| OciError::NoSuchTag {
                    reference: reference.to_string(),
                    wanted: wanted.clone(),
                    location: at.to_string(),
                    tags: if tags.is_empty() { "none".into() } else { format!("`{}`", tags.join("`, `")) },
                })?;
                oci.with_version(Version::Tag(chosen))
            }
            (Version::Digest(d), None) => oci.with_version(Version::Digest(d.clone())),
        };
        let target_at = location(&target, mirrors);
        let (manifest, digest) = registry::manifest(&client, &target_at).await?.ok_or_else(|| {
            OciError::NoManifest { reference: reference.to_string(), location: target_at.to_string() }
        })?;
        let layer = feature_layer(reference, &manifest)?;
        let bytes = match self.store.get(&layer.digest)? {
            Some(bytes) => bytes,
            None => registry::blob(&client, &target_at, &layer).await?,
        };
        let files = archive::unpack(reference, &bytes)?;
        self.store.put(&bytes)?;
        self.store.put(&manifest)?;
        if oci.tag().is_some() {
            self.store.set_tag(&oci.to_string(), &digest)?;
        }
        Ok(Fetched { files, manifest_digest: digest })
    }
}

/// The manifest's layer of media type [`LAYER_MEDIA_TYPE`].
pub fn feature_layer(reference: &str, manifest: &[u8]) -> Result<oci_client::manifest::OciDescriptor> {
    let parsed: OciImageManifest = serde_json::from_slice(manifest)
        .map_err(|e| OciError::BadManifest { reference: reference.to_string(), message: e.to_string() })?;
    parsed
        .layers
        .into_iter()
        .find(|l| l.media_type == LAYER_MEDIA_TYPE)
        .ok_or_else(|| OciError::NoFeatureLayer { reference: reference.to_string() })
}
