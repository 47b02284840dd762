//! The file to import as a table of text cells: read from disk (every failure in Japanese),
//! told apart by its content — an XLSX workbook (a zip), the old `.xls` (refused with what to
//! do), or UTF-8 text read as CSV (anything else, such as a Shift_JIS CSV, is refused with
//! what to do). The csv crate's and calamine's own English goes to the log only.
//!
//! An XLSX cell reads as the text a CSV export holds: a date cell as `2026-06-15`, a whole
//! number such as `12.0` as `12`, a text cell as its text (no formula guard there: an XLSX
//! string cell is never a formula, `render::xlsx`).

use super::{ImportError, QUOTED};
use crate::domain::text::excerpt;
use std::path::Path;

/// The XLSX sheet `kyodo export` writes (`render::xlsx`); another workbook's first sheet is read.
const RECORDS_SHEET: &str = "記録";

/// The rows of a file: its header row, then each row with its row number (as Excel numbers rows).
pub(super) struct Table {
    pub header_line: usize,
    pub headers: Vec<String>,
    pub rows: Vec<(usize, Vec<String>)>,
    /// CSV: text cells may carry the export's formula guard (`render::csv::guard`).
    pub guarded: bool,
}

/// Reads the file to import; every failure in Japanese, naming the file (the OS's text is logged).
pub fn read_file(path: &Path) -> Result<Vec<u8>, ImportError> {
    let shown = path.display();
    let failed = |error: std::io::Error| {
        tracing::info!(path = %shown, %error, "reading the file to import failed");
        ImportError::File(match error.kind() {
            std::io::ErrorKind::NotFound => {
                format!("取り込むファイル {shown} がありません。ファイルの名前と場所（パス）を確かめてください")
            }
            std::io::ErrorKind::PermissionDenied => {
                format!("取り込むファイル {shown} を読む権限がありません。ファイルの権限を確かめてください")
            }
            _ => format!(
                "取り込むファイル {shown} を読めませんでした。ファイルとディスクを確かめてください（詳しくはログにあります）"
            ),
        })
    };
    let metadata = std::fs::metadata(path).map_err(failed)?;
    if metadata.is_dir() {
        return Err(ImportError::File(format!(
            "{shown} はフォルダです。取り込むファイル（.csv か .xlsx）を指定してください"
        )));
    }
    if !metadata.is_file() {
        return Err(ImportError::File(format!(
            "{shown} は普通のファイルではありません。取り込むファイル（.csv か .xlsx）を指定してください"
        )));
    }
    std::fs::read(path).map_err(failed)
}

/// The file's rows, by its content: an XLSX (zip) workbook, or UTF-8 text read as CSV; with the
/// rows that could not be read, each named.
pub(super) fn read_table(path: &Path, bytes: Vec<u8>) -> Result<(Table, Vec<String>), ImportError> {
    const ZIP: &[u8] = b"PK\x03\x04";
    const OLE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";
    let shown = path.display();
    if bytes.starts_with(ZIP) {
        return read_xlsx(path, bytes);
    }
    if bytes.starts_with(OLE) {
        return Err(ImportError::File(format!(
            "{shown} は古い Excel 形式（.xls）のファイルです。Excel で「Excel ブック（*.xlsx）」として保存し直してから取り込んでください"
        )));
    }
    match String::from_utf8(bytes) {
        Ok(text) => read_csv(&text),
        Err(_) => Err(ImportError::File(format!(
            "{shown} は UTF-8 の CSV でも Excel ブック（.xlsx）でもありません。Shift_JIS の CSV なら、Excel で「CSV UTF-8（コンマ区切り）」か「Excel ブック（*.xlsx）」で保存し直してください"
        ))),
    }
}

/// Why the csv crate could not read a row, in Japanese (its own text goes to the log).
fn csv_problem(error: &csv::Error) -> String {
    tracing::info!(%error, "a CSV row could not be read");
    match error.kind() {
        csv::ErrorKind::UnequalLengths { expected_len, len, .. } => format!(
            "列の数が見出しと違います（見出しは{expected_len}列、この行は{len}列）。区切りのコンマと、「\"」で囲んだセルの閉じ忘れを確かめてください"
        ),
        csv::ErrorKind::Utf8 { .. } => {
            "UTF-8 として読めない文字があります。Excel で「CSV UTF-8（コンマ区切り）」で保存し直してください".to_string()
        }
        _ => "CSV として読めません。Excel で「CSV UTF-8（コンマ区切り）」で保存し直してください".to_string(),
    }
}

/// CSV, UTF-8 with or without BOM; a row is numbered as Excel numbers it (the header is row 1).
fn read_csv(text: &str) -> Result<(Table, Vec<String>), ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|h| h.trim().to_string()).collect(),
        Err(e) => return Err(ImportError::Rows(vec![format!("1行目（見出し）: {}", csv_problem(&e))])),
    };
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        match row {
            Ok(row) => rows.push((line, row.iter().map(str::to_string).collect())),
            Err(e) => problems.push(format!("{line}行目: {}", csv_problem(&e))),
        }
    }
    let table = Table {
        header_line: 1,
        headers,
        rows,
        guarded: true,
    };
    Ok((table, problems))
}

/// An XLSX cell as the text a CSV export would hold: a date `2026-06-15`, a whole number `12`.
fn xlsx_cell(cell: &calamine::Data) -> Result<String, String> {
    use calamine::Data;
    Ok(match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(n) => n.to_string(),
        // 12.0 → 12; a fraction stays as it is (and is refused where a whole number is needed).
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(d) if d.is_datetime() => {
            let (year, month, day, ..) = d.to_ymd_hms_milli();
            format!("{year:04}-{month:02}-{day:02}")
        }
        Data::DateTime(d) => d.as_f64().to_string(),
        Data::DateTimeIso(s) => s.split('T').next().unwrap_or(s).to_string(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => return Err(format!("Excel のエラー（{e}）")),
    })
}

/// The sheet 「記録」 (else the first) of an XLSX workbook; rows numbered as Excel shows them.
fn read_xlsx(path: &Path, bytes: Vec<u8>) -> Result<(Table, Vec<String>), ImportError> {
    use calamine::Reader;
    let unreadable = |error: &dyn std::fmt::Display| {
        tracing::info!(path = %path.display(), %error, "the XLSX file could not be read");
        ImportError::File(format!(
            "{} は Excel ブック（.xlsx）として読めません。Excel で開けるか確かめ、「Excel ブック（*.xlsx）」で保存し直してください",
            path.display()
        ))
    };
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let names = book.sheet_names();
    let Some(sheet) = names
        .iter()
        .find(|n| n.as_str() == RECORDS_SHEET)
        .or(names.first())
        .cloned()
    else {
        return Err(ImportError::File(format!(
            "{} にはシートがありません。kyodo export（/records export）と同じ列のシートを入れてください",
            path.display()
        )));
    };
    let range = book.worksheet_range(&sheet).map_err(|e| unreadable(&e))?;
    let first_row = range.start().map_or(0, |(row, _)| row as usize);
    let mut problems = Vec::new();
    let mut rows = range.rows();
    let headers: Vec<String> = rows
        .next()
        .map(|cells| {
            cells
                .iter()
                .map(|c| xlsx_cell(c).unwrap_or_default().trim().to_string())
                .collect()
        })
        .unwrap_or_default();
    let mut table_rows = Vec::new();
    for (i, cells) in rows.enumerate() {
        let line = first_row + i + 2;
        let mut row = Vec::with_capacity(cells.len());
        for (col, cell) in cells.iter().enumerate() {
            match xlsx_cell(cell) {
                Ok(text) => row.push(text),
                Err(what) => {
                    let header = headers.get(col).map_or("", String::as_str);
                    problems.push(format!(
                        "{line}行目: 列「{}」のセルが{what}です。値を入れ直してください",
                        excerpt(header, QUOTED)
                    ));
                    row.push(String::new());
                }
            }
        }
        table_rows.push((line, row));
    }
    let table = Table {
        header_line: first_row + 1,
        headers,
        rows: table_rows,
        guarded: false,
    };
    Ok((table, problems))
}
