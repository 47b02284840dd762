//! What the app remembers between questions, on a real SQLite file: a period's figures are
//! the store's after every write — to the period's last month or an earlier one (remembered
//! apart), a move, a delete, and a subsidy record of an earlier year, since what a subsidy
//! record counts for follows its group's earlier records; the subsidy counts, remembered over
//! reports of other types, after a subsidy record.

use super::*;
use crate::domain::record::{Column, Facts, NewRecord};
use crate::store::subsidy_tests::subsidy;
use crate::store::test_support::{d, new, now, sato};
use crate::store::AuditAction;

#[test]
fn remembered_figures_are_the_stores_after_every_write() {
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = config::load(Path::new("config/kyodo.toml")).expect("config");
    let mut app = App::open(settings, &dir.path().join("kyodo.sqlite3"), now()).expect("open");
    let catalogue = app.settings.catalogue.clone();
    // Applied in FY2025, granted in FY2026: FY2026 counts the grant, not the application.
    let applied = app
        .store
        .insert(&subsidy("a", d(2026, 3, 10), GROUP, "申請", None), now())
        .expect("insert")
        .record()
        .id;
    app.store
        .insert(&subsidy("b", d(2026, 5, 10), GROUP, "交付決定", Some(200_000)), now())
        .expect("insert");
    let year = Period {
        from: d(2026, 4, 1),
        to: d(2026, 11, 30),
    };
    let before = app.period_figures(year).expect("figures");
    assert_eq!(before, app.store.period_figures(&catalogue, year).expect("read"));
    // The application taken back: the grant now stands for one in FY2026.
    app.store
        .delete(applied, AuditAction::Delete, &sato(), now())
        .expect("delete");
    let read = app.store.period_figures(&catalogue, year).expect("read");
    assert_ne!(read, before, "the delete changes FY2026's figures");
    assert_eq!(app.period_figures(year).expect("figures"), read);
    // Meetings of the period's last month and of earlier ones, a move between months, a
    // delete: after each the figures asked again are the store's (the earlier months'
    // tallies are remembered apart from the last month's).
    let mut ids = Vec::new();
    for (i, date) in [d(2026, 11, 2), d(2026, 6, 3), d(2026, 11, 4), d(2026, 4, 1)]
        .into_iter()
        .enumerate()
    {
        let id = app
            .store
            .insert(&meeting(&format!("m{i}"), date, "荒町"), now())
            .expect("insert")
            .record()
            .id;
        ids.push(id);
        assert_eq!(
            app.period_figures(year).expect("figures"),
            app.store.period_figures(&catalogue, year).expect("read")
        );
    }
    let moved = meeting("x", d(2026, 7, 9), "紺屋町");
    app.store
        .edit(ids[0], moved.date, &moved.facts, &sato(), now())
        .expect("edit");
    assert_eq!(
        app.period_figures(year).expect("figures"),
        app.store.period_figures(&catalogue, year).expect("read")
    );
    app.store
        .delete(ids[1], AuditAction::Delete, &sato(), now())
        .expect("delete");
    let (figures, _) = app.period_figures(year).expect("figures");
    assert_eq!(
        (figures.clone(), FiguresSource::Records),
        app.store.period_figures(&catalogue, year).expect("read")
    );
    assert_eq!(
        figures.of(&catalogue, RecordType::of("meeting"), "東部").value(),
        Some(3)
    );
    // The subsidy counts, remembered over those meetings, are read again after a subsidy
    // record: another group's application in the period.
    app.store
        .insert(&subsidy("c", d(2026, 8, 1), "別の会", "申請", None), now())
        .expect("insert");
    let (after, _) = app.period_figures(year).expect("figures");
    assert_ne!(after, figures, "the application is counted");
    assert_eq!(
        (after, FiguresSource::Records),
        app.store.period_figures(&catalogue, year).expect("read")
    );
}

/// The group whose application and grant the test reports.
const GROUP: &str = "こもろ子ども食堂";

/// A meeting in 東部's `district`.
fn meeting(source: &str, date: NaiveDate, district: &str) -> NewRecord {
    let facts = Facts::new(RecordType::of("meeting"))
        .text_of(Column::Area, "東部")
        .text_of(Column::District, district);
    new(source, date, facts)
}
