//! What an import did, for the person who ran it: how many rows are new, updated and unchanged,
//! each edit's changes by column (`#12 件数: 12 → 15`), the 報告者 not taken, and that rows
//! left out of the file delete nothing.

use super::QUOTED;
use crate::domain::catalogue::Catalogue;
use crate::domain::record::{Facts, Record, Value};
use crate::domain::text::excerpt;
use crate::render::record_table::value_columns;
use chrono::NaiveDate;

/// One field an import changes in a record, as the file shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The column: `件数`, `日付` …
    pub field: String,
    pub before: String,
    pub after: String,
}

/// A stored record an import edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update {
    pub line: usize,
    pub id: i64,
    pub changes: Vec<Change>,
}

/// What an import wrote, or with `dry_run` would write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    pub dry_run: bool,
    /// Rows read (empty rows aside).
    pub rows: usize,
    /// Records stored now (rows without 番号).
    pub new: usize,
    /// Rows without 番号 stored by an earlier import of the same content.
    pub existing: usize,
    /// Rows with a 番号 whose record already is what the row says.
    pub unchanged: usize,
    /// Rows with a 番号 that edit their record.
    pub updates: Vec<Update>,
    /// Rows with a 番号 whose 報告者 differs from the record's, as `(line, id, name in the file)`.
    pub reporters_kept: Vec<(usize, i64, String)>,
}

impl Imported {
    /// The summary printed after an import (and a dry run): the counts, each edit's changes
    /// (`#12 件数: 12 → 15`), the 報告者 not taken, and that nothing was deleted.
    pub fn summary(&self) -> Vec<String> {
        let counts = format!(
            "新しい記録 {}件、更新 {}件、変更なし {}件、前に取り込み済み {}件",
            count(self.new),
            count(self.updates.len()),
            count(self.unchanged),
            count(self.existing)
        );
        let mut lines = vec![if self.dry_run {
            format!(
                "{} 行を確かめました。問題はありません（--dry-run のため何も書き込んでいません）。取り込むと: {counts}",
                count(self.rows)
            )
        } else {
            format!("{} 行を取り込みました: {counts}", count(self.rows))
        }];
        if !self.updates.is_empty() {
            lines.push(
                if self.dry_run {
                    "更新する記録:"
                } else {
                    "更新した記録:"
                }
                .to_string(),
            );
        }
        for update in &self.updates {
            let changes: Vec<String> = update
                .changes
                .iter()
                .map(|c| format!("{}: {} → {}", c.field, c.before, c.after))
                .collect();
            lines.push(format!("  #{} {}", update.id, changes.join("、")));
        }
        for (line, id, name) in &self.reporters_kept {
            lines.push(format!(
                "{line}行目（#{id}）: 報告者「{name}」は取り込んでいません。番号のある行の報告者は変わりません"
            ));
        }
        lines.push(
            "ファイルにない記録は削除していません（行を消しても記録は消えません。消すときは kyodo console か Discord で /records delete id:番号 を使ってください）"
                .to_string(),
        );
        lines
    }
}

/// A count with thousands separators.
fn count(n: usize) -> String {
    crate::domain::number::group_thousands(n as u64)
}

/// A record's value as the summary shows it.
fn shown(value: Option<&Value>) -> String {
    match value {
        Some(Value::Text(t)) => excerpt(t, QUOTED),
        Some(Value::Number(n)) => n.to_string(),
        None => "（空）".to_string(),
    }
}

/// The fields that differ between `before` and the new date and facts, by column.
pub(super) fn changes(catalogue: &Catalogue, before: &Record, date: NaiveDate, facts: &Facts) -> Vec<Change> {
    let mut changes = Vec::new();
    if before.date != date {
        changes.push(Change {
            field: "日付".to_string(),
            before: before.date.to_string(),
            after: date.to_string(),
        });
    }
    for (column, header) in value_columns(catalogue) {
        let (old, new) = (before.facts.values.get(column), facts.values.get(column));
        if old != new {
            changes.push(Change {
                field: header,
                before: shown(old),
                after: shown(new),
            });
        }
    }
    changes
}
