//! `kyodo import`: records from a CSV file with the columns of `/records export` (the same
//! Japanese headers; 番号, 年度, 指標, 登録元 and 登録日時 are read over), e.g. a backfill from
//! the old spreadsheet.
//!
//! Every row is checked as `/report` checks it (names, caps, dates, baseline years, the subsidy
//! lifecycle — every subsidy row with the group's stored records and the file's other rows, in
//! date order), every cell through the normaliser with the
//! command spec's limits (no control characters; a line break only in 内容 and メモ; at most
//! `max_length` characters); one bad row and nothing is stored, and every problem is listed with
//! its line and column. A header given twice is refused. The apostrophe an export writes before
//! a formula-like text (`render::csv::guard`) is taken off again, so a round trip keeps the text.
//! A row's source id is its content, so importing the same file twice stores its records once.

use super::invocation::{Invocation, OptionValue};
use super::report::{facts_from, record_date};
use super::spec::{command_set, OptionKind, OptionSpec};
use super::Failure;
use crate::app::App;
use crate::domain::record::{Actor, Dimensions, Facts, Field, NewRecord, Source, SourceKind};
use crate::domain::text::{self, display_name, excerpt, Rules};
use crate::domain::validate::{validate, UserError};
use crate::domain::RecordType;
use crate::render::csv::unguard;
use crate::render::record_table::{record_type_label, HEADERS};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::{HashMap, HashSet};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ImportError {
    #[error("{}", .0.join("\n"))]
    Rows(Vec<String>),
    #[error(transparent)]
    Store(#[from] crate::store::Error),
}

/// What an import stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    pub rows: usize,
    /// Records stored now.
    pub new: usize,
    /// Rows stored by an earlier import of the same content.
    pub existing: usize,
}

/// How many characters of a cell a problem quotes.
const QUOTED: usize = 40;

/// A cell's text as `/report` would take it: the apostrophe an export put before a formula-like
/// text taken off (text columns only), then the normaliser with the option's limits (the command
/// spec's), the column named in a refusal. Names and numbers are checked later, with the facts.
fn cell_value(option: &OptionSpec, header: &str, cell: &str) -> Result<String, UserError> {
    let (cell, rules) = match option.kind {
        OptionKind::String if option.choices.is_empty() => (unguard(cell), option.text_rules()),
        OptionKind::String => (unguard(cell), Rules::default()),
        _ => (cell, Rules::default()),
    };
    text::clean(&format!("列「{header}」"), cell, rules)
}

fn record_type_of(label: &str) -> Option<RecordType> {
    RecordType::ALL
        .into_iter()
        .find(|t| record_type_label(*t) == label || t.key() == label)
}

/// Checks every row of `text` (CSV, UTF-8 with or without BOM) and stores them all, or none.
/// `actor` reports rows without a 報告者; `dry_run` checks without storing.
pub fn import_csv(
    app: &mut App,
    text: &str,
    actor: &Actor,
    now: DateTime<Utc>,
    dry_run: bool,
) -> Result<Imported, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(text.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|h| h.trim().to_string()).collect(),
        Err(e) => return Err(ImportError::Rows(vec![format!("1行目（見出し）が読めません（{e}）")])),
    };
    let mut problems = Vec::new();
    let mut seen_headers = HashSet::new();
    for header in &headers {
        if !HEADERS.contains(&header.as_str()) {
            problems.push(format!(
                "1行目: 知らない列「{}」があります。使える列: {}",
                excerpt(header, QUOTED),
                HEADERS.join("、")
            ));
        } else if !seen_headers.insert(header.as_str()) {
            problems.push(format!(
                "1行目: 列「{header}」が2回あります。どちらの値を取り込むか決められないので、1つにしてください"
            ));
        }
    }
    for required in ["日付", "種類"] {
        if !headers.iter().any(|h| h == required) {
            problems.push(format!("1行目: 列「{required}」がありません"));
        }
    }
    if !problems.is_empty() {
        return Err(ImportError::Rows(problems));
    }
    let column = |name: &str| headers.iter().position(|h| h == name);
    // The dimension columns of the export, by the option names `/report` takes.
    let dimension_columns: Vec<(usize, &str, &str)> = HEADERS[5..21]
        .iter()
        .zip(Dimensions::NAMES)
        .filter_map(|(header, name)| column(header).map(|i| (i, *header, name)))
        .collect();
    // Each record type's options, with the limits a cell is held to: the command spec's.
    let commands = command_set(&app.settings.catalogue);
    let report_spec = commands.iter().find(|c| c.name == "report");
    let options_of = |record_type: RecordType| -> &[OptionSpec] {
        report_spec
            .and_then(|c| c.options.iter().find(|sub| sub.name == record_type.key()))
            .map_or(&[], |sub| sub.options.as_slice())
    };
    let default_reporter = Actor {
        id: actor.id.clone(),
        name: Some(display_name(&actor.name))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "取り込み".to_string()),
    };
    let today = app.today(now);
    let mut records = Vec::new();
    let mut lines = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = match row {
            Ok(row) => row,
            Err(e) => {
                problems.push(format!("{line}行目: 読めません（{e}）"));
                continue;
            }
        };
        if row.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let cell = |name: &str| column(name).and_then(|i| row.get(i)).map(str::trim).unwrap_or("");
        let Some(record_type) = record_type_of(unguard(cell("種類"))) else {
            let labels: Vec<&str> = RecordType::ALL.into_iter().map(record_type_label).collect();
            problems.push(format!(
                "{line}行目: 種類「{}」はありません。使えるもの: {}",
                excerpt(cell("種類"), QUOTED),
                labels.join("、")
            ));
            continue;
        };
        let options = options_of(record_type);
        let mut inv = Invocation::new("report", Some(record_type.key()));
        let mut bad_cells = Vec::new();
        let cells = [(column("日付"), "日付", "date")].into_iter().chain(
            dimension_columns
                .iter()
                .map(|(i, header, name)| (Some(*i), *header, *name)),
        );
        for (i, header, name) in cells {
            let value = i.and_then(|i| row.get(i)).map(str::trim).unwrap_or("");
            // A column this record type does not have is not stored, as before.
            let Some(option) = options.iter().find(|o| o.name == name) else {
                continue;
            };
            if value.is_empty() {
                continue;
            }
            match cell_value(option, header, value) {
                Ok(value) => inv = inv.with(name, OptionValue::String(value)),
                Err(e) => bad_cells.push(format!("{line}行目: {e}")),
            }
        }
        if !bad_cells.is_empty() {
            problems.extend(bad_cells);
            continue;
        }
        let checked = (|| -> Result<(NaiveDate, Facts), Failure> {
            let date = record_date(app, &inv, today)?;
            let facts = facts_from(&app.settings.catalogue, record_type, &inv)?;
            validate(&app.settings.catalogue, &facts)?;
            Ok((date, facts))
        })();
        let (date, facts) = match checked {
            Ok(checked) => checked,
            Err(Failure::User(e)) => {
                problems.push(format!("{line}行目: {e}"));
                continue;
            }
            Err(Failure::Internal(e)) => return Err(e.into()),
        };
        // The source id is the row's content; identical rows are told apart by their order.
        let fields: Vec<String> = facts
            .dimensions()
            .into_fields()
            .into_iter()
            .map(|field| match field {
                Field::Text(t) => t.unwrap_or_default(),
                Field::Number(n) => n.map(|n| n.to_string()).unwrap_or_default(),
            })
            .collect();
        let content = format!("{date}|{}|{}", record_type.key(), fields.join("|"));
        let occurrence = seen.entry(content.clone()).or_insert(0);
        *occurrence += 1;
        let source = Source {
            kind: SourceKind::Import,
            id: format!("{content}#{occurrence}"),
        };
        let reporter = match display_name(unguard(cell("報告者"))) {
            name if name.is_empty() => default_reporter.clone(),
            name => Actor {
                id: format!("import:{name}"),
                name,
            },
        };
        records.push(NewRecord {
            date,
            facts,
            reporter,
            source,
        });
        lines.push(line);
    }
    // The subsidy lifecycle of the new rows, with the file's rows in date order.
    let labels: Vec<String> = lines.iter().map(|l| format!("このファイルの{l}行目")).collect();
    for (i, refusal) in app.store.check_subsidies(&records, &labels)? {
        problems.push(format!("{}行目: {refusal}", lines[i]));
    }
    if !problems.is_empty() {
        return Err(ImportError::Rows(problems));
    }
    let rows = records.len();
    if dry_run {
        return Ok(Imported {
            rows,
            new: 0,
            existing: 0,
        });
    }
    let new = match app.store.insert_batch(&records, now) {
        // Another writer changed a group between the check above and the batch: nothing was stored.
        Err(crate::store::Error::Subsidy(refusal)) => return Err(ImportError::Rows(vec![refusal.to_string()])),
        stored => stored?,
    };
    Ok(Imported {
        rows,
        new,
        existing: rows - new,
    })
}
