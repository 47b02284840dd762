//! Render: figures, records and replies to what people read — Markdown and plain text, CSV and
//! XLSX files (`csv.rs`, `xlsx.rs`, the records' columns in `record_table.rs`) and the PNG chart
//! (`chart.rs`); Discord embeds later. Japanese labels live here, not in `domain`. Every
//! function here is pure: it returns text or bytes, and reads no clock and no file.

pub mod chart;
pub mod csv;
pub mod discord;
#[cfg(test)]
mod fixtures;
pub mod record;
pub mod record_table;
pub mod reply;
pub mod report;
pub mod xlsx;

/// What the report prints where it has no figure.
pub const DASH: &str = "—";
