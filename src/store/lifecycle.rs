//! The subsidy lifecycle as the store keeps it: a write's subsidy records — new ones, edits of
//! stored ones, or both together (an import) — checked with `domain::subsidy::check` against
//! their groups' live records (by name key, per course), before the write is made and in its
//! transaction. Every write goes through here: `insert`, `insert_batch`, `edit`, `delete`,
//! `write_batch`, and `check_subsidies` (an import's rows checked before its batch, every
//! refusal listed).
//!
//! A new record is checked as it would be stored (an id after every stored one, in the order
//! given; under the known spelling of its group); an edited one where it leaves and where it
//! lands (its group or course may change).

use super::{source_stored, Error, Result};
use crate::domain::catalogue::Subsidy;
use crate::domain::record::{Column, Facts, NewRecord, Record};
use crate::domain::subsidy::{self, Change, Check, Refusal, SubsidyEvent};
use crate::domain::text::name_key;
use crate::domain::RecordType;
use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row};
use std::collections::{BTreeMap, HashSet};

/// A stored record to change: the record as the caller read it, and its new date and facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub before: Record,
    pub date: NaiveDate,
    pub facts: Facts,
}

/// Which item of a write a refusal is about: a new record or an edit, by its index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Item {
    New(usize),
    Edit(usize),
}

/// The columns of a `SubsidyEvent`.
pub(super) const EVENT_COLUMNS: &str = "id, occurred_on, course, group_name, status, amount";

pub(super) type EventRow = (i64, String, String, String, String, Option<i64>);

pub(super) fn event_row(row: &Row<'_>) -> rusqlite::Result<EventRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
    ))
}

pub(super) fn event((id, date, course, group, status, amount): EventRow) -> Result<SubsidyEvent> {
    Ok(SubsidyEvent {
        id,
        date: NaiveDate::parse_from_str(&date, "%Y-%m-%d").map_err(|_| Error::Corrupt(format!("記録 {id} の日付")))?,
        course,
        group,
        status,
        amount: amount.and_then(|a| u64::try_from(a).ok()),
    })
}

/// The subsidy event a record of `facts` on `date` would be, if it is of the type that keeps
/// the lifecycle of `rules`.
fn event_of(rules: &Subsidy, id: i64, date: NaiveDate, facts: &Facts) -> Option<SubsidyEvent> {
    if facts.record_type != rules.record_type {
        return None;
    }
    let text = |column| facts.text(column).unwrap_or_default().to_string();
    Some(SubsidyEvent {
        id,
        date,
        course: text(Column::Course),
        group: text(Column::Group),
        status: text(Column::Status),
        amount: facts.number(Column::Amount),
    })
}

/// A group in a course: the course and the group's name key.
pub(super) type Place = (String, String);

fn place(e: &SubsidyEvent) -> Place {
    (e.course.clone(), name_key(&e.group))
}

/// The live records of the group with name key `key` in `course`.
pub(super) fn timeline(conn: &Connection, rules: &Subsidy, course: &str, key: &str) -> Result<Vec<SubsidyEvent>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS} FROM records \
         WHERE group_key = ?1 AND course = ?2 AND record_type = ?3 AND deleted_at IS NULL \
         ORDER BY occurred_on, id"
    ))?;
    let rows = stmt.query_map(rusqlite::params![key, course, rules.record_type.key()], event_row)?;
    rows.map(|row| event(row?)).collect()
}

/// The spelling of the known group of `record_type` with name key `key`: its first live
/// record's, if any.
pub(super) fn known_group(conn: &Connection, record_type: RecordType, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT group_name FROM records WHERE group_key = ?1 AND record_type = ?2 \
             AND deleted_at IS NULL ORDER BY id LIMIT 1",
            rusqlite::params![key, record_type.key()],
            |row| row.get(0),
        )
        .optional()?)
}

/// Ids for records not stored yet: after every stored one, in the order given.
const UNSTORED: i64 = 1 << 62;

/// One item's part in a group: its id there, and what it is there after the write (`None`:
/// an edited record that leaves the group).
struct Pending {
    item: Item,
    id: i64,
    after: Option<SubsidyEvent>,
}

/// Every refusal the lifecycle gives if `new` were stored and `edits` applied together in
/// `conn`'s current state, each with the item it is about, in the items' order (new records,
/// then edits), one per item. New records whose source is stored (or given twice) write
/// nothing and are left out; `labels[i]` names new record `i` in a message
/// (`このファイルの3行目`). Per group, the items are checked together in date order; an item
/// refused is left out and the rest checked again, so one mistake does not hide another.
/// Empty without `rules`.
pub(super) fn refusals(
    conn: &Connection,
    rules: Option<&Subsidy>,
    new: &[NewRecord],
    labels: &[String],
    edits: &[Edit],
) -> Result<Vec<(Item, Refusal)>> {
    let Some(rules) = rules else {
        return Ok(Vec::new());
    };
    let mut places: BTreeMap<Place, Vec<Pending>> = BTreeMap::new();
    let mut unstored = Vec::new();
    let mut sources = HashSet::new();
    for (i, record) in new.iter().enumerate() {
        let id = UNSTORED + i as i64;
        let Some(mut event) = event_of(rules, id, record.date, &record.facts) else {
            continue;
        };
        if !sources.insert((record.source.kind.key(), record.source.id.as_str()))
            || source_stored(conn, &record.source)?
        {
            continue;
        }
        let at = place(&event);
        if let Some(known) = known_group(conn, rules.record_type, &at.1)? {
            event.group = known;
        }
        let label = labels
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("一緒に登録する{}件目", i + 1));
        unstored.push((id, label));
        places.entry(at).or_default().push(Pending {
            item: Item::New(i),
            id,
            after: Some(event),
        });
    }
    for (i, edit) in edits.iter().enumerate() {
        let id = edit.before.id;
        let old = event_of(rules, id, edit.before.date, &edit.before.facts);
        let new = event_of(rules, id, edit.date, &edit.facts);
        // Where it lands, with its new facts; where it leaves (if elsewhere), without it.
        if let Some(new) = &new {
            places.entry(place(new)).or_default().push(Pending {
                item: Item::Edit(i),
                id,
                after: Some(new.clone()),
            });
        }
        if let Some(old) = old.filter(|old| new.as_ref().map(place) != Some(place(old))) {
            places.entry(place(&old)).or_default().push(Pending {
                item: Item::Edit(i),
                id,
                after: None,
            });
        }
    }
    let mut refused: Vec<(Item, Refusal)> = Vec::new();
    for ((course, key), mut pending) in places {
        let before = timeline(conn, rules, &course, &key)?;
        while !pending.is_empty() {
            let ids: Vec<i64> = pending.iter().map(|p| p.id).collect();
            let mut after: Vec<SubsidyEvent> = before.iter().filter(|e| !ids.contains(&e.id)).cloned().collect();
            after.extend(pending.iter().filter_map(|p| p.after.clone()));
            let of = |new: bool| -> Vec<i64> {
                pending
                    .iter()
                    .filter(|p| matches!(p.item, Item::New(_)) == new)
                    .map(|p| p.id)
                    .collect()
            };
            let (added, edited) = (of(true), of(false));
            // A single entry or edit is worded as one; an import's rows together as an import.
            let change = match (added.as_slice(), edited.as_slice()) {
                (_, []) => Change::Add(&added),
                ([], [id]) => Change::Edit(*id),
                _ => Change::Import {
                    added: &added,
                    edited: &edited,
                },
            };
            let Err(refusal) = subsidy::check(&Check {
                subsidy: rules,
                before: &before,
                after: &after,
                change,
                unstored: &unstored,
            }) else {
                break;
            };
            // The item the refusal is about; when it is none of them (the write leaves a
            // stored record out of order), the group's first.
            let at = pending.iter().position(|p| Some(p.id) == refusal.changed);
            let item = pending.remove(at.unwrap_or(0)).item;
            if !refused.iter().any(|(i, _)| *i == item) {
                refused.push((item, refusal));
            }
            if at.is_none() {
                break;
            }
        }
    }
    refused.sort_by_key(|(item, _)| *item);
    Ok(refused)
}

/// Refuses the write (`Error::Subsidy`, its first refusal) if `refusals` gives any.
pub(super) fn keep(conn: &Connection, rules: Option<&Subsidy>, new: &[NewRecord], edits: &[Edit]) -> Result<()> {
    match refusals(conn, rules, new, &[], edits)?.into_iter().next() {
        Some((_, refusal)) => Err(Error::Subsidy(refusal)),
        None => Ok(()),
    }
}

/// Refuses deleting `record` (`Error::Subsidy`) if its going leaves its group's other records
/// out of order (a grant under its report, say); an application under a grant may go.
pub(super) fn keep_on_delete(conn: &Connection, rules: Option<&Subsidy>, record: &Record) -> Result<()> {
    let (Some(rules), Some(gone)) = (
        rules,
        rules.and_then(|r| event_of(r, record.id, record.date, &record.facts)),
    ) else {
        return Ok(());
    };
    let (course, key) = place(&gone);
    let before = timeline(conn, rules, &course, &key)?;
    let after: Vec<SubsidyEvent> = before.iter().filter(|e| e.id != record.id).cloned().collect();
    subsidy::check(&Check {
        subsidy: rules,
        before: &before,
        after: &after,
        change: Change::Remove(&gone),
        unstored: &[],
    })
    .map_err(Error::Subsidy)
}
