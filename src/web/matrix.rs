//! `/matrix` (`?fy=2025`, `&format=csv|xlsx|png`): the contact matrix of a fiscal year — every
//! district by area × every month, with each area's and each month's totals — read from the
//! running tallies by `Store::contact_matrix` (`domain::matrix`), the one the digest draws as a
//! heat map. A cell's shade is a class (`l0`–`l4`, a fifth of the largest cell each), so the
//! page needs no inline style; the count is always written in the cell. Its files: CSV
//! (`render::csv::matrix_csv`), XLSX (`render::xlsx::matrix_xlsx`) and the digest's PNG heat
//! map (`render::heatmap::render_png`).

use super::overview::{year_choices, year_label, Choice};
use super::page::{self, Frame, Tab};
use super::query::{Format, Query};
use super::session::Signed;
use super::{signed_page, Web};
use crate::app::App;
use crate::domain::matrix::Matrix;
use crate::domain::totals::year_to_date;
use crate::domain::FiscalYear;
use crate::render::csv::matrix_csv;
use crate::render::heatmap::render_png;
use crate::render::xlsx::matrix_xlsx;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use std::sync::Arc;

pub async fn get(State(web): State<Arc<Web>>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    signed_page(web, headers, query, matrix).await
}

/// A count and its shade.
struct Cell {
    count: u64,
    level: u8,
}

/// A row: the area's own (its totals, `districts met/districts`) or a district's.
struct Row {
    area: Option<String>,
    name: String,
    cells: Vec<Cell>,
    total: u64,
}

#[derive(Template)]
#[template(path = "matrix.html")]
struct MatrixPage {
    frame: Frame,
    heading: String,
    years: Vec<Choice>,
    counted: String,
    period: String,
    months: Vec<String>,
    rows: Vec<Row>,
    totals: Vec<u64>,
    total: u64,
    empty: bool,
    csv: String,
    xlsx: String,
    png: String,
}

fn matrix(app: &mut App, signed: &Signed, query: &Query, now: DateTime<Utc>) -> Response {
    let catalogue = &app.settings.catalogue;
    let start = catalogue.fiscal_year_start;
    let today = app.today(now);
    let current = FiscalYear::containing(today, start);
    let format = match query.format(&[Format::Csv, Format::Xlsx, Format::Png]) {
        Ok(format) => format,
        Err(e) => return page::bad_request(&e, signed),
    };
    let year = match query.fiscal_year() {
        Ok(year) => year.unwrap_or(current),
        Err(e) => return page::bad_request(&e, signed),
    };
    let Some(period) = year_to_date(year, start, today) else {
        let message = format!(
            "年度（fy）: {}はまだ始まっていません（今は{}です）",
            year_label(year),
            year_label(current)
        );
        return page::bad_request(&message, signed);
    };
    // A baseline year is known as its totals only (as the annual report says).
    let found = if app.settings.baseline.contains_key(&year) {
        None
    } else {
        match app.store.contact_matrix(catalogue, period.from, period.to) {
            Ok(found) => found,
            Err(e) => return page::store_error(&e, Some(signed)),
        }
    };
    let heading = format!("{}の区×月の連携", year_label(year));
    let title = format!("{heading}（{}〜{}）", period.from, period.to);
    let name = format!("kyodo-matrix-{}", year.start_year());
    match (format, &found) {
        (Some(file), Some(found)) => return download(&name, &title, found, file),
        (Some(_), None) => {
            let message = format!("{}は区ごとの記録がないため、ファイルにできません", year_label(year));
            return page::bad_request(&message, signed);
        }
        (None, _) => {}
    }
    let file = |format: Format| format!("/matrix?fy={}&format={}", year.start_year(), format.key());
    let page = MatrixPage {
        frame: Frame::new(heading.clone(), Some(signed), Tab::Matrix),
        heading,
        years: year_choices(app, current, |y| y == year),
        counted: found.as_ref().map_or_else(String::new, |m| m.counted.clone()),
        period: format!(
            "{}〜{}",
            crate::domain::date_label(period.from),
            crate::domain::date_label(period.to)
        ),
        months: found
            .as_ref()
            .map(|m| m.months.iter().map(|ym| format!("{}月", ym.month())).collect())
            .unwrap_or_default(),
        rows: found.as_ref().map(rows).unwrap_or_default(),
        totals: found.as_ref().map(Matrix::month_totals).unwrap_or_default(),
        total: found.as_ref().map_or(0, Matrix::total),
        empty: found.is_none(),
        csv: file(Format::Csv),
        xlsx: file(Format::Xlsx),
        png: file(Format::Png),
    };
    page::html(StatusCode::OK, &page)
}

/// Each area's row, then its districts'.
fn rows(matrix: &Matrix) -> Vec<Row> {
    let largest = matrix.largest();
    let level = |n: u64| -> u8 {
        if n == 0 || largest == 0 {
            0
        } else {
            u8::try_from((n * 4).div_ceil(largest).clamp(1, 4)).unwrap_or(4)
        }
    };
    let len = matrix.months.len();
    let mut rows = Vec::new();
    for area in &matrix.areas {
        let months = area.months(len);
        rows.push(Row {
            area: Some(format!("{}（{}/{}区）", area.area, area.met(), area.districts.len())),
            name: area.area.clone(),
            total: months.iter().sum(),
            cells: months.into_iter().map(|count| Cell { count, level: 0 }).collect(),
        });
        for district in &area.districts {
            rows.push(Row {
                area: None,
                name: district.district.clone(),
                total: district.total(),
                cells: district
                    .months
                    .iter()
                    .map(|&count| Cell {
                        count,
                        level: level(count),
                    })
                    .collect(),
            });
        }
    }
    rows
}

fn download(name: &str, title: &str, matrix: &Matrix, file: Format) -> Response {
    match file {
        Format::Csv => page::download(&format!("{name}.csv"), matrix_csv(title, matrix)),
        Format::Xlsx => match matrix_xlsx(title, matrix) {
            Ok(bytes) => page::download(&format!("{name}.xlsx"), bytes),
            Err(e) => {
                tracing::error!(error = %e, "the matrix's XLSX file could not be made");
                page::internal_error()
            }
        },
        Format::Png => match render_png(matrix, title) {
            Ok(bytes) => page::download(&format!("{name}.png"), bytes),
            Err(e) => {
                tracing::error!(error = %e, "the matrix's PNG could not be drawn");
                page::internal_error()
            }
        },
    }
}
