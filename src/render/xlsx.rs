//! XLSX files for Excel: the annual report, one worksheet per table (`annual_xlsx`), and a
//! period's records on one worksheet (`RecordsXlsx`, the columns of `record_table.rs`).
//!
//! A worksheet of the report holds the report's table, in its layout: a cell that is one figure
//! (③ `1720`, ⑤ `106件`, ⑥ `2回`) is a number whose format shows its unit (`#,##0"件"`), every
//! other cell (`368,000 (266,000・102,000)`, `<area>0回 <area>0回 …`, `—`) the report's text.
//! Under it, the table's figures one per cell (`FigureTable`): numbers with their unit in the
//! header and in the format, the first and last day counted as Excel dates — what staff add up.
//! The records' dates are Excel dates and their amounts and counts numbers, so staff can sort,
//! filter and add them up.
//! The file's creation date is fixed, not read from a clock: the same input gives the same bytes.
//! Text is always written with `write_string`: a text that starts with `=` stays a string cell,
//! never a formula. A text longer than Excel allows in a cell is cut (`cell_text`) rather than
//! failing the whole file. The CSV counterpart is `csv.rs`.

use super::record_table::{self, Cell};
use super::report::{AnnualReport, FigureTable, Section, Table, Value};
use crate::domain::catalogue::Catalogue;
use crate::domain::matrix::Matrix;
use crate::domain::record::Record;
use chrono::{Datelike, Timelike};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet};
use std::borrow::Cow;
use std::collections::HashSet;
use std::io::{Seek, Write};

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

/// The worksheet of a grouped table.
const GROUPED_SHEET: &str = "集計";

/// The worksheet of the contact matrix.
const MATRIX_SHEET: &str = "区×月";

/// The contact matrix on a worksheet of its own: a row per district under its area's name,
/// each area's total row, a column per month and the row's total, the months' totals last; the
/// first two columns and the header row stay in view.
fn write_matrix(workbook: &mut Workbook, formats: &mut Formats, title: &str, matrix: &Matrix) -> Result<(), XlsxError> {
    let sheet = workbook.add_worksheet();
    sheet.set_name(MATRIX_SHEET)?;
    let mut widths = Widths::default();
    sheet.write_string_with_format(TITLE_ROW, 0, cell_text(title), &formats.title)?;
    let caption = format!("{}の回数（区×月）", matrix.counted);
    sheet.write_string_with_format(HEADING_ROW, 0, cell_text(&caption), &formats.caption)?;
    let header_row = HEADING_ROW + 1;
    let mut headers = vec!["地区".to_string(), "区".to_string()];
    headers.extend(matrix.months.iter().map(|m| m.label()));
    headers.push("計".to_string());
    for (col, header) in (0u16..).zip(&headers) {
        sheet.write_string_with_format(header_row, col, cell_text(header), &formats.header)?;
        widths.fit(col, header);
    }
    let count = boxed().set_num_format("#,##0");
    let bold = boxed().set_num_format("#,##0").set_bold();
    let mut row = header_row + 1;
    let write_counts = |sheet: &mut Worksheet, row: u32, counts: &[u64], format: &Format| -> Result<(), XlsxError> {
        for (col, n) in (2u16..).zip(counts) {
            sheet.write_number_with_format(row, col, *n as f64, format)?;
        }
        let total: u64 = counts.iter().sum();
        sheet.write_number_with_format(row, column(2 + counts.len()), total as f64, format)?;
        Ok(())
    };
    for area in &matrix.areas {
        for district in &area.districts {
            sheet.write_string_with_format(row, 0, cell_text(&area.area), &formats.cell)?;
            sheet.write_string_with_format(row, 1, cell_text(&district.district), &formats.cell)?;
            widths.fit(0, &area.area);
            widths.fit(1, &district.district);
            write_counts(sheet, row, &district.months, &count)?;
            row += 1;
        }
        let label = format!("{} 計（{}/{}区）", area.area, area.met(), area.districts.len());
        sheet.write_string_with_format(row, 0, cell_text(&label), &formats.header)?;
        sheet.write_blank(row, 1, &formats.header)?;
        widths.fit(0, &label);
        write_counts(sheet, row, &area.months(matrix.months.len()), &bold)?;
        row += 1;
    }
    sheet.write_string_with_format(row, 0, "合計", &formats.header)?;
    sheet.write_blank(row, 1, &formats.header)?;
    write_counts(sheet, row, &matrix.month_totals(), &bold)?;
    widths.apply(sheet)?;
    sheet.set_freeze_panes(header_row + 1, 2)?;
    Ok(())
}

/// The caption above a table's figures, one per cell.
pub const FIGURES_CAPTION: &str = "数値（1セルに1つ。単位は見出しの（ ）内。集計・並べ替え用）";

/// The report's tables, one worksheet each: the report's title, the section heading, the table's
/// caption, the header row (bold; a header continued by an empty one is merged across), one row
/// per fiscal year, the notes; after an empty row the figures one per cell under
/// `FIGURES_CAPTION`; after another, the sources of the figures.
pub fn annual_xlsx(report: &AnnualReport) -> Result<Vec<u8>, XlsxError> {
    let mut formats = Formats::new();
    let mut workbook = new_workbook(&report.title)?;
    let tables = report
        .sections
        .iter()
        .flat_map(|s| s.tables.iter().map(move |t| (s, t)));
    let names = sheet_names(tables.clone().map(|(_, t)| t.caption.as_str()));
    for ((section, table), name) in tables.zip(names) {
        let sheet = workbook.add_worksheet();
        sheet.set_name(name)?;
        write_table(sheet, &mut formats, report, section, table)?;
    }
    if let Some(matrix) = &report.matrix {
        write_matrix(&mut workbook, &mut formats, &report.title, matrix)?;
    }
    Ok(workbook.save_to_buffer()?)
}

/// The records on one worksheet, one row each in the order pushed, under the headers of
/// `record_table::headers`; a filter on the header row, which stays in view when scrolling; the
/// contact matrix, if given, on a second worksheet (`finish`).
/// The sheet is written row by row to a temporary file (rust_xlsxwriter's constant memory
/// mode, its strings inline), and the records come one at a time (`Store::each_record`), so a
/// year of records does not sit in memory.
pub struct RecordsXlsx<'a> {
    catalogue: &'a Catalogue,
    workbook: Workbook,
    formats: Formats,
    widths: Widths,
    /// Records written so far: the last row's number.
    rows: u32,
    columns: u16,
    /// The first cell that could not be written: `finish` reports it, later rows are skipped.
    failed: Option<XlsxError>,
}

impl<'a> RecordsXlsx<'a> {
    /// A workbook with the header row written.
    pub fn new(catalogue: &'a Catalogue) -> Result<RecordsXlsx<'a>, XlsxError> {
        let formats = Formats::new();
        let mut workbook = new_workbook(RECORDS_SHEET)?;
        let sheet = workbook.add_worksheet_with_constant_memory();
        sheet.set_name(RECORDS_SHEET)?;
        let mut widths = Widths::default();
        let headers = record_table::headers(catalogue);
        for (col, header) in (0u16..).zip(&headers) {
            sheet.write_string_with_format(0, col, header, &formats.header)?;
            widths.fit(col, header);
        }
        Ok(RecordsXlsx {
            catalogue,
            workbook,
            formats,
            widths,
            rows: 0,
            columns: u16::try_from(headers.len()).unwrap_or(u16::MAX),
            failed: None,
        })
    }

    /// Writes the next record's row.
    pub fn push(&mut self, record: &Record) {
        if self.failed.is_some() {
            return;
        }
        let row = self.rows + 1;
        let written = (|| {
            let sheet = self.workbook.worksheet_from_index(0)?;
            for (col, cell) in (0u16..).zip(record_table::row(self.catalogue, record)) {
                write_record_cell(sheet, &self.formats, row, col, &cell)?;
                self.widths.fit(col, &cell.text());
            }
            Ok(())
        })();
        match written {
            Ok(()) => self.rows = row,
            Err(e) => self.failed = Some(e),
        }
    }

    /// Sets the columns' widths and the filter, adds the matrix's worksheet and writes the file
    /// into `out`.
    pub fn finish<W: Write + Seek + Send>(mut self, matrix: Option<&Matrix>, out: W) -> Result<(), XlsxError> {
        if let Some(e) = self.failed {
            return Err(e);
        }
        let sheet = self.workbook.worksheet_from_index(0)?;
        self.widths.apply(sheet)?;
        sheet.autofilter(0, 0, self.rows, self.columns.saturating_sub(1))?;
        sheet.set_freeze_panes(1, 0)?;
        if let Some(matrix) = matrix {
            write_matrix(&mut self.workbook, &mut self.formats, RECORDS_SHEET, matrix)?;
        }
        Ok(self.workbook.save_to_writer(out)?)
    }
}

/// The contact matrix alone, on its worksheet (`write_matrix`): the dashboard's `/matrix` file.
pub fn matrix_xlsx(title: &str, matrix: &Matrix) -> Result<Vec<u8>, XlsxError> {
    let mut formats = Formats::new();
    let mut workbook = new_workbook(title)?;
    write_matrix(&mut workbook, &mut formats, title, matrix)?;
    Ok(workbook.save_to_buffer()?)
}

/// A grouped table (`/totals by:…`) on one worksheet: the title, the header row, one row per
/// group, each figure a number cell formatted with its unit (`#,##0"回"`), an unknown one `—`, a
/// column that does not apply to a row left blank.
pub fn grouped_xlsx(
    title: &str,
    table: &crate::domain::grouping::Table,
    matrix: Option<&Matrix>,
) -> Result<Vec<u8>, XlsxError> {
    let mut formats = Formats::new();
    let mut workbook = new_workbook(title)?;
    let sheet = workbook.add_worksheet();
    sheet.set_name(GROUPED_SHEET)?;
    let mut widths = Widths::default();
    sheet.write_string_with_format(TITLE_ROW, 0, cell_text(title), &formats.title)?;
    let header_row = HEADING_ROW + 1;
    let mut headers = vec![table.rows_are.clone()];
    headers.extend(table.columns.iter().map(|c| format!("{}（{}）", c.label, c.unit)));
    for (col, header) in (0u16..).zip(&headers) {
        sheet.write_string_with_format(header_row, col, cell_text(header), &formats.header)?;
        widths.fit(col, header);
    }
    for (row, (label, cells)) in (header_row + 1..).zip(&table.rows) {
        sheet.write_string_with_format(row, 0, cell_text(label), &formats.cell)?;
        widths.fit(0, label);
        for ((col, cell), column) in (1u16..).zip(cells).zip(&table.columns) {
            match cell.map(|f| f.value()) {
                Some(Some(n)) => {
                    // Counts are far below 2^53, where f64 stops being exact.
                    sheet.write_number_with_format(row, col, n as f64, formats.with_unit(&column.unit))?;
                    widths.fit(col, &shown(n, &column.unit));
                }
                Some(None) => {
                    sheet.write_string_with_format(row, col, super::DASH, &formats.cell)?;
                }
                None => {
                    sheet.write_blank(row, col, &formats.cell)?;
                }
            }
        }
    }
    widths.apply(sheet)?;
    sheet.set_freeze_panes(header_row + 1, 1)?;
    if let Some(matrix) = matrix {
        write_matrix(&mut workbook, &mut formats, title, matrix)?;
    }
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
    date_time: Format,
    count: Format,
    id: Format,
    amount: Format,
    /// `#,##0"件"` and the like, one per unit, made when first needed.
    units: Vec<(String, Format)>,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            title: Format::new().set_bold().set_font_size(14),
            caption: Format::new().set_bold().set_font_size(12),
            header: boxed().set_bold().set_text_wrap().set_background_color(0xDDEBF7),
            cell: boxed().set_text_wrap(),
            date: boxed().set_num_format("yyyy-mm-dd"),
            date_time: boxed().set_num_format("yyyy-mm-dd hh:mm:ss"),
            // Counts as amounts are shown, with thousands separators; a record's number without.
            count: boxed().set_num_format("#,##0"),
            id: boxed().set_num_format("0"),
            amount: boxed().set_num_format("#,##0"),
            units: Vec::new(),
        }
    }

    /// The format of a number of `unit`: `#,##0"件"`, which Excel shows as `1,720件` while the
    /// cell holds 1720.
    fn with_unit(&mut self, unit: &str) -> &Format {
        let at = match self.units.iter().position(|(u, _)| u == unit) {
            Some(at) => at,
            None => {
                self.units
                    .push((unit.to_string(), boxed().set_num_format(unit_format(unit))));
                self.units.len() - 1
            }
        };
        &self.units[at].1
    }
}

/// A thin border, aligned to the top.
fn boxed() -> Format {
    Format::new().set_border(FormatBorder::Thin).set_align(FormatAlign::Top)
}

/// `#,##0"件"`; a unit's `"` and `\` (which would end or escape the quoted text) left out.
fn unit_format(unit: &str) -> String {
    let unit: String = unit.chars().filter(|c| !matches!(c, '"' | '\\')).collect();
    if unit.is_empty() {
        "#,##0".to_string()
    } else {
        format!("#,##0\"{unit}\"")
    }
}

/// How Excel shows a number of `unit` in `unit_format`: `1,720件`.
fn shown(value: u64, unit: &str) -> String {
    format!("{}{unit}", crate::domain::number::group_thousands(value))
}

/// Row numbers of a table's worksheet.
const TITLE_ROW: u32 = 0;
const HEADING_ROW: u32 = 1;
const CAPTION_ROW: u32 = 2;
const HEADER_ROW: u32 = 3;

fn write_table(
    sheet: &mut Worksheet,
    formats: &mut Formats,
    report: &AnnualReport,
    section: &Section,
    table: &Table,
) -> Result<(), XlsxError> {
    sheet.write_string_with_format(TITLE_ROW, 0, cell_text(&report.title), &formats.title)?;
    sheet.write_string(HEADING_ROW, 0, cell_text(&section.heading))?;
    sheet.write_string_with_format(CAPTION_ROW, 0, cell_text(&table.caption), &formats.caption)?;
    let mut widths = Widths::default();
    write_headers(sheet, formats, HEADER_ROW, &table.headers, &mut widths)?;
    let mut row = HEADER_ROW + 1;
    for cells in &table.values {
        for (col, value) in (0u16..).zip(cells) {
            write_value(sheet, formats, row, col, value, &mut widths)?;
        }
        row += 1;
    }
    for note in &table.notes {
        sheet.write_string(row, 0, cell_text(note))?;
        row += 1;
    }
    // One empty row, then the figures one per cell.
    row += 1;
    row = write_figures(sheet, formats, row, &table.figures, &mut widths)?;
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

/// `FIGURES_CAPTION`, the figure table's headers and rows from `first`; returns the next row.
fn write_figures(
    sheet: &mut Worksheet,
    formats: &mut Formats,
    first: u32,
    figures: &FigureTable,
    widths: &mut Widths,
) -> Result<u32, XlsxError> {
    sheet.write_string_with_format(first, 0, FIGURES_CAPTION, &formats.caption)?;
    write_headers(sheet, formats, first + 1, &figures.headers, widths)?;
    let mut row = first + 2;
    for cells in &figures.rows {
        for (col, value) in (0u16..).zip(cells) {
            write_value(sheet, formats, row, col, value, widths)?;
        }
        row += 1;
    }
    Ok(row)
}

/// A typed cell: text as a string cell, a known number as a number in its unit's format, an
/// unknown one as `—`, a day as an Excel date.
fn write_value(
    sheet: &mut Worksheet,
    formats: &mut Formats,
    row: u32,
    col: u16,
    value: &Value,
    widths: &mut Widths,
) -> Result<(), XlsxError> {
    match value {
        Value::Text(text) => {
            sheet.write_string_with_format(row, col, cell_text(text), &formats.cell)?;
            widths.fit(col, text);
        }
        Value::Number { value: Some(n), unit } => {
            // Counts and yen amounts are far below 2^53, where f64 stops being exact.
            sheet.write_number_with_format(row, col, *n as f64, formats.with_unit(unit))?;
            widths.fit(col, &shown(*n, unit));
        }
        Value::Number { value: None, .. } => {
            sheet.write_string_with_format(row, col, super::DASH, &formats.cell)?;
        }
        Value::Date(date) => match excel_date(*date) {
            Some(excel) => {
                sheet.write_datetime_with_format(row, col, &excel, &formats.date)?;
                widths.fit(col, "2026-12-02");
            }
            None => {
                let text = date.to_string();
                sheet.write_string_with_format(row, col, &text, &formats.cell)?;
                widths.fit(col, &text);
            }
        },
    }
    Ok(())
}

/// The header row; a header followed by empty ones is merged across their columns, as in the
/// report (`②区と地区担当職員との連携（年間）` over two columns).
fn write_headers(
    sheet: &mut Worksheet,
    formats: &Formats,
    header_row: u32,
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
                header_row,
                first,
                header_row,
                last,
                &cell_text(&headers[col]),
                &formats.header,
            )?;
        } else {
            sheet.write_string_with_format(header_row, first, cell_text(&headers[col]), &formats.header)?;
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
        Cell::DateTime(at) => match excel_date_time(*at) {
            Some(excel) => {
                sheet.write_datetime_with_format(row, col, &excel, &formats.date_time)?;
            }
            None => {
                sheet.write_string_with_format(row, col, cell.text(), &formats.cell)?;
            }
        },
        Cell::Integer(n) | Cell::Yen(n) | Cell::Id(n) => {
            let format = match cell {
                Cell::Yen(_) => &formats.amount,
                Cell::Id(_) => &formats.id,
                _ => &formats.count,
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

/// A moment as Excel's date and time (to the second); `None` before 1900.
fn excel_date_time(at: chrono::NaiveDateTime) -> Option<ExcelDateTime> {
    let date = excel_date(at.date())?;
    let hour = u16::try_from(at.hour()).ok()?;
    let minute = u8::try_from(at.minute()).ok()?;
    let second = u8::try_from(at.second()).ok()?;
    date.and_hms(hour, minute, f64::from(second)).ok()
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
/// apostrophe at either end, and no two names alike (ignoring case). `①<indicator> ／ ②<indicator>…`
/// becomes `①<indicator>・②<indicator>…`; a caption with nothing usable left becomes `表1`, `表2` ….
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
    use crate::domain::record::{Column, Facts};
    use crate::domain::RecordType;
    use crate::render::fixtures::{formula_records, fy2020_report, komoro, sample_records, FORMULAS};
    use calamine::{Data, DataType, Reader, Xlsx};
    use std::io::Cursor;

    /// The records' file, written into memory.
    fn records_xlsx(catalogue: &Catalogue, records: &[Record], matrix: Option<&Matrix>) -> Result<Vec<u8>, XlsxError> {
        let mut xlsx = RecordsXlsx::new(catalogue)?;
        for record in records {
            xlsx.push(record);
        }
        let mut out = Cursor::new(Vec::new());
        xlsx.finish(matrix, &mut out)?;
        Ok(out.into_inner())
    }

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

    /// `B5` for row 4, column 1 (both from 0).
    fn cell_ref(row: usize, col: usize) -> String {
        let letter = char::from(b'A' + u8::try_from(col).expect("few columns"));
        format!("{letter}{}", row + 1)
    }

    /// The number format of every cell of the `index`th worksheet (from 1), by reference
    /// (`B5` → `#,##0"件"`), read from the file's XML: calamine reads values, not formats.
    fn number_formats(bytes: &[u8], index: usize) -> std::collections::HashMap<String, String> {
        use std::io::Read;
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip file");
        let mut read = |name: &str| {
            let mut text = String::new();
            zip.by_name(name).expect(name).read_to_string(&mut text).expect("read");
            text
        };
        let styles = read("xl/styles.xml");
        let sheet = read(&format!("xl/worksheets/sheet{index}.xml"));
        let attr = |tag: &str, name: &str| -> Option<String> {
            let key = format!(" {name}=\"");
            let at = format!(" {tag}").find(&key)? + key.len() - 1;
            Some(tag[at..].split('"').next()?.to_string())
        };
        let codes: std::collections::HashMap<String, String> = styles
            .split("<numFmt ")
            .skip(1)
            .filter_map(|t| Some((attr(t, "numFmtId")?, attr(t, "formatCode")?.replace("&quot;", "\""))))
            .collect();
        let xfs: Vec<String> = styles
            .split("<cellXfs")
            .nth(1)
            .and_then(|t| t.split("</cellXfs>").next())
            .expect("cellXfs")
            .split("<xf ")
            .skip(1)
            .map(|t| attr(t, "numFmtId").unwrap_or_else(|| "0".into()))
            .collect();
        sheet
            .split("<c ")
            .skip(1)
            .filter_map(|t| {
                let tag = t.split('>').next()?;
                let style: usize = attr(tag, "s").map_or(0, |s| s.parse().expect("style index"));
                let id = &xfs[style];
                let code = codes.get(id).cloned().unwrap_or_else(|| format!("builtin {id}"));
                Some((attr(tag, "r")?, code))
            })
            .collect()
    }

    /// Whether a cell read back is `value`: text a string, a known number a number, an unknown
    /// one `—`, a day an Excel date of that day.
    fn holds(data: &Data, value: &Value) -> bool {
        let epoch = chrono::NaiveDate::from_ymd_opt(1899, 12, 30).expect("date");
        match (data, value) {
            (Data::String(s), Value::Text(t)) => s == t,
            (Data::Empty, Value::Text(t)) => t.is_empty(),
            (Data::Float(f), Value::Number { value: Some(n), .. }) => *f == *n as f64,
            (Data::String(s), Value::Number { value: None, .. }) => s == "—",
            (Data::DateTime(d), Value::Date(date)) => {
                d.is_datetime() && d.as_f64() == (*date - epoch).num_days() as f64
            }
            _ => false,
        }
    }

    #[test]
    fn annual_xlsx_reads_back_every_cell_of_the_fy2020_report() {
        let report = fy2020_report();
        let bytes = annual_xlsx(&report).expect("xlsx");
        let mut book = open(bytes.clone());
        let names = book.sheet_names();
        let tables: Vec<(&Section, &Table)> = report
            .sections
            .iter()
            .flat_map(|s| s.tables.iter().map(move |t| (s, t)))
            .collect();
        assert_eq!(names.len(), tables.len(), "one worksheet per table: {names:?}");
        let mut numbers = 0;
        for (index, (name, (section, table))) in names.iter().zip(tables).enumerate() {
            let g = grid(&mut book, name);
            let formats = number_formats(&bytes, index + 1);
            let texts = |rows: &[Vec<Data>]| rows.iter().map(|r| row_text(r)).collect::<Vec<_>>();
            let mut expected = vec![
                vec![report.title.clone()],
                vec![section.heading.clone()],
                vec![table.caption.clone()],
                trimmed(&table.headers),
            ];
            assert_eq!(texts(&g[..4]), expected, "worksheet {name}");
            // The report's rows, typed: the report's strings where the report has words, numbers
            // in their unit's format where a cell is one figure.
            let mut at = 4;
            let typed = |at: usize, cells: &[Value], numbers: &mut usize| {
                for (col, value) in cells.iter().enumerate() {
                    let data = g[at].get(col).unwrap_or(&Data::Empty);
                    assert!(
                        holds(data, value),
                        "{name} {}: {data:?} for {value:?}",
                        cell_ref(at, col)
                    );
                    if let Value::Number { value: Some(_), unit } = value {
                        assert_eq!(formats[&cell_ref(at, col)], format!("#,##0\"{unit}\""), "{name}");
                        *numbers += 1;
                    }
                }
            };
            for (cells, row) in table.values.iter().zip(&table.rows) {
                assert_eq!(cells.len(), row.len());
                typed(at, cells, &mut numbers);
                at += 1;
            }
            expected = table.notes.iter().map(|n| vec![n.clone()]).collect();
            expected.push(vec![]);
            expected.push(vec![FIGURES_CAPTION.to_string()]);
            expected.push(table.figures.headers.clone());
            let end = at + expected.len();
            assert_eq!(texts(&g[at..end]), expected, "worksheet {name}");
            at = end;
            for cells in &table.figures.rows {
                typed(at, cells, &mut numbers);
                at += 1;
            }
            expected = vec![vec![]];
            expected.extend(report.sources.iter().map(|s| vec![s.clone()]));
            assert_eq!(texts(&g[at..]), expected, "worksheet {name}");
        }
        assert!(numbers > 100, "{numbers} number cells");
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
        // 1720 consultations in 平成30年度: a number now (shown 1,720件), no longer the text
        // '1720' a spreadsheet cannot add up.
        let g = grid(&mut book, "③ぼらせん相談・マッチング");
        assert_eq!(
            g[4][..3],
            [
                Data::String("平成30年度".into()),
                Data::Float(1720.0),
                Data::Float(448.0)
            ]
        );
    }

    #[test]
    fn annual_xlsx_figures_are_numbers_in_their_units_and_days_are_dates() {
        let report = fy2020_report();
        let bytes = annual_xlsx(&report).expect("xlsx");
        let mut book = open(bytes.clone());
        let names = book.sheet_names();
        // The figure table of a worksheet: its header row and its three year rows.
        let mut figures = |name: &str| {
            let g = grid(&mut book, name);
            let at = g
                .iter()
                .position(|r| r[0] == Data::String(FIGURES_CAPTION.into()))
                .expect("figures");
            let headers = row_text(&g[at + 1]);
            let rows = g[at + 2..at + 5].to_vec();
            (headers, rows, at + 2)
        };
        let column = |headers: &[String], header: &str| {
            headers
                .iter()
                .position(|h| h == header)
                .unwrap_or_else(|| panic!("{header} in {headers:?}"))
        };
        let sheet = |name: &str| 1 + names.iter().position(|n| n == name).expect("sheet");

        let name = "④市民活動促進事業補助金";
        let (headers, rows, first) = figures(name);
        let formats = number_formats(&bytes, sheet(name));
        let total = column(&headers, "補助金額 計（円）");
        assert_eq!(rows[2][total], Data::Float(368_000.0), "令和2年度");
        assert_eq!(formats[&cell_ref(first + 2, total)], "#,##0\"円\"");
        let amounts: f64 = rows.iter().map(|r| r[total].as_f64().expect("a number")).sum();
        assert_eq!(amounts, 850_000.0 + 1_100_000.0 + 368_000.0, "the yen add up");
        let applied = column(&headers, "チャレンジ 申請（件）");
        assert_eq!(rows[2][applied], Data::Float(3.0));
        assert_eq!(formats[&cell_ref(first + 2, applied)], "#,##0\"件\"");
        // Days are dates: 平成30年度 from 1 April 2018 (serial 43191) to 31 March 2019.
        let from = column(&headers, "集計の初日");
        assert!(matches!(&rows[0][from], Data::DateTime(d) if d.is_datetime() && d.as_f64() == 43191.0));
        assert!(matches!(&rows[0][from + 1], Data::DateTime(d) if d.as_f64() == 43555.0));

        let name = "⑧条例理念の普及・⑨各主体の実践の見える化";
        let (headers, rows, _) = figures(name);
        let value = |row: &[Data], header: &str| row[column(&headers, header)].clone();
        // ⑧'s own figure, and every kind beside its count, 0 included.
        assert_eq!(value(&rows[0], "⑧条例理念の普及 計（回）"), Data::Float(6.0));
        assert_eq!(value(&rows[0], "4コマによる普及（回）"), Data::Float(6.0));
        assert_eq!(value(&rows[0], "⑨各主体の実践の見える化 計（回）"), Data::Float(9.0));
        assert_eq!(value(&rows[0], "区紹介（回）"), Data::Float(0.0));
        assert_eq!(value(&rows[2], "区紹介（回）"), Data::Float(6.0));
        assert_eq!(value(&rows[1], "⑧条例理念の普及 計（回）"), Data::Float(0.0));
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
        let mut book = open(records_xlsx(&catalogue, &records, None).expect("xlsx"));
        assert_eq!(book.sheet_names(), [RECORDS_SHEET]);
        let g = grid(&mut book, RECORDS_SHEET);
        let headers = record_table::headers(&catalogue);
        assert_eq!(row_text(&g[0]), headers);
        assert_eq!(g.len(), 1 + records.len());
        for (cells, record) in g[1..].iter().zip(&records) {
            let expected = record_table::row(&catalogue, record);
            assert_eq!(cells.len(), expected.len());
            for ((got, want), header) in cells.iter().zip(&expected).zip(&headers) {
                match (got, want) {
                    (Data::String(s), Cell::Text(t)) => assert_eq!(s, t, "{header}"),
                    (Data::Empty, Cell::Empty) => {}
                    (Data::Float(f), Cell::Integer(n) | Cell::Yen(n) | Cell::Id(n)) => {
                        assert_eq!(*f, *n as f64, "{header}")
                    }
                    (Data::DateTime(d), Cell::DateTime(at)) => {
                        assert!(d.is_datetime(), "{header}");
                        let (y, mo, day, h, mi, s, _) = d.to_ymd_hms_milli();
                        assert_eq!(
                            format!("{y:04}-{mo:02}-{day:02} {h:02}:{mi:02}:{s:02}"),
                            at.format("%Y-%m-%d %H:%M:%S").to_string(),
                            "{header}"
                        );
                    }
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
        let mut book = open(records_xlsx(&komoro(), &[], None).expect("xlsx"));
        let g = grid(&mut book, RECORDS_SHEET);
        assert_eq!(g.len(), 1);
        assert_eq!(row_text(&g[0]), record_table::headers(&komoro()));
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
        let mut book = open(records_xlsx(&catalogue, &records, None).expect("xlsx"));
        let formulas = book.worksheet_formula(RECORDS_SHEET).expect("formulas");
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "no cell holds a formula"
        );
        let g = grid(&mut book, RECORDS_SHEET);
        let headers = record_table::headers(&komoro());
        let column = |name: &str| headers.iter().position(|h| *h == name).expect("header");
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
        records[3].facts = Facts::new(RecordType::of("match"))
            .number_of(Column::Count, 2)
            .text_of(Column::Note, &"長".repeat(40_000));
        let mut book = open(records_xlsx(&catalogue, &records, None).expect("the file is made"));
        let g = grid(&mut book, RECORDS_SHEET);
        let headers = record_table::headers(&catalogue);
        let note = text(&g[4][headers.iter().position(|h| *h == "メモ").expect("header")]);
        assert_eq!(note.chars().count(), CELL_MAX);
        assert!(note.starts_with("長長長"));
        assert!(note.ends_with(CUT_NOTE), "says it was cut");
    }
}
