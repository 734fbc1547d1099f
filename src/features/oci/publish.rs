//! A feature folder (or a collection's `src/<id>/` folders) → the distribution spec's artifacts: tarballs and
//! `devcontainer-collection.json` on disk (`package`), or manifests and semver tags in a registry (`publish`).

use super::registry::{self, client};
use super::store::sha256_digest;
use super::{COLLECTION_MEDIA_TYPE, CONFIG_MEDIA_TYPE, LAYER_MEDIA_TYPE, OciError, Result, archive};
use crate::context::ContextFile;
use crate::features::metadata::{FeatureMetadata, METADATA_FILE};
use oci_client::Reference;
use serde_json::json;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One feature ready to ship.
#[derive(Debug, Clone)]
pub struct Packaged {
    pub metadata: FeatureMetadata,
    pub raw: serde_json::Value,
    /// The tarball (`devcontainer-feature-<id>.tgz`).
    pub tarball: Vec<u8>,
}

/// The features in `dir`: `dir` itself when it holds devcontainer-feature.json, else each `dir/src/*/` that does.
pub fn collect(dir: &Path) -> Result<Vec<Packaged>> {
    let err = |message: String| OciError::Package { path: dir.to_path_buf(), message };
    let folders: Vec<PathBuf> = if dir.join(METADATA_FILE).is_file() {
        vec![dir.to_path_buf()]
    } else {
        let src = dir.join("src");
        let mut found: Vec<PathBuf> = std::fs::read_dir(&src)
            .map_err(|e| err(format!("no `{METADATA_FILE}` and no readable `src/` folder ({e})")))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.join(METADATA_FILE).is_file())
            .collect();
        found.sort();
        found
    };
    if folders.is_empty() {
        return Err(err(format!("no feature found (a folder with `{METADATA_FILE}`)")));
    }
    folders.iter().map(|folder| package_one(folder)).collect()
}

fn package_one(folder: &Path) -> Result<Packaged> {
    let err = |message: String| OciError::Package { path: folder.to_path_buf(), message };
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(folder).sort_by_file_name() {
        let entry = entry.map_err(|e| err(e.to_string()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        use std::os::unix::fs::PermissionsExt;
        let meta = entry.metadata().map_err(|e| err(e.to_string()))?;
        let bytes = std::fs::read(entry.path()).map_err(|e| err(e.to_string()))?;
        let path = entry.path().strip_prefix(folder).unwrap_or(entry.path()).to_string_lossy().into_owned();
        files.push(ContextFile { path, mode: meta.permissions().mode() & 0o7777, bytes });
    }
    let text = files.iter().find(|f| f.path == METADATA_FILE).map(|f| String::from_utf8_lossy(&f.bytes).into_owned());
    let (metadata, raw) = FeatureMetadata::parse(&text.unwrap_or_default()).map_err(err)?;
    let Some(version) = metadata.version.as_deref() else {
        return Err(err("no `version`\nhint: a published feature needs a semantic `version`, e.g. `1.0.0`".into()));
    };
    semver::Version::parse(version)
        .map_err(|e| err(format!("`version` `{version}` is not a semantic version: {e}")))?;
    Ok(Packaged { metadata, raw, tarball: archive::pack(&files) })
}

/// The collection file the reference CLI writes beside the tarballs.
pub fn collection(features: &[Packaged]) -> serde_json::Value {
    json!({
        "sourceInformation": {"source": "containai"},
        "features": features.iter().map(|f| f.raw.clone()).collect::<Vec<_>>(),
    })
}

/// Writes `devcontainer-feature-<id>.tgz` for each feature and `devcontainer-collection.json` into `out`.
pub fn package(dir: &Path, out: &Path) -> Result<Vec<PathBuf>> {
    let features = collect(dir)?;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| OciError::Store { path, source }
    };
    std::fs::create_dir_all(out).map_err(io(out))?;
    let mut written = Vec::new();
    for feature in &features {
        let path = out.join(format!("devcontainer-feature-{}.tgz", feature.metadata.id));
        std::fs::write(&path, &feature.tarball).map_err(io(&path))?;
        written.push(path);
    }
    let path = out.join("devcontainer-collection.json");
    let text = serde_json::to_string_pretty(&collection(&features)).expect("json");
    std::fs::write(&path, text).map_err(io(&path))?;
    written.push(path);
    Ok(written)
}

/// The tags a new `version` gets, given the tags already published: its full version always, and `major`,
/// `major.minor` and `latest` unless a newer version already holds them. Empty when already published.
pub fn tags_for(version: &semver::Version, existing: &[String]) -> Vec<String> {
    let published = super::reference::semver_tags(existing);
    if published.contains(version) {
        return Vec::new();
    }
    let newest = |keep: &dyn Fn(&semver::Version) -> bool| published.iter().filter(|v| keep(v)).all(|v| v < version);
    let mut tags = vec![version.to_string()];
    if version.pre.is_empty() {
        if newest(&|v| v.major == version.major && v.minor == version.minor) {
            tags.push(format!("{}.{}", version.major, version.minor));
        }
        if newest(&|v| v.major == version.major) {
            tags.push(version.major.to_string());
        }
        if newest(&|_| true) {
            tags.push("latest".into());
        }
    }
    tags
}

fn manifest(layer: &[u8], title: &str, annotations: BTreeMap<&str, String>) -> Vec<u8> {
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": oci_client::manifest::OCI_IMAGE_MEDIA_TYPE,
        "config": {"mediaType": CONFIG_MEDIA_TYPE, "digest": sha256_digest(b"{}"), "size": 2},
        "layers": [{
            "mediaType": if title.ends_with(".json") { COLLECTION_MEDIA_TYPE } else { LAYER_MEDIA_TYPE },
            "digest": sha256_digest(layer),
            "size": layer.len(),
            "annotations": {"org.opencontainers.image.title": title},
        }],
        "annotations": annotations,
    });
    serde_json::to_vec(&manifest).expect("json")
}

async fn push(registry: &str, repository: &str, tags: &[String], layer: &[u8], manifest: &[u8]) -> Result<()> {
    let client = client(registry);
    let at = Reference::with_tag(registry.into(), repository.into(), "latest".into());
    registry::push_blob(&client, &at, b"{}", &sha256_digest(b"{}")).await?;
    registry::push_blob(&client, &at, layer, &sha256_digest(layer)).await?;
    for tag in tags {
        let at = Reference::with_tag(registry.into(), repository.into(), tag.clone());
        registry::push_manifest(&client, &at, manifest).await?;
    }
    Ok(())
}

/// What `publish` did for one feature.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Published {
    pub id: String,
    pub version: String,
    /// The tags pushed (empty: this version was already published).
    pub tags: Vec<String>,
    pub digest: String,
}

/// Publishes the features in `dir` to `registry/namespace/<id>` (and each legacy id), then the collection.
pub async fn publish(dir: &Path, registry: &str, namespace: &str) -> Result<Vec<Published>> {
    let features = collect(dir)?;
    let namespace = namespace.trim_matches('/');
    let mut report = Vec::new();
    for feature in &features {
        let id = &feature.metadata.id;
        let version = semver::Version::parse(feature.metadata.version.as_deref().unwrap_or_default())
            .expect("checked by collect");
        let annotations = BTreeMap::from([
            ("dev.containers.metadata", serde_json::to_string(&feature.raw).expect("json")),
            ("com.github.package.type", "devcontainer_feature".to_string()),
        ]);
        let manifest = manifest(&feature.tarball, &format!("devcontainer-feature-{id}.tgz"), annotations);
        let repository = format!("{namespace}/{id}");
        let existing = registry::list_tags(
            &client(registry),
            &Reference::with_tag(registry.into(), repository.clone(), "latest".into()),
        )
        .await?;
        let tags = tags_for(&version, &existing);
        for name in std::iter::once(id).chain(&feature.metadata.legacy_ids) {
            push(registry, &format!("{namespace}/{name}"), &tags, &feature.tarball, &manifest).await?;
        }
        report.push(Published { id: id.clone(), version: version.to_string(), tags, digest: sha256_digest(&manifest) });
    }
    let collection = serde_json::to_vec(&collection(&features)).expect("json");
    let annotations = BTreeMap::from([("com.github.package.type", "devcontainer_collection".to_string())]);
    let manifest = manifest(&collection, "devcontainer-collection.json", annotations);
    push(registry, namespace, &["latest".into()], &collection, &manifest).await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semantic_tags_move_only_forward() {
        let v = |s: &str| semver::Version::parse(s).unwrap();
        let tags = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(tags_for(&v("1.2.3"), &[]), ["1.2.3", "1.2", "1", "latest"]);
        assert!(tags_for(&v("1.2.3"), &tags(&["1.2.3"])).is_empty());
        assert_eq!(tags_for(&v("1.2.4"), &tags(&["1.2.3", "2.0.0", "latest"])), ["1.2.4", "1.2", "1"]);
        assert_eq!(tags_for(&v("1.1.9"), &tags(&["1.2.3"])), ["1.1.9", "1.1"]);
        assert_eq!(tags_for(&v("3.0.0-rc1"), &tags(&["1.2.3"])), ["3.0.0-rc1"]);
    }
}
