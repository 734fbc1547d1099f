//! Blobs by sha256 digest + tag pointers → a content store on disk (`<cache>/containai/features/`), each blob
//! verified against its digest on read.

use super::{OciError, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The local content store of fetched features.
#[derive(Debug, Clone)]
pub struct Store {
    root: PathBuf,
}

/// `sha256:<hex>` of `bytes`.
pub fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", data_encoding::HEXLOWER.encode(&Sha256::digest(bytes)))
}

impl Store {
    pub fn new(root: PathBuf) -> Store {
        Store { root }
    }

    /// `dirs::cache_dir()/containai/features`.
    pub fn default_root() -> PathBuf {
        dirs::cache_dir().unwrap_or_else(std::env::temp_dir).join("containai").join("features")
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn blob_path(&self, digest: &str) -> Result<PathBuf> {
        let hex = digest
            .strip_prefix("sha256:")
            .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| OciError::BadDigest { digest: digest.to_string() })?;
        Ok(self.root.join("blobs").join("sha256").join(hex))
    }

    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OciError + '_ {
        move |source| OciError::Store { path: path.to_path_buf(), source }
    }

    /// Writes `bytes` under their digest (atomically: a temp file renamed into place); returns the digest.
    pub fn put(&self, bytes: &[u8]) -> Result<String> {
        let digest = sha256_digest(bytes);
        let path = self.blob_path(&digest)?;
        write_atomic(&path, bytes)?;
        Ok(digest)
    }

    /// The blob `digest`, if stored and intact; a blob whose bytes do not match its digest is an error.
    pub fn get(&self, digest: &str) -> Result<Option<Vec<u8>>> {
        let path = self.blob_path(digest)?;
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Self::io(&path)(e)),
        };
        let actual = sha256_digest(&bytes);
        if actual != digest {
            return Err(OciError::Corrupt { path, expected: digest.to_string(), actual });
        }
        Ok(Some(bytes))
    }

    fn tag_path(&self, reference: &str) -> PathBuf {
        let name = data_encoding::HEXLOWER.encode(&Sha256::digest(reference.as_bytes()));
        self.root.join("tags").join(name)
    }

    /// Records that `reference` (`registry/ns/id:tag`) last resolved to manifest `digest`.
    pub fn set_tag(&self, reference: &str, digest: &str) -> Result<()> {
        write_atomic(&self.tag_path(reference), format!("{reference}\n{digest}\n").as_bytes())
    }

    /// The manifest digest `reference` last resolved to, if known.
    pub fn tag(&self, reference: &str) -> Result<Option<String>> {
        let path = self.tag_path(reference);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(text.lines().nth(1).map(str::to_string)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Self::io(&path)(e)),
        }
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    crate::lock::write_private(path, bytes, 0o600).map_err(|e| Store::io(&e.path)(e.source))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_round_trip_and_are_verified() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().into());
        let digest = store.put(b"hello").unwrap();
        assert_eq!(digest, "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        assert_eq!(store.get(&digest).unwrap().unwrap(), b"hello");
        assert_eq!(store.get(&sha256_digest(b"other")).unwrap(), None);
        std::fs::write(store.blob_path(&digest).unwrap(), b"tampered").unwrap();
        let err = store.get(&digest).unwrap_err().to_string();
        assert!(err.contains("does not match"), "{err}");
        store.set_tag("localhost:1/ns/x:1", &digest).unwrap();
        assert_eq!(store.tag("localhost:1/ns/x:1").unwrap(), Some(digest));
        assert_eq!(store.tag("localhost:1/ns/x:2").unwrap(), None);
    }

    #[test]
    fn its_folders_are_0700_and_its_files_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::new(dir.path().join("containai/features"));
        let blob = store.blob_path(&store.put(b"x").unwrap()).unwrap();
        store.set_tag("localhost:1/ns/x:1", "sha256:00").unwrap();
        let tag = store.tag_path("localhost:1/ns/x:1");
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        for file in [&blob, &tag] {
            assert_eq!(mode(file), 0o600, "{file:?}");
            for folder in file.ancestors().skip(1).take_while(|a| *a != dir.path()) {
                assert_eq!(mode(folder), 0o700, "{folder:?}");
            }
        }
    }
}
