//! kyodo（協働）: a Discord bot that keeps Komoro City's record of its basic autonomy ordinance
//! and writes the yearly report in the layout of the official one.
//!
//! # Layout
//!
//! - `domain` — fiscal years, eras, dates, the catalogue, figures; pure, no I/O.
//! - `files` — every file kyodo writes, all or nothing (temporary name, fsync, rename).
//! - `config` — reads the catalogue and baseline files and the environment.
//! - `store` — SQLite: records, audit trail, baseline; migrations in `migrations/`.
//! - `health` — `kyodo health`: the database read-only, the bot's heartbeat.
//! - `backups` — the day's backups, checked and rotated; the bot's lock; `kyodo restore`.
//! - `render` — figures to Markdown and plain text (the annual report's tables).
//! - `commands`, `console`, `discord`, `scheduler` — the slash commands and their adapters
//!   (seams for now; see ARCHITECTURE.md).
//!
//! The binary (`src/main.rs`) parses the command line and calls into these.

pub mod app;
pub mod backups;
pub mod commands;
pub mod config;
pub mod console;
pub mod discord;
pub mod domain;
pub mod files;
pub mod health;
pub mod render;
pub mod scheduler;
pub mod store;
