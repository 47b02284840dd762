//! Deterministic bench data: `years` fiscal years ending with the current one, `per_year`
//! records each, spread over every record type, area and kind of the Komoro catalogue — subsidy
//! applications with a grant for some of them — then, as staff do, about 1 % of each year's
//! records edited and 1 % deleted (through the store, so with their audit lines and tallies);
//! at the end the WAL is checkpointed into the database and emptied.

use chrono::{Duration, NaiveDate, Utc};
use kyodo::domain::record::{Actor, Column, Facts, NewRecord, Source, SourceKind};
use kyodo::domain::{Catalogue, FiscalYear, RecordType};
use kyodo::store::{AuditAction, Store};
use std::path::Path;

/// A small linear congruential generator: the same data on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

/// What the seed wrote.
pub struct Seeded {
    pub inserted: usize,
    pub edited: usize,
    pub deleted: usize,
}

impl std::fmt::Display for Seeded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} records ({} edited, {} deleted)",
            self.inserted, self.edited, self.deleted
        )
    }
}

pub fn seed(db: &Path, catalogue: &Catalogue, years: i32, per_year: usize, today: NaiveDate) -> Seeded {
    let mut store = Store::open(db).expect("open bench database");
    store.describe(catalogue).expect("describe the bench database");
    let start = catalogue.fiscal_year_start;
    let current = FiscalYear::containing(today, start);
    let mut rng = Lcg(20_260_401);
    let mut seeded = Seeded {
        inserted: 0,
        edited: 0,
        deleted: 0,
    };
    let subsidy = &catalogue.subsidy;
    let staff = Actor {
        id: "1000".into(),
        name: "職員".into(),
    };
    for back in (0..years).rev() {
        let year = FiscalYear::new(current.start_year() - back);
        let first = year.first_day(start);
        let last = year.last_day(start).min(today);
        let days = (last - first).num_days().max(0) as usize + 1;
        let mut records: Vec<NewRecord> = Vec::with_capacity(per_year);
        let mut i = 0;
        while records.len() < per_year {
            i += 1;
            let date = first + Duration::days(rng.next(days) as i64);
            let area = &catalogue.areas[rng.next(catalogue.areas.len())];
            let t = Facts::new;
            let choices = |record_type: RecordType, column: Column| -> Vec<String> {
                catalogue
                    .record_type(record_type)
                    .and_then(|spec| spec.field(column))
                    .map(|f| f.choice_names())
                    .unwrap_or_default()
            };
            let mut grant = None;
            let facts = match rng.next(20) {
                0..=5 => t(RecordType::of("meeting"))
                    .text_of(Column::Area, &area.name)
                    .text_of(Column::District, &area.districts[rng.next(area.districts.len())])
                    .text_of(Column::Topic, "定例の打合せ"),
                6..=9 => t(RecordType::of("consultation")).number_of(Column::Count, 1 + rng.next(9) as u64),
                10..=11 => t(RecordType::of("match")).number_of(Column::Count, 1 + rng.next(3) as u64),
                12 => {
                    let kinds = choices(RecordType::of("council"), Column::Kind);
                    let statuses = choices(RecordType::of("council"), Column::Status);
                    t(RecordType::of("council"))
                        .text_of(Column::Kind, &kinds[rng.next(kinds.len())])
                        .text_of(Column::Status, &statuses[rng.next(statuses.len())])
                }
                13 => {
                    let course = &subsidy.courses[rng.next(subsidy.courses.len())];
                    let group = format!("団体{}-{i}", year.start_year());
                    let applied = t(subsidy.record_type)
                        .text_of(Column::Course, &course.name)
                        .text_of(Column::Group, &group)
                        .text_of(Column::Status, &subsidy.applied);
                    // A third of the applications are granted, on the same day or later.
                    if rng.next(3) == 0 {
                        let later = (date + Duration::days(rng.next(30) as i64)).min(last);
                        grant = Some((
                            later,
                            t(subsidy.record_type)
                                .text_of(Column::Course, &course.name)
                                .text_of(Column::Group, &group)
                                .text_of(Column::Status, &subsidy.granted)
                                .number_of(Column::Amount, course.cap / 2),
                        ));
                    }
                    applied
                }
                14..=15 => {
                    let methods = choices(RecordType::of("participation"), Column::Method);
                    t(RecordType::of("participation"))
                        .text_of(Column::Method, &methods[rng.next(methods.len())])
                        .text_of(Column::Project, "総合計画")
                }
                16 => t(RecordType::of("collab")).text_of(Column::Title, "交流集会"),
                17 => t(RecordType::of("info")).text_of(Column::Title, "学習会"),
                _ => {
                    let kinds = choices(RecordType::of("publicity"), Column::Kind);
                    t(RecordType::of("publicity")).text_of(Column::Kind, &kinds[rng.next(kinds.len())])
                }
            };
            let new = |date, facts, n: usize, k: usize| NewRecord {
                date,
                facts,
                reporter: Actor {
                    id: format!("{}", 1000 + n % 40),
                    name: "職員".into(),
                },
                source: Source {
                    kind: SourceKind::Import,
                    id: format!("bench-{}-{k}", year.start_year()),
                    origin: None,
                },
            };
            let n = rng.next(40);
            records.push(new(date, facts, n, records.len()));
            if let Some((date, facts)) = grant {
                if records.len() < per_year {
                    records.push(new(date, facts, n, records.len()));
                }
            }
        }
        let first_id = next_id(&store);
        seeded.inserted += store.insert_batch(&records, Utc::now()).expect("seed");
        // About 1 % edited and 1 % deleted: counts and topics corrected, duplicates removed
        // (never a subsidy record, so that no group's lifecycle is left out of order).
        let now = Utc::now();
        for _ in 0..per_year / 100 {
            let k = rng.next(records.len());
            let id = first_id + k as i64;
            let Some(record) = store.record(id).expect("read") else {
                continue;
            };
            if !editable(&record, &records[k], subsidy.record_type) {
                continue;
            }
            // A count corrected where the type has one, else the date moved by a day.
            let has_count = catalogue
                .record_type(record.facts.record_type)
                .and_then(|spec| spec.field(Column::Count))
                .is_some();
            let (date, facts) = if has_count {
                let facts = record.facts.clone().number_of(Column::Count, 1 + rng.next(5) as u64);
                (record.date, facts)
            } else {
                let moved = (record.date + Duration::days(1)).min(last);
                (moved, record.facts.clone())
            };
            store.edit(id, date, &facts, &staff, now).expect("edit");
            seeded.edited += 1;
        }
        for _ in 0..per_year / 100 {
            let k = rng.next(records.len());
            let id = first_id + k as i64;
            let Some(record) = store.record(id).expect("read") else {
                continue;
            };
            if !editable(&record, &records[k], subsidy.record_type) {
                continue;
            }
            store.delete(id, AuditAction::Delete, &staff, now).expect("delete");
            seeded.deleted += 1;
        }
    }
    drop(store);
    // The WAL checkpointed into the database and emptied, as the bot leaves it between writes.
    rusqlite::Connection::open(db)
        .and_then(|c| c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(())))
        .expect("checkpoint the seeded database");
    seeded
}

/// Whether the seed may edit or delete `record`: the one it wrote as `new`, live, and not a
/// subsidy record.
fn editable(record: &kyodo::domain::record::Record, new: &NewRecord, subsidy: RecordType) -> bool {
    record.source.id == new.source.id && record.deleted_at.is_none() && record.facts.record_type != subsidy
}

/// The id the next record will get (records' ids are SQLite rowids, never reused here).
fn next_id(store: &Store) -> i64 {
    let (live, deleted, _) = store.counts().expect("counts");
    live + deleted + 1
}
