//! A host path a config names (a mount source, a build context) → where it really leads (symlinks followed) and
//! what it is to the sandbox: inside the workspace, elsewhere on the host (needs trust), or protected (refused).

use std::path::{Component, Path, PathBuf};

/// Where a host path leads, as far as the sandbox is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// In the workspace (the folder the container has anyway).
    Inside,
    /// Elsewhere on the host: the user must trust it.
    Outside,
    /// A place no repository may have: the reason.
    Protected(String),
}

/// How a protected path is protected.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Guard {
    /// The path, everything below it and every folder above it (which would carry it along).
    Tree,
    /// The path and every folder above it; what is below is not protected by this entry (the home folder).
    Holder,
}

/// What the sandbox may not have on this host, and where the workspace is.
#[derive(Debug, Clone, Default)]
pub struct HostPaths {
    /// The workspace folder and the folder the default workspace mount binds, resolved.
    pub workspace_roots: Vec<PathBuf>,
    protected: Vec<(PathBuf, Guard, String)>,
}

/// Folders of the system that hold the host's devices, kernel interfaces, sockets and configuration.
const SYSTEM: &[&str] = &[
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/run",
    "/var/run",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/kubelet",
    "/lib/modules",
    "/usr/lib/modules",
];

/// Credentials and agents' keys in a home folder.
pub const HOME_CREDENTIALS: &[&str] = &[
    ".ssh",
    ".gnupg",
    ".docker",
    ".aws",
    ".azure",
    ".kube",
    ".config/gcloud",
    ".config/gh",
    ".config/hub",
    ".config/containai",
    ".cache/containai",
    ".local/share/keyrings",
    ".password-store",
    ".netrc",
    ".git-credentials",
    ".gitconfig",
    ".config/git",
    ".npmrc",
    ".pypirc",
    ".cargo/credentials",
    ".cargo/credentials.toml",
    ".terraform.d",
    ".vault-token",
    ".m2/settings.xml",
    ".gradle/gradle.properties",
    ".bash_history",
    ".zsh_history",
];

/// `path` with `.` and `..` taken lexically (no file system access), absolute.
pub fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for part in path.components() {
        match part {
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(name) => out.push(name),
            _ => {}
        }
    }
    out
}

/// `path` (absolute, or relative to `base`) as the kernel will open it: the longest part that exists resolved
/// with its symlinks, the rest taken lexically.
pub fn resolve(base: &Path, path: &Path) -> PathBuf {
    let joined = lexical(&base.join(path));
    let mut existing = joined.clone();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = std::fs::canonicalize(&existing) {
            let mut out = real;
            out.extend(rest.iter().rev());
            return out;
        }
        match (existing.file_name().map(|n| n.to_os_string()), existing.parent().map(Path::to_path_buf)) {
            (Some(name), Some(parent)) => {
                rest.push(name);
                existing = parent;
            }
            _ => return joined,
        }
    }
}

fn is_socket(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_socket())
}

impl HostPaths {
    /// This host's protected paths: the system's, the home folder and its credentials, containai's own folders,
    /// the ssh agent's socket and a `unix://` `DOCKER_HOST`; `workspace_roots` are the workspace's folders.
    pub fn of_host(workspace_roots: &[&Path]) -> HostPaths {
        let mut paths = HostPaths {
            workspace_roots: workspace_roots.iter().map(|r| resolve(Path::new("/"), r)).collect(),
            protected: Vec::new(),
        };
        for path in SYSTEM {
            paths.protect(Path::new(path), Guard::Tree, "a system folder of the host");
        }
        if let Some(home) = dirs::home_dir() {
            paths.protect(&home, Guard::Holder, "the home folder (it holds your credentials)");
            for name in HOME_CREDENTIALS {
                paths.protect(&home.join(name), Guard::Tree, "credentials in the home folder");
            }
        }
        for dir in [dirs::config_dir(), dirs::cache_dir()].into_iter().flatten() {
            paths.protect(&dir.join("containai"), Guard::Tree, "containai's own state (keys, trust)");
        }
        if let Some(sock) = std::env::var_os("SSH_AUTH_SOCK").filter(|s| !s.is_empty()) {
            paths.protect(Path::new(&sock), Guard::Tree, "the ssh agent's socket");
        }
        if let Some(sock) = std::env::var("DOCKER_HOST").ok().and_then(|h| h.strip_prefix("unix://").map(PathBuf::from))
        {
            paths.protect(&sock, Guard::Tree, "the engine's socket");
        }
        paths
    }

    /// Adds `path` (as written and as resolved) to the `Tree` protections: tests and callers with more to guard.
    pub fn protect_tree(&mut self, path: &Path, why: &str) {
        self.protect(path, Guard::Tree, why);
    }

    fn protect(&mut self, path: &Path, guard: Guard, why: &str) {
        for p in [lexical(path), resolve(Path::new("/"), path)] {
            if !self.protected.iter().any(|(q, g, _)| *q == p && *g == guard) {
                self.protected.push((p, guard.clone(), why.to_string()));
            }
        }
    }

    /// What `path` (absolute, or relative to `base`) is to the sandbox, and where it really leads.
    pub fn place(&self, base: &Path, path: &Path) -> (PathBuf, Place) {
        let real = resolve(base, path);
        let written = lexical(&base.join(path));
        for candidate in [&real, &written] {
            if is_socket(candidate) {
                return (real.clone(), Place::Protected("a socket on the host".into()));
            }
            for (protected, guard, why) in &self.protected {
                let holds = protected.starts_with(candidate);
                let below = *guard == Guard::Tree && candidate.starts_with(protected);
                if holds || below {
                    let what = if holds && protected != candidate {
                        format!("it holds `{}`: {why}", protected.display())
                    } else {
                        why.clone()
                    };
                    return (real.clone(), Place::Protected(what));
                }
            }
        }
        let inside = self.workspace_roots.iter().any(|root| real.starts_with(root));
        (real, if inside { Place::Inside } else { Place::Outside })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(workspace: &Path, home: &Path) -> HostPaths {
        let mut paths = HostPaths { workspace_roots: vec![resolve(Path::new("/"), workspace)], protected: vec![] };
        for path in SYSTEM {
            paths.protect(Path::new(path), Guard::Tree, "system");
        }
        paths.protect(home, Guard::Holder, "home");
        for name in HOME_CREDENTIALS {
            paths.protect(&home.join(name), Guard::Tree, "credentials");
        }
        paths
    }

    #[test]
    fn system_folders_home_and_credentials_are_protected_however_spelled() {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home/u");
        let ws = home.join("proj");
        std::fs::create_dir_all(ws.join("sub")).unwrap();
        std::fs::create_dir_all(home.join(".ssh")).unwrap();
        let paths = host(&ws, &home);
        let protected = |p: &str| matches!(paths.place(&ws, Path::new(p)).1, Place::Protected(_));
        for p in ["/", "/etc", "/etc/shadow", "//etc/", "/var", "/var/run/docker.sock", "/run/containerd", "/proc/1"] {
            assert!(protected(p), "{p}");
        }
        for p in ["..", "../.ssh", "../.ssh/id_rsa", "../.docker/config.json", "../../", "sub/../../.aws"] {
            assert!(protected(p), "{p}");
        }
        assert_eq!(paths.place(&ws, Path::new("sub")).1, Place::Inside);
        assert_eq!(paths.place(&ws, Path::new("./new-folder")).1, Place::Inside);
        assert_eq!(paths.place(&ws, Path::new("/opt/data")).1, Place::Outside);
        assert_eq!(paths.place(&ws, Path::new("../other-project")).1, Place::Outside);
    }

    #[test]
    fn symlinks_in_the_workspace_are_followed() {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home/u");
        let ws = home.join("proj");
        std::fs::create_dir_all(&ws).unwrap();
        std::fs::create_dir_all(home.join(".ssh")).unwrap();
        std::os::unix::fs::symlink(home.join(".ssh"), ws.join("innocent")).unwrap();
        std::os::unix::fs::symlink(tmp.path(), ws.join("up")).unwrap();
        let paths = host(&ws, &home);
        assert!(matches!(paths.place(&ws, Path::new("innocent")).1, Place::Protected(_)));
        assert!(matches!(paths.place(&ws, Path::new("innocent/id_rsa")).1, Place::Protected(_)));
        assert!(matches!(paths.place(&ws, Path::new("up")).1, Place::Protected(_)), "holds the home folder");
    }

    #[test]
    fn sockets_anywhere_are_protected() {
        let tmp = tempfile::tempdir().unwrap();
        let sock = tmp.path().join("agent.sock");
        let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        let paths = host(tmp.path(), Path::new("/nonexistent-home"));
        assert_eq!(paths.place(tmp.path(), &sock).1, Place::Protected("a socket on the host".into()));
    }
}
