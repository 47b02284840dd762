//! A dashboard page's query string (`?fy=2025&type=meeting`), read with `form_urlencoded`: each
//! parameter checked by its rule, a bad one refused with its Japanese name, its key and the
//! rule (「年度（fy）は 2018〜2099 の数字で指定してください」), answered 400 by the page.

use crate::domain::FiscalYear;
use chrono::NaiveDate;

/// The years a page may ask for.
pub const YEARS: std::ops::RangeInclusive<i32> = 2018..=2099;
/// The pages a list may ask for.
const PAGES: std::ops::RangeInclusive<usize> = 1..=100_000;

/// The parameters, in order; an empty value counts as absent (an unselected form field).
pub struct Query {
    pairs: Vec<(String, String)>,
}

/// A file the page can be downloaded as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
    Png,
}

impl Format {
    const ALL: [Format; 3] = [Format::Csv, Format::Xlsx, Format::Png];

    pub fn key(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::Png => "png",
        }
    }
}

impl Query {
    pub fn parse(raw: Option<&str>) -> Query {
        let pairs = form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .map(|(k, v)| (k.into_owned(), v.trim().to_string()))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        Query { pairs }
    }

    /// The last value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// `fy`: a fiscal year by the calendar year it starts in.
    pub fn fiscal_year(&self) -> Result<Option<FiscalYear>, String> {
        let Some(text) = self.get("fy") else { return Ok(None) };
        match text.parse::<i32>().ok().filter(|y| YEARS.contains(y)) {
            Some(year) => Ok(Some(FiscalYear::new(year))),
            None => Err(format!(
                "年度（fy）は {}〜{} の数字で指定してください（例: fy=2025 は令和7年度）",
                YEARS.start(),
                YEARS.end()
            )),
        }
    }

    /// A day `2025-04-01` (what a date field sends).
    pub fn date(&self, key: &str, name: &str) -> Result<Option<NaiveDate>, String> {
        let Some(text) = self.get(key) else { return Ok(None) };
        match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(date) if YEARS.contains(&chrono::Datelike::year(&date)) => Ok(Some(date)),
            _ => Err(format!(
                "{name}（{key}）は 2025-04-01 のように 年-月-日 の日付で指定してください（{}〜{}年）",
                YEARS.start(),
                YEARS.end()
            )),
        }
    }

    /// `page`: from 1.
    pub fn page(&self) -> Result<usize, String> {
        let Some(text) = self.get("page") else { return Ok(1) };
        text.parse::<usize>().ok().filter(|p| PAGES.contains(p)).ok_or_else(|| {
            format!(
                "ページ（page）は {}〜{} の数字で指定してください",
                PAGES.start(),
                PAGES.end()
            )
        })
    }

    /// `format`: the page as one of the files it offers (`offered`), or the page itself.
    pub fn format(&self, offered: &[Format]) -> Result<Option<Format>, String> {
        let Some(key) = self.get("format") else { return Ok(None) };
        match Format::ALL.into_iter().find(|f| f.key() == key && offered.contains(f)) {
            Some(format) => Ok(Some(format)),
            None => {
                let keys: Vec<&str> = offered.iter().map(|f| f.key()).collect();
                let choices = match keys.as_slice() {
                    [one, two] => format!("{one} か {two}"),
                    _ => keys.join("・") + " のどれか",
                };
                Err(format!("形式（format）は {choices} で指定してください"))
            }
        }
    }

    /// The same query with `key` set to `value` (or removed), for a link to another page or
    /// format of the same selection.
    pub fn with(&self, key: &str, value: Option<&str>) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.pairs {
            if k != key {
                out.append_pair(k, v);
            }
        }
        if let Some(value) = value {
            out.append_pair(key, value);
        }
        out.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_parameter_is_read_by_its_rule() {
        let q = Query::parse(Some("fy=2025&from=2025-04-01&page=2&format=csv&type=&x=%E6%9D%B1"));
        assert_eq!(q.fiscal_year(), Ok(Some(FiscalYear::new(2025))));
        assert_eq!(q.date("from", "開始日"), Ok(NaiveDate::from_ymd_opt(2025, 4, 1)));
        assert_eq!(q.date("to", "終了日"), Ok(None));
        assert_eq!((q.page(), q.format(&[Format::Csv])), (Ok(2), Ok(Some(Format::Csv))));
        assert_eq!(q.get("type"), None, "an empty value is no value");
        assert_eq!(q.get("x"), Some("東"));
        assert_eq!(
            q.with("page", Some("3")),
            "fy=2025&from=2025-04-01&format=csv&x=%E6%9D%B1&page=3"
        );
    }

    #[test]
    fn a_bad_parameter_is_refused_with_its_name_and_rule() {
        let q = Query::parse(Some("fy=R7&from=2025/4/1&page=0&format=pdf"));
        assert_eq!(
            q.fiscal_year(),
            Err("年度（fy）は 2018〜2099 の数字で指定してください（例: fy=2025 は令和7年度）".to_string())
        );
        assert!(q
            .date("from", "開始日")
            .is_err_and(|e| e.starts_with("開始日（from）は")));
        assert!(q.page().is_err_and(|e| e.starts_with("ページ（page）は")));
        assert_eq!(
            q.format(&[Format::Csv, Format::Xlsx]),
            Err("形式（format）は csv か xlsx で指定してください".to_string())
        );
        assert_eq!(
            Query::parse(Some("format=png")).format(&[Format::Csv, Format::Xlsx]),
            Err("形式（format）は csv か xlsx で指定してください".to_string())
        );
        assert_eq!(
            q.format(&Format::ALL),
            Err("形式（format）は csv・xlsx・png のどれか で指定してください".to_string())
        );
        assert!(Query::parse(Some("fy=1999")).fiscal_year().is_err());
        assert!(Query::parse(Some("fy=%FF%FE")).fiscal_year().is_err(), "not UTF-8");
    }
}
