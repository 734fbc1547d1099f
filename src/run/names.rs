//! A workspace → the names containai gives its container: container name, hostname, ssh host `containai-<name>`.

use crate::config::WorkspaceInfo;

/// Lower-case letters, digits and `-` only, no leading/trailing `-`, at most `max` characters.
pub fn slug(text: &str, max: usize) -> String {
    let mut out = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = if c.is_ascii_alphanumeric() { c } else { '-' };
        if !(c == '-' && (out.is_empty() || out.ends_with('-'))) {
            out.push(c);
        }
    }
    out.truncate(max);
    out.trim_end_matches('-').to_string()
}

/// `<basename>-<6 chars of the devcontainer id>`: readable and unique per workspace + config file.
pub fn container_name(workspace: &WorkspaceInfo) -> String {
    let base =
        workspace.local_workspace_folder.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let base = match slug(&base, 40) {
        s if s.is_empty() => "workspace".to_string(),
        s => s,
    };
    let id = slug(&workspace.devcontainer_id, 64);
    format!("{base}-{}", &id[..id.len().min(6)])
}

/// The ssh host alias of a container name.
pub fn ssh_host(name: &str) -> String {
    format!("containai-{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_dns_safe() {
        assert_eq!(slug("My Project_2!", 63), "my-project-2");
        assert_eq!(slug("--a--b--", 63), "a-b");
    }

    #[test]
    fn names_join_the_folder_and_the_id() {
        let ws = WorkspaceInfo {
            local_workspace_folder: "/home/me/Web App".into(),
            config_file: "/home/me/Web App/.devcontainer/devcontainer.json".into(),
            workspace_folder: "/workspaces/Web App".into(),
            workspace_mount: None,
            devcontainer_id: "0ABCDEF123".into(),
        };
        assert_eq!(container_name(&ws), "web-app-0abcde");
        assert_eq!(ssh_host("web-app-0abcde"), "containai-web-app-0abcde");
    }
}
