//! A report stored together with the records of its type and day it looks like, read in the
//! insert's own transaction, so that the reply can say which they are (`domain::doubles`,
//! told by the caller: `LookAlikes`): two reports of one meeting sent at once are told apart in
//! the order the write lock takes them, the second seeing the first. Each row is told by its
//! compared fields where it lies (`records::TellingRow`); only the look-alikes the reply names
//! are made whole records, so a busy day's forty look-alikes cost their fields, not forty
//! records.
//!
//! The lookup is a read and writes no page: `records` has no date index (every index is a page
//! more per report, `pages_tests.rs`). The running tallies, which the insert's triggers have
//! just written, say how much the day's other records of the type count (their day's total
//! less the new record's count); when nothing, nothing is read. Otherwise the table is read
//! newest first until records counting that much have been found — reports of a day are
//! mostly entered near it, so the newest rows hold them — but no further back than the newest
//! `RECENT_ROWS` rows, and no more than `SAME_DAY_READ` records: a report costs the same
//! whatever the size of the history and however busy its day. A record of
//! the day entered longer ago (a year's spreadsheet imported before) is not named in the
//! reply; `/records duplicates` reads the whole fiscal year and lists it. The subsidy rule's type, not tallied,
//! is read through its group index: its records of a day with the same group.

use super::records::{date_key, insert_in, read_record, Stored, TellingRow, COLUMNS};
use super::{lifecycle, subsidy_steps, write, Result, Store};
use crate::domain::doubles::Told;
use crate::domain::record::{Column, NewRecord, Record};
use crate::domain::text::name_key;
use chrono::{DateTime, Datelike, Utc};
use rusqlite::params;

/// What a report did: the record, and the records of its type and day it looks like (none for
/// a record stored before from the same source).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reported {
    pub stored: Stored,
    /// The newest of the look-alikes, in full: as many as `LookAlikes::named` asks, newest first.
    pub doubles: Vec<Record>,
    /// How many of the day's records read look like it: `doubles` and the others.
    pub doubled: usize,
    /// The day has more records of the type than were read (`SAME_DAY_READ`).
    pub more_same_day: bool,
}

/// How a report tells its look-alikes among the other live records of its type and day
/// (`domain::doubles::doubled_that_day`, with the type's description), and how many of them
/// are read in full; the others are only counted, read no further than their compared fields.
pub struct LookAlikes<'a> {
    pub doubled: &'a dyn Fn(&Record, &dyn Told) -> bool,
    pub named: usize,
}

impl Store {
    /// Stores a report as `insert` does, and reads in the same transaction the live records of
    /// its type and day, newest first, that it looks like (`look`).
    pub fn report(&mut self, new: &NewRecord, now: DateTime<Utc>, look: &LookAlikes<'_>) -> Result<Reported> {
        let tx = write(&mut self.conn)?;
        lifecycle::keep(&tx, self.subsidy.as_ref(), std::slice::from_ref(new), &[])?;
        let stored = insert_in(&tx, new, now)?;
        let found = match &stored {
            Stored::New(record) => {
                let subsidy = self.subsidy.as_ref().map(|s| s.record_type);
                if subsidy == Some(record.facts.record_type()) {
                    same_group_and_day(&tx, record, look)?
                } else {
                    same_day(&tx, record, look)?
                }
            }
            Stored::Existing(_) => Found::default(),
        };
        subsidy_steps::settle(&tx, self.subsidy.as_ref())?;
        tx.commit()?;
        Ok(Reported {
            stored,
            doubles: found.named,
            doubled: found.doubled,
            more_same_day: found.more,
        })
    }
}

/// The look-alikes found among the records read.
#[derive(Default)]
struct Found {
    named: Vec<Record>,
    doubled: usize,
    more: bool,
}

impl Found {
    /// Counts `other` if `record` looks like it, and reads it in full (`read`) while fewer
    /// than `look.named` are.
    fn tell(
        &mut self,
        look: &LookAlikes<'_>,
        record: &Record,
        other: &dyn Told,
        read: impl FnOnce() -> Result<Record>,
    ) -> Result<()> {
        if (look.doubled)(record, other) {
            self.doubled += 1;
            if self.named.len() < look.named {
                self.named.push(read()?);
            }
        }
        Ok(())
    }
}

/// How far back, in rows entered, a report looks for the other records of its type and day:
/// about nine days of entries at 20,000 records a year, where a double report is sent within
/// hours of the first. A report whose day's other records were entered before that (a
/// spreadsheet imported) reads the whole window, row by row: at 2,000 rows that took 0.25–0.38
/// ms, a third of such a report (`benches/interaction.rs`, whose first reports of the day are
/// such reports: the seeded records of that day are older).
pub const RECENT_ROWS: i64 = 500;

/// How many of the other records of a report's type and day are read, at most: the newest.
/// Reading them is most of a report's work on a busy day (each a whole record), and a reply
/// names three; past these it says there are more, and `/records duplicates` lists them all.
pub const SAME_DAY_READ: usize = 50;

/// The look-alikes among the other live records of `record`'s type and day, newest first: as
/// many records are read as the day's running tally says there are (its total less `record`'s
/// count), newest first among the newest `RECENT_ROWS` rows, but no more than `SAME_DAY_READ`;
/// and whether the tally says there are more than were read.
fn same_day(tx: &rusqlite::Transaction<'_>, record: &Record, look: &LookAlikes<'_>) -> Result<Found> {
    let day = date_key(record.date);
    let total: i64 = tx
        .prepare_cached(&format!(
            "SELECT COALESCE(SUM(d{:02}), 0) FROM tallies WHERE month = substr(?1, 1, 7) AND record_type = ?2",
            record.date.day()
        ))?
        .query_row(params![day, record.facts.record_type().key()], |row| row.get(0))?;
    let mut left = total - i64::from(record.facts.count());
    let mut found = Found::default();
    if left <= 0 {
        return Ok(found);
    }
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM records WHERE record_type = ?1 AND occurred_on = ?2 AND deleted_at IS NULL \
         AND id <> ?3 AND id > ?3 - ?4 ORDER BY id DESC"
    ))?;
    let mut rows = stmt.query(params![record.facts.record_type().key(), day, record.id, RECENT_ROWS])?;
    let mut read = 0;
    while let Some(row) = rows.next()? {
        let other = TellingRow(row);
        left -= i64::from(other.count()?);
        read += 1;
        found.tell(look, record, &other, || read_record(row)?)?;
        if left <= 0 || read == SAME_DAY_READ {
            break;
        }
    }
    found.more = left > 0 && read == SAME_DAY_READ;
    Ok(found)
}

/// The look-alikes among the other live records of `record`'s type, day and group (by name
/// key), newest first, through the subsidy records' group index.
fn same_group_and_day(tx: &rusqlite::Transaction<'_>, record: &Record, look: &LookAlikes<'_>) -> Result<Found> {
    let mut found = Found::default();
    let Some(group) = record.facts.text(Column::Group) else {
        return Ok(found);
    };
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM records WHERE id IN ( \
             SELECT id FROM records WHERE group_key IS NOT NULL AND deleted_at IS NULL \
                 AND record_type = ?1 AND group_key = ?2 AND occurred_on = ?3 AND id <> ?4) \
         ORDER BY id DESC"
    ))?;
    let mut rows = stmt.query(params![
        record.facts.record_type().key(),
        name_key(group),
        date_key(record.date),
        record.id
    ])?;
    while let Some(row) = rows.next()? {
        found.tell(look, record, &TellingRow(row), || read_record(row)?)?;
    }
    Ok(found)
}
