//! One row of the file, read: a new record (no 番号), one an earlier import stored, or a stored
//! record (its 番号) left as it is or edited — each checked as `/report` or `/records edit`
//! checks it, or refused with the problems, each naming the row.

use super::summary::{changes, Change};
use super::{Importer, QUOTED};
use crate::app::App;
use crate::commands::invocation::{Invocation, OptionValue};
use crate::commands::report::{facts_from, options_of, record_date};
use crate::commands::spec::{self, Command, CommandSpec, OptionKind, OptionSpec};
use crate::commands::Failure;
use crate::domain::catalogue::Catalogue;
use crate::domain::record::{Actor, Column, Facts, NewRecord, Origin, Record, Source, SourceKind, Value};
use crate::domain::text::{self, display_name, excerpt, Rules};
use crate::domain::validate::{validate, UserError};
use crate::domain::RecordType;
use crate::render::csv::unguard;
use crate::render::record_table::{record_type_label, TYPE_HEADER};
use crate::store::batch::Edit;
use chrono::NaiveDate;
use std::collections::HashMap;

/// What a row is once read.
pub(super) enum Row {
    New(NewRecord),
    /// A row without 番号 whose content an earlier import stored.
    Imported,
    /// A row with a 番号 whose values equal the record's.
    Unchanged,
    Edited(Edit, Vec<Change>),
}

/// What every row is read with, and what reading them has found so far.
pub(super) struct Reading<'a> {
    pub app: &'a App,
    pub who: &'a Importer,
    /// The file's name as new records keep it (`Source::origin`).
    pub file: &'a str,
    pub headers: &'a [String],
    /// CSV: text cells may carry the export's formula guard.
    pub guarded: bool,
    /// The columns the import reads: (index in the row, header, the option `/report` names it).
    pub columns: Vec<(usize, String, String)>,
    pub commands: Vec<CommandSpec>,
    pub today: NaiveDate,
    /// The reporter of new rows without a 報告者.
    pub default_reporter: Actor,
    /// How often each new row's content was seen, to tell identical rows apart.
    pub seen: HashMap<String, usize>,
    /// The row of each 番号 read so far.
    pub numbers: HashMap<i64, usize>,
    /// Rows with a 番号 whose 報告者 differs from the record's: `(row, 番号, name in the file)`.
    pub reporters_kept: Vec<(usize, i64, String)>,
}

/// A row read: what it is, or its problems.
pub(super) type Read = Result<Row, Vec<String>>;

/// A cell's text as the import reads it for `option`: trimmed, and in a CSV the apostrophe an
/// export put before a formula-like text taken off (text columns only).
fn cell_text<'a>(option: &OptionSpec, cell: &'a str, guarded: bool) -> &'a str {
    let cell = cell.trim();
    if guarded && option.kind == OptionKind::String {
        unguard(cell)
    } else {
        cell
    }
}

/// A cell's text as `/report` would take it: the normaliser with the option's limits (the
/// command spec's), the column named in a refusal. Names and numbers are checked later, with
/// the facts.
fn clean_cell(option: &OptionSpec, header: &str, text: &str) -> Result<String, UserError> {
    let rules = match option.kind {
        OptionKind::String if option.choices.is_empty() => option.text_rules(),
        _ => Rules::default(),
    };
    text::clean(&format!("列「{header}」"), text, rules)
}

/// The record type a 記録の種類 cell names: by its label, its name or its key, or a label it had
/// before (`formerly`, in an older export).
fn record_type_of(catalogue: &Catalogue, label: &str) -> Option<RecordType> {
    catalogue
        .record_types
        .iter()
        .find(|t| t.label == label || t.name == label || t.key() == label || t.formerly.iter().any(|f| f == label))
        .map(|t| t.record_type)
}

/// The name a local reporter id carries: the console's `console:佐藤` and the import's
/// `import:佐藤` are the same person at the server's terminal.
fn local_name(id: &str) -> Option<&str> {
    id.strip_prefix("import:").or_else(|| id.strip_prefix("console:"))
}

/// Whether `who` may edit `record`, as `/records edit` decides: their own, or anyone's for an admin.
fn may_edit(who: &Importer, record: &Record) -> bool {
    who.roles.admin
        || record.reporter.id == who.actor.id
        || matches!((local_name(&record.reporter.id), local_name(&who.actor.id)), (Some(a), Some(b)) if a == b)
}

/// A row's date and facts, checked as `/report` checks them: the date (not in the future, not
/// in a baseline year), the facts from the options, the catalogue's names and caps.
fn checked(
    app: &App,
    record_type: RecordType,
    inv: &Invocation,
    today: NaiveDate,
) -> Result<(NaiveDate, Facts), Failure> {
    let date = record_date(app, inv, today)?;
    let facts = facts_from(&app.settings.catalogue, record_type, inv)?;
    validate(&app.settings.catalogue, &facts)?;
    Ok((date, facts))
}

impl Reading<'_> {
    fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// The options of a record type, with the limits a cell is held to: the command spec's.
    fn options(&self, record_type: RecordType) -> Vec<OptionSpec> {
        spec::options(&self.commands, Command::Report { record_type }).to_vec()
    }

    /// The `/report` of a record type, without options yet.
    fn report(&self, record_type: RecordType) -> Invocation {
        spec::invocation(&self.commands, Command::Report { record_type }).unwrap_or_default()
    }

    /// A text cell as written, the CSV's formula guard taken off.
    fn text(&self, cell: &str) -> String {
        if self.guarded {
            unguard(cell).to_string()
        } else {
            cell.to_string()
        }
    }

    /// Reads the row at `line`; `None` for an empty row.
    pub fn row(&mut self, line: usize, cells: &[String]) -> Result<Option<Read>, crate::store::Error> {
        if cells.iter().all(|cell| cell.trim().is_empty()) {
            return Ok(None);
        }
        let cell = |name: &str| self.column(name).and_then(|i| cells.get(i)).map_or("", |c| c.trim());
        let catalogue = &self.app.settings.catalogue;
        let Some(record_type) = record_type_of(catalogue, &self.text(cell(TYPE_HEADER))) else {
            let labels: Vec<&str> = catalogue.record_types.iter().map(|t| t.label.as_str()).collect();
            return Ok(Some(Err(vec![format!(
                "{line}行目: {TYPE_HEADER}「{}」はありません。使えるもの: {}",
                excerpt(cell(TYPE_HEADER), QUOTED),
                labels.join("、")
            )])));
        };
        let number = cell("番号");
        let reporter = display_name(&self.text(cell("報告者")));
        let read = if number.is_empty() {
            self.new_row(line, cells, record_type, reporter)?
        } else {
            self.numbered_row(line, cells, record_type, number, reporter)?
        };
        Ok(Some(read))
    }

    /// A row with a 番号: that live record of the same type, left as it is or edited as
    /// `/records edit` would edit it (by a user allowed to).
    fn numbered_row(
        &mut self,
        line: usize,
        cells: &[String],
        record_type: RecordType,
        number: &str,
        reporter: String,
    ) -> Result<Read, crate::store::Error> {
        let refused = |problem: String| Ok(Err(vec![problem]));
        let id = match number.strip_prefix('#').unwrap_or(number).parse::<i64>() {
            Ok(id) if id > 0 => id,
            _ => {
                return refused(format!(
                    "{line}行目: 番号「{}」は記録の番号ではありません。新しい記録として取り込むときは番号を空にしてください",
                    excerpt(number, QUOTED)
                ))
            }
        };
        if let Some(first) = self.numbers.insert(id, line) {
            return refused(format!(
                "{line}行目: 番号 #{id} が{first}行目にもあります。1つの記録は1行にしてください"
            ));
        }
        let Some(record) = self.app.store.record(id)? else {
            return refused(format!(
                "{line}行目: 記録 #{id} はありません。番号を確かめてください（新しい記録として取り込むときは番号を空にしてください）"
            ));
        };
        if record.deleted_at.is_some() {
            return refused(format!(
                "{line}行目: 記録 #{id} は削除されています。直せません（新しい記録として取り込むときは番号を空にしてください）"
            ));
        }
        let stored_type = record.facts.record_type();
        if stored_type != record_type {
            return refused(format!(
                "{line}行目: 記録 #{id} は{}の記録です（この行の{TYPE_HEADER}は{}）。{TYPE_HEADER}は変えられません。{}に戻すか、番号を空にして新しい記録にしてください",
                record_type_label(&self.app.settings.catalogue, stored_type),
                record_type_label(&self.app.settings.catalogue, record_type),
                record_type_label(&self.app.settings.catalogue, stored_type)
            ));
        }
        if !reporter.is_empty() && reporter != display_name(&record.reporter.name) {
            self.reporters_kept.push((line, id, excerpt(&reporter, QUOTED)));
        }
        // The record's own values, then each cell that differs from them; a column the file
        // lacks keeps the record's value.
        let mut stored = options_of(&self.app.settings.catalogue, &record.facts);
        stored.push(("date".into(), OptionValue::String(record.date.to_string())));
        let stored_text = |name: &str| {
            stored
                .iter()
                .find(|(n, _)| n == name)
                .map_or(String::new(), |(_, v)| match v {
                    OptionValue::String(s) => s.clone(),
                    OptionValue::Integer(n) => n.to_string(),
                })
        };
        let options = self.options(record_type);
        let mut given = stored.clone();
        let mut differs = false;
        let mut problems = Vec::new();
        for (i, header, name) in &self.columns {
            // A column this record type does not have is not read.
            let Some(option) = options.iter().find(|o| o.name == *name) else {
                continue;
            };
            let text = cell_text(option, cells.get(*i).map_or("", String::as_str), self.guarded);
            if text == stored_text(name.as_str()) {
                continue;
            }
            differs = true;
            given.retain(|(n, _)| n != name);
            if text.is_empty() {
                if *name == "date" {
                    problems.push(format!(
                        "{line}行目（#{id}）: 列「日付」: 空にはできません。記録の日付を入れてください"
                    ));
                }
                continue;
            }
            match clean_cell(option, header, text) {
                Ok(value) => given.push((name.clone(), OptionValue::String(value))),
                Err(e) => problems.push(format!("{line}行目（#{id}）: {e}")),
            }
        }
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        if !differs {
            return Ok(Ok(Row::Unchanged));
        }
        let mut inv = self.report(record_type);
        inv.options = given;
        let (date, facts) = match checked(self.app, record_type, &inv, self.today) {
            Ok(checked) => checked,
            Err(Failure::User(e)) => return refused(format!("{line}行目（#{id}）: {e}")),
            Err(Failure::Internal(e)) => return Err(e),
        };
        if date == record.date && facts == record.facts {
            // Written differently (`2026/6/15`, `１２`), the same values.
            return Ok(Ok(Row::Unchanged));
        }
        if !may_edit(self.who, &record) {
            let name = &record.reporter.name;
            return refused(format!(
                "{line}行目（#{id}）: 記録 #{id} は{name}さんの記録です。他の人の記録を直せるのは管理者だけです。{name}さんか管理者に頼むか、管理者なら --role admin で取り込んでください"
            ));
        }
        let changed = changes(&self.app.settings.catalogue, &record, date, &facts);
        let edit = Edit {
            before: record,
            date,
            facts,
        };
        Ok(Ok(Row::Edited(edit, changed)))
    }

    /// A row without 番号: a new record, checked as `/report` checks it, stored once per content.
    fn new_row(
        &mut self,
        line: usize,
        cells: &[String],
        record_type: RecordType,
        reporter: String,
    ) -> Result<Read, crate::store::Error> {
        let options = self.options(record_type);
        let mut inv = self.report(record_type);
        let mut problems = Vec::new();
        for (i, header, name) in &self.columns {
            // A column this record type does not have is not stored.
            let Some(option) = options.iter().find(|o| o.name == *name) else {
                continue;
            };
            let text = cell_text(option, cells.get(*i).map_or("", String::as_str), self.guarded);
            if text.is_empty() {
                continue;
            }
            match clean_cell(option, header, text) {
                Ok(value) => inv = inv.with(name, OptionValue::String(value)),
                Err(e) => problems.push(format!("{line}行目: {e}")),
            }
        }
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        let (date, facts) = match checked(self.app, record_type, &inv, self.today) {
            Ok(checked) => checked,
            Err(Failure::User(e)) => return Ok(Err(vec![format!("{line}行目: {e}")])),
            Err(Failure::Internal(e)) => return Err(e),
        };
        // The source id is the row's content — the type's own values in the store's column order,
        // empty for the columns it has no field in — identical rows told apart by their order.
        let spec = self.app.settings.catalogue.record_type(record_type);
        let fields: Vec<String> = Column::ALL
            .into_iter()
            .map(
                |column| match spec.and_then(|t| t.field(column)).and(facts.values.get(column)) {
                    Some(Value::Text(t)) => t.clone(),
                    Some(Value::Number(n)) => n.to_string(),
                    None => String::new(),
                },
            )
            .collect();
        let content = format!("{date}|{}|{}", record_type.key(), fields.join("|"));
        let occurrence = self.seen.entry(content.clone()).or_insert(0);
        *occurrence += 1;
        let source = Source {
            kind: SourceKind::Import,
            id: format!("{content}#{occurrence}"),
            // Shown, not part of the key: the same row in another file or row is this record.
            origin: Some(Origin {
                file: self.file.to_string(),
                row: line,
            }),
        };
        if self.app.store.has_source(&source)? {
            return Ok(Ok(Row::Imported));
        }
        let reporter = if reporter.is_empty() {
            self.default_reporter.clone()
        } else {
            Actor {
                id: format!("import:{reporter}"),
                name: reporter,
            }
        };
        Ok(Ok(Row::New(NewRecord {
            date,
            facts,
            reporter,
            source,
        })))
    }
}
