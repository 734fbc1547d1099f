//! Where a feature is fetched from (its registry, or a mirror) + the user's Docker credentials → tag lists,
//! manifests and blobs through `oci-client` (plain http for `localhost:PORT`, https otherwise), and pushes.

use super::reference::OciRef;
use super::{OciError, Result};
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::errors::OciDistributionError;
use oci_client::manifest::{OCI_IMAGE_MEDIA_TYPE, OciDescriptor};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};

pub use crate::registry::Mirror;

/// The registry and repository a reference is actually fetched from (after mirrors), with tag or digest.
pub fn location(reference: &OciRef, mirrors: &[Mirror]) -> Reference {
    let (registry, repository) = match mirrors.iter().find(|m| m.registry == reference.registry) {
        Some(m) if m.prefix.is_empty() => (m.host.clone(), reference.path()),
        Some(m) => (m.host.clone(), format!("{}/{}", m.prefix, reference.path())),
        None => (reference.registry.clone(), reference.path()),
    };
    match &reference.version {
        super::reference::Version::Tag(tag) => Reference::with_tag(registry, repository, tag.clone()),
        super::reference::Version::Digest(d) => Reference::with_digest(registry, repository, d.clone()),
    }
}

/// Plain http for `localhost[:PORT]` and `127.0.0.1[:PORT]` (as the reference CLI), https otherwise.
pub fn client(registry: &str) -> Client {
    let host = registry.split(':').next().unwrap_or(registry);
    let protocol = match host {
        "localhost" | "127.0.0.1" => ClientProtocol::Http,
        _ => ClientProtocol::Https,
    };
    Client::new(ClientConfig {
        protocol,
        connect_timeout: Some(std::time::Duration::from_secs(10)),
        read_timeout: Some(std::time::Duration::from_secs(60)),
        ..ClientConfig::default()
    })
}

/// The user's credentials for `registry` as the docker CLI finds them ([`crate::registry::Credentials`]: `auths`,
/// `credHelpers`, `credsStore`); anonymous (token auth) when there are none. A Docker config or credential helper
/// that fails is treated as no credentials: the registry's refusal then names the feature.
pub fn auth(registry: &str) -> RegistryAuth {
    match crate::registry::Credentials::for_registry(registry) {
        Ok(Some(found)) => found.to_oci(),
        Ok(None) | Err(_) => RegistryAuth::Anonymous,
    }
}

/// Whether an error means the registry could not be reached at all (so the store may answer instead).
pub fn unreachable(error: &OciDistributionError) -> bool {
    match error {
        OciDistributionError::RequestError(e) => e.is_connect() || e.is_timeout(),
        _ => false,
    }
}

fn not_found(error: &OciDistributionError) -> bool {
    let text = error.to_string().to_ascii_lowercase();
    matches!(error, OciDistributionError::ImageManifestNotFoundError(_))
        || ["404", "name_unknown", "manifest_unknown", "not known to registry", "manifest unknown"]
            .iter()
            .any(|needle| text.contains(needle))
}

fn registry_error(at: &Reference, error: OciDistributionError) -> OciError {
    OciError::Registry { location: at.to_string(), unreachable: unreachable(&error), message: error.to_string() }
}

/// The repository's tags (empty when the repository does not exist).
pub async fn list_tags(client: &Client, at: &Reference) -> Result<Vec<String>> {
    let auth = auth(at.registry());
    let mut tags = Vec::new();
    let mut last: Option<String> = None;
    loop {
        let page = match client.list_tags(at, &auth, Some(1000), last.as_deref()).await {
            Ok(page) => page.tags,
            Err(e) if not_found(&e) => break,
            Err(e) => return Err(registry_error(at, e)),
        };
        let done = page.len() < 1000;
        last = page.last().cloned();
        tags.extend(page);
        if done || last.is_none() {
            break;
        }
    }
    Ok(tags)
}

/// The manifest bytes and their digest (checked against the bytes); `None` when there is no such manifest.
pub async fn manifest(client: &Client, at: &Reference) -> Result<Option<(Vec<u8>, String)>> {
    let auth = auth(at.registry());
    match client.pull_manifest_raw(at, &auth, &[OCI_IMAGE_MEDIA_TYPE]).await {
        Ok((bytes, _)) => {
            let digest = super::store::sha256_digest(&bytes);
            if let Some(wanted) = at.digest()
                && wanted != digest
            {
                return Err(OciError::Corrupt { path: at.to_string().into(), expected: wanted.into(), actual: digest });
            }
            Ok(Some((bytes.to_vec(), digest)))
        }
        Err(e) if not_found(&e) => Ok(None),
        Err(e) => Err(registry_error(at, e)),
    }
}

/// A blob's bytes (the client checks them against `descriptor.digest`).
pub async fn blob(client: &Client, at: &Reference, descriptor: &OciDescriptor) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    client.pull_blob(at, descriptor, &mut out).await.map_err(|e| registry_error(at, e))?;
    Ok(out)
}

/// Pushes a blob unless the registry has it already.
pub async fn push_blob(client: &Client, at: &Reference, bytes: &[u8], digest: &str) -> Result<()> {
    client.store_auth_if_needed(at.resolve_registry(), &auth(at.registry())).await;
    if client.blob_exists(at, digest).await.map_err(|e| registry_error(at, e))? {
        return Ok(());
    }
    client.push_blob(at, bytes.to_vec(), digest).await.map_err(|e| registry_error(at, e))?;
    Ok(())
}

/// Pushes manifest bytes under `at`'s tag.
pub async fn push_manifest(client: &Client, at: &Reference, bytes: &[u8]) -> Result<()> {
    client.store_auth_if_needed(at.resolve_registry(), &auth(at.registry())).await;
    let content_type = OCI_IMAGE_MEDIA_TYPE.parse().expect("a valid header value");
    client.push_manifest_raw(at, bytes.to_vec(), content_type).await.map_err(|e| registry_error(at, e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mirrors_rewrite_the_location_only() {
        let mirror: Mirror = "ghcr.io=localhost:5000/cache".parse().unwrap();
        let r = OciRef::parse("ghcr.io/devcontainers/features/node:1").unwrap();
        let at = location(&r, &[mirror]);
        assert_eq!(
            (at.registry(), at.repository(), at.tag()),
            ("localhost:5000", "cache/devcontainers/features/node", Some("1"))
        );
        let plain: Mirror = "ghcr.io=localhost:5000".parse().unwrap();
        assert_eq!(location(&r, &[plain]).repository(), "devcontainers/features/node");
        assert_eq!(location(&r, &[]).registry(), "ghcr.io");
        assert!("nohost".parse::<Mirror>().is_err());
    }
}
