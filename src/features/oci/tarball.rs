//! A tarball reference (`https://host/devcontainer-feature-x.tgz`; plain http only for localhost) + lockfile pin
//! + store → the feature's files and its sha256 integrity, fetched once and kept in the content store.

use super::fetch::Fetched;
use super::{OciError, Remote, Result, archive};

/// Whether `reference` is a tarball URL containai fetches: https, or http to `localhost`/`127.0.0.1`.
pub fn is_tarball(reference: &str) -> bool {
    if reference.starts_with("https://") {
        return true;
    }
    let Some(rest) = reference.strip_prefix("http://") else { return false };
    let host = rest.split(['/', ':']).next().unwrap_or_default();
    matches!(host, "localhost" | "127.0.0.1")
}

impl Remote {
    /// Loads a tarball feature: the lockfile's integrity (or, offline, the last fetch) from the store, else
    /// fetched (and checked against the lockfile's integrity when there is one).
    pub fn load_tarball(&self, url: &str) -> Result<Fetched> {
        let pinned = self
            .existing
            .as_ref()
            .filter(|_| !self.options.ignore_lockfile)
            .and_then(|lock| lock.features.get(url))
            .map(|entry| entry.integrity.clone());
        let known = match &pinned {
            Some(digest) => Some(digest.clone()),
            None if self.options.offline => self.store.tag(url)?,
            None => None,
        };
        if let Some(digest) = &known
            && let Some(bytes) = self.store.get(digest)?
        {
            return self.record_tarball(url, &bytes, digest.clone());
        }
        if self.options.offline {
            return Err(OciError::NotInStore {
                store: self.store.root().to_path_buf(),
                missing: vec![url.to_string()],
            });
        }
        let unreachable_or = |e: reqwest::Error| OciError::Registry {
            location: url.to_string(),
            unreachable: e.is_connect() || e.is_timeout(),
            message: e.to_string(),
        };
        let bytes = super::block_on(async {
            let response = reqwest::get(url).await?.error_for_status()?;
            response.bytes().await
        })
        .map_err(unreachable_or)?;
        let digest = super::store::sha256_digest(&bytes);
        if let Some(expected) = pinned
            && expected != digest
        {
            return Err(OciError::Corrupt { path: url.into(), expected, actual: digest });
        }
        self.store.put(&bytes)?;
        self.store.set_tag(url, &digest)?;
        self.record_tarball(url, &bytes, digest)
    }

    fn record_tarball(&self, url: &str, bytes: &[u8], digest: String) -> Result<Fetched> {
        let files = archive::unpack(url, bytes)?;
        self.record(url, url, &files, &digest);
        Ok(Fetched { files, manifest_digest: digest })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn tarball_urls() {
        assert!(super::is_tarball("https://e.com/devcontainer-feature-x.tgz"));
        assert!(super::is_tarball("http://localhost:5000/x.tgz"));
        assert!(!super::is_tarball("http://e.com/x.tgz"));
        assert!(!super::is_tarball("ghcr.io/a/b"));
    }
}
