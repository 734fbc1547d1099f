//! The user's Docker config (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`) + a registry host →
//! the credentials the docker CLI would send there: a per-registry `credHelpers` entry, else `credsStore`, else
//! the `auths` entry (`auth` = base64 `user:password`, or `identitytoken`).
//!
//! A credential is never printed or logged: [`RegistryAuth`]'s `Debug` shows the user name only, and errors
//! never carry what a helper printed on success.

use super::reference::{normalize_host, server_address};
use super::{RegistryError, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What a registry is sent to log in.
#[derive(Clone, PartialEq, Eq)]
pub enum RegistryAuth {
    /// A user name and a password (or access token used as a password).
    Basic { username: String, password: String },
    /// An OAuth2 refresh token (`identitytoken`, or a helper's `<token>` user), exchanged by the engine.
    IdentityToken { username: String, token: String },
}

impl std::fmt::Debug for RegistryAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RegistryAuth::Basic { username, .. } => write!(f, "Basic({username:?}, <redacted>)"),
            RegistryAuth::IdentityToken { username, .. } => write!(f, "IdentityToken({username:?}, <redacted>)"),
        }
    }
}

impl RegistryAuth {
    /// The `X-Registry-Auth` credentials the engine expects for `server` (push, pull).
    pub fn to_engine(&self, server: &str) -> bollard::auth::DockerCredentials {
        let mut credentials =
            bollard::auth::DockerCredentials { serveraddress: Some(server.to_string()), ..Default::default() };
        match self {
            RegistryAuth::Basic { username, password } => {
                credentials.username = Some(username.clone());
                credentials.password = Some(password.clone());
            }
            RegistryAuth::IdentityToken { username, token } => {
                credentials.username = Some(username.clone());
                credentials.identitytoken = Some(token.clone());
            }
        }
        credentials
    }

    /// The same for `oci-client`. An identity token is sent as the password of a basic login, which token
    /// services that issue them (ACR, for one) accept.
    pub fn to_oci(&self) -> oci_client::secrets::RegistryAuth {
        match self {
            RegistryAuth::Basic { username, password } => {
                oci_client::secrets::RegistryAuth::Basic(username.clone(), password.clone())
            }
            RegistryAuth::IdentityToken { username, token } => {
                oci_client::secrets::RegistryAuth::Basic(username.clone(), token.clone())
            }
        }
    }
}

/// One `auths` entry. No `Debug`: it holds secrets.
#[derive(Deserialize, Default)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ConfigFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default)]
    creds_store: Option<String>,
    #[serde(default)]
    cred_helpers: BTreeMap<String, String>,
}

/// The credential part of a Docker config file (absent file = no credentials).
pub struct Credentials {
    path: PathBuf,
    config: ConfigFile,
    /// `PATH` for finding credential helpers (tests); the process's own when `None`.
    helper_path: Option<std::ffi::OsString>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("path", &self.path).finish_non_exhaustive()
    }
}

/// `$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`.
pub fn config_path() -> Option<PathBuf> {
    config_path_from(std::env::var_os("DOCKER_CONFIG"), dirs::home_dir())
}

fn config_path_from(docker_config: Option<std::ffi::OsString>, home: Option<PathBuf>) -> Option<PathBuf> {
    match docker_config {
        Some(dir) if !dir.is_empty() => Some(PathBuf::from(dir).join("config.json")),
        _ => home.map(|home| home.join(".docker").join("config.json")),
    }
}

impl Credentials {
    /// The user's Docker config, as the docker CLI finds it.
    pub fn from_env() -> Result<Credentials> {
        match config_path() {
            Some(path) => Credentials::from_file(&path),
            None => Ok(Credentials { path: PathBuf::new(), config: ConfigFile::default(), helper_path: None }),
        }
    }

    /// The Docker config at `path`; a missing file has no credentials, an unreadable or invalid one is an error.
    pub fn from_file(path: &Path) -> Result<Credentials> {
        let bad = |message: String| RegistryError::DockerConfig { path: path.to_path_buf(), message };
        let config = match std::fs::read(path) {
            Ok(bytes) if bytes.iter().all(u8::is_ascii_whitespace) => ConfigFile::default(),
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => ConfigFile::default(),
            Err(e) => return Err(bad(e.to_string())),
        };
        Ok(Credentials { path: path.to_path_buf(), config, helper_path: None })
    }

    /// Looks credential helpers up in `path` (a `PATH`-like list) instead of the process's `PATH`.
    pub fn with_helper_path(mut self, path: impl Into<std::ffi::OsString>) -> Credentials {
        self.helper_path = Some(path.into());
        self
    }

    /// Shorthand: the user's credentials for `host` (`ghcr.io`, `localhost:5000`, `docker.io`, ...).
    pub fn for_registry(host: &str) -> Result<Option<RegistryAuth>> {
        Credentials::from_env()?.get(host)
    }

    /// The credentials for `host`: its `credHelpers` helper, else the `credsStore` helper, else `auths`.
    pub fn get(&self, host: &str) -> Result<Option<RegistryAuth>> {
        let host = normalize_host(host);
        let server = server_address(&host);
        let helper = self.config.cred_helpers.iter().find(|(key, _)| normalize_host(key) == host).map(|(_, h)| h);
        match helper.or(self.config.creds_store.as_ref()).filter(|h| !h.is_empty()) {
            Some(helper) => run_helper(helper, &server, self.helper_path.as_deref()),
            None => self.auths_entry(&host),
        }
    }

    fn auths_entry(&self, host: &str) -> Result<Option<RegistryAuth>> {
        let Some((key, entry)) = self.config.auths.iter().find(|(key, _)| normalize_host(key) == host) else {
            return Ok(None);
        };
        let bad = |message: &str| RegistryError::DockerConfig {
            path: self.path.clone(),
            message: format!("`auths.{key}`: {message}"),
        };
        let (mut username, mut password) = (entry.username.clone(), entry.password.clone());
        if let Some(encoded) = entry.auth.as_deref().filter(|a| !a.is_empty()) {
            let decoded =
                data_encoding::BASE64.decode(encoded.trim().as_bytes()).map_err(|_| bad("`auth` is not base64"))?;
            let text = String::from_utf8(decoded).map_err(|_| bad("`auth` is not UTF-8"))?;
            let (user, pass) = text.split_once(':').ok_or_else(|| bad("`auth` is not `user:password`"))?;
            (username, password) = (Some(user.to_string()), Some(pass.to_string()));
        }
        if let Some(token) = entry.identitytoken.clone().filter(|t| !t.is_empty()) {
            return Ok(Some(RegistryAuth::IdentityToken { username: username.unwrap_or_default(), token }));
        }
        Ok(match (username, password) {
            (Some(username), Some(password)) if !username.is_empty() => {
                Some(RegistryAuth::Basic { username, password })
            }
            _ => None,
        })
    }
}

/// What `docker-credential-<name> get` prints. No `Debug`: it holds a secret.
#[derive(Deserialize)]
struct HelperAnswer {
    #[serde(rename = "Username", default)]
    username: String,
    #[serde(rename = "Secret", default)]
    secret: String,
}

/// Runs `docker-credential-<helper> get` with `server` on stdin (the credential helper protocol).
fn run_helper(helper: &str, server: &str, search: Option<&std::ffi::OsStr>) -> Result<Option<RegistryAuth>> {
    let program = format!("docker-credential-{helper}");
    let failed = |message: String| RegistryError::CredentialHelper { helper: program.clone(), message };
    let mut command = Command::new(&program);
    if let Some(search) = search {
        command.env("PATH", search);
    }
    let mut child = command
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| failed(format!("cannot run it: {e}")))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(server.as_bytes()).map_err(|e| failed(format!("cannot write to it: {e}")))?;
    }
    let output = child.wait_with_output().map_err(|e| failed(e.to_string()))?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stdout).trim().to_string();
        // The protocol's answer for an unknown server.
        if said.contains("credentials not found") {
            return Ok(None);
        }
        let said = if said.is_empty() { String::from_utf8_lossy(&output.stderr).trim().to_string() } else { said };
        let first = said.lines().next().unwrap_or("").chars().take(200).collect::<String>();
        return Err(failed(format!("{} ({first})", output.status)));
    }
    let answer: HelperAnswer =
        serde_json::from_slice(&output.stdout).map_err(|e| failed(format!("its answer is not JSON: {e}")))?;
    if answer.secret.is_empty() {
        return Ok(None);
    }
    Ok(Some(if answer.username == "<token>" {
        RegistryAuth::IdentityToken { username: String::new(), token: answer.secret }
    } else {
        RegistryAuth::Basic { username: answer.username, password: answer.secret }
    }))
}

#[cfg(test)]
#[path = "credentials_tests.rs"]
mod tests;
