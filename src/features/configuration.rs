//! A [`Resolution`] → the reference CLI's `featuresConfiguration` (`read-configuration
//! --include-features-configuration`): `featureSets` in install order, each with its `sourceInformation` and
//! the feature's metadata and value. containai stages nothing, so there is no `dstFolder` nor `cachePath`.

use super::oci::{OciRef, reference::Version};
use super::{FeatureSource, Resolution, ResolvedFeature};
use serde_json::{Map, Value, json};

/// `{"featureSets": [...]}`, one set per feature in install order.
pub fn features_configuration(resolution: &Resolution) -> Value {
    let sets: Vec<Value> = (resolution.features.iter().zip(&resolution.values).enumerate())
        .map(|(index, (feature, value))| feature_set(resolution, index, feature, value))
        .collect();
    json!({ "featureSets": sets })
}

fn feature_set(resolution: &Resolution, index: usize, feature: &ResolvedFeature, value: &Value) -> Value {
    let mut entry = feature.metadata.as_object().cloned().unwrap_or_default();
    let digest = resolution.lockfile.features.get(&feature.reference).map(|e| e.integrity.clone());
    let user_id = &feature.reference;
    let source = match &feature.source {
        FeatureSource::Local { path } => {
            json!({"type": "file-path", "resolvedFilePath": path, "userFeatureId": user_id})
        }
        FeatureSource::Oci { reference } => {
            let manifest = (digest.as_deref())
                .and_then(|d| resolution.store.get(d).ok().flatten())
                .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
                .unwrap_or(Value::Null);
            // The reference CLI reads the metadata from the manifest's annotation first (it may add `currentId`).
            let annotation = manifest.pointer("/annotations/dev.containers.metadata").and_then(Value::as_str);
            if let Some(Ok(Value::Object(annotated))) = annotation.map(crate::config::jsonc::parse_json5) {
                entry.extend(annotated);
            }
            json!({
                "type": "oci",
                "manifest": manifest,
                "manifestDigest": digest,
                "featureRef": OciRef::parse(reference).map(|r| feature_ref(&r)),
                "userFeatureId": user_id,
                "userFeatureIdWithoutVersion": without_version(user_id),
            })
        }
        FeatureSource::Tarball { url } => {
            json!({"type": "direct-tarball", "tarballUri": url, "userFeatureId": user_id})
        }
        FeatureSource::Builtin { id } => json!({"type": "containai-builtin", "id": id, "userFeatureId": user_id}),
    };
    // A local or tarball feature without a `name` is named by its reference, as in the reference CLI.
    if matches!(feature.source, FeatureSource::Local { .. } | FeatureSource::Tarball { .. })
        && !entry.contains_key("name")
    {
        entry.insert("name".into(), user_id.as_str().into());
    }
    entry.insert("value".into(), value.clone());
    entry.insert("included".into(), true.into());
    entry.insert("consecutiveId".into(), format!("{}_{index}", feature.id()).into());
    let mut set = Map::new();
    set.insert("sourceInformation".into(), source);
    set.insert("features".into(), json!([entry]));
    set.insert("internalVersion".into(), "2".into());
    if let (Some(digest), FeatureSource::Oci { .. } | FeatureSource::Tarball { .. }) = (digest, &feature.source) {
        set.insert("computedDigest".into(), digest.into());
    }
    Value::Object(set)
}

/// The parts of an OCI reference, as the reference CLI names them (`scheme` is `http` for `localhost` only).
fn feature_ref(r: &OciRef) -> Value {
    let host = r.registry.split(':').next().unwrap_or_default();
    let mut out = json!({
        "scheme": if host == "localhost" { "http" } else { "https" },
        "id": r.id,
        "owner": r.namespace.split('/').next().unwrap_or_default(),
        "namespace": r.namespace,
        "registry": r.registry,
        "resource": r.resource(),
        "path": r.path(),
    });
    let (version, key) = match &r.version {
        Version::Tag(tag) => (tag, "tag"),
        Version::Digest(digest) => (digest, "digest"),
    };
    out["version"] = version.as_str().into();
    out[key] = version.as_str().into();
    out
}

/// `host/ns/id:1` → `host/ns/id`; `x@sha256:…` → `x`: the first `:` or `@` after the last `/` ends it.
fn without_version(reference: &str) -> &str {
    let last = reference.rfind('/').map_or(0, |slash| slash + 1);
    match reference[last..].find([':', '@']) {
        Some(cut) => &reference[..last + cut],
        None => reference,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_lose_their_version() {
        assert_eq!(without_version("localhost:5000/ns/hello:1"), "localhost:5000/ns/hello");
        assert_eq!(without_version("ghcr.io/ns/x@sha256:ab"), "ghcr.io/ns/x");
        assert_eq!(without_version("git"), "git");
        assert_eq!(without_version("./local:x"), "./local");
    }

    #[test]
    fn feature_refs_name_their_parts() {
        let r = feature_ref(&OciRef::parse("localhost:5000/a/b/hello:1").unwrap());
        assert_eq!(
            r,
            json!({"scheme": "http", "id": "hello", "owner": "a", "namespace": "a/b", "registry": "localhost:5000",
                   "resource": "localhost:5000/a/b/hello", "path": "a/b/hello", "version": "1", "tag": "1"})
        );
        let r = feature_ref(&OciRef::parse("ghcr.io/devcontainers/features/git:1").unwrap());
        assert_eq!(r["scheme"], "https");
    }
}
