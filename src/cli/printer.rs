//! Progress events and errors → stderr, as plain text, a live bar on a terminal, or JSON lines.

use super::LogFormat;
use super::progress::Progress;
use containai::report::{LayerSource, Reporter};
use std::io::Write;

/// The one place that writes logs to stderr.
pub struct Printer {
    format: LogFormat,
    /// `-v`: every layer's build output too.
    verbose: bool,
    /// Text on a terminal: the compact display of [`Progress`].
    progress: Option<Progress>,
    /// When each layer started (the plain display says how long it took).
    started: std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>,
}

impl Printer {
    pub fn new(format: LogFormat, verbose: bool) -> Printer {
        use std::io::IsTerminal;
        let terminal = format == LogFormat::Text && std::io::stderr().is_terminal() && !verbose;
        Printer { format, verbose, progress: terminal.then(Progress::default), started: Default::default() }
    }

    fn emit(&self, level: &str, message: &str) {
        if let Some(progress) = &self.progress {
            return progress.suspend(|| eprintln!("{level}: {message}"));
        }
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
        if let Some(progress) = &self.progress {
            return progress.started(name);
        }
        self.started.lock().unwrap().insert(name.to_string(), std::time::Instant::now());
        self.emit("info", &format!("building layer `{name}` ({})", &key[..key.len().min(12)]));
    }
    /// A layer's build output: beside its spinner on a terminal; as lines with `-v` or `--log-format json`.
    fn layer_log(&self, name: &str, line: &str) {
        match &self.progress {
            Some(progress) => progress.log(name, line),
            None if self.verbose || self.format == LogFormat::Json => self.emit("info", &format!("[{name}] {line}")),
            None => {}
        }
    }
    fn layer_finished(&self, name: &str, source: LayerSource) {
        if let Some(progress) = &self.progress {
            return progress.finished(name, source);
        }
        let how = match source {
            LayerSource::Cached => "cached",
            LayerSource::Built => "built",
            LayerSource::Registry => "from registry",
        };
        let took =
            self.started.lock().unwrap().remove(name).map(|t| format!(" in {}", super::progress::elapsed(t.elapsed())));
        self.emit("info", &format!("layer `{name}` {how}{}", took.unwrap_or_default()));
    }
}
