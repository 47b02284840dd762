//! The baseline: figures of the years before the bot (FY2018–FY2020 for Komoro), known only as
//! the totals printed in the city's report, kept in `config/baseline.toml` so that a city
//! employee can read and correct them.
//!
//! `parse_baseline` reads the file's text and checks every name against the catalogue; a figure
//! the report does not give is written `"不明"` and stays unknown. The store keeps a copy
//! (`store/baseline.rs`) so that every summary reads one database.

use super::calendar::FiscalYear;
use super::catalogue::{Catalogue, Lines, Problem};
use super::figures::{Counts, CourseFigures, Figure, Figures, UNKNOWN};
use super::record::Column;
use super::record_type::{FieldKind, Layout, RecordTypeSpec, Rule};
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// The baseline years, oldest first.
pub type Baseline = BTreeMap<FiscalYear, Figures>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBaseline {
    years: BTreeMap<String, RawYear>,
}

/// A year: per record type key, its figure (a type without `by`), its figures per value (of its
/// `by` field), or the subsidy rule's per course.
type RawYear = BTreeMap<String, Spanned<toml::Value>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCourse {
    grants: Figure,
    amount: Figure,
    applications: Figure,
}

/// Reads and checks the baseline file's text against the catalogue.
pub fn parse_baseline(text: &str, catalogue: &Catalogue) -> Result<Baseline, Vec<Problem>> {
    let lines = Lines(text);
    let raw: RawBaseline = toml::from_str(text).map_err(|e| vec![lines.toml_error(&e)])?;
    let mut problems = Vec::new();
    let mut baseline = Baseline::new();
    for (key, year) in raw.years {
        let fiscal_year = match key.parse::<i32>() {
            Ok(y) if (1900..=2200).contains(&y) => FiscalYear::new(y),
            _ => {
                problems.push(Problem {
                    line: text.find(&format!("[years.{key}")).map(|at| lines.of(at)),
                    message: format!("年度「{key}」は西暦4桁で書いてください（例: [years.2020]）"),
                });
                continue;
            }
        };
        let mut check = YearChecker {
            lines: &lines,
            catalogue,
            label: fiscal_year.label(),
            problems: &mut problems,
        };
        let figures = check.year(year);
        baseline.insert(fiscal_year, figures);
    }
    if problems.is_empty() {
        Ok(baseline)
    } else {
        Err(problems)
    }
}

struct YearChecker<'a> {
    lines: &'a Lines<'a>,
    catalogue: &'a Catalogue,
    label: String,
    problems: &'a mut Vec<Problem>,
}

impl YearChecker<'_> {
    fn fail<T>(&mut self, at: &Spanned<T>, message: String) {
        self.problems
            .push(self.lines.problem(at, format!("{}: {message}", self.label)));
    }

    fn year(&mut self, raw: RawYear) -> Figures {
        let catalogue = self.catalogue;
        let mut figures = Figures {
            counts: BTreeMap::new(),
            subsidy: BTreeMap::new(),
        };
        for (key, value) in &raw {
            let Some(spec) = catalogue.record_types.iter().find(|t| t.key() == key) else {
                let known: Vec<&str> = catalogue.record_types.iter().map(|t| t.key()).collect();
                self.fail(
                    value,
                    format!(
                        "記録の種類「{key}」は設定にありません（使えるもの: {}）",
                        known.join(", ")
                    ),
                );
                continue;
            };
            if spec.rule == Some(Rule::Subsidy) {
                figures.subsidy = self.subsidy(spec, value);
            } else if let Some(counts) = self.counts(spec, value) {
                figures.counts.insert(spec.record_type, counts);
            }
        }
        if let Some(spec) = catalogue.record_types.iter().find(|t| t.rule == Some(Rule::Subsidy)) {
            if !raw.contains_key(spec.key()) {
                figures.subsidy = Figures::unknown(catalogue).subsidy;
            }
        }
        figures
    }

    /// A figure of the file: a number of 0 or more, or `"不明"`.
    fn figure(&mut self, value: &Spanned<toml::Value>) -> Option<Figure> {
        match Figure::deserialize(value.get_ref().clone()) {
            Ok(figure) => Some(figure),
            Err(e) => {
                // The figure's own words, as a TOML reader would give them, at its line.
                self.problems.push(self.lines.problem(value, e.to_string()));
                None
            }
        }
    }

    /// One record type's counts: a number (the type's total, its breakdown unknown), or a
    /// table of its `by` values, each a number, `"不明"`, a status (once, with that status) or a
    /// table of statuses.
    fn counts(&mut self, spec: &RecordTypeSpec, value: &Spanned<toml::Value>) -> Option<Counts> {
        let catalogue = self.catalogue;
        // The choices a status may name, where the type's detail is a status.
        let status_field = spec
            .detail
            .and_then(|c| spec.field(c))
            .filter(|f| f.kind == FieldKind::Choice && f.default.is_some());
        // A number counts under the detail's default (held), or under no detail.
        let default_status = status_field.and_then(|f| f.default.clone()).unwrap_or_default();
        let by = spec.by.and_then(|c| spec.field(c));
        let Some(by) = by.filter(|_| value.get_ref().is_table()) else {
            let figure = self.figure(value)?;
            return Some(BTreeMap::from([(
                String::new(),
                figure.value().map(|n| BTreeMap::from([(default_status, n)])),
            )]));
        };
        let Some(table) = value.get_ref().as_table() else {
            self.fail(
                value,
                format!(
                    "{}は {{ \"{}\" = 回数, … }} のように{}ごとに書いてください",
                    spec.key(),
                    by.name,
                    by.name
                ),
            );
            return None;
        };
        let known = catalogue.by_values(spec);
        let mut counts = Counts::new();
        for (name, entry) in table {
            if !known.contains(name) {
                self.fail(value, format!("{}「{name}」は設定にありません", by.called));
                continue;
            }
            let by_status = match entry {
                toml::Value::String(s) if s.trim() == UNKNOWN => None,
                toml::Value::String(status) if status_field.is_some() => Some(BTreeMap::from([(status.clone(), 1)])),
                toml::Value::Table(t) if status_field.is_some() => {
                    let mut by_status = BTreeMap::new();
                    for (status, n) in t {
                        match n.as_integer().and_then(|n| u64::try_from(n).ok()) {
                            Some(n) => {
                                by_status.insert(status.clone(), n);
                            }
                            None => self.fail(value, format!("{name}の{status}の回数は0以上の整数で書いてください")),
                        }
                    }
                    Some(by_status)
                }
                other => match Figure::deserialize(other.clone()) {
                    Ok(figure) => figure.value().map(|n| BTreeMap::from([(default_status.clone(), n)])),
                    Err(e) => {
                        self.fail(value, format!("{name}: {e}"));
                        continue;
                    }
                },
            };
            if let (Some(field), Some(by_status)) = (status_field, &by_status) {
                for status in by_status.keys() {
                    if field.choice(status).is_none() {
                        self.fail(value, format!("{name}の{}「{status}」は設定にありません", field.name));
                    }
                }
            }
            counts.insert(name.clone(), by_status);
        }
        // A value laid out in columns of its own (an area) must be given, if only as 不明.
        if spec.layout == Layout::Values {
            for name in known.iter().filter(|n| !counts.contains_key(*n)) {
                self.problems.push(Problem {
                    line: Some(self.lines.of(value.span().start)),
                    message: format!(
                        "{}: {}の{}「{name}」の回数がありません（わからない場合は \"{UNKNOWN}\" と書いてください）",
                        self.label, spec.label, by.name
                    ),
                });
            }
        }
        Some(counts)
    }

    /// The subsidy rule's figures per course.
    fn subsidy(&mut self, spec: &RecordTypeSpec, value: &Spanned<toml::Value>) -> BTreeMap<String, CourseFigures> {
        let catalogue = self.catalogue;
        let course_field = spec.field(Column::Course);
        let course_word = course_field.map_or("", |f| f.name.as_str());
        let mut subsidy = BTreeMap::new();
        let Some(table) = value.get_ref().as_table() else {
            self.fail(
                value,
                format!("{}は{}ごとの表で書いてください", spec.key(), course_word),
            );
            return subsidy;
        };
        for (name, course) in table {
            let Some(cap) = catalogue.course(name).map(|c| c.cap) else {
                let called = course_field.map_or("", |f| f.called.as_str());
                self.fail(value, format!("{called}「{name}」は設定にありません"));
                continue;
            };
            let c: RawCourse = match course.clone().try_into() {
                Ok(c) => c,
                Err(e) => {
                    self.fail(value, format!("{name}: {}", super::catalogue::translate(&e)));
                    continue;
                }
            };
            if let (Some(grants), Some(amount)) = (c.grants.value(), c.amount.value()) {
                if amount > cap.saturating_mul(grants) {
                    self.fail(
                        value,
                        format!(
                            "{name}{course_word}の{}額{amount}円が、上限{cap}円×{grants}件を超えています",
                            spec.label
                        ),
                    );
                }
            }
            subsidy.insert(
                name.clone(),
                CourseFigures {
                    grants: c.grants,
                    amount: c.amount,
                    applications: c.applications,
                    declines: Figure::UNKNOWN,
                    rejections: Figure::UNKNOWN,
                },
            );
        }
        for course in &catalogue.subsidy.courses {
            if !subsidy.contains_key(&course.name) {
                self.problems.push(Problem {
                    line: Some(self.lines.of(value.span().start)),
                    message: format!(
                        "{}: {}の{}{course_word}がありません",
                        self.label, spec.label, course.name
                    ),
                });
            }
        }
        subsidy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KOMORO: &str = include_str!("../../config/kyodo.toml");
    const BASELINE: &str = include_str!("../../config/baseline.toml");

    fn komoro() -> Catalogue {
        Catalogue::parse(KOMORO).expect("shipped config")
    }

    fn problems(text: &str) -> Vec<String> {
        match parse_baseline(text, &komoro()) {
            Ok(_) => panic!("the edited baseline was accepted"),
            Err(p) => p.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn the_shipped_baseline_holds_three_years() {
        let b = parse_baseline(BASELINE, &komoro()).expect("shipped baseline");
        assert_eq!(
            b.keys().map(|y| y.start_year()).collect::<Vec<_>>(),
            vec![2018, 2019, 2020]
        );
        let fy2020 = &b[&FiscalYear::new(2020)];
        let c = komoro();
        let of = |key: &str, value: &str| fy2020.of(&c, crate::domain::RecordType::of(key), value);
        assert_eq!(of("consultation", ""), Figure::known(1097));
        assert_eq!(of("info", ""), Figure::UNKNOWN);
        assert_eq!(fy2020.subsidy["チャレンジ"].applications, Figure::known(3));
        assert_eq!(
            b[&FiscalYear::new(2018)].subsidy["チャレンジ"].applications,
            Figure::UNKNOWN
        );
        assert_eq!(
            fy2020.details(crate::domain::RecordType::of("council"), "総会"),
            Some(BTreeMap::from([("書面開催".to_string(), 1)]))
        );
    }

    #[test]
    fn a_figure_of_the_wrong_type_names_its_line() {
        let text = BASELINE.replacen("consultation = 1720", "consultation = \"多い\"", 1);
        let line = text[..text.find("\"多い\"").expect("edited")].matches('\n').count() + 1;
        let found = problems(&text);
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with(&format!("{line}行目: ")), "{found:?}");
        assert!(found[0].contains("「多い」は数値ではありません"), "{found:?}");
        let found = problems(&BASELINE.replacen("consultation = 1720", "consultation = -3", 1));
        assert!(found[0].contains("0以上"), "{found:?}");
    }

    #[test]
    fn unknown_names_and_missing_areas_are_reported() {
        let found = problems(&BASELINE.replacen("\"川辺\" = 2", "\"河辺\" = 2", 1));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found
            .iter()
            .any(|p| p.contains("平成30年度: 地区「河辺」は設定にありません")));
        assert!(found
            .iter()
            .any(|p| p.contains("平成30年度: 地区連携の地区「川辺」の回数がありません")));
        let found = problems(&BASELINE.replacen("\"総会\" = \"書面開催\"", "\"総会\" = \"延期\"", 1));
        assert!(
            found[0].contains("令和2年度: 総会の状態「延期」は設定にありません"),
            "{found:?}"
        );
    }

    #[test]
    fn an_amount_over_the_caps_is_reported() {
        let found = problems(&BASELINE.replacen("amount = 450000", "amount = 460000", 1));
        assert!(
            found[0].contains("ステップアップコースの補助金額460000円が、上限150000円×3件を超えています"),
            "{found:?}"
        );
    }
}
