//! `/totals` on a database seeded across four fiscal years, checked against figures computed by
//! hand: fiscal-year boundaries (31 March / 1 April), leap days, the time zone, targets, and
//! the areas without a meeting. Requests go through the real command core and SQLite file.

use crate::support::{repo, Workspace};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use kyodo::app::App;
use kyodo::commands::{self, Invocation, OptionValue, Request, Roles};
use kyodo::domain::record::{Actor, Column, Facts, Source, SourceKind};
use kyodo::domain::RecordType;
use kyodo::render::reply::{text, Outcome};
use std::path::Path;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
}

/// 10:00 in Komoro on that day.
fn jst(y: i32, m: u32, day: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Tokyo
        .with_ymd_and_hms(y, m, day, 10, 0, 0)
        .single()
        .expect("valid time")
        .with_timezone(&Utc)
}

fn seed(db: &Path) {
    let consultations = [
        (d(2022, 4, 1), 1),
        (d(2023, 2, 28), 2),
        (d(2023, 4, 1), 10),
        (d(2024, 2, 28), 5),
        (d(2024, 2, 29), 7),
        (d(2024, 3, 31), 3),
        (d(2024, 4, 1), 20),
        (d(2025, 2, 28), 4),
        (d(2025, 3, 31), 6),
        (d(2025, 4, 1), 8),
    ];
    let meetings = [
        (d(2024, 4, 1), "東部", "荒町"),
        (d(2025, 3, 31), "川辺", "氷"),
        (d(2025, 4, 1), "東部", "三和"),
    ];
    let facts = consultations
        .iter()
        .map(|(date, count)| {
            (
                *date,
                Facts::new(RecordType::of("consultation")).number_of(Column::Count, *count),
            )
        })
        .chain(meetings.iter().map(|(date, area, district)| {
            (
                *date,
                Facts::new(RecordType::of("meeting"))
                    .text_of(Column::Area, area)
                    .text_of(Column::District, district),
            )
        }));
    crate::support::seed(db, facts);
}

fn app(workspace: &Workspace, config: &Path) -> App {
    seed(&workspace.db());
    App::start(config, &workspace.db(), Utc::now()).expect("start")
}

fn request(now: DateTime<Utc>, roles: Roles, invocation: Invocation) -> Request {
    Request {
        user: Actor {
            id: "2".into(),
            name: "田中".into(),
        },
        roles,
        guild_id: None,
        channel_id: None,
        source: Source {
            kind: SourceKind::Console,
            id: format!("t-{now}"),
            origin: None,
        },
        now,
        invocation,
    }
}

fn totals(app: &mut App, now: DateTime<Utc>, fiscal_year: Option<&str>) -> String {
    let mut invocation = Invocation::new("totals", None);
    if let Some(year) = fiscal_year {
        invocation = invocation.with("fiscal_year", OptionValue::String(year.into()));
    }
    let reply = commands::handle(app, &request(now, Roles::default(), invocation));
    assert_eq!(reply.outcome, Outcome::Done, "{}", text(&reply));
    text(&reply)
}

fn line<'a>(reply: &'a str, starts: &str) -> &'a str {
    reply
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with(starts))
        .unwrap_or_else(|| panic!("no line starting {starts} in:\n{reply}"))
}

#[test]
fn same_period_last_year_across_boundaries_and_leap_days() {
    let workspace = Workspace::new();
    let mut app = app(&workspace, &repo().join("config/kyodo.toml"));
    // Leap day itself: FY2023 to 29 Feb 2024 = 10+5+7; FY2022 to 28 Feb 2023 = 1+2.
    let reply = totals(&mut app, jst(2024, 2, 29), None);
    assert!(
        reply.starts_with("令和5年度の累計（2023年4月1日〜2024年2月29日）"),
        "{reply}"
    );
    assert_eq!(line(&reply, "③相談数"), "③相談数: 22件（前年同期 3件、+19件）");
    // A year after a leap year: FY2024 to 28 Feb 2025 = 20+4; FY2023 to 28 Feb 2024 = 10+5 (not the 29th).
    let reply = totals(&mut app, jst(2025, 2, 28), None);
    assert_eq!(line(&reply, "③相談数"), "③相談数: 24件（前年同期 15件、+9件）");
    // Last day of the year: everything of FY2024 against everything of FY2023.
    let reply = totals(&mut app, jst(2025, 3, 31), None);
    assert!(
        reply.starts_with("令和6年度の累計（2024年4月1日〜2025年3月31日）"),
        "{reply}"
    );
    // On its last day the year is whole: compared with the whole year before (前年度).
    assert_eq!(line(&reply, "③相談数"), "③相談数: 30件（前年度 25件、+5件）");
    assert_eq!(
        line(&reply, "②区と地区担当職員との連携:"),
        "②区と地区担当職員との連携: 2回（前年度 0回、+2回）"
    );
    // First day of the next: one day each.
    let reply = totals(&mut app, jst(2025, 4, 1), None);
    assert!(
        reply.starts_with("令和7年度の累計（2025年4月1日〜2025年4月1日）"),
        "{reply}"
    );
    assert_eq!(line(&reply, "③相談数"), "③相談数: 8件（前年同期 20件、−12件）");
    assert_eq!(
        line(&reply, "東南部、"),
        "東南部、中部、西部、北大井、大里、三岡、西小諸、南大井、川辺（9地区）"
    );
    // A whole past year, against a year with no record at all: unknown, not 0.
    let reply = totals(&mut app, jst(2025, 4, 1), Some("令和4年度"));
    assert!(
        reply.starts_with("令和4年度の累計（2022年4月1日〜2023年3月31日）"),
        "{reply}"
    );
    assert_eq!(line(&reply, "③相談数"), "③相談数: 3件（前年度 —）");
    assert!(reply.contains("前年度 令和3年度（記録なし）"), "{reply}");
}

#[test]
fn the_date_is_komoros_not_the_hosts() {
    let workspace = Workspace::new();
    let mut app = app(&workspace, &repo().join("config/kyodo.toml"));
    // 31 March 15:30 UTC is already 1 April 00:30 in Komoro.
    let now = Utc.with_ymd_and_hms(2025, 3, 31, 15, 30, 0).single().expect("time");
    let reply = totals(&mut app, now, None);
    assert!(
        reply.starts_with("令和7年度の累計（2025年4月1日〜2025年4月1日）"),
        "{reply}"
    );
}

#[test]
fn baseline_years_compare_as_whole_years_and_targets_show_progress() {
    let workspace = Workspace::new();
    let config_dir = workspace.path("config");
    std::fs::create_dir_all(&config_dir).expect("mkdir");
    let shipped = std::fs::read_to_string(repo().join("config/kyodo.toml")).expect("config");
    let with_target = shipped.replacen(
        "columns = [\"相談数\", \"マッチング数\"]",
        "columns = [\"相談数\", \"マッチング数\"]\ntargets = { consultation = 40 }",
        1,
    );
    std::fs::write(config_dir.join("kyodo.toml"), with_target).expect("write");
    let baseline = std::fs::read_to_string(repo().join("config/baseline.toml")).expect("baseline");
    std::fs::write(config_dir.join("baseline.toml"), baseline).expect("write");
    let mut app = app(&workspace, &config_dir.join("kyodo.toml"));
    let reply = totals(&mut app, jst(2025, 3, 31), None);
    assert_eq!(
        line(&reply, "③相談数"),
        "③相談数: 30件（前年度 25件、+5件） 目標 40件の75%"
    );
    // The pace half way: FY2023 had 10 of its 25 by 30 September, FY2022 1 of its 3 (FY2021
    // has no record), so 11/28 = 39% of a year; 20 now → 51 at the year's end, 127% of 40 (S);
    // 40 × 11/28 → 16 would be on track now.
    let reply = totals(&mut app, jst(2024, 9, 30), None);
    assert_eq!(
        line(&reply, "ペース: 例年この時期は年間の39%"),
        "ペース: 例年この時期は年間の39%（過去2年度）。このままなら年度末に51件、目標40件の127%（S）。今ごろの目安は16件"
    );
    let reply = totals(&mut app, jst(2025, 3, 31), Some("2021"));
    assert!(reply.contains("③相談数: —"), "FY2021 has no records: {reply}");
    assert!(reply.contains("前年度 令和2年度（基準データ）"), "{reply}");
    assert_eq!(
        line(&reply, "③相談数"),
        "③相談数: —（前年度 1,097件）",
        "no progress on an unknown figure"
    );
    assert_eq!(
        line(&reply, "記録がない"),
        "記録がないため分かりません",
        "areas without meetings are unknown too"
    );
    let reply = totals(&mut app, jst(2025, 3, 31), Some("2020"));
    assert!(
        reply.contains("③相談数: 1,097件（前年度 1,853件、−756件） 目標 40件の2,742%"),
        "{reply}"
    );
}

#[test]
fn reporting_needs_the_staff_role_and_reading_does_not() {
    let workspace = Workspace::new();
    let mut app = app(&workspace, &repo().join("config/kyodo.toml"));
    let report = Invocation::new("report", Some("match")).with("count", OptionValue::Integer(2));
    let reply = commands::handle(&mut app, &request(jst(2025, 5, 1), Roles::default(), report.clone()));
    assert_eq!(reply.outcome, Outcome::Refused);
    assert_eq!(
        reply.title,
        "このコマンドを使えるのは職員だけです（Discord では職員のロールが要ります）。ロールが必要なときは管理者に連絡してください"
    );
    assert_eq!(
        workspace.rows("SELECT COUNT(*) FROM records WHERE record_type = 'match'"),
        vec![vec!["0".to_string()]]
    );
    let staff = Roles {
        staff: true,
        admin: false,
    };
    let reply = commands::handle(&mut app, &request(jst(2025, 5, 1), staff, report.clone()));
    assert_eq!(reply.outcome, Outcome::Done, "{}", text(&reply));
    // The same request again (a replayed source id) stores nothing new and says so.
    let again = commands::handle(&mut app, &request(jst(2025, 5, 1), staff, report));
    assert!(
        again.title.starts_with("この報告はすでに記録されています（#"),
        "{}",
        again.title
    );
    assert_eq!(again.undo, None);
    assert_eq!(
        workspace.rows("SELECT COUNT(*) FROM records WHERE record_type = 'match'"),
        vec![vec!["1".to_string()]]
    );
    let reply = commands::handle(
        &mut app,
        &request(jst(2025, 5, 1), Roles::default(), Invocation::new("help", None)),
    );
    assert_eq!(reply.outcome, Outcome::Done);
}

/// Consultations on both sides of 2 December and of 29 February, in four fiscal years.
fn seed_partial_periods(db: &Path) {
    let consultations = [
        (d(2025, 6, 1), 10),
        (d(2025, 12, 1), 2),
        (d(2025, 12, 2), 3),
        (d(2025, 12, 3), 50),
        (d(2025, 12, 20), 7),
        (d(2026, 6, 1), 1),
        (d(2026, 11, 10), 6),
        (d(2026, 12, 1), 4),
        (d(2028, 2, 28), 5),
        (d(2028, 2, 29), 7),
        (d(2029, 2, 28), 4),
    ];
    crate::support::seed(
        db,
        consultations.iter().map(|(date, count)| {
            (
                *date,
                Facts::new(RecordType::of("consultation")).number_of(Column::Count, *count),
            )
        }),
    );
}

fn summary_month(app: &mut App, now: DateTime<Utc>, month: &str) -> String {
    let invocation = Invocation::new("summary", Some("month")).with("month", OptionValue::String(month.into()));
    let reply = commands::handle(app, &request(now, Roles::default(), invocation));
    assert_eq!(reply.outcome, Outcome::Done, "{}", text(&reply));
    text(&reply)
}

#[test]
fn a_month_in_progress_is_compared_with_the_same_days_last_year() {
    let workspace = Workspace::new();
    seed_partial_periods(&workspace.db());
    let mut app = App::start(&repo().join("config/kyodo.toml"), &workspace.db(), Utc::now()).expect("start");
    // On 2 December: 1–2 December (4) against 1–2 December 2025 (2+3), not the whole of
    // December 2025 (62); the year to date (1+6+4) against FY2025 to 2 December (10+2+3).
    let reply = summary_month(&mut app, jst(2026, 12, 2), "2026-12");
    assert!(
        reply.starts_with("月次まとめ 2026年12月（令和8年度・月の途中、12月2日まで）"),
        "{reply}"
    );
    assert_eq!(
        line(&reply, "③相談数"),
        "③相談数: 12月1日〜2日 4件（前年同期 5件、−1件） ／ 年度累計 11件（前年同期 15件、−4件）"
    );
    assert!(
        reply.contains(
            "年度累計: 令和8年度（2026年4月1日〜2026年12月2日） ／ 前年同期: 令和7年度（2025年4月1日〜2025年12月2日）"
        ),
        "{reply}"
    );
    assert!(
        reply.contains("2026年12月は途中です: 2026年12月1日〜12月2日を前年同期（2025年12月1日〜12月2日）と"),
        "{reply}"
    );
    // A month that is over, asked on the same day: November whole (6), the year to its end
    // (1+6) against FY2025 to 30 November (10).
    let reply = summary_month(&mut app, jst(2026, 12, 2), "2026-11");
    assert!(reply.starts_with("月次まとめ 2026年11月（令和8年度）\n"), "{reply}");
    assert_eq!(
        line(&reply, "③相談数"),
        "③相談数: 11月 6件 ／ 年度累計 7件（前年同期 10件、−3件）"
    );
    assert!(!reply.contains("途中"), "{reply}");
    // The scheduler's digest of a month that is over, posted on the 1st, reads the same.
    let posted = summary_month(&mut app, jst(2026, 12, 1), "2026-11");
    assert_eq!(line(&posted, "③相談数"), line(&reply, "③相談数"));
}

#[test]
fn february_is_compared_whole_with_a_leap_february_and_day_by_day_while_it_runs() {
    let workspace = Workspace::new();
    seed_partial_periods(&workspace.db());
    let mut app = App::start(&repo().join("config/kyodo.toml"), &workspace.db(), Utc::now()).expect("start");
    // February 2029 is over: its year to its end (4) against FY2027 to the end of February
    // 2028, 29 February included (5+7).
    let reply = summary_month(&mut app, jst(2029, 3, 5), "2029-02");
    assert_eq!(
        line(&reply, "③相談数"),
        "③相談数: 2月 4件 ／ 年度累計 4件（前年同期 12件、−8件）"
    );
    assert!(
        reply.contains("前年同期: 令和9年度（2027年4月1日〜2028年2月29日）"),
        "{reply}"
    );
    // On 29 February 2028, its last day, the month counts whole (5+7): the year to its end
    // against FY2026 to the end of February 2027 (1+6+4).
    let reply = summary_month(&mut app, jst(2028, 2, 29), "2028-02");
    assert_eq!(
        line(&reply, "③相談数"),
        "③相談数: 2月 12件 ／ 年度累計 12件（前年同期 11件、+1件）"
    );
    // On 28 February 2028 the month runs: 1–28 February against 1–28 February 2027.
    let reply = summary_month(&mut app, jst(2028, 2, 28), "2028-02");
    assert!(
        line(&reply, "③相談数").starts_with("③相談数: 2月1日〜28日 5件"),
        "{reply}"
    );
    // /totals on 28 February 2029 compares the same calendar days: to 28 February 2028 (5),
    // not the 29th.
    let reply = totals(&mut app, jst(2029, 2, 28), None);
    assert_eq!(line(&reply, "③相談数"), "③相談数: 4件（前年同期 5件、−1件）");
}

fn report(app: &mut App, now: DateTime<Utc>, date: &str, id: &str) -> kyodo::render::reply::Reply {
    let invocation = Invocation::new("report", Some("match"))
        .with("count", OptionValue::Integer(1))
        .with("date", OptionValue::String(date.into()));
    let mut request = request(
        now,
        Roles {
            staff: true,
            admin: false,
        },
        invocation,
    );
    request.source.id = id.into();
    commands::handle(app, &request)
}

#[test]
fn a_date_in_another_fiscal_year_is_stored_with_a_note_saying_which() {
    let workspace = Workspace::new();
    let mut app = App::start(&repo().join("config/kyodo.toml"), &workspace.db(), Utc::now()).expect("start");
    // 12/3 typed on 2 December 2026 is the latest 3 December not in the future: 2025's,
    // in 令和7年度 while today is in 令和8年度.
    let reply = report(&mut app, jst(2026, 12, 2), "12/3", "r-1");
    assert_eq!(reply.outcome, Outcome::Done, "{}", text(&reply));
    let shown = text(&reply);
    assert!(shown.starts_with("記録しました（#1・令和7年度）"), "{shown}");
    assert_eq!(
        line(&shown, "令和7年度の記録として"),
        "令和7年度の記録として登録しました（今年度は令和8年度です。日付が違うときは /records edit id:1 field:date で直してください）"
    );
    assert_eq!(
        workspace.rows("SELECT occurred_on FROM records WHERE id = 1"),
        vec![vec!["2025-12-03".to_string()]]
    );
    // 12/1 is this fiscal year's: no note.
    let reply = report(&mut app, jst(2026, 12, 2), "12/1", "r-2");
    let shown = text(&reply);
    assert!(shown.starts_with("記録しました（#2・令和8年度）"), "{shown}");
    assert!(!shown.contains("の記録として登録しました"), "{shown}");
    // 31 March typed on 1 April: the fiscal year just ended.
    let reply = report(&mut app, jst(2027, 4, 1), "3/31", "r-3");
    assert!(text(&reply).contains("令和8年度の記録として登録しました（今年度は令和9年度です。"));
}

fn totals_with(
    app: &mut App,
    now: DateTime<Utc>,
    roles: Roles,
    options: &[(&str, &str)],
) -> kyodo::render::reply::Reply {
    let mut invocation = Invocation::new("totals", None);
    for (name, value) in options {
        invocation = invocation.with(name, OptionValue::String((*value).into()));
    }
    commands::handle(app, &request(now, roles, invocation))
}

#[test]
fn any_period_grouped_by_area_district_month_kind_and_for_admins_reporter() {
    let workspace = Workspace::new();
    let mut app = app(&workspace, &repo().join("config/kyodo.toml"));
    let now = jst(2025, 5, 1);
    let staff = Roles {
        staff: true,
        admin: false,
    };
    // A period across the fiscal year's turn, by month: March 2025 (4 + 6 consultations, one
    // meeting) and April 2025 (8, one meeting), by hand from the seed.
    let reply = totals_with(
        &mut app,
        now,
        staff,
        &[("from", "2025-02-28"), ("to", "2025-04-30"), ("by", "month")],
    );
    let out = text(&reply);
    assert_eq!(reply.outcome, Outcome::Done, "{out}");
    assert!(out.starts_with("2025年2月28日〜2025年4月30日の集計"), "{out}");
    assert!(line(&out, "2025年2月:").contains("③相談数 4件"), "{out}");
    assert!(
        line(&out, "2025年3月:").contains("②区と地区担当職員との連携 1回、③相談数 6件"),
        "{out}"
    );
    assert!(
        line(&out, "2025年4月:").contains("②区と地区担当職員との連携 1回、③相談数 8件"),
        "{out}"
    );
    // The same period without a grouping: compared with the same days a year before.
    let out = text(&totals_with(
        &mut app,
        now,
        staff,
        &[("from", "2025-02-28"), ("to", "2025-04-30")],
    ));
    // 2024-02-28 to 2024-04-30: 5 + 7 + 3 + 20.
    assert_eq!(line(&out, "③相談数"), "③相談数: 18件（前年同期 35件、−17件）");
    assert!(out.contains("比較: この期間 2025年2月28日〜2025年4月30日"), "{out}");
    // By area and by district, over the fiscal year to date.
    let out = text(&totals_with(&mut app, now, staff, &[("by", "area")]));
    assert_eq!(line(&out, "東部:"), "東部: ②区と地区担当職員との連携 1回");
    assert_eq!(line(&out, "川辺:"), "川辺: ②区と地区担当職員との連携 0回");
    let out = text(&totals_with(
        &mut app,
        now,
        staff,
        &[("by", "district"), ("fiscal_year", "2024")],
    ));
    assert_eq!(line(&out, "東部/荒町:"), "東部/荒町: ②区と地区担当職員との連携 1回");
    assert_eq!(line(&out, "川辺/氷:"), "川辺/氷: ②区と地区担当職員との連携 1回");
    assert_eq!(line(&out, "東部/三和:"), "東部/三和: ②区と地区担当職員との連携 0回");
    // By kind: the consultations' sides were not given.
    let out = text(&totals_with(&mut app, now, staff, &[("by", "kind")]));
    assert_eq!(line(&out, "したい側:"), "したい側: ③相談数 0件");
    // By reporter: admins only.
    let refused = totals_with(&mut app, now, staff, &[("by", "reporter")]);
    assert_eq!(refused.outcome, Outcome::Refused);
    assert!(text(&refused).contains("管理者"), "{}", text(&refused));
    let admin = Roles {
        staff: true,
        admin: true,
    };
    let out = text(&totals_with(
        &mut app,
        now,
        admin,
        &[("by", "reporter"), ("fiscal_year", "2024")],
    ));
    // Everything was seeded by 佐藤: FY2024's 20 + 4 + 6 consultations and two meetings.
    assert!(
        line(&out, "佐藤:").starts_with("佐藤: ①区長会活動 0回、②区と地区担当職員との連携 2回、③相談数 30件"),
        "{out}"
    );
    // A period in part of a baseline year is refused, naming it.
    let refused = totals_with(&mut app, now, staff, &[("from", "2020-04-01"), ("to", "2021-03-31")]);
    assert_eq!(refused.outcome, Outcome::Done, "a whole baseline year is its figures");
    let refused = totals_with(&mut app, now, staff, &[("from", "2020-06-01")]);
    assert_eq!(refused.outcome, Outcome::Refused);
    assert!(text(&refused).contains("令和2年度は基準データ"), "{}", text(&refused));
    let refused = totals_with(&mut app, now, staff, &[("from", "2025-04-30"), ("to", "2025-04-01")]);
    assert!(text(&refused).contains("終了日（to）: 終了日は開始日と同じか後にしてください"));
}

#[test]
fn kyodo_totals_writes_the_grouped_table_as_csv_and_xlsx() {
    let workspace = Workspace::new();
    seed(&workspace.db());
    let csv_path = workspace.path("districts.csv");
    let csv_arg = csv_path.display().to_string();
    let run = workspace
        .kyodo(&[
            "totals",
            "--fiscal-year",
            "2024",
            "--by",
            "district",
            "--format",
            "csv",
            "--output",
            &csv_arg,
        ])
        .ok();
    assert!(
        run.stdout().contains("districts.csv に書き出しました"),
        "{}",
        run.stdout()
    );
    let text = std::fs::read_to_string(&csv_path).expect("csv");
    let rows: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(rows[1], "区,②区と地区担当職員との連携（回）");
    assert!(rows.contains(&"東部/荒町,1"), "{rows:?}");
    assert!(rows.contains(&"川辺/氷,1"), "{rows:?}");
    assert_eq!(rows.len(), 2 + 68, "a row per district");
    let xlsx_path = workspace.path("months.xlsx");
    let xlsx_arg = xlsx_path.display().to_string();
    workspace
        .kyodo(&[
            "totals",
            "--from",
            "2025-03-01",
            "--to",
            "2025-04-30",
            "--by",
            "month",
            "--format",
            "xlsx",
            "--output",
            &xlsx_arg,
        ])
        .ok();
    use calamine::{Data, Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook(&xlsx_path).expect("xlsx");
    let sheet = book.worksheet_range("集計").expect("sheet");
    let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    let header = rows
        .iter()
        .find(|r| r.first() == Some(&Data::String("月".into())))
        .expect("header row");
    let consultations = header
        .iter()
        .position(|c| *c == Data::String("③相談数（件）".into()))
        .expect("③相談数 column");
    let april = rows
        .iter()
        .find(|r| r.first() == Some(&Data::String("2025年4月".into())))
        .expect("April");
    assert_eq!(april[consultations], Data::Float(8.0), "a number, not a text");
    // The contact matrix of the period: a district's row, March and April, and its total.
    let matrix = book.worksheet_range("区×月").expect("the contact matrix's sheet");
    let rows: Vec<Vec<Data>> = matrix.rows().map(|r| r.to_vec()).collect();
    let header = rows
        .iter()
        .find(|r| r.first() == Some(&Data::String("地区".into())))
        .expect("header");
    assert_eq!(
        header[2..].to_vec(),
        [
            Data::String("2025年3月".into()),
            Data::String("2025年4月".into()),
            Data::String("計".into())
        ]
    );
    let row = |district: &str| {
        rows.iter()
            .find(|r| r.get(1) == Some(&Data::String(district.into())))
            .unwrap_or_else(|| panic!("{district}"))
            .clone()
    };
    assert_eq!(
        row("氷")[2..].to_vec(),
        [Data::Float(1.0), Data::Float(0.0), Data::Float(1.0)]
    );
    assert_eq!(
        row("三和")[2..].to_vec(),
        [Data::Float(0.0), Data::Float(1.0), Data::Float(1.0)]
    );
    let total = rows
        .iter()
        .find(|r| r.first() == Some(&Data::String("合計".into())))
        .expect("合計");
    assert_eq!(
        total[2..].to_vec(),
        [Data::Float(1.0), Data::Float(1.0), Data::Float(2.0)]
    );
    // A file format needs a file.
    let run = workspace.kyodo(&["totals", "--format", "csv"]);
    assert_eq!(run.code(), Some(1));
    assert!(run.stderr().contains("--output"), "{}", run.stderr());
}

/// /totals as a new start of kyodo on the same database answers it: nothing remembered.
fn fresh_totals(workspace: &Workspace, now: DateTime<Utc>) -> String {
    let mut app = App::start(&repo().join("config/kyodo.toml"), &workspace.db(), Utc::now()).expect("start");
    totals(&mut app, now, None)
}

#[test]
/// The pace's earlier years and last year's same days are remembered between questions
/// (`App::series`, `App::period_figures`); a record written
/// since to one of those years — through the same app, or by another process — is in the next
/// answer, which is the answer of a fresh start.
fn the_pace_follows_records_written_to_earlier_years_since_the_last_question() {
    let workspace = Workspace::new();
    let mut app = app(&workspace, &repo().join("config/kyodo.toml"));
    let now = jst(2025, 9, 30);
    let first = totals(&mut app, now, None);
    assert_eq!(first, fresh_totals(&workspace, now));
    assert_eq!(totals(&mut app, now, None), first, "asked again, the same");
    // A matching of FY2023, entered late through this app: the pace of ③マッチング数 has a
    // year of history now.
    let reply = report(&mut app, now, "2023-05-10", "late-1");
    assert_eq!(reply.outcome, Outcome::Done, "{}", text(&reply));
    let second = totals(&mut app, now, None);
    assert_ne!(second, first);
    assert_eq!(second, fresh_totals(&workspace, now));
    // Another of FY2024, entered by another process on the same file.
    let mut other = App::start(&repo().join("config/kyodo.toml"), &workspace.db(), Utc::now()).expect("start");
    let reply = report(&mut other, now, "2024-06-20", "late-2");
    assert_eq!(reply.outcome, Outcome::Done, "{}", text(&reply));
    drop(other);
    let third = totals(&mut app, now, None);
    assert_ne!(third, second);
    assert_eq!(third, fresh_totals(&workspace, now));
    // A year on, last year (FY2026) has no record at all: its same days are unknown (—). A
    // record of FY2026 after those days makes them known (0), though none falls within them.
    let later = jst(2027, 9, 30);
    let before = totals(&mut app, later, None);
    assert!(before.contains("前年同期 —"), "{before}");
    let reply = report(&mut app, later, "2027-03-01", "late-3");
    assert_eq!(reply.outcome, Outcome::Done, "{}", text(&reply));
    let after = totals(&mut app, later, None);
    assert_ne!(after, before);
    assert_eq!(after, fresh_totals(&workspace, later));
}
