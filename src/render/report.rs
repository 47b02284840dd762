//! The annual report: the official report's tables, one row per fiscal year (実施年度) for a
//! year and the two before it, each cell in the report's own wording
//! (`<kind> 年5回 <kind>（<status>）…`, `<area>0回`, `368,000 (266,000・102,000)`, `—`).
//!
//! `AnnualReport::build` lays the figures out as tables; `markdown` and `text` print them, and
//! every other format (CSV, XLSX, the embeds of `/summary year`) reads the same tables. Beside
//! the report's wording (`rows`, which reproduce the city's report cell for cell) each table
//! carries:
//! - `values`: the same cells typed, a cell that is one figure (`1720`, `106件`, `2回`) as its
//!   number and unit, so that a spreadsheet holds a number and not a text;
//! - `figures`: every figure in a cell of its own, its unit in the column header (`<column>（件）`,
//!   `<amount column> 計（円）`), with the first and last day each year counts (the XLSX file);
//! - `detail`, where the report lists items in one column and their counts in the next (a
//!   `list` layout: `・ <value> ・ <value>` / `6回 7回`, which only line up on paper): the same
//!   counts with each item beside its own and each indicator's total
//!   (`計6回（<value> 6回）`), every value of the catalogue included — `0回` in a year that has
//!   figures, `—` where unknown.
//!
//! A cell without a unit in the report's wording (③ `1720`, ④ `368,000`) gets it from a note
//! under the table. A fiscal year still in progress is counted up to today and labelled
//! 「年度途中（〜12月2日）」 in the title and in its source line.

use super::DASH;
use crate::domain::catalogue::{table_cells, Catalogue, Indicator};
use crate::domain::number::group_thousands;
use crate::domain::record_type::{Layout, RecordTypeSpec};
use crate::domain::{Figure, Figures, FiscalYear, RecordType};
use chrono::{Datelike, NaiveDate};

/// One fiscal year of the report: its figures, where they came from and the days they cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportYear {
    pub year: FiscalYear,
    pub figures: Figures,
    /// Where the figures came from (`基準データ（市の報告書の数値）`).
    pub source: String,
    /// The first day counted: the year's first day.
    pub from: NaiveDate,
    /// The last day counted: the year's last day, or `today` while the year is in progress.
    pub to: NaiveDate,
    /// Whether the year is still running on `to`.
    pub in_progress: bool,
}

impl ReportYear {
    /// `year` as of `today`: the whole year once it is over (on its last day too: that day's
    /// records are in), up to `today` while it runs.
    pub fn new(
        catalogue: &Catalogue,
        year: FiscalYear,
        figures: Figures,
        source: impl Into<String>,
        today: NaiveDate,
    ) -> ReportYear {
        let start = catalogue.fiscal_year_start;
        let (first, last) = (year.first_day(start), year.last_day(start));
        let in_progress = first <= today && today < last;
        ReportYear {
            year,
            figures,
            source: source.into(),
            from: first,
            to: if in_progress { today } else { last },
            in_progress,
        }
    }

    /// `令和8年度`, or `令和8年度 年度途中（〜12月2日）` while the year runs.
    pub fn label(&self) -> String {
        match self.progress() {
            Some(progress) => format!("{} {progress}", self.year.label()),
            None => self.year.label(),
        }
    }

    /// `年度途中（〜12月2日）` while the year runs.
    pub fn progress(&self) -> Option<String> {
        self.in_progress.then(|| in_progress_label(self.to))
    }
}

/// `年度途中（〜12月2日）`: a fiscal year counted up to `to`.
pub fn in_progress_label(to: NaiveDate) -> String {
    format!("年度途中（〜{}月{}日）", to.month(), to.day())
}

/// One table of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The indicators side by side in this table, by their titles.
    pub caption: String,
    /// `実施年度` and the indicators' column headers; an empty header continues the one before.
    pub headers: Vec<String>,
    /// One row per fiscal year, oldest first; the first cell is the year's label.
    pub rows: Vec<Vec<String>>,
    /// `rows` cell for cell, typed: a cell that is one figure as a `Value::Number` (③'s `1720`
    /// as 1720 件), every other cell as its text.
    pub values: Vec<Vec<Value>>,
    /// Footnotes, e.g. what a figure in parentheses means, or the unit of a bare number.
    pub notes: Vec<String>,
    /// The same figures one per cell, with their units in the headers.
    pub figures: FigureTable,
    /// For a table that lists items in one column and their counts in another (⑧⑨): each item
    /// beside its own count, and each indicator's total. Printed after the table.
    pub detail: Option<Box<Table>>,
}

/// A table's figures one per cell, for a spreadsheet: `実施年度`, the first and last day
/// counted, and one header per figure (with its unit: `<column>（件）`), one row per fiscal year.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FigureTable {
    pub headers: Vec<String>,
    /// One row per fiscal year, oldest first; the first cell is the year's label.
    pub rows: Vec<Vec<Value>>,
}

/// One typed cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Words: the year's label, ①'s or ②'s wording, a list.
    Text(String),
    /// A number of `unit` (回, 件, 円); `None` when unknown (printed `—`).
    Number { value: Option<u64>, unit: String },
    /// A day.
    Date(NaiveDate),
}

impl Value {
    fn number(value: Option<u64>, unit: &str) -> Value {
        Value::Number {
            value,
            unit: unit.to_string(),
        }
    }
}

/// The tables of one initiative.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    /// `1. 区の活動の推進 「区と行政の関係に関する規則」の実践`.
    pub heading: String,
    pub tables: Vec<Table>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnualReport {
    /// The report's title with its years (`…（平成30年度から令和2年度）`), followed by
    /// ` 令和8年度は年度途中（〜12月2日）` while the last year runs.
    pub title: String,
    /// Where each year's figures came from.
    pub sources: Vec<String>,
    pub sections: Vec<Section>,
    /// The last year's contact matrix, where the years are the bot's (set by whoever reads the
    /// store: the report's tables do not hold it).
    pub matrix: Option<crate::domain::matrix::Matrix>,
}

/// The header of the first column.
pub const YEAR_HEADER: &str = "実施年度";

/// The headers of the figure tables' first and last day counted.
pub const FROM_HEADER: &str = "集計の初日";
pub const TO_HEADER: &str = "集計の最終日";

/// The unit of yen amounts.
const YEN: &str = "円";

/// What the report's list of publicity kinds says for a year known to have had none.
const NONE: &str = "なし";

impl AnnualReport {
    /// Lays out `years` (oldest first, each with its figures and a note on where they came from).
    pub fn build(catalogue: &Catalogue, years: &[ReportYear]) -> AnnualReport {
        let mut title = match (years.first(), years.last()) {
            (Some(first), Some(last)) => format!(
                "{}（{}から{}）",
                catalogue.report_title,
                first.year.label(),
                last.year.label()
            ),
            _ => catalogue.report_title.clone(),
        };
        for year in years {
            if let Some(progress) = year.progress() {
                title.push_str(&format!(" {}は{progress}", year.year.label()));
            }
        }
        let mut sections: Vec<Section> = Vec::new();
        for numbers in &catalogue.report_tables {
            let members: Vec<&Indicator> = numbers.iter().filter_map(|n| catalogue.indicator(*n)).collect();
            let Some(first) = members.first() else {
                continue;
            };
            let table = build_table(catalogue, &members, years);
            match sections.last_mut() {
                Some(section) if section_of(catalogue, first.initiative) == section.heading => {
                    section.tables.push(table)
                }
                _ => sections.push(Section {
                    heading: section_of(catalogue, first.initiative),
                    tables: vec![table],
                }),
            }
        }
        AnnualReport {
            title,
            sources: years.iter().map(|y| format!("{}: {}", y.label(), y.source)).collect(),
            sections,
            matrix: None,
        }
    }

    /// GitHub-flavoured Markdown: a heading per initiative, a table per table of the report,
    /// a table's detail (⑧⑨ item by item) under it.
    pub fn markdown(&self) -> String {
        let mut out = format!("# {}\n\n", self.title);
        for source in &self.sources {
            out.push_str(&format!("- {source}\n"));
        }
        for section in &self.sections {
            out.push_str(&format!("\n## {}\n", section.heading));
            for table in &section.tables {
                out.push_str(&format!("\n### {}\n\n", table.caption));
                markdown_table(&mut out, table);
                if let Some(detail) = &table.detail {
                    out.push_str(&format!("\n#### {}\n\n", detail.caption));
                    markdown_table(&mut out, detail);
                }
            }
        }
        out
    }

    /// Plain text for a terminal or a chat message: per table, per year, one line per indicator.
    /// A table with a detail (⑧⑨) prints the detail's lines, each item beside its count.
    pub fn text(&self) -> String {
        let mut out = format!("{}\n", self.title);
        for source in &self.sources {
            out.push_str(&format!("  {source}\n"));
        }
        for section in &self.sections {
            out.push_str(&format!("\n■ {}\n", section.heading));
            for table in &section.tables {
                out.push_str(&format!("\n  {}\n", table.caption));
                for (year, cells) in table.readable_rows() {
                    out.push_str(&format!("    {year}\n"));
                    for (header, value) in cells {
                        out.push_str(&format!("      {header}: {value}\n"));
                    }
                }
                for note in &table.notes {
                    out.push_str(&format!("  {note}\n"));
                }
            }
        }
        out
    }
}

impl Table {
    /// Per year, its label and `(header, value)` pairs as a reader reads them: the report's
    /// columns (an empty header joined to the one before), or the detail's where the table has
    /// one, so that every item stands beside its own count.
    pub fn readable_rows(&self) -> Vec<(String, Vec<(String, String)>)> {
        let table = self.detail.as_deref().unwrap_or(self);
        table
            .rows
            .iter()
            .map(|row| {
                (
                    row.first().cloned().unwrap_or_default(),
                    merged_columns(&table.headers, row),
                )
            })
            .collect()
    }
}

fn markdown_table(out: &mut String, table: &Table) {
    out.push_str(&markdown_row(&table.headers));
    out.push_str(&markdown_row(&vec!["---".to_string(); table.headers.len()]));
    for row in &table.rows {
        out.push_str(&markdown_row(row));
    }
    for note in &table.notes {
        out.push_str(&format!("\n{note}\n"));
    }
}

/// The columns of a row after the year, with a column under an empty header joined to the one before.
pub fn merged_columns(headers: &[String], row: &[String]) -> Vec<(String, String)> {
    let mut merged: Vec<(String, String)> = Vec::new();
    for (header, value) in headers.iter().zip(row).skip(1) {
        match merged.last_mut() {
            Some(last) if header.is_empty() => {
                last.1.push(' ');
                last.1.push_str(value);
            }
            _ => merged.push((header.clone(), value.clone())),
        }
    }
    merged
}

fn section_of(catalogue: &Catalogue, initiative: u8) -> String {
    match catalogue.initiative(initiative) {
        Some(i) if i.aim.is_empty() => format!("{}. {}", i.number, i.name),
        Some(i) => format!("{}. {} {}", i.number, i.name, i.aim),
        None => initiative.to_string(),
    }
}

fn markdown_row(cells: &[String]) -> String {
    let cells: Vec<String> = cells.iter().map(|c| c.replace('|', "\\|")).collect();
    format!("| {} |\n", cells.join(" | "))
}

/// The record types of a table's indicators, each once, with the indicator that first has it
/// and its description.
fn record_types<'a>(catalogue: &'a Catalogue, members: &[&'a Indicator]) -> Vec<(&'a Indicator, &'a RecordTypeSpec)> {
    let mut done: Vec<(&Indicator, &RecordTypeSpec)> = Vec::new();
    for indicator in members {
        for record_type in &indicator.records {
            if let Some(spec) = catalogue.record_type(*record_type) {
                if !done.iter().any(|(_, t)| t.record_type == *record_type) {
                    done.push((*indicator, spec));
                }
            }
        }
    }
    done
}

fn build_table(catalogue: &Catalogue, members: &[&Indicator], years: &[ReportYear]) -> Table {
    let mut headers = vec![YEAR_HEADER.to_string()];
    headers.extend(members.iter().flat_map(|i| i.columns.iter().cloned()));
    let types = record_types(catalogue, members);
    let (rows, values): (Vec<Vec<String>>, Vec<Vec<Value>>) = years
        .iter()
        .map(|y| {
            let label = y.year.label();
            let mut row = vec![(label.clone(), Value::Text(label))];
            for (indicator, spec) in &types {
                row.extend(cells(catalogue, indicator, spec, &y.figures));
            }
            row.into_iter().unzip()
        })
        .unzip();
    let mut notes = unit_notes(catalogue, &types);
    if types.iter().any(|(_, t)| t.layout == Layout::Subsidy)
        && years
            .iter()
            .any(|y| y.figures.subsidy.values().any(|c| c.applications.value().is_some()))
    {
        notes.push(format!("* ( ) 内は{}数", catalogue.subsidy.applied));
    }
    debug_assert_eq!(headers.len(), 1 + table_cells(&catalogue.record_types, members));
    let caption = members.iter().map(|i| i.title()).collect::<Vec<_>>().join(" ／ ");
    let figures = figure_table(catalogue, members, &types, years);
    let detail = types
        .iter()
        .find(|(_, t)| t.layout == Layout::List)
        .map(|(_, spec)| Box::new(list_detail(catalogue, members, spec, &caption, years)));
    Table {
        caption,
        headers,
        rows,
        values,
        notes,
        figures,
        detail,
    }
}

/// The units of the cells that the report prints as bare numbers: ③'s counts, ④'s yen.
fn unit_notes(catalogue: &Catalogue, types: &[(&Indicator, &RecordTypeSpec)]) -> Vec<String> {
    let mut notes = Vec::new();
    let bare: Vec<&(&Indicator, &RecordTypeSpec)> = types.iter().filter(|(_, t)| t.layout == Layout::Number).collect();
    if let Some((indicator, _)) = bare.first() {
        let columns: Vec<String> = bare.iter().map(|(i, t)| column_of(i, t.record_type)).collect();
        notes.push(format!("* {}の単位は{}", columns.join("・"), indicator.unit));
    }
    if let Some((indicator, _)) = types.iter().find(|(_, t)| t.layout == Layout::Subsidy) {
        let amount = indicator.columns.first().cloned().unwrap_or_default();
        let courses: Vec<&str> = catalogue.subsidy.courses.iter().map(|c| c.name.as_str()).collect();
        if courses.len() > 1 {
            notes.push(format!("* {amount}の単位は{YEN}（( ) 内は{}の順）", courses.join("・")));
        } else {
            notes.push(format!("* {amount}の単位は{YEN}"));
        }
    }
    notes
}

/// The report's column header of `record_type` within `indicator` (one per type where it has several),
/// or the indicator's title.
fn column_of(indicator: &Indicator, record_type: RecordType) -> String {
    let k = indicator.records.iter().position(|t| *t == record_type);
    match k.and_then(|k| indicator.columns.get(k)) {
        Some(column) if indicator.columns.len() == indicator.records.len() && !column.is_empty() => column.clone(),
        _ => indicator.title(),
    }
}

/// `<header>（<unit>）`.
fn with_unit(header: &str, unit: &str) -> String {
    format!("{header}（{unit}）")
}

/// The figure table: the days counted, then per record type its figures one per cell.
fn figure_table(
    catalogue: &Catalogue,
    members: &[&Indicator],
    types: &[(&Indicator, &RecordTypeSpec)],
    years: &[ReportYear],
) -> FigureTable {
    let columns = |figures: &Figures| -> Vec<(String, Value)> {
        types
            .iter()
            .flat_map(|(indicator, spec)| figure_cells(catalogue, members, indicator, spec, figures))
            .collect()
    };
    let mut headers = vec![YEAR_HEADER.to_string(), FROM_HEADER.to_string(), TO_HEADER.to_string()];
    headers.extend(columns(&Figures::unknown(catalogue)).into_iter().map(|(h, _)| h));
    let rows = years
        .iter()
        .map(|y| {
            let mut row = vec![Value::Text(y.year.label()), Value::Date(y.from), Value::Date(y.to)];
            row.extend(columns(&y.figures).into_iter().map(|(_, v)| v));
            row
        })
        .collect();
    FigureTable { headers, rows }
}

/// How the report names a `by` value of `spec`: its choice's `report` words, or itself.
fn shown_value<'a>(spec: &'a RecordTypeSpec, value: &'a str) -> &'a str {
    spec.by
        .and_then(|c| spec.field(c))
        .and_then(|f| f.choice(value))
        .map_or(value, |c| c.report_name())
}

/// One record type's figures in a year, each with its header.
fn figure_cells(
    catalogue: &Catalogue,
    members: &[&Indicator],
    indicator: &Indicator,
    spec: &RecordTypeSpec,
    f: &Figures,
) -> Vec<(String, Value)> {
    let unit = indicator.unit.as_str();
    let record_type = spec.record_type;
    let total = |n: Figure| {
        (
            with_unit(&format!("{} 計", indicator.title()), unit),
            Value::number(n.value(), unit),
        )
    };
    let single = |n: Figure| {
        vec![(
            with_unit(&column_of(indicator, record_type), unit),
            Value::number(n.value(), unit),
        )]
    };
    match spec.layout {
        Layout::Kinds | Layout::Values => {
            let mut cells: Vec<(String, Value)> = catalogue
                .by_values(spec)
                .iter()
                .map(|v| {
                    let figure = f.of(catalogue, record_type, v);
                    (with_unit(v, unit), Value::number(figure.value(), unit))
                })
                .collect();
            cells.push(total(f.count(catalogue, record_type, indicator.number)));
            cells
        }
        Layout::Count | Layout::Number => single(f.count(catalogue, record_type, indicator.number)),
        Layout::Subsidy => {
            let amount = indicator.columns.first().cloned().unwrap_or_default();
            let course = |name: &str| f.subsidy.get(name);
            let amounts: Vec<Option<u64>> = catalogue
                .subsidy
                .courses
                .iter()
                .map(|c| course(&c.name).and_then(|c| c.amount.value()))
                .collect();
            let mut cells = vec![(
                with_unit(&format!("{amount} 計"), YEN),
                Value::number(amounts.iter().copied().sum(), YEN),
            )];
            for (c, yen) in catalogue.subsidy.courses.iter().zip(&amounts) {
                cells.push((
                    with_unit(&format!("{amount} {}", c.name), YEN),
                    Value::number(*yen, YEN),
                ));
            }
            for c in &catalogue.subsidy.courses {
                let figures = course(&c.name);
                cells.push((
                    with_unit(&format!("{} {}", c.name, catalogue.subsidy.granted), unit),
                    Value::number(figures.and_then(|c| c.grants.value()), unit),
                ));
                cells.push((
                    with_unit(&format!("{} {}", c.name, catalogue.subsidy.applied), unit),
                    Value::number(figures.and_then(|c| c.applications.value()), unit),
                ));
            }
            cells
        }
        Layout::List => {
            let mut cells = Vec::new();
            for member in list_members(members, record_type) {
                let unit = member.unit.as_str();
                cells.push((
                    with_unit(&format!("{} 計", member.title()), unit),
                    Value::number(f.count(catalogue, record_type, member.number).value(), unit),
                ));
                for value in listed(catalogue, spec, member) {
                    let figure = f.of(catalogue, record_type, &value);
                    cells.push((
                        with_unit(shown_value(spec, &value), unit),
                        Value::number(figure.value(), unit),
                    ));
                }
            }
            cells
        }
    }
}

/// The indicators of a table that `record_type` feeds (⑧, ⑨).
fn list_members<'a>(members: &[&'a Indicator], record_type: RecordType) -> Vec<&'a Indicator> {
    members
        .iter()
        .filter(|i| i.records.contains(&record_type))
        .copied()
        .collect()
}

/// The `by` values of `spec` that feed `indicator`, in order.
fn listed(catalogue: &Catalogue, spec: &RecordTypeSpec, indicator: &Indicator) -> Vec<String> {
    catalogue
        .by_values(spec)
        .into_iter()
        .filter(|v| catalogue.routed(spec, v).is_none_or(|n| n == indicator.number))
        .collect()
}

/// A `list` type value by value: per indicator, `計9回（<value> 7回、<value> 2回、<value> 0回）`.
fn list_detail(
    catalogue: &Catalogue,
    members: &[&Indicator],
    spec: &RecordTypeSpec,
    caption: &str,
    years: &[ReportYear],
) -> Table {
    let members = list_members(members, spec.record_type);
    let by = spec.by.and_then(|c| spec.field(c)).map_or("", |f| f.name.as_str());
    let mut headers = vec![YEAR_HEADER.to_string()];
    headers.extend(members.iter().map(|i| {
        format!(
            "{}（{by}ごと）",
            i.columns.first().cloned().unwrap_or_else(|| i.title())
        )
    }));
    let rows: Vec<Vec<String>> = years
        .iter()
        .map(|y| {
            let mut row = vec![y.year.label()];
            for member in &members {
                row.push(list_pairs(catalogue, spec, member, &y.figures));
            }
            row
        })
        .collect();
    let values = rows
        .iter()
        .map(|row| row.iter().map(|cell| Value::Text(cell.clone())).collect())
        .collect();
    Table {
        caption: format!("{caption}（{by}ごとの回数）"),
        headers,
        rows,
        values,
        notes: Vec::new(),
        figures: FigureTable::default(),
        detail: None,
    }
}

/// `計9回（<value> 7回、<value> 2回、<value> 0回）`; `—` when nothing is known.
fn list_pairs(catalogue: &Catalogue, spec: &RecordTypeSpec, indicator: &Indicator, f: &Figures) -> String {
    let unit = indicator.unit.as_str();
    let counted = |figure: Figure| {
        figure
            .value()
            .map_or_else(|| DASH.to_string(), |n| format!("{n}{unit}"))
    };
    let values: Vec<(String, Figure)> = listed(catalogue, spec, indicator)
        .into_iter()
        .map(|v| {
            let figure = f.of(catalogue, spec.record_type, &v);
            (shown_value(spec, &v).to_string(), figure)
        })
        .collect();
    if values.iter().all(|(_, figure)| figure.value().is_none()) {
        return DASH.to_string();
    }
    let items: Vec<String> = values
        .iter()
        .map(|(name, figure)| format!("{name} {}", counted(*figure)))
        .collect();
    let total = counted(f.count(catalogue, spec.record_type, indicator.number));
    format!("計{total}（{}）", items.join("、"))
}

/// The cells one record type fills in a year's row, by its layout: the report's wording, and
/// the cell typed (a number where the cell is one figure).
fn cells(catalogue: &Catalogue, indicator: &Indicator, spec: &RecordTypeSpec, f: &Figures) -> Vec<(String, Value)> {
    let unit = indicator.unit.as_str();
    let figure = f.count(catalogue, spec.record_type, indicator.number);
    let texts = |cells: Vec<String>| -> Vec<(String, Value)> {
        cells
            .into_iter()
            .map(|text| (text.clone(), Value::Text(text)))
            .collect()
    };
    match spec.layout {
        // `106件`, `2回`, `—`.
        Layout::Count => {
            let text = figure
                .value()
                .map_or_else(|| DASH.to_string(), |n| format!("{n}{unit}"));
            vec![(text, Value::number(figure.value(), unit))]
        }
        // `1720`: the report prints ③ without its unit, which a note under the table gives.
        Layout::Number => {
            let text = figure.value().map_or_else(|| DASH.to_string(), |n| n.to_string());
            vec![(text, Value::number(figure.value(), unit))]
        }
        Layout::Kinds => texts(vec![kinds_cell(catalogue, spec, f)]),
        Layout::Values => texts(values_cells(catalogue, spec, f, unit, indicator.columns.len())),
        Layout::Subsidy => texts(subsidy_cells(catalogue, f, unit)),
        Layout::List => texts(list_cells(catalogue, spec, f)),
    }
}

/// `<kind> 年5回 <kind>（<status>） <kind>`: each value
/// with records, the times it was held plain, the statuses with `report` words in parentheses.
fn kinds_cell(catalogue: &Catalogue, spec: &RecordTypeSpec, f: &Figures) -> String {
    if !f.counts.contains_key(&spec.record_type) {
        return DASH.to_string();
    }
    let statuses = spec
        .detail
        .and_then(|c| spec.field(c))
        .map(|f| f.choices.clone())
        .unwrap_or_default();
    let mut parts = Vec::new();
    for value in catalogue.by_values(spec) {
        let Some(by_status) = f
            .details(spec.record_type, &value)
            .filter(|m| m.values().any(|n| *n > 0))
        else {
            continue;
        };
        let plain: u64 = if statuses.is_empty() {
            by_status.values().sum()
        } else {
            statuses
                .iter()
                .filter(|s| s.report.is_none())
                .filter_map(|s| by_status.get(&s.name))
                .sum()
        };
        let marked: Vec<(&str, u64)> = statuses
            .iter()
            .filter_map(|s| Some((s.report.as_deref()?, *by_status.get(&s.name)?)))
            .filter(|(_, n)| *n > 0)
            .collect();
        let mut part = shown_value(spec, &value).to_string();
        if plain >= 2 {
            part.push_str(&format!(" 年{plain}回"));
        }
        for (word, n) in &marked {
            if plain == 0 && marked.len() == 1 && *n == 1 {
                part.push_str(&format!("（{word}）"));
            } else {
                part.push_str(&format!("（{word}{n}回）"));
            }
        }
        parts.push(part);
    }
    if parts.is_empty() {
        // Known to have had none: `—` is for what is not known.
        NONE.to_string()
    } else {
        parts.join(" ")
    }
}

/// `<value>5回 <value>2回 …`, the values spread in order over `columns` cells.
fn values_cells(catalogue: &Catalogue, spec: &RecordTypeSpec, f: &Figures, unit: &str, columns: usize) -> Vec<String> {
    let items: Vec<String> = catalogue
        .by_values(spec)
        .iter()
        .map(|value| {
            let name = shown_value(spec, value);
            match f.of(catalogue, spec.record_type, value).value() {
                Some(n) => format!("{name}{n}{unit}"),
                None => format!("{name}{DASH}"),
            }
        })
        .collect();
    let per_cell = items.len().div_ceil(columns.max(1)).max(1);
    let mut cells: Vec<String> = items.chunks(per_cell).map(|chunk| chunk.join(" ")).collect();
    cells.resize(columns.max(1), String::new());
    cells
}

/// `368,000 (266,000・102,000)` and `<course> 2件(3) <course> 1件(2)`.
fn subsidy_cells(catalogue: &Catalogue, f: &Figures, unit: &str) -> Vec<String> {
    let courses: Vec<(&str, Option<&crate::domain::figures::CourseFigures>)> = catalogue
        .subsidy
        .courses
        .iter()
        .map(|c| (c.name.as_str(), f.subsidy.get(&c.name)))
        .collect();
    let amounts: Vec<Option<u64>> = courses.iter().map(|(_, c)| c.and_then(|c| c.amount.value())).collect();
    let total = amounts
        .iter()
        .copied()
        .sum::<Option<u64>>()
        .map_or_else(|| DASH.to_string(), group_thousands);
    let each: Vec<String> = amounts
        .iter()
        .map(|a| a.map_or_else(|| DASH.to_string(), group_thousands))
        .collect();
    let amount = if each.len() > 1 {
        format!("{total} ({})", each.join("・"))
    } else {
        total
    };
    let breakdown: Vec<String> = courses
        .iter()
        .map(|(name, c)| {
            let grants = c
                .and_then(|c| c.grants.value())
                .map_or_else(|| DASH.to_string(), |n| format!("{n}{unit}"));
            let applications = c
                .and_then(|c| c.applications.value())
                .map(|n| format!("({n})"))
                .unwrap_or_default();
            format!("{name} {grants}{applications}")
        })
        .collect();
    vec![amount, breakdown.join(" ")]
}

/// `・ <value> ・ <value>` and `6回 7回`: the values that had records, and how
/// many, as the report lists them (every value with its count, 0 included, is in the table's
/// detail); `なし` and `0回` for a year known to have had none.
fn list_cells(catalogue: &Catalogue, spec: &RecordTypeSpec, f: &Figures) -> Vec<String> {
    let values = catalogue.by_values(spec);
    let known = values
        .iter()
        .any(|v| f.of(catalogue, spec.record_type, v).value().is_some());
    if !known {
        return vec![DASH.to_string(), DASH.to_string()];
    }
    let unit_of = |value: &str| {
        let indicator = match catalogue.routed(spec, value) {
            Some(n) => catalogue.indicator(n),
            None => catalogue
                .indicators
                .iter()
                .find(|i| i.records.contains(&spec.record_type)),
        };
        indicator.map_or("回", |i| i.unit.as_str())
    };
    let mut items = Vec::new();
    let mut counts = Vec::new();
    for value in &values {
        let figure = f.of(catalogue, spec.record_type, value);
        match figure.value() {
            Some(0) => continue,
            Some(n) => counts.push(format!("{n}{}", unit_of(value))),
            None => counts.push(DASH.to_string()),
        }
        items.push(format!("・ {}", shown_value(spec, value)));
    }
    if items.is_empty() {
        let unit = values.first().map_or("回", |v| unit_of(v));
        return vec![NONE.to_string(), format!("0{unit}")];
    }
    vec![items.join(" "), counts.join(" ")]
}
