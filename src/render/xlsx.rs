//! XLSX files for Excel: the annual report, one worksheet per table (`annual_xlsx`), and a
//! period's records on one worksheet (`records_xlsx`, the columns of `record_table.rs`).
//!
//! The report's cells stay the report's strings (`1720`, `368,000 (266,000・102,000)`), so the
//! figures read back exactly as the official report prints them. The records' dates are Excel
//! dates and their amounts and counts numbers, so staff can sort, filter and add them up.
//! The file's creation date is fixed, not read from a clock: the same input gives the same bytes.
//! Text is always written with `write_string`: a text that starts with `=` stays a string cell,
//! never a formula. A text longer than Excel allows in a cell is cut (`cell_text`) rather than
//! failing the whole file. The CSV counterpart is `csv.rs`.

use super::record_table::{self, Cell, HEADERS};
use super::report::{AnnualReport, Section, Table};
use crate::domain::catalogue::Catalogue;
use crate::domain::record::Record;
use chrono::Datelike;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet};
use std::borrow::Cow;
use std::collections::HashSet;

/// Why an XLSX file could not be made.
#[derive(Debug, thiserror::Error)]
pub enum XlsxError {
    /// `rust_xlsxwriter` refused a sheet name, a cell or the file.
    #[error("Excelファイル（XLSX）を作成できませんでした（{0}）")]
    Write(#[from] rust_xlsxwriter::XlsxError),
}

/// Excel's limit on the characters of one cell.
const CELL_MAX: usize = 32_767;

/// What a cell cut at `CELL_MAX` ends with.
const CUT_NOTE: &str = "…（Excel の1セルの上限 32,767 文字で切りました）";

/// `text` as a cell can hold it: cut at Excel's limit with a note. The command spec's limits keep
/// new text far shorter; this is for text stored before them, so that no stored text can make a
/// file fail.
fn cell_text(text: &str) -> Cow<'_, str> {
    if text.chars().count() <= CELL_MAX {
        return Cow::Borrowed(text);
    }
    let kept: String = text.chars().take(CELL_MAX - CUT_NOTE.chars().count()).collect();
    Cow::Owned(kept + CUT_NOTE)
}

/// Excel's limit on the length of a worksheet's name.
const SHEET_NAME_MAX: usize = 31;

/// Columns never get narrower or wider than this (in widths of the digit `0`); longer cells wrap.
const MIN_WIDTH: f64 = 8.0;
const MAX_WIDTH: f64 = 60.0;

/// The name of the worksheet with the records.
const RECORDS_SHEET: &str = "記録";

/// The report's tables, one worksheet each: the report's title, the section heading, the table's
/// caption, the header row (bold; a header continued by an empty one is merged across), one row
/// per fiscal year, the notes, then the sources of the figures.
pub fn annual_xlsx(report: &AnnualReport) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let mut workbook = new_workbook(&report.title)?;
    let tables = report
        .sections
        .iter()
        .flat_map(|s| s.tables.iter().map(move |t| (s, t)));
    let names = sheet_names(tables.clone().map(|(_, t)| t.caption.as_str()));
    for ((section, table), name) in tables.zip(names) {
        let sheet = workbook.add_worksheet();
        sheet.set_name(name)?;
        write_table(sheet, &formats, report, section, table)?;
    }
    Ok(workbook.save_to_buffer()?)
}

/// The records on one worksheet, one row each in the order given, under the headers of
/// `record_table::HEADERS`; a filter on the header row, which stays in view when scrolling.
pub fn records_xlsx(catalogue: &Catalogue, records: &[Record]) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let mut workbook = new_workbook(RECORDS_SHEET)?;
    let sheet = workbook.add_worksheet();
    sheet.set_name(RECORDS_SHEET)?;
    let mut widths = Widths::default();
    for (col, header) in (0u16..).zip(HEADERS) {
        sheet.write_string_with_format(0, col, header, &formats.header)?;
        widths.fit(col, header);
    }
    for (row, record) in (1u32..).zip(records) {
        for (col, cell) in (0u16..).zip(record_table::row(catalogue, record)) {
            write_record_cell(sheet, &formats, row, col, &cell)?;
            widths.fit(col, &cell.text());
        }
    }
    widths.apply(sheet)?;
    let last_row = u32::try_from(records.len()).unwrap_or(u32::MAX);
    let last_col = u16::try_from(HEADERS.len().saturating_sub(1)).unwrap_or(u16::MAX);
    sheet.autofilter(0, 0, last_row, last_col)?;
    sheet.set_freeze_panes(1, 0)?;
    Ok(workbook.save_to_buffer()?)
}

/// A workbook whose creation date is 1980-01-01 (the earliest date a zip file holds) rather than
/// now: rust_xlsxwriter fixes the zip's own timestamps, this fixes the last one.
fn new_workbook(title: &str) -> Result<Workbook, XlsxError> {
    let mut workbook = Workbook::new();
    let properties = DocProperties::new()
        .set_title(title)
        .set_author("kyodo")
        .set_creation_datetime(&ExcelDateTime::from_ymd(1980, 1, 1)?);
    workbook.set_properties(&properties);
    Ok(workbook)
}

/// The cell formats, made once per file.
struct Formats {
    title: Format,
    caption: Format,
    header: Format,
    cell: Format,
    date: Format,
    count: Format,
    amount: Format,
}

impl Formats {
    fn new() -> Formats {
        let boxed = Format::new().set_border(FormatBorder::Thin).set_align(FormatAlign::Top);
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            caption: Format::new().set_bold().set_font_size(12),
            header: boxed.clone().set_bold().set_text_wrap().set_background_color(0xDDEBF7),
            cell: boxed.clone().set_text_wrap(),
            date: boxed.clone().set_num_format("yyyy-mm-dd"),
            count: boxed.clone().set_num_format("0"),
            amount: boxed.set_num_format("#,##0"),
        }
    }
}

/// Row numbers of a table's worksheet.
const TITLE_ROW: u32 = 0;
const HEADING_ROW: u32 = 1;
const CAPTION_ROW: u32 = 2;
const HEADER_ROW: u32 = 3;

fn write_table(
    sheet: &mut Worksheet,
    formats: &Formats,
    report: &AnnualReport,
    section: &Section,
    table: &Table,
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(TITLE_ROW, 0, cell_text(&report.title), &formats.title)?;
    sheet.write_string(HEADING_ROW, 0, cell_text(&section.heading))?;
    sheet.write_string_with_format(CAPTION_ROW, 0, cell_text(&table.caption), &formats.caption)?;
    let mut widths = Widths::default();
    write_headers(sheet, formats, &table.headers, &mut widths)?;
    let mut row = HEADER_ROW + 1;
    for cells in &table.rows {
        for (col, cell) in (0u16..).zip(cells) {
            sheet.write_string_with_format(row, col, cell_text(cell), &formats.cell)?;
            widths.fit(col, cell);
        }
        row += 1;
    }
    for note in &table.notes {
        sheet.write_string(row, 0, cell_text(note))?;
        row += 1;
    }
    // One empty row, then where the figures came from.
    row += 1;
    for source in &report.sources {
        sheet.write_string(row, 0, cell_text(source))?;
        row += 1;
    }
    widths.apply(sheet)?;
    sheet.set_freeze_panes(HEADER_ROW + 1, 1)?;
    Ok(())
}

/// The header row; a header followed by empty ones is merged across their columns, as in the
/// report (`②区と地区担当職員との連携（年間）` over two columns).
fn write_headers(
    sheet: &mut Worksheet,
    formats: &Formats,
    headers: &[String],
    widths: &mut Widths,
) -> Result<(), XlsxError> {
    let mut col = 0usize;
    while col < headers.len() {
        let span = 1 + headers[col + 1..].iter().take_while(|h| h.is_empty()).count();
        let first = column(col);
        let last = column(col + span - 1);
        if span > 1 {
            sheet.merge_range(
                HEADER_ROW,
                first,
                HEADER_ROW,
                last,
                &cell_text(&headers[col]),
                &formats.header,
            )?;
        } else {
            sheet.write_string_with_format(HEADER_ROW, first, cell_text(&headers[col]), &formats.header)?;
            widths.fit(first, &headers[col]);
        }
        col += span;
    }
    Ok(())
}

fn column(index: usize) -> u16 {
    u16::try_from(index).unwrap_or(u16::MAX)
}

fn write_record_cell(
    sheet: &mut Worksheet,
    formats: &Formats,
    row: u32,
    col: u16,
    cell: &Cell,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Text(text) => {
            sheet.write_string_with_format(row, col, cell_text(text), &formats.cell)?;
        }
        Cell::Date(date) => match excel_date(*date) {
            Some(excel) => {
                sheet.write_datetime_with_format(row, col, &excel, &formats.date)?;
            }
            // Excel has no dates before 1900: the date as text.
            None => {
                sheet.write_string_with_format(row, col, cell.text(), &formats.cell)?;
            }
        },
        Cell::Integer(n) => {
            let format = if HEADERS.get(usize::from(col)) == Some(&"金額") {
                &formats.amount
            } else {
                &formats.count
            };
            // Counts and yen amounts are far below 2^53, where f64 stops being exact.
            sheet.write_number_with_format(row, col, *n as f64, format)?;
        }
        Cell::Empty => {
            sheet.write_blank(row, col, &formats.cell)?;
        }
    }
    Ok(())
}

fn excel_date(date: chrono::NaiveDate) -> Option<ExcelDateTime> {
    let year = u16::try_from(date.year()).ok()?;
    let month = u8::try_from(date.month()).ok()?;
    let day = u8::try_from(date.day()).ok()?;
    ExcelDateTime::from_ymd(year, month, day).ok()
}

/// Column widths that fit the widest cell, in Excel's unit (the width of `0`): a Japanese
/// character takes two.
#[derive(Default)]
struct Widths(Vec<f64>);

impl Widths {
    fn fit(&mut self, col: u16, text: &str) {
        let col = usize::from(col);
        if self.0.len() <= col {
            self.0.resize(col + 1, MIN_WIDTH);
        }
        let widest_line = text.lines().map(display_width).max().unwrap_or(0);
        // Two more for the cell's padding.
        let width = (widest_line as f64 + 2.0).clamp(MIN_WIDTH, MAX_WIDTH);
        self.0[col] = self.0[col].max(width);
    }

    fn apply(&self, sheet: &mut Worksheet) -> Result<(), XlsxError> {
        for (col, width) in (0u16..).zip(&self.0) {
            sheet.set_column_width(col, *width)?;
        }
        Ok(())
    }
}

/// Width of a text in half-width characters: ASCII is one, everything else (kana, kanji, full-width
/// signs, ①) two.
fn display_width(text: &str) -> usize {
    text.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// A worksheet name for each caption: Excel allows at most 31 characters, none of `[]:*?/\`, no
/// apostrophe at either end, and no two names alike (ignoring case). `①区長会活動 ／ ②区と…`
/// becomes `①区長会活動・②区と…`; a caption with nothing usable left becomes `表1`, `表2` ….
fn sheet_names<'a>(captions: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut taken: HashSet<String> = HashSet::new();
    let mut names = Vec::new();
    for (number, caption) in (1..).zip(captions) {
        let cleaned: String = caption
            .replace(" ／ ", "・")
            .chars()
            .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
            .collect();
        let cleaned = cleaned.trim().trim_matches('\'').trim().to_string();
        let base = if cleaned.is_empty() {
            format!("表{number}")
        } else {
            cleaned
        };
        let mut name = shortened(&base, "");
        let mut copy = 1;
        while taken.contains(&name.to_lowercase()) {
            copy += 1;
            name = shortened(&base, &format!("({copy})"));
        }
        taken.insert(name.to_lowercase());
        names.push(name);
    }
    names
}

/// `base` with `suffix`, cut to Excel's limit, ending in `…` where cut.
fn shortened(base: &str, suffix: &str) -> String {
    let room = SHEET_NAME_MAX - suffix.chars().count();
    if base.chars().count() <= room {
        format!("{base}{suffix}")
    } else {
        let kept: String = base.chars().take(room - 1).collect();
        format!("{}…{suffix}", kept.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::Facts;
    use crate::render::fixtures::{formula_records, fy2020_report, komoro, sample_records, FORMULAS};
    use calamine::{Data, Reader, Xlsx};
    use std::io::Cursor;

    fn open(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
        Xlsx::new(Cursor::new(bytes)).expect("a valid XLSX file")
    }

    /// A worksheet's cells as a grid from A1, strings and numbers as text, empty cells "".
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

    fn text(data: &Data) -> String {
        match data {
            Data::Empty => String::new(),
            Data::String(s) => s.clone(),
            other => panic!("expected text, found {other:?}"),
        }
    }

    fn row_text(cells: &[Data]) -> Vec<String> {
        let mut texts: Vec<String> = cells.iter().map(text).collect();
        while texts.last().is_some_and(String::is_empty) {
            texts.pop();
        }
        texts
    }

    /// The strings of a report row, without trailing empty cells (Excel keeps none).
    fn trimmed(cells: &[String]) -> Vec<String> {
        let mut cells = cells.to_vec();
        while cells.last().is_some_and(String::is_empty) {
            cells.pop();
        }
        cells
    }

    #[test]
    fn annual_xlsx_reads_back_every_cell_of_the_fy2020_report() {
        let report = fy2020_report();
        let mut book = open(annual_xlsx(&report).expect("xlsx"));
        let names = book.sheet_names();
        let tables: Vec<(&Section, &Table)> = report
            .sections
            .iter()
            .flat_map(|s| s.tables.iter().map(move |t| (s, t)))
            .collect();
        assert_eq!(names.len(), tables.len(), "one worksheet per table: {names:?}");
        for (name, (section, table)) in names.iter().zip(tables) {
            let g = grid(&mut book, name);
            let rows: Vec<Vec<String>> = g.iter().map(|r| row_text(r)).collect();
            let mut expected = vec![
                vec![report.title.clone()],
                vec![section.heading.clone()],
                vec![table.caption.clone()],
                trimmed(&table.headers),
            ];
            expected.extend(table.rows.iter().map(|r| trimmed(r)));
            expected.extend(table.notes.iter().map(|n| vec![n.clone()]));
            expected.push(vec![]);
            expected.extend(report.sources.iter().map(|s| vec![s.clone()]));
            assert_eq!(rows, expected, "worksheet {name}");
        }
    }

    #[test]
    fn annual_xlsx_sheet_names_come_from_the_captions() {
        let mut book = open(annual_xlsx(&fy2020_report()).expect("xlsx"));
        assert_eq!(
            book.sheet_names(),
            [
                "①区長会活動・②区と地区担当職員との連携",
                "③ぼらせん相談・マッチング",
                "④市民活動促進事業補助金",
                "⑤市民参加手続き",
                "⑥区長会・市民活動連携・⑦情報共有機会",
                "⑧条例理念の普及・⑨各主体の実践の見える化",
            ]
        );
        // Figures stay the report's strings, e.g. 1720 consultations in 平成30年度.
        let g = grid(&mut book, "③ぼらせん相談・マッチング");
        assert_eq!(row_text(&g[4]), ["平成30年度", "1720", "448"]);
    }

    #[test]
    fn annual_xlsx_is_the_same_bytes_every_time() {
        let report = fy2020_report();
        assert_eq!(annual_xlsx(&report).expect("xlsx"), annual_xlsx(&report).expect("xlsx"));
    }

    #[test]
    fn records_xlsx_reads_back_every_cell() {
        let catalogue = komoro();
        let records = sample_records();
        let mut book = open(records_xlsx(&catalogue, &records).expect("xlsx"));
        assert_eq!(book.sheet_names(), [RECORDS_SHEET]);
        let g = grid(&mut book, RECORDS_SHEET);
        assert_eq!(row_text(&g[0]), HEADERS);
        assert_eq!(g.len(), 1 + records.len());
        for (cells, record) in g[1..].iter().zip(&records) {
            let expected = record_table::row(&catalogue, record);
            assert_eq!(cells.len(), expected.len());
            for ((got, want), header) in cells.iter().zip(&expected).zip(HEADERS) {
                match (got, want) {
                    (Data::String(s), Cell::Text(t)) => assert_eq!(s, t, "{header}"),
                    (Data::Empty, Cell::Empty) => {}
                    (Data::Float(f), Cell::Integer(n)) => assert_eq!(*f, *n as f64, "{header}"),
                    (Data::DateTime(d), Cell::Date(date)) => {
                        let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).expect("date");
                        let serial = (*date - epoch).num_days() as f64;
                        assert!(d.is_datetime(), "{header}");
                        assert_eq!(d.as_f64(), serial, "{header}");
                    }
                    _ => panic!("{header}: {got:?} for {want:?}"),
                }
            }
        }
        // 2026-04-01 is serial 46113, 200,000 yen a number.
        assert!(matches!(&g[2][1], Data::DateTime(d) if d.as_f64() == 46113.0));
        assert_eq!(g[5][12], Data::Float(200_000.0));
    }

    #[test]
    fn records_xlsx_of_no_records_has_the_headers() {
        let mut book = open(records_xlsx(&komoro(), &[]).expect("xlsx"));
        let g = grid(&mut book, RECORDS_SHEET);
        assert_eq!(g.len(), 1);
        assert_eq!(row_text(&g[0]), HEADERS);
    }

    #[test]
    fn sheet_names_follow_excels_rules() {
        let check = |captions: &[&str], expected: &[&str]| {
            assert_eq!(sheet_names(captions.iter().copied()), expected);
        };
        check(&["①区長会活動 ／ ②区と地区"], &["①区長会活動・②区と地区"]);
        check(&["a/b:c*d?e[f]g\\h"], &["abcdefgh"]);
        check(&["", "''", "[]"], &["表1", "表2", "表3"]);
        check(&["表", "表", "A", "a"], &["表", "表(2)", "A", "a(2)"]);
        check(
            &["①あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめも"],
            &["①あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへ…"],
        );
        let long = "あ".repeat(40);
        let names = sheet_names([long.as_str(), long.as_str()].into_iter());
        assert_eq!(names[0].chars().count(), 31);
        assert_eq!(names[1].chars().count(), 31);
        assert!(names[1].ends_with("…(2)"), "{}", names[1]);
    }

    #[test]
    fn japanese_text_gets_wider_columns() {
        assert_eq!(display_width("1720"), 4);
        assert_eq!(display_width("実施年度"), 8);
        let mut widths = Widths::default();
        widths.fit(1, "東南部5回 東部2回 中部3回 西部5回 北大井2回");
        widths.fit(1, "x");
        // 43 half-width characters, plus 2 for padding.
        assert_eq!(widths.0, [MIN_WIDTH, 45.0]);
        widths.fit(0, &"長".repeat(100));
        assert_eq!(widths.0[0], MAX_WIDTH);
    }

    #[test]
    fn formula_like_texts_are_string_cells_never_formulas() {
        let catalogue = komoro();
        let records = formula_records();
        let mut book = open(records_xlsx(&catalogue, &records).expect("xlsx"));
        let formulas = book.worksheet_formula(RECORDS_SHEET).expect("formulas");
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "no cell holds a formula"
        );
        let g = grid(&mut book, RECORDS_SHEET);
        let column = |name: &str| HEADERS.iter().position(|h| *h == name).expect("header");
        for (i, formula) in FORMULAS.iter().enumerate() {
            let (meeting, note) = (&g[1 + 2 * i], &g[2 + 2 * i]);
            // A string cell holds the text itself: no apostrophe is needed or added.
            assert_eq!(meeting[column("内容")], Data::String((*formula).into()));
            assert_eq!(meeting[column("報告者")], Data::String((*formula).into()));
            assert_eq!(note[column("メモ")], Data::String((*formula).into()));
            assert_eq!(note[column("件数")], Data::Float(2.0));
        }
    }

    #[test]
    fn a_text_longer_than_a_cell_holds_is_cut_not_a_failure() {
        let catalogue = komoro();
        let mut records = sample_records();
        records[3].facts = Facts::Match {
            count: 2,
            note: Some("長".repeat(40_000)),
        };
        let mut book = open(records_xlsx(&catalogue, &records).expect("the file is made"));
        let g = grid(&mut book, RECORDS_SHEET);
        let note = text(&g[4][HEADERS.iter().position(|h| *h == "メモ").expect("header")]);
        assert_eq!(note.chars().count(), CELL_MAX);
        assert!(note.starts_with("長長長"));
        assert!(note.ends_with(CUT_NOTE), "says it was cut");
    }
}
