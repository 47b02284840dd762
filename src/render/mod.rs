//! Render: figures and replies to what people read — Markdown and plain text for now; Discord
//! embeds, CSV, XLSX and the PNG chart later. Japanese labels live here, not in `domain`.

pub mod csv;
pub mod discord;
pub mod record;
pub mod record_table;
pub mod reply;
pub mod report;

/// What the report prints where it has no figure.
pub const DASH: &str = "—";
