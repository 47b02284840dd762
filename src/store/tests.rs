//! Store tests, each on a real SQLite file in a temporary folder: migrations from empty and from
//! every earlier version, idempotent inserts, the audit trail, soft delete, tallies, baseline.

use super::*;
use crate::domain::baseline::Baseline;
use crate::domain::figures::Figure;
use crate::domain::record::{Actor, Column, Facts, NewRecord, Origin, Record, RecordFilter, Source, SourceKind};
use crate::domain::RecordType;
use crate::domain::{Catalogue, FiscalYear};
use chrono::{NaiveDate, TimeZone, Utc};
use std::collections::BTreeMap;
use tempfile::TempDir;

fn komoro_catalogue() -> Catalogue {
    Catalogue::parse(include_str!("../../config/kyodo.toml")).expect("config")
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 1, 2, 3)
        .single()
        .expect("valid time")
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
}

/// A store on a new file, described Komoro's catalogue (its tallies' triggers).
fn temp_store() -> (TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("kyodo.sqlite3")).expect("open store");
    store.describe(&komoro_catalogue()).expect("describe");
    (dir, store)
}

fn alice() -> Actor {
    Actor {
        id: "111".into(),
        name: "佐藤".into(),
    }
}

fn meeting(source_id: &str, date: NaiveDate, area: &str, district: &str) -> NewRecord {
    NewRecord {
        date,
        facts: Facts::new(RecordType::of("meeting"))
            .text_of(Column::Area, area)
            .text_of(Column::District, district)
            .text_of(Column::Topic, "防災訓練の打合せ"),
        reporter: alice(),
        source: Source {
            kind: SourceKind::Discord,
            id: source_id.into(),
            origin: None,
        },
    }
}

/// The whole of `year`, for `Store::period_figures`.
fn whole_year(catalogue: &Catalogue, year: FiscalYear) -> crate::domain::totals::Period {
    crate::domain::totals::Period::whole_year(year, catalogue.fiscal_year_start)
}

fn count_rows(store: &Store, table: &str) -> i64 {
    store
        .conn
        .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| row.get(0))
        .expect("count")
}

#[test]
fn a_cached_statement_runs_again_without_being_compiled_again() {
    let (_dir, store) = temp_store();
    let sql = "SELECT id FROM records WHERE record_type = ?1 ORDER BY id DESC LIMIT ?2";
    for limit in [5, 50, 5] {
        let mut stmt = store.conn.prepare_cached(sql).expect("prepare");
        let ids: Vec<i64> = stmt
            .query_map(rusqlite::params!["meeting", limit], |row| row.get(0))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows");
        assert!(ids.is_empty());
    }
    let stmt = store.conn.prepare_cached(sql).expect("prepare");
    assert_eq!(stmt.get_status(rusqlite::StatementStatus::RePrepare), 0);
}

#[test]
fn migrations_are_valid() {
    MIGRATIONS.validate().expect("migrations validate");
}

#[test]
fn a_new_database_is_migrated_to_the_latest_version() {
    let (_dir, store) = temp_store();
    assert_eq!(store.schema_version().expect("version"), Store::latest_schema_version());
    let journal: String = store
        .conn
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .expect("journal mode");
    assert_eq!(journal, "wal");
    let synchronous: i64 = store
        .conn
        .query_row("PRAGMA synchronous", [], |row| row.get(0))
        .expect("sync");
    assert_eq!(synchronous, 2, "synchronous = FULL");
    let foreign_keys: i64 = store
        .conn
        .query_row("PRAGMA foreign_keys", [], |row| row.get(0))
        .expect("fk");
    assert_eq!(foreign_keys, 1);
}

#[test]
fn a_database_from_every_earlier_version_opens_and_upgrades() {
    for version in 0..Store::latest_schema_version() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("old.sqlite3");
        {
            let mut conn = Connection::open(&path).expect("open old");
            MIGRATIONS
                .to_version(&mut conn, version)
                .expect("migrate to old version");
        }
        let store = Store::open(&path).expect("upgrade");
        assert_eq!(
            store.schema_version().expect("version"),
            Store::latest_schema_version(),
            "from {version}"
        );
    }
    // Records written at version 1 are tallied once the store is described the catalogue.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("v1-data.sqlite3");
    {
        let mut conn = Connection::open(&path).expect("open old");
        MIGRATIONS.to_version(&mut conn, 1).expect("migrate to version 1");
        for (i, (date, area)) in [("2025-05-01", "東部"), ("2025-05-20", "東部"), ("2025-06-01", "川辺")]
            .iter()
            .enumerate()
        {
            conn.execute(
                "INSERT INTO records (record_type, occurred_on, area, district, reporter_id, reporter_name, source, source_id, created_at) \
                 VALUES ('meeting', ?1, ?2, '', '1', '佐藤', 'import', ?3, 'then')",
                rusqlite::params![date, area, i.to_string()],
            )
            .expect("old insert");
        }
    }
    let mut store = Store::open(&path).expect("upgrade with data");
    store.describe(&komoro_catalogue()).expect("describe");
    let (from, to) = (d(2025, 4, 1), d(2026, 3, 31));
    assert_eq!(
        store.tallies(from, to, None).expect("tallies"),
        store
            .tallies_from_records(&komoro_catalogue(), from, to)
            .expect("direct")
    );
    assert_eq!(
        store
            .tallies(from, to, None)
            .expect("tallies")
            .iter()
            .map(|t| t.count)
            .sum::<u64>(),
        3
    );
    // Data written at the first version survives every later migration.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("v1.sqlite3");
    {
        let mut store = Store::open(&path).expect("open");
        store
            .insert(&meeting("1", d(2026, 6, 15), "東部", "荒町"), now())
            .expect("insert");
    }
    let store = Store::open(&path).expect("reopen");
    assert!(store.record(1).expect("read").is_some());
}

/// An import of the meeting `meeting(…)` makes, read from `file` at `row`.
fn imported(content: &str, file: &str, row: usize) -> NewRecord {
    let mut record = meeting(content, d(2026, 6, 15), "東部", "荒町");
    record.source = Source {
        kind: SourceKind::Import,
        id: content.into(),
        origin: Some(Origin { file: file.into(), row }),
    };
    record
}

#[test]
fn migration_9_leaves_older_imports_without_a_file_and_stores_an_imports_file_and_row_once() {
    let content = "2026-06-15|meeting||||東部|荒町|||||||||防災訓練の打合せ|#1";
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("v8.sqlite3");
    {
        let mut conn = Connection::open(&path).expect("open old");
        MIGRATIONS.to_version(&mut conn, 8).expect("migrate to version 8");
        conn.execute(
            "INSERT INTO records (record_type, occurred_on, area, district, topic, reporter_id, reporter_name, source, source_id, created_at) \
             VALUES ('meeting', '2026-06-15', '東部', '荒町', '防災訓練の打合せ', 'import:佐藤', '佐藤', 'import', ?1, '2026-06-16T00:00:00.000Z')",
            [content],
        )
        .expect("an import at version 8");
        // Its audit line as version 8 wrote it: a record without an origin.
        let old = Record {
            id: 1,
            date: d(2026, 6, 15),
            facts: meeting("x", d(2026, 6, 15), "東部", "荒町").facts,
            reporter: alice(),
            source: Source {
                kind: SourceKind::Import,
                id: content.into(),
                origin: None,
            },
            created_at: "2026-06-16T00:00:00.000Z".into(),
            deleted_at: None,
        };
        let json = serde_json::to_string(&old).expect("json");
        assert!(
            !json.contains("origin"),
            "no origin written where there is none: {json}"
        );
        conn.execute(
            "INSERT INTO audit (record_id, action, actor_id, actor_name, at, after_json) \
             VALUES (1, 'create', 'import:佐藤', '佐藤', '2026-06-16T00:00:00.000Z', ?1)",
            [json],
        )
        .expect("its audit line");
    }
    let mut store = Store::open(&path).expect("upgrade");
    store.describe(&komoro_catalogue()).expect("describe");
    assert_eq!(store.schema_version().expect("version"), Store::latest_schema_version());
    let old = store.record(1).expect("read").expect("kept");
    assert_eq!(
        (old.source.kind, old.source.id.as_str(), old.source.origin.as_ref()),
        (SourceKind::Import, content, None),
        "an import from before keeps its id and has no file"
    );
    let audit = store.audit_trail(1).expect("the audit line of version 8 reads");
    assert_eq!(audit[0].after.as_ref().map(|r| &r.source), Some(&old.source));
    // Read again from a file, the old import is recognised by its content and keeps no file.
    assert!(store
        .has_source(&imported(content, "jisseki-2026.csv", 2).source)
        .expect("has"));
    let again = store
        .insert(&imported(content, "jisseki-2026.csv", 2), now())
        .expect("insert again");
    assert_eq!(again, Stored::Existing(old));

    // A new import keeps its file and row; the same content from
    // another file and row is that record, its first file and row kept.
    let content = "2026-06-15|meeting||||東部|荒町|||||||||防災訓練の打合せ|#2";
    let Stored::New(first) = store
        .insert(&imported(content, "jisseki-2026.xlsx", 12), now())
        .expect("insert")
    else {
        panic!("not new")
    };
    let origin = Some(Origin {
        file: "jisseki-2026.xlsx".into(),
        row: 12,
    });
    assert_eq!(first.source.origin, origin);
    assert_eq!(store.record(first.id).expect("read").expect("there"), first);
    let again = store
        .insert(&imported(content, "jisseki-2026 (2).xlsx", 3), now())
        .expect("insert again");
    assert_eq!(again, Stored::Existing(first.clone()));
    // An edit keeps them, and its audit line holds them before and after.
    let mut facts = first.facts.clone();
    facts.values.set(
        Column::Topic,
        Some(crate::domain::record::Value::Text("夜間の訓練".into())),
    );
    let edited = store.edit(first.id, first.date, &facts, &alice(), now()).expect("edit");
    assert_eq!(edited.source, first.source);
    let audit = store.audit_trail(first.id).expect("audit");
    assert_eq!(audit[1].before.as_ref(), Some(&first));
    assert_eq!(audit[1].after.as_ref(), Some(&edited));
    assert_eq!(count_rows(&store, "records"), 2);

    // A name from outside is stored without its folder and control characters, cut short,
    // whoever built the origin; Discord's and the console's records have none.
    let hostile = format!("/home/佐藤/\u{1b}[2J実績\u{202E}\n{}.csv", "x".repeat(300));
    let Stored::New(record) = store
        .insert(&imported("hostile#1", &hostile, 7), now())
        .expect("insert")
    else {
        panic!("not new")
    };
    let file = &record.source.origin.as_ref().expect("origin").file;
    assert_eq!(file.chars().count(), crate::domain::text::FILE_NAME_MAX);
    assert!(file.starts_with("[2J実績 xxx"), "{file}");
    assert!(file.ends_with("x…"), "{file}");
    let Stored::New(discord) = store
        .insert(&meeting("9001", d(2026, 6, 15), "東部", "荒町"), now())
        .expect("insert")
    else {
        panic!("not new")
    };
    assert_eq!(discord.source.origin, None);
    let stored: (Option<String>, Option<i64>) = store
        .conn
        .query_row(
            "SELECT origin_file, origin_row FROM records WHERE id = ?1",
            [discord.id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .expect("columns");
    assert_eq!(stored, (None, None));
}

#[test]
fn a_database_from_a_newer_kyodo_is_refused_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("new.sqlite3");
    {
        let conn = Connection::open(&path).expect("open");
        conn.pragma_update(None, "user_version", 99).expect("set version");
    }
    let Err(error) = Store::open(&path) else {
        panic!("a newer database was opened")
    };
    assert!(
        matches!(error, Error::Upgrade(UpgradeError::TooNew { found: 99, .. })),
        "{error:?}"
    );
    assert!(error.to_string().contains("新しい kyodo を使うか"), "{error}");
    assert!(error.to_string().contains("kyodo-before-v99.sqlite3"), "{error}");
    let conn = Connection::open(&path).expect("reopen");
    let tables: i64 = conn
        .query_row("SELECT COUNT(*) FROM sqlite_master", [], |row| row.get(0))
        .expect("tables");
    assert_eq!(tables, 0, "nothing was created in it");
}

#[test]
fn a_file_that_is_not_a_database_is_refused_unchanged() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("notes.sqlite3");
    std::fs::write(&path, "これはデータベースではありません。".repeat(100)).expect("write");
    let before = std::fs::read(&path).expect("read");
    let Err(error) = Store::open(&path) else {
        panic!("a text file was opened as a database")
    };
    assert!(matches!(error, Error::Open { .. }), "{error:?}");
    assert!(error
        .to_string()
        .starts_with(&format!("データベース {} を開けません", path.display())));
    assert_eq!(std::fs::read(&path).expect("read"), before);
    let Err(error) = Store::open(dir.path()) else {
        panic!("a folder was opened as a database")
    };
    assert!(error.to_string().contains("フォルダです"), "{error}");
}

#[test]
fn the_same_source_is_stored_once() {
    let (_dir, mut store) = temp_store();
    let first = store
        .insert(&meeting("9001", d(2026, 6, 15), "東部", "荒町"), now())
        .expect("insert");
    let Stored::New(record) = &first else {
        panic!("first insert was not new: {first:?}")
    };
    let again = store
        .insert(&meeting("9001", d(2026, 6, 16), "中部", "本町"), now())
        .expect("insert again");
    assert_eq!(
        again,
        Stored::Existing(record.clone()),
        "the first record is returned unchanged"
    );
    assert_eq!(count_rows(&store, "records"), 1);
    assert_eq!(count_rows(&store, "audit"), 1);
    // The same id from another source is another record.
    let mut console = meeting("9001", d(2026, 6, 15), "東部", "荒町");
    console.source.kind = SourceKind::Console;
    assert!(matches!(store.insert(&console, now()).expect("insert"), Stored::New(_)));
    assert_eq!(count_rows(&store, "records"), 2);
}

#[test]
fn every_record_type_round_trips() {
    let (_dir, mut store) = temp_store();
    let all = [
        Facts::new(RecordType::of("council"))
            .text_of(Column::Kind, "総会")
            .text_of(Column::Status, "書面開催"),
        Facts::new(RecordType::of("meeting"))
            .text_of(Column::Area, "川辺")
            .text_of(Column::District, "氷"),
        Facts::new(RecordType::of("consultation"))
            .number_of(Column::Count, 12)
            .text_of(Column::Side, "したい側")
            .text_of(Column::Note, "電話"),
        Facts::new(RecordType::of("match")).number_of(Column::Count, 3),
        Facts::new(RecordType::of("subsidy"))
            .text_of(Column::Course, "チャレンジ")
            .text_of(Column::Group, "こもろ子ども食堂")
            .number_of(Column::Amount, 200_000)
            .text_of(Column::Status, "交付決定"),
        Facts::new(RecordType::of("participation"))
            .text_of(Column::Method, "パブリックコメント")
            .text_of(Column::Project, "第6次基本構想")
            .text_of(Column::Department, "企画課"),
        Facts::new(RecordType::of("collab")).text_of(Column::Title, "ボランティア交流集会"),
        Facts::new(RecordType::of("info")).text_of(Column::Title, "補助金説明会"),
        Facts::new(RecordType::of("publicity"))
            .text_of(Column::Kind, "区紹介")
            .text_of(Column::Medium, "広報こもろ"),
    ];
    for (i, facts) in all.iter().enumerate() {
        let mut new = meeting(&format!("rt-{i}"), d(2026, 7, 1), "", "");
        new.facts = facts.clone();
        let stored = store.insert(&new, now()).expect("insert");
        let read = store.record(stored.record().id).expect("read").expect("present");
        assert_eq!(&read.facts, facts);
        assert_eq!(read.date, d(2026, 7, 1));
        assert_eq!(read.reporter, alice());
        assert_eq!(read.created_at, "2026-11-28T01:02:03.000Z");
    }
}

#[test]
fn edits_and_deletes_are_audited_and_deletes_are_soft() {
    let (_dir, mut store) = temp_store();
    let id = store
        .insert(&meeting("1", d(2026, 6, 15), "東部", "荒町"), now())
        .expect("insert")
        .record()
        .id;
    let admin = Actor {
        id: "999".into(),
        name: "管理者".into(),
    };
    let facts = Facts::new(RecordType::of("meeting"))
        .text_of(Column::Area, "東部")
        .text_of(Column::District, "三和");
    let edited = store.edit(id, d(2026, 6, 14), &facts, &admin, now()).expect("edit");
    assert_eq!(edited.facts, facts);
    assert_eq!(edited.date, d(2026, 6, 14));
    store.delete(id, AuditAction::Delete, &admin, now()).expect("delete");

    let trail = store.audit_trail(id).expect("trail");
    let actions: Vec<AuditAction> = trail.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        vec![AuditAction::Create, AuditAction::Edit, AuditAction::Delete]
    );
    assert_eq!(trail[1].actor, admin);
    let before = trail[1].before.as_ref().expect("before");
    assert_eq!(before.facts.text(Column::District), Some("荒町"));
    assert_eq!(trail[1].after.as_ref().map(|r| r.facts.clone()), Some(facts));
    assert!(trail[2].after.as_ref().is_some_and(|r| r.deleted_at.is_some()));

    let kept = store.record(id).expect("read").expect("still stored");
    assert!(kept.deleted_at.is_some());
    assert!(store.records_of("111", 10).expect("mine").is_empty());
    assert!(store
        .tallies(d(2026, 4, 1), d(2027, 3, 31), None)
        .expect("tallies")
        .is_empty());
    assert!(matches!(
        store.delete(id, AuditAction::Delete, &admin, now()),
        Err(Error::NoSuchRecord(_))
    ));
    assert!(matches!(
        store.edit(id, d(2026, 6, 1), &kept.facts, &admin, now()),
        Err(Error::NoSuchRecord(_))
    ));
    assert!(matches!(
        store.delete(77, AuditAction::Delete, &admin, now()),
        Err(Error::NoSuchRecord(77))
    ));
}

#[test]
fn tallies_cover_exactly_the_period() {
    let (_dir, mut store) = temp_store();
    let catalogue = Catalogue::parse(include_str!("../../config/kyodo.toml")).expect("config");
    store
        .insert(&meeting("a", d(2026, 3, 31), "東部", "荒町"), now())
        .expect("insert");
    store
        .insert(&meeting("b", d(2026, 4, 1), "東部", "荒町"), now())
        .expect("insert");
    store
        .insert(&meeting("c", d(2027, 3, 31), "川辺", "氷"), now())
        .expect("insert");
    store
        .insert(&meeting("d", d(2027, 4, 1), "川辺", "氷"), now())
        .expect("insert");
    let (fy2026, source) = store
        .period_figures(&catalogue, whole_year(&catalogue, FiscalYear::new(2026)))
        .expect("figures");
    assert_eq!(source, FiguresSource::Records);
    let meeting = RecordType::of("meeting");
    assert_eq!(fy2026.of(&catalogue, meeting, "東部"), Figure::known(1));
    assert_eq!(fy2026.of(&catalogue, meeting, "川辺"), Figure::known(1));
    assert_eq!(fy2026.of(&catalogue, meeting, "中部"), Figure::known(0));
    let (fy2023, source) = store
        .period_figures(&catalogue, whole_year(&catalogue, FiscalYear::new(2023)))
        .expect("figures");
    assert_eq!(source, FiguresSource::Missing, "no record, no baseline: unknown, not 0");
    assert_eq!(
        fy2023.of(&catalogue, RecordType::of("meeting"), "東部"),
        Figure::UNKNOWN
    );
}

#[test]
fn loading_the_baseline_is_idempotent_and_follows_the_file() {
    let (_dir, mut store) = temp_store();
    let catalogue = Catalogue::parse(include_str!("../../config/kyodo.toml")).expect("config");
    let mut baseline: Baseline =
        crate::domain::baseline::parse_baseline(include_str!("../../config/baseline.toml"), &catalogue)
            .expect("baseline");
    assert_eq!(store.load_baseline(&baseline, now()).expect("load").added, 3);
    assert_eq!(
        store.load_baseline(&baseline, now()).expect("load"),
        BaselineLoad::default()
    );
    assert_eq!(count_rows(&store, "baseline"), 3);
    let fy2020 = FiscalYear::new(2020);
    let consultation = RecordType::of("consultation");
    baseline.get_mut(&fy2020).expect("2020").counts.insert(
        consultation,
        BTreeMap::from([(String::new(), Some(BTreeMap::from([(String::new(), 1098)])))]),
    );
    baseline.remove(&FiscalYear::new(2018));
    let load = store.load_baseline(&baseline, now()).expect("load");
    assert_eq!(
        load,
        BaselineLoad {
            added: 0,
            changed: 1,
            removed: 1
        }
    );
    let (figures, source) = store
        .period_figures(&catalogue, whole_year(&catalogue, fy2020))
        .expect("figures");
    assert_eq!(source, FiguresSource::Baseline);
    assert_eq!(figures.of(&catalogue, consultation, ""), Figure::known(1098));
    assert_eq!(figures.of(&catalogue, RecordType::of("info"), ""), Figure::UNKNOWN);
}

#[test]
fn a_batch_is_stored_whole_or_not_at_all() {
    let (_dir, mut store) = temp_store();
    let batch = [
        meeting("b1", d(2026, 6, 1), "東部", "荒町"),
        meeting("b2", d(2026, 6, 2), "東部", "三和"),
        meeting("b1", d(2026, 6, 3), "中部", "本町"),
    ];
    assert_eq!(
        store.insert_batch(&batch, now()).expect("batch"),
        2,
        "the repeated source is stored once"
    );
    let mut bad = meeting("b3", d(2026, 6, 4), "東部", "荒町");
    bad.facts = Facts::new(RecordType::of("consultation")).number_of(Column::Count, 0);
    let batch = [meeting("b4", d(2026, 6, 5), "東部", "荒町"), bad];
    assert!(
        store.insert_batch(&batch, now()).is_err(),
        "a count of 0 breaks the table's rule"
    );
    assert_eq!(count_rows(&store, "records"), 2, "nothing of the failed batch was kept");
    assert_eq!(count_rows(&store, "audit"), 2);
}

#[test]
fn periods_split_into_whole_months_and_the_days_around_them() {
    let split = |from, to| {
        let s = super::records::MonthSplit::of(from, to);
        (s.months, s.head, s.tail)
    };
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    let days = |m: &str, a: u32, b: u32| Some((m.to_string(), a, b));
    let none = pair("1", "0");
    assert_eq!(
        split(d(2026, 4, 1), d(2027, 3, 31)),
        (pair("2026-04", "2027-03"), None, None)
    );
    assert_eq!(
        split(d(2026, 4, 1), d(2026, 11, 28)),
        (pair("2026-04", "2026-10"), None, days("2026-11", 1, 28))
    );
    assert_eq!(
        split(d(2026, 4, 15), d(2026, 6, 10)),
        (
            pair("2026-05", "2026-05"),
            days("2026-04", 15, 30),
            days("2026-06", 1, 10)
        )
    );
    // No whole month: the days of each month apart.
    assert_eq!(
        split(d(2026, 4, 15), d(2026, 5, 20)),
        (none.clone(), days("2026-04", 15, 30), days("2026-05", 1, 20))
    );
    assert_eq!(
        split(d(2026, 12, 25), d(2027, 1, 5)),
        (none.clone(), days("2026-12", 25, 31), days("2027-01", 1, 5))
    );
    assert_eq!(
        split(d(2024, 2, 1), d(2024, 2, 29)),
        (pair("2024-02", "2024-02"), None, None)
    );
    assert_eq!(
        split(d(2024, 2, 29), d(2024, 2, 29)),
        (none.clone(), days("2024-02", 29, 29), None)
    );
    assert_eq!(split(d(2024, 3, 2), d(2024, 3, 1)), (none, None, None));
}

#[test]
/// After a mixed load — inserts of several types, edits that move a record to another type and
/// day, deletes, undos, and an import's batch of new records and edits — the running tallies
/// equal a GROUP BY over the records, for periods of whole months, days and both.
fn running_tallies_always_equal_the_records() {
    let (_dir, mut store) = temp_store();
    let catalogue = Catalogue::parse(include_str!("../../config/kyodo.toml")).expect("config");
    let mut next = test_support::lcg(7);
    let admin = test_support::admin();
    let day = |n: u64| d(2025, 3, 1) + chrono::Duration::days(n as i64);
    for i in 0..400 {
        let area = &catalogue.areas[next(10) as usize];
        let facts = match next(4) {
            0 => Facts::new(RecordType::of("meeting"))
                .text_of(Column::Area, &area.name)
                .text_of(
                    Column::District,
                    &area.districts[next(area.districts.len() as u64) as usize],
                ),
            1 => Facts::new(RecordType::of("consultation")).number_of(Column::Count, 1 + next(5)),
            2 => Facts::new(RecordType::of("council"))
                .text_of(Column::Kind, "役員会")
                .text_of(Column::Status, ["実施", "中止"][next(2) as usize]),
            _ => Facts::new(RecordType::of("publicity")).text_of(Column::Kind, "区紹介"),
        };
        let mut new = meeting(&format!("r{i}"), day(next(500)), "", "");
        new.facts = facts;
        let id = store.insert(&new, now()).expect("insert").record().id;
        match next(7) {
            0 => {
                store.delete(id, AuditAction::Delete, &admin, now()).expect("delete");
            }
            6 => {
                store.delete(id, AuditAction::Undo, &admin, now()).expect("undo");
            }
            1 => {
                let facts = Facts::new(RecordType::of("consultation")).number_of(Column::Count, 1 + next(9));
                store.edit(id, day(next(500)), &facts, &admin, now()).expect("edit");
            }
            _ => {}
        }
    }
    // An import: new records and edits of stored ones, in one batch.
    let stored = store.records_between(d(2025, 3, 1), d(2026, 7, 14)).expect("records");
    let edits: Vec<crate::store::batch::Edit> = stored
        .iter()
        .take(30)
        .map(|r| crate::store::batch::Edit {
            before: r.clone(),
            date: day(next(500)),
            facts: Facts::new(RecordType::of("meeting"))
                .text_of(Column::Area, "川辺")
                .text_of(Column::District, "氷"),
        })
        .collect();
    let new: Vec<NewRecord> = (0..40)
        .map(|i| {
            let mut new = meeting(&format!("import{i}"), day(next(500)), "東部", "荒町");
            new.source.kind = SourceKind::Import;
            new
        })
        .collect();
    let labels: Vec<String> = (0..new.len()).map(|i| format!("{}行目", i + 2)).collect();
    store
        .write_batch(&new, &labels, &edits, &admin, now(), crate::store::batch::Commit::Yes)
        .expect("batch")
        .expect("nothing refused");
    let sorted = |mut t: Vec<crate::domain::figures::Tally>| {
        t.sort_by(|a, b| (a.record_type, &a.dimension, &a.detail).cmp(&(b.record_type, &b.dimension, &b.detail)));
        t
    };
    for (from, to) in [
        (d(2025, 3, 1), d(2026, 7, 14)),
        (d(2025, 4, 1), d(2026, 3, 31)),
        (d(2025, 4, 1), d(2025, 11, 28)),
        (d(2025, 4, 17), d(2025, 9, 3)),
        (d(2025, 6, 5), d(2025, 6, 5)),
        (d(2026, 2, 1), d(2026, 2, 28)),
        (d(2025, 5, 20), d(2025, 6, 10)),
        (d(2025, 12, 1), d(2026, 1, 31)),
    ] {
        let running = sorted(store.tallies(from, to, None).expect("tallies"));
        let direct = sorted(
            store
                .tallies_from_records(&komoro_catalogue(), from, to)
                .expect("direct"),
        );
        assert_eq!(running, direct, "{from}..{to}");
        // One type's, sought month by month: the same as the direct aggregate's rows of it.
        for only in ["meeting", "consultation", "match"].map(RecordType::of) {
            let running = sorted(store.tallies(from, to, Some(only)).expect("tallies"));
            let direct: Vec<_> = direct.iter().filter(|t| t.record_type == only).cloned().collect();
            assert_eq!(running, direct, "{from}..{to} {only:?}");
        }
    }
    assert!(
        store
            .tallies(d(2025, 3, 1), d(2026, 7, 14), None)
            .expect("tallies")
            .len()
            >= 10
    );
}

#[test]
/// A download is one snapshot: a record another connection deletes while the records are read
/// one by one is handed over as it was when the reading began, and counted.
fn a_download_reads_one_snapshot_while_another_connection_writes() {
    let (dir, mut store) = temp_store();
    let c = komoro_catalogue();
    let area = &c.areas[0];
    for i in 0..20 {
        let date = d(2025, 4, 1) + chrono::Duration::days(i);
        store
            .insert(&meeting(&format!("s{i}"), date, &area.name, &area.districts[0]), now())
            .expect("insert");
    }
    let other = rusqlite::Connection::open(dir.path().join("kyodo.sqlite3")).expect("second connection");
    let mut seen = Vec::new();
    let count = store
        .each_record(&RecordFilter::default(), Order::NewestFirst, |r| {
            if seen.is_empty() {
                // The oldest record, the last to be read.
                other
                    .execute(
                        "UPDATE records SET deleted_at = '2026-01-01T00:00:00Z' WHERE source_id = 's0'",
                        [],
                    )
                    .expect("deleted by the other connection");
            }
            seen.push(r);
        })
        .expect("read");
    assert_eq!((seen.len(), count), (20, 20));
    assert!(
        seen.iter().all(|r| r.deleted_at.is_none()),
        "as they were when the reading began"
    );
    let (after, total) = store.records_page(&RecordFilter::default(), 0, 50).expect("after");
    assert_eq!((after.len(), total), (19, 19), "the delete is seen by the next read");
}

#[test]
/// A page of records is the newest by date, then by entry, after the first `offset` — as SQL's
/// `ORDER BY occurred_on DESC, id DESC LIMIT … OFFSET …` gives it — with the count of all the
/// filter selects, on any page, ties of a day included, deleted records left out; a download
/// (`each_record`) hands the same records in the same order, or the reverse.
fn a_page_of_records_is_the_newest_by_date_then_entry_with_the_count_of_all() {
    let (_dir, mut store) = temp_store();
    let c = komoro_catalogue();
    let mut next = test_support::lcg(3);
    for i in 0..300 {
        let area = &c.areas[next(3) as usize];
        let date = d(2025, 4, 1) + chrono::Duration::days(next(40) as i64);
        let id = store
            .insert(&meeting(&format!("p{i}"), date, &area.name, &area.districts[0]), now())
            .expect("insert")
            .record()
            .id;
        if next(10) == 0 {
            store
                .delete(id, AuditAction::Delete, &test_support::admin(), now())
                .expect("delete");
        }
    }
    let filters = [
        RecordFilter::default(),
        RecordFilter {
            from: Some(d(2025, 4, 10)),
            to: Some(d(2025, 4, 30)),
            ..RecordFilter::default()
        },
        RecordFilter {
            values: vec![(Column::Area, c.areas[1].name.clone())],
            ..RecordFilter::default()
        },
    ];
    for filter in &filters {
        let (all, total) = store.records_page(filter, 0, 1_000).expect("all");
        // A download reads the same one at a time, in either order.
        let mut newest = Vec::new();
        let count = store
            .each_record(filter, Order::NewestFirst, |r| newest.push(r))
            .expect("newest first");
        assert_eq!((newest, count), (all.clone(), total));
        let mut oldest = Vec::new();
        store
            .each_record(filter, Order::OldestFirst, |r| oldest.push(r))
            .expect("oldest first");
        assert_eq!(oldest, all.iter().rev().cloned().collect::<Vec<_>>());
        assert_eq!(all.len(), total);
        assert!(total > 20, "{total}");
        assert!(all.iter().all(|r| r.deleted_at.is_none()));
        let key = |r: &Record| (r.date, r.id);
        assert!(all.windows(2).all(|w| key(&w[0]) > key(&w[1])), "newest first");
        if filter == &RecordFilter::default() {
            let mut stmt = store
                .conn
                .prepare("SELECT id FROM records WHERE deleted_at IS NULL ORDER BY occurred_on DESC, id DESC")
                .expect("prepare");
            let sql: Vec<i64> = stmt
                .query_map([], |row| row.get(0))
                .expect("query")
                .collect::<rusqlite::Result<_>>()
                .expect("ids");
            assert_eq!(all.iter().map(|r| r.id).collect::<Vec<_>>(), sql, "as SQL orders them");
        }
        for (offset, limit) in [(0, 7), (7, 7), (total - 3, 7), (total, 5), (5, 0)] {
            let (page, count) = store.records_page(filter, offset, limit).expect("page");
            assert_eq!(count, total);
            let want: Vec<i64> = all.iter().skip(offset).take(limit).map(|r| r.id).collect();
            assert_eq!(page.iter().map(|r| r.id).collect::<Vec<_>>(), want, "{offset}+{limit}");
        }
    }
}

#[test]
fn a_stored_date_is_read_as_written_or_refused() {
    use super::records::stored_date;
    assert_eq!(stored_date("2024-02-29", 1).ok(), Some(d(2024, 2, 29)));
    assert_eq!(stored_date("2026-12-31", 1).ok(), Some(d(2026, 12, 31)));
    for bad in [
        "2026-02-29",
        "2026-2-28",
        "2026/02/28",
        "20260228",
        "2026-13-01",
        "２０２６-01-01",
        "",
    ] {
        assert!(matches!(stored_date(bad, 7), Err(Error::Corrupt(_))), "{bad}");
    }
}
