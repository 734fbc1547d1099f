//! The engine's `GET /info` + the negotiated API version → [`EngineInfo`], what the stages read about the engine.

use serde::Serialize;

/// What the engine says about itself (build, run and `doctor` read the same facts).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EngineInfo {
    /// Engine version, e.g. `20.10.24+dfsg1`.
    pub version: String,
    /// The API version the client speaks after negotiation, e.g. `1.41`.
    pub api_version: String,
    /// Names of the configured OCI runtimes (`runc`, `sysbox-runc`, `runsc`, ...), sorted.
    pub runtimes: Vec<String>,
    /// Empty when the engine does not say.
    pub default_runtime: String,
    /// `1` or `2`, when the engine says.
    pub cgroup_version: Option<String>,
    /// The platform images are pulled for, as registries name it (`linux/amd64`, `linux/arm64`); empty when
    /// the engine does not say.
    pub platform: String,
}

impl EngineInfo {
    /// The facts of an `/info` answer; `api` is the client's negotiated version.
    pub fn from_system_info(info: &bollard::models::SystemInfo, api: &bollard::ClientVersion) -> EngineInfo {
        let mut runtimes: Vec<String> = info.runtimes.iter().flat_map(|r| r.keys().cloned()).collect();
        runtimes.sort();
        EngineInfo {
            version: info.server_version.clone().unwrap_or_default(),
            api_version: api.to_string(),
            runtimes,
            default_runtime: info.default_runtime.clone().unwrap_or_default(),
            cgroup_version: info.cgroup_version.as_ref().map(|v| v.to_string()),
            platform: platform(info.os_type.as_deref(), info.architecture.as_deref()),
        }
    }
}

/// `/info`'s `OSType` and `Architecture` (`uname -m`: `x86_64`, `aarch64`) → the OCI platform (`linux/amd64`).
fn platform(os: Option<&str>, machine: Option<&str>) -> String {
    let (Some(os), Some(machine)) = (os.filter(|o| !o.is_empty()), machine.filter(|m| !m.is_empty())) else {
        return String::new();
    };
    let arch = match machine {
        "x86_64" | "amd64" => "amd64",
        "aarch64" | "arm64" => "arm64",
        "armv7l" | "armhf" => "arm/v7",
        "armv6l" => "arm/v6",
        "i386" | "i686" => "386",
        other => other,
    };
    format!("{os}/{arch}")
}

impl super::Docker {
    /// `GET /info` → [`EngineInfo`]; serves both [`super::ImageEngine`] and [`super::ContainerEngine`].
    pub(super) async fn read_engine_info(&self) -> super::Result<EngineInfo> {
        let info = self.client.info().await?;
        Ok(EngineInfo::from_system_info(&info, &self.client.client_version()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{SystemInfo, SystemInfoCgroupVersionEnum};

    #[test]
    fn runtimes_are_sorted_and_missing_facts_are_empty() {
        let info = SystemInfo {
            server_version: Some("20.10.24+dfsg1".into()),
            runtimes: Some(["runsc", "runc", "sysbox-runc"].map(|r| (r.to_string(), Default::default())).into()),
            cgroup_version: Some(SystemInfoCgroupVersionEnum::_2),
            ..Default::default()
        };
        let api = bollard::ClientVersion { major_version: 1, minor_version: 41 };
        let engine = EngineInfo::from_system_info(&info, &api);
        assert_eq!(engine.version, "20.10.24+dfsg1");
        assert_eq!(engine.api_version, "1.41");
        assert_eq!(engine.runtimes, ["runc", "runsc", "sysbox-runc"]);
        assert_eq!((engine.default_runtime.as_str(), engine.cgroup_version.as_deref()), ("", Some("2")));
        assert_eq!(EngineInfo::from_system_info(&SystemInfo::default(), &api).runtimes, Vec::<String>::new());
        assert_eq!(EngineInfo::from_system_info(&SystemInfo::default(), &api).platform, "");
    }

    #[test]
    fn the_platform_is_named_as_registries_name_it() {
        assert_eq!(super::platform(Some("linux"), Some("x86_64")), "linux/amd64");
        assert_eq!(super::platform(Some("linux"), Some("aarch64")), "linux/arm64");
        assert_eq!(super::platform(Some("linux"), Some("armv7l")), "linux/arm/v7");
        assert_eq!(super::platform(Some("linux"), Some("s390x")), "linux/s390x");
        assert_eq!(super::platform(None, Some("x86_64")), "");
    }
}
