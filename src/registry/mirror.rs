//! `REGISTRY=HOST[:PORT][/PREFIX]` (the command line's `--registry-mirror`, the user config's
//! `registryMirrors`) → a [`Mirror`]: where a registry's repositories are fetched from instead.

/// `--registry-mirror REGISTRY=HOST[:PORT][/PREFIX]`: fetch `REGISTRY/x` from `HOST[:PORT]/PREFIX/x`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mirror {
    pub registry: String,
    pub host: String,
    pub prefix: String,
}

impl std::str::FromStr for Mirror {
    type Err = String;
    fn from_str(text: &str) -> std::result::Result<Mirror, String> {
        let (registry, target) =
            text.split_once('=').ok_or_else(|| format!("`{text}` is not `REGISTRY=HOST[:PORT][/PREFIX]`"))?;
        let (host, prefix) = target.split_once('/').unwrap_or((target, ""));
        if registry.is_empty() || host.is_empty() {
            return Err(format!("`{text}` is not `REGISTRY=HOST[:PORT][/PREFIX]`"));
        }
        Ok(Mirror {
            registry: registry.to_ascii_lowercase(),
            host: host.to_ascii_lowercase(),
            prefix: prefix.trim_matches('/').to_string(),
        })
    }
}
