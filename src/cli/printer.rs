//! Progress events and errors → stderr, as plain text, a live bar on a terminal, or JSON lines.

use super::LogFormat;
use containai::report::{LayerSource, Reporter};
use std::io::Write;

/// The one place that writes logs to stderr.
pub struct Printer {
    format: LogFormat,
}

impl Printer {
    pub fn new(format: LogFormat) -> Printer {
        Printer { format }
    }

    fn emit(&self, level: &str, message: &str) {
        let mut err = std::io::stderr().lock();
        match self.format {
            LogFormat::Text => {
                let _ = writeln!(err, "{level}: {message}");
            }
            LogFormat::Json => {
                let line = serde_json::json!({"level": level, "message": message});
                let _ = writeln!(err, "{line}");
            }
        }
    }

    /// An error at the CLI edge: the whole `anyhow` chain (as JSON: one object, see [`super::diagnostic`]).
    pub fn error(&self, err: &anyhow::Error) {
        if self.format == LogFormat::Json {
            let _ = writeln!(std::io::stderr().lock(), "{}", super::diagnostic::error_object(err));
            return;
        }
        let mut message = err.to_string();
        for cause in err.chain().skip(1) {
            message.push_str(&format!("\n  caused by: {cause}"));
        }
        self.emit("error", &message);
    }
}

impl Reporter for Printer {
    fn info(&self, message: &str) {
        self.emit("info", message);
    }
    fn warn(&self, message: &str) {
        self.emit("warning", message);
    }
    fn layer_started(&self, name: &str, key: &str) {
        self.emit("info", &format!("building layer `{name}` ({})", &key[..key.len().min(12)]));
    }
    fn layer_log(&self, name: &str, line: &str) {
        self.emit("info", &format!("[{name}] {line}"));
    }
    fn layer_finished(&self, name: &str, source: LayerSource) {
        let how = match source {
            LayerSource::Cached => "cached",
            LayerSource::Built => "built",
            LayerSource::Registry => "from registry",
        };
        self.emit("info", &format!("layer `{name}` {how}"));
    }
}
