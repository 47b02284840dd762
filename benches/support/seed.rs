//! Deterministic bench data: `years` fiscal years ending with the current one, `per_year`
//! records each, spread over every record type, area and kind of the Komoro catalogue.

use chrono::{Duration, NaiveDate, Utc};
use kyodo::domain::record::{Actor, Column, Facts, NewRecord, Source, SourceKind};
use kyodo::domain::{Catalogue, FiscalYear, RecordType};
use kyodo::store::Store;
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

pub fn seed(db: &Path, catalogue: &Catalogue, years: i32, per_year: usize, today: NaiveDate) -> usize {
    let mut store = Store::open(db).expect("open bench database");
    let start = catalogue.fiscal_year_start;
    let current = FiscalYear::containing(today, start);
    let mut rng = Lcg(20_260_401);
    let mut total = 0;
    for back in (0..years).rev() {
        let year = FiscalYear::new(current.start_year() - back);
        let first = year.first_day(start);
        let days = (year.last_day(start).min(today) - first).num_days().max(0) as usize + 1;
        let records: Vec<NewRecord> = (0..per_year)
            .map(|i| {
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
                    13 => t(RecordType::of("subsidy"))
                        .text_of(Column::Course, &catalogue.subsidy.courses[rng.next(2)].name)
                        .text_of(Column::Group, &format!("団体{}-{i}", year.start_year()))
                        .text_of(Column::Status, &catalogue.subsidy.applied),
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
                NewRecord {
                    date,
                    facts,
                    reporter: Actor {
                        id: format!("{}", 1000 + rng.next(40)),
                        name: "職員".into(),
                    },
                    source: Source {
                        kind: SourceKind::Import,
                        id: format!("bench-{}-{i}", year.start_year()),
                        origin: None,
                    },
                }
            })
            .collect();
        total += store.insert_batch(&records, Utc::now()).expect("seed");
    }
    total
}
