//! Dates as staff type them: `2020-06-15`, `2020/6/15`, `6/15`, `R2.6.15`, `令和2年6月15日`,
//! `令和元年5月1日`, `H31.4.30`, full-width digits, `今日`, `昨日`.
//!
//! `parse_date` takes "today" as a parameter (the caller reads the clock in Asia/Tokyo), refuses
//! impossible, ambiguous and future dates, and says why in Japanese. Printing lives in `calendar.rs`.

use super::calendar::{date_label, Era, FiscalYear, YearMonth};
use chrono::{Datelike, Duration, NaiveDate};
use thiserror::Error;

/// Why a typed date was refused; the message is shown to staff as it is.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DateError {
    #[error(
        "「{0}」は日付として読めません。2026-06-15、6/15、R8.6.15、令和8年6月15日、今日、昨日 のように入力してください"
    )]
    Unreadable(String),
    #[error("「{0}」は年がはっきりしません。西暦は4桁（2020/6/15）、和暦は元号付き（R2.6.15）で入力してください")]
    AmbiguousYear(String),
    #[error("{0}はありません")]
    NoSuchDay(String),
    #[error("{era}は{first}に始まりました。その日は{actual}です")]
    BeforeEra {
        era: &'static str,
        first: String,
        actual: String,
    },
    #[error("{era}は{last}で終わりました。その日は{actual}です")]
    AfterEra {
        era: &'static str,
        last: String,
        actual: String,
    },
    #[error("未来の日付（{date}）は登録できません。今日は{today}です")]
    Future { date: String, today: String },
    #[error("2月29日はこの1年の間にありません。年を付けて入力してください（例: 2024/2/29）")]
    NoRecentLeapDay,
    #[error("「{0}」は月として読めません。2026-10、2026年10月、R8.10、10月 のように入力してください")]
    UnreadableMonth(String),
    #[error("{month}はまだ来ていません（今月は{this}です）")]
    FutureMonth { month: String, this: String },
    #[error("「{0}」は年度として読めません。2026、2026年度、R8、令和8年度 のように入力してください")]
    UnreadableFiscalYear(String),
    #[error("{era}{year}年はありません（{era}は{last}で終わりました）")]
    NoSuchEraYear { era: &'static str, year: u32, last: String },
}

/// Reads a month: `2026-10`, `2026/10`, `2026年10月`, `R8.10`, `令和8年10月`, or `10月` / `10`
/// (the latest October not after `today`). Refuses months after `today`'s.
pub fn parse_month(input: &str, today: NaiveDate) -> Result<YearMonth, DateError> {
    let unreadable = || DateError::UnreadableMonth(input.trim().to_string());
    let text = normalize(input);
    let text = text.strip_suffix('月').unwrap_or(&text);
    let (era, rest) = split_era(text);
    let parts = split_numbers(rest).ok_or_else(unreadable)?;
    let this = YearMonth::of(today);
    let month = match (era, parts.as_slice()) {
        (None, [Part::Number(month)]) => {
            let candidate = YearMonth::new(today.year(), *month).ok_or_else(unreadable)?;
            if candidate > this {
                YearMonth::new(today.year() - 1, *month).ok_or_else(unreadable)?
            } else {
                candidate
            }
        }
        (None, [Part::Number(year), Part::Number(month)]) if *year >= 1900 => {
            YearMonth::new(i32::try_from(*year).map_err(|_| unreadable())?, *month).ok_or_else(unreadable)?
        }
        (Some(era), [year, Part::Number(month)]) => {
            let year = match year {
                Part::FirstYear => 1,
                Part::Number(n) => *n,
            };
            let first =
                era_date(era, year, *month, 1).or_else(|_| era_date(era, year, *month, era.first_day().day()))?;
            YearMonth::of(first)
        }
        _ => return Err(unreadable()),
    };
    if month > this {
        return Err(DateError::FutureMonth {
            month: month.label(),
            this: this.label(),
        });
    }
    Ok(month)
}

/// Reads a fiscal year: `2020`, `2020年度`, `R2`, `令和2年度`, `令和元年度`, `H30`, full-width digits.
pub fn parse_fiscal_year(input: &str) -> Result<FiscalYear, DateError> {
    let unreadable = || DateError::UnreadableFiscalYear(input.trim().to_string());
    let text = normalize(input);
    let text = text
        .strip_suffix("年度")
        .or_else(|| text.strip_suffix('年'))
        .unwrap_or(&text);
    let (era, rest) = split_era(text);
    let year = match rest {
        "元" if era.is_some() => 1,
        _ if !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()) => {
            rest.parse::<u32>().map_err(|_| unreadable())?
        }
        _ => return Err(unreadable()),
    };
    match era {
        None if (1900..=2200).contains(&year) => Ok(FiscalYear::new(year as i32)),
        None => Err(unreadable()),
        Some(era) => {
            let gregorian = era.first_year() + i32::try_from(year).map_err(|_| unreadable())? - 1;
            match era.last_day() {
                _ if year == 0 => Err(unreadable()),
                Some(last) if gregorian > last.year() => Err(DateError::NoSuchEraYear {
                    era: era.name(),
                    year,
                    last: date_label(last),
                }),
                _ => Ok(FiscalYear::new(gregorian)),
            }
        }
    }
}

/// Reads a date typed by a user. `today` is the current date in the city's time zone.
pub fn parse_date(input: &str, today: NaiveDate) -> Result<NaiveDate, DateError> {
    let text = normalize(input);
    let date = match text.as_str() {
        "今日" | "きょう" | "本日" => today,
        "昨日" | "きのう" => today - Duration::days(1),
        "一昨日" | "おととい" => today - Duration::days(2),
        _ => parse_calendar_date(&text, input, today)?,
    };
    if date > today {
        return Err(DateError::Future {
            date: date_label(date),
            today: date_label(today),
        });
    }
    Ok(date)
}

fn parse_calendar_date(text: &str, input: &str, today: NaiveDate) -> Result<NaiveDate, DateError> {
    let unreadable = || DateError::Unreadable(input.trim().to_string());
    let (era, rest) = split_era(text);
    let parts = split_numbers(rest).ok_or_else(unreadable)?;
    match (era, parts.as_slice()) {
        (Some(era), [year, month, day]) => {
            let year = match year {
                Part::FirstYear => 1,
                Part::Number(n) => *n,
            };
            era_date(
                era,
                year,
                month.number().ok_or_else(unreadable)?,
                day.number().ok_or_else(unreadable)?,
            )
        }
        (None, [Part::Number(year), Part::Number(month), Part::Number(day)]) => {
            let digits = rest.chars().take_while(char::is_ascii_digit).count();
            if digits != 4 {
                return Err(DateError::AmbiguousYear(input.trim().to_string()));
            }
            calendar_day(*year, *month, *day)
        }
        (None, [Part::Number(month), Part::Number(day)]) if *month < 100 => latest_month_day(*month, *day, today),
        _ => Err(unreadable()),
    }
}

/// Full-width digits, letters and punctuation to ASCII; spaces removed.
fn normalize(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '／' | '－' | '．' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            '‐' | '−' | 'ー' => '-',
            '。' => '.',
            _ => c,
        })
        .collect()
}

fn split_era(text: &str) -> (Option<Era>, &str) {
    for era in Era::ALL {
        if let Some(rest) = text.strip_prefix(era.name()) {
            return (Some(era), rest);
        }
        let mut chars = text.chars();
        if chars.next().is_some_and(|c| c.eq_ignore_ascii_case(&era.letter())) {
            return (Some(era), chars.as_str());
        }
    }
    (None, text)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Number(u32),
    /// 元, the first year of an era.
    FirstYear,
}

impl Part {
    fn number(self) -> Option<u32> {
        match self {
            Part::Number(n) => Some(n),
            Part::FirstYear => None,
        }
    }
}

/// `2020-6-15`, `2/6/15`, `2年6月15日`, `元年5月1日` → the numbers; `None` if anything else is there.
fn split_numbers(text: &str) -> Option<Vec<Part>> {
    let mut parts = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let mut digits = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                digits.push(d);
                chars.next();
            }
            parts.push(Part::Number(digits.parse().ok()?));
        } else if c == '元' {
            parts.push(Part::FirstYear);
            chars.next();
        } else {
            return None;
        }
        match chars.next() {
            None => break,
            // A separator must be followed by another number.
            Some('-' | '/' | '.' | '年' | '月') => {
                chars.peek()?;
            }
            Some('日') if chars.peek().is_none() => break,
            Some(_) => return None,
        }
    }
    (!parts.is_empty()).then_some(parts)
}

fn calendar_day(year: u32, month: u32, day: u32) -> Result<NaiveDate, DateError> {
    i32::try_from(year)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, month, day))
        .ok_or_else(|| DateError::NoSuchDay(format!("{year}年{month}月{day}日")))
}

fn era_date(era: Era, year: u32, month: u32, day: u32) -> Result<NaiveDate, DateError> {
    let era_year = |y: u32| {
        if y == 1 {
            "元".to_string()
        } else {
            y.to_string()
        }
    };
    let written = format!("{}{}年{}月{}日", era.name(), era_year(year), month, day);
    let gregorian = u32::try_from(era.first_year())
        .ok()
        .and_then(|first| (year >= 1).then(|| first + year - 1))
        .ok_or_else(|| DateError::NoSuchDay(written.clone()))?;
    let date = calendar_day(gregorian, month, day).map_err(|_| DateError::NoSuchDay(written))?;
    if date < era.first_day() {
        return Err(DateError::BeforeEra {
            era: era.name(),
            first: date_label(era.first_day()),
            actual: date_label(date),
        });
    }
    if let Some(last) = era.last_day().filter(|last| date > *last) {
        return Err(DateError::AfterEra {
            era: era.name(),
            last: date_label(last),
            actual: date_label(date),
        });
    }
    Ok(date)
}

/// `6/15`: the latest 15 June that is not after today (this year's, or last year's).
fn latest_month_day(month: u32, day: u32, today: NaiveDate) -> Result<NaiveDate, DateError> {
    if NaiveDate::from_ymd_opt(2024, month, day).is_none() {
        return Err(DateError::NoSuchDay(format!("{month}月{day}日")));
    }
    [today.year(), today.year() - 1]
        .into_iter()
        .filter_map(|year| NaiveDate::from_ymd_opt(year, month, day))
        .find(|date| *date <= today)
        .ok_or(DateError::NoRecentLeapDay)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("valid test date")
    }

    const TODAY: (i32, u32, u32) = (2026, 11, 28);

    fn check(input: &str, expected: NaiveDate) {
        let today = d(TODAY.0, TODAY.1, TODAY.2);
        assert_eq!(parse_date(input, today), Ok(expected), "input {input:?}");
    }

    fn refused(input: &str, message: &str) {
        let today = d(TODAY.0, TODAY.1, TODAY.2);
        match parse_date(input, today) {
            Ok(date) => panic!("{input:?} was accepted as {date}"),
            Err(e) => assert_eq!(e.to_string(), message, "input {input:?}"),
        }
    }

    #[test]
    fn months_in_every_form() {
        let today = d(2026, 11, 28);
        for (input, key) in [
            ("2026-10", "2026-10"),
            ("2026/10", "2026-10"),
            ("2026年10月", "2026-10"),
            ("R8.10", "2026-10"),
            ("令和8年10月", "2026-10"),
            ("令和元年5月", "2019-05"),
            ("１０月", "2026-10"),
            ("12", "2025-12"),
            ("11月", "2026-11"),
        ] {
            assert_eq!(
                parse_month(input, today).map(YearMonth::key),
                Ok(key.to_string()),
                "{input}"
            );
        }
        assert_eq!(
            parse_month("2026-12", today).map_err(|e| e.to_string()),
            Err("2026年12月はまだ来ていません（今月は2026年11月です）".to_string())
        );
        for bad in ["", "13月", "2026-13", "来月", "26-10"] {
            assert!(parse_month(bad, today).is_err(), "{bad}");
        }
        assert!(
            matches!(parse_month("令和元年4月", today), Err(DateError::BeforeEra { .. })),
            "Reiwa began in May 2019"
        );
    }

    #[test]
    fn fiscal_years_in_every_form() {
        for (input, year) in [
            ("2020", 2020),
            ("2020年度", 2020),
            ("R2", 2020),
            ("令和2年度", 2020),
            ("令和元年度", 2019),
            ("Ｒ８", 2026),
            ("H30", 2018),
            ("平成30年度", 2018),
            ("平成31年度", 2019),
        ] {
            assert_eq!(parse_fiscal_year(input), Ok(FiscalYear::new(year)), "{input}");
        }
        for bad in ["", "20", "R", "令和", "来年", "R0", "2020年度度"] {
            assert!(
                matches!(parse_fiscal_year(bad), Err(DateError::UnreadableFiscalYear(_))),
                "{bad}"
            );
        }
        assert_eq!(
            parse_fiscal_year("平成32年度").map_err(|e| e.to_string()),
            Err("平成32年はありません（平成は2019年4月30日（平成31年4月30日）で終わりました）".to_string())
        );
    }

    #[test]
    fn every_accepted_form() {
        check("2020-06-15", d(2020, 6, 15));
        check("2020/6/15", d(2020, 6, 15));
        check("2020.6.15", d(2020, 6, 15));
        check("2020年6月15日", d(2020, 6, 15));
        check("R2.6.15", d(2020, 6, 15));
        check("r2/6/15", d(2020, 6, 15));
        check("令和2年6月15日", d(2020, 6, 15));
        check("令和元年5月1日", d(2019, 5, 1));
        check("R元.5.1", d(2019, 5, 1));
        check("H31.4.30", d(2019, 4, 30));
        check("平成31年4月30日", d(2019, 4, 30));
        check("平成元年1月8日", d(1989, 1, 8));
        check("S64.1.7", d(1989, 1, 7));
        check("２０２０／６／１５", d(2020, 6, 15));
        check("Ｒ２．６．１５", d(2020, 6, 15));
        check("令和８年１１月２８日", d(2026, 11, 28));
        check(" 2020-06-15 ", d(2020, 6, 15));
        check("今日", d(2026, 11, 28));
        check("昨日", d(2026, 11, 27));
        check("おととい", d(2026, 11, 26));
    }

    #[test]
    fn month_day_is_the_latest_not_after_today() {
        check("6/15", d(2026, 6, 15));
        check("11/28", d(2026, 11, 28));
        check("11/29", d(2025, 11, 29));
        check("12月1日", d(2025, 12, 1));
        check("１２／３１", d(2025, 12, 31));
        let leap_today = d(2024, 3, 1);
        assert_eq!(parse_date("2/29", leap_today), Ok(d(2024, 2, 29)));
        assert_eq!(parse_date("3/1", leap_today), Ok(d(2024, 3, 1)));
    }

    #[test]
    fn era_boundaries_are_enforced() {
        refused(
            "令和元年4月1日",
            "令和は2019年5月1日（令和元年5月1日）に始まりました。その日は2019年4月1日（平成31年4月1日）です",
        );
        refused(
            "平成31年5月1日",
            "平成は2019年4月30日（平成31年4月30日）で終わりました。その日は2019年5月1日（令和元年5月1日）です",
        );
        refused(
            "H1.1.7",
            "平成は1989年1月8日（平成元年1月8日）に始まりました。その日は1989年1月7日（昭和64年1月7日）です",
        );
        refused("R0.5.1", "令和0年5月1日はありません");
    }

    #[test]
    fn impossible_ambiguous_and_future_dates_are_refused() {
        refused("2/30", "2月30日はありません");
        refused("2021-02-29", "2021年2月29日はありません");
        refused("令和3年2月29日", "令和3年2月29日はありません");
        refused("13/1", "13月1日はありません");
        refused(
            "20/6/15",
            "「20/6/15」は年がはっきりしません。西暦は4桁（2020/6/15）、和暦は元号付き（R2.6.15）で入力してください",
        );
        refused(
            "2026-12-01",
            "未来の日付（2026年12月1日（令和8年12月1日））は登録できません。今日は2026年11月28日（令和8年11月28日）です",
        );
        refused(
            "2/29",
            "2月29日はこの1年の間にありません。年を付けて入力してください（例: 2024/2/29）",
        );
        for bad in [
            "",
            "あした",
            "2020-06",
            "6/",
            "2020//6/15",
            "R2.6.15.1",
            "元/5/1",
            "X2.6.1",
        ] {
            let today = d(TODAY.0, TODAY.1, TODAY.2);
            assert!(
                matches!(parse_date(bad, today), Err(DateError::Unreadable(_))),
                "{bad:?} should be unreadable, got {:?}",
                parse_date(bad, today)
            );
        }
    }
}
