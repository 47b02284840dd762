//! Benchmark: the monthly digest with its PNG chart (and with both its pictures, the chart and
//! the contact matrix's heat map), the annual summary (in the process and as the whole
//! `kyodo report --fiscal-year` process), `/totals` and `/totals by:district`, over 10 fiscal
//! years × 20,000 records (every record type, edits and deletes: `support/seed.rs`), against the
//! raw SQL aggregate (GROUP BY over `records`) of the same rows in the same run. Budgets
//! (DESIGN.md, "Budgets", and issue 14): digest with its chart ≤ 30 ms, with both pictures
//! < 200 ms, `kyodo report` ≤ 10 ms, `/totals` and `/totals by:district` within 1.5× the raw
//! aggregate of the rows they read.
//!
//!     cargo bench --bench summaries
//!
//! Each in-process figure is timed on an app started afresh (`time_fresh`: the start not timed),
//! so nothing is remembered from the run before; `/totals` asked again of the same app is shown
//! beside it, and `/totals` right after each of 50 reports of today
//! (`KYODO_BENCH_AFTER_REPORT_RUNS` sets how many: a busy day's thousands show whether it grows
//! with the day's records). Prints figures; asserts nothing. `/totals` through Discord is
//! `benches/interaction.rs`'s.

#[path = "support/seed.rs"]
mod seed;

use chrono::Utc;
use kyodo::app::App;
use kyodo::commands::{self, digest, Invocation, OptionValue, Request, Roles};
use kyodo::domain::record::{Actor, Source, SourceKind};
use kyodo::domain::totals::{same_period_last_year, year_to_date};
use kyodo::domain::{FiscalYear, YearMonth};
use kyodo::render::chart::render_png;
use kyodo::render::reply::Outcome;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const YEARS: i32 = 10;
const PER_YEAR: usize = 20_000;

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> Vec<Duration> {
    let _ = f(); // warm caches once
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed()
        })
        .collect()
}

/// `time`, each run on an app started afresh (not timed): nothing remembered from a run before
/// (`App::series`, `App::period_figures`), as the first question after a start or a write.
fn time_fresh<T>(runs: usize, mut fresh: impl FnMut() -> App, mut f: impl FnMut(&mut App) -> T) -> Vec<Duration> {
    let _ = f(&mut fresh()); // warm SQLite's and the system's caches once
    (0..runs)
        .map(|_| {
            let mut app = fresh();
            let t = Instant::now();
            std::hint::black_box(f(&mut app));
            t.elapsed()
        })
        .collect()
}

fn show(name: &str, mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let p50 = samples[samples.len() / 2];
    println!(
        "{name}: n={} min={:.2} ms p50={:.2} ms max={:.2} ms",
        samples.len(),
        ms(samples[0]),
        ms(p50),
        ms(samples[samples.len() - 1])
    );
    p50
}

fn main() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bench.sqlite3");
    let now = Utc::now();
    let mut app = App::start(&repo.join("config/kyodo.toml"), &db, now).expect("start");
    let today = app.today(now);
    let started = Instant::now();
    let seeded = seed::seed(&db, &app.settings.catalogue, YEARS, PER_YEAR, today);
    println!(
        "seeded {seeded} over {YEARS} fiscal years in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    // The subsidy figures come from the steps the seed's writes kept, as in the bot (not from
    // the groups' histories, the way of a store that does not keep them).
    let rules = &app.settings.catalogue.subsidy;
    let steps = app
        .store
        .counted_between(rules, today - chrono::Duration::days(365 * 11), today)
        .expect("steps")
        .expect("the subsidy steps kept");
    assert!(steps.len() > 1_000, "{} subsidy steps", steps.len());
    let start = app.settings.catalogue.fiscal_year_start;
    let current = FiscalYear::containing(today, start);
    let month = YearMonth::of(today).previous();
    let fresh = || App::start(&repo.join("config/kyodo.toml"), &db, now).expect("start");

    let digest_only = show(
        "digest (figures, areas, series; no chart)",
        time_fresh(20, fresh, |app| digest::build(app, month, today).expect("digest")),
    );
    let built = digest::build(&app, month, today).expect("digest");
    let chart = show(
        "chart PNG (10 panels × 3 years)",
        time(20, || render_png(&built.chart).expect("png")),
    );
    let with_chart = show(
        "digest with its chart",
        time_fresh(20, fresh, |app| {
            render_png(&digest::build(app, month, today).expect("digest").chart).expect("png")
        }),
    );
    let pictures = show(
        "digest with both its pictures (chart + contact matrix heat map)",
        time_fresh(20, fresh, |app| {
            digest::build(app, month, today)
                .expect("digest")
                .pictures()
                .expect("png")
        }),
    );
    let annual = show(
        "annual summary (3 years, no files)",
        time_fresh(50, fresh, |app| {
            app.annual_report(current.previous(), today).expect("report")
        }),
    );
    let raw = show(
        "raw SQL aggregate of the same 3 years (GROUP BY over records)",
        time(50, || {
            (0..3)
                .map(|back| {
                    let y = FiscalYear::new(current.previous().start_year() - back);
                    app.store
                        .tallies_from_records(&app.settings.catalogue, y.first_day(start), y.last_day(start))
                        .expect("raw")
                })
                .collect::<Vec<_>>()
        }),
    );
    // The whole process, as staff run it: start, config, database, three years, the tables.
    let last_year = current.previous();
    // `kyodo <args>` on the seeded database, its output thrown away.
    let kyodo = |args: &[&str]| {
        let status = Command::new(env!("CARGO_BIN_EXE_kyodo"))
            .args(args)
            .arg("--config")
            .arg(repo.join("config/kyodo.toml"))
            .arg("--db")
            .arg(&db)
            .stdout(Stdio::null())
            .status()
            .expect("kyodo");
        assert!(status.success(), "kyodo {args:?}");
    };
    let report_process = show(
        &format!("kyodo report --fiscal-year {} (whole process)", last_year.start_year()),
        time(20, || {
            kyodo(&["report", "--fiscal-year", &last_year.start_year().to_string()])
        }),
    );
    let chart_file = dir.path().join("chart.png");
    let month_arg = format!("{}-{:02}", month.year(), month.month());
    let digest_process = show(
        "kyodo digest --chart (whole process)",
        time(20, || {
            let _ = std::fs::remove_file(&chart_file);
            kyodo(&[
                "digest",
                "--month",
                &month_arg,
                "--chart",
                &chart_file.display().to_string(),
            ])
        }),
    );
    let request = Request {
        user: Actor {
            id: "1".into(),
            name: "佐藤".into(),
        },
        roles: Roles {
            staff: true,
            admin: false,
        },
        guild_id: None,
        channel_id: None,
        source: Source {
            kind: SourceKind::Console,
            id: "bench".into(),
            origin: None,
        },
        now,
        invocation: Invocation::new("totals", None),
    };
    let totals = show(
        "/totals (this fiscal year to date vs the same period last year, pace, latest)",
        time_fresh(50, fresh, |app| commands::handle(app, &request)),
    );
    let totals_again = show(
        "/totals asked again (the earlier years and this year remembered)",
        time(50, || commands::handle(&mut app, &request)),
    );
    // A report of today, then /totals: this year's figures read again (its earlier months
    // remembered), the earlier years' remembered; the report not timed.
    let mut sent = 0;
    let mut after_report = || {
        sent += 1;
        let report = Request {
            invocation: Invocation::new("report", Some("meeting"))
                .with("area", OptionValue::String("東部".into()))
                .with("district", OptionValue::String("荒町".into()))
                .with("topic", OptionValue::String(format!("打合せ{sent}"))),
            source: Source {
                id: format!("bench-{sent}"),
                ..request.source.clone()
            },
            ..request.clone()
        };
        let reply = commands::handle(&mut app, &report);
        assert!(reply.outcome == Outcome::Done, "/report answers: {}", reply.title);
        let t = Instant::now();
        std::hint::black_box(commands::handle(&mut app, &request));
        t.elapsed()
    };
    let runs: usize = std::env::var("KYODO_BENCH_AFTER_REPORT_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(50);
    let totals_after_report = show(
        "/totals right after a report of today (this year read again, the earlier years remembered)",
        (0..runs).map(|_| after_report()).collect(),
    );
    let by_district = Request {
        invocation: Invocation::new("totals", None).with("by", OptionValue::String("district".into())),
        ..request.clone()
    };
    let reply = commands::handle(&mut app, &by_district);
    assert!(
        reply.outcome == Outcome::Done,
        "/totals by:district answers: {}",
        reply.title
    );
    let totals_by_district = show(
        "/totals by:district (this fiscal year to date)",
        time_fresh(50, fresh, |app| commands::handle(app, &by_district)),
    );
    // The raw aggregate of the rows /totals reads: this fiscal year to date and the same period
    // a year before; /totals by:district reads this fiscal year to date.
    let catalogue = &app.settings.catalogue;
    let this_year = year_to_date(current, start, today).expect("this fiscal year has begun");
    let raw_this = || {
        app.store
            .tallies_from_records(catalogue, this_year.from, this_year.to)
            .expect("raw")
    };
    let raw_totals = show(
        "raw SQL aggregate of /totals' rows (this year to date + same period last year)",
        time(50, || {
            let last = same_period_last_year(this_year);
            (
                raw_this(),
                app.store
                    .tallies_from_records(catalogue, last.from, last.to)
                    .expect("raw"),
            )
        }),
    );
    let raw_year = show("raw SQL aggregate of this fiscal year to date", time(50, raw_this));
    // Reports last: they add to the database the figures above were read from.
    let area = app.settings.catalogue.areas[0].clone();
    let report = |n: usize| Request {
        source: Source {
            kind: SourceKind::Console,
            id: format!("bench-report-{n}"),
            origin: None,
        },
        invocation: Invocation::new("report", Some("meeting"))
            .with("area", OptionValue::String(area.name.clone()))
            .with("district", OptionValue::String(area.districts[0].clone()))
            .with("topic", OptionValue::String("定例の打合せ".into())),
        ..request.clone()
    };
    let first = report(0);
    let reply = commands::handle(&mut app, &first);
    assert!(
        reply.outcome == Outcome::Done,
        "/report meeting answers: {}",
        reply.title
    );
    let mut n = 0;
    let reports = show(
        "/report meeting (in the process: checks, insert, double reports, reply)",
        time(50, || {
            n += 1;
            commands::handle(&mut app, &report(n))
        }),
    );
    println!();
    println!(
        "digest with its chart: {:.1} ms in the process (budget ≤ 30 ms; digest {:.1} ms + chart {:.1} ms)",
        ms(with_chart),
        ms(digest_only),
        ms(chart)
    );
    println!(
        "digest with both pictures: {:.1} ms in the process (budget < 200 ms)",
        ms(pictures)
    );
    against_raw("annual summary", annual, raw, "");
    println!(
        "kyodo report --fiscal-year {}: {:.1} ms, whole process (budget ≤ 10 ms)",
        last_year.start_year(),
        ms(report_process)
    );
    println!("kyodo digest --chart: {:.1} ms, whole process", ms(digest_process));
    against_raw(
        "/totals",
        totals,
        raw_totals,
        " (budget ≤ 1.5×; through Discord: benches/interaction.rs)",
    );
    println!(
        "/totals asked again: {:.2} ms in the process (nothing written since: remembered)",
        ms(totals_again)
    );
    println!(
        "/totals right after a report of today: {:.2} ms in the process (this year read again)",
        ms(totals_after_report)
    );
    against_raw("/totals by:district", totals_by_district, raw_year, " (budget ≤ 1.5×)");
    println!("/report meeting: {:.2} ms in the process", ms(reports));
}

/// `name`'s time in the process against the raw SQL aggregate of the rows it reads.
fn against_raw(name: &str, time: Duration, raw: Duration, budget: &str) {
    println!(
        "{name}: {:.2} ms in the process, {:.2}× the raw SQL aggregate's {:.2} ms over the same rows{budget}",
        ms(time),
        time.as_secs_f64() / raw.as_secs_f64(),
        ms(raw)
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
