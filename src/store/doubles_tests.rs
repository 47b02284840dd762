//! A report read with the other live records of its type and day in its own transaction, on
//! real SQLite files: as many as the day's tally counts, newest first; the subsidy records by
//! group.

use super::*;
use crate::domain::record::{Actor, Column, Facts, NewRecord, Source, SourceKind};
use crate::domain::RecordType;
use chrono::{NaiveDate, TimeZone, Utc};
use tempfile::TempDir;

fn komoro() -> Catalogue {
    Catalogue::parse(include_str!("../../config/kyodo.toml")).expect("config")
}

fn now() -> chrono::DateTime<chrono::Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 1, 2, 3).single().expect("time")
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

fn temp_store() -> (TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("kyodo.sqlite3")).expect("open");
    store.describe(&komoro()).expect("describe");
    (dir, store)
}

fn new(source: &str, date: NaiveDate, facts: Facts) -> NewRecord {
    NewRecord {
        date,
        facts,
        reporter: Actor {
            id: "111".into(),
            name: "佐藤".into(),
        },
        source: Source {
            kind: SourceKind::Console,
            id: source.into(),
            origin: None,
        },
    }
}

/// A meeting at the catalogue's area `a`'s district `i`.
fn meeting(c: &Catalogue, a: usize, i: usize) -> Facts {
    Facts::new(RecordType::of("meeting"))
        .text_of(Column::Area, &c.areas[a].name)
        .text_of(Column::District, &c.areas[a].districts[i])
}

fn ids(records: &[crate::domain::record::Record]) -> Vec<i64> {
    records.iter().map(|r| r.id).collect()
}

#[test]
fn a_report_comes_with_the_other_live_records_of_its_type_and_day() {
    let c = komoro();
    let (_dir, mut store) = temp_store();
    let day = d(2026, 6, 15);
    let first = store.report(&new("1", day, meeting(&c, 0, 0)), now()).expect("report");
    assert!(first.same_day.is_empty(), "the first of its day");
    // Another type, another day: not read.
    store
        .report(
            &new(
                "2",
                day,
                Facts::new(RecordType::of("match")).number_of(Column::Count, 3),
            ),
            now(),
        )
        .expect("report");
    store
        .report(&new("3", d(2026, 6, 16), meeting(&c, 0, 0)), now())
        .expect("report");
    let second = store.report(&new("4", day, meeting(&c, 1, 0)), now()).expect("report");
    assert_eq!(ids(&second.same_day), vec![1]);
    let third = store.report(&new("5", day, meeting(&c, 0, 0)), now()).expect("report");
    assert_eq!(ids(&third.same_day), vec![4, 1], "newest first");
    // A deleted one is not; a retried report (same source) reads nothing.
    let actor = Actor {
        id: "111".into(),
        name: "佐藤".into(),
    };
    store.delete(4, AuditAction::Delete, &actor, now()).expect("delete");
    let fourth = store.report(&new("6", day, meeting(&c, 2, 0)), now()).expect("report");
    assert_eq!(ids(&fourth.same_day), vec![5, 1]);
    let again = store.report(&new("6", day, meeting(&c, 2, 0)), now()).expect("retry");
    assert!(matches!(again.stored, Stored::Existing(_)));
    assert!(again.same_day.is_empty());
    // A count counts as what it adds: two consultations of 12 and 3 on one day.
    let consultation = |n| Facts::new(RecordType::of("consultation")).number_of(Column::Count, n);
    store.report(&new("7", day, consultation(12)), now()).expect("report");
    store.report(&new("8", day, consultation(3)), now()).expect("report");
    let third = store.report(&new("9", day, consultation(5)), now()).expect("report");
    assert_eq!(ids(&third.same_day), vec![8, 7]);
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
        .report(&new("1", day, subsidy("こもろ子ども食堂", "申請")), now())
        .expect("report");
    store
        .report(&new("2", day, subsidy("別の会", "申請")), now())
        .expect("report");
    let granted = subsidy("こもろ 子ども食堂", "交付決定").number_of(Column::Amount, 100_000);
    let third = store.report(&new("3", day, granted), now()).expect("report");
    assert_eq!(
        ids(&third.same_day),
        vec![1],
        "the group by its name key, not the other group"
    );
}
