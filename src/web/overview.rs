//! `/` (`?fy=2025`, `&format=csv|xlsx`): a fiscal year at a glance — `/totals` for that year run
//! through the command core (`commands::handle`, as `kyodo totals` does), so the figures, the
//! same period last year, the pace and each indicator's breakdown are the bot's own, shown as
//! its sections; the downloads are that request's `format:` file (the table of the year against
//! the year before, one column per indicator).

use super::page::{self, Frame, Tab};
use super::query::{Format, Query};
use super::session::Signed;
use super::{signed_page, Web};
use crate::app::App;
use crate::commands::digest;
use crate::commands::spec::{command_set, invocation};
use crate::commands::{self, Command, OptionValue, Request, Roles};
use crate::domain::record::{Actor, Source, SourceKind};
use crate::domain::{FiscalYear, YearMonth};
use crate::render::reply::{Outcome, Reply, Section};
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use std::sync::Arc;

pub async fn get(State(web): State<Arc<Web>>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    signed_page(web, headers, query, overview).await
}

/// `/chart.svg?fy=`: the digest's chart of the year (each indicator's total month by month,
/// against the years before) as SVG, which the overview shows.
pub async fn chart_svg(State(web): State<Arc<Web>>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    chart(web, headers, query, Picture::Svg).await
}

/// `/chart.png?fy=`: the same chart as the digest's PNG, to download.
pub async fn chart_png(State(web): State<Arc<Web>>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    chart(web, headers, query, Picture::Png).await
}

#[derive(Clone, Copy)]
enum Picture {
    Svg,
    Png,
}

async fn chart(web: Arc<Web>, headers: HeaderMap, query: Option<String>, picture: Picture) -> Response {
    signed_page(web, headers, query, move |app, signed, query, now| {
        let start = app.settings.catalogue.fiscal_year_start;
        let today = app.today(now);
        let current = FiscalYear::containing(today, start);
        let year = match query.fiscal_year() {
            Ok(year) => year.unwrap_or(current),
            Err(e) => return page::bad_request(&e, signed),
        };
        // The year to its last month, or this year to the month in progress.
        let month = if year < current {
            YearMonth::of(year.last_day(start))
        } else if year == current {
            YearMonth::of(today)
        } else {
            let message = format!("年度（fy）: {}はまだ始まっていません", year_label(year));
            return page::bad_request(&message, signed);
        };
        let built = match digest::build(app, month, today) {
            Ok(built) => built,
            Err(e) => return page::store_error(&e, Some(signed)),
        };
        let name = format!("kyodo-chart-{}", year.start_year());
        match picture {
            Picture::Svg => page::download_inline(
                "image/svg+xml; charset=utf-8",
                crate::render::svg::chart_svg(&built.chart).into_bytes(),
            ),
            Picture::Png => match crate::render::chart::render_png(&built.chart) {
                Ok(bytes) => page::download(&format!("{name}.png"), bytes),
                Err(e) => {
                    tracing::error!(error = %e, "the chart's PNG could not be drawn");
                    page::internal_error()
                }
            },
        }
    })
    .await
}

/// A fiscal year's label in both calendars: 「令和7年度（2025年度）」.
pub fn year_label(year: FiscalYear) -> String {
    format!("{}（{}年度）", year.label(), year.start_year())
}

/// The command core's request for the signed-in user: staff, admin as their link said.
pub fn request(signed: &Signed, invocation: commands::Invocation, now: DateTime<Utc>) -> Request {
    Request {
        user: Actor {
            id: signed.user.id.clone(),
            name: signed.user.name.clone(),
        },
        roles: Roles {
            staff: true,
            admin: signed.user.admin,
        },
        guild_id: None,
        channel_id: None,
        source: Source {
            kind: SourceKind::Console,
            id: "web".to_string(),
            origin: None,
        },
        now,
        invocation,
    }
}

/// The fiscal years a page offers, as the choices of its year `<select>`: from the first of the
/// baseline (or this one) to this one, the latest first, `selected` the one shown.
pub fn year_choices(app: &App, current: FiscalYear, selected: impl Fn(FiscalYear) -> bool) -> Vec<Choice> {
    let first = app.settings.baseline.keys().next().copied().unwrap_or(current);
    (first.start_year()..=current.start_year())
        .rev()
        .map(FiscalYear::new)
        .map(|y| Choice {
            value: y.start_year().to_string(),
            label: year_label(y),
            selected: selected(y),
        })
        .collect()
}

/// A choice of a `<select>`.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// An indicator's line, `①{indicator}: 3回（前年度 2回、+1回）`, as a heading and its figures,
/// with the lines that break it down.
struct Item {
    head: String,
    figures: String,
    details: Vec<String>,
}

struct Block {
    heading: Option<String>,
    items: Vec<Item>,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct Overview {
    frame: Frame,
    year: String,
    title: String,
    years: Vec<Choice>,
    blocks: Vec<Block>,
    csv: String,
    xlsx: String,
    chart: String,
    png: String,
}

fn overview(app: &mut App, signed: &Signed, query: &Query, now: DateTime<Utc>) -> Response {
    let start = app.settings.catalogue.fiscal_year_start;
    let current = FiscalYear::containing(app.today(now), start);
    let (year, format) = match (query.fiscal_year(), query.format(&[Format::Csv, Format::Xlsx])) {
        (Ok(year), Ok(format)) => (year.unwrap_or(current), format),
        (Err(e), _) | (_, Err(e)) => return page::bad_request(&e, signed),
    };
    let commands = command_set(&app.settings.catalogue);
    let mut totals = invocation(&commands, Command::Totals)
        .unwrap_or_default()
        .with("fiscal_year", OptionValue::String(year.start_year().to_string()));
    if let Some(format) = format {
        totals = totals.with("format", OptionValue::String(format.key().to_string()));
    }
    let reply = commands::handle(app, &request(signed, totals, now));
    match reply.outcome {
        Outcome::Done => {}
        Outcome::Refused => return page::bad_request(&reply.title, signed),
        Outcome::Failed => return page::message(StatusCode::INTERNAL_SERVER_ERROR, &reply.title, &[], Some(signed)),
    }
    if format.is_some() {
        return match reply.files.into_iter().next() {
            Some(file) => page::download(&file.name, file.bytes),
            None => page::internal_error(),
        };
    }
    let label = year_label(year);
    let link = |format: Format| {
        format!(
            "/?{}",
            query.with("fy", Some(&year.start_year().to_string())) + "&format=" + format.key()
        )
    };
    let page = Overview {
        frame: Frame::new(format!("{label}の概要"), Some(signed), Tab::Overview),
        years: year_choices(app, current, |y| y == year),
        csv: link(Format::Csv),
        xlsx: link(Format::Xlsx),
        chart: format!("/chart.svg?fy={}", year.start_year()),
        png: format!("/chart.png?fy={}", year.start_year()),
        year: label,
        title: reply.title.clone(),
        blocks: blocks(&reply),
    };
    page::html(StatusCode::OK, &page)
}

/// The reply's sections as blocks: a line that starts with an ideographic space breaks down
/// the line above it; `head: figures` is split at its first colon.
fn blocks(reply: &Reply) -> Vec<Block> {
    reply.sections.iter().map(block).collect()
}

fn block(section: &Section) -> Block {
    let mut items: Vec<Item> = Vec::new();
    for line in &section.lines {
        if let Some(detail) = line.strip_prefix('　') {
            if let Some(item) = items.last_mut() {
                item.details.push(detail.to_string());
                continue;
            }
        }
        let (head, figures) = match line.split_once(": ") {
            Some((head, figures)) if head.chars().count() <= 40 => (head.to_string(), figures.to_string()),
            _ => (String::new(), line.clone()),
        };
        items.push(Item {
            head,
            figures,
            details: Vec::new(),
        });
    }
    Block {
        heading: section.heading.clone(),
        items,
    }
}
