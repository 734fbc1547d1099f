//! A repository + a tag → whether the registry has that manifest, by one `HEAD /v2/<path>/manifests/<tag>`
//! (plus a token exchange when the registry asks for one), never downloading anything.

use super::credentials::{Credentials, RegistryAuth};
use super::reference::Repository;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// Media types a layer image's manifest may have (docker v2 as pushed by 20.10 engines, OCI, and lists).
const MANIFEST_TYPES: &str = "application/vnd.docker.distribution.manifest.v2+json, \
    application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, \
    application/vnd.oci.image.index.v1+json";

/// Why a lookup could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("registry `{host}`: {message}")]
pub struct ProbeError {
    pub host: String,
    pub message: String,
}

/// Answers "is `repository:tag` there?".
#[async_trait::async_trait]
pub trait ManifestProbe: Send + Sync {
    async fn has_tag(&self, repository: &Repository, tag: &str) -> Result<bool, ProbeError>;
}

/// The real probe: HTTP to the registry, the user's Docker credentials when it asks for them, tokens reused.
pub struct HttpProbe {
    client: reqwest::Client,
    /// `host/path` → the `Authorization` header that worked.
    authorizations: Mutex<HashMap<String, String>>,
}

impl Default for HttpProbe {
    fn default() -> Self {
        HttpProbe::new()
    }
}

impl HttpProbe {
    pub fn new() -> HttpProbe {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .build()
            .expect("an HTTP client with timeouts");
        HttpProbe { client, authorizations: Mutex::new(HashMap::new()) }
    }

    async fn head(&self, url: &str, authorization: Option<&str>) -> reqwest::Result<reqwest::Response> {
        let mut request = self.client.head(url).header(reqwest::header::ACCEPT, MANIFEST_TYPES);
        if let Some(value) = authorization {
            request = request.header(reqwest::header::AUTHORIZATION, value);
        }
        request.send().await
    }

    /// The `Authorization` header a `WWW-Authenticate` challenge asks for: basic with the user's credentials,
    /// or a bearer token from the challenge's realm (anonymous when the user has none).
    async fn authorize(&self, repository: &Repository, challenge: &str) -> Result<String, String> {
        let auth = Credentials::for_registry(&repository.host).map_err(|e| e.to_string())?;
        let (user, secret) = match &auth {
            Some(RegistryAuth::Basic { username, password }) => (username.as_str(), Some(password.as_str())),
            Some(RegistryAuth::IdentityToken { username, token }) => (username.as_str(), Some(token.as_str())),
            None => ("", None),
        };
        let (scheme, params) = challenge.split_once(' ').unwrap_or((challenge, ""));
        if scheme.eq_ignore_ascii_case("basic") {
            let secret = secret.ok_or("it wants a login and the Docker config has none for it")?;
            let pair = data_encoding::BASE64.encode(format!("{user}:{secret}").as_bytes());
            return Ok(format!("Basic {pair}"));
        }
        let params = challenge_params(params);
        let realm = params.get("realm").ok_or("its challenge has no `realm`")?;
        let mut url = reqwest::Url::parse(realm).map_err(|e| format!("its token realm `{realm}`: {e}"))?;
        url.query_pairs_mut().append_pair("scope", &format!("repository:{}:pull", repository.path));
        if let Some(service) = params.get("service") {
            url.query_pairs_mut().append_pair("service", service);
        }
        let mut request = self.client.get(url);
        if let Some(secret) = secret {
            request = request.basic_auth(user, Some(secret));
        }
        let answer = request.send().await.map_err(|e| format!("token request failed: {e}"))?;
        let answer = answer.error_for_status().map_err(|e| format!("token request refused: {e}"))?;
        let body = answer.bytes().await.map_err(|e| format!("token answer: {e}"))?;
        let body: serde_json::Value = serde_json::from_slice(&body).map_err(|e| format!("token answer: {e}"))?;
        let token = body.get("token").or_else(|| body.get("access_token")).and_then(|t| t.as_str());
        Ok(format!("Bearer {}", token.ok_or("the token answer has no token")?))
    }
}

/// `realm="https://x",service="y"` → a map.
fn challenge_params(text: &str) -> HashMap<String, String> {
    let mut params = HashMap::new();
    let mut rest = text.trim();
    while let Some((name, after)) = rest.split_once('=') {
        let name = name.trim().trim_start_matches(',').trim().to_ascii_lowercase();
        let (value, next) = match after.strip_prefix('"') {
            Some(quoted) => quoted.split_once('"').unwrap_or((quoted, "")),
            None => after.split_once(',').unwrap_or((after, "")),
        };
        params.insert(name, value.to_string());
        rest = next.trim_start_matches(',').trim();
    }
    params
}

#[async_trait::async_trait]
impl ManifestProbe for HttpProbe {
    async fn has_tag(&self, repository: &Repository, tag: &str) -> Result<bool, ProbeError> {
        let failed = |message: String| ProbeError { host: repository.host.clone(), message };
        let url = format!("{}/v2/{}/manifests/{tag}", repository.api_base(), repository.path);
        let cache_key = format!("{}/{}", repository.host, repository.path);
        let known = self.authorizations.lock().unwrap().get(&cache_key).cloned();
        let mut response = self.head(&url, known.as_deref()).await.map_err(|e| failed(describe(&e)))?;
        if response.status() == reqwest::StatusCode::UNAUTHORIZED {
            let challenge = response
                .headers()
                .get(reqwest::header::WWW_AUTHENTICATE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("Basic")
                .to_string();
            let authorization = self.authorize(repository, &challenge).await.map_err(failed)?;
            response = self.head(&url, Some(&authorization)).await.map_err(|e| failed(describe(&e)))?;
            self.authorizations.lock().unwrap().insert(cache_key, authorization);
        }
        match response.status() {
            s if s.is_success() => Ok(true),
            reqwest::StatusCode::NOT_FOUND => Ok(false),
            s => Err(failed(format!("`HEAD {url}` answered {s}"))),
        }
    }
}

/// A transport error in a line, with its cause (connection refused, timeout, ...).
fn describe(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::challenge_params;

    #[test]
    fn bearer_challenges_are_parsed() {
        let p = challenge_params(r#"realm="https://ghcr.io/token",service="ghcr.io",scope="repository:o/r:pull""#);
        assert_eq!(p["realm"], "https://ghcr.io/token");
        assert_eq!(p["service"], "ghcr.io");
        assert_eq!(p["scope"], "repository:o/r:pull");
    }
}
