//! The records of a period as a table: the columns of `/records export`, one row per record, with
//! Japanese headers. `csv.rs` writes the cells as text, `xlsx.rs` as typed cells (dates, numbers);
//! both read this one layout so the two files always have the same columns.

use super::record::indicator_of;
use crate::domain::catalogue::Catalogue;
use crate::domain::record::{Dimensions, Field, Record, SourceKind};
use crate::domain::{FiscalYear, RecordType};
use chrono::{DateTime, NaiveDate};

/// The columns: the record, one column per dimension a record type may have, who and where from.
pub const HEADERS: [&str; 24] = [
    "番号",
    "日付",
    "年度",
    "指標",
    "種類",
    "区分/種類",
    "状態",
    "地区",
    "区",
    "相談者",
    "コース",
    "団体",
    "金額",
    "件数",
    "方法",
    "事業",
    "担当課",
    "媒体",
    "名称・題名",
    "内容",
    "メモ",
    "報告者",
    "登録元",
    "登録日時",
];

/// One cell, typed so that a spreadsheet can compute with dates and numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Date(NaiveDate),
    /// A count, an amount in yen or a record's number.
    Integer(u64),
    Empty,
}

impl Cell {
    /// The cell as text: dates `2026-06-15`, numbers without separators, so that a spreadsheet
    /// reads them as dates and numbers.
    pub fn text(&self) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Date(date) => date.format("%Y-%m-%d").to_string(),
            Cell::Integer(n) => n.to_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// The record type as the export names it.
pub fn record_type_label(record_type: RecordType) -> &'static str {
    match record_type {
        RecordType::Council => "区長会活動",
        RecordType::Meeting => "地区連携",
        RecordType::Consultation => "相談",
        RecordType::Match => "マッチング",
        RecordType::Subsidy => "補助金",
        RecordType::Participation => "市民参加",
        RecordType::Collab => "連携機会",
        RecordType::Info => "情報共有",
        RecordType::Publicity => "広報",
    }
}

fn source_label(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Discord => "Discord",
        SourceKind::Console => "コンソール",
        SourceKind::Import => "取り込み",
    }
}

/// The dimension columns (`区分/種類` … `メモ`), in the order of `HEADERS`.
fn dimension_cells(d: Dimensions) -> impl Iterator<Item = Cell> {
    d.into_fields().into_iter().map(|field| match field {
        Field::Text(t) => t.map_or(Cell::Empty, Cell::Text),
        Field::Number(n) => n.map_or(Cell::Empty, Cell::Integer),
    })
}
/// When the record was stored, in the city's time zone: `2026-06-15 09:30:00`; the stored text
/// as it is if it is not RFC 3339.
fn stored_at(catalogue: &Catalogue, created_at: &str) -> String {
    match DateTime::parse_from_rfc3339(created_at) {
        Ok(at) => at
            .with_timezone(&catalogue.time_zone)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string(),
        Err(_) => created_at.to_string(),
    }
}

/// One record's row, in the order of `HEADERS`.
pub fn row(catalogue: &Catalogue, record: &Record) -> Vec<Cell> {
    let number = u64::try_from(record.id).map_or_else(|_| Cell::Text(record.id.to_string()), Cell::Integer);
    let fiscal_year = FiscalYear::containing(record.date, catalogue.fiscal_year_start);
    let indicator = indicator_of(catalogue, &record.facts).map_or(Cell::Empty, |i| Cell::Text(i.title()));
    let mut cells = vec![
        number,
        Cell::Date(record.date),
        Cell::Text(fiscal_year.label()),
        indicator,
        Cell::Text(record_type_label(record.facts.record_type()).to_string()),
    ];
    cells.extend(dimension_cells(record.facts.dimensions()));
    cells.push(Cell::Text(record.reporter.name.clone()));
    cells.push(Cell::Text(format!(
        "{}（{}）",
        source_label(record.source.kind),
        record.source.id
    )));
    cells.push(Cell::Text(stored_at(catalogue, &record.created_at)));
    cells
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures::{komoro, sample_records};

    #[test]
    fn every_row_has_every_column() {
        let catalogue = komoro();
        for record in sample_records() {
            assert_eq!(row(&catalogue, &record).len(), HEADERS.len());
        }
    }

    #[test]
    fn a_meeting_fills_its_columns() {
        let catalogue = komoro();
        let records = sample_records();
        let cells: Vec<String> = row(&catalogue, &records[1]).iter().map(Cell::text).collect();
        let by_header = |h: &str| {
            let at = HEADERS.iter().position(|x| *x == h).expect("header");
            cells[at].clone()
        };
        assert_eq!(by_header("番号"), "2");
        assert_eq!(by_header("日付"), "2026-04-01");
        assert_eq!(by_header("年度"), "令和8年度");
        assert_eq!(by_header("指標"), "②区と地区担当職員との連携");
        assert_eq!(by_header("種類"), "地区連携");
        assert_eq!(by_header("地区"), "東部");
        assert_eq!(by_header("区"), "荒町");
        assert_eq!(by_header("内容"), "防災訓練の打合せ, \"夜間\"");
        assert_eq!(by_header("金額"), "");
        assert_eq!(by_header("報告者"), "小諸 花子");
        assert_eq!(by_header("登録元"), "コンソール（src-1）");
        // 00:30 UTC is 09:30 in Asia/Tokyo.
        assert_eq!(by_header("登録日時"), "2026-06-15 09:30:00");
    }

    #[test]
    fn fiscal_year_and_indicator_follow_the_record() {
        let catalogue = komoro();
        let records = sample_records();
        let check = |i: usize, year: &str, indicator: &str, kind: &str| {
            let cells = row(&catalogue, &records[i]);
            assert_eq!(cells[2], Cell::Text(year.into()), "record {i}");
            assert_eq!(cells[3], Cell::Text(indicator.into()), "record {i}");
            assert_eq!(cells[4], Cell::Text(kind.into()), "record {i}");
        };
        check(0, "令和7年度", "①区長会活動", "区長会活動");
        check(4, "令和8年度", "④市民活動促進事業補助金", "補助金");
        check(8, "令和8年度", "⑧条例理念の普及", "広報");
        check(9, "令和8年度", "⑨各主体の実践の見える化", "広報");
    }
}
