//! The annual report of a year kyodo counted, read back in every format — Markdown, text, CSV
//! (the `csv` crate), XLSX (calamine: number cells, date cells, units in the headers) and the
//! Discord embeds of `/summary year`: each ⑧/⑨ kind beside its own count, a kind with no item
//! as 0回, ⑧'s and ⑨'s totals as numbers; and a fiscal year in progress labelled
//! 「年度途中（〜12月2日）」 in every format, a finished one not.

use crate::support::Workspace;
use calamine::{Data, Reader, Xlsx};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use kyodo::app::App;
use kyodo::commands::{self, Invocation, OptionValue, Request, Roles};
use kyodo::domain::record::{Actor, Column, Facts, Source, SourceKind};
use kyodo::domain::RecordType;
use kyodo::domain::{FiscalYear, FiscalYearStart};
use kyodo::render::csv::annual_csv;
use kyodo::render::discord::messages;
use kyodo::render::reply::Outcome;
use kyodo::render::xlsx::annual_xlsx;
use serde_json::Value;
use std::io::Cursor;

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

fn publicity(kind: &str) -> Facts {
    Facts::new(RecordType::of("publicity"))
        .text_of(Column::Kind, kind)
        .text_of(Column::Medium, "広報こもろ")
}

/// 令和6年度 (FY2024, over whatever the clock says): publicity of three kinds, ぼらせんこもろ
/// none — 4コマ 1 (⑧), 市民活動紹介 2 and 区紹介 3 (⑨) — and 1720 consultations; 令和8年度
/// (FY2026) one 区紹介 on 1 December 2026.
fn seed(workspace: &Workspace) {
    let mut facts = vec![(d(2024, 5, 1), publicity("4コマ"))];
    facts.extend((0..2).map(|i| (d(2024, 6, 1 + i), publicity("市民活動紹介"))));
    facts.extend((0..3).map(|i| (d(2025, 1, 10 + i), publicity("区紹介"))));
    facts.push((
        d(2024, 7, 1),
        Facts::new(RecordType::of("consultation")).number_of(Column::Count, 1720),
    ));
    facts.push((
        d(2024, 8, 1),
        Facts::new(RecordType::of("subsidy"))
            .text_of(Column::Course, "チャレンジ")
            .text_of(Column::Group, "A会")
            .number_of(Column::Amount, 180_000)
            .text_of(Column::Status, "交付決定"),
    ));
    facts.push((d(2026, 12, 1), publicity("区紹介")));
    crate::support::seed(&workspace.db(), facts);
}

/// The line of `text` that starts (after its indent) with `start`.
fn line<'a>(text: &'a str, start: &str) -> &'a str {
    text.lines()
        .map(str::trim)
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line starting {start} in:\n{text}"))
}

const DETAIL_8: &str = "計1回（4コマによる普及 1回）";
const DETAIL_9: &str = "計5回（ぼらせんこもろ 0回、市民活動紹介 2回、区紹介 3回）";

#[test]
fn a_counted_years_publicity_reads_kind_by_kind_in_markdown_text_and_csv() {
    let workspace = Workspace::new();
    seed(&workspace);
    let markdown = workspace.kyodo(&["report", "--fiscal-year", "2024"]).ok().stdout();
    // The report's own layout stays: the kinds that had items, then their counts.
    assert_eq!(
        line(&markdown, "| 令和6年度 | ・ "),
        "| 令和6年度 | ・ 4コマによる普及 ・ 市民活動紹介 ・ 区紹介 | 1回 2回 3回 |"
    );
    // Under it, every kind beside its own count, 0 included, and ⑧'s and ⑨'s totals.
    let detail = markdown
        .find("#### ⑧条例理念の普及 ／ ⑨各主体の実践の見える化（種類ごとの回数）")
        .unwrap_or_else(|| panic!("the detail table in:\n{markdown}"));
    let detail = &markdown[detail..];
    assert!(
        detail.contains("| 実施年度 | ⑧条例理念の普及（種類ごと） | ⑨各主体の実践（種類ごと） |"),
        "{detail}"
    );
    assert!(
        detail.contains(&format!("| 令和6年度 | {DETAIL_8} | {DETAIL_9} |")),
        "{detail}"
    );
    // 令和4年度 has neither records nor baseline: unknown, never 0.
    assert!(detail.contains("| 令和4年度 | — | — |"), "{detail}");
    // ①: 令和6年度 has records but no council activity — none (なし), not unknown (—); 令和4年度
    // has no record at all — unknown.
    assert!(markdown.contains("| 令和6年度 | なし | "), "{markdown}");
    assert!(markdown.contains("| 令和4年度 | — | "), "{markdown}");
    // ③ and ④ say their units.
    assert!(markdown.contains("| 令和6年度 | 1720 | 0 |"), "{markdown}");
    assert!(markdown.contains("* 相談数・マッチング数の単位は件"), "{markdown}");
    assert!(
        markdown.contains("* 補助金額の単位は円（( ) 内はチャレンジ・ステップアップの順）"),
        "{markdown}"
    );
    assert!(!markdown.contains("年度途中"), "a finished year is not in progress");

    let text = workspace
        .kyodo(&["report", "--fiscal-year", "2024", "--format", "text"])
        .ok()
        .stdout();
    let at = text.find("    令和6年度\n      ⑧").expect("the ⑧⑨ lines of 令和6年度");
    assert!(
        text[at..].starts_with(&format!(
            "    令和6年度\n      ⑧条例理念の普及（種類ごと）: {DETAIL_8}\n      ⑨各主体の実践（種類ごと）: {DETAIL_9}\n"
        )),
        "{}",
        &text[at..]
    );

    let csv_path = workspace.path("annual.csv");
    let target = csv_path.display().to_string();
    workspace
        .kyodo(&[
            "report",
            "--fiscal-year",
            "2024",
            "--format",
            "csv",
            "--output",
            &target,
        ])
        .ok();
    let bytes = std::fs::read(&csv_path).expect("csv");
    let rows: Vec<Vec<String>> = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes.strip_prefix(b"\xEF\xBB\xBF").expect("BOM"))
        .records()
        .map(|r| r.expect("row").iter().map(str::to_string).collect())
        .collect();
    assert!(
        rows.contains(&vec!["令和6年度".into(), DETAIL_8.into(), DETAIL_9.into()]),
        "{rows:?}"
    );
    assert!(rows.contains(&vec![
        "令和6年度".into(),
        "・ 4コマによる普及 ・ 市民活動紹介 ・ 区紹介".into(),
        "1回 2回 3回".into()
    ]));
    assert!(rows.contains(&vec!["* 相談数・マッチング数の単位は件".to_string()]));
    println!("CSV: {} rows; ⑧ {DETAIL_8}; ⑨ {DETAIL_9}", rows.len());
}

/// A worksheet's cells from A1, empty cells as `Data::Empty`.
fn grid(book: &mut Xlsx<Cursor<Vec<u8>>>, name: &str) -> Vec<Vec<Data>> {
    let range = book.worksheet_range(name).expect("sheet");
    let (height, width) = range.end().map_or((0, 0), |(r, c)| (r + 1, c + 1));
    (0..height)
        .map(|r| {
            (0..width)
                .map(|c| range.get_value((r, c)).cloned().unwrap_or(Data::Empty))
                .collect()
        })
        .collect()
}

/// The figure table of a worksheet (under its caption): headers, and the rows of each year.
fn figure_rows(g: &[Vec<Data>]) -> (Vec<String>, Vec<Vec<Data>>) {
    let at = g
        .iter()
        .position(|r| r[0] == Data::String(kyodo::render::xlsx::FIGURES_CAPTION.into()))
        .expect("the figures under their caption");
    let headers = g[at + 1]
        .iter()
        .map(|c| match c {
            Data::String(s) => s.clone(),
            _ => String::new(),
        })
        .collect();
    (headers, g[at + 2..at + 5].to_vec())
}

#[test]
fn a_counted_years_xlsx_holds_numbers_with_units_and_dates() {
    let workspace = Workspace::new();
    seed(&workspace);
    let path = workspace.path("annual.xlsx");
    let target = path.display().to_string();
    workspace
        .kyodo(&[
            "report",
            "--fiscal-year",
            "2024",
            "--format",
            "xlsx",
            "--output",
            &target,
        ])
        .ok();
    let mut book = Xlsx::new(Cursor::new(std::fs::read(&path).expect("xlsx"))).expect("an XLSX");

    // ③ in the report's layout: 1720 is a number now, not the text '1720'.
    let g = grid(&mut book, "③ぼらせん相談・マッチング");
    let row = g
        .iter()
        .find(|r| r[0] == Data::String("令和6年度".into()))
        .expect("令和6年度");
    assert_eq!(row[1..3], [Data::Float(1720.0), Data::Float(0.0)]);
    let (headers, rows) = figure_rows(&g);
    assert_eq!(
        headers[..5],
        [
            "実施年度",
            "集計の初日",
            "集計の最終日",
            "相談数（件）",
            "マッチング数（件）"
        ]
    );
    assert_eq!(rows[2][3], Data::Float(1720.0));
    // Days are dates: 令和6年度 is 1 April 2024 (serial 45383) to 31 March 2025 (45747).
    assert!(matches!(&rows[2][1], Data::DateTime(x) if x.is_datetime() && x.as_f64() == 45383.0));
    assert!(matches!(&rows[2][2], Data::DateTime(x) if x.is_datetime() && x.as_f64() == 45747.0));
    // The unknown year before is —, not 0.
    assert_eq!(rows[0][3], Data::String("—".into()));

    let g = grid(&mut book, "④市民活動促進事業補助金");
    let (headers, rows) = figure_rows(&g);
    let col = |h: &str| {
        headers
            .iter()
            .position(|x| x == h)
            .unwrap_or_else(|| panic!("{h} in {headers:?}"))
    };
    assert_eq!(rows[2][col("補助金額 計（円）")], Data::Float(180_000.0));
    assert_eq!(rows[2][col("補助金額 チャレンジ（円）")], Data::Float(180_000.0));
    assert_eq!(rows[2][col("チャレンジ 交付決定（件）")], Data::Float(1.0));

    let g = grid(&mut book, "⑧条例理念の普及・⑨各主体の実践の見える化");
    let (headers, rows) = figure_rows(&g);
    let col = |h: &str| {
        headers
            .iter()
            .position(|x| x == h)
            .unwrap_or_else(|| panic!("{h} in {headers:?}"))
    };
    let fy2024 = &rows[2];
    assert_eq!(fy2024[0], Data::String("令和6年度".into()));
    let counts: Vec<(&str, Data)> = [
        "⑧条例理念の普及 計（回）",
        "4コマによる普及（回）",
        "⑨各主体の実践の見える化 計（回）",
        "ぼらせんこもろ（回）",
        "市民活動紹介（回）",
        "区紹介（回）",
    ]
    .into_iter()
    .map(|h| (h, fy2024[col(h)].clone()))
    .collect();
    assert_eq!(
        counts,
        [
            ("⑧条例理念の普及 計（回）", Data::Float(1.0)),
            ("4コマによる普及（回）", Data::Float(1.0)),
            ("⑨各主体の実践の見える化 計（回）", Data::Float(5.0)),
            ("ぼらせんこもろ（回）", Data::Float(0.0)),
            ("市民活動紹介（回）", Data::Float(2.0)),
            ("区紹介（回）", Data::Float(3.0)),
        ]
    );
    // 令和5年度: no record and no baseline, every kind unknown.
    assert_eq!(rows[1][col("区紹介（回）")], Data::String("—".into()));
    println!("XLSX ⑧⑨ 令和6年度: {counts:?}");
}

fn request(now: DateTime<Utc>, invocation: Invocation) -> Request {
    Request {
        user: Actor {
            id: "2".into(),
            name: "田中".into(),
        },
        roles: Roles::default(),
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

/// Every text of a Discord body: the embeds' titles, descriptions and field names and values.
fn embed_texts(bodies: &[Value]) -> String {
    let mut out = String::new();
    for body in bodies {
        for embed in body["embeds"].as_array().into_iter().flatten() {
            for key in ["title", "description"] {
                if let Some(t) = embed[key].as_str() {
                    out.push_str(t);
                    out.push('\n');
                }
            }
            for field in embed["fields"].as_array().into_iter().flatten() {
                out.push_str(field["name"].as_str().unwrap_or_default());
                out.push('\n');
                out.push_str(field["value"].as_str().unwrap_or_default());
                out.push('\n');
            }
        }
    }
    out
}

fn summary_year(app: &mut App, now: DateTime<Utc>, year: &str) -> String {
    let invocation = Invocation::new("summary", Some("year")).with("fiscal_year", OptionValue::String(year.into()));
    let reply = commands::handle(app, &request(now, invocation));
    assert_eq!(reply.outcome, Outcome::Done, "{}", reply.title);
    embed_texts(&messages(&reply))
}

#[test]
fn summary_years_embeds_pair_each_kind_with_its_count() {
    let workspace = Workspace::new();
    seed(&workspace);
    let mut app = App::start(
        &crate::support::repo().join("config/kyodo.toml"),
        &workspace.db(),
        Utc::now(),
    )
    .expect("start");
    let embeds = summary_year(&mut app, jst(2026, 12, 2), "2024");
    assert!(
        embeds.contains(&format!(
            "令和6年度　⑧条例理念の普及（種類ごと）: {DETAIL_8}　⑨各主体の実践（種類ごと）: {DETAIL_9}"
        )),
        "{embeds}"
    );
    assert!(embeds.contains("4コマによる普及 1回") && embeds.contains("区紹介 3回"));
    assert!(!embeds.contains("年度途中"), "{embeds}");
}

#[test]
fn a_fiscal_year_in_progress_is_labelled_in_every_format() {
    let workspace = Workspace::new();
    seed(&workspace);
    let mut app = App::start(
        &crate::support::repo().join("config/kyodo.toml"),
        &workspace.db(),
        Utc::now(),
    )
    .expect("start");
    let label = "年度途中（〜12月2日）";
    let today = d(2026, 12, 2);
    let report = app.annual_report(FiscalYear::new(2026), today).expect("report");
    assert_eq!(
        report.title,
        "小諸市自治基本条例 実績（令和6年度から令和8年度） 令和8年度は年度途中（〜12月2日）"
    );
    let markdown = report.markdown();
    assert!(
        markdown.contains("- 令和8年度 年度途中（〜12月2日）: kyodo の記録から集計"),
        "{markdown}"
    );
    assert!(report.text().contains(label));
    assert!(String::from_utf8_lossy(&annual_csv(&report)).contains(label));
    let mut book = Xlsx::new(Cursor::new(annual_xlsx(&report).expect("xlsx"))).expect("an XLSX");
    for name in book.sheet_names() {
        let g = grid(&mut book, &name);
        assert_eq!(g[0][0], Data::String(report.title.clone()), "{name}");
        if name == "区×月" {
            // The contact matrix has no figure table: its title says it all.
            continue;
        }
        // The year in progress counts up to today: its last day counted is 2 December 2026.
        let (_, rows) = figure_rows(&g);
        assert!(
            matches!(&rows[2][2], Data::DateTime(x) if x.as_f64() == 46358.0),
            "{name}: {:?}",
            rows[2][2]
        );
    }
    let embeds = summary_year(&mut app, jst(2026, 12, 2), "2026");
    // In the embed's title and in the year's source line.
    assert!(embeds.starts_with(&format!("{}\n", report.title)), "{embeds}");
    assert!(
        embeds.contains("令和8年度 年度途中（〜12月2日）: kyodo の記録から集計"),
        "{embeds}"
    );
    assert!(
        embeds.contains("⑨各主体の実践（種類ごと）: 計1回（ぼらせんこもろ 0回、市民活動紹介 0回、区紹介 1回）"),
        "{embeds}"
    );

    // A finished year has no such label, in any format.
    let finished = app.annual_report(FiscalYear::new(2025), today).expect("report");
    assert_eq!(finished.title, "小諸市自治基本条例 実績（令和5年度から令和7年度）");
    assert!(!finished.markdown().contains("年度途中") && !finished.text().contains("年度途中"));
    assert!(!String::from_utf8_lossy(&annual_csv(&finished)).contains("年度途中"));
    assert!(!summary_year(&mut app, jst(2026, 12, 2), "2025").contains("年度途中"));
    // Nor the year on its last day, 31 March: that day's records are in.
    let last_day = app
        .annual_report(FiscalYear::new(2026), d(2027, 3, 31))
        .expect("report");
    assert!(!last_day.title.contains("年度途中"), "{}", last_day.title);
}

#[test]
fn kyodo_report_labels_the_current_fiscal_year_by_todays_date() {
    let workspace = Workspace::new();
    let today = || Utc::now().with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    let before = today();
    let current = FiscalYear::containing(before, FiscalYearStart::APRIL_FIRST);
    let fy = current.start_year().to_string();
    let markdown = workspace.kyodo(&["report", "--fiscal-year", &fy]).ok().stdout();
    let after = today();
    let title = markdown.lines().next().expect("a title");
    // Today in Komoro, read before and after the run (the run may cross midnight).
    let labels: Vec<String> = [before, after]
        .iter()
        .filter(|day| **day < current.last_day(FiscalYearStart::APRIL_FIRST))
        .map(|day| kyodo::render::report::in_progress_label(*day))
        .collect();
    if labels.is_empty() {
        assert!(!title.contains("年度途中"), "{title}");
    } else {
        assert!(labels.iter().any(|l| title.ends_with(&format!("は{l}"))), "{title}");
    }
    let finished = workspace.kyodo(&["report", "--fiscal-year", "2020"]).ok().stdout();
    assert!(!finished.contains("年度途中"));
}
