//! OCI feature references + [`RemoteOptions`] (offline, frozen lockfile, mirrors) → the feature's files from
//! the registry or the local content store, recorded for `devcontainer-lock.json`.

pub mod archive;
pub mod fetch;
pub mod lockfile;
pub mod publish;
pub mod reference;
pub mod registry;
pub mod store;
pub mod tarball;

pub use fetch::Remote;
pub use lockfile::{LockEntry, Lockfile};
pub use reference::OciRef;
pub use registry::Mirror;
pub use store::Store;

use std::path::PathBuf;

/// Media type of a feature's layer (the tarball).
pub const LAYER_MEDIA_TYPE: &str = "application/vnd.devcontainers.layer.v1+tar";
/// Media type of a feature manifest's (empty) config.
pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.devcontainers";
/// Media type of a collection's `devcontainer-collection.json` layer.
pub const COLLECTION_MEDIA_TYPE: &str = "application/vnd.devcontainers.collection.layer.v1+json";

/// How remote features are resolved.
#[derive(Debug, Clone, Default)]
pub struct RemoteOptions {
    /// Never touch the network: the store and the lockfile only.
    pub offline: bool,
    /// Fail when the lockfile would change.
    pub frozen_lockfile: bool,
    /// Resolve tags afresh, ignoring the lockfile's pins (`containai upgrade`).
    pub ignore_lockfile: bool,
    /// Do not write the lockfile.
    pub no_lockfile_write: bool,
    pub mirrors: Vec<Mirror>,
    /// The content store's folder (default [`Store::default_root`]).
    pub store: Option<PathBuf>,
}

/// Errors of fetching, storing and pinning remote features.
#[derive(Debug, thiserror::Error)]
pub enum OciError {
    #[error("registry `{location}`: {message}{}", if *unreachable { "\nhint: the registry cannot be reached; features already in the store resolve with `--offline`" } else { "" })]
    Registry { location: String, unreachable: bool, message: String },
    #[error("feature `{reference}`: no tag matches `{wanted}` at `{location}`\nhint: published tags: {tags}")]
    NoSuchTag { reference: String, wanted: String, location: String, tags: String },
    #[error(
        "feature `{reference}`: no manifest at `{location}`\nhint: check the reference, and `--registry-mirror` if one applies"
    )]
    NoManifest { reference: String, location: String },
    #[error("feature `{reference}`: the manifest has no layer of media type `{LAYER_MEDIA_TYPE}`")]
    NoFeatureLayer { reference: String },
    #[error("feature `{reference}`: bad manifest: {message}")]
    BadManifest { reference: String, message: String },
    #[error("feature `{reference}`: bad archive: {message}")]
    BadArchive { reference: String, message: String },
    #[error("not in the local feature store (`{}`): `{}`\nhint: resolve once with the registry reachable (without `--offline`) to fill the store", store.display(), missing.join("`, `"))]
    NotInStore { store: PathBuf, missing: Vec<String> },
    #[error("`{digest}` is not a `sha256:` digest")]
    BadDigest { digest: String },
    #[error("`{}`: content does not match its digest (expected `{expected}`, got `{actual}`)\nhint: remove the file; it is fetched again", path.display())]
    Corrupt { path: PathBuf, expected: String, actual: String },
    #[error("cannot write or read `{}`: {source}", path.display())]
    Store {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{}` is not a valid lockfile: {message}", path.display())]
    BadLockfile { path: PathBuf, message: String },
    #[error("the lockfile `{}` would change (`--frozen-lockfile`): {changes}\nhint: run without `--frozen-lockfile` (or `containai upgrade`) and commit the new lockfile", path.display())]
    LockfileWouldChange { path: PathBuf, changes: String },
    #[error("`{path}`: {message}")]
    Package { path: PathBuf, message: String },
}

pub type Result<T, E = OciError> = std::result::Result<T, E>;

/// Runs a future to completion on a fresh single-threaded runtime in its own thread, so that synchronous
/// resolution works both inside and outside a tokio runtime.
pub fn block_on<T: Send>(future: impl std::future::Future<Output = T> + Send) -> T {
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a tokio runtime")
                    .block_on(future)
            })
            .join()
            .expect("the fetch thread does not panic")
    })
}
