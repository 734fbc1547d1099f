//! `--dotfiles-repository` (and its install command and target path) → the hook that clones the repository in
//! the container as the remote user and runs its install script, or links its dotfiles into the home folder.
//!
//! As in the reference CLI: it runs once per container, after postCreateCommand and before postStartCommand;
//! `owner/repo` means `https://github.com/owner/repo.git`; without an install command the first of
//! [`INSTALL_SCRIPTS`] found is run, and without any, the repository's top-level dotfiles are linked into `~`.
//! A failure is a warning, not an error. The values reach the script as arguments, never inside its text.

use super::hooks::Hook;
use crate::config::model::LifecycleCommand;

/// Scripts looked for, in order, when no install command is given.
pub const INSTALL_SCRIPTS: [&str; 8] =
    ["install.sh", "install", "bootstrap.sh", "bootstrap", "script/bootstrap", "setup.sh", "setup", "script/setup"];

/// The marker recorded in the container once the dotfiles are installed (beside the lifecycle stages').
pub const MARKER: &str = "dotfiles";

/// What the user asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dotfiles {
    pub repository: String,
    pub install_command: Option<String>,
    /// Where to clone it; `~` is the remote user's home.
    pub target_path: String,
}

/// The clone URL of `repository`: `owner/repo` (no `:`, not a path) is a GitHub repository.
pub fn clone_url(repository: &str) -> String {
    let path = repository.starts_with('/') || repository.starts_with("./") || repository.starts_with("../");
    if repository.contains(':') || path {
        repository.to_string()
    } else {
        format!("https://github.com/{repository}.git")
    }
}

/// `$1` repository, `$2` target path, `$3` install command (may be empty).
const SCRIPT: &str = r#"set -e
repo=$1; target=$2; cmd=$3
case $target in "~") target=$HOME ;; "~/"*) target=$HOME/${target#"~/"} ;; esac
if [ ! -e "$target" ]; then
  command -v git >/dev/null 2>&1 || { echo "git is not installed in the container" >&2; exit 3; }
  git clone --quiet "$repo" "$target"
fi
cd "$target"
if [ -z "$cmd" ]; then
  for f in SCRIPTS; do if [ -e "$f" ]; then cmd=$f; break; fi; done
fi
if [ -n "$cmd" ]; then
  [ -f "$cmd" ] || { echo "no \`$cmd\` in $target" >&2; exit 126; }
  [ -x "$cmd" ] || chmod +x "$cmd"
  echo "running $target/$cmd"
  case $cmd in /*) exec "$cmd" ;; *) exec "./$cmd" ;; esac
fi
for f in .[!.]* ..?*; do
  [ -e "$f" ] && [ "$f" != .git ] && ln -sfn "$PWD/$f" "$HOME/$f" && echo "linked ~/$f"
done
exit 0
"#;

impl Dotfiles {
    /// The hook that installs them.
    pub fn hook(&self) -> Hook {
        let script = SCRIPT.replace("SCRIPTS", &INSTALL_SCRIPTS.join(" "));
        let argv = vec![
            "/bin/sh".to_string(),
            "-c".into(),
            script,
            "dotfiles".into(),
            clone_url(&self.repository),
            self.target_path.clone(),
            self.install_command.clone().unwrap_or_default(),
        ];
        Hook { name: format!("dotfiles from `{}`", self.repository), command: LifecycleCommand::Exec(argv) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_name_is_a_github_repository_and_urls_and_paths_stay() {
        assert_eq!(clone_url("octo/dots"), "https://github.com/octo/dots.git");
        for kept in ["https://git.example/x.git", "git@github.com:o/r.git", "/srv/dots.git", "./d", "../d", "file:///d"]
        {
            assert_eq!(clone_url(kept), kept);
        }
    }

    #[test]
    fn the_values_are_arguments_never_script_text() {
        let hook = Dotfiles {
            repository: "o/r; rm -rf /".into(),
            install_command: Some("$(id)".into()),
            target_path: "~/d".into(),
        }
        .hook();
        let LifecycleCommand::Exec(argv) = hook.command else { panic!() };
        assert!(!argv[2].contains("rm -rf") && !argv[2].contains("$(id)"));
        assert_eq!(&argv[3..], ["dotfiles", "https://github.com/o/r; rm -rf /.git", "~/d", "$(id)"]);
        assert!(argv[2].contains("for f in install.sh install bootstrap.sh"));
    }
}
