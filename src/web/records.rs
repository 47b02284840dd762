//! `/records`: the live records a filter selects — a fiscal year (`fy`) or a period (`from`,
//! `to`), a record type (`type`), an area, a district, and for admins part of a reporter's name
//! (`reporter`) — the latest date first, `PAGE_SIZE` a page (`page`); with `format=csv|xlsx`
//! every record the filter selects, as the export writes them (`render::csv::RecordsCsv`, its
//! formula guard; `render::xlsx::RecordsXlsx`), sent from a temporary file. Staff see no
//! reporter's name: not in the table, and 「（非表示）」 in the files.

use super::overview::{year_choices, year_label, Choice};
use super::page::{self, Frame, Tab};
use super::query::{Format, Query};
use super::session::Signed;
use super::{signed_page, Web};
use crate::app::App;
use crate::domain::calendar::date_label;
use crate::domain::record::{Record, RecordFilter};
use crate::domain::record_type::FieldKind;
use crate::domain::{Catalogue, FiscalYear};
use crate::render::csv::RecordsCsv;
use crate::render::record::{describe, indicator_of};
use crate::render::record_table::source_label;
use crate::render::xlsx::RecordsXlsx;
use crate::store::Order;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use std::io::BufWriter;
use std::sync::Arc;

/// Records a page.
pub const PAGE_SIZE: usize = 50;
/// What a reporter's name reads as for staff.
const HIDDEN: &str = "（非表示）";

pub async fn get(State(web): State<Arc<Web>>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    signed_page(web, headers, query, records).await
}

/// A record as a row of the table.
struct Row {
    id: i64,
    date: String,
    indicator: String,
    what: String,
    reporter: String,
    source: String,
}

#[derive(Template)]
#[template(path = "records.html")]
struct Records {
    frame: Frame,
    admin: bool,
    heading: String,
    years: Vec<Choice>,
    types: Vec<Choice>,
    areas: Vec<Choice>,
    districts: Vec<String>,
    from: String,
    to: String,
    district: String,
    reporter: String,
    total: usize,
    shown: String,
    rows: Vec<Row>,
    previous: Option<String>,
    next: Option<String>,
    csv: String,
    xlsx: String,
}

/// What the query selects, read and checked.
struct Selection {
    filter: RecordFilter,
    said: Vec<String>,
}

fn records(app: &mut App, signed: &Signed, query: &Query, now: DateTime<Utc>) -> Response {
    let catalogue = &app.settings.catalogue;
    let selection = match selection(catalogue, signed, query) {
        Ok(selection) => selection,
        Err(message) => return page::bad_request(&message, signed),
    };
    let (page_no, format) = match (query.page(), query.format(&[Format::Csv, Format::Xlsx])) {
        (Ok(page), Ok(format)) => (page, format),
        (Err(e), _) | (_, Err(e)) => return page::bad_request(&e, signed),
    };
    if let Some(format) = format {
        return download(app, signed, &selection.filter, format);
    }
    let offset = (page_no - 1) * PAGE_SIZE;
    let (records, total) = match app.store.records_page(&selection.filter, offset, PAGE_SIZE) {
        Ok(page) => page,
        Err(e) => return page::store_error(&e, Some(signed)),
    };
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    if page_no > pages {
        let message = format!("ページ（page）は 1〜{pages} で指定してください（全{total}件）");
        return page::bad_request(&message, signed);
    }
    let catalogue = &app.settings.catalogue;
    let admin = signed.user.admin;
    let rows = records.iter().map(|r| row(catalogue, r, admin)).collect();
    let start = catalogue.fiscal_year_start;
    let current = FiscalYear::containing(app.today(now), start);
    let chosen_year = query.get("fy");
    let chosen_type = query.get("type");
    let chosen_area = query.get("area");
    let heading = if selection.said.is_empty() {
        "記録の一覧（すべて）".to_string()
    } else {
        format!("記録の一覧（{}）", selection.said.join("・"))
    };
    let link = |page: usize| format!("/records?{}", query.with("page", Some(&page.to_string())));
    let file = |format: Format| format!("/records?{}", query.with("page", None) + "&format=" + format.key());
    let shown = if total == 0 {
        "条件に合う記録はありません".to_string()
    } else {
        format!(
            "全{total}件中 {}〜{}件目（{page_no}/{pages}ページ、日付の新しい順）",
            offset + 1,
            offset + records.len()
        )
    };
    let page = Records {
        frame: Frame::new(heading.clone(), Some(signed), Tab::Records),
        admin,
        heading,
        years: year_choices(app, current, |y| {
            chosen_year == Some(y.start_year().to_string().as_str())
        }),
        types: catalogue
            .record_types
            .iter()
            .map(|t| Choice {
                value: t.key().to_string(),
                label: t.name.clone(),
                selected: chosen_type == Some(t.key()),
            })
            .collect(),
        areas: catalogue
            .areas
            .iter()
            .map(|a| Choice {
                value: a.name.clone(),
                label: a.name.clone(),
                selected: chosen_area == Some(a.name.as_str()),
            })
            .collect(),
        districts: catalogue
            .areas
            .iter()
            .flat_map(|a| a.districts.iter().cloned())
            .collect(),
        from: query.get("from").unwrap_or_default().to_string(),
        to: query.get("to").unwrap_or_default().to_string(),
        district: query.get("district").unwrap_or_default().to_string(),
        reporter: query.get("reporter").unwrap_or_default().to_string(),
        total,
        shown,
        rows,
        previous: (page_no > 1).then(|| link(page_no - 1)),
        next: (page_no < pages).then(|| link(page_no + 1)),
        csv: file(Format::Csv),
        xlsx: file(Format::Xlsx),
    };
    page::html(StatusCode::OK, &page)
}

/// The filter the query asks for, each parameter checked against the catalogue.
fn selection(catalogue: &Catalogue, signed: &Signed, query: &Query) -> Result<Selection, String> {
    let mut filter = RecordFilter::default();
    let mut said = Vec::new();
    if let Some(year) = query.fiscal_year()? {
        let start = catalogue.fiscal_year_start;
        filter.from = Some(year.first_day(start));
        filter.to = Some(year.last_day(start));
        said.push(year_label(year));
    }
    if let Some(from) = query.date("from", "開始日")? {
        filter.from = Some(filter.from.map_or(from, |f| f.max(from)));
        said.push(format!("{}から", date_label(from)));
    }
    if let Some(to) = query.date("to", "終了日")? {
        filter.to = Some(filter.to.map_or(to, |t| t.min(to)));
        said.push(format!("{}まで", date_label(to)));
    }
    if let (Some(from), Some(to)) = (filter.from, filter.to) {
        if from > to {
            return Err("終了日（to）は開始日（from）と同じか後の日にしてください（年度と一緒に使うときは、その年度の中の日に）".into());
        }
    }
    if let Some(key) = query.get("type") {
        let Some(spec) = catalogue.record_types.iter().find(|t| t.key() == key) else {
            let known: Vec<String> = catalogue
                .record_types
                .iter()
                .map(|t| format!("{}（{}）", t.key(), t.name))
                .collect();
            return Err(format!(
                "記録の種類（type）「{key}」はありません。選べるもの: {}",
                known.join("、")
            ));
        };
        filter.record_type = Some(spec.record_type);
        said.push(spec.name.clone());
    }
    let place_type = catalogue.area_type();
    let column = |kind: FieldKind| place_type.and_then(|t| t.field_of_kind(kind)).and_then(|f| f.column());
    if let Some(area) = query.get("area") {
        let (Some(column), Some(known)) = (column(FieldKind::Area), catalogue.areas.iter().find(|a| a.name == area))
        else {
            let names: Vec<&str> = catalogue.areas.iter().map(|a| a.name.as_str()).collect();
            return Err(format!(
                "地区（area）「{area}」はありません。選べるもの: {}",
                names.join("、")
            ));
        };
        said.push(format!("地区: {}", known.name));
        filter.values.push((column, known.name.clone()));
    }
    if let Some(district) = query.get("district") {
        let spelled = catalogue
            .areas
            .iter()
            .find_map(|a| catalogue.district_spelled(&a.name, district));
        let (Some(column), Some(spelled)) = (column(FieldKind::District), spelled) else {
            return Err(format!(
                "区（district）「{district}」はありません。区の名前を確かめてください"
            ));
        };
        said.push(format!("区: {spelled}"));
        filter.values.push((column, spelled.to_string()));
    }
    if let Some(name) = query.get("reporter") {
        if !signed.user.admin {
            return Err("報告者（reporter）で絞り込めるのは管理者だけです".into());
        }
        said.push(format!("報告者: {name}"));
        filter.reporter_name = Some(name.to_string());
    }
    Ok(Selection { filter, said })
}

fn row(catalogue: &Catalogue, record: &Record, admin: bool) -> Row {
    Row {
        id: record.id,
        date: date_label(record.date),
        indicator: indicator_of(catalogue, &record.facts).map_or_else(String::new, |i| i.title()),
        what: describe(catalogue, &record.facts),
        reporter: if admin {
            record.reporter.name.clone()
        } else {
            HIDDEN.to_string()
        },
        source: source_label(&record.source),
    }
}

/// Every record the filter selects, as a file; reporters' names hidden from staff. The records
/// come one at a time from the store into an unnamed temporary file, which is then sent in
/// pieces: a download of every year holds neither the records nor the file in memory, and a
/// slow connection does not keep the app (and the other pages) waiting.
fn download(app: &App, signed: &Signed, filter: &RecordFilter, format: Format) -> Response {
    let catalogue = &app.settings.catalogue;
    let admin = signed.user.admin;
    let shown = |mut record: Record| {
        if !admin {
            record.reporter.name = HIDDEN.to_string();
            record.reporter.id = String::new();
        }
        record
    };
    let written = tempfile::tempfile().map_err(Failed::File).and_then(|file| {
        let mut out = BufWriter::new(file);
        let name = match format {
            Format::Csv | Format::Png => {
                let mut csv = RecordsCsv::new(catalogue, &mut out).map_err(Failed::File)?;
                app.store
                    .each_record(filter, Order::NewestFirst, |r| csv.push(&shown(r)))
                    .map_err(Failed::Store)?;
                csv.finish().map_err(Failed::File)?;
                "kyodo-records.csv"
            }
            Format::Xlsx => {
                let mut xlsx = RecordsXlsx::new(catalogue).map_err(Failed::Xlsx)?;
                app.store
                    .each_record(filter, Order::NewestFirst, |r| xlsx.push(&shown(r)))
                    .map_err(Failed::Store)?;
                xlsx.finish(None, &mut out).map_err(Failed::Xlsx)?;
                "kyodo-records.xlsx"
            }
        };
        let file = out.into_inner().map_err(|e| Failed::File(e.into_error()))?;
        Ok((name, file))
    });
    match written {
        Ok((name, file)) => page::download_file(name, file),
        Err(Failed::Store(e)) => page::store_error(&e, Some(signed)),
        Err(e) => {
            tracing::error!(error = %e, "the records' file could not be made");
            let (title, hint) = match e {
                Failed::Xlsx(_) => ("Excel のファイルを作れませんでした", "CSV でダウンロードしてください。"),
                _ => ("ファイルを作れませんでした", "しばらくしてからもう一度お試しください。"),
            };
            page::message(StatusCode::INTERNAL_SERVER_ERROR, title, &[hint], Some(signed))
        }
    }
}

/// Why a download could not be made.
#[derive(Debug, thiserror::Error)]
enum Failed {
    #[error("{0}")]
    Store(crate::store::Error),
    #[error("temporary file: {0}")]
    File(std::io::Error),
    #[error("{0}")]
    Xlsx(crate::render::xlsx::XlsxError),
}
