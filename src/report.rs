//! Progress events from library code → whatever prints them (only the CLI's printer writes to the terminal).

/// Where a layer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LayerSource {
    Cached,
    Built,
    Registry,
}

/// Progress sink for the stages. Every method has a no-op default.
pub trait Reporter: Send + Sync {
    /// A line worth telling the user (stderr).
    fn info(&self, _message: &str) {}
    /// A warning (stderr, `warning:` prefix).
    fn warn(&self, _message: &str) {}
    /// A layer is about to be built.
    fn layer_started(&self, _name: &str, _key: &str) {}
    /// One line of a layer's build output.
    fn layer_log(&self, _name: &str, _line: &str) {}
    /// A layer is ready.
    fn layer_finished(&self, _name: &str, _source: LayerSource) {}
}

/// A reporter that drops everything.
pub struct Silent;

impl Reporter for Silent {}
