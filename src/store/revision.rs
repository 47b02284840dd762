//! Whether figures read before still hold, so that a long-running process (the bot) need not
//! read the same closed months again for every `/totals`: the earlier years of the pace do not
//! change from one question to the next.
//!
//! Two things can change a figure: a write through this connection, and a commit by another
//! (a console, an import, a restore). The first is seen by TEMP triggers on `records` and
//! `baseline`, which note the month and type of every row a write changes (both months for an
//! edit that moves a record) in a table of this connection alone (`temp.touched`, in memory:
//! nothing is written to the database or its WAL, and a rolled-back write — an import's dry run —
//! takes its notes back with it); the second by SQLite's `PRAGMA data_version`, which moves on
//! whenever another connection commits. A `Revision` is both, taken before a read; `Remembered`
//! keeps a result with its revision and what it was read from (`Watched`: the records of a
//! period, or those of one type, whatever their date) and gives it back while neither moved for
//! that.
//!
//! The notes are one row per month and type, holding the number of the latest write that
//! touched it (numbers rise with every note): a day of reports is one row, however many, and
//! whether a period changed since a revision is read from the rows noted since, through an index
//! on that number, not from every write since.

use super::{Result, Store};
use crate::domain::RecordType;
use chrono::NaiveDate;
use rusqlite::Connection;
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::Hash;

/// A point in the records' history as this connection knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Revision {
    data_version: i64,
    /// The number of the latest note.
    touched: i64,
}

/// The statements a trigger notes a month and type with, when `when` holds: the next number,
/// in place of the pair's earlier one. (An UPDATE, else an INSERT: an `OR REPLACE` in a trigger
/// gives way to the conflict clause of the statement that fired it.)
fn note(month: &str, record_type: &str, when: &str) -> String {
    let pair = format!("month = {month} AND record_type = {record_type}");
    format!(
        "UPDATE touched SET seq = (SELECT MAX(seq) + 1 FROM touched) WHERE {pair} AND ({when}); \
         INSERT INTO touched SELECT {month}, {record_type}, (SELECT COALESCE(MAX(seq), 0) + 1 FROM touched) \
         WHERE NOT EXISTS (SELECT 1 FROM touched WHERE {pair}) AND ({when});"
    )
}

/// Makes the table and the triggers that note this connection's writes (a writable connection,
/// after the migrations): the month and type of every record a write changes. A baseline
/// change is noted as every month (`*`).
pub(super) fn watch(conn: &Connection) -> rusqlite::Result<()> {
    let (old, new, every) = (
        note("substr(OLD.occurred_on, 1, 7)", "OLD.record_type", "1"),
        note("substr(NEW.occurred_on, 1, 7)", "NEW.record_type", "1"),
        note("'*'", "'*'", "1"),
    );
    let moved = note(
        "substr(NEW.occurred_on, 1, 7)",
        "NEW.record_type",
        "NEW.occurred_on <> OLD.occurred_on OR NEW.record_type <> OLD.record_type",
    );
    conn.execute_batch(&format!(
        "PRAGMA temp_store = MEMORY; \
         CREATE TEMP TABLE touched (month TEXT NOT NULL, record_type TEXT NOT NULL, seq INTEGER NOT NULL, \
             PRIMARY KEY (month, record_type)); \
         CREATE INDEX temp.touched_by_seq ON touched (seq); \
         CREATE TEMP TRIGGER touched_insert AFTER INSERT ON main.records BEGIN {new} END; \
         CREATE TEMP TRIGGER touched_update AFTER UPDATE ON main.records BEGIN {old} {moved} END; \
         CREATE TEMP TRIGGER touched_delete AFTER DELETE ON main.records BEGIN {old} END; \
         CREATE TEMP TRIGGER touched_baseline_insert AFTER INSERT ON main.baseline BEGIN {every} END; \
         CREATE TEMP TRIGGER touched_baseline_update AFTER UPDATE ON main.baseline BEGIN {every} END; \
         CREATE TEMP TRIGGER touched_baseline_delete AFTER DELETE ON main.baseline BEGIN {every} END;"
    ))
}

impl Store {
    /// Where the records stand now, for `unchanged_since`.
    pub fn revision(&self) -> Result<Revision> {
        let data_version = self.data_version()?;
        let touched: i64 = self
            .conn
            .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM temp.touched")?
            .query_row([], |row| row.get(0))?;
        Ok(Revision { data_version, touched })
    }

    /// SQLite's `PRAGMA data_version`: it moves on whenever another connection commits.
    fn data_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |row| row.get(0))?)
    }

    /// Whether nothing `watched` was read from can have changed since `at`: no other
    /// connection committed, and no write of this one noted the baseline, a month of its period
    /// or a record of its type, whatever the date. A period watches the subsidy type too: what
    /// a subsidy record counts for follows its group's earlier records (a grant stands for the
    /// application deleted before it).
    pub fn unchanged_since(&self, at: &Revision, watched: Watched) -> Result<bool> {
        if self.data_version()? != at.data_version {
            return Ok(false);
        }
        let ((first, last), record_type) = match watched {
            Watched::Period(from, to) => (
                (from.format("%Y-%m").to_string(), to.format("%Y-%m").to_string()),
                self.subsidy.as_ref().map(|rules| rules.record_type),
            ),
            // No month is between "1" and "0".
            Watched::Type(record_type) => (("1".to_string(), "0".to_string()), Some(record_type)),
        };
        let noted: bool = self
            .conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM temp.touched WHERE seq > ?1 \
                     AND (month BETWEEN ?2 AND ?3 OR month = '*' OR record_type = ?4))",
            )?
            .query_row(
                rusqlite::params![at.touched, first, last, record_type.map(|t| t.key())],
                |row| row.get(0),
            )?;
        Ok(!noted)
    }
}

/// What a remembered result was read from: what must not change for it to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watched {
    /// The records dated within `[from, to]` (`Store::unchanged_since`).
    Period(NaiveDate, NaiveDate),
    /// The records of one type, whatever their date (`Store::unchanged_since`): the subsidy
    /// rule's counts, which no other type's record changes.
    Type(RecordType),
}

impl From<(NaiveDate, NaiveDate)> for Watched {
    fn from((from, to): (NaiveDate, NaiveDate)) -> Self {
        Watched::Period(from, to)
    }
}

/// Results read from the records, each kept with what it was read from (`Watched`) and the
/// revision it was read at, and given back while that did not change. At most `capacity` are
/// kept (all forgotten past it: the keys are few — a year's series, a period of last year).
pub struct Remembered<K, V> {
    entries: RefCell<HashMap<K, (Revision, Watched, V)>>,
    capacity: usize,
}

impl<K: Eq + Hash, V: Clone> Remembered<K, V> {
    pub fn new(capacity: usize) -> Self {
        Remembered {
            entries: RefCell::new(HashMap::new()),
            capacity,
        }
    }

    /// The result remembered under `key` if what it was read from (`watched`: the records of
    /// a period, or of a type) did not change since it was read, else `read()`'s, remembered.
    pub fn get_or_read(
        &self,
        store: &Store,
        key: K,
        watched: impl Into<Watched>,
        read: impl FnOnce() -> Result<V>,
    ) -> Result<V> {
        let watched = watched.into();
        if let Some((at, was, value)) = self.entries.borrow().get(&key) {
            if *was == watched && store.unchanged_since(at, watched)? {
                return Ok(value.clone());
            }
        }
        let at = store.revision()?;
        let value = read()?;
        let mut entries = self.entries.borrow_mut();
        if entries.len() >= self.capacity {
            entries.clear();
        }
        entries.insert(key, (at, watched, value.clone()));
        Ok(value)
    }
}
