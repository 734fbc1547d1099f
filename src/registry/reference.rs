//! Image repository names as the docker CLI reads them (`ghcr.io/o/r`, `localhost:5000/x`, `user/repo`) → the
//! registry host (Docker Hub's aliases made one), the repository path, and the scheme the registry speaks.

/// The server address Docker Hub's credentials are stored under.
pub const DOCKER_HUB_SERVER: &str = "https://index.docker.io/v1/";
/// Docker Hub's canonical name.
pub const DOCKER_HUB: &str = "docker.io";
/// Where Docker Hub's registry API is.
const DOCKER_HUB_API: &str = "registry-1.docker.io";

/// A registry name as written in a config or on the command line (`https://ghcr.io/v2/`, `Index.Docker.io`)
/// → the host it names, lower-case, Docker Hub's aliases as `docker.io`.
pub fn normalize_host(name: &str) -> String {
    let name = name.trim();
    let name = name.strip_prefix("https://").or_else(|| name.strip_prefix("http://")).unwrap_or(name);
    let host = name.split('/').next().unwrap_or(name).to_ascii_lowercase();
    match host.as_str() {
        "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" | "hub.docker.com" => {
            DOCKER_HUB.to_string()
        }
        _ => host,
    }
}

/// The server address credential stores and the engine know a registry by: Docker Hub's legacy index URL,
/// else the host.
pub fn server_address(host: &str) -> String {
    let host = normalize_host(host);
    if host == DOCKER_HUB { DOCKER_HUB_SERVER.to_string() } else { host }
}

/// The registry host of an image reference (`localhost:5000/x:1` → `localhost:5000`, `debian` → `docker.io`).
pub fn host_of(reference: &str) -> String {
    match reference.split_once('/') {
        Some((first, _)) if first.contains(['.', ':']) || first == "localhost" => normalize_host(first),
        _ => DOCKER_HUB.to_string(),
    }
}

/// A repository in a registry, without tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    /// Normalised host (`docker.io`, `localhost:5000`).
    pub host: String,
    /// Path inside the registry (`library/debian`, `team/cache`).
    pub path: String,
}

impl Repository {
    /// Splits `name` the way docker does: the first component is a registry when it has a `.` or a `:`, or is
    /// `localhost`; otherwise the repository is on Docker Hub (`library/` for a single component). A tag or
    /// digest is an error: a cache repository takes the layer keys as tags.
    pub fn parse(name: &str) -> Result<Repository, String> {
        let invalid = |why: &str| format!("`{name}` is not an image repository: {why}");
        if name.is_empty() || name.contains('@') || name.chars().any(char::is_whitespace) {
            return Err(invalid("expected `[HOST[:PORT]/]PATH`"));
        }
        let (first, rest) = name.split_once('/').unwrap_or(("", name));
        let (host, path) = if !first.is_empty() && (first.contains(['.', ':']) || first == "localhost") {
            (normalize_host(first), rest.to_string())
        } else if name.contains('/') {
            (DOCKER_HUB.to_string(), name.to_string())
        } else {
            (DOCKER_HUB.to_string(), format!("library/{name}"))
        };
        if path.contains(':') {
            return Err(invalid("a cache repository has no tag (layers are tagged by their key)"));
        }
        if path.is_empty() || path != path.to_ascii_lowercase() || path.split('/').any(str::is_empty) {
            return Err(invalid("the path must be lower-case components separated by `/`"));
        }
        Ok(Repository { host, path })
    }

    /// The name the engine is given (`localhost:5000/team/cache`; Docker Hub's without its host).
    pub fn engine_name(&self) -> String {
        match self.host.as_str() {
            DOCKER_HUB => self.path.strip_prefix("library/").unwrap_or(&self.path).to_string(),
            host => format!("{host}/{}", self.path),
        }
    }

    /// `<engine name>:<tag>`.
    pub fn tagged(&self, tag: &str) -> String {
        format!("{}:{tag}", self.engine_name())
    }

    /// The base URL of the registry API: plain http for loopback hosts (which the engine also treats as
    /// insecure), https otherwise.
    pub fn api_base(&self) -> String {
        let host = if self.host == DOCKER_HUB { DOCKER_HUB_API } else { self.host.as_str() };
        let scheme = if is_loopback(host) { "http" } else { "https" };
        format!("{scheme}://{host}")
    }
}

/// `localhost[:PORT]`, `127.x.y.z[:PORT]`, `[::1][:PORT]`.
pub fn is_loopback(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(rest),
        None => host
            .rsplit_once(':')
            .map_or(host, |(h, port)| if port.chars().all(|c| c.is_ascii_digit()) { h } else { host }),
    };
    name == "localhost" || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_names_normalise_like_the_docker_cli() {
        assert_eq!(normalize_host("https://index.docker.io/v1/"), "docker.io");
        assert_eq!(normalize_host("registry-1.docker.io"), "docker.io");
        assert_eq!(normalize_host("GHCR.io"), "ghcr.io");
        assert_eq!(normalize_host("http://localhost:5000/v2/"), "localhost:5000");
    }

    #[test]
    fn references_name_their_registry() {
        assert_eq!(host_of("localhost:5000/x:1"), "localhost:5000");
        assert_eq!(host_of("debian:12"), "docker.io");
        assert_eq!(host_of("user/x"), "docker.io");
        assert_eq!(server_address("docker.io"), DOCKER_HUB_SERVER);
        assert_eq!(server_address("ghcr.io"), "ghcr.io");
    }

    #[test]
    fn repositories_split_into_host_and_path() {
        let r = Repository::parse("localhost:5000/team/cache").unwrap();
        assert_eq!((r.host.as_str(), r.path.as_str()), ("localhost:5000", "team/cache"));
        assert_eq!(r.tagged("abc"), "localhost:5000/team/cache:abc");
        assert_eq!(r.api_base(), "http://localhost:5000");
        let hub = Repository::parse("user/cache").unwrap();
        assert_eq!((hub.host.as_str(), hub.path.as_str()), ("docker.io", "user/cache"));
        assert_eq!(hub.api_base(), "https://registry-1.docker.io");
        assert_eq!(Repository::parse("cache").unwrap().engine_name(), "cache");
        assert_eq!(Repository::parse("ghcr.io/o/r").unwrap().api_base(), "https://ghcr.io");
        assert!(Repository::parse("ghcr.io/o/r:tag").is_err());
        assert!(Repository::parse("ghcr.io/O/r").is_err());
        assert!(Repository::parse("").is_err());
    }

    #[test]
    fn loopback_hosts_are_plain_http() {
        assert!(is_loopback("localhost:5000") && is_loopback("127.0.0.1:1") && is_loopback("[::1]:5000"));
        assert!(is_loopback("127.3.2.1") && !is_loopback("ghcr.io") && !is_loopback("10.0.0.1:5000"));
    }
}
