//! `kyodo health` and the bot part of `/admin status`: reads the database without changing it
//! and turns what it finds into `domain::health` facts.

use crate::domain::health::{self, Fact};
use crate::store::{ReadOnlyError, Store};
use chrono::{DateTime, Utc};
use std::path::Path;

/// The facts about the bot from the heartbeat in `store` (see [`health::bot_facts`]).
pub fn bot_facts(store: &Store, now: DateTime<Utc>, require_running: bool) -> Vec<Fact> {
    match store.heartbeat() {
        Ok(beat) => health::bot_facts(beat.as_ref(), now, require_running),
        Err(e) => {
            tracing::warn!(error = %e, "the heartbeat could not be read");
            vec![health::unreadable_heartbeat()]
        }
    }
}

/// Every fact `kyodo health` checks on the database at `db`: that it opens, that its schema is
/// this kyodo's, and then the bot's. Opens the database read-only; creates nothing.
pub fn check(db: &Path, now: DateTime<Utc>, require_running: bool) -> Vec<Fact> {
    let name = db.display().to_string();
    let store = match Store::open_read_only(db) {
        Ok(store) => store,
        Err(ReadOnlyError::Missing(_)) => return vec![health::missing_fact(&name)],
        Err(ReadOnlyError::Unreadable { reason, .. }) => {
            tracing::warn!(db = %name, %reason, "the database could not be opened read-only");
            return vec![health::unreadable_fact(&name)];
        }
    };
    let found = match store.schema_version() {
        Ok(found) => found,
        Err(e) => {
            tracing::warn!(db = %name, error = %e, "the schema version could not be read");
            return vec![health::unreadable_fact(&name)];
        }
    };
    let schema = health::schema_fact(&name, found, Store::latest_schema_version());
    if !schema.ok {
        return vec![schema];
    }
    let mut facts = vec![schema];
    facts.extend(bot_facts(&store, now, require_running));
    facts
}
