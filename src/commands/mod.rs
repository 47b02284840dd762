//! The slash commands, transport-free: a `Request` (who, where, which command with which
//! options) comes in, a `Reply` goes out. The same code serves the console and Discord.
//!
//! `spec.rs` is the command set as data; one file per command holds its handler
//! (`report.rs` ↔ `/report`); `handle` dispatches with one `match`.

pub mod spec;
