//! The annual report: the official report's tables, one row per fiscal year (実施年度) for a
//! year and the two before it, each cell in the report's own wording
//! (`役員会 年5回 新任区長研修会（中止）…`, `東南部0回`, `368,000 (266,000・102,000)`, `—`).
//!
//! `AnnualReport::build` lays the figures out as tables of strings; `markdown` and `text` print
//! them. Every other format (CSV, XLSX, embeds) reads the same tables.

use super::DASH;
use crate::domain::catalogue::{table_cells, Catalogue, Indicator};
use crate::domain::number::group_thousands;
use crate::domain::{Figure, Figures, FiscalYear, RecordType};

/// One table of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The indicators side by side in this table, e.g. `③ぼらせん相談・マッチング`.
    pub caption: String,
    /// `実施年度` and the indicators' column headers; an empty header continues the one before.
    pub headers: Vec<String>,
    /// One row per fiscal year, oldest first; the first cell is the year's label.
    pub rows: Vec<Vec<String>>,
    /// Footnotes, e.g. what a figure in parentheses means.
    pub notes: Vec<String>,
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
    /// `小諸市自治基本条例 実績（平成30年度から令和2年度）`.
    pub title: String,
    /// Where each year's figures came from.
    pub sources: Vec<String>,
    pub sections: Vec<Section>,
}

/// The header of the first column.
const YEAR_HEADER: &str = "実施年度";

impl AnnualReport {
    /// Lays out `years` (oldest first, each with its figures and a note on where they came from).
    pub fn build(catalogue: &Catalogue, years: &[(FiscalYear, Figures, String)]) -> AnnualReport {
        let title = match (years.first(), years.last()) {
            (Some(first), Some(last)) => format!(
                "{}（{}から{}）",
                catalogue.report_title,
                first.0.label(),
                last.0.label()
            ),
            _ => catalogue.report_title.clone(),
        };
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
            sources: years
                .iter()
                .map(|(year, _, source)| format!("{}: {source}", year.label()))
                .collect(),
            sections,
        }
    }

    /// GitHub-flavoured Markdown: a heading per initiative, a table per table of the report.
    pub fn markdown(&self) -> String {
        let mut out = format!("# {}\n\n", self.title);
        for source in &self.sources {
            out.push_str(&format!("- {source}\n"));
        }
        for section in &self.sections {
            out.push_str(&format!("\n## {}\n", section.heading));
            for table in &section.tables {
                out.push_str(&format!("\n### {}\n\n", table.caption));
                out.push_str(&markdown_row(&table.headers));
                out.push_str(&markdown_row(&vec!["---".to_string(); table.headers.len()]));
                for row in &table.rows {
                    out.push_str(&markdown_row(row));
                }
                for note in &table.notes {
                    out.push_str(&format!("\n{note}\n"));
                }
            }
        }
        out
    }

    /// Plain text for a terminal or a chat message: per table, per year, one line per indicator.
    pub fn text(&self) -> String {
        let mut out = format!("{}\n", self.title);
        for source in &self.sources {
            out.push_str(&format!("  {source}\n"));
        }
        for section in &self.sections {
            out.push_str(&format!("\n■ {}\n", section.heading));
            for table in &section.tables {
                out.push_str(&format!("\n  {}\n", table.caption));
                for row in &table.rows {
                    out.push_str(&format!("    {}\n", row.first().map_or("", String::as_str)));
                    for (header, value) in merged_columns(&table.headers, row) {
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

fn build_table(catalogue: &Catalogue, members: &[&Indicator], years: &[(FiscalYear, Figures, String)]) -> Table {
    let mut headers = vec![YEAR_HEADER.to_string()];
    headers.extend(members.iter().flat_map(|i| i.columns.iter().cloned()));
    let mut notes = Vec::new();
    let rows = years
        .iter()
        .map(|(year, figures, _)| {
            let mut row = vec![year.label()];
            let mut done = Vec::new();
            for indicator in members {
                for record_type in &indicator.records {
                    if !done.contains(record_type) {
                        done.push(*record_type);
                        row.extend(cells(catalogue, indicator, *record_type, figures));
                    }
                }
            }
            row
        })
        .collect::<Vec<_>>();
    if members.iter().any(|i| i.records.contains(&RecordType::Subsidy))
        && years
            .iter()
            .any(|(_, f, _)| f.subsidy.values().any(|c| c.applications.value().is_some()))
    {
        notes.push("* ( ) 内は申請数".to_string());
    }
    debug_assert_eq!(headers.len(), 1 + table_cells(members));
    Table {
        caption: members.iter().map(|i| i.title()).collect::<Vec<_>>().join(" ／ "),
        headers,
        rows,
        notes,
    }
}

/// The cells one record type fills in a year's row.
fn cells(catalogue: &Catalogue, indicator: &Indicator, record_type: RecordType, f: &Figures) -> Vec<String> {
    let unit = indicator.unit.as_str();
    let counted = |figure: Figure| {
        figure
            .value()
            .map_or_else(|| DASH.to_string(), |n| format!("{n}{unit}"))
    };
    let plain = |figure: Figure| figure.value().map_or_else(|| DASH.to_string(), |n| n.to_string());
    match record_type {
        RecordType::Council => vec![council_cell(catalogue, f)],
        RecordType::Meeting => meeting_cells(catalogue, f, unit, indicator.columns.len()),
        RecordType::Consultation => vec![plain(f.consultations)],
        RecordType::Match => vec![plain(f.matches)],
        RecordType::Subsidy => subsidy_cells(catalogue, f, unit),
        RecordType::Participation => vec![counted(f.participation)],
        RecordType::Collab => vec![counted(f.collab)],
        RecordType::Info => vec![counted(f.info)],
        RecordType::Publicity => publicity_cells(catalogue, f),
    }
}

/// `役員会 年5回 新任区長研修会（中止） 総会（書面議決） 視察研修（中止） 全体研修会`.
fn council_cell(catalogue: &Catalogue, f: &Figures) -> String {
    let Some(council) = &f.council else {
        return DASH.to_string();
    };
    let mut parts = Vec::new();
    for kind in &catalogue.council.kinds {
        let Some(by_status) = council.get(kind).filter(|m| m.values().any(|n| *n > 0)) else {
            continue;
        };
        let plain: u64 = catalogue
            .council
            .statuses
            .iter()
            .filter(|s| s.report.is_none())
            .filter_map(|s| by_status.get(&s.name))
            .sum();
        let marked: Vec<(&str, u64)> = catalogue
            .council
            .statuses
            .iter()
            .filter_map(|s| Some((s.report.as_deref()?, *by_status.get(&s.name)?)))
            .filter(|(_, n)| *n > 0)
            .collect();
        let mut part = kind.clone();
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
        DASH.to_string()
    } else {
        parts.join(" ")
    }
}

/// `東南部5回 東部2回 …`, the areas spread in order over `columns` cells.
fn meeting_cells(catalogue: &Catalogue, f: &Figures, unit: &str, columns: usize) -> Vec<String> {
    let items: Vec<String> = catalogue
        .areas
        .iter()
        .map(|area| {
            let figure = f.meetings.get(&area.name).copied().unwrap_or(Figure::known(0));
            match figure.value() {
                Some(n) => format!("{}{n}{unit}", area.name),
                None => format!("{}{DASH}", area.name),
            }
        })
        .collect();
    let per_cell = items.len().div_ceil(columns.max(1)).max(1);
    let mut cells: Vec<String> = items.chunks(per_cell).map(|chunk| chunk.join(" ")).collect();
    cells.resize(columns.max(1), String::new());
    cells
}

/// `368,000 (266,000・102,000)` and `チャレンジ 2件(3) ステップアップ 1件(2)`.
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

/// `・ 4コマによる普及 ・ ぼらせんこもろ` and `6回 7回`: the kinds that had items, and how many.
fn publicity_cells(catalogue: &Catalogue, f: &Figures) -> Vec<String> {
    let known = catalogue
        .publicity
        .kinds
        .iter()
        .any(|k| f.publicity.get(&k.name).is_none_or(|figure| figure.value().is_some()));
    if !known {
        return vec![DASH.to_string(), DASH.to_string()];
    }
    let mut items = Vec::new();
    let mut counts = Vec::new();
    for kind in &catalogue.publicity.kinds {
        let figure = f.publicity.get(&kind.name).copied().unwrap_or(Figure::known(0));
        let unit = catalogue.indicator(kind.indicator).map_or("回", |i| i.unit.as_str());
        match figure.value() {
            Some(0) => continue,
            Some(n) => counts.push(format!("{n}{unit}")),
            None => counts.push(DASH.to_string()),
        }
        items.push(format!("・ {}", kind.report));
    }
    if items.is_empty() {
        return vec![DASH.to_string(), DASH.to_string()];
    }
    vec![items.join(" "), counts.join(" ")]
}
