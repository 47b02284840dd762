//! The subsidy steps on a real SQLite file: after a mixed load of subsidy records — entries
//! (many refused by the lifecycle), look-alike spellings, edits that move a record to another
//! group, course, day or state, deletes, undos and an import's batch — the steps kept equal
//! the lifecycle read again from the records, and a period's figures from them equal those
//! counted from its groups' histories; counted again when the catalogue's states change.

use super::batch::{Commit, Edit};
use super::test_support::{admin, d, komoro, lcg, now, sato, temp_store};
use super::*;
use crate::domain::record::{Column, Facts, NewRecord, Source, SourceKind};
use crate::domain::subsidy::{self, Counted, SubsidyEvent};
use crate::domain::text::name_key;
use crate::domain::RecordType;
use chrono::NaiveDate;

/// Every date the tests write, and more.
const EVER: (NaiveDate, NaiveDate) = (
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
    NaiveDate::from_ymd_opt(2100, 1, 1).unwrap(),
);

/// One of 40 groups, each spelled two ways that are one group (`text::name_key`).
fn group(next: &mut impl FnMut(u64) -> u64) -> String {
    let name = format!("Group {}", next(40));
    if next(2) == 0 {
        name
    } else {
        // Full-width and without the space: the same name key.
        name.chars()
            .filter(|c| *c != ' ')
            .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap_or(c))
            .collect()
    }
}

fn facts(next: &mut impl FnMut(u64) -> u64) -> Facts {
    let c = komoro();
    let status = c.subsidy.statuses()[next(5) as usize].clone();
    let amount = (subsidy::takes_amount(&c.subsidy, &status) && next(3) > 0).then(|| 10_000 * (1 + next(20)));
    Facts::new(RecordType::of("subsidy"))
        .text_of(Column::Course, &c.subsidy.courses[next(2) as usize].name)
        .text_of(Column::Group, &group(next))
        .maybe(Column::Amount, amount)
        .text_of(Column::Status, &status)
}

fn new(source: String, date: NaiveDate, facts: Facts, kind: SourceKind) -> NewRecord {
    NewRecord {
        date,
        facts,
        reporter: sato(),
        source: Source {
            kind,
            id: source,
            origin: None,
        },
    }
}

/// The steps read again from every live subsidy record, as `Store::describe` would count them.
fn from_records(store: &Store) -> Vec<Counted> {
    let rules = komoro().subsidy;
    let events = store.subsidy_events(rules.record_type, EVER.0, EVER.1).expect("events");
    sorted(subsidy::counted_in_groups(&rules, &events))
}

fn sorted(mut counted: Vec<Counted>) -> Vec<Counted> {
    counted.sort_by_key(|c| (c.date, c.id));
    counted
}

fn kept(store: &Store) -> Vec<Counted> {
    let counted = store
        .counted_between(&komoro().subsidy, EVER.0, EVER.1)
        .expect("read")
        .expect("kept by the catalogue's states");
    sorted(counted)
}

/// A mixed load; returns the store.
fn loaded() -> (tempfile::TempDir, Store) {
    let (dir, mut store) = temp_store();
    let mut next = lcg(11);
    let admin = admin();
    let day = |n: u64| d(2025, 3, 1) + chrono::Duration::days(n as i64);
    let mut stored = 0;
    for i in 0..600 {
        let record = new(format!("s{i}"), day(next(500)), facts(&mut next), SourceKind::Console);
        let Ok(done) = store.insert(&record, now()) else {
            continue; // refused by the lifecycle: nothing written
        };
        stored += 1;
        let id = done.record().id;
        match next(8) {
            0 => drop(store.delete(id, AuditAction::Delete, &admin, now())),
            1 => drop(store.delete(id, AuditAction::Undo, &admin, now())),
            2 | 3 => drop(store.edit(id, day(next(500)), &facts(&mut next), &admin, now())),
            _ => {}
        }
    }
    assert!(stored > 100, "only {stored} stored");
    // An import: new rows (an application, and a grant standing for its own) and edits that
    // move a group's only record to a new group, in one batch.
    let rules = komoro().subsidy;
    let live = store.subsidy_events(rules.record_type, EVER.0, EVER.1).expect("events");
    let alone: Vec<&SubsidyEvent> = live
        .iter()
        .filter(|e| {
            live.iter()
                .filter(|o| (&o.course, name_key(&o.group)) == (&e.course, name_key(&e.group)))
                .count()
                == 1
        })
        .take(3)
        .collect();
    assert!(!alone.is_empty());
    let edits: Vec<Edit> = alone
        .iter()
        .enumerate()
        .map(|(j, e)| {
            let before = store.record(e.id).expect("read").expect("stored");
            let facts = before.facts.clone().text_of(Column::Group, &format!("移った会{j}"));
            Edit {
                before,
                date: day(next(500)),
                facts,
            }
        })
        .collect();
    let course = &komoro().subsidy.courses[0].name;
    let rows: Vec<NewRecord> = [(&rules.applied, None), (&rules.granted, Some(50_000))]
        .into_iter()
        .enumerate()
        .map(|(i, (status, amount))| {
            let facts = Facts::new(RecordType::of("subsidy"))
                .text_of(Column::Course, course)
                .text_of(Column::Group, &format!("取り込んだ会{i}"))
                .maybe(Column::Amount, amount)
                .text_of(Column::Status, status);
            new(format!("import{i}"), day(next(500)), facts, SourceKind::Import)
        })
        .collect();
    let labels: Vec<String> = (0..rows.len()).map(|i| format!("{}行目", i + 2)).collect();
    store
        .write_batch(&rows, &labels, &edits, &admin, now(), Commit::Yes)
        .expect("batch")
        .expect("nothing refused");
    (dir, store)
}

#[test]
fn steps_always_equal_the_lifecycle_read_from_the_records() {
    let (_dir, store) = loaded();
    let steps = kept(&store);
    assert_eq!(steps, from_records(&store));
    // The load reached every kind of step, a withdrawn grant included.
    assert!(steps.iter().any(|c| c.applied && !c.granted));
    assert!(steps.iter().any(|c| c.granted && c.withdrawn_on.is_some()));
    assert!(steps
        .iter()
        .any(|c| c.granted && c.withdrawn_on.is_none() && c.amount > 0));
    assert!(steps.iter().any(|c| c.rejected));
    assert!(steps.iter().any(|c| c.declined));
}

#[test]
fn a_periods_figures_from_the_steps_equal_those_from_its_groups_histories() {
    let (_dir, store) = loaded();
    let catalogue = komoro();
    let rules = &catalogue.subsidy;
    let month_ends = |from: NaiveDate, months: u32| -> Vec<NaiveDate> {
        (1..=months)
            .map(|i| (from + chrono::Months::new(i)).pred_opt().expect("date"))
            .collect()
    };
    let mut any_grant = false;
    for (from, ends) in [
        (d(2025, 4, 1), month_ends(d(2025, 4, 1), 12)),
        (d(2026, 4, 1), month_ends(d(2026, 4, 1), 4)),
        (d(2025, 3, 1), vec![d(2026, 7, 14)]),
        (d(2025, 6, 17), vec![d(2025, 6, 30), d(2025, 9, 3), d(2026, 1, 2)]),
        (d(2025, 10, 5), vec![d(2025, 10, 5)]),
    ] {
        let to = *ends.last().expect("an end");
        let events = store.subsidy_events(rules.record_type, from, to).expect("events");
        let direct = subsidy::tally_counted(&subsidy::counted_in_groups(rules, &events), from, &ends);
        let kept = store.subsidy_counts(&catalogue, from, &ends).expect("counts");
        assert_eq!(kept, direct, "{from}..{to}");
        // And each end alone is the tally of the records up to it, as SQLite aggregates the
        // steps of one period (`counts_between`) too.
        for (end, counts) in ends.iter().zip(&kept) {
            let up_to: Vec<_> = events.iter().filter(|e| e.date <= *end).cloned().collect();
            assert_eq!(counts, &subsidy::tally(rules, &up_to, from), "{from}..{end}");
            let aggregated = store.counts_between(rules, from, *end).expect("read").expect("kept");
            assert_eq!(&aggregated, counts, "{from}..{end} aggregated");
            any_grant |= counts.values().any(|c| c.grants > 0);
        }
    }
    assert!(any_grant);
}

#[test]
fn steps_are_counted_again_when_the_states_change() {
    let (dir, store) = loaded();
    let before = kept(&store);
    drop(store);
    // The catalogue renames its grant: records in the old name no longer count as grants.
    let text = include_str!("../../config/kyodo.toml").replace("\"交付決定\"", "\"交付\"");
    let renamed = Catalogue::parse(&text).expect("renamed catalogue");
    let mut store = Store::open(&dir.path().join("kyodo.sqlite3")).expect("open");
    store.describe(&renamed).expect("describe");
    let after = sorted(
        store
            .counted_between(&renamed.subsidy, EVER.0, EVER.1)
            .expect("read")
            .expect("kept"),
    );
    assert!(before.iter().any(|c| c.granted));
    assert!(!after.iter().any(|c| c.granted));
    let events = store
        .subsidy_events(renamed.subsidy.record_type, EVER.0, EVER.1)
        .expect("events");
    assert_eq!(after, sorted(subsidy::counted_in_groups(&renamed.subsidy, &events)));
    // A store that does not keep them by these states reads none (its figures come from the
    // records): the old catalogue's states are not the ones the steps were counted with.
    assert_eq!(
        store.counted_between(&komoro().subsidy, EVER.0, EVER.1).expect("read"),
        None
    );
}

#[test]
fn a_database_of_version_9_gets_its_steps_at_the_first_start() {
    let (dir, store) = loaded();
    let path = dir.path().join("kyodo.sqlite3");
    let want = kept(&store);
    let figures = store
        .figures_between(&komoro(), d(2025, 4, 1), d(2026, 3, 31))
        .expect("figures");
    // The same database as version 9 left it: none of the later tables, nothing in `meta` about
    // the steps (its tallies are counted again by migration 0011 and the description).
    store
        .conn
        .execute_batch(
            "DROP TRIGGER subsidy_unsettled_insert; DROP TRIGGER subsidy_unsettled_update; \
             DROP TRIGGER subsidy_unsettled_delete; DROP TABLE subsidy_steps; DROP TABLE subsidy_unsettled; \
             DROP TABLE web_sessions; DROP TABLE web_links; \
             DELETE FROM meta WHERE key = 'subsidy_steps'; PRAGMA user_version = 9;",
        )
        .expect("back to version 9");
    drop(store);
    let mut store = Store::open(&path).expect("upgrade");
    assert_eq!(store.schema_version().expect("version"), Store::latest_schema_version());
    // Before the catalogue is described, the figures come from the records all the same.
    store.keep_subsidy_lifecycle(&komoro().subsidy);
    assert_eq!(
        store.counted_between(&komoro().subsidy, EVER.0, EVER.1).expect("read"),
        None
    );
    let catalogue = komoro();
    assert_eq!(
        store
            .figures_between(&catalogue, d(2025, 4, 1), d(2026, 3, 31))
            .expect("figures"),
        figures
    );
    store.describe(&catalogue).expect("describe");
    assert_eq!(kept(&store), want);
    assert_eq!(
        store
            .figures_between(&catalogue, d(2025, 4, 1), d(2026, 3, 31))
            .expect("figures"),
        figures
    );
}

#[test]
fn a_writer_that_does_not_know_the_states_leaves_the_steps_untrusted_until_settled() {
    let (dir, store) = loaded();
    let path = dir.path().join("kyodo.sqlite3");
    let catalogue = komoro();
    let rules = &catalogue.subsidy;
    // Another process, its store not described (a script, a tool): it withdraws a grant.
    let mut other = Store::open(&path).expect("open");
    let (from, to) = (d(2025, 4, 1), d(2026, 3, 31));
    let all = store.subsidy_events(rules.record_type, EVER.0, EVER.1).expect("events");
    let place = |e: &SubsidyEvent| (e.course.clone(), name_key(&e.group));
    // A grant standing, the last record of its group, in the year.
    let grant = kept(&store)
        .into_iter()
        .find(|c| {
            c.granted && c.withdrawn_on.is_none() && (from..d(2026, 3, 1)).contains(&c.date) && {
                let first = all.iter().find(|e| e.id == c.group).expect("the group's first");
                all.iter()
                    .filter(|e| place(e) == place(first))
                    .all(|e| e.date <= c.date)
            }
        })
        .expect("a grant standing");
    let group = all.iter().find(|e| e.id == grant.id).expect("its record").group.clone();
    let withdrawn_on = grant.date + chrono::Duration::days(1);
    let withdrawal = Facts::new(RecordType::of("subsidy"))
        .text_of(Column::Course, &grant.course)
        .text_of(Column::Group, &group)
        .text_of(Column::Status, &rules.declined);
    let grants = |c: &std::collections::BTreeMap<String, subsidy::Counts>| c.values().map(|c| c.grants).sum::<u64>();
    let before = grants(&store.subsidy_counts(&catalogue, from, &[to]).expect("counts")[0]);
    other
        .insert(
            &new("outside".into(), withdrawn_on, withdrawal, SourceKind::Console),
            now(),
        )
        .expect("insert");
    // The described store no longer trusts its steps, and its figures follow the records.
    assert_eq!(store.counted_between(rules, EVER.0, EVER.1).expect("read"), None);
    let events = store.subsidy_events(rules.record_type, from, to).expect("events");
    let direct = subsidy::tally(rules, &events, from);
    let counts = store.subsidy_counts(&catalogue, from, &[to]).expect("counts");
    assert_eq!(counts[0], direct);
    assert_eq!(grants(&counts[0]), before - 1);
    drop(store);
    // The next start settles it.
    let mut store = Store::open(&path).expect("open");
    store.describe(&catalogue).expect("describe");
    let steps = kept(&store);
    assert_eq!(steps, from_records(&store));
    assert!(steps
        .iter()
        .any(|c| c.id == grant.id && c.withdrawn_on == Some(withdrawn_on)));
    assert_eq!(
        store.subsidy_counts(&catalogue, from, &[to]).expect("counts")[0],
        direct
    );
}
