//! The record list read through the tallies' id bounds (`selection.rs`) on a real SQLite file:
//! after a load whose ids are out of date order (records entered late, an import of old ones,
//! edits that move a record to another month or type, deletes and undone reports, subsidies beside the
//! tallied types), every page of every kind of filter is what SQL's `ORDER BY occurred_on DESC,
//! id DESC` gives, with the same count; the tallies' bounds hold; and a recent month is read
//! from the top of the table, not the whole of it.

use super::batch::{Commit, Edit};
use super::selection::{filter_sql, page_keys};
use super::subsidy_tests::facts as subsidy_facts;
use super::test_support::{admin, d, komoro, lcg, meeting, new, now, temp_store};
use super::*;
use crate::domain::record::{Column, Facts, RecordFilter, SourceKind};
use crate::domain::RecordType;
use chrono::Duration;
use rusqlite::params_from_iter;

/// The ids `filter` selects, newest first, as SQL orders them.
fn by_sql(store: &Store, filter: &RecordFilter) -> Vec<i64> {
    let (sql_where, values) = filter_sql(filter);
    let mut stmt = store
        .conn
        .prepare(&format!(
            "SELECT id FROM records WHERE {sql_where} ORDER BY occurred_on DESC, id DESC"
        ))
        .expect("prepare");
    let ids = stmt
        .query_map(params_from_iter(values.iter()), |row| row.get(0))
        .expect("query");
    ids.collect::<rusqlite::Result<_>>().expect("ids")
}

/// Two fiscal years and a bit, entered mostly in date order: now and then a record dated long
/// before, edits that move records, deletes and undone reports, subsidies, and an import of old records.
fn loaded() -> (tempfile::TempDir, Store) {
    let (dir, mut store) = temp_store();
    let c = komoro();
    let mut next = lcg(11);
    let start = d(2024, 4, 1);
    for i in 0..900u64 {
        // In date order, a day for every three entries; one in eight dated any day before.
        let mut date = start + Duration::days((i / 3) as i64);
        if next(8) == 0 {
            date = start + Duration::days(next((i / 3) + 1) as i64);
        }
        let facts = match next(5) {
            0 | 1 => meeting(&c, next(3) as usize, 0),
            2 => Facts::new(RecordType::of("consultation")).number_of(Column::Count, 1 + next(3)),
            3 => Facts::new(RecordType::of("publicity")).text_of(Column::Kind, "区紹介"),
            _ => subsidy_facts(&format!("団体{i}"), "申請", None),
        };
        let id = store
            .insert(&new(&format!("s{i}"), date, facts.clone()), now())
            .expect("insert")
            .record()
            .id;
        match next(12) {
            0 => {
                store.delete(id, AuditAction::Delete, &admin(), now()).expect("delete");
            }
            1 => {
                store.delete(id, AuditAction::Undo, &admin(), now()).expect("undo");
            }
            2 if facts.record_type() != RecordType::of("subsidy") => {
                // Moved to another type, and a month anywhere in the load (or after it).
                let to = start + Duration::days(next(360) as i64 * 2);
                let facts = Facts::new(RecordType::of("consultation")).number_of(Column::Count, 2);
                store.edit(id, to, &facts, &admin(), now()).expect("edit");
            }
            _ => {}
        }
    }
    // An import: old records, entered last, and edits of stored ones to old dates.
    let stored = store.records_between(d(2024, 4, 1), d(2026, 12, 31)).expect("records");
    let edits: Vec<Edit> = stored
        .iter()
        .filter(|r| r.facts.record_type() == RecordType::of("meeting"))
        .take(20)
        .map(|r| Edit {
            before: r.clone(),
            date: d(2024, 5, 1) + Duration::days(next(40) as i64),
            facts: r.facts.clone(),
        })
        .collect();
    let imported: Vec<_> = (0..60)
        .map(|i| {
            let mut record = new(
                &format!("import{i}"),
                d(2024, 4, 1) + Duration::days(next(200) as i64),
                meeting(&c, 1, 0),
            );
            record.source.kind = SourceKind::Import;
            record
        })
        .collect();
    let labels: Vec<String> = (0..imported.len()).map(|i| format!("{}行目", i + 2)).collect();
    store
        .write_batch(&imported, &labels, &edits, &admin(), now(), Commit::Yes)
        .expect("batch")
        .expect("nothing refused");
    (dir, store)
}

fn filters() -> Vec<RecordFilter> {
    let c = komoro();
    let fy = |from, to| RecordFilter {
        from: Some(from),
        to: Some(to),
        ..RecordFilter::default()
    };
    let typed = |filter: RecordFilter, key: &str| RecordFilter {
        record_type: Some(RecordType::of(key)),
        ..filter
    };
    vec![
        RecordFilter::default(),
        fy(d(2024, 4, 1), d(2025, 3, 31)),
        fy(d(2025, 4, 1), d(2026, 3, 31)),
        fy(d(2024, 6, 15), d(2024, 9, 3)),
        fy(d(2025, 2, 1), d(2025, 2, 28)),
        RecordFilter {
            from: Some(d(2025, 1, 10)),
            ..RecordFilter::default()
        },
        RecordFilter {
            to: Some(d(2024, 12, 31)),
            ..RecordFilter::default()
        },
        typed(RecordFilter::default(), "meeting"),
        typed(RecordFilter::default(), "subsidy"),
        typed(fy(d(2024, 4, 1), d(2025, 3, 31)), "subsidy"),
        typed(fy(d(2024, 4, 20), d(2025, 1, 9)), "consultation"),
        RecordFilter {
            values: vec![(Column::Area, c.areas[1].name.clone())],
            ..RecordFilter::default()
        },
        RecordFilter {
            values: vec![(Column::Area, c.areas[0].name.clone())],
            ..fy(d(2024, 4, 1), d(2025, 3, 31))
        },
        RecordFilter {
            reporter_id: Some("111".into()),
            ..RecordFilter::default()
        },
        fy(d(2030, 4, 1), d(2031, 3, 31)),
    ]
}

#[test]
fn every_page_of_every_filter_is_what_sql_orders_with_its_count() {
    let (_dir, store) = loaded();
    assert!(store.tallied.is_some(), "described: the bounds are read");
    for filter in filters() {
        let want = by_sql(&store, &filter);
        let total = want.len();
        let pages = [
            (0, 50),
            (0, 1),
            (0, 0),
            (3, 7),
            (50, 50),
            (total / 2, 25),
            (total.saturating_sub(5), 10),
            (total, 5),
            (0, total + 10),
        ];
        for (offset, limit) in pages {
            let (page, count) = store.records_page(&filter, offset, limit).expect("page");
            assert_eq!(count, total, "{filter:?} {offset}+{limit}: the count");
            let expected: Vec<i64> = want.iter().skip(offset).take(limit).copied().collect();
            let got: Vec<i64> = page.iter().map(|r| r.id).collect();
            assert_eq!(got, expected, "{filter:?} {offset}+{limit}");
        }
        let mut all = Vec::new();
        let count = store
            .each_record(&filter, Order::NewestFirst, |r| all.push(r.id))
            .expect("each");
        assert_eq!((all, count), (want, total), "{filter:?}: a download");
    }
}

#[test]
fn the_latest_of_a_type_are_what_sql_finds_reading_the_whole_table() {
    let (_dir, mut store) = loaded();
    // The latest joint occasion, then a day of meetings entered after it: the window starts
    // below them.
    let joint = Facts::new(RecordType::of("collab")).text_of(Column::Title, "合同防災訓練");
    let occasion = store
        .insert(&new("collab", d(2025, 3, 2), joint), now())
        .expect("insert")
        .record()
        .id;
    let c = komoro();
    for i in 0..200 {
        store
            .insert(&new(&format!("later{i}"), d(2025, 3, 3), meeting(&c, 0, 0)), now())
            .expect("insert");
    }
    let periods = [
        (d(2024, 4, 1), d(2025, 3, 31)),
        (d(2024, 6, 15), d(2024, 9, 3)),
        (d(2025, 3, 1), d(2025, 3, 2)),
        (d(2025, 4, 1), d(2026, 3, 31)),
        (d(2030, 4, 1), d(2031, 3, 31)),
    ];
    for key in ["meeting", "consultation", "publicity", "subsidy", "collab"] {
        for (from, to) in periods {
            let record_type = RecordType::of(key);
            let filter = RecordFilter {
                record_type: Some(record_type),
                from: Some(from),
                to: Some(to),
                ..RecordFilter::default()
            };
            let (sql_where, values) = filter_sql(&filter);
            let mut stmt = store
                .conn
                .prepare(&format!(
                    "SELECT id FROM records WHERE {sql_where} ORDER BY id DESC LIMIT 3"
                ))
                .expect("prepare");
            let want: Vec<i64> = stmt
                .query_map(params_from_iter(values.iter()), |row| row.get(0))
                .expect("query")
                .collect::<rusqlite::Result<_>>()
                .expect("ids");
            let got: Vec<i64> = store
                .latest_of(record_type, from, to, 3)
                .expect("latest")
                .iter()
                .map(|r| r.id)
                .collect();
            assert_eq!(got, want, "{key} {from}–{to}");
        }
    }
    let latest = store.latest_of(RecordType::of("collab"), d(2024, 4, 1), d(2025, 3, 31), 3);
    assert_eq!(latest.expect("latest").first().map(|r| r.id), Some(occasion));
}

#[test]
fn each_tally_bounds_the_ids_of_its_records_and_counts_them() {
    let (_dir, store) = loaded();
    // Per tally row, its records straight from the table (the layout's own grouping).
    let layout = tallies::TallyLayout::of(&komoro());
    let direct = layout.direct_sql();
    let grouped = direct
        .replace(
            "SUM(count)",
            "SUM(count), COUNT(*), MIN(id), MAX(id), substr(occurred_on, 1, 7)",
        )
        .replace("GROUP BY 1, 2, 3", "GROUP BY 1, 2, 3, 8");
    let mut stmt = store.conn.prepare(&grouped).expect("prepare");
    // (month, type, dimension, detail) and [count, records, lowest id, highest id].
    let rows: Vec<([String; 4], [i64; 4])> = stmt
        .query_map(["0000-00-00", "9999-99-99"], |r| {
            Ok((
                [r.get(7)?, r.get(0)?, r.get(1)?, r.get(2)?],
                [r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?],
            ))
        })
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("rows");
    assert!(rows.len() > 50, "{}", rows.len());
    let tallied: i64 = store
        .conn
        .query_row("SELECT COUNT(*) FROM tallies", [], |r| r.get(0))
        .expect("tallies");
    assert_eq!(tallied as usize, rows.len(), "one tally per month, type and values");
    let mut loose = 0;
    for (key, [count, entries, first, last]) in rows {
        let [t_count, t_entries, t_first, t_last]: [i64; 4] = store
            .conn
            .query_row(
                "SELECT count, entries, first_id, last_id FROM tallies \
                 WHERE month = ?1 AND record_type = ?2 AND dimension = ?3 AND detail = ?4",
                params_from_iter(key.iter()),
                |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?]),
            )
            .expect("its tally");
        let at = key.join(" ");
        assert_eq!((t_count, t_entries), (count, entries), "{at}");
        assert!(
            t_first <= first && last <= t_last,
            "{at}: {t_first}..{t_last} holds {first}..{last}"
        );
        if (t_first, t_last) != (first, last) {
            loose += 1;
        }
    }
    // Deletes and edits leave bounds wider than the records: still bounds.
    assert!(loose > 0, "the load moved records out of some tallies");
}

#[test]
fn the_newest_and_the_oldest_pages_are_read_from_their_end_of_the_table() {
    // Five years of meetings, entered day by day, one in ten dated up to three months before,
    // and one in a thousand any day before.
    let (_dir, mut store) = temp_store();
    let c = komoro();
    let mut next = lcg(5);
    let start = d(2021, 4, 1);
    let days = 5 * 365;
    let records: Vec<_> = (0..days * 2)
        .map(|i| {
            let today = i / 2;
            let back = match next(1000) {
                0 => next(today as u64 + 1),
                1..100 => next(90).min(today as u64),
                _ => 0,
            };
            let date = start + Duration::days(today - back as i64);
            new(&format!("m{i}"), date, meeting(&c, next(3) as usize, 0))
        })
        .collect();
    store.insert_batch(&records, now()).expect("seed");
    let read = |filter: &RecordFilter, offset: usize, limit: usize| {
        let snapshot = store.conn.unchecked_transaction().expect("snapshot");
        let page = page_keys(&snapshot, store.tallied.as_ref(), filter, offset, limit).expect("keys");
        let want: Vec<i64> = by_sql(&store, filter).into_iter().skip(offset).take(limit).collect();
        assert_eq!(page.keys.iter().map(|k| k.1).collect::<Vec<_>>(), want, "{filter:?}");
        page.read
    };
    let all = records.len();
    let newest = read(&RecordFilter::default(), 0, 50);
    // About a month's records and those entered late into it: not the table.
    assert!(newest < all / 20, "the newest 50 of {all} read {newest} rows");
    let year = RecordFilter {
        from: Some(d(2023, 4, 1)),
        to: Some(d(2024, 3, 31)),
        ..RecordFilter::default()
    };
    let in_year = read(&year, 0, 50);
    assert!(in_year < all / 20, "a year's newest 50 of {all} read {in_year} rows");
    // The last page, from the bottom up.
    let last = read(&RecordFilter::default(), all - 30, 50);
    assert!(last < all / 20, "the oldest 30 of {all} read {last} rows");
    // Without the tallies' bounds (a store not described), the whole table is read.
    let whole = {
        let snapshot = store.conn.unchecked_transaction().expect("snapshot");
        page_keys(&snapshot, None, &RecordFilter::default(), 0, 50).expect("keys")
    };
    assert_eq!(whole.read, all);
    assert_eq!(whole.total, all);
}
