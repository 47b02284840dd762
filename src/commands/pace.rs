//! Pace in the replies: each indicator's figure so far against the profile of the previous three
//! fiscal years (`domain::pace`), read month by month from the running tallies
//! (`year_series`, which the digest's chart draws too). Shown for a fiscal year in progress in
//! `/totals` and the monthly digest.

use crate::app::{App, Series};
use crate::domain::figures::Tally;
use crate::domain::pace::{pace, YearPoint};
use crate::domain::totals::Measure;
use crate::domain::RecordType;
use crate::domain::{Catalogue, Figures, FiscalYear, YearMonth};
use crate::render::breakdown::INDENT;
use crate::render::chart::MONTHS;
use crate::store::{self, Store};
use chrono::{Datelike, NaiveDate};
use std::collections::BTreeMap;

/// How many fiscal years before this one the profile is read from.
pub const HISTORY_YEARS: i32 = 3;

/// Adds `no_pace` under the last section's lines if `without_pace` (some indicator had none).
pub(super) fn note_missing(sections: &mut [crate::render::reply::Section], without_pace: bool) {
    if without_pace {
        if let Some(section) = sections.last_mut() {
            section.lines.push(no_pace());
        }
    }
}

/// Said once under the figures where some indicator has no pace.
pub fn no_pace() -> String {
    format!(
        "{INDENT}ペースのない指標は、前の{HISTORY_YEARS}年度に月ごとの記録がないため見込みを出していません（ペースは過去の年度の月ごとの進み方から出します）"
    )
}

/// The fiscal-year-to-date total at the end of each month of `year`, April first, per measure:
/// `None` after `until`, and for a year known only as a total (the baseline: its total at March).
/// Remembered by the app while the year's records do not change (`App::series`).
pub(super) fn year_series(
    app: &App,
    measures: &[Measure],
    year: FiscalYear,
    until: YearMonth,
) -> Result<Series, store::Error> {
    let catalogue = &app.settings.catalogue;
    let start = catalogue.fiscal_year_start;
    let key = (
        year.start_year(),
        until.key(),
        measures.iter().map(|m| (m.indicator, m.record_type)).collect(),
    );
    app.series
        .get_or_read(&app.store, key, (year.first_day(start), year.last_day(start)), || {
            read_series(&app.store, catalogue, measures, year, until)
        })
}

/// `year_series` read from the store.
fn read_series(
    store: &Store,
    catalogue: &Catalogue,
    measures: &[Measure],
    year: FiscalYear,
    until: YearMonth,
) -> Result<Series, store::Error> {
    let start = catalogue.fiscal_year_start;
    let unknown = || vec![vec![None; MONTHS]; measures.len()];
    if let Some(baseline) = store.baseline_year(year)? {
        let mut series = unknown();
        for (values, measure) in series.iter_mut().zip(measures) {
            values[MONTHS - 1] = measure.value(catalogue, &baseline).value();
        }
        return Ok(series);
    }
    let (from, to) = (year.first_day(start), year.last_day(start));
    if !store.any_record_between(from, to)? {
        return Ok(unknown());
    }
    let first = YearMonth::of(from);
    let months: Vec<YearMonth> = std::iter::successors(Some(first), |m| Some(m.next()))
        .take(MONTHS)
        .take_while(|m| *m <= until)
        .collect();
    let ends: Vec<NaiveDate> = months.iter().map(|m| m.last_day()).collect();
    let subsidy = store.subsidy_counts(catalogue, from, &ends)?;
    let mut series = unknown();
    // The year to date, kept per tally key; a month's values are taken when the tallies have
    // passed it (they come month after month).
    let mut running: BTreeMap<(RecordType, String, String), u64> = BTreeMap::new();
    let mut done = 0;
    let mut take = |running: &BTreeMap<(RecordType, String, String), u64>, i: usize| {
        let tallies: Vec<Tally> = running
            .iter()
            .map(|((record_type, dimension, detail), &count)| Tally {
                record_type: *record_type,
                dimension: dimension.clone(),
                detail: detail.clone(),
                count,
            })
            .collect();
        let figures = Figures::from_counts(catalogue, &tallies, &subsidy[i]);
        for (values, measure) in series.iter_mut().zip(measures) {
            values[i] = measure.value(catalogue, &figures).value();
        }
    };
    let keys: Vec<String> = months.iter().map(|m| m.key()).collect();
    if let (Some(first), Some(last)) = (keys.first(), keys.last()) {
        store.each_tally_by_month(first, last, |month, t| {
            while done < keys.len() && keys[done].as_str() < month {
                take(&running, done);
                done += 1;
            }
            *running.entry((t.record_type, t.dimension, t.detail)).or_default() += t.count;
        })?;
    }
    for i in done..keys.len() {
        take(&running, i);
    }
    Ok(series)
}

/// The previous years' series of `year`, oldest first.
pub(super) fn history(app: &App, measures: &[Measure], year: FiscalYear) -> Result<Vec<Series>, store::Error> {
    let start = app.settings.catalogue.fiscal_year_start;
    let mut years = Vec::new();
    for back in (1..=HISTORY_YEARS).rev() {
        let past = FiscalYear::new(year.start_year() - back);
        years.push(year_series(app, measures, past, YearMonth::of(past.last_day(start)))?);
    }
    Ok(years)
}

/// Where `today` is in its fiscal year: the month and how much of it has passed.
pub(super) fn point(catalogue: &Catalogue, today: NaiveDate) -> YearPoint {
    let start = catalogue.fiscal_year_start;
    let first = FiscalYear::containing(today, start).first_day(start);
    let months = (today.year() - first.year()) * 12 + today.month() as i32 - first.month() as i32;
    let days = YearMonth::of(today).last_day().day();
    YearPoint {
        month: usize::try_from(months).unwrap_or(0).min(MONTHS - 1),
        fraction: f64::from(today.day()) / f64::from(days),
    }
}

/// `　ペース: 例年この時期は年間の62%（過去3年度）。このままなら年度末に48回、目標30回の160%（S）`;
/// `None` where no earlier year has the measure month by month (`no_pace` says so once).
pub(super) fn pace_line(
    catalogue: &Catalogue,
    measure_index: usize,
    measure: &Measure,
    history: &[Vec<Vec<Option<u64>>>],
    now: &Figures,
    point: YearPoint,
) -> Option<String> {
    let now = measure.value(catalogue, now).value()?;
    let series: Vec<Vec<Option<u64>>> = history
        .iter()
        .filter_map(|year| year.get(measure_index).cloned())
        .collect();
    let unit = &measure.unit;
    let p = pace(&series, now, point, measure.target, &catalogue.grades)?;
    if p.share <= 0.0 {
        return Some(format!(
            "{INDENT}ペース: 例年この時期にはまだ記録がありません（過去{}年度）。年度末の見込みはまだ出せません",
            p.years
        ));
    }
    let mut line = format!(
        "{INDENT}ペース: 例年この時期は年間の{}%（過去{}年度）。このままなら年度末に{}{unit}",
        (p.share * 100.0).round(),
        p.years,
        p.projected
    );
    if let (Some(t), Some(target)) = (p.target, measure.target) {
        line.push_str(&format!(
            "、目標{target}{unit}の{}%（{}）。今ごろの目安は{}{unit}",
            t.percent, t.grade, t.expected_now
        ));
    }
    Some(line)
}
