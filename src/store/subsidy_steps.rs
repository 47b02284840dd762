//! What each subsidy record counts for in its group's lifecycle (`domain::subsidy::Counted`),
//! kept in `subsidy_steps` (migration 0010) so that a period's subsidy figures are one range of
//! that table, whatever the length of its groups' histories.
//!
//! Triggers on `records`, made from the catalogue's subsidy type, note every group (name key,
//! per course) whose records an insert, edit or delete changes in `subsidy_unsettled`; every
//! write of the store ends by rewriting those groups' steps from their live records and emptying
//! it (`settle`), in its own transaction. The lifecycle is read by `domain::subsidy::counted`,
//! the one reading the checks use too. The whole table is counted again, and the triggers made
//! again, when the catalogue's subsidy states differ from those it was counted with
//! (`Store::keep_subsidy_steps`, kept in `meta`), as the running tallies are. Steps are read only
//! when they were counted with the states the reader knows and nothing is left unsettled
//! (`Store::counted_between`); otherwise the figures are read from the records.

use super::lifecycle::{self, event, event_row, Place, EVENT_COLUMNS};
use super::records::{date_key, stored_date};
use super::{write, Error, Result, Store};
use crate::domain::catalogue::Subsidy;
use crate::domain::subsidy::{self, Counted, SubsidyEvent};
use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension};
use std::collections::{BTreeMap, HashSet};
use std::rc::Rc;

/// The `meta` key of the states the steps were counted with.
const META_KEY: &str = "subsidy_steps";

/// Bumped whenever `domain::subsidy::counted` changes what a record counts for: every
/// database's steps are then counted again at the next start.
const VERSION: u32 = 1;

/// What the steps depend on besides the records: the type, its states in lifecycle order.
fn fingerprint(rules: &Subsidy) -> String {
    format!("v{VERSION} {} {:?}", rules.record_type.key(), rules.statuses())
}

/// Rewrites the steps of the groups noted unsettled (by this write's triggers, or by a writer
/// that did not know the states), at the end of a write, in its transaction. Nothing without
/// `rules`: the groups stay noted, and the figures are read from the records meanwhile.
pub(super) fn settle(conn: &Connection, rules: Option<&Subsidy>) -> Result<()> {
    let Some(rules) = rules else {
        return Ok(());
    };
    let places: Vec<Place> = {
        let mut stmt = conn.prepare_cached("SELECT course, group_key FROM subsidy_unsettled")?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    if places.is_empty() {
        return Ok(());
    }
    for (course, key) in places {
        conn.prepare_cached("DELETE FROM subsidy_steps WHERE group_key = ?1 AND course = ?2")?
            .execute(params![key, course])?;
        let records = lifecycle::timeline(conn, rules, &course, &key)?;
        insert(conn, rules, &key, &records.iter().collect::<Vec<_>>())?;
    }
    conn.execute("DELETE FROM subsidy_unsettled", [])?;
    Ok(())
}

/// The triggers that note the groups a write changes, for the subsidy type of `rules`.
fn triggers(rules: &Subsidy) -> String {
    // The key is a `RecordType::is_key` word: nothing to escape.
    let note = |row: &str| {
        format!(
            "INSERT OR IGNORE INTO subsidy_unsettled SELECT {row}.group_key, COALESCE({row}.course, '') \
             WHERE {row}.record_type = '{key}' AND {row}.group_key IS NOT NULL;",
            key = rules.record_type.key()
        )
    };
    format!(
        "CREATE TRIGGER subsidy_unsettled_insert AFTER INSERT ON records BEGIN {new} END; \
         CREATE TRIGGER subsidy_unsettled_update AFTER UPDATE ON records BEGIN {old} {new} END; \
         CREATE TRIGGER subsidy_unsettled_delete AFTER DELETE ON records BEGIN {old} END;",
        new = note("NEW"),
        old = note("OLD"),
    )
}

/// Inserts the steps of one group's live records in one course, under the group's key.
fn insert(conn: &Connection, rules: &Subsidy, key: &str, records: &[&SubsidyEvent]) -> Result<()> {
    let mut stmt =
        conn.prepare_cached("INSERT INTO subsidy_steps VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")?;
    for c in subsidy::counted(rules, records) {
        stmt.execute(params![
            date_key(c.date),
            c.id,
            &*c.course,
            key,
            c.group,
            c.applied,
            c.granted,
            i64::try_from(c.amount).unwrap_or(i64::MAX),
            c.withdrawn_on.map(date_key),
            c.declined,
            c.rejected,
        ])?;
    }
    Ok(())
}

/// Every step counted again from the records, with the triggers made for `rules`.
fn rebuild(conn: &Connection, rules: &Subsidy) -> Result<()> {
    conn.execute_batch(
        "DROP TRIGGER IF EXISTS subsidy_unsettled_insert; DROP TRIGGER IF EXISTS subsidy_unsettled_update; \
         DROP TRIGGER IF EXISTS subsidy_unsettled_delete; DELETE FROM subsidy_steps; DELETE FROM subsidy_unsettled;",
    )?;
    conn.execute_batch(&triggers(rules))?;
    let mut stmt = conn.prepare(&format!(
        "SELECT {EVENT_COLUMNS}, group_key FROM records \
         WHERE group_key IS NOT NULL AND record_type = ?1 AND deleted_at IS NULL"
    ))?;
    let rows = stmt.query_map([rules.record_type.key()], |row| {
        Ok((event_row(row)?, row.get::<_, String>(6)?))
    })?;
    let mut groups: BTreeMap<Place, Vec<SubsidyEvent>> = BTreeMap::new();
    for row in rows {
        let (row, key) = row?;
        let e = event(row)?;
        groups.entry((e.course.clone(), key)).or_default().push(e);
    }
    for ((_, key), records) in &groups {
        insert(conn, rules, key, &records.iter().collect::<Vec<_>>())?;
    }
    Ok(())
}

impl Store {
    /// Keeps the steps by the catalogue's subsidy states: when the database was counted with
    /// others (or never, after migration 0010), every step is counted again from the records, in
    /// one transaction. Returns whether it did.
    pub fn keep_subsidy_steps(&mut self, rules: &Subsidy) -> Result<bool> {
        let wanted = fingerprint(rules);
        if self.steps_counted_as(&wanted)? {
            if unsettled(&self.conn)? {
                let tx = write(&mut self.conn)?;
                settle(&tx, Some(rules))?;
                tx.commit()?;
            }
            return Ok(false);
        }
        let tx = write(&mut self.conn)?;
        // Another process may have done it while this one waited for the lock.
        if meta(&tx)?.as_deref() == Some(wanted.as_str()) {
            settle(&tx, Some(rules))?;
            tx.commit()?;
            return Ok(false);
        }
        rebuild(&tx, rules)?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![META_KEY, wanted],
        )?;
        tx.commit()?;
        tracing::info!("subsidy steps counted again for the catalogue's subsidy states");
        Ok(true)
    }

    /// Per course, the counts of `[from, to]` from the steps, when they are kept by `rules` (as
    /// `counted_between`); `None` otherwise. The same figures as `domain::subsidy::tally_counted`
    /// for the one end `to` (tested): groups each once, by their first record's id; a group's
    /// grant counts unless withdrawn by `to`, and a group has at most one grant that counts (one
    /// per group and course, ever), so the grants' amounts add up. Counted here from the rows,
    /// not by SQLite's `COUNT(DISTINCT …)`, whose four temporary B-trees took four times as long.
    pub fn counts_between(
        &self,
        rules: &Subsidy,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Option<BTreeMap<String, subsidy::Counts>>> {
        if !self.steps_kept(rules)? {
            return Ok(None);
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT course, group_id, applied, \
                 granted AND (withdrawn_on IS NULL OR withdrawn_on > ?2), amount, declined, rejected \
             FROM subsidy_steps WHERE occurred_on BETWEEN ?1 AND ?2",
        )?;
        let mut rows = stmt.query(params![date_key(from), date_key(to)])?;
        // Per course (a few): the groups that applied, hold a grant, declined, were rejected.
        let mut courses: Vec<(String, [HashSet<i64>; 4], u64)> = Vec::new();
        while let Some(row) = rows.next()? {
            let course = row.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
            let at = match courses.iter().position(|(c, _, _)| c == course) {
                Some(at) => at,
                None => {
                    courses.push((course.to_string(), Default::default(), 0));
                    courses.len() - 1
                }
            };
            let (_, groups, amount) = &mut courses[at];
            let group: i64 = row.get(1)?;
            for (set, column) in groups.iter_mut().zip([2, 3, 5, 6]) {
                if row.get::<_, bool>(column)? {
                    set.insert(group);
                }
            }
            if row.get::<_, bool>(3)? {
                *amount += u64::try_from(row.get::<_, i64>(4)?).unwrap_or(0);
            }
        }
        let counts = courses
            .into_iter()
            .map(|(course, [applied, granted, declined, rejected], amount)| {
                let n = |set: HashSet<i64>| set.len() as u64;
                let counts = subsidy::Counts {
                    applications: n(applied),
                    grants: n(granted),
                    amount,
                    declines: n(declined),
                    rejections: n(rejected),
                };
                (course, counts)
            });
        Ok(Some(counts.collect()))
    }

    /// Whether the steps can be read for `rules`: this store keeps them by those states, they
    /// were counted with them, and no write left a group unsettled.
    fn steps_kept(&self, rules: &Subsidy) -> Result<bool> {
        Ok(self.subsidy.as_ref() == Some(rules)
            && self.steps_counted_as(&fingerprint(rules))?
            && !unsettled(&self.conn)?)
    }

    fn steps_counted_as(&self, wanted: &str) -> Result<bool> {
        Ok(meta(&self.conn)?.as_deref() == Some(wanted))
    }

    /// What the live subsidy records dated within `[from, to]` count for, when the steps are
    /// kept by `rules` (this store keeps them, they were counted with them, and no write left a
    /// group unsettled); `None` otherwise.
    pub fn counted_between(&self, rules: &Subsidy, from: NaiveDate, to: NaiveDate) -> Result<Option<Vec<Counted>>> {
        if !self.steps_kept(rules)? {
            return Ok(None);
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT occurred_on, record_id, course, group_id, applied, granted, amount, withdrawn_on, \
             declined, rejected FROM subsidy_steps WHERE occurred_on BETWEEN ?1 AND ?2",
        )?;
        let mut rows = stmt.query(params![date_key(from), date_key(to)])?;
        // The courses are few: each read once, then shared.
        let mut courses: Vec<Rc<str>> = Vec::new();
        let mut counted = Vec::new();
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(1)?;
            let text = |i: usize| -> Result<Option<&str>> {
                row.get_ref(i)?
                    .as_str_or_null()
                    .map_err(|_| Error::Corrupt(format!("記録 {id} の集計用の段階")))
            };
            let course = text(2)?.unwrap_or_default();
            let course = match courses.iter().find(|c| &***c == course) {
                Some(known) => known.clone(),
                None => {
                    courses.push(course.into());
                    courses[courses.len() - 1].clone()
                }
            };
            let withdrawn_on = match text(7)? {
                Some(date) => Some(stored_date(date, id)?),
                None => None,
            };
            counted.push(Counted {
                id,
                date: stored_date(text(0)?.unwrap_or_default(), id)?,
                course,
                group: row.get(3)?,
                applied: row.get(4)?,
                granted: row.get(5)?,
                amount: u64::try_from(row.get::<_, i64>(6)?).unwrap_or(0),
                withdrawn_on,
                declined: row.get(8)?,
                rejected: row.get(9)?,
            });
        }
        Ok(Some(counted))
    }
}

/// Whether a group's steps wait to be rewritten.
fn unsettled(conn: &Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM subsidy_unsettled)")?
        .query_row([], |row| row.get(0))?)
}

fn meta(conn: &Connection) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [META_KEY], |row| row.get(0))
        .optional()?)
}
