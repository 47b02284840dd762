//! The running tallies (`tallies`, migration 0011: per month one row, its total and its days
//! `d01` … `d31`; `days`, the sum of some of them) read from the catalogue's
//! record types: each type's records are counted by the value of its `by` field and of its
//! `detail` field (`RecordTypeSpec::by`, `::detail`: a council activity's kind and status, a
//! meeting's area and district — the places met are read from the tallies too), and the
//! subsidy rule's type is left out (its figures depend on each group's records: its steps,
//! `subsidy_steps.rs`). Each row also counts its records (`entries`) and bounds their ids
//! (`first_id`, `last_id`, migration 0013; a record taken out leaves them, still bounds), which
//! tell the record list where a month's records are (`selection.rs`).
//!
//! SQL triggers cannot read the catalogue, so the store writes them from it (`TallyLayout`)
//! when it is described (`Store::describe`): the triggers are dropped and made again and the
//! tallies counted again from the records, in one transaction, whenever the layout differs from
//! the one the database was last counted with (kept in `meta`). A new record type, or a type
//! counted by another field, so needs no migration.

use super::{sql_column, write, Result, Store};
use crate::domain::catalogue::Catalogue;
use crate::domain::figures::Tally;
use crate::domain::record_type::Rule;
use crate::domain::RecordType;
use rusqlite::{params, OptionalExtension};

/// The `meta` key of the layout the tallies were last counted with.
const META_KEY: &str = "tally_layout";

/// The columns of `tallies` a trigger or a count writes, in that order.
const COLUMNS: &str = "month, record_type, dimension, detail, count, \
    d01, d02, d03, d04, d05, d06, d07, d08, d09, d10, d11, d12, d13, d14, d15, d16, \
    d17, d18, d19, d20, d21, d22, d23, d24, d25, d26, d27, d28, d29, d30, d31, entries, first_id, last_id";

/// A tallied record type: its key and the SQL columns of its `by` and `detail` values.
type Counted = (&'static str, Option<&'static str>, Option<&'static str>);

/// How the tallies count each record type: its key, the SQL columns of its `by` and `detail`
/// values; and the types not tallied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TallyLayout {
    counted: Vec<Counted>,
    skipped: Vec<&'static str>,
}

impl TallyLayout {
    pub fn of(catalogue: &Catalogue) -> TallyLayout {
        let mut layout = TallyLayout {
            counted: Vec::new(),
            skipped: Vec::new(),
        };
        for spec in &catalogue.record_types {
            if spec.rule == Some(Rule::Subsidy) {
                layout.skipped.push(spec.key());
            } else {
                layout
                    .counted
                    .push((spec.key(), spec.by.map(sql_column), spec.detail.map(sql_column)));
            }
        }
        layout
    }

    /// A `CASE` giving, for a row called `row`, the column that `pick` chooses per type, or ''.
    /// Keys are `RecordType::is_key` words and columns the store's own: nothing to escape.
    fn case(&self, row: &str, pick: impl Fn(&Counted) -> Option<&'static str>) -> String {
        let arms: Vec<String> = self
            .counted
            .iter()
            .filter_map(|t| pick(t).map(|column| format!("WHEN '{}' THEN COALESCE({row}.{column}, '')", t.0)))
            .collect();
        if arms.is_empty() {
            "''".to_string()
        } else {
            format!("CASE {row}.record_type {} ELSE '' END", arms.join(" "))
        }
    }

    fn dimension(&self, row: &str) -> String {
        self.case(row, |t| t.1)
    }

    fn detail(&self, row: &str) -> String {
        self.case(row, |t| t.2)
    }

    /// The condition under which a row is tallied: live, and not of a type left out.
    fn tallied(&self, row: &str) -> String {
        let mut condition = format!("{row}.deleted_at IS NULL");
        if !self.skipped.is_empty() {
            let keys: Vec<String> = self.skipped.iter().map(|k| format!("'{k}'")).collect();
            condition.push_str(&format!(" AND {row}.record_type NOT IN ({})", keys.join(", ")));
        }
        condition
    }

    /// The four triggers that keep the tallies in the transaction of every insert, edit and
    /// (soft) delete: each record in its month's row, in its total and in its day's column.
    fn triggers(&self) -> String {
        // Per day column, the record's count if it is its day, else 0.
        let on_days = |row: &str| -> Vec<String> {
            (1..=31)
                .map(|d| format!("(substr({row}.occurred_on, 9, 2) = '{d:02}') * {row}.count"))
                .collect()
        };
        let put_in = |row: &str| {
            let (dimension, status) = (self.dimension(row), self.detail(row));
            let month = format!("substr({row}.occurred_on, 1, 7)");
            let added: Vec<String> = (1..=31)
                .map(|d| format!("d{d:02} = d{d:02} + excluded.d{d:02}"))
                .collect();
            format!(
                "INSERT INTO tallies ({COLUMNS}) \
                     VALUES ({month}, {row}.record_type, {dimension}, {status}, {row}.count, {}, 1, {row}.id, {row}.id) \
                     ON CONFLICT DO UPDATE SET count = count + excluded.count, {}, entries = entries + 1, \
                     first_id = min(first_id, excluded.first_id), last_id = max(last_id, excluded.last_id);",
                on_days(row).join(", "),
                added.join(", ")
            )
        };
        let take_out = |row: &str| {
            let (dimension, status) = (self.dimension(row), self.detail(row));
            let month = format!("substr({row}.occurred_on, 1, 7)");
            let taken: Vec<String> = on_days(row)
                .iter()
                .enumerate()
                .map(|(i, on)| format!("d{:02} = d{:02} - {on}", i + 1, i + 1))
                .collect();
            let key = format!(
                "month = {month} AND record_type = {row}.record_type AND dimension = {dimension} AND detail = {status}"
            );
            // The bounds on the ids stay: still bounds on the records left.
            format!(
                "UPDATE tallies SET count = count - {row}.count, entries = entries - 1, {} WHERE {key}; \
                 DELETE FROM tallies WHERE {key} AND count = 0;",
                taken.join(", ")
            )
        };
        format!(
            "CREATE TRIGGER tally_insert AFTER INSERT ON records WHEN {new} BEGIN {insert} END; \
             CREATE TRIGGER tally_update_out AFTER UPDATE ON records WHEN {old} BEGIN {out} END; \
             CREATE TRIGGER tally_update_in AFTER UPDATE ON records WHEN {new} BEGIN {insert} END; \
             CREATE TRIGGER tally_delete AFTER DELETE ON records WHEN {old} BEGIN {out} END;",
            new = self.tallied("NEW"),
            old = self.tallied("OLD"),
            insert = put_in("NEW"),
            out = take_out("OLD"),
        )
    }

    /// `SELECT record_type, dimension, detail, SUM(count)` over the live records of
    /// `[?1, ?2]`: the tallies straight from `records`.
    pub(super) fn direct_sql(&self) -> String {
        format!(
            "SELECT record_type, {}, {}, SUM(count) FROM records r \
             WHERE occurred_on BETWEEN ?1 AND ?2 AND {} GROUP BY 1, 2, 3",
            self.dimension("r"),
            self.detail("r"),
            self.tallied("r")
        )
    }
}

/// The layout a store keeps the tallies by (`Store::keep_tallies`), with the triggers' text the
/// database holds in `meta` while it is kept by that layout.
#[derive(Debug, Clone)]
pub(super) struct Kept {
    skipped: Vec<&'static str>,
    triggers: String,
}

impl Kept {
    /// The types the tallies leave out.
    pub(super) fn skipped(&self) -> &[&'static str] {
        &self.skipped
    }

    /// Whether the database's tallies are kept by this layout now (another process may have
    /// counted them again by its own since), read in `conn`'s transaction.
    pub(super) fn in_place(&self, conn: &rusqlite::Connection) -> Result<bool> {
        Ok(conn
            .prepare_cached("SELECT value = ?2 FROM meta WHERE key = ?1")?
            .query_row(params![META_KEY, self.triggers], |row| row.get(0))
            .optional()?
            .unwrap_or(false))
    }
}

/// The SQL sum of the day columns `first` to `last` of a month's tallies (`d05 + d06`), `0`
/// for none.
pub(super) fn days(first: u32, last: u32) -> String {
    let columns: Vec<String> = (first.max(1)..=last.min(31)).map(|d| format!("d{d:02}")).collect();
    if columns.is_empty() {
        "0".to_string()
    } else {
        columns.join(" + ")
    }
}

impl Store {
    /// The tallies of `[from, to]` per reporter (by name), straight from the records (a
    /// reporter is not tallied): for `/totals by:reporter`, an admin's occasional question.
    pub fn tallies_by_reporter(
        &self,
        catalogue: &Catalogue,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> Result<Vec<(String, Tally)>> {
        let layout = TallyLayout::of(catalogue);
        let sql = format!(
            "SELECT reporter_name, record_type, {}, {}, SUM(count) FROM records r \
             WHERE occurred_on BETWEEN ?1 AND ?2 AND {} GROUP BY 1, 2, 3, 4",
            layout.dimension("r"),
            layout.detail("r"),
            layout.tallied("r")
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
        let rows = stmt.query_map(params![day(from), day(to)], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, i64>(4)?,
            ))
        })?;
        rows.map(|row| {
            let (reporter, record_type, dimension, detail, count) = row?;
            Ok((
                reporter,
                Tally {
                    record_type: RecordType::of(&record_type),
                    dimension,
                    detail,
                    count: u64::try_from(count).unwrap_or(0),
                },
            ))
        })
        .collect()
    }

    /// Keeps the running tallies by `layout`: when the database was counted with another
    /// layout (or by migration 0002's triggers), the triggers are made again from it and the
    /// tallies counted again from the records, in one transaction. Returns whether it did.
    pub fn keep_tallies(&mut self, layout: &TallyLayout) -> Result<bool> {
        let wanted = layout.triggers();
        let current = |conn: &rusqlite::Connection| -> Result<Option<String>> {
            Ok(conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [META_KEY], |row| row.get(0))
                .optional()?)
        };
        self.tallied = Some(Kept {
            skipped: layout.skipped.clone(),
            triggers: wanted.clone(),
        });
        if current(&self.conn)?.as_deref() == Some(wanted.as_str()) {
            return Ok(false);
        }
        let tx = write(&mut self.conn)?;
        // Another process may have done it while this one waited for the lock.
        if current(&tx)?.as_deref() == Some(wanted.as_str()) {
            return Ok(false);
        }
        tx.execute_batch(
            "DROP TRIGGER IF EXISTS tally_insert; DROP TRIGGER IF EXISTS tally_update_out; \
             DROP TRIGGER IF EXISTS tally_update_in; DROP TRIGGER IF EXISTS tally_delete; \
             DELETE FROM tallies;",
        )?;
        tx.execute_batch(&wanted)?;
        let days: Vec<String> = (1..=31)
            .map(|d| format!("SUM((substr(occurred_on, 9, 2) = '{d:02}') * count)"))
            .collect();
        tx.execute(
            &format!(
                "INSERT INTO tallies ({COLUMNS}) \
                 SELECT substr(occurred_on, 1, 7), record_type, {}, {}, SUM(count), {}, COUNT(*), MIN(id), MAX(id) \
                 FROM records r WHERE {} GROUP BY 1, 2, 3, 4",
                layout.dimension("r"),
                layout.detail("r"),
                days.join(", "),
                layout.tallied("r")
            ),
            [],
        )?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![META_KEY, wanted],
        )?;
        tx.commit()?;
        tracing::info!("running tallies counted again for the catalogue's record types");
        Ok(true)
    }
}
