//! `/summary month [month]`: the monthly digest (`digest.rs`) with its chart.
//! `/summary year [fiscal_year]`: the annual summary — the official report's tables for a
//! fiscal year and the two before it — rendered for chat. Defaults to the last year that ended.

use super::spec::Command;
use super::{digest, today, Failure, Hints, Request};
use crate::app::App;
use crate::domain::dates::parse_fiscal_year;
use crate::domain::dates::parse_month;
use crate::domain::validate::UserError;
use crate::domain::FiscalYear;
use crate::domain::YearMonth;
use crate::render::reply::{Reply, Section, Visibility};
use crate::render::report::AnnualReport;

/// `/summary month [month]`: the monthly digest, with its chart attached, seen as `shown`.
pub(super) fn month(app: &mut App, request: &Request, shown: Visibility, hints: &Hints) -> Result<Reply, Failure> {
    let today = today(app, request);
    let month = match request.invocation.text("month") {
        Some(text) => parse_month(&text, today).map_err(|e| UserError::field("月（month）", e.to_string()))?,
        None => YearMonth::of(today).previous(),
    };
    let annual =
        |year: FiscalYear| hints.command(Command::SummaryYear, &[("fiscal_year", &year.start_year().to_string())]);
    digest::check_month(app, month, annual)?;
    let built = digest::build(app, month, today)?;
    let pictures = built.pictures();
    let mut reply = Reply {
        visibility: shown,
        ..built.reply
    };
    match pictures {
        Ok(pictures) => reply.files.extend(pictures),
        Err(e) => tracing::error!(error = %e, "the digest's pictures could not be drawn"),
    }
    Ok(reply)
}

/// `/summary year [fiscal_year]`: the annual summary in the official report's layout, seen as
/// `shown`.
pub(super) fn year(app: &mut App, request: &Request, shown: Visibility) -> Result<Reply, Failure> {
    let inv = &request.invocation;
    let today = today(app, request);
    let current = FiscalYear::containing(today, app.settings.catalogue.fiscal_year_start);
    let year = match inv.text("fiscal_year") {
        Some(text) => parse_fiscal_year(&text).map_err(|e| UserError::field("年度（fiscal_year）", e.to_string()))?,
        None => current.previous(),
    };
    if year > current {
        return Err(UserError::field(
            "年度（fiscal_year）",
            format!("{}はまだ始まっていません（今は{}です）", year.label(), current.label()),
        )
        .into());
    }
    let report = app.annual_report(year, today)?;
    Ok(Reply {
        visibility: shown,
        ..annual_reply(&report)
    })
}

/// The annual summary as a reply: the report's tables, one section per table, one line per
/// year, each figure beside its header (⑧⑨ item by item, each kind beside its own count). The
/// title says 「年度途中（〜12月2日）」 while the last year runs.
pub fn annual_reply(report: &AnnualReport) -> Reply {
    let mut sections = vec![Section::lines(report.sources.clone())];
    for section in &report.sections {
        for table in &section.tables {
            let mut lines = Vec::new();
            for (year, cells) in table.readable_rows() {
                let cells: Vec<String> = cells
                    .into_iter()
                    .map(|(header, value)| format!("{header}: {value}"))
                    .collect();
                lines.push(format!("{year}　{}", cells.join("　")));
            }
            lines.extend(table.notes.iter().cloned());
            sections.push(Section::new(format!("{} — {}", section.heading, table.caption), lines));
        }
    }
    Reply::done(Visibility::Public, report.title.clone(), sections)
}
