//! The store's side of the monthly reminder, on real SQLite files: the opt-outs, each place's
//! last day and whether a type has records (from the tallies), and migration 0008 keeping the
//! post runs it rebuilds.

use super::test_support::*;
use super::*;
use crate::domain::record::{Actor, Column, Facts};
use crate::domain::RecordType;

#[test]
fn mentions_off_and_on_are_kept_per_user() {
    let (_dir, mut store) = temp_store();
    let user = Actor {
        id: "222".into(),
        name: "田中".into(),
    };
    assert!(store.reminded_off().expect("read").is_empty());
    assert!(store.remind_off(&user, now()).expect("off"));
    assert!(!store.remind_off(&user, now()).expect("off again"), "already off");
    assert_eq!(store.reminded_off().expect("read"), ["222".to_string()].into());
    assert!(store.remind_on("222").expect("on"));
    assert!(!store.remind_on("222").expect("on again"));
    assert!(store.reminded_off().expect("read").is_empty());
}

#[test]
fn the_last_day_of_each_place_and_whether_a_type_has_records() {
    let c = komoro();
    let (_dir, mut store) = temp_store();
    for (i, (date, a, k)) in [
        (d(2025, 12, 3), 0, 0),
        (d(2026, 5, 20), 0, 0),
        (d(2026, 2, 1), 1, 0),
        (d(2026, 10, 2), 1, 0),
    ]
    .into_iter()
    .enumerate()
    {
        store
            .insert(&new(&i.to_string(), date, meeting(&c, a, k)), now())
            .expect("insert");
    }
    let key = |a: usize| (c.areas[a].name.clone(), c.areas[a].districts[0].clone());
    let every = crate::domain::remind::places(&c);
    let last = store
        .last_days(RecordType::of("meeting"), d(2026, 9, 30), &every)
        .expect("last");
    assert_eq!(last.len(), 2);
    assert_eq!(last[&key(0)], d(2026, 5, 20));
    assert_eq!(last[&key(1)], d(2026, 2, 1), "not after the day asked");
    // Within the day asked's month, not after that day.
    let last = store
        .last_days(RecordType::of("meeting"), d(2026, 10, 1), &every)
        .expect("last");
    assert_eq!(last[&key(1)], d(2026, 2, 1));
    assert_eq!(
        store
            .last_days(RecordType::of("meeting"), d(2026, 10, 2), &every)
            .expect("last")[&key(1)],
        d(2026, 10, 2)
    );
    // Once the places asked for have their day, older months are not read: area 0's district
    // is found in May, and December's meeting is never reached.
    let only = [key(0)];
    let last = store
        .last_days(RecordType::of("meeting"), d(2026, 9, 30), &only)
        .expect("last");
    assert_eq!(last.get(&key(0)), Some(&d(2026, 5, 20)));
    assert_eq!(last.get(&key(1)), None, "February is before May: not read");
    let t = RecordType::of("match");
    assert!(!store.has_records(t, d(2026, 6, 1), d(2026, 6, 30)).expect("read"));
    store
        .insert(
            &new("m", d(2026, 6, 30), Facts::new(t).number_of(Column::Count, 2)),
            now(),
        )
        .expect("insert");
    assert!(store.has_records(t, d(2026, 6, 1), d(2026, 6, 30)).expect("read"));
    assert!(!store.has_records(t, d(2026, 7, 1), d(2026, 7, 31)).expect("read"));
    // The subsidy rule's type, not tallied, from its date index.
    let s = RecordType::of("subsidy");
    assert!(!store.has_records(s, d(2026, 6, 1), d(2026, 6, 30)).expect("read"));
    let application = Facts::new(s)
        .text_of(Column::Course, "チャレンジ")
        .text_of(Column::Group, "A会")
        .text_of(Column::Status, "申請");
    store
        .insert(&new("s", d(2026, 6, 2), application), now())
        .expect("insert");
    assert!(store.has_records(s, d(2026, 6, 1), d(2026, 6, 30)).expect("read"));
}

#[test]
fn any_record_between_reads_the_days_not_the_months() {
    let c = komoro();
    let (_dir, mut store) = temp_store();
    let any = |store: &Store, from, to| store.any_record_between(from, to).expect("read");
    assert!(!any(&store, d(2026, 4, 1), d(2027, 3, 31)), "an empty year");
    store
        .insert(&new("a", d(2026, 6, 15), meeting(&c, 0, 0)), now())
        .expect("insert");
    assert!(any(&store, d(2026, 6, 15), d(2026, 6, 15)));
    assert!(any(&store, d(2026, 4, 1), d(2027, 3, 31)));
    // The month has a record, the days asked do not.
    assert!(!any(&store, d(2026, 6, 16), d(2026, 7, 31)));
    assert!(!any(&store, d(2026, 6, 1), d(2026, 6, 14)));
    // Deleted: none left.
    store.delete(1, AuditAction::Delete, &sato(), now()).expect("delete");
    assert!(!any(&store, d(2026, 4, 1), d(2027, 3, 31)));
    // A subsidy record, which has no tally, is found through its date index.
    let application = Facts::new(RecordType::of("subsidy"))
        .text_of(Column::Course, "チャレンジ")
        .text_of(Column::Group, "A会")
        .text_of(Column::Status, "申請");
    store
        .insert(&new("s", d(2026, 9, 2), application), now())
        .expect("insert");
    assert!(any(&store, d(2026, 9, 2), d(2026, 9, 2)));
    assert!(!any(&store, d(2026, 9, 3), d(2026, 9, 30)));
}

#[test]
fn migration_8_keeps_the_post_runs_and_takes_reminders() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("v7.sqlite3");
    {
        let mut conn = rusqlite::Connection::open(&path).expect("open");
        MIGRATIONS.to_version(&mut conn, 7).expect("to version 7");
        conn.execute(
            "INSERT INTO post_runs (kind, period, channel_id, status, nonce, attempts, message_ids, started_at) \
             VALUES ('digest', '2026-10', '5', 'posted', 'kyodo-d-2026-10', 1, '[\"9\"]', 'then')",
            [],
        )
        .expect("a digest posted at version 7");
    }
    let mut store = Store::open(&path).expect("upgrade");
    let run = store
        .post_run(PostKind::Digest, "2026-10", "5")
        .expect("read")
        .expect("kept");
    assert_eq!(
        (run.status, run.message_ids),
        (PostStatus::Posted, vec!["9".to_string()])
    );
    store
        .begin_post(PostKind::Remind, "2026-11", "5", "kyodo-r-2026-11", now())
        .expect("a reminder");
    store
        .finish_post(PostKind::Remind, "2026-11", "5", &["10".to_string()], now())
        .expect("posted");
    let run = store
        .post_run(PostKind::Remind, "2026-11", "5")
        .expect("read")
        .expect("there");
    assert_eq!(run.status, PostStatus::Posted);
    assert_eq!(store.post_run(PostKind::Digest, "2026-11", "5").expect("read"), None);
}
