//! What the app remembers between questions, on a real SQLite file: a period's figures read
//! again whenever a write could change them — for the subsidy counts, a write to a subsidy
//! record of any date, since what a record counts for follows its group's earlier records.

use super::*;
use crate::domain::record::{Actor, Column, Facts, NewRecord, Source, SourceKind};
use crate::store::AuditAction;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-06T09:00:00+09:00")
        .expect("valid time")
        .with_timezone(&Utc)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn clerk() -> Actor {
    Actor {
        id: "111".into(),
        name: "佐藤".into(),
    }
}

fn subsidy(source: &str, date: NaiveDate, status: &str, amount: Option<u64>) -> NewRecord {
    NewRecord {
        date,
        facts: Facts::new(RecordType::of("subsidy"))
            .text_of(Column::Course, "チャレンジ")
            .text_of(Column::Group, "こもろ子ども食堂")
            .maybe(Column::Amount, amount)
            .text_of(Column::Status, status),
        reporter: clerk(),
        source: Source {
            kind: SourceKind::Console,
            id: source.into(),
            origin: None,
        },
    }
}

#[test]
fn a_years_figures_follow_a_change_to_an_earlier_years_subsidy_record() {
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = config::load(Path::new("config/kyodo.toml")).expect("config");
    let mut app = App::open(settings, &dir.path().join("kyodo.sqlite3"), now()).expect("open");
    let catalogue = app.settings.catalogue.clone();
    // Applied in FY2025, granted in FY2026: FY2026 counts the grant, not the application.
    let applied = app
        .store
        .insert(&subsidy("a", day(2026, 3, 10), "申請", None), now())
        .expect("insert")
        .record()
        .id;
    app.store
        .insert(&subsidy("b", day(2026, 5, 10), "交付決定", Some(200_000)), now())
        .expect("insert");
    let year = Period {
        from: day(2026, 4, 1),
        to: day(2026, 11, 30),
    };
    let before = app.period_figures(year).expect("figures");
    assert_eq!(before, app.store.period_figures(&catalogue, year).expect("read"));
    // The application taken back: the grant now stands for one in FY2026.
    app.store
        .delete(applied, AuditAction::Delete, &clerk(), now())
        .expect("delete");
    let read = app.store.period_figures(&catalogue, year).expect("read");
    assert_ne!(read, before, "the delete changes FY2026's figures");
    assert_eq!(app.period_figures(year).expect("figures"), read);
    // A meeting of this year, then the figures asked again: still the store's.
    let meeting = Facts::new(RecordType::of("meeting"))
        .text_of(Column::Area, "東部")
        .text_of(Column::District, "荒町");
    app.store
        .insert(
            &NewRecord {
                date: day(2026, 11, 2),
                facts: meeting,
                reporter: clerk(),
                source: Source {
                    kind: SourceKind::Console,
                    id: "c".into(),
                    origin: None,
                },
            },
            now(),
        )
        .expect("insert");
    assert_eq!(
        app.period_figures(year).expect("figures"),
        app.store.period_figures(&catalogue, year).expect("read")
    );
}
