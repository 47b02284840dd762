//! Fiscal years (年度) and the Japanese eras (和暦) used to label them and to print dates.
//!
//! Pure functions of a date: nothing here reads a clock. The fiscal year's first day comes from
//! the catalogue (`FiscalYearStart`), Komoro's is 1 April. Date *input* lives in `dates.rs`.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A fiscal year, named by the calendar year in which it starts (FY2020 = 令和2年度 = 2020-04-01 … 2021-03-31).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FiscalYear(i32);

/// The month and day on which every fiscal year begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FiscalYearStart {
    month: u32,
    day: u32,
}

impl FiscalYearStart {
    /// Japan's public fiscal year: 1 April.
    pub const APRIL_FIRST: FiscalYearStart = FiscalYearStart { month: 4, day: 1 };

    /// A start day; `None` for a day that does not exist every year (29 February, 31 April …).
    pub fn new(month: u32, day: u32) -> Option<Self> {
        // 2021 is not a leap year, so 29 February is refused too.
        NaiveDate::from_ymd_opt(2021, month, day).map(|_| FiscalYearStart { month, day })
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn day(self) -> u32 {
        self.day
    }
}

impl FiscalYear {
    pub const fn new(start_year: i32) -> Self {
        FiscalYear(start_year)
    }

    /// The fiscal year that contains `date`.
    pub fn containing(date: NaiveDate, start: FiscalYearStart) -> Self {
        if (date.month(), date.day()) >= (start.month, start.day) {
            FiscalYear(date.year())
        } else {
            FiscalYear(date.year() - 1)
        }
    }

    /// The calendar year in which this fiscal year starts.
    pub fn start_year(self) -> i32 {
        self.0
    }

    pub fn first_day(self, start: FiscalYearStart) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.0, start.month, start.day).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self, start: FiscalYearStart) -> NaiveDate {
        self.next().first_day(start).pred_opt().unwrap_or(NaiveDate::MAX)
    }

    pub fn previous(self) -> Self {
        FiscalYear(self.0 - 1)
    }

    pub fn next(self) -> Self {
        FiscalYear(self.0 + 1)
    }

    /// The label the city's report uses: 平成30年度, 令和元年度 (FY2019, although Reiwa began on
    /// 1 May 2019), 令和2年度 … The era is the one in force at the end of the calendar year.
    pub fn label(self) -> String {
        match Era::of_year_end(self.0) {
            Some((era, year)) => format!("{}{}年度", era.name(), era_year_label(year)),
            None => format!("{}年度", self.0),
        }
    }
}

impl fmt::Display for FiscalYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// A calendar month, e.g. October 2026: the period of a monthly digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    year: i32,
    month: u32,
}

impl YearMonth {
    /// `None` unless `month` is 1–12.
    pub fn new(year: i32, month: u32) -> Option<Self> {
        (1..=12).contains(&month).then_some(YearMonth { year, month })
    }

    pub fn of(date: NaiveDate) -> Self {
        YearMonth {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MAX)
    }

    pub fn next(self) -> Self {
        match self.month {
            12 => YearMonth {
                year: self.year + 1,
                month: 1,
            },
            m => YearMonth {
                year: self.year,
                month: m + 1,
            },
        }
    }

    pub fn previous(self) -> Self {
        match self.month {
            1 => YearMonth {
                year: self.year - 1,
                month: 12,
            },
            m => YearMonth {
                year: self.year,
                month: m - 1,
            },
        }
    }

    /// `2026-10`: the form kept in the database and typed on the command line.
    pub fn key(self) -> String {
        format!("{:04}-{:02}", self.year, self.month)
    }

    /// `2026年10月`.
    pub fn label(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }
}

/// The modern eras that a date typed by staff or printed in a report can be in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Era {
    Showa,
    Heisei,
    Reiwa,
}

impl Era {
    pub const ALL: [Era; 3] = [Era::Showa, Era::Heisei, Era::Reiwa];

    pub fn name(self) -> &'static str {
        match self {
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    /// The one-letter abbreviation used in dates such as `R2.6.15`.
    pub fn letter(self) -> char {
        match self {
            Era::Showa => 'S',
            Era::Heisei => 'H',
            Era::Reiwa => 'R',
        }
    }

    /// The first day of the era.
    pub fn first_day(self) -> NaiveDate {
        let (y, m, d) = match self {
            Era::Showa => (1926, 12, 25),
            Era::Heisei => (1989, 1, 8),
            Era::Reiwa => (2019, 5, 1),
        };
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    /// The last day of the era, `None` for the current one.
    pub fn last_day(self) -> Option<NaiveDate> {
        match self {
            Era::Showa => Era::Heisei.first_day().pred_opt(),
            Era::Heisei => Era::Reiwa.first_day().pred_opt(),
            Era::Reiwa => None,
        }
    }

    /// The Gregorian year of 元年 (year 1) of the era.
    pub fn first_year(self) -> i32 {
        self.first_day().year()
    }

    /// The era in force on `date` and the year within it.
    pub fn of_date(date: NaiveDate) -> Option<(Era, i32)> {
        Era::ALL
            .iter()
            .rev()
            .find(|era| date >= era.first_day())
            .map(|&era| (era, date.year() - era.first_year() + 1))
    }

    /// The era in force on 31 December of `year`, which names that year in fiscal-year labels.
    fn of_year_end(year: i32) -> Option<(Era, i32)> {
        NaiveDate::from_ymd_opt(year, 12, 31).and_then(Era::of_date)
    }
}

/// `元` for the first year of an era, the number otherwise.
fn era_year_label(year: i32) -> String {
    if year == 1 {
        "元".to_string()
    } else {
        year.to_string()
    }
}

/// A date as staff write it in both calendars: `2026年6月15日（令和8年6月15日）`.
pub fn date_label(date: NaiveDate) -> String {
    let western = format!("{}年{}月{}日", date.year(), date.month(), date.day());
    match Era::of_date(date) {
        Some((era, year)) => format!(
            "{western}（{}{}年{}月{}日）",
            era.name(),
            era_year_label(year),
            date.month(),
            date.day()
        ),
        None => western,
    }
}

/// A date in the Japanese calendar only, as the city's documents write it: `令和8年6月1日`
/// (`2026年6月1日` before Meiji's calendar, which no record has).
pub fn era_date_label(date: NaiveDate) -> String {
    match Era::of_date(date) {
        Some((era, year)) => format!(
            "{}{}年{}月{}日",
            era.name(),
            era_year_label(year),
            date.month(),
            date.day()
        ),
        None => format!("{}年{}月{}日", date.year(), date.month(), date.day()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    #[test]
    fn fiscal_year_labels_follow_the_report() {
        let check = |y, label: &str| assert_eq!(FiscalYear::new(y).label(), label);
        check(2018, "平成30年度");
        check(2019, "令和元年度");
        check(2020, "令和2年度");
        check(2026, "令和8年度");
        check(1989, "平成元年度");
        check(1988, "昭和63年度");
    }

    #[test]
    fn fiscal_year_boundaries() {
        let s = FiscalYearStart::APRIL_FIRST;
        assert_eq!(FiscalYear::containing(d(2021, 3, 31), s), FiscalYear::new(2020));
        assert_eq!(FiscalYear::containing(d(2021, 4, 1), s), FiscalYear::new(2021));
        assert_eq!(FiscalYear::containing(d(2020, 1, 1), s), FiscalYear::new(2019));
        assert_eq!(FiscalYear::new(2023).first_day(s), d(2023, 4, 1));
        assert_eq!(FiscalYear::new(2023).last_day(s), d(2024, 3, 31));
        let january = FiscalYearStart::new(1, 1).expect("1 January exists");
        assert_eq!(FiscalYear::containing(d(2021, 3, 31), january), FiscalYear::new(2021));
        assert!(FiscalYearStart::new(2, 29).is_none());
        assert!(FiscalYearStart::new(4, 31).is_none());
    }

    #[test]
    fn eras_change_on_their_first_day() {
        assert_eq!(Era::of_date(d(2019, 4, 30)), Some((Era::Heisei, 31)));
        assert_eq!(Era::of_date(d(2019, 5, 1)), Some((Era::Reiwa, 1)));
        assert_eq!(Era::of_date(d(1989, 1, 7)), Some((Era::Showa, 64)));
        assert_eq!(Era::of_date(d(1989, 1, 8)), Some((Era::Heisei, 1)));
        assert_eq!(Era::Heisei.last_day(), Some(d(2019, 4, 30)));
    }

    #[test]
    fn months_step_over_year_ends() {
        let oct = YearMonth::new(2026, 10).expect("month");
        assert_eq!(oct.key(), "2026-10");
        assert_eq!(oct.label(), "2026年10月");
        assert_eq!(oct.last_day(), d(2026, 10, 31));
        assert_eq!(YearMonth::new(2024, 2).map(YearMonth::last_day), Some(d(2024, 2, 29)));
        assert_eq!(
            YearMonth::new(2026, 12).map(|m| m.next().key()),
            Some("2027-01".to_string())
        );
        assert_eq!(
            YearMonth::new(2027, 1).map(|m| m.previous().key()),
            Some("2026-12".to_string())
        );
        assert_eq!(YearMonth::new(2026, 13), None);
    }

    #[test]
    fn dates_print_in_both_calendars() {
        assert_eq!(date_label(d(2026, 6, 15)), "2026年6月15日（令和8年6月15日）");
        assert_eq!(date_label(d(2019, 5, 1)), "2019年5月1日（令和元年5月1日）");
        assert_eq!(date_label(d(2019, 4, 30)), "2019年4月30日（平成31年4月30日）");
        assert_eq!(era_date_label(d(2026, 6, 1)), "令和8年6月1日");
        assert_eq!(era_date_label(d(2019, 5, 1)), "令和元年5月1日");
    }
}
