//! A feature reference string (`ghcr.io/ns/id:2`, `host:5000/ns/id@sha256:…`) → its parts, as the Dev Container
//! Features distribution spec names them (registry, namespace, id, tag or digest); semver tag choice.

use std::fmt;

/// What follows the repository: a tag (`latest` when none is written) or a manifest digest.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    Tag(String),
    Digest(String),
}

/// A parsed OCI feature reference (lower-cased, as the reference CLI does).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OciRef {
    /// `ghcr.io`, `localhost:5000`.
    pub registry: String,
    /// `devcontainers/features` (may contain `/`).
    pub namespace: String,
    /// The last path segment: the feature's id.
    pub id: String,
    pub version: Version,
}

impl OciRef {
    /// Parses `registry/namespace/id[:tag|@sha256:hex]`; `None` when the string is not shaped like one.
    pub fn parse(input: &str) -> Option<OciRef> {
        let input = input.to_ascii_lowercase();
        // `./x/y` and `../x/y` are local paths, as for the reference CLI.
        if input.starts_with('.') {
            return None;
        }
        let (name, version) = match input.split_once('@') {
            Some((name, digest)) => {
                let hex = digest.strip_prefix("sha256:")?;
                if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return None;
                }
                (name.to_string(), Version::Digest(digest.to_string()))
            }
            None => {
                let slash = input.rfind('/')?;
                match input[slash..].rfind(':') {
                    Some(colon) => {
                        let (name, tag) = input.split_at(slash + colon);
                        (name.to_string(), Version::Tag(tag[1..].to_string()))
                    }
                    None => (input.clone(), Version::Tag("latest".into())),
                }
            }
        };
        if let Version::Tag(tag) = &version
            && !valid_tag(tag)
        {
            return None;
        }
        let (registry, path) = name.split_once('/')?;
        if !(registry.contains('.') || registry.contains(':') || registry == "localhost") {
            return None;
        }
        let (namespace, id) = path.rsplit_once('/')?;
        if !namespace.split('/').chain([id]).all(valid_segment) {
            return None;
        }
        Some(OciRef { registry: registry.to_string(), namespace: namespace.to_string(), id: id.to_string(), version })
    }

    /// `namespace/id`: the repository in the registry.
    pub fn path(&self) -> String {
        format!("{}/{}", self.namespace, self.id)
    }

    /// `registry/namespace/id`, without version.
    pub fn resource(&self) -> String {
        format!("{}/{}", self.registry, self.path())
    }

    /// The same feature at another version.
    pub fn with_version(&self, version: Version) -> OciRef {
        OciRef { version, ..self.clone() }
    }

    /// The tag, when the reference names one.
    pub fn tag(&self) -> Option<&str> {
        match &self.version {
            Version::Tag(tag) => Some(tag),
            Version::Digest(_) => None,
        }
    }
}

impl fmt::Display for OciRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.version {
            Version::Tag(tag) => write!(f, "{}:{tag}", self.resource()),
            Version::Digest(digest) => write!(f, "{}@{digest}", self.resource()),
        }
    }
}

fn valid_tag(tag: &str) -> bool {
    let mut chars = tag.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        && tag.len() <= 128
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

/// `[a-z0-9]+([._-][a-z0-9]+)*`
fn valid_segment(segment: &str) -> bool {
    !segment.is_empty()
        && segment
            .split(['.', '_', '-'])
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
}

/// The full semver versions among `tags`, newest first.
pub fn semver_tags(tags: &[String]) -> Vec<semver::Version> {
    let mut versions: Vec<semver::Version> = tags.iter().filter_map(|t| semver::Version::parse(t).ok()).collect();
    versions.sort_by(|a, b| b.cmp(a));
    versions
}

/// The tag that `wanted` (`2`, `2.1`, `2.1.3`, `latest`, anything else) means among `tags`: a partial version
/// is the newest full version with that prefix; `latest` the newest overall; otherwise the tag itself.
pub fn choose_tag(wanted: &str, tags: &[String]) -> Option<String> {
    let versions = semver_tags(tags);
    if wanted == "latest" && !tags.iter().any(|t| t == "latest") {
        return versions.iter().find(|v| v.pre.is_empty()).map(|v| v.to_string());
    }
    let parts: Option<Vec<u64>> = wanted.split('.').map(|p| p.parse().ok()).collect();
    if let Some(parts) = parts.filter(|p| (1..=3).contains(&p.len())) {
        let matches = |v: &semver::Version| {
            let full = [v.major, v.minor, v.patch];
            v.pre.is_empty() && parts.iter().zip(full).all(|(a, b)| *a == b)
        };
        if let Some(found) = versions.iter().find(|v| matches(v)) {
            return Some(found.to_string());
        }
    }
    tags.iter().any(|t| t == wanted).then(|| wanted.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tags_digests_and_defaults() {
        let r = OciRef::parse("ghcr.io/devcontainers/features/Node:1").unwrap();
        assert_eq!(
            (r.registry.as_str(), r.namespace.as_str(), r.id.as_str()),
            ("ghcr.io", "devcontainers/features", "node")
        );
        assert_eq!(r.version, Version::Tag("1".into()));
        assert_eq!(r.to_string(), "ghcr.io/devcontainers/features/node:1");
        let r = OciRef::parse("localhost:5000/ns/x").unwrap();
        assert_eq!((r.registry.as_str(), r.version.clone()), ("localhost:5000", Version::Tag("latest".into())));
        let digest = format!("sha256:{}", "a".repeat(64));
        let r = OciRef::parse(&format!("localhost:5000/ns/x@{digest}")).unwrap();
        assert_eq!(r.version, Version::Digest(digest));
        for bad in ["node", "foo/bar", "ghcr.io/x", "ghcr.io/ns/x@sha256:12", "ghcr.io/ns/x:", "ghcr.io/n s/x", "./x"]
            .into_iter()
            .chain(["./local-features/lf", "../a/b/c", ".x.io/ns/id"])
        {
            assert_eq!(OciRef::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn semver_tags_choose_the_newest_match() {
        let tags: Vec<String> =
            ["1", "1.0", "1.0.0", "1.2.0", "1.10.1", "2.0.0", "2.1.0-rc1", "latest", "dev"].map(String::from).into();
        assert_eq!(choose_tag("1", &tags).as_deref(), Some("1.10.1"));
        assert_eq!(choose_tag("1.2", &tags).as_deref(), Some("1.2.0"));
        assert_eq!(choose_tag("2", &tags).as_deref(), Some("2.0.0"));
        assert_eq!(choose_tag("latest", &tags).as_deref(), Some("latest"));
        assert_eq!(choose_tag("latest", &["1.0.0".into(), "2.0.0-rc1".into()]).as_deref(), Some("1.0.0"));
        assert_eq!(choose_tag("dev", &tags).as_deref(), Some("dev"));
        assert_eq!(choose_tag("3", &tags), None);
        assert_eq!(choose_tag("latest", &["latest".to_string()]).as_deref(), Some("latest"));
    }
}
