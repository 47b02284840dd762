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
use std::cmp::Reverse;
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
    /// a lower id.
    floors: Vec<(u32, i64)>,
    /// How many records the filter selects, when the tallies and the index give it exactly.
    count: Option<usize>,
}

impl Window {
    /// The whole table, nothing known.
    fn whole() -> Window {
        Window {
            ids: (i64::MIN, i64::MAX),
            floors: Vec::new(),
            count: None,
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
        let mut add = |month: &str, first: i64, last: i64, n: i64| -> Result<()> {
            let key = month_number(month).ok_or_else(|| Error::Corrupt(format!("集計の月 {month}")))?;
            let entry = months.entry(key).or_insert((i64::MAX, i64::MIN, 0));
            entry.0 = entry.0.min(first);
            entry.1 = entry.1.max(last);
            entry.2 += usize::try_from(n).unwrap_or(0);
            Ok(())
        };
        if tallied {
            let month_of =
                |date: Option<NaiveDate>, or: &str| date.map_or(or.to_string(), |d| date_key(d)[..7].to_string());
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
                add(
                    row.get_ref(0)?.as_str().unwrap_or(""),
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                )?;
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
                add(
                    row.get_ref(0)?.as_str().unwrap_or(""),
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                )?;
            }
        }
        let ids = months
            .values()
            .fold((i64::MAX, i64::MIN), |(lo, hi), (first, last, _)| {
                (lo.min(*first), hi.max(*last))
            });
        let mut floor = i64::MAX;
        let mut floors: Vec<(u32, i64)> = months
            .iter()
            .rev()
            .map(|(month, (first, _, _))| {
                floor = floor.min(*first);
                (*month, floor)
            })
            .collect();
        floors.reverse();
        // The tallies count whole months; the index, days.
        let whole_months = !tallied
            || (filter.from.is_none_or(|d| d.day() == 1)
                && filter.to.is_none_or(|d| (d + chrono::Days::new(1)).day() == 1));
        let exact =
            whole_months && filter.reporter_id.is_none() && filter.reporter_name.is_none() && filter.values.is_empty();
        Ok(Window {
            ids,
            floors,
            count: exact.then(|| months.values().map(|m| m.2).sum()),
        })
    }

    /// The lowest id a selected record of `month` or a later month can have; `i64::MIN` if the
    /// window does not know.
    fn floor(&self, month: u32) -> i64 {
        let at = self.floors.partition_point(|(m, _)| *m < month);
        self.floors.get(at).map_or(i64::MIN, |(_, id)| *id)
    }
}

/// `YYYY-MM` as `YYYYMM`.
fn month_number(text: &str) -> Option<u32> {
    day_number(&format!("{text}-01")).map(|day| day / 100)
}

/// The newest records a filter selects.
#[derive(Debug)]
pub(super) struct Newest {
    /// Their keys (date as `day_number`, id), newest first.
    pub keys: Vec<(u32, i64)>,
    /// How many records the filter selects in all.
    pub total: usize,
    /// How many rows were read to find them.
    pub read: usize,
}

/// The newest `keep` live records `filter` selects, read in `conn`'s transaction. The window's
/// ids are read from the top down, the newest kept in a heap, until every id left is below the
/// floor of the oldest kept one's month: none of them can be newer.
pub(super) fn newest_keys(
    conn: &Connection,
    kept: Option<&Kept>,
    filter: &RecordFilter,
    keep: usize,
) -> Result<Newest> {
    let window = match kept {
        Some(kept) if kept.in_place(conn)? => Window::of(conn, kept, filter)?,
        _ => Window::whole(),
    };
    let (sql_where, mut values) = filter_sql(filter);
    let n = values.len();
    values.push(Value::Integer(window.ids.0));
    values.push(Value::Integer(window.ids.1));
    let within = format!("id BETWEEN ?{} AND ?{} AND {sql_where}", n + 1, n + 2);
    let mut newest: BinaryHeap<Reverse<(u32, i64)>> = BinaryHeap::with_capacity(keep.min(10_000) + 1);
    let (mut seen, mut read) = (0, 0);
    let mut stopped = false;
    {
        let mut stmt = conn.prepare(&format!(
            "SELECT id, occurred_on FROM records WHERE {within} ORDER BY id DESC"
        ))?;
        let mut rows = stmt.query(params_from_iter(values.iter()))?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            read += 1;
            if newest.len() >= keep {
                let floor = newest
                    .peek()
                    .map_or(i64::MAX, |Reverse((day, _))| window.floor(day / 100));
                if id < floor {
                    stopped = true;
                    break;
                }
            }
            let day = row.get_ref(1)?.as_str().ok().and_then(day_number);
            let day = day.ok_or_else(|| Error::Corrupt(format!("記録 {id} の日付")))?;
            seen += 1;
            let key = Reverse((day, id));
            if newest.len() < keep {
                newest.push(key);
            } else if newest.peek().is_some_and(|oldest| key < *oldest) {
                // Newer than the oldest kept: it takes its place.
                newest.pop();
                newest.push(key);
            }
        }
    }
    let total = match (stopped, window.count) {
        (false, _) => seen,
        (true, Some(count)) => count,
        (true, None) => {
            let count: i64 = conn.query_row(
                &format!("SELECT COUNT(*) FROM records WHERE {within}"),
                params_from_iter(values.iter()),
                |row| row.get(0),
            )?;
            usize::try_from(count).unwrap_or(0)
        }
    };
    let mut keys: Vec<(u32, i64)> = newest.into_iter().map(|Reverse(key)| key).collect();
    keys.sort_unstable_by(|a, b| b.cmp(a));
    Ok(Newest { keys, total, read })
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
