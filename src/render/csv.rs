//! CSV files for Excel: the annual report's tables (`annual_csv`) and a period's records
//! (`records_csv`, the columns of `record_table.rs`).
//!
//! UTF-8 with a byte order mark, so that Excel on a Japanese Windows reads UTF-8 and not
//! Shift_JIS (without it every Japanese cell turns to mojibake), and CRLF line ends. Quoting is
//! the `csv` crate's: cells with commas, quotes or line breaks are quoted, quotes doubled.
//! The XLSX counterpart is `xlsx.rs`; both read the same `AnnualReport` tables.

use super::record_table::{self, Cell, HEADERS};
use super::report::AnnualReport;
use crate::domain::catalogue::Catalogue;
use crate::domain::record::Record;

/// The UTF-8 byte order mark that tells Excel the file is UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The annual report as one CSV file: the title and sources, then per table the section
/// heading, the caption, the header row, one row per fiscal year and the notes, each table
/// followed by an empty line. Every cell is the report's string, unchanged.
pub fn annual_csv(report: &AnnualReport) -> Vec<u8> {
    let mut sheet = Sheet::new();
    sheet.row([report.title.as_str()]);
    for source in &report.sources {
        sheet.row([source.as_str()]);
    }
    sheet.empty_line();
    for section in &report.sections {
        for table in &section.tables {
            sheet.row([section.heading.as_str()]);
            sheet.row([table.caption.as_str()]);
            sheet.row(&table.headers);
            for row in &table.rows {
                sheet.row(row);
            }
            for note in &table.notes {
                sheet.row([note.as_str()]);
            }
            sheet.empty_line();
        }
    }
    sheet.finish()
}

/// The records, one row each in the order given, under the Japanese headers of
/// `record_table::HEADERS`. Dates are written `2026-06-15`, amounts and counts as plain digits.
pub fn records_csv(catalogue: &Catalogue, records: &[Record]) -> Vec<u8> {
    let mut sheet = Sheet::new();
    sheet.row(HEADERS);
    for record in records {
        let cells: Vec<String> = record_table::row(catalogue, record).iter().map(Cell::text).collect();
        sheet.row(&cells);
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
    use crate::render::fixtures::{fy2020_report, komoro, sample_records};

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
        assert_eq!(rows[0], HEADERS.map(String::from).to_vec());
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
}
