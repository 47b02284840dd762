//! The records of a period as a table: the columns of `/records export`, one row per record, with
//! Japanese headers. `csv.rs` writes the cells as text, `xlsx.rs` as typed cells (dates, numbers);
//! both read this one layout so the two files always have the same columns.

use super::record::indicator_of;
use crate::domain::catalogue::Catalogue;
use crate::domain::record::{Column, Record, Source, SourceKind, Value};
use crate::domain::record_type::FieldSpec;
use crate::domain::{FiscalYear, RecordType};
use chrono::{DateTime, NaiveDate, NaiveDateTime};

/// The column of a record's type.
pub const TYPE_HEADER: &str = "記録の種類";

/// The columns before a record's values: its number, date, fiscal year, indicator and type.
pub const LEADING: [&str; 5] = ["番号", "日付", "年度", "指標", TYPE_HEADER];

/// The columns after them: who reported it, where from (and its id there), when it was stored.
pub const TRAILING: [&str; 4] = ["報告者", "登録元", "登録元ID", "登録日時"];

/// What a value column is called when its name is one of the fixed columns'.
const CLASH_PREFIX: &str = "区分/";

/// What exports before `TYPE_HEADER` called the type's column; their value column of the
/// same name was `区分/種類` (`CLASH_PREFIX`).
const FORMER_TYPE_HEADER: &str = "種類";

/// The value columns: every store column some record type has a field in, in the store's order,
/// named by its fields' Japanese names (`<name>・<name>` where types name it differently).
pub fn value_columns(catalogue: &Catalogue) -> Vec<(Column, String)> {
    value_columns_named(catalogue, |field| &field.name)
}

/// The value columns with each field named by `name`.
fn value_columns_named(catalogue: &Catalogue, name: impl Fn(&FieldSpec) -> &String) -> Vec<(Column, String)> {
    Column::ALL
        .into_iter()
        .filter_map(|column| {
            let mut names: Vec<&str> = Vec::new();
            for field in catalogue.record_types.iter().filter_map(|t| t.field(column)) {
                let field_name = name(field).as_str();
                if !names.contains(&field_name) {
                    names.push(field_name);
                }
            }
            let name = names.join("・");
            let name = if LEADING.contains(&name.as_str()) || TRAILING.contains(&name.as_str()) {
                format!("{CLASH_PREFIX}{name}")
            } else {
                name
            };
            (!names.is_empty()).then_some((column, name))
        })
        .collect()
}

/// A file's headers as this version of the export names them, so that an export written
/// before a rename still imports: the type's column `種類` (when the file has no
/// `TYPE_HEADER`) and its value column `区分/種類`, and each value column under the name its
/// fields had before (their `formerly` in the catalogue: `<name>・<former name>`).
pub fn current_headers(catalogue: &Catalogue, headers: &[String]) -> Vec<String> {
    let older = !headers.iter().any(|h| h == TYPE_HEADER);
    let former: Vec<(String, String)> =
        value_columns_named(catalogue, |field| field.formerly.first().unwrap_or(&field.name))
            .into_iter()
            .zip(value_columns(catalogue))
            .filter(|((_, old), (_, new))| old != new)
            .map(|((_, old), (_, new))| (old, new))
            .collect();
    headers
        .iter()
        .map(|header| {
            if older && header == FORMER_TYPE_HEADER {
                return TYPE_HEADER.to_string();
            }
            let header = match header.strip_prefix(CLASH_PREFIX) {
                Some(value) if older => value,
                _ => header.as_str(),
            };
            former
                .iter()
                .find(|(old, _)| old == header)
                .map_or_else(|| header.to_string(), |(_, new)| new.clone())
        })
        .collect()
}

/// Every column's header, in order.
pub fn headers(catalogue: &Catalogue) -> Vec<String> {
    LEADING
        .iter()
        .map(|h| h.to_string())
        .chain(value_columns(catalogue).into_iter().map(|(_, name)| name))
        .chain(TRAILING.iter().map(|h| h.to_string()))
        .collect()
}

/// One cell, typed so that a spreadsheet can compute with dates and numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Date(NaiveDate),
    /// A moment in the city's time zone.
    DateTime(NaiveDateTime),
    /// A count.
    Integer(u64),
    /// A record's number.
    Id(u64),
    /// An amount in yen.
    Yen(u64),
    Empty,
}

impl Cell {
    /// The cell as text: dates `2026-06-15`, numbers without separators, so that a spreadsheet
    /// reads them as dates and numbers.
    pub fn text(&self) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Date(date) => date.format("%Y-%m-%d").to_string(),
            Cell::DateTime(at) => at.format("%Y-%m-%d %H:%M:%S").to_string(),
            Cell::Integer(n) | Cell::Yen(n) | Cell::Id(n) => n.to_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// The record type as the export names it: its description's label.
pub fn record_type_label(catalogue: &Catalogue, record_type: RecordType) -> String {
    catalogue
        .record_type(record_type)
        .map_or_else(|| record_type.to_string(), |t| t.label.clone())
}

/// Where a record came from, as people call it: 「Discord」「コンソール」, an import with its
/// file and row 「取り込み（jisseki-2026.xlsx 12行目）」 (plain 「取り込み」 for one stored before
/// kyodo kept them).
pub fn source_label(source: &Source) -> String {
    match (source.kind, &source.origin) {
        (SourceKind::Discord, _) => "Discord".to_string(),
        (SourceKind::Console, _) => "コンソール".to_string(),
        (SourceKind::Import, None) => "取り込み".to_string(),
        (SourceKind::Import, Some(origin)) if origin.file.is_empty() => {
            format!("取り込み（{}行目）", origin.row)
        }
        (SourceKind::Import, Some(origin)) => format!("取り込み（{} {}行目）", origin.file, origin.row),
    }
}

/// The value columns of a record: its type's fields' values, empty where its type has no field.
fn value_cells<'a>(catalogue: &'a Catalogue, record: &'a Record) -> impl Iterator<Item = Cell> + 'a {
    let spec = catalogue.record_type(record.facts.record_type());
    value_columns(catalogue).into_iter().map(move |(column, _)| {
        let value = spec
            .and_then(|t| t.field(column))
            .and_then(|_| record.facts.values.get(column));
        match value {
            Some(Value::Text(t)) => Cell::Text(t.clone()),
            Some(Value::Number(n)) if column == Column::Amount => Cell::Yen(*n),
            Some(Value::Number(n)) => Cell::Integer(*n),
            None => Cell::Empty,
        }
    })
}

/// When the record was stored, in the city's time zone (a date and time: `2026-06-15
/// 09:30:00` as text); the stored text as it is if it is not RFC 3339.
fn stored_at(catalogue: &Catalogue, created_at: &str) -> Cell {
    match DateTime::parse_from_rfc3339(created_at) {
        Ok(at) => Cell::DateTime(at.with_timezone(&catalogue.time_zone).naive_local()),
        Err(_) => Cell::Text(created_at.to_string()),
    }
}

/// One record's row, in the order of `headers`.
pub fn row(catalogue: &Catalogue, record: &Record) -> Vec<Cell> {
    let number = u64::try_from(record.id).map_or_else(|_| Cell::Text(record.id.to_string()), Cell::Id);
    let fiscal_year = FiscalYear::containing(record.date, catalogue.fiscal_year_start);
    let indicator = indicator_of(catalogue, &record.facts).map_or(Cell::Empty, |i| Cell::Text(i.title()));
    let mut cells = vec![
        number,
        Cell::Date(record.date),
        Cell::Text(fiscal_year.label()),
        indicator,
        Cell::Text(record_type_label(catalogue, record.facts.record_type())),
    ];
    cells.extend(value_cells(catalogue, record));
    cells.push(Cell::Text(record.reporter.name.clone()));
    cells.push(Cell::Text(source_label(&record.source)));
    cells.push(Cell::Text(record.source.id.clone()));
    cells.push(stored_at(catalogue, &record.created_at));
    cells
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::Origin;
    use crate::render::fixtures::{komoro, sample_records};

    #[test]
    fn every_row_has_every_column() {
        let catalogue = komoro();
        for record in sample_records() {
            assert_eq!(row(&catalogue, &record).len(), headers(&catalogue).len());
        }
    }

    #[test]
    fn a_meeting_fills_its_columns() {
        let catalogue = komoro();
        let records = sample_records();
        let cells: Vec<String> = row(&catalogue, &records[1]).iter().map(Cell::text).collect();
        let headers = headers(&catalogue);
        let by_header = |h: &str| {
            let at = headers.iter().position(|x| *x == h).expect("header");
            cells[at].clone()
        };
        assert_eq!(by_header("番号"), "2");
        assert_eq!(by_header("日付"), "2026-04-01");
        assert_eq!(by_header("年度"), "令和8年度");
        assert_eq!(by_header("指標"), "②区と地区担当職員との連携");
        assert_eq!(by_header("記録の種類"), "地区連携");
        assert_eq!(by_header("地区"), "東部");
        assert_eq!(by_header("区"), "荒町");
        assert_eq!(by_header("内容"), "防災訓練の打合せ, \"夜間\"");
        assert_eq!(by_header("金額"), "");
        assert_eq!(by_header("報告者"), "小諸 花子");
        assert_eq!(by_header("登録元"), "コンソール");
        assert_eq!(by_header("登録元ID"), "src-1");
        // 00:30 UTC is 09:30 in Asia/Tokyo.
        assert_eq!(by_header("登録日時"), "2026-06-15 09:30:00");
    }

    #[test]
    fn the_source_is_named_as_people_call_it_an_import_with_its_file_and_row_its_id_apart() {
        let catalogue = komoro();
        let headers = headers(&catalogue);
        let at = |h: &str| headers.iter().position(|x| *x == h).expect("header");
        let mut record = sample_records()[1].clone();
        let cells = |record: &Record| -> (String, String) {
            let cells = row(&catalogue, record);
            (cells[at("登録元")].text(), cells[at("登録元ID")].text())
        };
        record.source = Source {
            kind: SourceKind::Discord,
            id: "1300000000000000001".into(),
            origin: None,
        };
        assert_eq!(cells(&record), ("Discord".into(), "1300000000000000001".into()));
        let id = "2026-04-01|meeting||||東部|荒町|||||||||防災訓練の打合せ|#1";
        record.source = Source {
            kind: SourceKind::Import,
            id: id.into(),
            origin: Some(Origin {
                file: "jisseki-2026.xlsx".into(),
                row: 12,
            }),
        };
        assert_eq!(
            cells(&record),
            ("取り込み（jisseki-2026.xlsx 12行目）".into(), id.into())
        );
        record.source.origin = Some(Origin {
            file: String::new(),
            row: 3,
        });
        assert_eq!(cells(&record).0, "取り込み（3行目）", "a file without a name");
        record.source.origin = None;
        assert_eq!(cells(&record), ("取り込み".into(), id.into()), "imported before v9");
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
        check(0, "令和7年度", "①区長会活動", "区長会");
        check(4, "令和8年度", "④市民活動促進事業補助金", "補助金");
        check(8, "令和8年度", "⑧条例理念の普及", "広報");
        check(9, "令和8年度", "⑨各主体の実践の見える化", "広報");
    }
}
