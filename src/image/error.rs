//! Everything that can stop the build stage → one error enum with its own `Result`.

use crate::engine::EngineError;

/// How many lines of a failed layer's log the error shows.
pub const SHOWN_LOG_LINES: usize = 25;

/// Errors of the build stage.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(
        "layer `{layer}` failed to build: {message}\n{}\nhint: the lines above are the end of its build log; \
         fix the step and run the build again (layers before it are cached)",
        indent_tail(log_tail)
    )]
    LayerFailed {
        /// The layer's name, e.g. `feature:containai/sshd`.
        layer: String,
        message: String,
        log_tail: Vec<String>,
    },
    #[error(transparent)]
    Context(#[from] crate::context::ContextError),
    #[error("the build plan has no layers\nhint: this is a bug in the plan stage")]
    EmptyPlan,
    #[error("engine error while building layer `{layer}`: {source}")]
    Engine {
        layer: String,
        #[source]
        source: EngineError,
    },
    #[error("{message}")]
    RemoteCache { message: String },
    #[error(transparent)]
    Lock(#[from] crate::lock::LockError),
    #[error(transparent)]
    EngineCall(#[from] EngineError),
    #[error(
        "{} not in the engine, and `--offline` pulls nothing\nhint: run once without `--offline` (or `docker pull` {}), then try again",
        missing_images(images),
        images.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(" ")
    )]
    OfflineMissing { images: Vec<String> },
    #[error(
        "cannot pull `{reference}`{via}: {message}\nhint: check that `{host}` answers and that your Docker config has a login for it (`docker login {host}`); `--registry-mirror REGISTRY=HOST[/PREFIX]` pulls a registry's images from elsewhere"
    )]
    Pull { reference: String, via: String, host: String, message: String },
    #[error(transparent)]
    Credentials(#[from] crate::registry::RegistryError),
}

/// `the image `a` is` / `the images `a`, `b` are`.
fn missing_images(images: &[String]) -> String {
    let names = images.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ");
    match images.len() {
        1 => format!("the image {names} is"),
        _ => format!("the images {names} are"),
    }
}

pub type Result<T, E = BuildError> = std::result::Result<T, E>;

fn indent_tail(lines: &[String]) -> String {
    let start = lines.len().saturating_sub(SHOWN_LOG_LINES);
    if lines.is_empty() {
        return "  | (no output)".to_string();
    }
    lines[start..].iter().map(|l| format!("  | {l}")).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::BuildError;

    #[test]
    fn a_layer_failure_names_the_layer_and_shows_the_end_of_its_log() {
        let log_tail: Vec<String> = (1..=40).map(|i| format!("line {i}")).collect();
        let err =
            BuildError::LayerFailed { layer: "feature:containai/sshd".into(), message: "exit code 3".into(), log_tail };
        let text = err.to_string();
        assert!(text.starts_with("layer `feature:containai/sshd` failed to build: exit code 3\n"), "{text}");
        assert!(text.contains("  | line 40\n") && text.contains("  | line 16\n"), "{text}");
        assert!(!text.contains("line 15\n"), "{text}");
        assert!(text.contains("\nhint: "), "{text}");
    }
}
