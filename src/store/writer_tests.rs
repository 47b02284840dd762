//! Store tests with two connections on one real SQLite file: a writer waits for another's lock
//! and then writes; one that waits too long is told `Busy` in Japanese and wrote nothing; the
//! one-grant rule holds in the write's own transaction; processes that open a new file at the
//! same moment all migrate it.

use super::test_support::{now, sato};
use super::*;
use crate::domain::baseline::Baseline;
use crate::domain::record::{Column, Facts, NewRecord, Source, SourceKind};
use crate::domain::RecordType;
use chrono::NaiveDate;
use std::sync::{Arc, Barrier};

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 15).expect("valid test date")
}

fn record(source_id: &str, facts: Facts) -> NewRecord {
    NewRecord {
        date: day(),
        facts,
        reporter: sato(),
        source: Source {
            kind: SourceKind::Discord,
            id: source_id.into(),
            origin: None,
        },
    }
}

fn meeting(source_id: &str) -> NewRecord {
    record(
        source_id,
        Facts::new(RecordType::of("meeting"))
            .text_of(Column::Area, "東部")
            .text_of(Column::District, "荒町"),
    )
}

fn subsidy(source_id: &str, group: &str, status: &str) -> NewRecord {
    record(
        source_id,
        Facts::new(RecordType::of("subsidy"))
            .text_of(Column::Course, "チャレンジ")
            .text_of(Column::Group, group)
            .number_of(Column::Amount, 100_000)
            .text_of(Column::Status, status),
    )
}

fn counts(store: &Store) -> (i64, i64, i64) {
    store.counts().expect("counts")
}

/// Another process's connection holding the write lock (BEGIN IMMEDIATE, not committed).
fn hold_write_lock(path: &Path) -> Connection {
    let other = Connection::open(path).expect("open a second connection");
    other.execute_batch("BEGIN IMMEDIATE").expect("take the write lock");
    other
}

#[test]
fn a_writer_waits_for_another_writer_and_then_writes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("kyodo.sqlite3");
    let mut store = Store::open(&path).expect("open store");
    let other = hold_write_lock(&path);
    // The other writer writes and reads, then commits while our insert is waiting.
    other
        .execute("INSERT INTO meta (key, value) VALUES ('other', 'writer')", [])
        .expect("the other writer writes");
    let release = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        other.execute_batch("COMMIT").expect("commit");
    });
    // Reads go on while the other holds the lock (WAL).
    assert_eq!(counts(&store), (0, 0, 0));
    let stored = store.insert(&meeting("1"), now());
    release.join().expect("the other writer");
    assert!(matches!(stored, Ok(Stored::New(_))), "{stored:?}");
    assert_eq!(counts(&store), (1, 0, 1));
    assert_eq!(store.meta("other").expect("meta"), Some("writer".into()));
}

#[test]
fn a_writer_that_waits_too_long_is_told_busy_in_japanese_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("kyodo.sqlite3");
    let mut store = Store::open(&path).expect("open store");
    let id = store.insert(&meeting("1"), now()).expect("insert").record().id;
    let before = store.record(id).expect("read");
    let other = hold_write_lock(&path);
    store
        .conn
        .busy_timeout(Duration::from_millis(100))
        .expect("a short busy timeout");

    let facts = Facts::new(RecordType::of("meeting"))
        .text_of(Column::Area, "東部")
        .text_of(Column::District, "三和");
    let baseline = Baseline::new();
    let attempts: Vec<(&str, Result<()>)> = vec![
        ("insert", store.insert(&meeting("2"), now()).map(drop)),
        (
            "insert_batch",
            store.insert_batch(&[meeting("3"), meeting("4")], now()).map(drop),
        ),
        ("edit", store.edit(id, day(), &facts, &sato(), now()).map(drop)),
        (
            "delete",
            store.delete(id, AuditAction::Delete, &sato(), now()).map(drop),
        ),
        ("load_baseline", store.load_baseline(&baseline, now()).map(drop)),
        (
            "begin_post",
            store
                .begin_post(PostKind::Digest, "2026-06", "1", "nonce", now())
                .map(drop),
        ),
    ];
    for (what, result) in attempts {
        let Err(error) = result else {
            panic!("{what} wrote while another connection held the write lock")
        };
        assert!(matches!(error, Error::Busy), "{what}: {error:?}");
        let message = error.to_string();
        assert_eq!(
            message,
            "ほかの操作がデータベースに書き込んでいるため、5秒待っても書き込めませんでした。少し待ってからもう一度試してください（記録は変更されていません）",
            "{what}"
        );
    }
    drop(other);
    assert_eq!(counts(&store), (1, 0, 1), "nothing was written");
    assert_eq!(store.record(id).expect("read"), before, "the record is unchanged");
    assert_eq!(store.post_run(PostKind::Digest, "2026-06", "1").expect("read"), None);
    // Once the lock is gone, the same writes go through.
    assert!(matches!(store.insert(&meeting("2"), now()), Ok(Stored::New(_))));
}

#[test]
fn a_full_disk_is_told_in_japanese_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("kyodo.sqlite3")).expect("open store");
    store.insert(&meeting("1"), now()).expect("insert");
    // SQLite's own SQLITE_FULL: the file may not grow by a page.
    let pages: i64 = store
        .conn
        .query_row("PRAGMA page_count", [], |row| row.get(0))
        .expect("page count");
    store
        .conn
        .pragma_update(None, "max_page_count", pages)
        .expect("cap the file");
    let batch: Vec<NewRecord> = (0..200).map(|i| meeting(&format!("b{i}"))).collect();
    let Err(error) = store.insert_batch(&batch, now()) else {
        panic!("200 records fitted in a file that may not grow")
    };
    assert!(matches!(error, Error::DiskFull), "{error:?}");
    assert_eq!(
        error.to_string(),
        "ディスクがいっぱいのため、データベースに書き込めませんでした。ディスクの空きを作ってからもう一度試してください（記録は変更されていません）"
    );
    assert_eq!(counts(&store), (1, 0, 1), "nothing of the batch was kept");
}

#[test]
fn english_sqlite_text_never_reaches_the_message() {
    let error = Error::from(rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
        Some("database disk image is malformed".into()),
    ));
    assert!(matches!(error, Error::Sqlite(_)), "{error:?}");
    let message = error.to_string();
    assert!(
        !message.contains("malformed") && !message.contains("database"),
        "{message}"
    );
    assert!(message.starts_with("データベースの読み書きに失敗しました"), "{message}");
    assert!(
        std::error::Error::source(&error).is_none(),
        "no source: an error chain would print SQLite's text"
    );
    // Opening a file that is not a database: the reason in Japanese, not "file is not a database".
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("notes.sqlite3");
    std::fs::write(&path, "ただのメモ".repeat(400)).expect("write");
    let Err(error) = Store::open(&path) else {
        panic!("a text file was opened as a database")
    };
    assert_eq!(
        error.to_string(),
        format!(
            "データベース {} を開けません（SQLite のデータベースではありません。--db（KYODO_DATABASE）のファイルを確かめてください）",
            path.display()
        )
    );
}

#[test]
fn a_second_live_grant_is_refused_in_the_writes_own_transaction() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("kyodo.sqlite3");
    let mut first = Store::open(&path).expect("open store");
    let mut second = Store::open(&path).expect("open a second store");
    let komoro = crate::domain::Catalogue::parse(include_str!("../../config/kyodo.toml")).expect("shipped config");
    for store in [&mut first, &mut second] {
        store.keep_subsidy_lifecycle(&komoro.subsidy);
    }
    let granted = first
        .insert(&subsidy("1", "こもろ子ども食堂", "交付決定"), now())
        .expect("the first grant")
        .record()
        .clone();
    // Another writer (connection) refuses a second grant to the group in the course.
    let Err(error) = second.insert(&subsidy("2", "こもろ子ども食堂", "交付決定"), now()) else {
        panic!("a second grant was stored")
    };
    assert!(
        matches!(&error, Error::Subsidy(refusal) if refusal.existing == Some(granted.id)),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        format!(
            "「こもろ子ども食堂」はチャレンジコースの交付をすでに受けています（#{}、2026年6月15日（令和8年6月15日））。補助金は1団体各コース1回までです",
            granted.id
        )
    );
    // After the grant the group cannot apply again; another group's application is not a
    // grant; a retried insert returns the grant itself.
    assert!(matches!(
        second.insert(&subsidy("3", "こもろ子ども食堂", "申請"), now()),
        Err(Error::Subsidy(refusal)) if refusal.existing == Some(granted.id)
    ));
    let applied = second
        .insert(&subsidy("3", "東小学校PTA", "申請"), now())
        .expect("an application")
        .record()
        .clone();
    assert!(matches!(
        second.insert(&subsidy("1", "こもろ子ども食堂", "交付決定"), now()),
        Ok(Stored::Existing(_))
    ));
    // Editing the application into a second grant is refused; editing the grant itself is not.
    let grant = |amount| {
        Facts::new(RecordType::of("subsidy"))
            .text_of(Column::Course, "チャレンジ")
            .text_of(Column::Group, "こもろ子ども食堂")
            .maybe(Column::Amount, amount)
            .text_of(Column::Status, "交付決定")
    };
    assert!(matches!(
        second.edit(applied.id, day(), &grant(Some(50_000)), &sato(), now()),
        Err(Error::Subsidy(_))
    ));
    second
        .edit(granted.id, day(), &grant(Some(120_000)), &sato(), now())
        .expect("the grant's own amount is corrected");
    // A batch with a second grant stores nothing; a grant in another course or group is fine.
    let batch = [
        subsidy("4", "東小学校PTA", "交付決定"),
        subsidy("5", "こもろ子ども食堂", "交付決定"),
    ];
    assert!(matches!(second.insert_batch(&batch, now()), Err(Error::Subsidy(_))));
    assert_eq!(counts(&second), (2, 0, 3), "nothing of the batch was kept");
    assert_eq!(second.insert_batch(&batch[..1], now()).expect("batch"), 1);
    // Once the grant is deleted, the group may be granted again.
    second
        .delete(granted.id, AuditAction::Delete, &sato(), now())
        .expect("delete");
    assert!(matches!(
        first.insert(&subsidy("6", "こもろ子ども食堂", "交付決定"), now()),
        Ok(Stored::New(_))
    ));
}

#[test]
fn processes_opening_a_new_file_at_once_all_migrate_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = Arc::new(dir.path().join("kyodo.sqlite3"));
    let start = Arc::new(Barrier::new(4));
    let openers: Vec<_> = (0..4)
        .map(|_| {
            let (path, start) = (path.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                Store::open(&path).and_then(|store| store.schema_version())
            })
        })
        .collect();
    for opener in openers {
        let version = opener.join().expect("opener thread");
        assert!(
            matches!(version, Ok(v) if v == Store::latest_schema_version()),
            "{version:?}"
        );
    }
}
