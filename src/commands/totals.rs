//! `/totals [fiscal_year] [initiative]`: where do we stand this fiscal year?
//!
//! Per indicator: the fiscal year to date, the same period of the previous fiscal year, the
//! change, and progress to the target; then the areas with no liaison meeting yet.

use super::{today, Failure, Request};
use crate::app::App;
use crate::domain::dates::parse_fiscal_year;
use crate::domain::number::group_thousands;
use crate::domain::totals::{
    areas_without_meetings, granted_amount, measures, same_period_last_year, year_to_date, Period,
};
use crate::domain::validate::UserError;
use crate::domain::{Catalogue, Figure, Figures, FiscalYear};
use crate::render::breakdown;
use crate::render::reply::{Reply, Section, Visibility};
use crate::render::DASH;
use crate::store::{FiguresSource, Store};

pub(super) fn handle(app: &mut App, request: &Request) -> Result<Reply, Failure> {
    let inv = &request.invocation;
    let catalogue = &app.settings.catalogue;
    let start = catalogue.fiscal_year_start;
    let today = today(app, request);
    let current = FiscalYear::containing(today, start);
    let year = match inv.text("fiscal_year") {
        Some(text) => parse_fiscal_year(&text).map_err(|e| UserError::field("年度（fiscal_year）", e.to_string()))?,
        None => current,
    };
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
    let Some(period) = year_to_date(year, start, today) else {
        return Err(UserError::field(
            "年度（fiscal_year）",
            format!("{}はまだ始まっていません（今は{}です）", year.label(), current.label()),
        )
        .into());
    };
    let this = noted_figures(&app.store, catalogue, period)?;
    let previous_period = same_period_last_year(period);
    let last = noted_figures(&app.store, catalogue, previous_period)?;
    Ok(Reply::done(
        Visibility::Public,
        format!("{}の累計（{}）", year.label(), span(period)),
        sections(catalogue, initiative, &this, &last),
    ))
}

/// Figures of a period (`Store::period_figures`: the baseline's whole-year figures for a
/// baseline year, unknown for a year with neither baseline nor records, the records' otherwise)
/// and how to name them.
pub(crate) struct PeriodFigures {
    pub figures: Figures,
    pub note: String,
}

/// `Store::period_figures` with the note the replies print after it (「令和7年度（基準データ）」).
pub(crate) fn noted_figures(
    store: &Store,
    catalogue: &Catalogue,
    period: Period,
) -> Result<PeriodFigures, crate::store::Error> {
    let start = catalogue.fiscal_year_start;
    let year = FiscalYear::containing(period.from, start);
    let (figures, source) = store.period_figures(catalogue, period)?;
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

pub(crate) fn figure(f: Figure, unit: &str) -> String {
    f.value().map_or_else(|| DASH.to_string(), |n| format!("{n}{unit}"))
}

/// `5回（前年同期 3回、+2回） 目標 30回の16%`: a figure against the same period last year and
/// the target.
pub(crate) fn compared(now: Figure, before: Figure, target: Option<u64>, unit: &str) -> String {
    let mut text = format!("{}（前年同期 {}", figure(now, unit), figure(before, unit));
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
        std::cmp::Ordering::Greater => format!("+{}{unit}", now - before),
        std::cmp::Ordering::Less => format!("−{}{unit}", before - now),
        std::cmp::Ordering::Equal => "±0".to_string(),
    })
}

/// `目標 30回の17%`.
pub(crate) fn progress(now: Figure, target: Option<u64>, unit: &str) -> Option<String> {
    let (now, target) = (now.value()?, target?);
    Some(format!("目標 {target}{unit}の{}%", now * 100 / target.max(1)))
}

pub(crate) fn sections(
    catalogue: &Catalogue,
    initiative: Option<u8>,
    this: &PeriodFigures,
    last: &PeriodFigures,
) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    for measure in measures(catalogue, initiative) {
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
            compared(now, before, measure.target, &measure.unit)
        );
        if measure.record_type == catalogue.subsidy.record_type {
            line.push_str(&format!(
                " 交付額 {}（前年同期 {}）",
                yen(granted_amount(&this.figures)),
                yen(granted_amount(&last.figures))
            ));
        }
        let mut lines = vec![line];
        lines.extend(breakdown::line(catalogue, &measure, &this.figures));
        match sections.last_mut() {
            Some(section) if section.heading.as_deref() == Some(heading.as_str()) => section.lines.extend(lines),
            _ => sections.push(Section::new(heading, lines)),
        }
    }
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
        "比較: 今年度 {} ／ 前年同期 {}",
        this.note, last.note
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
