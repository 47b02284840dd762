//! `kyodo import`: records from a CSV or XLSX file with the columns of `/records export` (the
//! same Japanese headers), so that an export edited in Excel goes back in; also a backfill from
//! the old spreadsheet.
//!
//! A row with a 番号 is that stored record: unchanged (every cell the import reads equals the
//! record) it changes nothing; edited, it becomes an audited edit of the record, checked as
//! `/records edit` checks one (cells, names and caps, dates, baseline years, the subsidy
//! lifecycle, and the user's right to edit it: their own, or anyone's for an admin). A 番号
//! that is not a live record of the row's type is refused. A column the file lacks keeps the
//! record's value; an empty cell clears an optional field. 年度, 指標, 登録元, 登録元ID and 登録日時 are
//! read over, and so is 報告者 on a row with a 番号 (who reported a record is not edited; a
//! changed name is listed as not taken). Rows missing from the file delete nothing.
//!
//! A row without 番号 is a new record, checked as `/report` checks it, reported by its 報告者
//! (or the importing user); its source id is its content, so a file imported twice stores it
//! once. The file's name (without its folder, cleaned and cut short: `text::file_name`) and the
//! row's number are kept beside the source (`Source::origin`), for the export's 登録元
//! 「取り込み（jisseki-2026.xlsx 12行目）」; a row imported before keeps the file and row it was
//! first read from. A subsidy row for a known group under another spelling (`こもろ 子ども食堂`)
//! is stored under the known one, as `/report` stores it. Every cell goes through the
//! normaliser with the command spec's limits; a header given twice is refused. The apostrophe a
//! CSV export writes before a formula-like text (`render::csv::guard`) is taken off; an XLSX
//! text cell holds the text itself, and a date or number cell Excel typed reads back as that
//! date or whole number.
//!
//! The subsidy lifecycle is checked for the new and the edited subsidy rows together, with the
//! group's stored records and the file's other rows, in date order (`Store::check_subsidies`),
//! so the order of the rows does not matter; each refusal names its row, and a row it names is
//! `このファイルの3行目` or a stored record's number.
//!
//! All or nothing: one bad row and nothing is written, every problem listed with its row; the
//! new records and the edits go in one `BEGIN IMMEDIATE` transaction (`Store::write_batch`),
//! which checks the lifecycle again and refuses an edit of a record changed meanwhile. A dry
//! run does the same and rolls back, so it says exactly what the import would do.
//!
//! `file.rs` reads the file into a table of text cells, `rows.rs` reads each row, this module
//! checks the rows' subsidy lifecycle and writes the batch, `summary.rs` says what the import did.

mod file;
mod rows;
mod summary;

pub use file::read_file;
pub use summary::{Change, Imported, Update};

use super::spec::command_set;
use super::Roles;
use crate::app::App;
use crate::domain::catalogue::Catalogue;
use crate::domain::record::Actor;
use crate::domain::text::{display_name, excerpt, file_name};
use crate::render::record_table::{current_headers, headers, value_columns, TYPE_HEADER};
use crate::store::batch::{Commit, Edit, Item, Reason};
use chrono::{DateTime, Utc};
use rows::{Reading, Row};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ImportError {
    /// Problems with rows (each names its row); nothing was written.
    #[error("{}", .0.join("\n"))]
    Rows(Vec<String>),
    /// The file could not be read, or is neither UTF-8 CSV nor XLSX.
    #[error("{0}")]
    File(String),
    #[error(transparent)]
    Store(#[from] crate::store::Error),
}

/// Who imports: the reporter of rows without a 報告者 and the editor of edited records, with
/// the roles that decide whose records they may edit.
#[derive(Debug, Clone)]
pub struct Importer {
    pub actor: Actor,
    pub roles: Roles,
}

/// How many characters of a cell a problem quotes.
const QUOTED: usize = 40;

/// Imports the rows of `bytes`, read from `path` (`read_file`): CSV in UTF-8 with or without
/// BOM, or XLSX, told apart by their content. All rows or none; `dry_run` checks and writes
/// nothing.
pub fn import_file(
    app: &mut App,
    path: &Path,
    bytes: Vec<u8>,
    who: &Importer,
    now: DateTime<Utc>,
    dry_run: bool,
) -> Result<Imported, ImportError> {
    let (mut table, problems) = file::read_table(path, bytes)?;
    // An export written before a column or a type was renamed reads as one written now.
    table.headers = current_headers(&app.settings.catalogue, &table.headers);
    // The file's name only (never its folder), as new records show it beside their row.
    let name = path
        .file_name()
        .map_or_else(|| path.to_string_lossy(), |name| name.to_string_lossy());
    import_table(app, &table, &file_name(&name), problems, who, now, dry_run)
}

/// The header row's problems: unknown and repeated columns, 日付 or 記録の種類 missing.
fn header_problems(catalogue: &Catalogue, table: &file::Table) -> Vec<String> {
    let line = table.header_line;
    let known = headers(catalogue);
    let mut problems = Vec::new();
    let mut seen = HashSet::new();
    // A workbook's used range may hold columns without a header, which hold nothing to read.
    for header in table.headers.iter().filter(|h| table.guarded || !h.is_empty()) {
        if !known.contains(header) {
            problems.push(format!(
                "{line}行目: 知らない列「{}」があります。使える列: {}",
                excerpt(header, QUOTED),
                known.join("、")
            ));
        } else if !seen.insert(header.as_str()) {
            problems.push(format!(
                "{line}行目: 列「{header}」が2回あります。どちらの値を取り込むか決められないので、1つにしてください"
            ));
        }
    }
    for required in ["日付", TYPE_HEADER] {
        if !table.headers.iter().any(|h| h == required) {
            problems.push(format!("{line}行目: 列「{required}」がありません"));
        }
    }
    problems
}

/// Where a problem with batch item `item` is: its row's line, and the row as a problem names
/// it (an edited record with its number).
fn place_of(item: Item, new_lines: &[usize], updates: &[Update]) -> (usize, String) {
    match item {
        Item::New(i) => {
            let line = new_lines.get(i).copied().unwrap_or(0);
            (line, format!("{line}行目"))
        }
        Item::Edit(i) => updates
            .get(i)
            .map_or((0, String::new()), |u| (u.line, format!("{}行目（#{}）", u.line, u.id))),
    }
}

/// Problems with their rows' lines, in line order.
fn by_line(problems: impl Iterator<Item = (usize, String)>) -> Vec<String> {
    let mut problems: Vec<(usize, String)> = problems.collect();
    problems.sort_by_key(|(line, _)| *line);
    problems.into_iter().map(|(_, problem)| problem).collect()
}

/// Imports `table`, the rows of the file named `file` (as records keep it: `text::file_name`).
fn import_table(
    app: &mut App,
    table: &file::Table,
    file: &str,
    mut problems: Vec<String>,
    who: &Importer,
    now: DateTime<Utc>,
    dry_run: bool,
) -> Result<Imported, ImportError> {
    let header_problems = header_problems(&app.settings.catalogue, table);
    if !header_problems.is_empty() {
        return Err(ImportError::Rows(header_problems));
    }
    let column = |name: &str| table.headers.iter().position(|h| h == name);
    // The columns the import reads, by the option names `/report` takes: the date, then the
    // dimension columns of the export.
    let columns = [("日付".to_string(), "date")]
        .into_iter()
        .chain(
            value_columns(&app.settings.catalogue)
                .into_iter()
                .map(|(c, header)| (header, c.key())),
        )
        .filter_map(|(header, name)| column(&header).map(|i| (i, header, name.to_string())))
        .collect();
    let mut reading = Reading {
        app,
        who,
        file,
        headers: &table.headers,
        guarded: table.guarded,
        columns,
        commands: command_set(&app.settings.catalogue),
        today: app.today(now),
        default_reporter: Actor {
            id: who.actor.id.clone(),
            name: Some(display_name(&who.actor.name))
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| "取り込み".to_string()),
        },
        seen: HashMap::new(),
        numbers: HashMap::new(),
        reporters_kept: Vec::new(),
    };
    let mut read = Vec::new();
    for (line, cells) in &table.rows {
        match reading.row(*line, cells)? {
            None => {}
            Some(Ok(row)) => read.push((*line, row)),
            Some(Err(row_problems)) => problems.extend(row_problems),
        }
    }
    let reporters_kept = reading.reporters_kept;
    let rows = read.len();
    let mut new = Vec::new();
    let mut new_lines = Vec::new();
    let mut edits: Vec<Edit> = Vec::new();
    let mut updates = Vec::new();
    let mut unchanged = 0;
    for (line, row) in read {
        match row {
            Row::New(record) => {
                new.push(record);
                new_lines.push(line);
            }
            Row::Edited(edit, changes) => {
                updates.push(Update {
                    line,
                    id: edit.before.id,
                    changes,
                });
                edits.push(edit);
            }
            Row::Unchanged => unchanged += 1,
            Row::Imported => {}
        }
    }
    // The subsidy lifecycle of the new and the edited rows, with the groups' stored records and
    // the file's other rows, listed with the rows' other problems.
    let labels: Vec<String> = new_lines.iter().map(|l| format!("このファイルの{l}行目")).collect();
    let refused = app.store.check_subsidies(&new, &labels, &edits)?;
    problems.extend(by_line(refused.into_iter().map(|(item, refusal)| {
        let (line, at) = place_of(item, &new_lines, &updates);
        (line, format!("{at}: {refusal}"))
    })));
    if !problems.is_empty() {
        return Err(ImportError::Rows(problems));
    }
    let commit = if dry_run { Commit::No } else { Commit::Yes };
    let written = match app.store.write_batch(&new, &labels, &edits, &who.actor, now, commit)? {
        Ok(written) => written,
        // The store's rules, checked again in the write's transaction (another writer may have
        // changed a record or a group since the check above): nothing was written.
        Err(refusals) => {
            let problems = refusals.into_iter().map(|refusal| {
                let (line, at) = place_of(refusal.item, &new_lines, &updates);
                let id = match refusal.item {
                    Item::Edit(i) => updates.get(i).map_or(0, |u| u.id),
                    Item::New(_) => 0,
                };
                let problem = match refusal.reason {
                    Reason::Subsidy(refusal) => format!("{at}: {refusal}"),
                    Reason::Gone => format!(
                        "{at}: 記録 #{id} は取り込みの間に削除されました。もう一度書き出してから直してください"
                    ),
                    Reason::Changed => format!(
                        "{at}: 記録 #{id} は確かめた後にほかの操作で直されました。その変更を上書きしないよう取り込みをやめました。もう一度試してください"
                    ),
                };
                (line, problem)
            });
            return Err(ImportError::Rows(by_line(problems)));
        }
    };
    Ok(Imported {
        dry_run,
        rows,
        new: written.new,
        existing: rows - unchanged - written.new - written.edited,
        unchanged,
        updates,
        reporters_kept,
    })
}
