//! How many pages one report writes to the WAL, on a store that already holds a year of records:
//! every page written is an fsync'd write (`synchronous = FULL`), so fewer pages is a faster and
//! gentler report. A count, not a time: the same on every machine.

use super::*;
use crate::domain::record::{Actor, Column, Facts, NewRecord, Source, SourceKind};
use crate::domain::RecordType;
use chrono::{Duration, NaiveDate, TimeZone, Utc};

fn komoro() -> Catalogue {
    Catalogue::parse(include_str!("../../config/kyodo.toml")).expect("config")
}

fn meeting(i: usize, date: NaiveDate, catalogue: &Catalogue) -> NewRecord {
    let area = &catalogue.areas[i % catalogue.areas.len()];
    NewRecord {
        date,
        facts: Facts::new(RecordType::of("meeting"))
            .text_of(Column::Area, &area.name)
            .text_of(Column::District, &area.districts[i % area.districts.len()])
            .text_of(Column::Topic, "定例の打合せ"),
        reporter: Actor {
            id: format!("{}", 1000 + i % 40),
            name: "職員".into(),
        },
        source: Source {
            kind: SourceKind::Discord,
            id: format!("{}", 1_300_000_000_000_000_000u64 + i as u64),
            origin: None,
        },
    }
}

/// The WAL frames `reports` single-record inserts write, after `seeded` records, per insert;
/// through `Store::report` (the insert and the read of the other records of its day) when
/// `as_reports`, else `Store::insert`.
fn frames_per_report(seeded: usize, reports: usize, as_reports: bool) -> f64 {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("kyodo.sqlite3");
    let catalogue = komoro();
    let mut store = Store::open(&path).expect("open");
    store.describe(&catalogue).expect("describe");
    let now = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).single().expect("now");
    let first = NaiveDate::from_ymd_opt(2025, 4, 1).expect("date");
    let seed: Vec<NewRecord> = (0..seeded)
        .map(|i| meeting(i, first + Duration::days((i % 365) as i64), &catalogue))
        .collect();
    store.insert_batch(&seed, now).expect("seed");
    store
        .conn
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .expect("checkpoint");
    store
        .conn
        .pragma_update(None, "wal_autocheckpoint", 0)
        .expect("no checkpoints");
    let page_size: u64 = store
        .conn
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .expect("page size");
    let wal = dir.path().join("kyodo.sqlite3-wal");
    let before = std::fs::metadata(&wal).map_or(0, |m| m.len());
    for i in 0..reports {
        let day = NaiveDate::from_ymd_opt(2026, 5, 1).expect("date") + Duration::days((i % 30) as i64);
        let new = meeting(seeded + i, day, &catalogue);
        if as_reports {
            store.report(&new, now, &super::test_support::EVERY).expect("report");
        } else {
            store.insert(&new, now).expect("insert");
        }
    }
    let after = std::fs::metadata(&wal).map_or(0, |m| m.len());
    if let Ok(keep) = std::env::var("KYODO_KEEP_PAGES_TEST") {
        let _ = std::fs::copy(&path, format!("{keep}.sqlite3"));
        let _ = std::fs::copy(&wal, format!("{keep}.sqlite3-wal"));
    }
    // A WAL is a 32-byte header, then frames of a 24-byte header and a page.
    let frames = (after.saturating_sub(before.max(32)) as f64) / (page_size + 24) as f64;
    frames / reports as f64
}

#[test]
fn a_report_writes_few_pages_to_the_wal() {
    let per_report = frames_per_report(20_000, 300, false);
    println!("WAL frames per report: {per_report:.2}");
    // Its row, its source's unique key, its audit line and its month's and day's tallies (one
    // page): 4 pages, and now and then one more where a page fills or splits.
    assert!(per_report >= 4.0, "the reports were written: {per_report:.2}");
    assert!(per_report <= 5.0, "{per_report:.2} pages per report");
}

#[test]
fn reading_a_reports_day_for_look_alikes_writes_no_page() {
    // 300 meetings over 30 days: from the second of a day on, each reads the day's others.
    let per_report = frames_per_report(20_000, 300, true);
    println!("WAL frames per report, its day read: {per_report:.2}");
    assert!(per_report >= 4.0, "the reports were written: {per_report:.2}");
    assert!(per_report <= 5.0, "{per_report:.2} pages per report");
}
