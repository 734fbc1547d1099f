//! Layer events → a compact display on a terminal, one line per layer as cargo shows crates: a spinner with the
//! layer's latest output while it builds, then its state and time. The build's own output is not printed (the
//! error of a failed layer carries its last lines; `-v` prints it all).

use containai::report::LayerSource;
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The layers being built, each with its spinner and its start.
#[derive(Default)]
pub struct Progress {
    running: Mutex<HashMap<String, (ProgressBar, Instant)>>,
}

/// `Built`, `Cached`, `Pulled`, right-aligned as cargo aligns `Compiling`.
fn status(source: LayerSource) -> &'static str {
    match source {
        LayerSource::Cached => "Cached",
        LayerSource::Built => "Built",
        LayerSource::Registry => "Pulled",
    }
}

/// `1.2s`, or `2m05s` past a minute.
pub fn elapsed(duration: Duration) -> String {
    let secs = duration.as_secs_f64();
    if secs < 60.0 { format!("{secs:.1}s") } else { format!("{}m{:02}s", secs as u64 / 60, secs as u64 % 60) }
}

/// One finished line: `     Built feature:containai/sshd (3.4s)`.
pub fn finished_line(name: &str, source: LayerSource, took: Option<Duration>) -> String {
    match took {
        Some(took) => format!("{:>12} {name} ({})", status(source), elapsed(took)),
        None => format!("{:>12} {name}", status(source)),
    }
}

impl Progress {
    pub fn started(&self, name: &str) {
        let bar = ProgressBar::new_spinner();
        bar.set_style(ProgressStyle::with_template("{spinner:>12.cyan} {prefix} {wide_msg:.dim}").expect("template"));
        bar.set_prefix(format!("{name} ({})", "building"));
        bar.enable_steady_tick(Duration::from_millis(120));
        self.running.lock().unwrap().insert(name.to_string(), (bar, Instant::now()));
    }

    /// Shows the layer's latest output line beside its spinner.
    pub fn log(&self, name: &str, line: &str) {
        if let Some((bar, _)) = self.running.lock().unwrap().get(name) {
            bar.set_message(line.trim().to_string());
        }
    }

    /// Ends the layer's spinner (if it had one) and prints its line.
    pub fn finished(&self, name: &str, source: LayerSource) {
        let line = match self.running.lock().unwrap().remove(name) {
            Some((bar, start)) => {
                bar.finish_and_clear();
                finished_line(name, source, Some(start.elapsed()))
            }
            None => finished_line(name, source, None),
        };
        eprintln!("{line}");
    }

    /// Clears every spinner (before an error or a warning is printed).
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        let running = self.running.lock().unwrap();
        match running.values().next() {
            Some((bar, _)) => bar.suspend(f),
            None => f(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_align_like_cargo_and_say_the_time() {
        assert_eq!(
            finished_line("system", LayerSource::Built, Some(Duration::from_millis(12_340))),
            "       Built system (12.3s)"
        );
        assert_eq!(finished_line("base", LayerSource::Cached, None), "      Cached base");
        assert_eq!(elapsed(Duration::from_secs(125)), "2m05s");
    }
}
