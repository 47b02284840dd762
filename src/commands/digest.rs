//! The monthly digest: for a month, per initiative and indicator — that month, the fiscal year
//! to date, the same period of the previous fiscal year, the change and progress to the target;
//! the areas and districts with no liaison meeting yet this fiscal year; and a chart of the
//! fiscal-year-to-date totals month by month, this year against the two before.
//!
//! Built here from the store, as a `Reply` plus the chart's data; posted by the scheduler on the
//! 1st, shown by `/summary month`, printed by `kyodo digest`. A month still in progress counts
//! up to today and is compared with the same days of the year before, and says so.

use super::pace::{history, note_missing, pace_line, point, year_series};
use super::remind;
use super::totals::{compared, figure, noted_figures, yen, PaceInput, PeriodFigures};
use crate::app::App;
use crate::domain::matrix::Matrix;
use crate::domain::remind::{places, stale};
use crate::domain::totals::{
    granted_amount, measures, month_to_date, same_period_last_year, same_period_to_month_end_last_year, Measure, Period,
};
use crate::domain::{Catalogue, Figures, FiscalYear, YearMonth};
use crate::render::breakdown;
use crate::render::chart::{self, Chart, ChartError, Panel, Series};
use crate::render::heatmap;
use crate::render::reply::Attachment;
use crate::render::reply::{Reply, Section, Visibility};
use crate::store::{self, FiguresSource};
use chrono::{Datelike, NaiveDate};
use std::collections::HashSet;

/// A month's digest: what to say, and the pictures to attach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Digest {
    pub month: YearMonth,
    pub reply: Reply,
    pub chart: Chart,
    /// The fiscal year's contact matrix up to the month, and its heat map's title; `None`
    /// where the catalogue has no area type.
    pub matrix: Option<(Matrix, String)>,
}

impl Digest {
    /// The chart and the contact matrix's heat map, as PNG files named after the month.
    pub fn pictures(&self) -> Result<Vec<Attachment>, ChartError> {
        let mut files = vec![Attachment {
            name: chart_name(self.month),
            bytes: chart::render_png(&self.chart)?,
        }];
        if let Some((matrix, title)) = &self.matrix {
            files.push(Attachment {
                name: heatmap_name(self.month),
                bytes: heatmap::render_png(matrix, title)?,
            });
        }
        Ok(files)
    }
}

/// The file name of a month's chart.
pub fn chart_name(month: YearMonth) -> String {
    format!("kyodo-{}.png", month.key())
}

/// The file name of a month's heat map of the contact matrix.
pub fn heatmap_name(month: YearMonth) -> String {
    format!("kyodo-{}-districts.png", month.key())
}

/// The digest of `month` as of `today`. A month that is over counts all its days, and the
/// fiscal year to its end is compared with the year before to the end of the same month (the
/// whole month, 29 February included). A month still running counts up to `today`, and both
/// the month so far and the fiscal year to date are compared with the same days one year
/// earlier (1–2 December against 1–2 December, 29 February against 28 February), which the
/// digest says: 「前年同期（2025年12月1日〜12月2日）」.
pub fn build(app: &App, month: YearMonth, today: NaiveDate) -> Result<Digest, store::Error> {
    let catalogue = &app.settings.catalogue;
    let start = catalogue.fiscal_year_start;
    let year = FiscalYear::containing(month.first_day(), start);
    let whole_month = Period {
        from: month.first_day(),
        to: month.last_day(),
    };
    let this_period = month_to_date(month, today).unwrap_or(whole_month);
    let running = this_period != whole_month;
    // Unknown, like the year, where the year has no record at all.
    let this_month = noted_figures(app, this_period)?.figures;
    let to_date = Period {
        from: year.first_day(start),
        to: this_period.to,
    };
    let before = if running {
        same_period_last_year(to_date)
    } else {
        same_period_to_month_end_last_year(to_date.from, month)
    };
    let ytd = noted_figures(app, to_date)?;
    let last = noted_figures(app, before)?;
    let met = match catalogue.area_type() {
        Some(t) => app.store.districts_met(t.record_type, to_date.from, to_date.to)?,
        None => HashSet::new(),
    };

    let (month_label, month_before) = if running {
        let label = format!(
            "{}月{}日〜{}日",
            month.month(),
            this_period.from.day(),
            this_period.to.day()
        );
        let period = same_period_last_year(this_period);
        (label, Some((period, month_figures_of(app, period)?)))
    } else {
        (format!("{}月", month.month()), None)
    };
    let month_line = MonthLine {
        label: &month_label,
        figures: &this_month,
        before: month_before.as_ref().map(|(_, f)| f),
    };
    // Each figure against the earlier years' profile, at the month's last day counted.
    let all = measures(catalogue, None);
    let pace = PaceInput {
        history: history(app, &all, year)?,
        point: point(catalogue, this_period.to),
    };
    let mut sections = indicator_sections(catalogue, &month_line, &ytd, &last, &pace);
    let mut matrix = None;
    if let Some(spec) = catalogue.area_type() {
        sections.extend(meeting_sections(catalogue, &ytd.figures, &met, year));
        if !ytd.figures.has_unknown(spec.record_type) {
            let last_days = app.store.last_days(spec.record_type, to_date.to, &places(catalogue))?;
            let stale = stale(catalogue, month, &last_days);
            sections.push(remind::stale_section(catalogue, &spec.label, &stale));
        }
        matrix = app.store.contact_matrix(catalogue, to_date.from, to_date.to)?.map(|m| {
            let title = format!(
                "{} 区×月 {}（{}月〜{}月）",
                spec.label,
                year.label(),
                to_date.from.month(),
                month.month()
            );
            (m, title)
        });
    }
    let mut footer = vec![format!("年度累計: {} ／ 前年同期: {}", ytd.note, last.note)];
    if let Some((period, _)) = &month_before {
        footer.push(format!(
            "{}は途中です: {}を前年同期（{}）と、年度累計を前年同期（{}）と比べています",
            month.label(),
            month_span(this_period),
            month_span(*period),
            month_span(before)
        ));
    }
    footer.push("グラフ: 年度累計の推移（今年度と前の2年度、添付の画像）".to_string());
    if let Some((matrix, _)) = &matrix {
        footer.push(format!("区×月: 区ごと月ごとの{}の数（添付の画像）", matrix.counted));
    }
    sections.push(Section::lines(footer));
    let title = if running {
        format!(
            "月次まとめ {}（{}・月の途中、{}まで）",
            month.label(),
            year.label(),
            month_day(this_period.to)
        )
    } else {
        format!("月次まとめ {}（{}）", month.label(), year.label())
    };
    let reply = Reply::done(Visibility::Public, title, sections);
    // The chart's earlier years are the last of the pace's (read once); this year to the month.
    let this_year = year_series(app, &all, year, month)?;
    let earlier = &pace.history[pace.history.len().saturating_sub(2)..];
    let chart = chart(&all, year, month, running.then_some(this_period.to), earlier, this_year);
    Ok(Digest {
        month,
        reply,
        chart,
        matrix,
    })
}

/// The figures of part of a month a year back: unknown where that year is known only as a
/// whole (the baseline) or has no record at all.
fn month_figures_of(app: &App, period: Period) -> Result<Figures, store::Error> {
    let catalogue = &app.settings.catalogue;
    Ok(match app.period_figures(period)? {
        (_, FiguresSource::Baseline) => Figures::unknown(catalogue),
        (figures, _) => figures,
    })
}

/// The month's part of an indicator's line: its label (`10月`, `12月1日〜2日`), its figures,
/// and — for a month still running — the same days one year earlier.
struct MonthLine<'a> {
    label: &'a str,
    figures: &'a Figures,
    before: Option<&'a Figures>,
}

/// `2025年12月1日〜12月2日`, the year written once when both ends share it.
fn month_span(period: Period) -> String {
    if period.from.year() == period.to.year() {
        format!("{}〜{}", short_date(period.from), month_day(period.to))
    } else {
        format!("{}〜{}", short_date(period.from), short_date(period.to))
    }
}

/// `2026年12月2日`.
fn short_date(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// `12月2日`.
fn month_day(date: NaiveDate) -> String {
    format!("{}月{}日", date.month(), date.day())
}

fn indicator_sections(
    catalogue: &Catalogue,
    month: &MonthLine<'_>,
    ytd: &PeriodFigures,
    last: &PeriodFigures,
    pace: &PaceInput,
) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    let mut without_pace = false;
    for (index, measure) in measures(catalogue, None).into_iter().enumerate() {
        let Some(indicator) = catalogue.indicator(measure.indicator) else {
            continue;
        };
        let heading = catalogue
            .initiative(indicator.initiative)
            .map_or_else(String::new, |i| format!("{}. {}", i.number, i.name));
        let unit = measure.unit.as_str();
        let now = measure.value(catalogue, &ytd.figures);
        let before = measure.value(catalogue, &last.figures);
        let this_month = measure.value(catalogue, month.figures);
        let month_figure = match month.before {
            Some(last_month) => compared(this_month, measure.value(catalogue, last_month), None, unit),
            None => figure(this_month, unit),
        };
        let mut line = format!(
            "{}: {} {} ／ 年度累計 {}",
            measure.label,
            month.label,
            month_figure,
            compared(now, before, measure.target, unit)
        );
        if measure.record_type == catalogue.subsidy.record_type {
            let month_yen = match month.before {
                Some(last_month) => format!(
                    "{}（前年同期 {}）",
                    yen(granted_amount(month.figures)),
                    yen(granted_amount(last_month))
                ),
                None => yen(granted_amount(month.figures)),
            };
            line.push_str(&format!(
                " 交付額 {} {} ／ 年度累計 {}（前年同期 {}）",
                month.label,
                month_yen,
                yen(granted_amount(&ytd.figures)),
                yen(granted_amount(&last.figures))
            ));
        }
        // The year to date broken down as the annual report does.
        let mut lines = vec![line];
        lines.extend(breakdown::line(catalogue, &measure, &ytd.figures));
        match pace_line(catalogue, index, &measure, &pace.history, &ytd.figures, pace.point) {
            Some(line) => lines.push(line),
            None => without_pace = true,
        }
        match sections.last_mut() {
            Some(section) if section.heading.as_deref() == Some(heading.as_str()) => section.lines.extend(lines),
            _ => sections.push(Section::new(heading, lines)),
        }
    }
    note_missing(&mut sections, without_pace);
    sections
}

/// The areas, then the districts, with no liaison meeting yet this fiscal year.
fn meeting_sections(
    catalogue: &Catalogue,
    ytd: &Figures,
    met: &HashSet<(String, String)>,
    year: FiscalYear,
) -> Vec<Section> {
    if catalogue.area_type().is_none_or(|t| ytd.has_unknown(t.record_type)) {
        return vec![Section::new(
            format!("地区担当職員との連携がまだない地区（{}）", year.label()),
            vec!["記録がないため分かりません".to_string()],
        )];
    }
    let mut areas = Vec::new();
    let mut districts = Vec::new();
    for area in &catalogue.areas {
        let missing: Vec<&str> = area
            .districts
            .iter()
            .filter(|d| !met.contains(&(area.name.clone(), (*d).clone())))
            .map(String::as_str)
            .collect();
        if missing.len() == area.districts.len() {
            areas.push(area.name.as_str());
        } else if !missing.is_empty() {
            districts.push(format!(
                "{}: {}（{}区中{}区）",
                area.name,
                missing.join("、"),
                area.districts.len(),
                missing.len()
            ));
        }
    }
    let areas_line = if areas.is_empty() {
        "すべての地区で連携がありました".to_string()
    } else {
        format!("{}（{}地区、どの区ともまだ）", areas.join("、"), areas.len())
    };
    let mut sections = vec![Section::new(
        format!("地区担当職員との連携がまだない地区（{}）", year.label()),
        vec![areas_line],
    )];
    if !districts.is_empty() {
        sections.push(Section::new("連携のあった地区で、まだの区", districts));
    }
    sections
}

/// The chart of the fiscal-year-to-date totals of `measures`: `year` up to `month`
/// (`this_year`) beside the years before it (`earlier`, oldest first, whole years); `running`
/// is the last day counted when the month is still in progress.
fn chart(
    measures: &[Measure],
    year: FiscalYear,
    month: YearMonth,
    running: Option<NaiveDate>,
    earlier: &[Vec<Vec<Option<u64>>>],
    this_year: Vec<Vec<Option<u64>>>,
) -> Chart {
    let years: Vec<FiscalYear> = (0..=earlier.len() as i32)
        .rev()
        .map(|back| FiscalYear::new(year.start_year() - back))
        .collect();
    let per_year: Vec<&Vec<Vec<Option<u64>>>> = earlier.iter().chain(std::iter::once(&this_year)).collect();
    let panels = measures
        .iter()
        .enumerate()
        .map(|(i, measure)| Panel {
            title: measure.label.clone(),
            unit: measure.unit.clone(),
            series: years
                .iter()
                .zip(&per_year)
                .map(|(y, series)| Series {
                    label: y.label(),
                    values: series[i].clone(),
                })
                .collect(),
        })
        .collect();
    Chart {
        title: match running {
            Some(today) => format!("年度累計の推移（{}は{}まで）", year.label(), short_date(today)),
            None => format!("年度累計の推移（{}は{}末まで）", year.label(), month.label()),
        },
        panels,
    }
}

/// Refuses a month whose fiscal year is known only as totals (the baseline), naming what to use
/// instead as `annual` writes it for that year (`/summary year …`, `kyodo report …`).
pub fn check_month(app: &App, month: YearMonth, annual: impl Fn(FiscalYear) -> String) -> Result<(), super::Failure> {
    let year = FiscalYear::containing(month.first_day(), app.settings.catalogue.fiscal_year_start);
    if app.store.baseline_year(year)?.is_some() {
        return Err(crate::domain::validate::UserError::field(
            "月（month）",
            format!(
                "{}は年度の合計（基準データ）しかないため、月次まとめは作れません。{} を使ってください",
                year.label(),
                annual(year)
            ),
        )
        .into());
    }
    Ok(())
}
