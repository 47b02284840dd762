//! What the monthly reminder reads and keeps: who turned its mentions off for themselves
//! (`remind_optouts`, migration 0008: `/remind off` and `/remind on`), the last day each place
//! had a record of a type, and whether a type has any record in a period — both from the
//! running tallies (and a subsidy record's date index), whatever the size of `records`.

use super::{timestamp, write, Result, Store};
use crate::domain::record::Actor;
use crate::domain::{RecordType, YearMonth};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rusqlite::params;
use std::collections::{HashMap, HashSet};

impl Store {
    /// Turns the reminder's mentions off for `user`; false if they were off already.
    pub fn remind_off(&mut self, user: &Actor, now: DateTime<Utc>) -> Result<bool> {
        let tx = write(&mut self.conn)?;
        let changed = tx.execute(
            "INSERT INTO remind_optouts (user_id, user_name, at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (user_id) DO NOTHING",
            params![user.id, user.name, timestamp(now)],
        )?;
        tx.commit()?;
        Ok(changed > 0)
    }

    /// Turns the reminder's mentions on again for the user `user_id`; false if they were on.
    pub fn remind_on(&mut self, user_id: &str) -> Result<bool> {
        let tx = write(&mut self.conn)?;
        let changed = tx.execute("DELETE FROM remind_optouts WHERE user_id = ?1", [user_id])?;
        tx.commit()?;
        Ok(changed > 0)
    }

    /// The ids of the users who turned the reminder's mentions off.
    pub fn reminded_off(&self) -> Result<HashSet<String>> {
        let mut stmt = self.conn.prepare_cached("SELECT user_id FROM remind_optouts")?;
        let rows = stmt.query_map([], |row| row.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The last day with a live record of `record_type`, per value of its `by` and `detail`
    /// fields (a meeting's area and district), up to `through`: read from the days of the
    /// running tallies month by month backwards, until each of `places` has its day or the
    /// tallies' first month is read. The months read follow how long ago the places last had a
    /// record, not the size of the history.
    pub fn last_days(
        &self,
        record_type: RecordType,
        through: NaiveDate,
        places: &[(String, String)],
    ) -> Result<HashMap<(String, String), NaiveDate>> {
        let first: Option<String> = self
            .conn
            .query_row("SELECT MIN(month) FROM tallies", [], |row| row.get(0))?;
        let mut last = HashMap::new();
        let Some(first) = first else {
            return Ok(last);
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT dimension, detail, {} FROM tallies WHERE month = ?1 AND record_type = ?2 AND count > 0",
            (1..=31).map(|d| format!("d{d:02}")).collect::<Vec<_>>().join(", ")
        ))?;
        let mut month = YearMonth::of(through);
        let mut up_to_day = through.day();
        while month.key() >= first {
            let mut rows = stmt.query(params![month.key(), record_type.key()])?;
            while let Some(row) = rows.next()? {
                // The month's last day with a record, up to `up_to_day`.
                let mut day = None;
                for d in (1..=up_to_day).rev() {
                    if row.get::<_, i64>(1 + d as usize)? > 0 {
                        day = Some(d);
                        break;
                    }
                }
                if let Some(date) = day.and_then(|d| month.first_day().with_day(d)) {
                    last.entry((row.get(0)?, row.get(1)?)).or_insert(date);
                }
            }
            if places.iter().all(|place| last.contains_key(place)) {
                break;
            }
            month = month.previous();
            up_to_day = 31;
        }
        Ok(last)
    }

    /// Whether `record_type` has a live record dated within `[from, to]`: from the running
    /// tallies, or for the subsidy rule's type (not tallied) from its date index.
    pub fn has_records(&self, record_type: RecordType, from: NaiveDate, to: NaiveDate) -> Result<bool> {
        self.any_record(Some(record_type), from, to)
    }
}
