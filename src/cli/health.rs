//! `kyodo health`: the database opened read-only and, with `--bot`, the running bot's heartbeat
//! (`kyodo::health`), one ✓/✗ line per fact; exit status 1 if any fact is not well.

use chrono::{DateTime, Utc};
use std::path::Path;
use std::process::ExitCode;

pub fn run(db: &Path, bot: bool, now: DateTime<Utc>) -> anyhow::Result<ExitCode> {
    let facts = kyodo::health::check(db, now, bot);
    for fact in &facts {
        println!("{}", fact.line());
    }
    Ok(if kyodo::domain::health::all_ok(&facts) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
