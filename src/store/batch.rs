//! A batch of new records and edits of stored ones in one write transaction (`kyodo import`):
//! all of it or none of it.
//!
//! Inside the transaction, before anything is written, every edit's record is read again (one
//! deleted, or changed by another writer since the caller read it, is refused rather than
//! overwriting that change) and the subsidy lifecycle is checked with the new records and the
//! edits together, each group's records in date order (`lifecycle.rs`), so that the outcome does
//! not depend on the order of the rows: a file may correct a grant entered by mistake into its
//! application and add the grant. Then the edits are applied and the new records stored (each
//! once per source, as `insert`). Any refusal, or `Commit::No` (a dry run), rolls the whole
//! transaction back.

pub use super::lifecycle::{Edit, Item};

use super::records::{get_in, insert_in, update_in};
use super::{lifecycle, subsidy_steps};
use super::{write, Result, Store, Stored};
use crate::domain::record::{Actor, NewRecord};
use crate::domain::subsidy;
use chrono::{DateTime, Utc};

/// Whether a batch that passes its checks is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Commit {
    Yes,
    /// Checked and written inside the transaction, then rolled back: what it would do.
    No,
}

/// Why an item of a batch was refused; nothing of the batch was kept.
#[derive(Debug)]
pub enum Reason {
    /// It breaks its group's subsidy lifecycle (`domain::subsidy::check`), in Japanese.
    Subsidy(subsidy::Refusal),
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
    /// audited as created by its reporter) in one `BEGIN IMMEDIATE` transaction, keeping the
    /// subsidy lifecycle as `insert` and `edit` do, with all of them together; `labels[i]` names
    /// new record `i` in a refusal (`このファイルの3行目`). `Ok(Err(..))` lists every refused
    /// item, in the items' order; then, and with `Commit::No`, nothing is kept.
    pub fn write_batch(
        &mut self,
        new: &[NewRecord],
        labels: &[String],
        edits: &[Edit],
        actor: &Actor,
        now: DateTime<Utc>,
        commit: Commit,
    ) -> Result<std::result::Result<Written, Vec<Refusal>>> {
        let tx = write(&mut self.conn)?;
        let mut refusals = Vec::new();
        // The edits whose record is as the caller read it, with their index in `edits`.
        let mut current = Vec::new();
        let mut index = Vec::new();
        for (i, edit) in edits.iter().enumerate() {
            let reason = match get_in(&tx, edit.before.id)? {
                Some(live) if live.deleted_at.is_some() => Reason::Gone,
                None => Reason::Gone,
                Some(live) if live.date != edit.before.date || live.facts != edit.before.facts => Reason::Changed,
                Some(_) => {
                    current.push(edit.clone());
                    index.push(i);
                    continue;
                }
            };
            refusals.push(Refusal {
                item: Item::Edit(i),
                reason,
            });
        }
        for (item, refusal) in lifecycle::refusals(&tx, self.subsidy.as_ref(), new, labels, &current)? {
            let item = match item {
                Item::Edit(j) => index.get(j).map_or(item, |i| Item::Edit(*i)),
                new => new,
            };
            refusals.push(Refusal {
                item,
                reason: Reason::Subsidy(refusal),
            });
        }
        if !refusals.is_empty() {
            refusals.sort_by_key(|r| r.item);
            return Ok(Err(refusals));
        }
        let mut written = Written::default();
        for edit in edits {
            update_in(&tx, &edit.before, edit.date, &edit.facts, actor, now)?;
            written.edited += 1;
        }
        for record in new {
            match insert_in(&tx, record, now)? {
                Stored::New(_) => written.new += 1,
                Stored::Existing(_) => written.existing += 1,
            }
        }
        subsidy_steps::settle(&tx, self.subsidy.as_ref())?;
        match commit {
            Commit::Yes => tx.commit()?,
            Commit::No => tx.rollback()?,
        }
        Ok(Ok(written))
    }
}

#[cfg(test)]
mod tests {
    //! Batches on a real SQLite file: the lifecycle checked with the new records and the edits
    //! together (in any order), every refused item listed, the group keys written, edits of
    //! records changed or deleted meanwhile refused, a dry run rolled back.

    use super::*;
    use crate::domain::record::{Column, Record};
    use crate::domain::subsidy::Rule;
    use crate::domain::RecordType;
    use crate::store::subsidy_tests::{d, facts, group_keys, store, subsidy as entry};
    use crate::store::test_support::{now, sato as actor};

    /// A subsidy record of A会 in `status` (a grant with its amount), on the 1st of `month`.
    fn subsidy(source: &str, month: u32, status: &str) -> NewRecord {
        let amount = (status == "交付決定").then_some(100_000);
        entry(source, d(month, 1), "A会", status, amount)
    }

    fn counts(store: &Store) -> (i64, i64, i64) {
        store.counts().expect("counts")
    }

    fn stored(store: &mut Store, record: &NewRecord) -> Record {
        match store.insert(record, now()).expect("insert") {
            Stored::New(record) => record,
            Stored::Existing(_) => panic!("stored before"),
        }
    }

    fn labels(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("このファイルの{}行目", i + 2)).collect()
    }

    #[test]
    fn a_grant_corrected_into_its_application_and_the_grant_added_are_kept_together() {
        let (_dir, mut store) = store();
        // The application of June entered as a grant by mistake.
        let mistake = stored(&mut store, &subsidy("g", 6, "交付決定"));
        let corrected = Edit {
            before: mistake.clone(),
            date: mistake.date,
            facts: facts("A会", "申請", Some(120_000)),
        };
        let grant = subsidy("grant", 7, "交付決定");
        // Alone, the new grant is a second one.
        let alone = store
            .write_batch(
                std::slice::from_ref(&grant),
                &labels(1),
                &[],
                &actor(),
                now(),
                Commit::Yes,
            )
            .expect("batch")
            .expect_err("a second grant");
        assert!(matches!(&alone[0].reason, Reason::Subsidy(r) if r.rule == Rule::OneGrant));
        // Together: checked and rolled back, then kept.
        let dry = store
            .write_batch(
                std::slice::from_ref(&grant),
                &labels(1),
                std::slice::from_ref(&corrected),
                &actor(),
                now(),
                Commit::No,
            )
            .expect("batch")
            .expect("not refused");
        let expected = Written {
            new: 1,
            existing: 0,
            edited: 1,
        };
        assert_eq!(dry, expected);
        assert_eq!(counts(&store), (1, 0, 1), "a dry run writes nothing");
        let done = store
            .write_batch(&[grant], &labels(1), &[corrected], &actor(), now(), Commit::Yes)
            .expect("batch")
            .expect("not refused");
        assert_eq!(done, expected);
        assert_eq!(
            counts(&store),
            (2, 0, 3),
            "one create, one edit, one create in the audit"
        );
        let history = store.audit_trail(mistake.id).expect("history");
        assert_eq!(history.len(), 2);
        assert_eq!(history[1].before.as_ref().map(|r| &r.facts), Some(&mistake.facts));
        let events = store
            .subsidy_history(RecordType::of("subsidy"), "A会", None)
            .expect("history");
        let statuses: Vec<&str> = events.iter().map(|e| e.status.as_str()).collect();
        assert_eq!(statuses, ["申請", "交付決定"]);
    }

    #[test]
    fn every_item_that_breaks_the_lifecycle_is_refused_with_its_edits_changed_or_deleted_meanwhile() {
        let (_dir, mut store) = store();
        let grant = stored(&mut store, &subsidy("g", 6, "交付決定"));
        let applied = stored(&mut store, &subsidy("a", 5, "申請"));
        let to_grant = Edit {
            before: applied.clone(),
            date: applied.date,
            facts: grant.facts.clone(),
        };
        // A second grant and an application after the grant, and the application edited into a
        // grant: three items, each refused naming the grant there.
        let refused = store
            .write_batch(
                &[subsidy("n", 8, "交付決定"), subsidy("m", 9, "申請")],
                &labels(2),
                &[to_grant],
                &actor(),
                now(),
                Commit::Yes,
            )
            .expect("batch")
            .expect_err("against the lifecycle");
        let items: Vec<Item> = refused.iter().map(|r| r.item).collect();
        assert_eq!(items, [Item::New(0), Item::New(1), Item::Edit(0)]);
        let rules: Vec<(Rule, Option<i64>)> = refused
            .iter()
            .map(|r| match &r.reason {
                Reason::Subsidy(s) => (s.rule, s.existing),
                other => panic!("not the lifecycle: {other:?}"),
            })
            .collect();
        assert_eq!(
            rules,
            [
                (Rule::OneGrant, Some(grant.id)),
                (Rule::AfterGrant, Some(grant.id)),
                (Rule::OneGrant, Some(grant.id)),
            ]
        );
        let Reason::Subsidy(edit) = &refused[2].reason else {
            panic!("the edit");
        };
        assert!(edit.message.contains(&format!("#{}", grant.id)), "{edit}");
        assert_eq!(counts(&store), (2, 0, 2), "nothing of the refused batch was kept");

        // Another writer changes the record after it was read; then deletes it.
        let stale = Edit {
            before: applied.clone(),
            date: applied.date,
            facts: facts("A会", "申請", Some(5)),
        };
        store
            .edit(
                applied.id,
                applied.date,
                &facts("A会", "申請", Some(7)),
                &actor(),
                now(),
            )
            .expect("edit");
        let refused = store
            .write_batch(&[], &[], std::slice::from_ref(&stale), &actor(), now(), Commit::Yes)
            .expect("batch")
            .expect_err("changed since read");
        assert!(matches!(refused[0].reason, Reason::Changed));
        store
            .delete(applied.id, crate::store::AuditAction::Delete, &actor(), now())
            .expect("delete");
        let refused = store
            .write_batch(&[], &[], &[stale], &actor(), now(), Commit::Yes)
            .expect("batch")
            .expect_err("deleted");
        assert!(matches!(refused[0].reason, Reason::Gone));
        assert_eq!(counts(&store), (1, 1, 4));
    }

    #[test]
    fn new_records_take_the_known_spelling_and_edits_keep_theirs_each_with_its_group_key() {
        let (_dir, mut store) = store();
        let grant = stored(&mut store, &subsidy("g", 6, "交付決定"));
        let mut report = subsidy("r", 9, "実績報告");
        report.facts = facts("Ａ会 ", "実績報告", None);
        let renamed = Edit {
            before: grant.clone(),
            date: grant.date,
            facts: facts("Ａ 会", "交付決定", Some(100_000)),
        };
        store
            .write_batch(&[report], &labels(1), &[renamed], &actor(), now(), Commit::Yes)
            .expect("batch")
            .expect("one group: the grant, then its report");
        // The edit is stored as typed; the new record under the spelling known when it was
        // stored (the edit's, applied first); both under the one key.
        let names: Vec<String> = store
            .records_between(d(4, 1), d(3, 31))
            .expect("records")
            .into_iter()
            .map(|r| r.facts.text(Column::Group).unwrap_or_default().to_string())
            .collect();
        assert_eq!(names, ["Ａ 会", "Ａ 会"]);
        let key = Some("a会".to_string());
        assert_eq!(group_keys(&store), [(grant.id, key.clone()), (grant.id + 1, key)]);
    }
}
