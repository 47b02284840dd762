//! `/totals [fiscal_year] [from] [to] [initiative] [by] [format]`: where do we stand?
//!
//! Per indicator: the fiscal year to date (or any period `from`–`to`, across fiscal years too),
//! the same period of the previous year, the change, and progress to the target, each broken
//! down as the annual report does; then the areas with no liaison meeting yet. With `by`, the
//! period's figures as a table — one row per area, district, month, kind or (admins only)
//! reporter (`domain::grouping`); with `format`, that table (or the totals) as a file.

use super::pace::{history, note_missing, pace_line, point};
use super::spec::{label, label_in, Command};
use super::{period_day, require_admin, today, Failure, Hints, Request};
use crate::app::App;
use crate::domain::dates::parse_fiscal_year;
use crate::domain::figures::{SubsidyEvent, Tally};
use crate::domain::grouping::{self, Grouping};
use crate::domain::number::group_thousands;
use crate::domain::record_type::FieldKind;
use crate::domain::totals::{
    areas_without_meetings, granted_amount, measures, same_period_last_year, year_to_date, Measure, Period,
};
use crate::domain::validate::UserError;
use crate::domain::{Catalogue, Figure, Figures, FiscalYear, RecordType, YearMonth};
use crate::render::breakdown;
use crate::render::csv::grouped_csv;
use crate::render::reply::{Attachment, Reply, Section, Visibility};
use crate::render::xlsx::grouped_xlsx;
use crate::render::DASH;
use crate::store::FiguresSource;
use chrono::NaiveDate;

pub(super) fn handle(app: &mut App, request: &Request, hints: &Hints) -> Result<Reply, Failure> {
    let inv = &request.invocation;
    let catalogue = &app.settings.catalogue;
    let start = catalogue.fiscal_year_start;
    let today = today(app, request);
    let current = FiscalYear::containing(today, start);
    let initiative = match inv.integer("initiative")? {
        None => None,
        Some(n) => match u8::try_from(n).ok().and_then(|n| catalogue.initiative(n)) {
            Some(i) => Some(i.number),
            None => {
                let known: Vec<String> = catalogue.initiatives.iter().map(|i| i.number.to_string()).collect();
                return Err(UserError::field(
                    "取り組み（initiative）",
                    format!("取り組み{n}はありません。選べるもの: {}", known.join("、")),
                )
                .into());
            }
        },
    };
    let grouping = inv.text("by").and_then(|key| Grouping::parse(&key));
    if grouping == Some(Grouping::Reporter) {
        require_admin(request)?;
    }
    let ranged = inv.text("from").is_some() || inv.text("to").is_some();
    let (period, title) = if ranged {
        if inv.text("fiscal_year").is_some() {
            return Err(UserError::field(
                label("fiscal_year"),
                "年度と期間（from・to）は一緒に使えません。どちらか一方にしてください",
            )
            .into());
        }
        let period = range(app, inv, today, hints)?;
        (period, format!("{}の集計", span(period)))
    } else {
        let year = match inv.text("fiscal_year") {
            Some(text) => {
                parse_fiscal_year(&text).map_err(|e| UserError::field(label("fiscal_year"), e.to_string()))?
            }
            None => current,
        };
        let Some(period) = year_to_date(year, start, today) else {
            return Err(UserError::field(
                label("fiscal_year"),
                format!("{}はまだ始まっていません（今は{}です）", year.label(), current.label()),
            )
            .into());
        };
        (period, format!("{}の累計（{}）", year.label(), span(period)))
    };
    let measures = measures(catalogue, initiative);
    let this = range_figures(app, period)?;
    let (table, sections) = match grouping {
        None => {
            let last = range_figures(app, same_period_last_year(period))?;
            // A fiscal year that is over is compared with the whole year before: 前年度.
            let before = if !ranged && period.is_whole_year(start) {
                "前年度"
            } else {
                BEFORE
            };
            let rows = [
                (span(period), this.figures.clone()),
                (format!("{before}（{}）", last.note), last.figures.clone()),
            ];
            let table = grouping::by_rows(catalogue, &measures, Grouping::Month, &rows);
            let table = grouping::Table {
                rows_are: "期間".to_string(),
                ..table
            };
            // A fiscal year in progress: each figure against the earlier years' profile.
            let in_progress = !ranged && period.to == today && period.from == current.first_day(start);
            let pace = if in_progress {
                Some(PaceInput {
                    history: history(app, &measures, current)?,
                    point: point(catalogue, today),
                })
            } else {
                None
            };
            let latest = latest_lines(app, &measures, period)?;
            let mut sections = sections(catalogue, initiative, &this, &last, pace.as_ref(), &latest, before);
            if ranged {
                // Not a fiscal year: the comparison line says the period.
                if let Some(line) = sections.last_mut().and_then(|s| s.lines.last_mut()) {
                    *line = line.replacen("比較: 今年度 ", "比較: この期間 ", 1);
                }
            }
            (table, sections)
        }
        Some(g) => {
            let table = grouped(app, g, period, &measures, &this.figures)?;
            let heading = format!("{}ごと", g.header());
            let mut lines = crate::render::grouping::lines(&table);
            lines.push(format!("期間: {}", this.note));
            (table, vec![Section::new(heading, lines)])
        }
    };
    let mut reply = Reply::done(Visibility::Public, title.clone(), sections);
    if let Some(format) = inv.text("format") {
        let by = grouping.map_or("total", Grouping::key);
        let name = format!("kyodo-totals-{by}-{}_{}", period.from, period.to);
        let (name, bytes) = match format.as_str() {
            "csv" => (format!("{name}.csv"), grouped_csv(&title, &table)),
            "markdown" => (
                format!("{name}.md"),
                crate::render::grouping::markdown(&title, &table).into_bytes(),
            ),
            _ => match grouped_xlsx(
                &title,
                &table,
                app.store.contact_matrix(catalogue, period.from, period.to)?.as_ref(),
            ) {
                Ok(bytes) => (format!("{name}.xlsx"), bytes),
                Err(e) => {
                    tracing::error!(error = %e, "the totals' XLSX file could not be made");
                    let csv = hints.command(Command::Totals, &[("format", "csv")]);
                    return Err(UserError::field(
                        label_in("format", inv.wording),
                        format!("Excel のファイルを作れませんでした。CSV にしてください（{csv}）"),
                    )
                    .into());
                }
            },
        };
        reply.files.push(Attachment { name, bytes });
    }
    Ok(reply)
}

/// How many of a type's latest records `/totals` names where the type has no breakdown.
const LATEST: usize = 3;

/// The latest records of the measures' types that have no breakdown but a name of their own (a
/// joint occasion's title): what they were, in each type's line.
fn latest_lines(app: &App, measures: &[Measure], period: Period) -> Result<Vec<(RecordType, String)>, Failure> {
    let catalogue = &app.settings.catalogue;
    let mut lines = Vec::new();
    for measure in measures {
        let Some(spec) = catalogue.record_type(measure.record_type) else {
            continue;
        };
        let named = spec.fields.iter().any(|f| f.required && f.kind == FieldKind::Text);
        if spec.by.is_some() || spec.rule.is_some() || !named || lines.iter().any(|(t, _)| *t == spec.record_type) {
            continue;
        }
        let records = app.store.latest_of(spec.record_type, period.from, period.to, LATEST)?;
        if let Some(line) = breakdown::latest_line(catalogue, &records) {
            lines.push((spec.record_type, line));
        }
    }
    Ok(lines)
}

/// The period `from`–`to` asks for (from the first day of today's fiscal year, to today by
/// default): in order, and without a year the baseline gives as a whole unless it is that
/// whole year.
fn range(app: &App, inv: &crate::commands::Invocation, today: NaiveDate, hints: &Hints) -> Result<Period, Failure> {
    let start = app.settings.catalogue.fiscal_year_start;
    let date = |name: &str, default: NaiveDate| -> Result<NaiveDate, UserError> {
        match inv.text(name) {
            Some(text) => period_day(&text, today, &label_in(name, inv.wording)),
            None => Ok(default),
        }
    };
    let from = date("from", FiscalYear::containing(today, start).first_day(start))?;
    let to = date("to", today)?;
    if to < from {
        return Err(UserError::field(label_in("to", inv.wording), "終了日は開始日と同じか後にしてください").into());
    }
    let period = Period { from, to };
    let mut year = FiscalYear::containing(from, start);
    while year.first_day(start) <= to {
        if app.store.baseline_year(year)?.is_some()
            && !(period.is_whole_year(start) && year == FiscalYear::containing(from, start))
        {
            let whole = [("fiscal_year", year.start_year().to_string())];
            let whole: Vec<(&str, &str)> = whole.iter().map(|(n, v)| (*n, v.as_str())).collect();
            return Err(UserError::field(
                label_in("from", inv.wording),
                format!(
                    "{}は基準データ（年度の合計）しかないため、その一部や、ほかの年度と合わせた期間は集計できません。{} か {} を使ってください",
                    year.label(),
                    hints.command(Command::Totals, &whole),
                    hints.command(Command::SummaryYear, &whole)
                ),
            )
            .into());
        }
        year = year.next();
    }
    Ok(period)
}

/// A period's figures and their note: through `noted_figures` within one fiscal year (the
/// baseline or unknown where the year has no records), the records' for a longer one.
fn range_figures(app: &App, period: Period) -> Result<PeriodFigures, crate::store::Error> {
    let catalogue = &app.settings.catalogue;
    let start = catalogue.fiscal_year_start;
    if FiscalYear::containing(period.from, start) == FiscalYear::containing(period.to, start) {
        return noted_figures(app, period);
    }
    Ok(PeriodFigures {
        figures: app.store.figures_between(catalogue, period.from, period.to)?,
        note: span(period),
    })
}

/// The table of `grouping` over `period`.
fn grouped(
    app: &App,
    grouping: Grouping,
    period: Period,
    measures: &[Measure],
    figures: &Figures,
) -> Result<grouping::Table, Failure> {
    let catalogue = &app.settings.catalogue;
    let start = catalogue.fiscal_year_start;
    Ok(match grouping {
        Grouping::Area => grouping::by_area(catalogue, measures, figures),
        Grouping::District => grouping::by_district(catalogue, measures, figures),
        Grouping::Kind => grouping::by_kind(catalogue, measures, figures),
        Grouping::Month => {
            let mut rows = Vec::new();
            let mut month = YearMonth::of(period.from);
            while month.first_day() <= period.to {
                let part = Period {
                    from: month.first_day().max(period.from),
                    to: month.last_day().min(period.to),
                };
                let year = FiscalYear::containing(part.from, start);
                let figures = if app.store.baseline_year(year)?.is_some() {
                    Figures::unknown(catalogue)
                } else {
                    app.store.figures_between(catalogue, part.from, part.to)?
                };
                rows.push((month.label(), figures));
                month = month.next();
            }
            grouping::by_rows(catalogue, measures, Grouping::Month, &rows)
        }
        Grouping::Reporter => {
            let tallies = app.store.tallies_by_reporter(catalogue, period.from, period.to)?;
            let events = app
                .store
                .subsidy_events_by_reporter(catalogue.subsidy.record_type, period.from, period.to)?;
            let mut reporters: Vec<String> = tallies
                .iter()
                .map(|(r, _)| r.clone())
                .chain(
                    events
                        .iter()
                        .filter(|(_, e)| e.date >= period.from)
                        .map(|(r, _)| r.clone()),
                )
                .collect();
            reporters.sort();
            reporters.dedup();
            let rows: Vec<(String, Figures)> = reporters
                .into_iter()
                .map(|reporter| {
                    let own: Vec<Tally> = tallies
                        .iter()
                        .filter(|(r, _)| *r == reporter)
                        .map(|(_, t)| t.clone())
                        .collect();
                    let events: Vec<SubsidyEvent> = events
                        .iter()
                        .filter(|(r, _)| *r == reporter)
                        .map(|(_, e)| e.clone())
                        .collect();
                    let figures = Figures::from_records(catalogue, &own, &events, period.from);
                    (reporter, figures)
                })
                .collect();
            grouping::by_rows(catalogue, measures, Grouping::Reporter, &rows)
        }
    })
}

/// Figures of a period (`Store::period_figures`: the baseline's whole-year figures for a
/// baseline year, unknown for a year with neither baseline nor records, the records' otherwise)
/// and how to name them.
pub(crate) struct PeriodFigures {
    pub figures: Figures,
    pub note: String,
}

/// `App::period_figures` with the note the replies print after it (「令和7年度（基準データ）」).
pub(crate) fn noted_figures(app: &App, period: Period) -> Result<PeriodFigures, crate::store::Error> {
    let start = app.settings.catalogue.fiscal_year_start;
    let year = FiscalYear::containing(period.from, start);
    let (figures, source) = app.period_figures(period)?;
    let note = match source {
        FiguresSource::Baseline if period.is_whole_year(start) => format!("{}（基準データ）", year.label()),
        FiguresSource::Baseline => format!("{}通年（基準データには月ごとの値がありません）", year.label()),
        FiguresSource::Missing => format!("{}（記録なし）", year.label()),
        FiguresSource::Records => format!("{}（{}）", year.label(), span(period)),
    };
    Ok(PeriodFigures { figures, note })
}

/// `2026年4月1日〜2026年11月28日`.
pub(crate) fn span(period: Period) -> String {
    let short = |d: chrono::NaiveDate| d.format("%Y年%-m月%-d日").to_string();
    format!("{}〜{}", short(period.from), short(period.to))
}

/// `368,000円`, or `—`.
pub(crate) fn yen(f: Figure) -> String {
    f.value()
        .map_or_else(|| DASH.to_string(), |n| format!("{}円", group_thousands(n)))
}

/// `1,720件`, or `—`.
pub(crate) fn figure(f: Figure, unit: &str) -> String {
    f.value()
        .map_or_else(|| DASH.to_string(), |n| format!("{}{unit}", group_thousands(n)))
}

/// What the figures before are called: the same period of the previous fiscal year.
const BEFORE: &str = "前年同期";

/// `5回（前年同期 3回、+2回） 目標 30回の16%`: a figure against the same period last year and
/// the target.
pub(crate) fn compared(now: Figure, before: Figure, target: Option<u64>, unit: &str) -> String {
    compared_with(now, before, target, unit, BEFORE)
}

/// `compared`, the figure before called `word` (`前年度` for a whole year).
fn compared_with(now: Figure, before: Figure, target: Option<u64>, unit: &str, word: &str) -> String {
    let mut text = format!("{}（{word} {}", figure(now, unit), figure(before, unit));
    if let Some(change) = change(now, before, unit) {
        text.push_str(&format!("、{change}"));
    }
    text.push('）');
    if let Some(progress) = progress(now, target, unit) {
        text.push_str(&format!(" {progress}"));
    }
    text
}

/// `+2`, `−3`, `±0`; nothing when either side is unknown.
pub(crate) fn change(now: Figure, before: Figure, unit: &str) -> Option<String> {
    let (now, before) = (now.value()?, before.value()?);
    Some(match now.cmp(&before) {
        std::cmp::Ordering::Greater => format!("+{}{unit}", group_thousands(now - before)),
        std::cmp::Ordering::Less => format!("−{}{unit}", group_thousands(before - now)),
        std::cmp::Ordering::Equal => "±0".to_string(),
    })
}

/// `目標 30回の17%`.
pub(crate) fn progress(now: Figure, target: Option<u64>, unit: &str) -> Option<String> {
    let (now, target) = (now.value()?, target?);
    Some(format!(
        "目標 {}{unit}の{}%",
        group_thousands(target),
        group_thousands(now * 100 / target.max(1))
    ))
}

/// The earlier years' month-by-month figures of the measures and where today is in the year:
/// what a pace is read from (a fiscal year in progress only).
pub(crate) struct PaceInput {
    pub history: Vec<Vec<Vec<Option<u64>>>>,
    pub point: crate::domain::pace::YearPoint,
}

pub(crate) fn sections(
    catalogue: &Catalogue,
    initiative: Option<u8>,
    this: &PeriodFigures,
    last: &PeriodFigures,
    pace: Option<&PaceInput>,
    latest: &[(RecordType, String)],
    before_word: &str,
) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    let mut without_pace = false;
    for (index, measure) in measures(catalogue, initiative).into_iter().enumerate() {
        let Some(indicator) = catalogue.indicator(measure.indicator) else {
            continue;
        };
        let heading = catalogue
            .initiative(indicator.initiative)
            .map_or_else(String::new, |i| format!("{}. {}", i.number, i.name));
        let now = measure.value(catalogue, &this.figures);
        let before = measure.value(catalogue, &last.figures);
        let mut line = format!(
            "{}: {}",
            measure.label,
            compared_with(now, before, measure.target, &measure.unit, before_word)
        );
        if measure.record_type == catalogue.subsidy.record_type {
            line.push_str(&format!(
                " 交付額 {}（{before_word} {}）",
                yen(granted_amount(&this.figures)),
                yen(granted_amount(&last.figures))
            ));
        }
        let mut lines = vec![line];
        match breakdown::line(catalogue, &measure, &this.figures) {
            Some(line) => lines.push(line),
            None => lines.extend(
                latest
                    .iter()
                    .find(|(t, _)| *t == measure.record_type)
                    .map(|(_, l)| l.clone()),
            ),
        }
        if let Some(p) = pace {
            match pace_line(catalogue, index, &measure, &p.history, &this.figures, p.point) {
                Some(line) => lines.push(line),
                None => without_pace = true,
            }
        }
        match sections.last_mut() {
            Some(section) if section.heading.as_deref() == Some(heading.as_str()) => section.lines.extend(lines),
            _ => sections.push(Section::new(heading, lines)),
        }
    }
    note_missing(&mut sections, without_pace);
    let area_type = catalogue.area_type().map(|t| t.record_type);
    let shown = area_type.filter(|t| {
        initiative.is_none_or(|n| {
            catalogue
                .indicators
                .iter()
                .any(|i| i.initiative == n && i.records.contains(t))
        })
    });
    if let Some(area_type) = shown {
        let missing = areas_without_meetings(catalogue, &this.figures);
        let unknown = this.figures.has_unknown(area_type);
        let line = if unknown {
            "記録がないため分かりません".to_string()
        } else if missing.is_empty() {
            "すべての地区で連携がありました".to_string()
        } else {
            format!("{}（{}地区）", missing.join("、"), missing.len())
        };
        sections.push(Section::new("地区担当職員との連携がまだない地区", vec![line]));
    }
    sections.push(Section::lines(vec![format!(
        "比較: {} {} ／ {before_word} {}",
        if before_word == BEFORE {
            "今年度"
        } else {
            "この年度"
        },
        this.note,
        last.note
    )]));
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_and_progress() {
        assert_eq!(change(Figure::known(5), Figure::known(3), "回"), Some("+2回".into()));
        assert_eq!(change(Figure::known(1), Figure::known(3), "件"), Some("−2件".into()));
        assert_eq!(change(Figure::known(3), Figure::known(3), "件"), Some("±0".into()));
        assert_eq!(change(Figure::known(3), Figure::UNKNOWN, "件"), None);
        assert_eq!(
            progress(Figure::known(5), Some(30), "回"),
            Some("目標 30回の16%".into())
        );
        assert_eq!(progress(Figure::known(5), None, "回"), None);
    }

    #[test]
    fn spans_are_written_in_japanese() {
        let d = |y, m, day| chrono::NaiveDate::from_ymd_opt(y, m, day).expect("date");
        assert_eq!(
            span(Period {
                from: d(2026, 4, 1),
                to: d(2026, 11, 28)
            }),
            "2026年4月1日〜2026年11月28日"
        );
    }
}
