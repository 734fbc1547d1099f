//! Everything that can go wrong while resolving features → one error enum with user-facing messages.

use std::path::PathBuf;

/// Errors of the features stage.
#[derive(Debug, thiserror::Error)]
pub enum FeatureError {
    #[error(
        "feature `{reference}`: containai fetches tarballs over https only (plain http to `localhost`)\n\
         hint: use an `https://` URL, publish the feature to an OCI registry (`containai features publish`), or \
         copy it into a local folder and reference it as `./<folder>`"
    )]
    RemoteUnsupported { reference: String },
    #[error(
        "feature `{reference}` is not a reference containai understands\n\
         hint: use `containai/<id>` for a built-in, `./<folder>` for a feature next to devcontainer.json, or an \
         OCI reference such as `ghcr.io/devcontainers/features/<id>:1`"
    )]
    UnknownReference { reference: String },
    #[error("there is no built-in feature `{reference}`\nhint: {hint}")]
    UnknownBuiltin { reference: String, hint: String },
    #[error(
        "local feature `{reference}`: no `devcontainer-feature.json` in `{}`\n\
         hint: local feature paths are relative to the folder that holds devcontainer.json", path.display()
    )]
    LocalNotFound { reference: String, path: PathBuf },
    #[error(
        "local feature `{reference}` is outside the workspace: `{}` is not inside `{}`\n\
         hint: keep local features inside the workspace, e.g. in `.devcontainer/<folder>`",
        path.display(), workspace.display()
    )]
    LocalOutsideWorkspace { reference: String, path: PathBuf, workspace: PathBuf },
    #[error(
        "feature `{reference}` has no `{file}`\nhint: a Dev Container Feature needs `devcontainer-feature.json` and `install.sh`"
    )]
    MissingFile { reference: String, file: &'static str },
    #[error("feature `{reference}`: `{}` is not a regular file or folder\nhint: symlinks and special files are not copied into images; replace it with a copy", path.display())]
    UnsupportedFile { reference: String, path: PathBuf },
    #[error("feature `{reference}`: invalid `devcontainer-feature.json`: {message}")]
    InvalidMetadata { reference: String, message: String },
    #[error("cannot read `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "feature `{reference}`: `{value}` is not a valid value\n\
         hint: give an object of options (`{{}}` for the defaults), a version string, or `true`"
    )]
    BadFeatureValue { reference: String, value: String },
    #[error("feature `{feature}` has no option `{option}`\nhint: {known}")]
    UnknownOption { feature: String, option: String, known: String },
    #[error("feature `{feature}`: option `{option}` cannot be `{value}`\nhint: allowed: {allowed}")]
    InvalidOptionValue { feature: String, option: String, value: String, allowed: String },
    #[error("{source}\nnote: `{dependency}` is in the `dependsOn` of `{dependent}`")]
    Dependency {
        dependency: String,
        dependent: String,
        #[source]
        source: Box<FeatureError>,
    },
    #[error(
        "`overrideFeatureInstallOrder` names `{reference}`, which is not installed\n\
         hint: list only features that are in `features` (or their `dependsOn`)"
    )]
    OverrideNotInstalled { reference: String },
    #[error(
        "features depend on each other in a cycle: `{}`\n\
         hint: remove one of these `dependsOn` / `installsAfter` entries", cycle.join("` → `")
    )]
    Cycle { cycle: Vec<String> },
    #[error(transparent)]
    Oci(#[from] super::oci::OciError),
}

/// Result of the features stage.
pub type Result<T, E = FeatureError> = std::result::Result<T, E>;
