//! `/report` (`?fy=2025`, `&format=csv|xlsx`): the annual report in the official layout — that
//! year and the two before it, table by table as the city's report prints them — from
//! `App::annual_report`, the one the bot posts and `kyodo report` prints; an A4 print stylesheet;
//! its CSV and XLSX are `render::csv::annual_csv` and `render::xlsx::annual_xlsx`.

use super::overview::{year_choices, year_label, Choice};
use super::page::{self, Frame, Tab};
use super::query::{Format, Query};
use super::session::Signed;
use super::{signed_page, Web};
use crate::app::App;
use crate::domain::FiscalYear;
use crate::render::csv::annual_csv;
use crate::render::report::{AnnualReport, Table};
use crate::render::xlsx::annual_xlsx;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use std::sync::Arc;

pub async fn get(State(web): State<Arc<Web>>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    signed_page(web, headers, query, report).await
}

/// A header cell: an empty header of the report continues the one before it.
struct Header {
    text: String,
    span: usize,
}

struct TableView {
    caption: String,
    headers: Vec<Header>,
    rows: Vec<Vec<String>>,
    notes: Vec<String>,
    /// A table's detail (each item beside its count), printed under it.
    detail: bool,
}

struct SectionView {
    heading: String,
    tables: Vec<TableView>,
}

#[derive(Template)]
#[template(path = "report.html")]
struct Report {
    frame: Frame,
    title: String,
    years: Vec<Choice>,
    sources: Vec<String>,
    sections: Vec<SectionView>,
    csv: String,
    xlsx: String,
}

fn report(app: &mut App, signed: &Signed, query: &Query, now: DateTime<Utc>) -> Response {
    let start = app.settings.catalogue.fiscal_year_start;
    let today = app.today(now);
    let current = FiscalYear::containing(today, start);
    let (year, format) = match (query.fiscal_year(), query.format(&[Format::Csv, Format::Xlsx])) {
        (Ok(year), Ok(format)) => (year.unwrap_or(current.previous()), format),
        (Err(e), _) | (_, Err(e)) => return page::bad_request(&e, signed),
    };
    if year > current {
        let message = format!(
            "年度（fy）: {}はまだ始まっていません（今は{}です）",
            year_label(year),
            year_label(current)
        );
        return page::bad_request(&message, signed);
    }
    let annual = match app.annual_report(year, today) {
        Ok(annual) => annual,
        Err(e) => return page::store_error(&e, Some(signed)),
    };
    let name = format!("kyodo-report-{}", year.start_year());
    match format {
        Some(Format::Csv | Format::Png) => return page::download(&format!("{name}.csv"), annual_csv(&annual)),
        Some(Format::Xlsx) => {
            return match annual_xlsx(&annual) {
                Ok(bytes) => page::download(&format!("{name}.xlsx"), bytes),
                Err(e) => {
                    tracing::error!(error = %e, "the annual report's XLSX file could not be made");
                    page::internal_error()
                }
            }
        }
        None => {}
    }
    let file = |format: Format| format!("/report?fy={}&format={}", year.start_year(), format.key());
    let page = Report {
        frame: Frame::new(format!("{}の年次報告", year_label(year)), Some(signed), Tab::Report),
        years: year_choices(app, current, |y| y == year),
        csv: file(Format::Csv),
        xlsx: file(Format::Xlsx),
        title: annual.title.clone(),
        sources: annual.sources.clone(),
        sections: sections(&annual),
    };
    page::html(StatusCode::OK, &page)
}

fn sections(annual: &AnnualReport) -> Vec<SectionView> {
    annual
        .sections
        .iter()
        .map(|section| SectionView {
            heading: section.heading.clone(),
            tables: section
                .tables
                .iter()
                .flat_map(|t| std::iter::once(view(t, false)).chain(t.detail.as_deref().map(|d| view(d, true))))
                .collect(),
        })
        .collect()
}

fn view(table: &Table, detail: bool) -> TableView {
    let mut headers: Vec<Header> = Vec::new();
    for header in &table.headers {
        match headers.last_mut() {
            Some(last) if header.is_empty() => last.span += 1,
            _ => headers.push(Header {
                text: header.clone(),
                span: 1,
            }),
        }
    }
    TableView {
        caption: table.caption.clone(),
        headers,
        rows: table.rows.clone(),
        notes: table.notes.clone(),
        detail,
    }
}
