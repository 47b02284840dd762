//! End-to-end tests of kyodo, one binary with a module per area. Each test gets a fresh
//! workspace (temporary folder and database) from `support`.

#[path = "../support/mod.rs"]
mod support;

mod annual;
mod backup;
mod cli;
mod console;
mod depth;
mod discord;
mod dockerfile;
mod docs;
mod doubles;
mod files;
mod health;
mod hostile;
mod layers;
mod logs;
mod names;
mod new_type;
mod newcomer;
mod reference;
mod remind;
mod replication;
mod roundtrip;
mod scheduler;
mod standin;
mod stopping;
mod subsidy;
mod totals;
mod web;
mod writers;
