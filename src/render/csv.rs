//! CSV files for Excel: the annual report's tables (`annual_csv`) and a period's records
//! (`RecordsCsv`, the columns of `record_table.rs`).
//!
//! UTF-8 with a byte order mark, so that Excel on a Japanese Windows reads UTF-8 and not
//! Shift_JIS (without it every Japanese cell turns to mojibake), and CRLF line ends. Quoting is
//! the `csv` crate's: cells with commas, quotes or line breaks are quoted, quotes doubled.
//! The XLSX counterpart is `xlsx.rs`; both read the same `AnnualReport` tables.
//!
//! Safe to open: a text cell that starts with `=`, `+`, `-`, `@`, TAB or CR would be run by a
//! spreadsheet as a formula (CSV injection), so it is written behind an apostrophe (OWASP's
//! advice), which Excel and LibreOffice read as "this is text" (`guard`). Numbers and dates
//! kyodo writes itself stay as they are. `kyodo import` takes the apostrophe off again
//! (`unguard`), so an export imported back gives the original text exactly.

use super::record_table::{self, Cell};
use super::report::AnnualReport;
use crate::domain::catalogue::Catalogue;
use crate::domain::matrix::Matrix;
use crate::domain::record::Record;
use std::borrow::Cow;
use std::io::Write;

/// The UTF-8 byte order mark that tells Excel the file is UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The characters with which a spreadsheet starts a formula (OWASP, "CSV Injection").
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether a text cell is written guarded: it starts with a formula character, or with
/// apostrophes before one (so that a text which itself began `'=` survives the round trip).
fn needs_guard(text: &str) -> bool {
    text.trim_start_matches('\'').starts_with(FORMULA_STARTS)
}

/// A text cell as written: behind an apostrophe if a spreadsheet would read it as a formula.
pub fn guard(text: &str) -> Cow<'_, str> {
    if needs_guard(text) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The text of a cell `guard` wrote: exactly the apostrophe it added taken off, nothing else.
pub fn unguard(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if needs_guard(rest) => rest,
        _ => cell,
    }
}

/// A number as kyodo writes it (`1720`, `-3`, `1,097`, `2.5`): left as it is so that a
/// spreadsheet still computes with it.
fn is_number(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    digits.starts_with(|c: char| c.is_ascii_digit())
        && digits.chars().all(|c| c.is_ascii_digit() || c == ',' || c == '.')
}

/// A cell of the annual report, whose cells are all strings: guarded unless it is a number.
fn report_cell(text: &str) -> Cow<'_, str> {
    if is_number(text) {
        Cow::Borrowed(text)
    } else {
        guard(text)
    }
}

/// The annual report as one CSV file: the title and sources, then per table the section
/// heading, the caption, the header row, one row per fiscal year and the notes, then the
/// table's detail where it has one (⑧⑨ item by item: its caption, header row and rows, each
/// kind beside its own count), each table followed by an empty line. Every cell is the report's
/// string, unchanged but for the guard before a text that a spreadsheet would read as a formula.
pub fn annual_csv(report: &AnnualReport) -> Vec<u8> {
    let mut sheet = Sheet::new();
    let one = |text: &str| [report_cell(text).into_owned()];
    let many = |cells: &[String]| cells.iter().map(|c| report_cell(c).into_owned()).collect::<Vec<_>>();
    sheet.row(one(&report.title));
    for source in &report.sources {
        sheet.row(one(source));
    }
    sheet.empty_line();
    for section in &report.sections {
        for table in &section.tables {
            sheet.row(one(&section.heading));
            sheet.row(one(&table.caption));
            sheet.row(many(&table.headers));
            for row in &table.rows {
                sheet.row(many(row));
            }
            for note in &table.notes {
                sheet.row(one(note));
            }
            if let Some(detail) = &table.detail {
                sheet.row(one(&detail.caption));
                sheet.row(many(&detail.headers));
                for row in &detail.rows {
                    sheet.row(many(row));
                }
            }
            sheet.empty_line();
        }
    }
    sheet.finish()
}

/// The records' CSV written a record at a time into `W` (a temporary file for a download of
/// any length, or memory), one row each in the order pushed, under the Japanese headers of
/// `record_table::headers`. Dates are written `2026-06-15`, amounts and counts as plain digits;
/// text cells are guarded against formulas.
pub struct RecordsCsv<'a, W: Write> {
    catalogue: &'a Catalogue,
    writer: csv::Writer<W>,
    /// The first write that failed: `finish` reports it, later rows are skipped.
    failed: Option<csv::Error>,
}

impl<'a, W: Write> RecordsCsv<'a, W> {
    /// Writes the byte order mark and the header row.
    pub fn new(catalogue: &'a Catalogue, mut out: W) -> std::io::Result<RecordsCsv<'a, W>> {
        out.write_all(BOM)?;
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        writer.write_record(record_table::headers(catalogue))?;
        Ok(RecordsCsv {
            catalogue,
            writer,
            failed: None,
        })
    }

    /// Writes the next record's row.
    pub fn push(&mut self, record: &Record) {
        if self.failed.is_some() {
            return;
        }
        let cells = record_table::row(self.catalogue, record)
            .into_iter()
            .map(|cell| match cell {
                Cell::Text(text) => guard(&text).into_owned(),
                other => other.text(),
            });
        if let Err(e) = self.writer.write_record(cells) {
            self.failed = Some(e);
        }
    }

    /// Flushes the rows and gives back the writer's `W`.
    pub fn finish(self) -> std::io::Result<W> {
        if let Some(e) = self.failed {
            return Err(e.into());
        }
        self.writer.into_inner().map_err(|e| e.into_error())
    }
}

/// The contact matrix as CSV, in the layout of its XLSX sheet (`xlsx::matrix_xlsx`): the title,
/// the header row (地区, 区, each month, 計), a row per district under its area's name, each
/// area's total row, the months' totals last; counts as plain digits, texts guarded.
pub fn matrix_csv(title: &str, matrix: &Matrix) -> Vec<u8> {
    let mut sheet = Sheet::new();
    sheet.row([guard(title).into_owned()]);
    let mut header = vec!["地区".to_string(), "区".to_string()];
    header.extend(matrix.months.iter().map(|m| m.label()));
    header.push("計".to_string());
    sheet.row(&header);
    let row = |first: &str, second: &str, counts: &[u64]| -> Vec<String> {
        let mut cells = vec![guard(first).into_owned(), guard(second).into_owned()];
        cells.extend(counts.iter().map(u64::to_string));
        cells.push(counts.iter().sum::<u64>().to_string());
        cells
    };
    for area in &matrix.areas {
        for district in &area.districts {
            sheet.row(row(&area.area, &district.district, &district.months));
        }
        let label = format!("{} 計（{}/{}区）", area.area, area.met(), area.districts.len());
        sheet.row(row(&label, "", &area.months(matrix.months.len())));
    }
    sheet.row(row("合計", "", &matrix.month_totals()));
    sheet.finish()
}

/// A grouped table (`/totals by:…`) as CSV: the title, the header row (each indicator with its
/// unit), one row per group with the figures as plain digits, an empty cell where a column does
/// not apply and `—` where a figure is unknown; texts guarded against formulas.
pub fn grouped_csv(title: &str, table: &crate::domain::grouping::Table) -> Vec<u8> {
    let mut sheet = Sheet::new();
    sheet.row([guard(title).into_owned()]);
    let mut header = vec![guard(&table.rows_are).into_owned()];
    header.extend(
        table
            .columns
            .iter()
            .map(|c| guard(&format!("{}（{}）", c.label, c.unit)).into_owned()),
    );
    sheet.row(header);
    for (label, cells) in &table.rows {
        let mut row = vec![guard(label).into_owned()];
        row.extend(cells.iter().map(|cell| {
            match cell {
                Some(figure) => figure
                    .value()
                    .map_or_else(|| super::DASH.to_string(), |n| n.to_string()),
                None => String::new(),
            }
        }));
        sheet.row(row);
    }
    sheet.finish()
}

/// A CSV file being written into memory.
struct Sheet {
    builder: csv::WriterBuilder,
    bytes: Vec<u8>,
    /// Whether a row could not be written, reported once by `finish` rather than at every row.
    failed: bool,
}

impl Sheet {
    fn new() -> Sheet {
        let mut builder = csv::WriterBuilder::new();
        builder
            // Rows differ in length: a heading is one cell, a table row many.
            .flexible(true)
            .terminator(csv::Terminator::CRLF);
        Sheet {
            builder,
            bytes: BOM.to_vec(),
            failed: false,
        }
    }

    /// Appends one row. A writer per row, because the `csv` writer cannot write the empty line
    /// between tables (it writes `""` for a row with no cells).
    fn row<I, T>(&mut self, cells: I)
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        let mut writer = self.builder.from_writer(&mut self.bytes);
        if writer.write_record(cells).and_then(|()| Ok(writer.flush()?)).is_err() {
            self.failed = true;
        }
    }

    /// A line with no cell at all.
    fn empty_line(&mut self) {
        self.bytes.extend_from_slice(b"\r\n");
    }

    /// The file's bytes. Writing into a `Vec` cannot fail (the `csv` crate fails only on I/O and,
    /// without `flexible`, on rows of unequal length), so a failure is a bug: it leaves an
    /// empty file with only the byte order mark rather than a truncated one.
    fn finish(self) -> Vec<u8> {
        if self.failed {
            BOM.to_vec()
        } else {
            self.bytes
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures::{formula_records, fy2020_report, komoro, sample_records, FORMULAS};

    /// The records' file, written into memory.
    fn records_csv(catalogue: &Catalogue, records: &[Record]) -> Vec<u8> {
        let mut csv = RecordsCsv::new(catalogue, Vec::new()).expect("the header row");
        for record in records {
            csv.push(record);
        }
        csv.finish().expect("written into memory")
    }

    /// The CSV's records, read back with the `csv` crate (which skips empty lines).
    fn parse(bytes: &[u8]) -> Vec<Vec<String>> {
        let body = bytes.strip_prefix(BOM).expect("starts with the BOM");
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(body)
            .records()
            .map(|r| r.expect("valid CSV").iter().map(String::from).collect())
            .collect()
    }

    #[test]
    fn annual_csv_starts_with_the_bom_and_ends_lines_with_crlf() {
        let bytes = annual_csv(&fy2020_report());
        assert_eq!(&bytes[..3], [0xEF, 0xBB, 0xBF]);
        let text = std::str::from_utf8(&bytes[3..]).expect("UTF-8");
        assert!(text.starts_with("小諸市自治基本条例"), "{}", &text[..60]);
        assert_eq!(text.matches('\n').count(), text.matches("\r\n").count());
        assert!(text.contains("\r\n\r\n"), "tables are separated by an empty line");
    }

    #[test]
    fn annual_csv_reads_back_every_cell_of_the_fy2020_report() {
        let report = fy2020_report();
        let mut expected: Vec<Vec<String>> = vec![vec![report.title.clone()]];
        expected.extend(report.sources.iter().map(|s| vec![s.clone()]));
        let mut tables = 0;
        for section in &report.sections {
            for table in &section.tables {
                tables += 1;
                expected.push(vec![section.heading.clone()]);
                expected.push(vec![table.caption.clone()]);
                expected.push(table.headers.clone());
                expected.extend(table.rows.iter().cloned());
                expected.extend(table.notes.iter().map(|n| vec![n.clone()]));
                if let Some(detail) = &table.detail {
                    expected.push(vec![detail.caption.clone()]);
                    expected.push(detail.headers.clone());
                    expected.extend(detail.rows.iter().cloned());
                }
            }
        }
        assert!(tables >= 5, "the report has its tables");
        assert_eq!(parse(&annual_csv(&report)), expected);
    }

    #[test]
    fn annual_csv_holds_the_reference_figures() {
        let rows = parse(&annual_csv(&fy2020_report()));
        // The row of `year` in the table whose caption starts with `caption`.
        let row_of = |caption: &str, year: &str| {
            let at = rows
                .iter()
                .position(|r| r.len() == 1 && r[0].starts_with(caption))
                .expect("table");
            rows[at..].iter().find(|r| r[0] == year).expect("year row").clone()
        };
        assert_eq!(
            row_of("①区長会活動", "令和2年度"),
            [
                "令和2年度",
                "役員会 年5回 新任区長研修会（中止） 総会（書面議決） 視察研修（中止） 全体研修会",
                "東南部0回 東部0回 中部0回 西部0回 北大井1回",
                "大里0回 三岡1回 西小諸2回 南大井1回 川辺0回",
            ]
        );
        assert_eq!(row_of("③", "平成30年度"), ["平成30年度", "1720", "448"]);
        assert_eq!(
            row_of("④", "令和2年度"),
            [
                "令和2年度",
                "368,000 (266,000・102,000)",
                "チャレンジ 2件(3) ステップアップ 1件(2)",
            ]
        );
        assert_eq!(row_of("⑥", "令和2年度"), ["令和2年度", "2回", "—"]);
    }

    #[test]
    fn records_csv_has_japanese_headers_and_one_row_per_record() {
        let catalogue = komoro();
        let records = sample_records();
        let bytes = records_csv(&catalogue, &records);
        assert!(bytes.starts_with(BOM));
        let rows = parse(&bytes);
        assert_eq!(rows[0], record_table::headers(&catalogue));
        assert_eq!(rows.len(), 1 + records.len());
        for (row, record) in rows[1..].iter().zip(&records) {
            let expected: Vec<String> = record_table::row(&catalogue, record).iter().map(Cell::text).collect();
            assert_eq!(row, &expected);
        }
        // Quotes and line breaks survive the round trip.
        assert_eq!(rows[2][19], "防災訓練の打合せ, \"夜間\"");
        assert_eq!(rows[4][20], "複数行の\nメモ");
        assert_eq!(rows[5][12], "200000");
        assert_eq!(rows[3][13], "3");
    }

    #[test]
    fn records_csv_quotes_like_excel_expects() {
        let catalogue = komoro();
        let records = sample_records();
        let text = String::from_utf8(records_csv(&catalogue, &records[1..2])).expect("UTF-8");
        assert!(text.contains(",\"防災訓練の打合せ, \"\"夜間\"\"\","), "{text}");
        assert!(text.ends_with("\r\n"));
    }

    #[test]
    fn a_formula_like_text_is_guarded_and_unguarded_exactly() {
        for (text, written) in [
            ("=1+2", "'=1+2"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(1+1)", "'@SUM(1+1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            // A text that itself starts with an apostrophe before a formula keeps it.
            ("'=1+2", "''=1+2"),
            ("''-1", "'''-1"),
            // Nothing else changes.
            ("防災訓練", "防災訓練"),
            ("'quoted'", "'quoted'"),
            ("''", "''"),
            ("a=1", "a=1"),
            ("＝1+2", "＝1+2"),
            ("", ""),
        ] {
            assert_eq!(guard(text), written, "{text:?}");
            assert_eq!(unguard(written), text, "{written:?}");
        }
        // A cell someone typed as 'abc or '5 is not an export's guard: it stays as it is.
        assert_eq!(unguard("'abc"), "'abc");
        assert_eq!(unguard("'5"), "'5");
    }

    #[test]
    fn records_csv_writes_formula_like_texts_as_text_and_numbers_as_numbers() {
        let catalogue = komoro();
        let records = formula_records();
        let rows = parse(&records_csv(&catalogue, &records));
        let headers = record_table::headers(&catalogue);
        let column = |name: &str| headers.iter().position(|h| *h == name).expect("header");
        let starts_formula = |cell: &str| cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
        for row in &rows[1..] {
            for (cell, header) in row.iter().zip(&headers) {
                assert!(!starts_formula(cell), "{header}: {cell:?} would run as a formula");
            }
        }
        for (i, formula) in FORMULAS.iter().enumerate() {
            let meeting = &rows[1 + 2 * i];
            let note = &rows[2 + 2 * i];
            let expected = format!("'{formula}");
            assert_eq!(meeting[column("内容")], expected);
            assert_eq!(meeting[column("報告者")], expected);
            assert_eq!(note[column("メモ")], expected);
            assert_eq!(unguard(&note[column("メモ")]), *formula);
            // kyodo's own numbers and dates are not touched.
            assert_eq!(note[column("件数")], "2");
            assert_eq!(note[column("日付")], "2026-04-03");
        }
    }

    #[test]
    fn the_annual_csv_guards_texts_but_not_its_numbers() {
        let mut report = fy2020_report();
        report.title = "=1+2".into();
        let table = &mut report.sections[0].tables[0];
        table.rows[0][1] = "-3".into();
        table.rows[0][2] = "@x".into();
        let rows = parse(&annual_csv(&report));
        assert_eq!(rows[0], ["'=1+2"]);
        let row = rows
            .iter()
            .find(|r| r.first() == report.sections[0].tables[0].rows[0].first())
            .expect("first row");
        assert_eq!(row[1], "-3", "a number stays a number");
        assert_eq!(row[2], "'@x");
    }
}
