//! The `records` table: idempotent insert keyed by the source, edits and soft deletes that
//! write the audit trail in the same transaction, and the per-period tallies summaries read.

use super::audit::{write_audit, AuditAction};
use super::{timestamp, write, Error, Result, Store};
use crate::domain::figures::{SubsidyEvent, Tally};
use crate::domain::record::{Actor, Dimensions, Facts, Field, NewRecord, Record, Source, SourceKind};
use crate::domain::RecordType;
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use rusqlite::types::Value;
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row, Transaction};

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

/// The column that holds each of a record's facts, in the order of `Dimensions::NAMES`: the
/// field's own name, but `group`, a keyword in SQL, is `group_name`.
fn dimension_columns() -> impl Iterator<Item = &'static str> {
    Dimensions::NAMES
        .into_iter()
        .map(|name| if name == "group" { "group_name" } else { name })
}

/// The values of `dimension_columns()` for `facts`: NULL where the type has no such field, a
/// count of 1 for the types that count one by one.
fn dimension_values(facts: &Facts) -> Vec<Value> {
    let fields = facts.dimensions().into_fields();
    let count = Dimensions::NAMES.iter().position(|n| *n == "count");
    fields
        .into_iter()
        .enumerate()
        .map(|(i, field)| match field {
            Field::Text(t) => t.map_or(Value::Null, Value::Text),
            Field::Number(Some(n)) => Value::Integer(i64::try_from(n).unwrap_or(i64::MAX)),
            Field::Number(None) if Some(i) == count => Value::Integer(i64::from(facts.count())),
            Field::Number(None) => Value::Null,
        })
        .collect()
}

const COLUMNS: &str = "id, record_type, occurred_on, count, kind, status, area, district, side, course, \
    group_name, amount, method, project, department, medium, title, topic, note, \
    reporter_id, reporter_name, source, source_id, created_at, deleted_at";

fn read_record(row: &Row<'_>) -> rusqlite::Result<Result<Record>> {
    let id: i64 = row.get("id")?;
    let record_type: String = row.get("record_type")?;
    let occurred_on: String = row.get("occurred_on")?;
    let source: String = row.get("source")?;
    let count: u32 = row.get("count")?;
    let amount: Option<i64> = row.get("amount")?;
    let dimensions = Dimensions {
        kind: row.get("kind")?,
        status: row.get("status")?,
        area: row.get("area")?,
        district: row.get("district")?,
        side: row.get("side")?,
        course: row.get("course")?,
        group: row.get("group_name")?,
        amount: amount.and_then(|a| u64::try_from(a).ok()),
        count: Some(count),
        method: row.get("method")?,
        project: row.get("project")?,
        department: row.get("department")?,
        medium: row.get("medium")?,
        title: row.get("title")?,
        topic: row.get("topic")?,
        note: row.get("note")?,
    };
    let corrupt = |what: &str| Error::Corrupt(format!("記録 {id} の{what}"));
    let record = (|| {
        let record_type: RecordType = record_type.parse().map_err(|()| corrupt("種類"))?;
        let date = NaiveDate::parse_from_str(&occurred_on, "%Y-%m-%d").map_err(|_| corrupt("日付"))?;
        let facts = Facts::from_dimensions(record_type, dimensions).ok_or_else(|| corrupt("項目"))?;
        let kind = match source.as_str() {
            "discord" => SourceKind::Discord,
            "console" => SourceKind::Console,
            "import" => SourceKind::Import,
            _ => return Err(corrupt("登録元")),
        };
        Ok(Record {
            id,
            date,
            facts,
            reporter: Actor {
                id: row.get("reporter_id")?,
                name: row.get("reporter_name")?,
            },
            source: Source {
                kind,
                id: row.get("source_id")?,
            },
            created_at: row.get("created_at")?,
            deleted_at: row.get("deleted_at")?,
        })
    })();
    Ok(record)
}

fn date_key(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

pub(super) fn get_in(tx: &rusqlite::Connection, id: i64) -> Result<Option<Record>> {
    tx.query_row(
        &format!("SELECT {COLUMNS} FROM records WHERE id = ?1"),
        [id],
        read_record,
    )
    .optional()?
    .transpose()
}

impl Store {
    /// Stores a record once per source: a second insert with the same source stores nothing
    /// and returns the record stored the first time.
    /// A second live grant is refused (`Error::GrantTaken`) once `keep_one_grant` is set.
    pub fn insert(&mut self, new: &NewRecord, now: DateTime<Utc>) -> Result<Stored> {
        let tx = write(&mut self.conn)?;
        let stored = insert_in(&tx, self.granted.as_deref(), new, now)?;
        tx.commit()?;
        Ok(stored)
    }

    /// Stores many records in one transaction (all or none), each once per source; returns how
    /// many were new. For imports and backfills.
    pub fn insert_batch(&mut self, records: &[NewRecord], now: DateTime<Utc>) -> Result<usize> {
        let tx = write(&mut self.conn)?;
        let mut new = 0;
        for record in records {
            if matches!(insert_in(&tx, self.granted.as_deref(), record, now)?, Stored::New(_)) {
                new += 1;
            }
        }
        tx.commit()?;
        Ok(new)
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
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM records WHERE source = ?1 AND source_id = ?2)",
            params![source.kind.key(), source.id],
            |row| row.get(0),
        )?)
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

    /// Live records dated within `[from, to]`, oldest first.
    pub fn records_between(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<Record>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM records WHERE occurred_on BETWEEN ?1 AND ?2 AND deleted_at IS NULL ORDER BY occurred_on, id"
        ))?;
        let rows = stmt.query_map(params![date_key(from), date_key(to)], read_record)?;
        rows.map(|r| r?).collect()
    }

    /// Replaces a live record's date and facts, keeping the before and after in the audit trail.
    /// Refuses to make it a second live grant, like `insert`.
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
        check_one_grant(&tx, self.granted.as_deref(), facts, Some(id))?;
        let after = update_in(&tx, &before, date, facts, actor, now)?;
        tx.commit()?;
        Ok(after)
    }

    /// Soft-deletes a live record (`Delete`, or `Undo` from the button under a report).
    pub fn delete(&mut self, id: i64, action: AuditAction, actor: &Actor, now: DateTime<Utc>) -> Result<Record> {
        let tx = write(&mut self.conn)?;
        let before = live_record(&tx, id)?;
        tx.execute(
            "UPDATE records SET deleted_at = ?2 WHERE id = ?1",
            params![id, timestamp(now)],
        )?;
        let after = get_in(&tx, id)?.ok_or(Error::NoSuchRecord(id))?;
        write_audit(&tx, &after, action, actor, now, Some(&before))?;
        tx.commit()?;
        Ok(after)
    }

    /// Whether any live record is dated within `[from, to]`.
    pub fn any_record_between(&self, from: NaiveDate, to: NaiveDate) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM records WHERE occurred_on BETWEEN ?1 AND ?2 AND deleted_at IS NULL)",
            params![date_key(from), date_key(to)],
            |row| row.get(0),
        )?)
    }

    /// Live records within `[from, to]` counted by type, dimension and status (subsidies
    /// aside: see `subsidy_events`); only those of `only` when given. Read from the running
    /// tallies (migration 0002): whole months from `tally_month`, the days around them from
    /// `tally_day`.
    pub fn tallies(&self, from: NaiveDate, to: NaiveDate, only: Option<RecordType>) -> Result<Vec<Tally>> {
        let split = MonthSplit::of(from, to);
        let mut stmt = self.conn.prepare_cached(
            "SELECT record_type, dimension, status, SUM(count) FROM ( \
                 SELECT record_type, dimension, status, count FROM tally_month WHERE month BETWEEN ?1 AND ?2 \
                 UNION ALL \
                 SELECT record_type, dimension, status, count FROM tally_day \
                     WHERE day BETWEEN ?3 AND ?4 OR day BETWEEN ?5 AND ?6 \
             ) WHERE ?7 IS NULL OR record_type = ?7 GROUP BY 1, 2, 3 HAVING SUM(count) > 0",
        )?;
        let rows = stmt.query_map(
            params![
                split.months.0,
                split.months.1,
                split.head.0,
                split.head.1,
                split.tail.0,
                split.tail.1,
                only.map(RecordType::key)
            ],
            tally_row,
        )?;
        rows.map(|row| tally(row?)).collect()
    }

    /// The tallies of each month from `from` to `to` (`YYYY-MM`, inclusive), as `(month, tally)`.
    pub fn tallies_by_month(&self, from: &str, to: &str) -> Result<Vec<(String, Tally)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT month, record_type, dimension, status, count FROM tally_month \
             WHERE month BETWEEN ?1 AND ?2 AND count > 0",
        )?;
        let rows = stmt.query_map(params![from, to], |row| {
            Ok((
                row.get::<_, String>(0)?,
                (row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?),
            ))
        })?;
        rows.map(|row| {
            let (month, t) = row?;
            Ok((month, tally(t)?))
        })
        .collect()
    }

    /// The districts (as `(area, district)`) with a live meeting within `[from, to]`.
    pub fn districts_met(&self, from: NaiveDate, to: NaiveDate) -> Result<std::collections::HashSet<(String, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT DISTINCT area, district FROM records \
             WHERE record_type = 'meeting' AND occurred_on BETWEEN ?1 AND ?2 AND deleted_at IS NULL",
        )?;
        let rows = stmt.query_map(params![date_key(from), date_key(to)], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The same tallies straight from `records`, without the running tallies: the reference
    /// that tests and benchmarks compare `tallies` with.
    pub fn tallies_from_records(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<Tally>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT record_type, COALESCE(kind, area, ''), \
                    CASE record_type WHEN 'council' THEN status ELSE '' END, SUM(count) \
             FROM records WHERE occurred_on BETWEEN ?1 AND ?2 AND deleted_at IS NULL \
                    AND record_type <> 'subsidy' \
             GROUP BY 1, 2, 3",
        )?;
        let rows = stmt.query_map(params![date_key(from), date_key(to)], tally_row)?;
        rows.map(|row| tally(row?)).collect()
    }

    /// Live subsidy records within `[from, to]`.
    pub fn subsidy_events(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<SubsidyEvent>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, occurred_on, course, group_name, status, amount FROM records \
             WHERE record_type = 'subsidy' AND occurred_on BETWEEN ?1 AND ?2 AND deleted_at IS NULL",
        )?;
        let rows = stmt.query_map(params![date_key(from), date_key(to)], |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
                row.get::<_, i64>(5)?,
            ))
        })?;
        rows.map(|row| {
            let (id, date, course, group, status, amount) = row?;
            Ok(SubsidyEvent {
                id,
                date: NaiveDate::parse_from_str(&date, "%Y-%m-%d")
                    .map_err(|_| Error::Corrupt(format!("記録 {id} の日付")))?,
                course,
                group,
                status,
                amount: u64::try_from(amount).unwrap_or(0),
            })
        })
        .collect()
    }

    /// Subsidy groups already recorded whose name contains `typed`, most recent first.
    pub fn subsidy_groups(&self, typed: &str, limit: usize) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT group_name FROM records WHERE record_type = 'subsidy' AND deleted_at IS NULL \
             AND instr(group_name, ?1) > 0 GROUP BY group_name ORDER BY MAX(id) DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![typed, limit as i64], |row| row.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Refuses `facts` (`Error::GrantTaken`) if they are a grant and the group has a live one
    /// in that course already; for checking a whole file before it is imported. The insert
    /// checks again in its transaction.
    pub fn check_grant(&self, facts: &Facts) -> Result<()> {
        check_one_grant(&self.conn, self.granted.as_deref(), facts, None)
    }
}

/// One live grant per group and course: refuses `facts` if they are a subsidy with status
/// `granted` and another live record (not `except`) is the same group's grant in that course.
pub(super) fn check_one_grant(
    conn: &Connection,
    granted: Option<&str>,
    facts: &Facts,
    except: Option<i64>,
) -> Result<()> {
    let (
        Some(granted),
        Facts::Subsidy {
            course, group, status, ..
        },
    ) = (granted, facts)
    else {
        return Ok(());
    };
    if status != granted {
        return Ok(());
    }
    let existing: Option<(i64, String)> = conn
        .query_row(
            "SELECT id, occurred_on FROM records WHERE record_type = 'subsidy' AND course = ?1 AND group_name = ?2 \
             AND status = ?3 AND deleted_at IS NULL AND id IS NOT ?4 ORDER BY id LIMIT 1",
            params![course, group, granted, except],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    match existing {
        None => Ok(()),
        Some((id, date)) => Err(Error::GrantTaken {
            id,
            date: NaiveDate::parse_from_str(&date, "%Y-%m-%d")
                .map_err(|_| Error::Corrupt(format!("記録 {id} の日付")))?,
            course: course.clone(),
            group: group.clone(),
        }),
    }
}

type TallyRow = (String, String, String, i64);

fn tally_row(row: &Row<'_>) -> rusqlite::Result<TallyRow> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

fn tally((record_type, dimension, status, count): TallyRow) -> Result<Tally> {
    Ok(Tally {
        record_type: record_type
            .parse()
            .map_err(|()| Error::Corrupt(format!("記録の種類「{record_type}」")))?,
        dimension,
        status,
        count: u64::try_from(count).unwrap_or(0),
    })
}

/// A period as whole months (`YYYY-MM` range) and the days before and after them
/// (`YYYY-MM-DD` ranges); an empty range is `("1", "0")`, which nothing is between.
pub(super) struct MonthSplit {
    pub(super) months: (String, String),
    pub(super) head: (String, String),
    pub(super) tail: (String, String),
}

impl MonthSplit {
    pub(super) fn of(from: NaiveDate, to: NaiveDate) -> MonthSplit {
        let empty = || ("1".to_string(), "0".to_string());
        let month_start = |d: NaiveDate| d.with_day(1).unwrap_or(d);
        let next_month = |d: NaiveDate| {
            let first = month_start(d);
            first.checked_add_months(Months::new(1)).unwrap_or(NaiveDate::MAX)
        };
        // The first whole month starts at `from` if `from` is a 1st, else the month after.
        let first_whole = if from.day() == 1 { from } else { next_month(from) };
        // The last whole month ends at `to` if `to` is a month's last day.
        let after_to = to.succ_opt().unwrap_or(NaiveDate::MAX);
        let end_whole = if after_to.day() == 1 { after_to } else { month_start(to) };
        if from > to || first_whole >= end_whole {
            return MonthSplit {
                months: empty(),
                head: (date_key(from), date_key(to)),
                tail: empty(),
            };
        }
        let last_whole = end_whole.pred_opt().unwrap_or(end_whole);
        let head = match first_whole.pred_opt() {
            Some(before) if from <= before => (date_key(from), date_key(before)),
            _ => empty(),
        };
        let tail = if end_whole <= to {
            (date_key(end_whole), date_key(to))
        } else {
            empty()
        };
        MonthSplit {
            months: (
                first_whole.format("%Y-%m").to_string(),
                last_whole.format("%Y-%m").to_string(),
            ),
            head,
            tail,
        }
    }
}

/// Replaces `before`'s date and facts with its audit line (the before and after); in `tx`.
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
        .map(|(i, column)| format!("{column} = ?{}", i + 4))
        .collect();
    let mut values = vec![
        Value::Integer(id),
        Value::Text(facts.record_type().key().to_string()),
        Value::Text(date_key(date)),
    ];
    values.extend(dimension_values(facts));
    tx.execute(
        &format!(
            "UPDATE records SET record_type = ?2, occurred_on = ?3, {} WHERE id = ?1",
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

/// Inserts a record unless one with the same source exists, with its audit line; in `tx`.
/// Refuses a second live grant if `granted` is the status of a grant.
pub(super) fn insert_in(
    tx: &Transaction<'_>,
    granted: Option<&str>,
    new: &NewRecord,
    now: DateTime<Utc>,
) -> Result<Stored> {
    let existing: Option<i64> = tx
        .query_row(
            "SELECT id FROM records WHERE source = ?1 AND source_id = ?2",
            params![new.source.kind.key(), new.source.id],
            |row| row.get(0),
        )
        .optional()?;
    if let Some(id) = existing {
        let record = get_in(tx, id)?.ok_or(Error::NoSuchRecord(id))?;
        return Ok(Stored::Existing(record));
    }
    check_one_grant(tx, granted, &new.facts, None)?;
    let mut values = vec![
        Value::Text(new.facts.record_type().key().to_string()),
        Value::Text(date_key(new.date)),
    ];
    values.extend(dimension_values(&new.facts));
    values.extend([
        Value::Text(new.reporter.id.clone()),
        Value::Text(new.reporter.name.clone()),
        Value::Text(new.source.kind.key().to_string()),
        Value::Text(new.source.id.clone()),
        Value::Text(timestamp(now)),
    ]);
    let placeholders: Vec<String> = (1..=values.len()).map(|i| format!("?{i}")).collect();
    tx.execute(
        &format!(
            "INSERT INTO records (record_type, occurred_on, {}, reporter_id, reporter_name, source, source_id, created_at) \
             VALUES ({})",
            dimension_columns().collect::<Vec<_>>().join(", "),
            placeholders.join(", ")
        ),
        params_from_iter(values),
    )?;
    let id = tx.last_insert_rowid();
    let record = get_in(tx, id)?.ok_or(Error::NoSuchRecord(id))?;
    write_audit(tx, &record, AuditAction::Create, &new.reporter, now, None)?;
    Ok(Stored::New(record))
}
