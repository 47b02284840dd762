//! Deterministic bench data: `years` fiscal years ending with the current one, `per_year`
//! records each, spread over every record type, area and kind of the Komoro catalogue.

use chrono::{Duration, NaiveDate, Utc};
use kyodo::domain::record::{Actor, Facts, NewRecord, Source, SourceKind};
use kyodo::domain::{Catalogue, FiscalYear};
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
                let facts = match rng.next(20) {
                    0..=5 => Facts::Meeting {
                        area: area.name.clone(),
                        district: area.districts[rng.next(area.districts.len())].clone(),
                        topic: Some("定例の打合せ".into()),
                    },
                    6..=9 => Facts::Consultation {
                        count: 1 + rng.next(9) as u32,
                        side: None,
                        note: None,
                    },
                    10..=11 => Facts::Match {
                        count: 1 + rng.next(3) as u32,
                        note: None,
                    },
                    12 => Facts::Council {
                        kind: catalogue.council.kinds[rng.next(catalogue.council.kinds.len())].clone(),
                        status: catalogue.council.statuses[rng.next(catalogue.council.statuses.len())]
                            .name
                            .clone(),
                        note: None,
                    },
                    13 => Facts::Subsidy {
                        course: catalogue.subsidy.courses[rng.next(2)].name.clone(),
                        group: format!("団体{}-{i}", year.start_year()),
                        amount: None,
                        status: catalogue.subsidy.applied.clone(),
                    },
                    14..=15 => Facts::Participation {
                        method: catalogue.participation_methods[rng.next(catalogue.participation_methods.len())]
                            .clone(),
                        project: "総合計画".into(),
                        department: None,
                    },
                    16 => Facts::Collab {
                        title: "交流集会".into(),
                    },
                    17 => Facts::Info {
                        title: "学習会".into()
                    },
                    _ => Facts::Publicity {
                        kind: catalogue.publicity.kinds[rng.next(catalogue.publicity.kinds.len())]
                            .name
                            .clone(),
                        medium: None,
                        title: None,
                    },
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
                    },
                }
            })
            .collect();
        total += store.insert_batch(&records, Utc::now()).expect("seed");
    }
    total
}
