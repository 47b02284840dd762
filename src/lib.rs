//! kyodo（協働）: a Discord bot that keeps Komoro City's record of its basic autonomy ordinance
//! and writes the yearly report in the layout of the official one.
//!
//! # Layout
//!
//! - `domain` — fiscal years, eras, dates, the catalogue, figures; pure, no I/O.
//! - `files` — every file kyodo writes, all or nothing (temporary name, fsync, rename).
//! - `config` — reads the catalogue and baseline files (Discord's settings: `discord::settings`).
//! - `store` — SQLite: records, audit trail, baseline; migrations in `migrations/`.
//! - `health` — `kyodo health`: the database read-only, the bot's heartbeat.
//! - `backups` — the day's backups, checked and rotated; the bot's lock; `kyodo restore`.
//! - `render` — what people read: the `Reply` every command answers with, the annual report's
//!   tables, Discord messages, CSV, XLSX and the chart; imports `domain` only.
//! - `app` — start-up: the settings and the migrated database; the annual report.
//! - `commands` — the slash commands, transport-free: `Request` in, `Reply` out.
//! - `console`, `discord` — the adapters that build requests and render replies.
//! - `scheduler` — the digests and annual summaries posted when due, exactly once.
//! - `web` — the read-only dashboard (axum): pages over the command core and the store, sign-in
//!   by single-use links; `kyodo web`, or beside the bot in `kyodo run`.
//!
//! The parts import one way (ARCHITECTURE.md lists the arrows; `tests/kyodo/layers.rs` checks
//! there is no circle). The binary (`src/main.rs`) parses the command line and calls one
//! function per subcommand in `src/cli/`, which calls into these.

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
pub mod web;
