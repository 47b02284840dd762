//! A batch of new records and edits of stored ones in one write transaction (`kyodo import`):
//! all of it or none of it.
//!
//! The edits are applied first, then the new records (each once per source, as `insert`), then
//! every grant the batch wrote is checked against the live records, so that the outcome does
//! not depend on the order of the rows: a file may turn one grant into a withdrawal and grant
//! the same group again. An edit whose record was deleted, or changed by another writer since
//! the caller read it, is refused rather than overwriting that change. Any refusal, or
//! `Commit::No` (a dry run), rolls the whole transaction back.

use super::records::{check_one_grant, get_in, insert_in, update_in};
use super::{write, Error, Result, Store, Stored};
use crate::domain::record::{Actor, Facts, NewRecord, Record};
use chrono::{DateTime, NaiveDate, Utc};

/// A stored record to change: the record as the caller read it, and its new date and facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub before: Record,
    pub date: NaiveDate,
    pub facts: Facts,
}

/// Whether a batch that passes its checks is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Commit {
    Yes,
    /// Checked and written inside the transaction, then rolled back: what it would do.
    No,
}

/// Which item of the batch a refusal is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    New(usize),
    Edit(usize),
}

/// Why an item of a batch was refused; nothing of the batch was kept.
#[derive(Debug)]
pub enum Reason {
    /// A second live grant to a group in a course (`Error::GrantTaken`).
    Grant(Error),
    /// The record to edit is deleted (or gone).
    Gone,
    /// The record to edit was changed by another writer after the caller read it.
    Changed,
}

#[derive(Debug)]
pub struct Refusal {
    pub item: Item,
    pub reason: Reason,
}

/// What a batch did (or, with `Commit::No`, would do).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Written {
    /// New records stored.
    pub new: usize,
    /// New records whose source was stored before: nothing written for them.
    pub existing: usize,
    /// Records edited.
    pub edited: usize,
}

impl Store {
    /// Applies `edits` (audited as edits by `actor`) and stores `new` (each once per source,
    /// audited as created by its reporter) in one `BEGIN IMMEDIATE` transaction, refusing a
    /// second live grant to a group in a course as `insert` and `edit` do. `Ok(Err(..))` lists
    /// every refused item; then, and with `Commit::No`, nothing is kept.
    pub fn write_batch(
        &mut self,
        new: &[NewRecord],
        edits: &[Edit],
        actor: &Actor,
        now: DateTime<Utc>,
        commit: Commit,
    ) -> Result<std::result::Result<Written, Vec<Refusal>>> {
        let granted = self.granted.clone();
        let tx = write(&mut self.conn)?;
        let mut refusals = Vec::new();
        let mut written = Written::default();
        // What the batch wrote, to check the grants once everything is in place.
        let mut touched: Vec<(Item, Record)> = Vec::new();
        for (i, edit) in edits.iter().enumerate() {
            let item = Item::Edit(i);
            let live = match get_in(&tx, edit.before.id)? {
                Some(live) if live.deleted_at.is_none() => live,
                _ => {
                    refusals.push(Refusal {
                        item,
                        reason: Reason::Gone,
                    });
                    continue;
                }
            };
            if live.date != edit.before.date || live.facts != edit.before.facts {
                refusals.push(Refusal {
                    item,
                    reason: Reason::Changed,
                });
                continue;
            }
            let after = update_in(&tx, &live, edit.date, &edit.facts, actor, now)?;
            written.edited += 1;
            touched.push((item, after));
        }
        for (i, record) in new.iter().enumerate() {
            match insert_in(&tx, None, record, now)? {
                Stored::New(stored) => {
                    written.new += 1;
                    touched.push((Item::New(i), stored));
                }
                Stored::Existing(_) => written.existing += 1,
            }
        }
        for (item, record) in &touched {
            match check_one_grant(&tx, granted.as_deref(), &record.facts, Some(record.id)) {
                Ok(()) => {}
                Err(e @ Error::GrantTaken { .. }) => refusals.push(Refusal {
                    item: *item,
                    reason: Reason::Grant(e),
                }),
                Err(e) => return Err(e),
            }
        }
        if !refusals.is_empty() {
            return Ok(Err(refusals));
        }
        match commit {
            Commit::Yes => tx.commit()?,
            Commit::No => tx.rollback()?,
        }
        Ok(Ok(written))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::{Source, SourceKind};
    use chrono::TimeZone;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 1, 2, 3).single().expect("time")
    }

    fn actor() -> Actor {
        Actor {
            id: "import:佐藤".into(),
            name: "佐藤".into(),
        }
    }

    fn subsidy(source: &str, status: &str) -> NewRecord {
        NewRecord {
            date: NaiveDate::from_ymd_opt(2026, 6, 1).expect("date"),
            facts: Facts::Subsidy {
                course: "チャレンジ".into(),
                group: "A会".into(),
                amount: 100_000,
                status: status.into(),
            },
            reporter: actor(),
            source: Source {
                kind: SourceKind::Import,
                id: source.into(),
            },
        }
    }

    fn counts(store: &Store) -> (i64, i64, i64) {
        store.counts().expect("counts")
    }

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().expect("dir");
        let mut store = Store::open(&dir.path().join("kyodo.sqlite3")).expect("open");
        store.keep_one_grant("交付決定");
        (dir, store)
    }

    #[test]
    fn a_grant_withdrawn_and_granted_again_in_one_batch_is_kept_whatever_the_order() {
        let (_dir, mut store) = store();
        let Stored::New(grant) = store.insert(&subsidy("g", "交付決定"), now()).expect("grant") else {
            panic!("new");
        };
        let withdraw = Edit {
            before: grant.clone(),
            date: grant.date,
            facts: Facts::Subsidy {
                course: "チャレンジ".into(),
                group: "A会".into(),
                amount: 0,
                status: "辞退".into(),
            },
        };
        let again = subsidy("again", "交付決定");
        // Checked and rolled back: nothing written.
        let dry = store
            .write_batch(
                std::slice::from_ref(&again),
                std::slice::from_ref(&withdraw),
                &actor(),
                now(),
                Commit::No,
            )
            .expect("batch")
            .expect("not refused");
        assert_eq!(
            dry,
            Written {
                new: 1,
                existing: 0,
                edited: 1
            }
        );
        assert_eq!(counts(&store), (1, 0, 1), "a dry run writes nothing");
        let done = store
            .write_batch(&[again], &[withdraw], &actor(), now(), Commit::Yes)
            .expect("batch")
            .expect("not refused");
        assert_eq!(
            done,
            Written {
                new: 1,
                existing: 0,
                edited: 1
            }
        );
        assert_eq!(
            counts(&store),
            (2, 0, 3),
            "one create, one edit, one create in the audit"
        );
        let history = store.audit_trail(grant.id).expect("history");
        assert_eq!(history.len(), 2);
        assert_eq!(history[1].before.as_ref().map(|r| &r.facts), Some(&grant.facts));
    }

    #[test]
    fn a_second_grant_an_edit_of_a_changed_record_and_of_a_deleted_one_are_refused_and_nothing_is_kept() {
        let (_dir, mut store) = store();
        let Stored::New(grant) = store.insert(&subsidy("g", "交付決定"), now()).expect("grant") else {
            panic!("new");
        };
        let Stored::New(applied) = store.insert(&subsidy("a", "申請"), now()).expect("applied") else {
            panic!("new");
        };
        let to_grant = Edit {
            before: applied.clone(),
            date: applied.date,
            facts: grant.facts.clone(),
        };
        let refused = store
            .write_batch(&[subsidy("n", "交付決定")], &[to_grant], &actor(), now(), Commit::Yes)
            .expect("batch")
            .expect_err("two more grants");
        let items: Vec<Item> = refused.iter().map(|r| r.item).collect();
        assert_eq!(items, [Item::Edit(0), Item::New(0)]);
        assert!(refused.iter().all(|r| matches!(
            &r.reason,
            Reason::Grant(Error::GrantTaken { id, .. }) if *id == grant.id
        )));
        assert_eq!(counts(&store), (2, 0, 2), "nothing of the refused batch was kept");

        // Another writer changes the record after it was read; then deletes it.
        let stale = Edit {
            before: applied.clone(),
            date: applied.date,
            facts: Facts::Subsidy {
                course: "チャレンジ".into(),
                group: "A会".into(),
                amount: 5,
                status: "申請".into(),
            },
        };
        let mut changed = applied.facts.clone();
        if let Facts::Subsidy { amount, .. } = &mut changed {
            *amount = 7;
        }
        store
            .edit(applied.id, applied.date, &changed, &actor(), now())
            .expect("edit");
        let refused = store
            .write_batch(&[], std::slice::from_ref(&stale), &actor(), now(), Commit::Yes)
            .expect("batch")
            .expect_err("changed since read");
        assert!(matches!(refused[0].reason, Reason::Changed));
        store
            .delete(applied.id, crate::store::AuditAction::Delete, &actor(), now())
            .expect("delete");
        let refused = store
            .write_batch(&[], &[stale], &actor(), now(), Commit::Yes)
            .expect("batch")
            .expect_err("deleted");
        assert!(matches!(refused[0].reason, Reason::Gone));
        assert_eq!(counts(&store), (1, 1, 4));
    }
}
