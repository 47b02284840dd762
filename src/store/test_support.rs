//! What the store's tests (and the app's) share: Komoro's catalogue, a fixed clock, a store on a new file
//! described by the catalogue, and records to report into it.

use super::*;
use crate::domain::record::{Actor, Column, Facts, NewRecord, Source, SourceKind};
use crate::domain::RecordType;
use chrono::{NaiveDate, TimeZone, Utc};
use tempfile::TempDir;

pub(super) fn komoro() -> Catalogue {
    Catalogue::parse(include_str!("../../config/kyodo.toml")).expect("config")
}

pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    Utc.with_ymd_and_hms(2026, 11, 28, 1, 2, 3).single().expect("time")
}

pub(crate) fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

pub(super) fn temp_store() -> (TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("kyodo.sqlite3")).expect("open");
    store.describe(&komoro()).expect("describe");
    (dir, store)
}

/// The staff member the tests' records are reported by.
pub(crate) fn sato() -> Actor {
    Actor {
        id: "111".into(),
        name: "佐藤".into(),
    }
}

pub(crate) fn new(source: &str, date: NaiveDate, facts: Facts) -> NewRecord {
    NewRecord {
        date,
        facts,
        reporter: sato(),
        source: Source {
            kind: SourceKind::Console,
            id: source.into(),
            origin: None,
        },
    }
}

/// A meeting at the catalogue's area `a`'s district `i`.
pub(super) fn meeting(c: &Catalogue, a: usize, i: usize) -> Facts {
    Facts::new(RecordType::of("meeting"))
        .text_of(Column::Area, &c.areas[a].name)
        .text_of(Column::District, &c.areas[a].districts[i])
}

/// A small linear congruential generator from `seed`: `next(n)` in `0..n`, the same every run.
pub(super) fn lcg(mut seed: u64) -> impl FnMut(u64) -> u64 {
    move |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    }
}

/// The admin who edits and deletes in the tests' mixed loads.
pub(super) fn admin() -> Actor {
    Actor {
        id: "9".into(),
        name: "管理者".into(),
    }
}

fn any_record(_: &crate::domain::record::Record, _: &dyn crate::domain::doubles::Told) -> bool {
    true
}

/// Every other live record of a report's day taken as a look-alike and read in full: what the
/// store reads of a day, seen whole.
pub(super) const EVERY: LookAlikes<'static> = LookAlikes {
    doubled: &any_record,
    named: usize::MAX,
};
