//! Everything that can go wrong while loading, resolving or writing a template → one error enum.

use std::path::PathBuf;

/// Errors of the templates stage.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error(
        "there is no built-in template `{reference}`\nhint: the built-ins are `{available}`; a local template is a folder path such as `./my-template`"
    )]
    UnknownTemplate { reference: String, available: String },
    #[error("`{}` is not a template: it has no `devcontainer-template.json`\nhint: a Dev Container Template is a folder with `devcontainer-template.json` and the files to write", .0.display())]
    NotATemplate(PathBuf),
    #[error("cannot read `{}`", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("template `{template}`: invalid `devcontainer-template.json`: {message}")]
    InvalidMetadata { template: String, message: String },
    #[error("template `{template}`: `{}` is not a regular file or folder\nhint: symlinks and special files are not written into workspaces; replace it with a copy", .path.display())]
    UnsupportedFile { template: String, path: PathBuf },
    #[error("template options must be a JSON object, e.g. `{{\"baseImage\": \"debian:bookworm\"}}`: {message}")]
    BadArgs { message: String },
    #[error("template `{template}` has no option `{option}`\nhint: its options are {known}")]
    UnknownOption { template: String, option: String, known: String },
    #[error("option `{option}` of template `{template}` must be one of {allowed}, not `{value}`")]
    NotInEnum { template: String, option: String, value: String, allowed: String },
    #[error("option `{option}` of template `{template}` is a {expected}, not {found}\nhint: {hint}")]
    WrongType { template: String, option: String, expected: &'static str, found: String, hint: &'static str },
    #[error(
        "template `{template}`: `{file}` uses `${{templateOption:{option}}}` but the template declares no option `{option}`"
    )]
    UndeclaredOption { template: String, file: String, option: String },
    #[error("`--omit-paths` `{path}` matches no file of template `{template}`\nhint: its files are {files}")]
    OmitMatchesNothing { template: String, path: String, files: String },
    #[error(
        "template `{template}`: with these option values `{file}` is not a valid devcontainer.json; nothing was written\n{error}\nhint: check the values given with `-a` (a `\"` or `\\` in a value breaks the JSON)"
    )]
    InvalidResult { template: String, file: String, error: Box<crate::config::ConfigError> },
    #[error("{} already exist{}; nothing was written:\n{}\nhint: pass `--force` to replace {}", count(.0.len()), if .0.len() == 1 { "s" } else { "" }, list(.0), if .0.len() == 1 { "it" } else { "them" })]
    Exists(Vec<PathBuf>),
    #[error("cannot write `{}`: a folder is in the way; nothing was written", .0.display())]
    FolderInTheWay(PathBuf),
    #[error("cannot write `{}`; nothing was written (files written before it were rolled back)", .path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "template `{template}` cannot be used without writing it: its config needs `{path}`\nhint: run `containai init -t {template}` to write it into the workspace"
    )]
    NeedsFiles { template: String, path: String },
    #[error("cannot read the answer to the prompt")]
    Prompt(#[source] std::io::Error),
    #[error(transparent)]
    Config(Box<crate::config::ConfigError>),
}

impl From<crate::config::ConfigError> for TemplateError {
    fn from(e: crate::config::ConfigError) -> TemplateError {
        TemplateError::Config(Box::new(e))
    }
}

fn count(n: usize) -> String {
    if n == 1 { "a file to write".into() } else { format!("{n} files to write") }
}

fn list(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| format!("  {}", p.display())).collect::<Vec<_>>().join("\n")
}

pub type Result<T, E = TemplateError> = std::result::Result<T, E>;
