//! A report read with the other live records of its type and day in its own transaction, on
//! real SQLite files: as many as the day's tally counts, newest first; the subsidy records by
//! group.

use super::doubles::{LookAlikes, RECENT_ROWS, SAME_DAY_READ};
use super::test_support::*;
use super::*;
use crate::domain::doubles::{doubled_that_day, Told};
use crate::domain::record::Record;
use crate::domain::record::{Column, Facts, NewRecord};
use crate::domain::RecordType;

fn ids(records: &[crate::domain::record::Record]) -> Vec<i64> {
    records.iter().map(|r| r.id).collect()
}

#[test]
fn a_report_comes_with_the_other_live_records_of_its_type_and_day() {
    let c = komoro();
    let (_dir, mut store) = temp_store();
    let day = d(2026, 6, 15);
    let first = store
        .report(&new("1", day, meeting(&c, 0, 0)), now(), &EVERY)
        .expect("report");
    assert!(first.doubles.is_empty(), "the first of its day");
    // Another type, another day: not read.
    store
        .report(
            &new(
                "2",
                day,
                Facts::new(RecordType::of("match")).number_of(Column::Count, 3),
            ),
            now(),
            &EVERY,
        )
        .expect("report");
    store
        .report(&new("3", d(2026, 6, 16), meeting(&c, 0, 0)), now(), &EVERY)
        .expect("report");
    let second = store
        .report(&new("4", day, meeting(&c, 1, 0)), now(), &EVERY)
        .expect("report");
    assert_eq!(ids(&second.doubles), vec![1]);
    let third = store
        .report(&new("5", day, meeting(&c, 0, 0)), now(), &EVERY)
        .expect("report");
    assert_eq!(ids(&third.doubles), vec![4, 1], "newest first");
    // A deleted one is not; a retried report (same source) reads nothing.
    store.delete(4, AuditAction::Delete, &sato(), now()).expect("delete");
    let fourth = store
        .report(&new("6", day, meeting(&c, 2, 0)), now(), &EVERY)
        .expect("report");
    assert_eq!(ids(&fourth.doubles), vec![5, 1]);
    let again = store
        .report(&new("6", day, meeting(&c, 2, 0)), now(), &EVERY)
        .expect("retry");
    assert!(matches!(again.stored, Stored::Existing(_)));
    assert!(again.doubles.is_empty());
    // A count counts as what it adds: two consultations of 12 and 3 on one day.
    let consultation = |n| Facts::new(RecordType::of("consultation")).number_of(Column::Count, n);
    store
        .report(&new("7", day, consultation(12)), now(), &EVERY)
        .expect("report");
    store
        .report(&new("8", day, consultation(3)), now(), &EVERY)
        .expect("report");
    let third = store
        .report(&new("9", day, consultation(5)), now(), &EVERY)
        .expect("report");
    assert_eq!(ids(&third.doubles), vec![8, 7]);
}

#[test]
fn a_busy_day_reads_its_newest_records_and_says_there_are_more() {
    let c = komoro();
    let (_dir, mut store) = temp_store();
    let day = d(2026, 6, 15);
    let mut last = None;
    for i in 0..=SAME_DAY_READ {
        last = Some(
            store
                .report(&new(&format!("b{i}"), day, meeting(&c, 0, 0)), now(), &EVERY)
                .expect("report"),
        );
    }
    // The last of SAME_DAY_READ + 1 has exactly SAME_DAY_READ others: all read, none more.
    let last = last.expect("reported");
    assert_eq!(last.doubles.len(), SAME_DAY_READ);
    assert_eq!(last.doubled, SAME_DAY_READ);
    assert!(!last.more_same_day);
    let busy = store
        .report(&new("busy", day, meeting(&c, 0, 0)), now(), &EVERY)
        .expect("report");
    assert_eq!(busy.doubles.len(), SAME_DAY_READ, "the newest only");
    assert!(busy.more_same_day, "one more than read");
    let newest: Vec<i64> = (2..=SAME_DAY_READ as i64 + 1).rev().collect();
    assert_eq!(ids(&busy.doubles), newest);
}

#[test]
fn a_subsidy_report_comes_with_its_groups_records_of_the_day() {
    let (_dir, mut store) = temp_store();
    let subsidy = |group: &str, status: &str| {
        Facts::new(RecordType::of("subsidy"))
            .text_of(Column::Course, "チャレンジ")
            .text_of(Column::Group, group)
            .text_of(Column::Status, status)
    };
    let day = d(2026, 5, 1);
    store
        .report(&new("1", day, subsidy("こもろ子ども食堂", "申請")), now(), &EVERY)
        .expect("report");
    store
        .report(&new("2", day, subsidy("別の会", "申請")), now(), &EVERY)
        .expect("report");
    let granted = subsidy("こもろ 子ども食堂", "交付決定").number_of(Column::Amount, 100_000);
    let third = store.report(&new("3", day, granted), now(), &EVERY).expect("report");
    assert_eq!(
        ids(&third.doubles),
        vec![1],
        "the group by its name key, not the other group"
    );
}

#[test]
fn a_report_looks_back_over_the_newest_rows_only() {
    let c = komoro();
    let (_dir, mut store) = temp_store();
    let day = d(2026, 6, 15);
    // The day's first meeting, then RECENT_ROWS records of other days entered after it.
    store
        .insert(&new("old", day, meeting(&c, 0, 0)), now())
        .expect("insert");
    let others: Vec<NewRecord> = (0..RECENT_ROWS)
        .map(|i| new(&format!("o{i}"), d(2026, 5, 1), meeting(&c, 1, 0)))
        .collect();
    store.insert_batch(&others, now()).expect("batch");
    let late = store
        .report(&new("late", day, meeting(&c, 0, 0)), now(), &EVERY)
        .expect("report");
    assert!(late.doubles.is_empty(), "the first is older than the newest rows read");
    // The one just reported is among the newest rows for the next.
    let next = store
        .report(&new("next", day, meeting(&c, 0, 0)), now(), &EVERY)
        .expect("report");
    let Stored::New(late) = late.stored else {
        panic!("stored as new");
    };
    assert_eq!(ids(&next.doubles), vec![late.id]);
}

#[test]
fn a_report_reads_in_full_only_the_look_alikes_it_names_and_counts_the_rest() {
    let c = komoro();
    let (_dir, mut store) = temp_store();
    let day = d(2026, 6, 15);
    // Five meetings of one district and two of another, one reporter, within minutes.
    for i in 0..7 {
        let district = if i % 3 == 2 { 1 } else { 0 };
        store
            .report(&new(&format!("m{i}"), day, meeting(&c, 0, district)), now(), &EVERY)
            .expect("report");
    }
    let spec = c.record_type(RecordType::of("meeting")).expect("meetings");
    let told = |record: &Record, other: &dyn Told| doubled_that_day(spec, record, other);
    let look = LookAlikes {
        doubled: &told,
        named: 2,
    };
    let last = store
        .report(&new("last", day, meeting(&c, 0, 0)), now(), &look)
        .expect("report");
    // Ids 1..=7: districts 0, 0, 1, 0, 0, 1, 0 — the alike are 7, 5, 4, 2, 1, newest first.
    assert_eq!(ids(&last.doubles), vec![7, 5], "the newest two, read in full");
    assert_eq!(last.doubled, 5, "all five counted");
    assert!(!last.more_same_day);
    // Read from the row, told as from the record: the named ones are whole records.
    let Stored::New(record) = &last.stored else {
        panic!("stored as new");
    };
    assert!(last.doubles.iter().all(|other| doubled_that_day(spec, record, other)));
    assert_eq!(last.doubles[0].facts, meeting(&c, 0, 0));
}
