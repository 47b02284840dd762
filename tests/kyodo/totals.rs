//! `/totals` on a database seeded across four fiscal years, checked against figures computed by
//! hand: fiscal-year boundaries (31 March / 1 April), leap days, the time zone, targets, and
//! the areas without a meeting. Requests go through the real command core and SQLite file.

use crate::support::{repo, Workspace};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use kyodo::app::App;
use kyodo::commands::{self, Invocation, OptionValue, Outcome, Request, Roles};
use kyodo::domain::record::{Actor, Facts, Source, SourceKind};
use kyodo::render::reply::text;
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
                Facts::Consultation {
                    count: *count,
                    side: None,
                    note: None,
                },
            )
        })
        .chain(meetings.iter().map(|(date, area, district)| {
            (
                *date,
                Facts::Meeting {
                    area: area.to_string(),
                    district: district.to_string(),
                    topic: None,
                },
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
    assert_eq!(line(&reply, "③相談数"), "③相談数: 30件（前年同期 25件、+5件）");
    assert_eq!(
        line(&reply, "②区と地区担当職員との連携:"),
        "②区と地区担当職員との連携: 2回（前年同期 0回、+2回）"
    );
    // First day of the next: one day each.
    let reply = totals(&mut app, jst(2025, 4, 1), None);
    assert!(
        reply.starts_with("令和7年度の累計（2025年4月1日〜2025年4月1日）"),
        "{reply}"
    );
    assert_eq!(line(&reply, "③相談数"), "③相談数: 8件（前年同期 20件、−12件）");
    assert_eq!(
        line(&reply, "東南部"),
        "東南部、中部、西部、北大井、大里、三岡、西小諸、南大井、川辺（9地区）"
    );
    // A whole past year, against a year with no record at all: unknown, not 0.
    let reply = totals(&mut app, jst(2025, 4, 1), Some("令和4年度"));
    assert!(
        reply.starts_with("令和4年度の累計（2022年4月1日〜2023年3月31日）"),
        "{reply}"
    );
    assert_eq!(line(&reply, "③相談数"), "③相談数: 3件（前年同期 —）");
    assert!(reply.contains("前年同期 令和3年度（記録なし）"), "{reply}");
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
        "③相談数: 30件（前年同期 25件、+5件） 目標 40件の75%"
    );
    let reply = totals(&mut app, jst(2025, 3, 31), Some("2021"));
    assert!(reply.contains("③相談数: —"), "FY2021 has no records: {reply}");
    assert!(reply.contains("前年同期 令和2年度（基準データ）"), "{reply}");
    assert_eq!(
        line(&reply, "③相談数"),
        "③相談数: —（前年同期 1097件）",
        "no progress on an unknown figure"
    );
    assert_eq!(
        line(&reply, "記録がない"),
        "記録がないため分かりません",
        "areas without meetings are unknown too"
    );
    let reply = totals(&mut app, jst(2025, 3, 31), Some("2020"));
    assert!(
        reply.contains("③相談数: 1097件（前年同期 1853件、−756件） 目標 40件の2742%"),
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
        "このコマンドは職員（スタッフのロール）だけが使えます。ロールが必要なときは管理者に連絡してください"
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
