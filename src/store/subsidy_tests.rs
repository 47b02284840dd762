//! Store tests of the subsidy lifecycle on a real SQLite file: group keys written on insert and
//! edit and filled in once for a database of version 4; look-alike spellings one group (stored
//! under the known spelling, a second grant refused naming the first); batches checked in date
//! order; edits and deletes keeping the lifecycle in their transaction.

use super::batch::Item;
use super::test_support::{komoro, now, sato};
use super::*;
use crate::domain::record::{Column, Facts, NewRecord, Source, SourceKind};
use crate::domain::subsidy::Rule;
use crate::domain::RecordType;
use chrono::NaiveDate;
use tempfile::TempDir;

pub(super) fn d(m: u32, day: u32) -> NaiveDate {
    let year = if m < 4 { 2027 } else { 2026 };
    NaiveDate::from_ymd_opt(year, m, day).expect("valid test date")
}

pub(super) fn store() -> (TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("kyodo.sqlite3")).expect("open store");
    store.keep_subsidy_lifecycle(&komoro().subsidy);
    (dir, store)
}

pub(super) fn facts(group: &str, status: &str, amount: Option<u64>) -> Facts {
    Facts::new(RecordType::of("subsidy"))
        .text_of(Column::Course, "チャレンジ")
        .text_of(Column::Group, group)
        .maybe(Column::Amount, amount)
        .text_of(Column::Status, status)
}

pub(crate) fn subsidy(source: &str, date: NaiveDate, group: &str, status: &str, amount: Option<u64>) -> NewRecord {
    NewRecord {
        date,
        facts: facts(group, status, amount),
        reporter: sato(),
        source: Source {
            kind: SourceKind::Console,
            id: source.into(),
            origin: None,
        },
    }
}

pub(super) fn group_keys(store: &Store) -> Vec<(i64, Option<String>)> {
    let mut stmt = store
        .conn
        .prepare("SELECT id, group_key FROM records ORDER BY id")
        .expect("prepare");
    let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).expect("query");
    rows.collect::<rusqlite::Result<_>>().expect("rows")
}

fn refusal(result: Result<impl std::fmt::Debug>) -> crate::domain::subsidy::Refusal {
    match result {
        Err(Error::Subsidy(refusal)) => refusal,
        other => panic!("not refused by the lifecycle: {other:?}"),
    }
}

#[test]
fn a_database_of_version_4_gets_its_group_keys_once_in_the_migration() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("kyodo.sqlite3");
    {
        let mut conn = rusqlite::Connection::open(&path).expect("open");
        MIGRATIONS.to_version(&mut conn, 4).expect("migrate to version 4");
        for (id, record_type, group) in [
            (1, "subsidy", Some("こもろ　子ども食堂")),
            (2, "subsidy", Some("ＮＰＯ法人 こもろ")),
            (3, "meeting", None),
        ] {
            conn.execute(
                "INSERT INTO records (id, record_type, occurred_on, course, group_name, status, area, district, \
                 reporter_id, reporter_name, source, source_id, created_at) \
                 VALUES (?1, ?2, '2026-06-01', 'チャレンジ', ?3, '申請', '東部', '荒町', '1', '佐藤', 'import', ?1, 'x')",
                rusqlite::params![id, record_type, group],
            )
            .expect("insert a version-4 row");
        }
    }
    let store = Store::open(&path).expect("open and migrate");
    assert_eq!(store.schema_version().expect("version"), Store::latest_schema_version());
    assert_eq!(
        group_keys(&store),
        vec![
            (1, Some("こもろ子ども食堂".to_string())),
            (2, Some("npo法人こもろ".to_string())),
            (3, None)
        ]
    );
    // The group is found under every spelling.
    assert_eq!(
        store
            .subsidy_groups(RecordType::of("subsidy"), "npo", 25)
            .expect("groups"),
        ["ＮＰＯ法人 こもろ"]
    );
    assert_eq!(
        store
            .subsidy_history(RecordType::of("subsidy"), "こもろ 子ども食堂", None)
            .expect("history")
            .len(),
        1
    );
}

#[test]
fn look_alike_spellings_are_one_group() {
    let (_dir, mut store) = store();
    let first = store
        .insert(
            &subsidy("1", d(6, 1), "こもろ子ども食堂", "交付決定", Some(150_000)),
            now(),
        )
        .expect("the grant");
    // Half-width space, full-width space, case and width: a second grant to the same group.
    for (i, typed) in ["こもろ 子ども食堂", "こもろ　子ども食堂", " こもろ子ども 食堂"]
        .into_iter()
        .enumerate()
    {
        let refused = refusal(store.insert(
            &subsidy(&format!("2-{i}"), d(7, 1), typed, "交付決定", Some(100_000)),
            now(),
        ));
        assert_eq!(refused.rule, Rule::OneGrant, "{typed}");
        assert_eq!(refused.existing, Some(first.record().id));
        assert!(
            refused
                .message
                .starts_with("「こもろ子ども食堂」はチャレンジコースの交付をすでに受けています（#1、"),
            "{typed}: {}",
            refused.message
        );
    }
    // An entry spelled differently is stored under the known spelling, with the same key.
    store
        .insert(&subsidy("3", d(5, 1), "ＮＰＯ法人こもろ", "申請", None), now())
        .expect("application");
    let granted = store
        .insert(
            &subsidy("4", d(6, 2), "npo法人 こもろ", "交付決定", Some(90_000)),
            now(),
        )
        .expect("grant");
    assert_eq!(
        granted.record().facts,
        facts("ＮＰＯ法人こもろ", "交付決定", Some(90_000))
    );
    let refused = refusal(store.insert(&subsidy("5", d(7, 1), "NPO法人こもろ", "交付決定", Some(90_000)), now()));
    assert!(
        refused.message.starts_with("「ＮＰＯ法人こもろ」は"),
        "{}",
        refused.message
    );
    assert_eq!(
        store
            .subsidy_groups(RecordType::of("subsidy"), "ＮＰＯ", 25)
            .expect("groups"),
        ["ＮＰＯ法人こもろ"]
    );
    assert_eq!(
        store
            .subsidy_groups(RecordType::of("subsidy"), "こもろ", 25)
            .expect("groups"),
        ["ＮＰＯ法人こもろ", "こもろ子ども食堂"],
        "each group once, most recent first"
    );
    // An edit keeps the spelling typed (so a spelling can be corrected) and rewrites the key.
    let edited = store
        .edit(
            granted.record().id,
            d(6, 2),
            &facts("NPO法人こもろ", "交付決定", Some(90_000)),
            &sato(),
            now(),
        )
        .expect("edit");
    assert_eq!(edited.facts, facts("NPO法人こもろ", "交付決定", Some(90_000)));
    let keys = group_keys(&store);
    assert_eq!(keys.len(), 3, "nothing refused was stored");
    assert!(keys.iter().all(|(_, k)| k.as_deref().is_some_and(|k| !k.contains(' '))));
}

#[test]
fn a_batch_is_checked_in_date_order_whatever_its_order() {
    let (_dir, mut store) = store();
    // The report first, then the grant, then the application: in date order they fit.
    let batch = [
        subsidy("r", d(2, 20), "A会", "実績報告", None),
        subsidy("g", d(6, 1), "A会", "交付決定", Some(150_000)),
        subsidy("a", d(5, 1), "A会", "申請", None),
    ];
    assert!(store.check_subsidies(&batch, &[], &[]).expect("check").is_empty());
    assert_eq!(store.insert_batch(&batch, now()).expect("batch"), 3);
    let figures = store.figures_between(&komoro(), d(4, 1), d(3, 31)).expect("figures");
    let challenge = &figures.subsidy["チャレンジ"];
    assert_eq!(
        (
            challenge.applications.value(),
            challenge.grants.value(),
            challenge.amount.value()
        ),
        (Some(1), Some(1), Some(150_000))
    );
    // The same file again: stored before, nothing to check.
    assert!(store.check_subsidies(&batch, &[], &[]).expect("check").is_empty());
    assert_eq!(store.insert_batch(&batch, now()).expect("batch"), 0);
    // Rows that break the lifecycle are each named, with their index and label.
    let bad = [
        subsidy("b1", d(5, 1), "B会", "申請", None),
        subsidy("b2", d(5, 2), "B会", "申請", None),
        subsidy("a2", d(7, 1), "A会", "申請", None),
        subsidy("b3", d(6, 1), "B会", "交付決定", Some(100_000)),
    ];
    let labels: Vec<String> = (2..6).map(|l| format!("このファイルの{l}行目")).collect();
    let refused = store.check_subsidies(&bad, &labels, &[]).expect("check");
    let found: Vec<(Item, Rule)> = refused.iter().map(|(i, r)| (*i, r.rule)).collect();
    assert_eq!(
        found,
        [(Item::New(1), Rule::AppliedAlready), (Item::New(2), Rule::AfterGrant)]
    );
    assert!(
        refused[0]
            .1
            .message
            .contains("申請（このファイルの2行目、令和8年5月1日）の後なので"),
        "{}",
        refused[0].1
    );
    assert!(refused[1].1.message.contains("交付決定（#2、令和8年6月1日）の後なので"));
    // The batch itself refuses them in its transaction and stores nothing.
    let before = store.counts().expect("counts");
    assert!(matches!(store.insert_batch(&bad, now()), Err(Error::Subsidy(_))));
    assert_eq!(store.counts().expect("counts"), before);
}

#[test]
fn edits_and_deletes_keep_the_lifecycle_in_their_transaction() {
    let (_dir, mut store) = store();
    let mut ids = Vec::new();
    for (source, date, status, amount) in [
        ("a", d(5, 1), "申請", None),
        ("g", d(6, 1), "交付決定", Some(150_000)),
        ("r", d(2, 20), "実績報告", None),
    ] {
        let stored = store
            .insert(&subsidy(source, date, "こもろ子ども食堂", status, amount), now())
            .expect("insert");
        ids.push(stored.record().id);
    }
    // The grant under its report cannot go, nor be undone; its application may.
    let refused = refusal(store.delete(ids[1], AuditAction::Delete, &sato(), now()));
    assert!(refused.message.contains("を削除すると、実績報告（#3、"), "{refused}");
    assert!(matches!(
        store.delete(ids[1], AuditAction::Undo, &sato(), now()),
        Err(Error::Subsidy(_))
    ));
    store
        .delete(ids[0], AuditAction::Delete, &sato(), now())
        .expect("the application under the grant");
    // An edit that moves the report before the grant is refused; one to another group is
    // checked in both groups.
    let refused = refusal(store.edit(
        ids[2],
        d(5, 1),
        &facts("こもろ子ども食堂", "実績報告", None),
        &sato(),
        now(),
    ));
    assert_eq!(refused.rule, Rule::NoGrant);
    let refused = refusal(store.edit(
        ids[1],
        d(6, 1),
        &facts("B会", "交付決定", Some(150_000)),
        &sato(),
        now(),
    ));
    assert!(
        refused.message.contains("交付決定（#2、令和8年6月1日）を") || refused.message.contains("この修正をすると"),
        "{refused}"
    );
    let (live, deleted, _) = store.counts().expect("counts");
    assert_eq!((live, deleted), (2, 1));
}
