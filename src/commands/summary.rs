//! `/summary year [fiscal_year]`: the annual summary — the official report's tables for a
//! fiscal year and the two before it — rendered for chat. Defaults to the last year that ended.

use super::{today, Failure, Reply, Request, Section, Visibility};
use crate::app::App;
use crate::domain::dates::parse_fiscal_year;
use crate::domain::validate::UserError;
use crate::domain::FiscalYear;
use crate::render::report::merged_columns;

pub(super) fn handle(app: &mut App, request: &Request) -> Result<Reply, Failure> {
    let inv = &request.invocation;
    if inv.subcommand.as_deref() != Some("year") {
        return Err(UserError::new("まとめの種類を選んでください（例: /summary year）").into());
    }
    let current = FiscalYear::containing(
        today(app, request),
        app.settings.catalogue.fiscal_year_start,
    );
    let year = match inv.text("fiscal_year") {
        Some(text) => parse_fiscal_year(&text)
            .map_err(|e| UserError::field("年度（fiscal_year）", e.to_string()))?,
        None => current.previous(),
    };
    if year > current {
        return Err(UserError::field(
            "年度（fiscal_year）",
            format!(
                "{}はまだ始まっていません（今は{}です）",
                year.label(),
                current.label()
            ),
        )
        .into());
    }
    let report = app.annual_report(year)?;
    let mut sections = vec![Section::lines(report.sources.clone())];
    for section in &report.sections {
        for table in &section.tables {
            let mut lines = Vec::new();
            for row in &table.rows {
                let cells: Vec<String> = merged_columns(&table.headers, row)
                    .into_iter()
                    .map(|(header, value)| format!("{header}: {value}"))
                    .collect();
                lines.push(format!(
                    "{}　{}",
                    row.first().map_or("", String::as_str),
                    cells.join("　")
                ));
            }
            lines.extend(table.notes.iter().cloned());
            sections.push(Section::new(
                format!("{} — {}", section.heading, table.caption),
                lines,
            ));
        }
    }
    if year == current {
        sections.push(Section::lines(vec![format!(
            "{}は年度の途中です。数値は今日までの記録です",
            year.label()
        )]));
    }
    Ok(Reply::done(Visibility::Public, report.title, sections))
}
