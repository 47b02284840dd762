//! What a remembered result is given back for, on a real SQLite file: reads again after a
//! write to its period through this connection (an edit moving a record counts for both
//! months), after a write to a subsidy record of any date, after a baseline change, after any
//! commit of another connection; not after a write to another period, however many, nor after
//! a write rolled back. A result watched over one record type (the subsidy counts) is read
//! again after a write to a record of that type, another connection's commit or a baseline
//! change, and not after a write to a record of another type.

use super::batch::Commit;
use super::test_support::{d, komoro, meeting, new, now, sato, temp_store};
use super::*;
use crate::domain::record::{NewRecord, SourceKind};
use chrono::NaiveDate;
use std::cell::Cell;

/// The result remembered under `key`, watching `watched`: how many reads there have been.
fn reads_so_far(
    remembered: &Remembered<&'static str, u32>,
    store: &Store,
    key: &'static str,
    watched: Watched,
    reads: &Cell<u32>,
) -> u32 {
    remembered
        .get_or_read(store, key, watched, || {
            reads.set(reads.get() + 1);
            Ok(reads.get())
        })
        .expect("read")
}

/// Stores `record` through `store`; its id.
fn stored(store: &mut Store, record: &NewRecord) -> i64 {
    store.insert(record, now()).expect("insert").record().id
}

/// Moves record `id` to `date`, its facts kept.
fn moved(store: &mut Store, id: i64, date: NaiveDate) {
    let facts = store.record(id).expect("read").expect("stored").facts;
    store.edit(id, date, &facts, &sato(), now()).expect("edit");
}

/// Stores `record` through another connection to the same file.
fn stored_elsewhere(dir: &tempfile::TempDir, c: &Catalogue, record: &NewRecord) {
    let mut second = Store::open(&dir.path().join("kyodo.sqlite3")).expect("open");
    second.describe(c).expect("describe");
    second.insert(record, now()).expect("insert");
}

/// Loads the repository's baseline.
fn baseline_loaded(store: &mut Store, c: &Catalogue) {
    let baseline =
        crate::domain::baseline::parse_baseline(include_str!("../../config/baseline.toml"), c).expect("baseline");
    store.load_baseline(&baseline, now()).expect("load");
}

#[test]
fn a_remembered_result_is_read_again_only_when_its_period_changed() {
    let (dir, mut store) = temp_store();
    let c = komoro();
    let reads = Cell::new(0);
    let remembered: Remembered<&str, u32> = Remembered::new(4);
    let year = Watched::Period(d(2024, 4, 1), d(2025, 3, 31));
    let get = |store: &Store| reads_so_far(&remembered, store, "FY2024", year, &reads);
    assert_eq!(get(&store), 1);
    assert_eq!(get(&store), 1, "nothing changed: not read again");
    // A record of another year: still remembered.
    store
        .insert(&new("a", d(2025, 6, 1), meeting(&c, 0, 0)), now())
        .expect("insert");
    assert_eq!(get(&store), 1);
    // One of the year: read again.
    let id = stored(&mut store, &new("b", d(2024, 6, 1), meeting(&c, 0, 0)));
    assert_eq!(get(&store), 2);
    assert_eq!(get(&store), 2);
    // An edit moving a record out of the year, and one moving another into it.
    moved(&mut store, id, d(2025, 7, 1));
    assert_eq!(get(&store), 3);
    let other = stored(&mut store, &new("c", d(2026, 1, 5), meeting(&c, 0, 0)));
    assert_eq!(get(&store), 3);
    moved(&mut store, other, d(2025, 3, 31));
    assert_eq!(get(&store), 4);
    // A delete in the year.
    store
        .delete(other, AuditAction::Delete, &sato(), now())
        .expect("delete");
    assert_eq!(get(&store), 5);
    // An import's dry run writes nothing: still remembered.
    let mut row = new("d", d(2024, 8, 1), meeting(&c, 0, 0));
    row.source.kind = SourceKind::Import;
    store
        .write_batch(&[row], &["2行目".into()], &[], &sato(), now(), Commit::No)
        .expect("dry run")
        .expect("nothing refused");
    assert_eq!(get(&store), 5);
    // A subsidy record of another year: read again, since what a subsidy record counts for
    // follows its group's earlier records (the app's test shows the figures that changed).
    store
        .insert(
            &super::subsidy_tests::subsidy("s", d(2030, 5, 1), "団体", "申請", None),
            now(),
        )
        .expect("insert");
    assert_eq!(get(&store), 6);
    assert_eq!(get(&store), 6);
    // Another connection's commit, whatever its date: read again.
    stored_elsewhere(&dir, &c, &new("e", d(2030, 1, 1), meeting(&c, 0, 0)));
    assert_eq!(get(&store), 7);
    assert_eq!(get(&store), 7);
    // The baseline, of whatever years: read again.
    baseline_loaded(&mut store, &c);
    assert_eq!(get(&store), 8);
    // Many writes elsewhere, one note for their month and type: still remembered, and a write
    // to the year after them is still seen.
    let rows: Vec<_> = (0..5_000)
        .map(|i| new(&format!("many{i}"), d(2026, 5, 1), meeting(&c, 0, 0)))
        .collect();
    store.insert_batch(&rows, now()).expect("batch");
    let notes: i64 = store
        .conn
        .query_row("SELECT COUNT(*) FROM temp.touched WHERE month = '2026-05'", [], |r| {
            r.get(0)
        })
        .expect("notes");
    assert_eq!(notes, 1, "one note for a month and type");
    assert_eq!(get(&store), 8);
    store
        .insert(&new("f", d(2024, 9, 1), meeting(&c, 0, 0)), now())
        .expect("insert");
    assert_eq!(get(&store), 9);
    assert_eq!(get(&store), 9);
}

#[test]
fn a_result_watched_over_a_type_is_read_again_only_when_a_record_of_that_type_changed() {
    let (dir, mut store) = temp_store();
    let c = komoro();
    let reads = Cell::new(0);
    let remembered: Remembered<&str, u32> = Remembered::new(4);
    let subsidy_type = Watched::Type(c.subsidy.record_type);
    let get = |store: &Store| reads_so_far(&remembered, store, "subsidy FY2024", subsidy_type, &reads);
    let subsidy = |source: &str, date, status| super::subsidy_tests::subsidy(source, date, "団体", status, None);
    assert_eq!(get(&store), 1);
    // Meetings of the very period: still remembered.
    store
        .insert(&new("m1", d(2024, 6, 1), meeting(&c, 0, 0)), now())
        .expect("insert");
    assert_eq!(get(&store), 1);
    // A subsidy record, of any date: read again; its edit and its delete too.
    let id = stored(&mut store, &subsidy("s1", d(2030, 5, 1), "申請"));
    assert_eq!(get(&store), 2);
    assert_eq!(get(&store), 2);
    moved(&mut store, id, d(2030, 5, 2));
    assert_eq!(get(&store), 3);
    store.delete(id, AuditAction::Delete, &sato(), now()).expect("delete");
    assert_eq!(get(&store), 4);
    // Another connection's commit, of any type: read again.
    stored_elsewhere(&dir, &c, &new("m2", d(2024, 7, 1), meeting(&c, 0, 0)));
    assert_eq!(get(&store), 5);
    // The baseline: read again.
    baseline_loaded(&mut store, &c);
    assert_eq!(get(&store), 6);
    assert_eq!(get(&store), 6);
    // Remembered under the same key over a period instead: not the same watch, read again.
    let over_period = remembered
        .get_or_read(&store, "subsidy FY2024", (d(2024, 4, 1), d(2025, 3, 31)), || Ok(99))
        .expect("read");
    assert_eq!(over_period, 99);
}
