//! The `records` table: idempotent insert keyed by the source, edits and soft deletes that
//! write the audit trail in the same transaction, and the per-period tallies summaries read.
//! A subsidy record's `group_key` (`text::name_key` of its group) is written with it; every
//! write of a subsidy record keeps the group's lifecycle (`lifecycle.rs`) inside its
//! transaction, and an entry under a spelling of a known group is stored under the known one.
//! An imported record's file and row (`origin_file`, `origin_row`: `Source::origin`) are stored
//! beside its source to be shown, never part of its key.

use super::audit::{write_audit, AuditAction};
use super::lifecycle::{self, event, event_row, known_group, Edit, Item, EVENT_COLUMNS};
use super::selection::{id_window, page_keys};
use super::subsidy_steps;
use super::tallies::days;
use super::{source_stored, sql_column, timestamp, write, Error, Result, Store};
use crate::domain::catalogue::Catalogue;
use crate::domain::doubles::Told;
use crate::domain::figures::Tally;
use crate::domain::record::{
    self, Actor, Column, Facts, NewRecord, Origin, Record, RecordFilter, Source, SourceKind, Values,
};
use crate::domain::subsidy::{Refusal, SubsidyEvent};
use crate::domain::text::{file_name, name_key};
use crate::domain::RecordType;
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, OptionalExtension, Row, Transaction, TransactionBehavior};
use std::sync::LazyLock;

/// What an insert did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stored {
    /// The record is new.
    New(Record),
    /// A record with the same source was stored before; nothing was written.
    Existing(Record),
}

impl Stored {
    pub fn record(&self) -> &Record {
        match self {
            Stored::New(r) | Stored::Existing(r) => r,
        }
    }
}

/// The SQL column of each of a record's columns (`sql_column`), in the order of `Column::ALL`.
pub(super) fn dimension_columns() -> impl Iterator<Item = &'static str> {
    Column::ALL.into_iter().map(sql_column)
}

/// The values of `dimension_columns()` for `facts`: NULL where the record has none (the count
/// is never missing: 1 where the type counts one by one).
fn dimension_values(facts: &Facts) -> Vec<Value> {
    facts
        .values
        .all()
        .map(|(column, value)| match value {
            Some(record::Value::Text(t)) => Value::Text(t.clone()),
            Some(record::Value::Number(n)) => Value::Integer(i64::try_from(*n).unwrap_or(i64::MAX)),
            None if column == Column::Count => Value::Integer(i64::from(facts.count())),
            None => Value::Null,
        })
        .collect()
}

pub(super) const COLUMNS: &str = "id, record_type, occurred_on, count, kind, status, area, district, side, course, \
    group_name, amount, method, project, department, medium, title, topic, note, \
    reporter_id, reporter_name, source, source_id, origin_file, origin_row, created_at, deleted_at";

/// The position of column `name` in `COLUMNS`: `read_record` reads by position, as rusqlite
/// finds a column by name by comparing it with every column's name, for every value.
/// Evaluated at compile time where it is used in `const`; a name not there does not compile.
const fn at(name: &str) -> usize {
    let (columns, name) = (COLUMNS.as_bytes(), name.as_bytes());
    let (mut i, mut index) = (0, 0);
    while i < columns.len() {
        let mut j = 0;
        while j < name.len() && i + j < columns.len() && columns[i + j] == name[j] {
            j += 1;
        }
        if j == name.len() && (i + j == columns.len() || columns[i + j] == b',') {
            return index;
        }
        while i < columns.len() && columns[i] != b',' {
            i += 1;
        }
        i += 2; // ", "
        index += 1;
    }
    panic!("a column read is not in COLUMNS")
}

/// The position in `COLUMNS` of each of `dimension_columns()`.
static DIMENSIONS_AT: LazyLock<Vec<(Column, usize)>> =
    LazyLock::new(|| Column::ALL.into_iter().zip(dimension_columns().map(at)).collect());

/// The INSERT of a new record, its values in `insert_in`'s order.
static INSERT_SQL: LazyLock<String> = LazyLock::new(|| {
    let columns: Vec<&str> = ["record_type", "occurred_on", "group_key"]
        .into_iter()
        .chain(dimension_columns())
        .chain([
            "reporter_id",
            "reporter_name",
            "source",
            "source_id",
            "origin_file",
            "origin_row",
            "created_at",
        ])
        .collect();
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    format!(
        "INSERT INTO records ({}) VALUES ({})",
        columns.join(", "),
        placeholders.join(", ")
    )
});

/// A `Record` from a row of `SELECT {COLUMNS} …`.
pub(super) fn read_record(row: &Row<'_>) -> rusqlite::Result<Result<Record>> {
    let id: i64 = row.get(const { at("id") })?;
    let record_type = RecordType::of(row.get_ref(const { at("record_type") })?.as_str()?);
    let occurred_on = row.get_ref(const { at("occurred_on") })?.as_str().unwrap_or("");
    let source = match row.get_ref(const { at("source") })?.as_str()? {
        "discord" => Some(SourceKind::Discord),
        "console" => Some(SourceKind::Console),
        "import" => Some(SourceKind::Import),
        _ => None,
    };
    let origin_file: Option<String> = row.get(const { at("origin_file") })?;
    let origin_row: Option<i64> = row.get(const { at("origin_row") })?;
    let mut values = Values::default();
    for &(column, at) in DIMENSIONS_AT.iter() {
        let value = if column.is_number() {
            let n: Option<i64> = row.get(at)?;
            n.and_then(|n| u64::try_from(n).ok()).map(record::Value::Number)
        } else {
            let t: Option<String> = row.get(at)?;
            t.map(record::Value::Text)
        };
        values.set(column, value);
    }
    let corrupt = |what: &str| Error::Corrupt(format!("記録 {id} の{what}"));
    let record = (|| {
        let date = stored_date(occurred_on, id)?;
        let facts = Facts { record_type, values };
        let kind = source.ok_or_else(|| corrupt("登録元"))?;
        Ok(Record {
            id,
            date,
            facts,
            reporter: Actor {
                id: row.get(const { at("reporter_id") })?,
                name: row.get(const { at("reporter_name") })?,
            },
            source: Source {
                kind,
                id: row.get(const { at("source_id") })?,
                origin: origin_file.map(|file| Origin {
                    file,
                    row: origin_row.and_then(|r| usize::try_from(r).ok()).unwrap_or(0),
                }),
            },
            created_at: row.get(const { at("created_at") })?,
            deleted_at: row.get(const { at("deleted_at") })?,
        })
    })();
    Ok(record)
}

/// The order `Store::each_record` hands records in: by date, then by entry within a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// The latest date first, as `records_page` and the dashboard list them.
    NewestFirst,
    /// The earliest date first, as `/records export` writes them.
    OldestFirst,
}

/// A stored `YYYY-MM-DD` as a number that sorts as the dates do (`20250401`), read without
/// allocating; `None` if it is not such a date.
pub(super) fn day_number(text: &str) -> Option<u32> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    b.iter()
        .enumerate()
        .filter(|(i, _)| *i != 4 && *i != 7)
        .try_fold(0u32, |n, (_, d)| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
}

/// A row of `COLUMNS` as `domain::doubles` tells a double report from it: each value read
/// where it lies, as it is asked for, and no record made of it.
pub(super) struct TellingRow<'a, 'r>(pub &'a Row<'r>);

impl TellingRow<'_, '_> {
    fn text_at(&self, at: usize) -> Option<&str> {
        self.0.get_ref(at).ok()?.as_str().ok()
    }

    /// What the record adds to its indicator, as `Facts::count` says.
    pub(super) fn count(&self) -> rusqlite::Result<u32> {
        let count: Option<i64> = self.0.get(const { at("count") })?;
        Ok(record::counted(count.and_then(|n| u64::try_from(n).ok())))
    }
}

impl Told for TellingRow<'_, '_> {
    fn id(&self) -> i64 {
        self.0.get(const { at("id") }).unwrap_or(0)
    }

    fn text(&self, column: Column) -> Option<&str> {
        let &(_, at) = DIMENSIONS_AT.iter().find(|(c, _)| *c == column)?;
        if column.is_number() {
            return None;
        }
        self.text_at(at)
    }

    fn reporter_id(&self) -> &str {
        self.text_at(const { at("reporter_id") }).unwrap_or("")
    }

    fn created_at(&self) -> &str {
        self.text_at(const { at("created_at") }).unwrap_or("")
    }
}

/// Record `id`'s stored `YYYY-MM-DD` date, read without a format parser (records and subsidy
/// steps are read by the thousand); a text that is no such date is a corrupt record.
pub(super) fn stored_date(text: &str, id: i64) -> Result<NaiveDate> {
    day_number(text)
        .and_then(|n| NaiveDate::from_ymd_opt(i32::try_from(n / 10_000).ok()?, n / 100 % 100, n % 100))
        .ok_or_else(|| Error::Corrupt(format!("記録 {id} の日付")))
}

pub(super) fn date_key(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

pub(super) fn get_in(tx: &rusqlite::Connection, id: i64) -> Result<Option<Record>> {
    tx.prepare_cached(&format!("SELECT {COLUMNS} FROM records WHERE id = ?1"))?
        .query_row([id], read_record)
        .optional()?
        .transpose()
}

/// A read transaction: what is read in it is one snapshot of the database, and writers (the
/// bot's reports, from another connection) go on meanwhile. Deferred, not the connection's
/// usual immediate, which would take the write lock for the length of a download.
fn read_snapshot(conn: &rusqlite::Connection) -> Result<Transaction<'_>> {
    Ok(Transaction::new_unchecked(conn, TransactionBehavior::Deferred)?)
}

/// The records of `keys`, read by id in that order, each handed to `visit`.
fn each_by_id(
    conn: &rusqlite::Connection,
    keys: impl Iterator<Item = (u32, i64)>,
    mut visit: impl FnMut(Record),
) -> Result<()> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM records WHERE id = ?1"))?;
    for (_, id) in keys {
        if let Some(record) = stmt.query_row([id], read_record).optional()? {
            visit(record?);
        }
    }
    Ok(())
}

impl Store {
    /// Stores a record once per source: a second insert with the same source stores nothing
    /// and returns the record stored the first time. A subsidy record whose group's name key is
    /// a known group's is stored under that group's spelling (its first live record's); once
    /// `keep_subsidy_lifecycle` is set, one that breaks the group's lifecycle is refused
    /// (`Error::Subsidy`).
    pub fn insert(&mut self, new: &NewRecord, now: DateTime<Utc>) -> Result<Stored> {
        let tx = write(&mut self.conn)?;
        lifecycle::keep(&tx, self.subsidy.as_ref(), std::slice::from_ref(new), &[])?;
        let stored = insert_in(&tx, new, now)?;
        subsidy_steps::settle(&tx, self.subsidy.as_ref())?;
        tx.commit()?;
        Ok(stored)
    }

    /// Stores many records in one transaction (all or none), each once per source; returns how
    /// many were new. For backfills and seeds. The lifecycle is checked with every record in,
    /// each group's records in date order, so the order of the batch does not matter.
    pub fn insert_batch(&mut self, records: &[NewRecord], now: DateTime<Utc>) -> Result<usize> {
        let tx = write(&mut self.conn)?;
        lifecycle::keep(&tx, self.subsidy.as_ref(), records, &[])?;
        let mut new = 0;
        for record in records {
            if matches!(insert_in(&tx, record, now)?, Stored::New(_)) {
                new += 1;
            }
        }
        subsidy_steps::settle(&tx, self.subsidy.as_ref())?;
        tx.commit()?;
        Ok(new)
    }

    /// The refusals the lifecycle would give an import's new rows `new` and edits `edits` (not
    /// written yet; new rows stored before are left out) if they were written together: per
    /// group, the rows in date order with the group's stored records, each refusal with the
    /// item it is about. `labels[i]` names new row `i` in a message (`このファイルの3行目`).
    /// Empty unless `keep_subsidy_lifecycle` is set. `write_batch` checks again in its
    /// transaction.
    pub fn check_subsidies(
        &self,
        new: &[NewRecord],
        labels: &[String],
        edits: &[Edit],
    ) -> Result<Vec<(Item, Refusal)>> {
        lifecycle::refusals(&self.conn, self.subsidy.as_ref(), new, labels, edits)
    }

    /// How many records are live, how many deleted, and how many audit lines there are.
    pub fn counts(&self) -> Result<(i64, i64, i64)> {
        Ok(self.conn.query_row(
            "SELECT (SELECT COUNT(*) FROM records WHERE deleted_at IS NULL), \
                    (SELECT COUNT(*) FROM records WHERE deleted_at IS NOT NULL), (SELECT COUNT(*) FROM audit)",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )?)
    }

    /// Whether a record from this source is stored (deleted or not).
    pub fn has_source(&self, source: &Source) -> Result<bool> {
        source_stored(&self.conn, source)
    }

    /// A record by id, deleted or not.
    pub fn record(&self, id: i64) -> Result<Option<Record>> {
        get_in(&self.conn, id)
    }

    /// A reporter's latest live records, newest first.
    pub fn records_of(&self, reporter_id: &str, limit: usize) -> Result<Vec<Record>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM records WHERE reporter_id = ?1 AND deleted_at IS NULL ORDER BY id DESC LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![reporter_id, limit as i64], read_record)?;
        rows.map(|r| r?).collect()
    }

    /// A page of the live records `filter` selects — `limit` of them after the first
    /// `offset`, the latest date first (the latest entry first within a day) — and how many
    /// it selects in all; counted and read in one snapshot.
    pub fn records_page(&self, filter: &RecordFilter, offset: usize, limit: usize) -> Result<(Vec<Record>, usize)> {
        let snapshot = read_snapshot(&self.conn)?;
        let page = page_keys(&snapshot, self.tallied.as_ref(), filter, offset, limit)?;
        tracing::debug!(read = page.read, total = page.total, "a page of records");
        let mut records = Vec::with_capacity(page.keys.len());
        each_by_id(&snapshot, page.keys.into_iter(), |record| records.push(record))?;
        Ok((records, page.total))
    }

    /// The latest live records of `record_type` dated within `[from, to]`, newest entered first:
    /// read backwards from the highest id the type's tallies of those months bound (`id_window`),
    /// so that the records of other types entered since (a day of meetings reported after the
    /// last joint occasion) are not read, however many.
    pub fn latest_of(
        &self,
        record_type: RecordType,
        from: NaiveDate,
        to: NaiveDate,
        limit: usize,
    ) -> Result<Vec<Record>> {
        let filter = RecordFilter {
            record_type: Some(record_type),
            from: Some(from),
            to: Some(to),
            ..RecordFilter::default()
        };
        let Some((lowest, highest)) = id_window(&self.conn, self.tallied.as_ref(), &filter)? else {
            return Ok(Vec::new());
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM records WHERE id BETWEEN ?5 AND ?6 AND record_type = ?1 \
             AND occurred_on BETWEEN ?2 AND ?3 AND deleted_at IS NULL ORDER BY id DESC LIMIT ?4"
        ))?;
        let rows = stmt.query_map(
            params![
                record_type.key(),
                date_key(from),
                date_key(to),
                limit as i64,
                lowest,
                highest
            ],
            read_record,
        )?;
        rows.map(|r| r?).collect()
    }

    /// Live records dated within `[from, to]`, oldest first.
    pub fn records_between(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<Record>> {
        let filter = RecordFilter {
            from: Some(from),
            to: Some(to),
            ..RecordFilter::default()
        };
        let mut records = Vec::new();
        self.each_record(&filter, Order::OldestFirst, |record| records.push(record))?;
        Ok(records)
    }

    /// Every live record `filter` selects, in `order`, handed to `visit` one at a time as it is
    /// read, and how many there were: a file of any length is written holding one record, not
    /// all of them (only their dates and ids are sorted: SQLite would sort whole rows, in
    /// memory, `temp_store` being memory). One snapshot, whatever is written meanwhile.
    pub fn each_record(&self, filter: &RecordFilter, order: Order, visit: impl FnMut(Record)) -> Result<usize> {
        let snapshot = read_snapshot(&self.conn)?;
        let mut all = page_keys(&snapshot, self.tallied.as_ref(), filter, 0, usize::MAX)?;
        if order == Order::OldestFirst {
            all.keys.reverse();
        }
        each_by_id(&snapshot, all.keys.into_iter(), visit)?;
        Ok(all.total)
    }

    /// Replaces a live record's date and facts, keeping the before and after in the audit trail.
    /// A subsidy record keeps its group's lifecycle, like `insert` (in both groups or courses
    /// when the edit moves it); its group is stored as typed, so an edit can correct a spelling.
    pub fn edit(
        &mut self,
        id: i64,
        date: NaiveDate,
        facts: &Facts,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<Record> {
        let tx = write(&mut self.conn)?;
        let before = live_record(&tx, id)?;
        let edit = Edit {
            before,
            date,
            facts: facts.clone(),
        };
        lifecycle::keep(&tx, self.subsidy.as_ref(), &[], std::slice::from_ref(&edit))?;
        let after = update_in(&tx, &edit.before, date, facts, actor, now)?;
        subsidy_steps::settle(&tx, self.subsidy.as_ref())?;
        tx.commit()?;
        Ok(after)
    }

    /// Soft-deletes a live record (`Delete`, or `Undo` from the button under a report). A
    /// subsidy record whose going would leave its group's other records out of order is refused
    /// (`Error::Subsidy`: a grant under its report, say); an application under a grant may
    /// go, the grant then standing for it.
    pub fn delete(&mut self, id: i64, action: AuditAction, actor: &Actor, now: DateTime<Utc>) -> Result<Record> {
        let tx = write(&mut self.conn)?;
        let before = live_record(&tx, id)?;
        lifecycle::keep_on_delete(&tx, self.subsidy.as_ref(), &before)?;
        tx.execute(
            "UPDATE records SET deleted_at = ?2 WHERE id = ?1",
            params![id, timestamp(now)],
        )?;
        let after = get_in(&tx, id)?.ok_or(Error::NoSuchRecord(id))?;
        write_audit(&tx, &after, action, actor, now, Some(&before))?;
        subsidy_steps::settle(&tx, self.subsidy.as_ref())?;
        tx.commit()?;
        Ok(after)
    }

    /// Whether any live record is dated within `[from, to]`: read from the running tallies' days
    /// (the first one found ends the search; no aggregate is built), then from the subsidy
    /// records' date index, whatever the size of the table.
    pub fn any_record_between(&self, from: NaiveDate, to: NaiveDate) -> Result<bool> {
        self.any_record(None, from, to)
    }

    /// `any_record_between`, of `only` when given: the subsidy rule's type, which is not
    /// tallied, from its date index.
    pub(super) fn any_record(&self, only: Option<RecordType>, from: NaiveDate, to: NaiveDate) -> Result<bool> {
        let (head, tail, params) = MonthSplit::of(from, to).query(only);
        let tallied: bool = self
            .conn
            .prepare_cached(&format!(
                "SELECT EXISTS (SELECT 1 FROM tallies WHERE month BETWEEN ?1 AND ?2 AND count > 0 \
                     AND (?5 IS NULL OR record_type = ?5)) \
                 OR EXISTS (SELECT 1 FROM tallies WHERE month = ?3 AND {head} > 0 AND (?5 IS NULL OR record_type = ?5)) \
                 OR EXISTS (SELECT 1 FROM tallies WHERE month = ?4 AND {tail} > 0 AND (?5 IS NULL OR record_type = ?5))"
            ))?
            .query_row(params_from_iter(params.iter()), |row| row.get(0),
            )?;
        let (from, to) = (date_key(from), date_key(to));
        if tallied {
            return Ok(true);
        }
        let Some(untallied) = only.or(self.subsidy.as_ref().map(|s| s.record_type)) else {
            return Ok(false);
        };
        Ok(self
            .conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM records WHERE group_key IS NOT NULL AND deleted_at IS NULL \
                 AND record_type = ?1 AND occurred_on BETWEEN ?2 AND ?3)",
            )?
            .query_row(params![untallied.key(), from, to], |row| row.get(0))?)
    }

    /// Live records within `[from, to]` counted by type, dimension and status (subsidies
    /// aside: see `subsidy_events`); only those of `only` when given. Read from the running
    /// tallies (`tallies.rs`): whole months from their totals, the days around them from theirs.
    /// With `only`, each whole month is sought by month and type: the other types' rows and
    /// the type's own days are not read (a report's reply reads its type's year so).
    pub fn tallies(&self, from: NaiveDate, to: NaiveDate, only: Option<RecordType>) -> Result<Vec<Tally>> {
        let (head, tail, params) = MonthSplit::of(from, to).query(only);
        // A few days' counts are a sum of day columns: the SQL differs with the days summed
        // (prepared once each; a period's days are those of a few kinds of question). The rows
        // are summed by `summed`, not by a GROUP BY: SQLite's sorter cost more than the rows.
        let (of_type, bound) = match only {
            Some(_) => ("AND record_type = ?5", 5),
            None => ("", 4),
        };
        let sql = format!(
            "SELECT record_type, dimension, detail, count FROM tallies \
                 WHERE month BETWEEN ?1 AND ?2 {of_type} AND count > 0 \
             UNION ALL SELECT record_type, dimension, detail, {head} FROM tallies \
                 WHERE month = ?3 {of_type} AND {head} > 0 \
             UNION ALL SELECT record_type, dimension, detail, {tail} FROM tallies \
                 WHERE month = ?4 {of_type} AND {tail} > 0"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let mut rows = stmt.query(params_from_iter(params[..bound].iter()))?;
        let mut tallies = Vec::new();
        let mut last: Option<RecordType> = None;
        while let Some(row) = rows.next()? {
            // Rows come a type at a time: its key is looked up once per run of rows.
            let key = row.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
            let record_type = match last {
                Some(t) if t.key() == key => t,
                _ => RecordType::of(key),
            };
            last = Some(record_type);
            tallies.push(Tally {
                record_type,
                dimension: row.get(1)?,
                detail: row.get(2)?,
                count: u64::try_from(row.get::<_, i64>(3)?).unwrap_or(0),
            });
        }
        Ok(summed(tallies))
    }

    /// The tallies of each month from `from` to `to` (`YYYY-MM`, inclusive), given to `each`
    /// with their month, month after month in order (the key's order): none kept in memory.
    pub fn each_tally_by_month(&self, from: &str, to: &str, mut each: impl FnMut(&str, Tally)) -> Result<()> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT month, record_type, dimension, detail, count FROM tallies \
             WHERE month BETWEEN ?1 AND ?2 AND count > 0 ORDER BY month",
        )?;
        let mut rows = stmt.query(params![from, to])?;
        while let Some(row) = rows.next()? {
            let month: String = row.get(0)?;
            each(&month, tally((row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?))?);
        }
        Ok(())
    }

    /// The districts (as `(area, district)`) with a live record of `record_type` (the meetings)
    /// within `[from, to]`: read from the running tallies, which count such a type by area and
    /// district (`tallies.rs`).
    pub fn districts_met(
        &self,
        record_type: RecordType,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<std::collections::HashSet<(String, String)>> {
        Ok(self
            .tallies(from, to, Some(record_type))?
            .into_iter()
            .filter(|t| t.count > 0)
            .map(|t| (t.dimension, t.detail))
            .collect())
    }

    /// The same tallies straight from `records`, without the running tallies: the reference
    /// that tests and benchmarks compare `tallies` with.
    pub fn tallies_from_records(&self, catalogue: &Catalogue, from: NaiveDate, to: NaiveDate) -> Result<Vec<Tally>> {
        let sql = super::tallies::TallyLayout::of(catalogue).direct_sql();
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params![date_key(from), date_key(to)], tally_row)?;
        rows.map(|row| tally(row?)).collect()
    }

    /// The live subsidy records that the figures of `[from, to]` read: those of every group
    /// (name key) and course with one dated in the period, from the group's first up to `to`
    /// (the earlier ones say where the group stood when the period began).
    pub fn subsidy_events(&self, record_type: RecordType, from: NaiveDate, to: NaiveDate) -> Result<Vec<SubsidyEvent>> {
        Ok(self
            .period_events(record_type, from, to, false)?
            .into_iter()
            .map(|(_, e)| e)
            .collect())
    }

    /// `subsidy_events`, each with the name of whoever entered it (`/totals by:reporter`).
    pub fn subsidy_events_by_reporter(
        &self,
        record_type: RecordType,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(String, SubsidyEvent)>> {
        self.period_events(record_type, from, to, true)
    }

    /// The subsidy events of `[from, to]`, with their reporters' names if `reporters` (else empty).
    fn period_events(
        &self,
        record_type: RecordType,
        from: NaiveDate,
        to: NaiveDate,
        reporters: bool,
    ) -> Result<Vec<(String, SubsidyEvent)>> {
        // The period's groups first, by the date index (named: SQLite, without statistics, might
        // otherwise walk every group), then each group's records through
        // `records_subsidy_by_group` (CROSS JOIN keeps that order); both indexes cover what is
        // read (but the reporter, when asked): the cost follows the period, not the history.
        let reporter = if reporters { "r.reporter_name" } else { "''" };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT r.id, r.occurred_on, r.course, r.group_name, r.status, r.amount, {reporter} FROM ( \
                 SELECT DISTINCT group_key, course FROM records INDEXED BY records_subsidy_by_date \
                 WHERE group_key IS NOT NULL AND deleted_at IS NULL AND occurred_on BETWEEN ?1 AND ?2 \
                     AND record_type = ?3) g \
             CROSS JOIN records r ON r.group_key = g.group_key AND r.course = g.course \
             WHERE r.group_key IS NOT NULL AND r.record_type = ?3 AND r.deleted_at IS NULL AND r.occurred_on <= ?2 \
             ORDER BY r.occurred_on, r.id"
        ))?;
        let rows = stmt.query_map(params![date_key(from), date_key(to), record_type.key()], |row| {
            Ok((event_row(row)?, row.get::<_, String>(6)?))
        })?;
        rows.map(|row| {
            let (event_row, reporter) = row?;
            Ok((reporter, event(event_row)?))
        })
        .collect()
    }

    /// A group's live subsidy records (by its name's key; in one course or all), oldest first.
    pub fn subsidy_history(
        &self,
        record_type: RecordType,
        group: &str,
        course: Option<&str>,
    ) -> Result<Vec<SubsidyEvent>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {EVENT_COLUMNS} FROM records \
             WHERE group_key = ?1 AND record_type = ?3 AND deleted_at IS NULL \
             AND (?2 IS NULL OR course = ?2) ORDER BY occurred_on, id"
        ))?;
        let rows = stmt.query_map(params![name_key(group), course, record_type.key()], event_row)?;
        rows.map(|row| event(row?)).collect()
    }

    /// Subsidy groups already recorded whose name key contains the key of `typed`, most recent
    /// first, each once, in its first live record's spelling.
    pub fn subsidy_groups(&self, record_type: RecordType, typed: &str, limit: usize) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT (SELECT k.group_name FROM records k WHERE k.group_key = r.group_key \
                         AND k.record_type = ?3 AND k.deleted_at IS NULL ORDER BY k.id LIMIT 1) \
             FROM records r WHERE r.group_key IS NOT NULL AND r.record_type = ?3 AND r.deleted_at IS NULL \
             AND instr(r.group_key, ?1) > 0 GROUP BY r.group_key ORDER BY MAX(r.id) DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![name_key(typed), limit as i64, record_type.key()], |row| {
            row.get(0)
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// The `group_key` column of a record of `facts`: the group's name key, NULL for other types.
fn group_key_of(facts: &Facts) -> Value {
    match facts.text(Column::Group) {
        Some(group) => Value::Text(name_key(group)),
        None => Value::Null,
    }
}

/// Migration 0005's hook, in its transaction: the `group_key` of every subsidy record stored
/// before, which SQL cannot compute (NFKC).
pub(super) fn backfill_group_keys(tx: &Transaction<'_>) -> rusqlite_migration::HookResult {
    let rows: Vec<(i64, String)> = {
        let mut stmt = tx.prepare("SELECT id, group_name FROM records WHERE group_name IS NOT NULL")?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut update = tx.prepare("UPDATE records SET group_key = ?2 WHERE id = ?1")?;
    for (id, name) in &rows {
        update.execute(params![id, name_key(name)])?;
    }
    tracing::info!(records = rows.len(), "subsidy group keys written");
    Ok(())
}

type TallyRow = (String, String, String, i64);

fn tally_row(row: &Row<'_>) -> rusqlite::Result<TallyRow> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

/// `tallies` in the order of their type, dimension and detail, each of those once, with the
/// counts of its rows (a month's, a few days') summed.
fn summed(mut tallies: Vec<Tally>) -> Vec<Tally> {
    fn key(t: &Tally) -> (RecordType, &str, &str) {
        (t.record_type, &t.dimension, &t.detail)
    }
    // Stable: the rows come sorted month by month, runs that a merge sort joins cheaply.
    tallies.sort_by(|a, b| key(a).cmp(&key(b)));
    tallies.dedup_by(|next, kept| {
        let same = key(next) == key(kept);
        if same {
            kept.count += next.count;
        }
        same
    });
    tallies
}

fn tally((record_type, dimension, detail, count): TallyRow) -> Result<Tally> {
    Ok(Tally {
        record_type: RecordType::of(&record_type),
        dimension,
        detail,
        count: u64::try_from(count).unwrap_or(0),
    })
}

/// A period as whole months (a `YYYY-MM` range; `("1", "0")`, which nothing is between, for
/// none) and the days before and after them, each within one month: its `YYYY-MM` and its first
/// and last day.
pub(super) struct MonthSplit {
    pub(super) months: (String, String),
    pub(super) head: Option<(String, u32, u32)>,
    pub(super) tail: Option<(String, u32, u32)>,
}

impl MonthSplit {
    pub(super) fn of(from: NaiveDate, to: NaiveDate) -> MonthSplit {
        let none = || ("1".to_string(), "0".to_string());
        let month = |d: NaiveDate| d.format("%Y-%m").to_string();
        let days = |a: NaiveDate, b: NaiveDate| Some((month(a), a.day(), b.day()));
        let month_start = |d: NaiveDate| d.with_day(1).unwrap_or(d);
        let next_month = |d: NaiveDate| {
            let first = month_start(d);
            first.checked_add_months(Months::new(1)).unwrap_or(NaiveDate::MAX)
        };
        if from > to {
            return MonthSplit {
                months: none(),
                head: None,
                tail: None,
            };
        }
        // The first whole month starts at `from` if `from` is a 1st, else the month after.
        let first_whole = if from.day() == 1 { from } else { next_month(from) };
        // The last whole month ends at `to` if `to` is a month's last day.
        let after_to = to.succ_opt().unwrap_or(NaiveDate::MAX);
        let end_whole = if after_to.day() == 1 { after_to } else { month_start(to) };
        if first_whole >= end_whole {
            // No whole month: the days of one month, or of two months one after the other.
            let (head, tail) = if month_start(from) == month_start(to) {
                (days(from, to), None)
            } else {
                let end_of_from = next_month(from).pred_opt().unwrap_or(from);
                (days(from, end_of_from), days(month_start(to), to))
            };
            return MonthSplit {
                months: none(),
                head,
                tail,
            };
        }
        let last_whole = end_whole.pred_opt().unwrap_or(end_whole);
        let head = match first_whole.pred_opt() {
            Some(before) if from <= before => days(from, before),
            _ => None,
        };
        let tail = if end_whole <= to { days(end_whole, to) } else { None };
        MonthSplit {
            months: (month(first_whole), month(last_whole)),
            head,
            tail,
        }
    }

    /// The SQL sums of the day columns of the days before the whole months and of those after
    /// (`tallies::days`), and the parameters `?1`–`?5` of a query over the split: the whole
    /// months, the month of each of those days (empty, which no row has, where there are none),
    /// the record type if `only`.
    fn query(&self, only: Option<RecordType>) -> (String, String, [Value; 5]) {
        let [(head_month, head), (tail_month, tail)] = [&self.head, &self.tail].map(|part| match part {
            Some((month, first, last)) => (month.clone(), days(*first, *last)),
            None => (String::new(), "0".to_string()),
        });
        let params = [
            Value::Text(self.months.0.clone()),
            Value::Text(self.months.1.clone()),
            Value::Text(head_month),
            Value::Text(tail_month),
            only.map_or(Value::Null, |t| Value::Text(t.key().to_string())),
        ];
        (head, tail, params)
    }
}

/// Replaces `before`'s date and facts (and its `group_key`) with its audit line (the before and
/// after); in `tx`. The group is stored as typed, so an edit can correct a spelling.
pub(super) fn update_in(
    tx: &Transaction<'_>,
    before: &Record,
    date: NaiveDate,
    facts: &Facts,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Record> {
    let id = before.id;
    let set: Vec<String> = dimension_columns()
        .enumerate()
        .map(|(i, column)| format!("{column} = ?{}", i + 5))
        .collect();
    let mut values = vec![
        Value::Integer(id),
        Value::Text(facts.record_type().key().to_string()),
        Value::Text(date_key(date)),
        group_key_of(facts),
    ];
    values.extend(dimension_values(facts));
    tx.execute(
        &format!(
            "UPDATE records SET record_type = ?2, occurred_on = ?3, group_key = ?4, {} WHERE id = ?1",
            set.join(", ")
        ),
        params_from_iter(values),
    )?;
    let after = get_in(tx, id)?.ok_or(Error::NoSuchRecord(id))?;
    write_audit(tx, &after, AuditAction::Edit, actor, now, Some(before))?;
    Ok(after)
}

pub(super) fn live_record(tx: &Transaction<'_>, id: i64) -> Result<Record> {
    match get_in(tx, id)? {
        Some(record) if record.deleted_at.is_none() => Ok(record),
        _ => Err(Error::NoSuchRecord(id)),
    }
}

/// Inserts a record unless one with the same source exists, with its audit line; in `tx`. A
/// subsidy record with its `group_key`, under the known spelling of its group if there is one.
pub(super) fn insert_in(tx: &Transaction<'_>, new: &NewRecord, now: DateTime<Utc>) -> Result<Stored> {
    let existing: Option<i64> = tx
        .prepare_cached("SELECT id FROM records WHERE source = ?1 AND source_id = ?2")?
        .query_row(params![new.source.kind.key(), new.source.id], |row| row.get(0))
        .optional()?;
    if let Some(id) = existing {
        let record = get_in(tx, id)?.ok_or(Error::NoSuchRecord(id))?;
        return Ok(Stored::Existing(record));
    }
    let mut facts = new.facts.clone();
    if let Some(group) = facts.text(Column::Group) {
        if let Some(known) = known_group(tx, facts.record_type, &name_key(group))? {
            facts.values.set(Column::Group, Some(record::Value::Text(known)));
        }
    }
    let mut values = vec![
        Value::Text(facts.record_type().key().to_string()),
        Value::Text(date_key(new.date)),
        group_key_of(&facts),
    ];
    values.extend(dimension_values(&facts));
    values.extend([
        Value::Text(new.reporter.id.clone()),
        Value::Text(new.reporter.name.clone()),
        Value::Text(new.source.kind.key().to_string()),
        Value::Text(new.source.id.clone()),
        // Cleaned again (no folder, no control character, cut short) whoever built the origin.
        new.source
            .origin
            .as_ref()
            .map_or(Value::Null, |o| Value::Text(file_name(&o.file))),
        new.source.origin.as_ref().map_or(Value::Null, |o| {
            Value::Integer(i64::try_from(o.row).unwrap_or(i64::MAX))
        }),
        Value::Text(timestamp(now)),
    ]);
    // Cached: preparing it compiles the triggers it fires (the running tallies' …) every time.
    tx.prepare_cached(&INSERT_SQL)?.execute(params_from_iter(values))?;
    let id = tx.last_insert_rowid();
    let record = get_in(tx, id)?.ok_or(Error::NoSuchRecord(id))?;
    write_audit(tx, &record, AuditAction::Create, &new.reporter, now, None)?;
    Ok(Stored::New(record))
}
