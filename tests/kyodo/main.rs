//! End-to-end tests of kyodo, one binary with a module per area. Each test gets a fresh
//! workspace (temporary folder and database) from `support`.

#[path = "../support/mod.rs"]
mod support;

mod cli;
mod console;
mod discord;
mod reference;
mod scheduler;
mod standin;
mod totals;
mod writers;
