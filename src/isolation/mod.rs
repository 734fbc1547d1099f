//! A host or a running container → what isolates it, measured rather than claimed.
//!
//! `verify`: [`probe`] runs cat-level commands in the container and reads the engine's view, [`procfs`] parses
//! what they printed, [`summary`] judges it; [`egress`] measures what the container can reach. `doctor`: [`facts`] gathers the host's, [`checks`] judges them.

pub mod checks;
pub mod egress;
pub mod facts;
pub mod probe;
pub mod procfs;
pub mod summary;

pub use probe::{Observations, probe};
pub use summary::{Finding, Level, Summary, summarize, sysbox_shortfalls};
