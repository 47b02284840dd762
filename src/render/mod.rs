//! Render: figures, records and replies to what people read — an indicator's breakdown
//! (`breakdown.rs`), Markdown and plain text, Discord
//! messages and embeds (`discord.rs`), CSV and XLSX files (`csv.rs`, `xlsx.rs`, the records'
//! columns in `record_table.rs`), the PNG chart (`chart.rs`) and the same chart as SVG for the
//! dashboard (`svg.rs`). Japanese labels live here, not
//! in `domain`. The renderers return text or bytes; they open no file and read no clock.
//!
//! `reply.rs` holds the `Reply` every command answers with, so that render imports `domain`
//! only: the commands, the adapters and the scheduler import it from here.

pub mod breakdown;
mod canvas;
pub mod chart;
pub mod csv;
pub mod discord;
#[cfg(test)]
mod fixtures;
pub mod grouping;
pub mod heatmap;
pub mod record;
pub mod record_table;
pub mod reply;
pub mod report;
pub mod svg;
pub mod xlsx;

/// What the report prints where it has no figure.
pub const DASH: &str = "—";
