//! The project's `templates/`, `features/`, `schemas/` and `agents/` folders → bytes embedded in the binary.

use include_dir::{Dir, include_dir};

/// Dockerfile fragments and devcontainer templates.
pub static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");
/// Built-in Dev Container Features (`containai/<id>`).
pub static FEATURES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/features");
/// containai's own JSON schemas.
pub static SCHEMAS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/schemas");
/// The agent presets (`agents/<name>.json`).
pub static AGENTS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/agents");
