//! "Where do we stand?": the fiscal-year-to-date period, the same period of the previous fiscal
//! year, and the measures (one per indicator and record type) that `/totals` and the monthly
//! digest compare between them.
//!
//! Like with like: a period still in progress (a month or fiscal year up to today) is compared
//! with the same days one year earlier (`same_period_last_year`); a month that is over with the
//! whole month one year earlier (`same_period_to_month_end_last_year`). 29 February is compared
//! with 28 February (`a_year_before`).

use super::calendar::{FiscalYear, FiscalYearStart, YearMonth};
use super::catalogue::{circled, Catalogue};
use super::figures::{Figure, Figures};
use super::record_type::RecordType;
use chrono::{Datelike, NaiveDate};

/// A closed range of days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// The whole of fiscal year `year`.
    pub fn whole_year(year: FiscalYear, start: FiscalYearStart) -> Period {
        Period {
            from: year.first_day(start),
            to: year.last_day(start),
        }
    }

    /// Whether the period is a whole fiscal year.
    pub fn is_whole_year(self, start: FiscalYearStart) -> bool {
        let year = FiscalYear::containing(self.from, start);
        self.from == year.first_day(start) && self.to == year.last_day(start)
    }
}

/// `year` from its first day to `today`, or the whole year once it is over; `None` before it starts.
pub fn year_to_date(year: FiscalYear, start: FiscalYearStart, today: NaiveDate) -> Option<Period> {
    let from = year.first_day(start);
    (today >= from).then(|| Period {
        from,
        to: today.min(year.last_day(start)),
    })
}

/// `date` one year earlier: the same month and day, 29 February becoming 28 February.
///
/// The leap-day rule: a year without 29 February compares that day with 28 February, so a
/// period that ends on 29 February is compared up to 28 February of the year before, and the
/// year after a leap year compares up to 28 February, not the 29th (the same calendar days).
pub fn a_year_before(date: NaiveDate) -> NaiveDate {
    date.with_year(date.year() - 1)
        .or_else(|| NaiveDate::from_ymd_opt(date.year() - 1, date.month(), 28))
        .unwrap_or(date)
}

/// The same days one year earlier (`a_year_before` at both ends): what a period still in
/// progress is compared with — 1–2 December with 1–2 December of the year before, a fiscal
/// year to 28 November with the year before to 28 November, a whole fiscal year with the whole
/// year before.
pub fn same_period_last_year(period: Period) -> Period {
    Period {
        from: a_year_before(period.from),
        to: a_year_before(period.to),
    }
}

/// The same stretch before the end of `month` one year earlier: from `a_year_before(from)` to
/// the last day of the same month the year before. What a month that is over is compared
/// with, so that February of a leap year counts all its 29 days against a whole February.
pub fn same_period_to_month_end_last_year(from: NaiveDate, month: YearMonth) -> Period {
    let before = YearMonth::new(month.year() - 1, month.month()).unwrap_or(month);
    Period {
        from: a_year_before(from),
        to: before.last_day(),
    }
}

/// The part of `month` up to `today`: the whole month once it is over, `None` before it starts.
pub fn month_to_date(month: YearMonth, today: NaiveDate) -> Option<Period> {
    (today >= month.first_day()).then(|| Period {
        from: month.first_day(),
        to: today.min(month.last_day()),
    })
}

/// One line of `/totals`: an indicator, or one record type of an indicator fed by several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measure {
    pub indicator: u8,
    pub record_type: RecordType,
    /// The indicator's title, or its column for a type of an indicator fed by several.
    pub label: String,
    pub unit: String,
    pub target: Option<u64>,
}

impl Measure {
    /// This measure's figure in `figures`.
    pub fn value(&self, catalogue: &Catalogue, figures: &Figures) -> Figure {
        figures.count(catalogue, self.record_type, self.indicator)
    }
}

/// The measures of the catalogue's indicators, in order; only those of `initiative` if given.
pub fn measures(catalogue: &Catalogue, initiative: Option<u8>) -> Vec<Measure> {
    catalogue
        .indicators
        .iter()
        .filter(|i| initiative.is_none_or(|n| i.initiative == n))
        .flat_map(|indicator| {
            let several = indicator.records.len() > 1;
            indicator.records.iter().enumerate().map(move |(k, record_type)| {
                let label = match indicator.columns.get(k) {
                    Some(column) if several && indicator.columns.len() == indicator.records.len() => {
                        format!("{}{column}", circled(indicator.number))
                    }
                    _ if several => format!("{}（{}）", indicator.title(), record_type.key()),
                    _ => indicator.title(),
                };
                Measure {
                    indicator: indicator.number,
                    record_type: *record_type,
                    label,
                    unit: indicator.unit.clone(),
                    target: indicator.targets.get(record_type).copied(),
                }
            })
        })
        .collect()
}

/// The yen granted in `figures`, over all courses.
pub fn granted_amount(figures: &Figures) -> Figure {
    figures
        .subsidy
        .values()
        .map(|c| c.amount.value())
        .sum::<Option<u64>>()
        .map_or(Figure::UNKNOWN, Figure::known)
}

/// The areas with no record of the catalogue's area type (the liaison meetings) in `figures`,
/// in the catalogue's order.
pub fn areas_without_meetings<'a>(catalogue: &'a Catalogue, figures: &Figures) -> Vec<&'a str> {
    let Some(spec) = catalogue.area_type() else {
        return Vec::new();
    };
    catalogue
        .areas
        .iter()
        .filter(|a| figures.of(catalogue, spec.record_type, &a.name).value() == Some(0))
        .map(|a| a.name.as_str())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    const APRIL: FiscalYearStart = FiscalYearStart::APRIL_FIRST;

    fn period(from: NaiveDate, to: NaiveDate) -> Period {
        Period { from, to }
    }

    #[test]
    fn year_to_date_stops_at_today_or_the_years_end() {
        let fy = FiscalYear::new(2026);
        assert_eq!(
            year_to_date(fy, APRIL, d(2026, 11, 28)),
            Some(period(d(2026, 4, 1), d(2026, 11, 28)))
        );
        assert_eq!(
            year_to_date(fy, APRIL, d(2027, 5, 1)),
            Some(period(d(2026, 4, 1), d(2027, 3, 31)))
        );
        assert_eq!(
            year_to_date(fy, APRIL, d(2026, 4, 1)),
            Some(period(d(2026, 4, 1), d(2026, 4, 1)))
        );
        assert_eq!(year_to_date(fy, APRIL, d(2026, 3, 31)), None);
    }

    #[test]
    fn the_same_period_last_year_handles_boundaries_and_leap_days() {
        let check = |from, to, expected| assert_eq!(same_period_last_year(period(from, to)), expected);
        check(d(2026, 4, 1), d(2026, 11, 28), period(d(2025, 4, 1), d(2025, 11, 28)));
        check(d(2026, 4, 1), d(2026, 4, 1), period(d(2025, 4, 1), d(2025, 4, 1)));
        check(d(2026, 4, 1), d(2027, 3, 31), period(d(2025, 4, 1), d(2026, 3, 31)));
        // FY2027 to 29 February 2028 against FY2026 to 28 February 2027.
        check(d(2027, 4, 1), d(2028, 2, 29), period(d(2026, 4, 1), d(2027, 2, 28)));
        // FY2028 to 28 February 2029 against FY2027 to 28 February 2028 (not the 29th).
        check(d(2028, 4, 1), d(2029, 2, 28), period(d(2027, 4, 1), d(2028, 2, 28)));
        // A month in progress: 1–2 December against 1–2 December, not the whole month.
        check(d(2026, 12, 1), d(2026, 12, 2), period(d(2025, 12, 1), d(2025, 12, 2)));
        // The 31st of a month, and a leap day alone.
        check(d(2026, 10, 1), d(2026, 10, 31), period(d(2025, 10, 1), d(2025, 10, 31)));
        check(d(2028, 2, 29), d(2028, 2, 29), period(d(2027, 2, 28), d(2027, 2, 28)));
        assert!(period(d(2025, 4, 1), d(2026, 3, 31)).is_whole_year(APRIL));
        assert!(!period(d(2025, 4, 1), d(2026, 3, 30)).is_whole_year(APRIL));
    }

    #[test]
    fn a_month_that_is_over_is_compared_with_the_whole_month() {
        let month = |y, m| YearMonth::new(y, m).expect("month");
        // February 2029 (28 days) against all 29 days of February 2028, and the year to its end.
        assert_eq!(
            same_period_to_month_end_last_year(d(2029, 2, 1), month(2029, 2)),
            period(d(2028, 2, 1), d(2028, 2, 29))
        );
        assert_eq!(
            same_period_to_month_end_last_year(d(2028, 4, 1), month(2029, 2)),
            period(d(2027, 4, 1), d(2028, 2, 29))
        );
        // February 2028 (29 days) against the 28 of February 2027.
        assert_eq!(
            same_period_to_month_end_last_year(d(2028, 2, 1), month(2028, 2)),
            period(d(2027, 2, 1), d(2027, 2, 28))
        );
        assert_eq!(
            same_period_to_month_end_last_year(d(2026, 4, 1), month(2026, 12)),
            period(d(2025, 4, 1), d(2025, 12, 31))
        );
    }

    #[test]
    fn a_month_to_date_stops_at_today() {
        let december = YearMonth::new(2026, 12).expect("month");
        assert_eq!(
            month_to_date(december, d(2026, 12, 2)),
            Some(period(d(2026, 12, 1), d(2026, 12, 2)))
        );
        assert_eq!(
            month_to_date(december, d(2027, 1, 5)),
            Some(period(d(2026, 12, 1), d(2026, 12, 31)))
        );
        assert_eq!(month_to_date(december, d(2026, 11, 30)), None);
        assert_eq!(a_year_before(d(2028, 2, 29)), d(2027, 2, 28));
        assert_eq!(a_year_before(d(2029, 3, 1)), d(2028, 3, 1));
    }

    #[test]
    fn measures_follow_the_catalogue() {
        let c = Catalogue::parse(include_str!("../../config/kyodo.toml")).expect("config");
        let labels: Vec<String> = measures(&c, None).into_iter().map(|m| m.label).collect();
        assert_eq!(
            labels,
            [
                "①区長会活動",
                "②区と地区担当職員との連携",
                "③相談数",
                "③マッチング数",
                "④市民活動促進事業補助金",
                "⑤市民参加手続き",
                "⑥区長会・市民活動連携",
                "⑦情報共有機会",
                "⑧条例理念の普及",
                "⑨各主体の実践の見える化"
            ]
        );
        assert_eq!(measures(&c, Some(2)).len(), 3);
    }
}
