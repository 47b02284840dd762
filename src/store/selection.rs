//! The live records a `RecordFilter` selects, newest first, without reading the whole table
//! when the running tallies can say where they are.
//!
//! `records` has no date index (a report would write one more page). Instead each tally row
//! bounds the ids of the records it counts and says how many there are (`first_id`, `last_id`,
//! `entries`, migration 0013); the subsidy type, not tallied, is bounded from its index by date.
//! So a filter's period is a window of ids, and within it:
//! - a page of the newest reads ids from the top of the window down and stops once every id left
//!   is below the lowest id of the months it could still take a record from. Records are
//!   reported soon after they happen, so the newest month's records are the top few thousand
//!   ids whatever the table's size; one entered late only widens its month's bounds.
//! - a page past the middle reads from the bottom up, keeping the oldest, and stops once every
//!   id left is above the highest id of the months it could still take a record from. A record
//!   entered long after its date raises its month's highest id, so deep pages of a table full
//!   of such records read more of it: slower, never wrong.
//! - the count is the tallies' `entries` when the filter asks nothing finer than whole months
//!   and a type, else a `COUNT(*)` over the window.
//!
//! The bounds are read only while the database keeps the tallies by the layout this store was
//! described with (`Kept`): before `describe`, or while another process keeps another layout,
//! the window is the whole table, read as before.

use super::records::{date_key, day_number, dimension_columns};
use super::tallies::Kept;
use super::{Error, Result};
use crate::domain::record::{Column, RecordFilter};
use chrono::{Datelike, NaiveDate};
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};
use std::collections::{BTreeMap, BinaryHeap};

/// The SQL condition on `records` that selects the live records `filter` selects, and its
/// values (`?1`, `?2`, … in order).
pub(super) fn filter_sql(filter: &RecordFilter) -> (String, Vec<Value>) {
    let mut conditions = vec!["deleted_at IS NULL".to_string()];
    let mut values: Vec<Value> = Vec::new();
    let mut condition = |sql: &str, value: Value| {
        values.push(value);
        conditions.push(sql.replace('?', &format!("?{}", values.len())));
    };
    if let Some(id) = &filter.reporter_id {
        condition("reporter_id = ?", Value::Text(id.clone()));
    }
    if let Some(name) = &filter.reporter_name {
        condition("instr(reporter_name, ?) > 0", Value::Text(name.clone()));
    }
    if let Some(from) = filter.from {
        condition("occurred_on >= ?", Value::Text(date_key(from)));
    }
    if let Some(to) = filter.to {
        condition("occurred_on <= ?", Value::Text(date_key(to)));
    }
    if let Some(record_type) = filter.record_type {
        condition("record_type = ?", Value::Text(record_type.key().to_string()));
    }
    for (column, value) in &filter.values {
        let sql = Column::ALL
            .into_iter()
            .zip(dimension_columns())
            .find_map(|(c, sql)| (c == *column).then_some(sql))
            .unwrap_or("NULL");
        condition(&format!("{sql} = ?"), Value::Text(value.clone()));
    }
    (conditions.join(" AND "), values)
}

/// Where a filter's records lie among the ids.
#[derive(Debug)]
struct Window {
    /// Every selected record's id is within these, both included.
    ids: (i64, i64),
    /// Per month (`YYYYMM`), oldest first: no selected record of that month or a later one has
    /// a lower id, and none of that month or an earlier one a higher id.
    bounds: Vec<(u32, i64, i64)>,
    /// How many records the filter selects, when the tallies and the index give it exactly.
    count: Option<usize>,
}

impl Window {
    /// The whole table, nothing known.
    fn whole() -> Window {
        Window {
            ids: (i64::MIN, i64::MAX),
            bounds: Vec::new(),
            count: None,
        }
    }

    /// The window of `filter`'s records while the database keeps the tallies by `kept`'s
    /// layout (`Window::of`), else the whole table.
    fn read(conn: &Connection, kept: Option<&Kept>, filter: &RecordFilter) -> Result<Window> {
        match kept {
            Some(kept) if kept.in_place(conn)? => Window::of(conn, kept, filter),
            _ => Ok(Window::whole()),
        }
    }

    /// The window of `filter`'s records, from the tallies `kept` keeps and the index of the
    /// types they leave out.
    fn of(conn: &Connection, kept: &Kept, filter: &RecordFilter) -> Result<Window> {
        let wanted = filter.record_type.map(|t| t.key());
        let skipped: Vec<&str> = kept
            .skipped()
            .iter()
            .copied()
            .filter(|key| wanted.is_none_or(|w| w == *key))
            .collect();
        let tallied = wanted.is_none_or(|w| !kept.skipped().contains(&w));
        // Per month: the lowest and highest id, and how many records.
        let mut months: BTreeMap<u32, (i64, i64, usize)> = BTreeMap::new();
        // A row of (month `YYYY-MM`, lowest id, highest id, records), from either query.
        let mut add = |row: &rusqlite::Row<'_>| -> Result<()> {
            let month = row.get_ref(0)?.as_str().unwrap_or("");
            let key = month_number(month).ok_or_else(|| Error::Corrupt(format!("集計の月 {month}")))?;
            let (first, last, n): (i64, i64, i64) = (row.get(1)?, row.get(2)?, row.get(3)?);
            let entry = months.entry(key).or_insert((i64::MAX, i64::MIN, 0));
            entry.0 = entry.0.min(first);
            entry.1 = entry.1.max(last);
            entry.2 += usize::try_from(n).unwrap_or(0);
            Ok(())
        };
        if tallied {
            let month_of = |date: Option<NaiveDate>, or: &str| {
                date.map_or(or.to_string(), |d| format!("{:04}-{:02}", d.year(), d.month()))
            };
            let mut stmt = conn.prepare_cached(
                "SELECT month, MIN(first_id), MAX(last_id), SUM(entries) FROM tallies \
                 WHERE month BETWEEN ?1 AND ?2 AND (?3 IS NULL OR record_type = ?3) GROUP BY month",
            )?;
            let mut rows = stmt.query(rusqlite::params![
                month_of(filter.from, "0000-00"),
                month_of(filter.to, "9999-99"),
                wanted
            ])?;
            while let Some(row) = rows.next()? {
                add(row)?;
            }
        }
        if !skipped.is_empty() {
            // The partial index by date covers this: every record of the subsidy rule's type has
            // a group (its field is required, `catalogue::record_types`), so a `group_key`.
            let marks: Vec<String> = (3..skipped.len() + 3).map(|i| format!("?{i}")).collect();
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT substr(occurred_on, 1, 7), MIN(id), MAX(id), COUNT(*) FROM records \
                 WHERE record_type IN ({}) AND occurred_on BETWEEN ?1 AND ?2 \
                 AND group_key IS NOT NULL AND deleted_at IS NULL GROUP BY 1",
                marks.join(", ")
            ))?;
            let day = |date: Option<NaiveDate>, or: &str| date.map_or(or.to_string(), date_key);
            let mut values = vec![
                Value::Text(day(filter.from, "0000-00-00")),
                Value::Text(day(filter.to, "9999-99-99")),
            ];
            values.extend(skipped.iter().map(|key| Value::Text(key.to_string())));
            let mut rows = stmt.query(params_from_iter(values.iter()))?;
            while let Some(row) = rows.next()? {
                add(row)?;
            }
        }
        let ids = months
            .values()
            .fold((i64::MAX, i64::MIN), |(lo, hi), (first, last, _)| {
                (lo.min(*first), hi.max(*last))
            });
        let mut bounds: Vec<(u32, i64, i64)> = Vec::with_capacity(months.len());
        let mut ceiling = i64::MIN;
        for (month, (_, last, _)) in &months {
            ceiling = ceiling.max(*last);
            bounds.push((*month, i64::MAX, ceiling));
        }
        let mut floor = i64::MAX;
        for (bound, (first, _, _)) in bounds.iter_mut().rev().zip(months.values().rev()) {
            floor = floor.min(*first);
            bound.1 = floor;
        }
        // The tallies count whole months; the index, days.
        let whole_months = !tallied
            || (filter.from.is_none_or(|d| d.day() == 1)
                && filter
                    .to
                    .is_none_or(|d| d.succ_opt().is_none_or(|next| next.day() == 1)));
        let exact =
            whole_months && filter.reporter_id.is_none() && filter.reporter_name.is_none() && filter.values.is_empty();
        Ok(Window {
            ids,
            bounds,
            count: exact.then(|| months.values().map(|m| m.2).sum()),
        })
    }

    /// The lowest id a selected record of `month` or a later month can have; `i64::MIN` if the
    /// window does not know.
    fn floor(&self, month: u32) -> i64 {
        let at = self.bounds.partition_point(|(m, _, _)| *m < month);
        self.bounds.get(at).map_or(i64::MIN, |(_, floor, _)| *floor)
    }

    /// The highest id a selected record of `month` or an earlier month can have; `i64::MAX` if
    /// the window does not know.
    fn ceiling(&self, month: u32) -> i64 {
        let at = self.bounds.partition_point(|(m, _, _)| *m <= month);
        at.checked_sub(1)
            .and_then(|at| self.bounds.get(at))
            .map_or(i64::MAX, |(_, _, ceiling)| *ceiling)
    }
}

/// The ids between which every live record `filter` selects lies (both included), as
/// `page_keys` reads its window: from the tallies (and the subsidy index) while `kept` is in
/// place, else the whole table; `None` when no record can be selected.
pub(super) fn id_window(conn: &Connection, kept: Option<&Kept>, filter: &RecordFilter) -> Result<Option<(i64, i64)>> {
    let (lo, hi) = Window::read(conn, kept, filter)?.ids;
    Ok((lo <= hi).then_some((lo, hi)))
}

/// `YYYY-MM` as `YYYYMM`.
fn month_number(text: &str) -> Option<u32> {
    day_number(&format!("{text}-01")).map(|day| day / 100)
}

/// A page of the records a filter selects.
#[derive(Debug)]
pub(super) struct Page {
    /// Their keys (date as `day_number`, id), newest first.
    pub keys: Vec<(u32, i64)>,
    /// How many records the filter selects in all.
    pub total: usize,
    /// How many rows were read to find them.
    pub read: usize,
}

/// Which end of the window a scan starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// The newest ids first, keeping the newest records.
    Top,
    /// The oldest ids first, keeping the oldest records.
    Bottom,
}

/// The live records `filter` selects after the first `offset`, newest first, at most `limit`
/// of them, and how many it selects, read in `conn`'s transaction.
///
/// The window's ids are read from the top down, the newest `offset + limit` kept in a heap, until
/// every id left is below the floor of the oldest kept one's month: none of them can be newer.
/// A page past the middle is nearer the oldest record: then the ids are read from the bottom up,
/// the oldest `total - offset` kept, until every id left is above the ceiling of the newest kept
/// one's month.
pub(super) fn page_keys(
    conn: &Connection,
    kept: Option<&Kept>,
    filter: &RecordFilter,
    offset: usize,
    limit: usize,
) -> Result<Page> {
    let window = Window::read(conn, kept, filter)?;
    let (sql_where, mut values) = filter_sql(filter);
    let n = values.len();
    values.push(Value::Integer(window.ids.0));
    values.push(Value::Integer(window.ids.1));
    let within = format!("id BETWEEN ?{} AND ?{} AND {sql_where}", n + 1, n + 2);
    let count = || -> Result<usize> {
        let count: i64 = conn.query_row(
            &format!("SELECT COUNT(*) FROM records WHERE {within}"),
            params_from_iter(values.iter()),
            |row| row.get(0),
        )?;
        Ok(usize::try_from(count).unwrap_or(0))
    };
    // Past the first page, the count decides the end to read from.
    let total = match window.count {
        Some(total) => Some(total),
        None if offset > 0 => Some(count()?),
        None => None,
    };
    let keep = offset.saturating_add(limit);
    let (end, keep) = match total {
        Some(total) if offset > total / 2 => (End::Bottom, total.saturating_sub(offset)),
        _ => (End::Top, keep),
    };
    let scan = scan(conn, &window, &within, &values, end, keep)?;
    let total = match (total, scan.stopped) {
        (Some(total), _) => total,
        (None, false) => scan.seen,
        (None, true) => count()?,
    };
    let mut keys = scan.keys;
    if end == End::Top {
        keys.drain(..offset.min(keys.len()));
    }
    keys.truncate(limit);
    Ok(Page {
        keys,
        total,
        read: scan.read,
    })
}

/// What a scan of the window found.
struct Scan {
    /// The keys kept, newest first.
    keys: Vec<(u32, i64)>,
    /// Rows read, rows that passed the filter, and whether it stopped before the window's end.
    read: usize,
    seen: usize,
    stopped: bool,
}

/// Reads the window's ids from `end`, keeping the `keep` records nearest that end by date (then
/// id), until no id left can be nearer.
fn scan(conn: &Connection, window: &Window, within: &str, values: &[Value], end: End, keep: usize) -> Result<Scan> {
    // The heap's top is the kept key farthest from the end, so that a nearer one replaces it:
    // from the top, keys are kept as their complements.
    let to_heap = |(day, id): (u32, i64)| match end {
        End::Top => (u32::MAX - day, i64::MAX - id),
        End::Bottom => (day, id),
    };
    let from_heap = to_heap;
    let order = match end {
        End::Top => "DESC",
        End::Bottom => "ASC",
    };
    let mut heap: BinaryHeap<(u32, i64)> = BinaryHeap::with_capacity(keep.min(10_000) + 1);
    let (mut read, mut seen, mut stopped) = (0, 0, false);
    let mut stmt = conn.prepare(&format!(
        "SELECT id, occurred_on FROM records WHERE {within} ORDER BY id {order}"
    ))?;
    let mut rows = stmt.query(params_from_iter(values.iter()))?;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        read += 1;
        if heap.len() >= keep {
            // Every id left is past this one: can any of them be nearer the end than the
            // farthest kept?
            let done = match heap.peek().map(|k| from_heap(*k)) {
                None => true,
                Some((day, _)) if end == End::Top => id < window.floor(day / 100),
                Some((day, _)) => id > window.ceiling(day / 100),
            };
            if done {
                stopped = true;
                break;
            }
        }
        let day = row.get_ref(1)?.as_str().ok().and_then(day_number);
        let day = day.ok_or_else(|| Error::Corrupt(format!("記録 {id} の日付")))?;
        seen += 1;
        let key = to_heap((day, id));
        if heap.len() < keep {
            heap.push(key);
        } else if heap.peek().is_some_and(|farthest| key < *farthest) {
            heap.pop();
            heap.push(key);
        }
    }
    let mut keys: Vec<(u32, i64)> = heap.into_iter().map(from_heap).collect();
    keys.sort_unstable_by(|a, b| b.cmp(a));
    Ok(Scan {
        keys,
        read,
        seen,
        stopped,
    })
}

#[cfg(test)]
mod tests {
    use super::month_number;

    #[test]
    fn a_month_is_its_number() {
        assert_eq!(month_number("2026-04"), Some(202604));
        assert_eq!(month_number("2026-4"), None);
        assert_eq!(month_number("abcd-04"), None);
    }
}
