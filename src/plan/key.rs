//! Everything that makes a layer → its cache key: blake3 over a versioned, serialised [`LayerKey`].

use super::model::{ContextFile, KEY_VERSION};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// The inputs of one layer, in the form that is hashed. Field order is part of the key's meaning: change it
/// (or anything it serialises to) only together with [`KEY_VERSION`].
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerKey<'a> {
    pub version: u32,
    pub name: &'a str,
    pub parent: Option<&'a str>,
    /// The rendered Dockerfile.
    pub dockerfile: &'a str,
    /// In-memory context files, sorted by path.
    pub files: Vec<FileKey<'a>>,
    /// Feature option values.
    pub options: Option<&'a BTreeMap<String, Value>>,
    /// The engine's id of the base image (image configs).
    pub base_image_id: Option<&'a str>,
    /// Hash of the user's build context (Dockerfile configs), computed by the build stage.
    pub context_hash: Option<&'a str>,
    pub build_args: Option<&'a BTreeMap<String, String>>,
    pub target: Option<&'a str>,
    /// The images a Dockerfile builds `FROM`, with their ids (Dockerfile configs). Left out of the serialised
    /// key when unset, so that the keys of every other layer read as before it existed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_images: Option<&'a [(String, String)]>,
}

/// One context file as keyed: path, mode and the blake3 of its bytes.
#[derive(Debug, Serialize)]
pub struct FileKey<'a> {
    pub path: &'a str,
    pub mode: u32,
    pub blake3: String,
}

impl<'a> LayerKey<'a> {
    /// A key with only the always-present fields set; callers fill in the rest.
    pub fn new(name: &'a str, parent: Option<&'a str>, dockerfile: &'a str) -> LayerKey<'a> {
        LayerKey {
            version: KEY_VERSION,
            name,
            parent,
            dockerfile,
            files: Vec::new(),
            options: None,
            base_image_id: None,
            context_hash: None,
            build_args: None,
            target: None,
            from_images: None,
        }
    }

    /// Adds the files of an in-memory context (sorted by path, so input order does not matter).
    pub fn with_files(mut self, files: &'a [ContextFile]) -> LayerKey<'a> {
        let mut keyed: Vec<FileKey<'a>> = files
            .iter()
            .map(|f| FileKey { path: &f.path, mode: f.mode, blake3: blake3::hash(&f.bytes).to_hex().to_string() })
            .collect();
        keyed.sort_by(|a, b| a.path.cmp(b.path));
        self.files = keyed;
        self
    }

    /// blake3 hex of the serialised key.
    pub fn hash(&self) -> String {
        let bytes = serde_json::to_vec(self).expect("a layer key serialises to JSON");
        blake3::hash(&bytes).to_hex().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, mode: u32, bytes: &[u8]) -> ContextFile {
        ContextFile { path: path.into(), mode, bytes: bytes.to_vec() }
    }

    #[test]
    fn every_input_changes_the_key() {
        let files = vec![file("install.sh", 0o755, b"echo hi\n")];
        let base = LayerKey::new("feature:x", Some("p"), "FROM a").with_files(&files).hash();
        assert_eq!(base.len(), 64);
        assert_ne!(base, LayerKey::new("feature:x", Some("q"), "FROM a").with_files(&files).hash());
        assert_ne!(base, LayerKey::new("feature:x", Some("p"), "FROM b").with_files(&files).hash());
        let mode = vec![file("install.sh", 0o644, b"echo hi\n")];
        assert_ne!(base, LayerKey::new("feature:x", Some("p"), "FROM a").with_files(&mode).hash());
        let bytes = vec![file("install.sh", 0o755, b"echo ho\n")];
        assert_ne!(base, LayerKey::new("feature:x", Some("p"), "FROM a").with_files(&bytes).hash());
        let renamed = vec![file("setup.sh", 0o755, b"echo hi\n")];
        assert_ne!(base, LayerKey::new("feature:x", Some("p"), "FROM a").with_files(&renamed).hash());
        let options = BTreeMap::from([("a".to_string(), Value::Bool(true))]);
        let mut with_options = LayerKey::new("feature:x", Some("p"), "FROM a").with_files(&files);
        with_options.options = Some(&options);
        assert_ne!(base, with_options.hash());
    }

    #[test]
    fn file_order_does_not_matter() {
        let ab = vec![file("a", 0o644, b"1"), file("b", 0o644, b"2")];
        let ba = vec![file("b", 0o644, b"2"), file("a", 0o644, b"1")];
        assert_eq!(
            LayerKey::new("n", None, "d").with_files(&ab).hash(),
            LayerKey::new("n", None, "d").with_files(&ba).hash()
        );
    }
}
