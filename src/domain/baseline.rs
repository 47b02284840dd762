//! The baseline: figures of the years before the bot (FY2018–FY2020 for Komoro), known only as
//! the totals printed in the city's report, kept in `config/baseline.toml` so that a city
//! employee can read and correct them.
//!
//! `parse_baseline` reads the file's text and checks every name against the catalogue; a figure
//! the report does not give is written `"不明"` and stays unknown. The store keeps a copy
//! (`store/baseline.rs`) so that every summary reads one database.

use super::calendar::FiscalYear;
use super::catalogue::{Catalogue, Lines, Problem};
use super::figures::{CourseFigures, Figure, Figures};
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYear {
    council: BTreeMap<String, Spanned<RawCouncil>>,
    meetings: BTreeMap<String, Spanned<Figure>>,
    consultations: Figure,
    matches: Figure,
    subsidy: BTreeMap<String, Spanned<RawCourse>>,
    participation: Figure,
    collab: Figure,
    info: Figure,
    publicity: BTreeMap<String, Spanned<Figure>>,
}

/// `役員会 = 8` (held 8 times), `総会 = "書面開催"` (once, with that status), or
/// `役員会 = { 実施 = 4, 中止 = 1 }`.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawCouncil {
    Held(u64),
    Status(String),
    ByStatus(BTreeMap<String, u64>),
}

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
        let mut council: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
        for (kind, entry) in &raw.council {
            if !catalogue.council.kinds.contains(kind) {
                self.fail(entry, format!("区長会活動の種類「{kind}」は設定にありません"));
                continue;
            }
            let by_status = match entry.get_ref() {
                RawCouncil::Held(n) => {
                    let default = catalogue
                        .council
                        .statuses
                        .first()
                        .map(|s| s.name.clone())
                        .unwrap_or_default();
                    BTreeMap::from([(default, *n)])
                }
                RawCouncil::Status(status) => BTreeMap::from([(status.clone(), 1)]),
                RawCouncil::ByStatus(map) => map.clone(),
            };
            for status in by_status.keys() {
                if catalogue.council_status(status).is_none() {
                    self.fail(entry, format!("{kind}の状態「{status}」は設定にありません"));
                }
            }
            council.insert(kind.clone(), by_status);
        }

        let mut meetings = BTreeMap::new();
        for (area, figure) in &raw.meetings {
            if catalogue.area(area).is_none() {
                self.fail(figure, format!("地区「{area}」は設定にありません"));
            }
            meetings.insert(area.clone(), *figure.get_ref());
        }
        for area in &catalogue.areas {
            if !meetings.contains_key(&area.name) {
                self.problems.push(Problem {
                    line: None,
                    message: format!(
                        "{}: {}地区の連携回数がありません（わからない場合は \"不明\" と書いてください）",
                        self.label, area.name
                    ),
                });
            }
        }

        let mut subsidy = BTreeMap::new();
        for (name, course) in &raw.subsidy {
            let Some(cap) = catalogue.course(name).map(|c| c.cap) else {
                self.fail(course, format!("補助金のコース「{name}」は設定にありません"));
                continue;
            };
            let c = course.get_ref();
            if let (Some(grants), Some(amount)) = (c.grants.value(), c.amount.value()) {
                if amount > cap.saturating_mul(grants) {
                    self.fail(
                        course,
                        format!("{name}コースの補助金額{amount}円が、上限{cap}円×{grants}件を超えています"),
                    );
                }
            }
            let figures = CourseFigures {
                grants: c.grants,
                amount: c.amount,
                applications: c.applications,
                declines: Figure::UNKNOWN,
                rejections: Figure::UNKNOWN,
            };
            subsidy.insert(name.clone(), figures);
        }
        for course in &catalogue.subsidy.courses {
            if !subsidy.contains_key(&course.name) {
                self.problems.push(Problem {
                    line: None,
                    message: format!("{}: 補助金の{}コースがありません", self.label, course.name),
                });
            }
        }

        let mut publicity = BTreeMap::new();
        for (kind, figure) in &raw.publicity {
            if catalogue.publicity_kind(kind).is_none() {
                self.fail(figure, format!("広報の種類「{kind}」は設定にありません"));
            }
            publicity.insert(kind.clone(), *figure.get_ref());
        }

        Figures {
            council: Some(council),
            meetings,
            consultations: raw.consultations,
            matches: raw.matches,
            subsidy,
            participation: raw.participation,
            collab: raw.collab,
            info: raw.info,
            publicity,
        }
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
        assert_eq!(fy2020.consultations, Figure::known(1097));
        assert_eq!(fy2020.info, Figure::UNKNOWN);
        assert_eq!(fy2020.subsidy["チャレンジ"].applications, Figure::known(3));
        assert_eq!(
            b[&FiscalYear::new(2018)].subsidy["チャレンジ"].applications,
            Figure::UNKNOWN
        );
        assert_eq!(
            fy2020.council.as_ref().expect("known")["総会"],
            BTreeMap::from([("書面開催".to_string(), 1)])
        );
    }

    #[test]
    fn a_figure_of_the_wrong_type_names_its_line() {
        let text = BASELINE.replacen("consultations = 1720", "consultations = \"多い\"", 1);
        let line = text[..text.find("\"多い\"").expect("edited")].matches('\n').count() + 1;
        let found = problems(&text);
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with(&format!("{line}行目: ")), "{found:?}");
        assert!(found[0].contains("「多い」は数値ではありません"), "{found:?}");
        let found = problems(&BASELINE.replacen("consultations = 1720", "consultations = -3", 1));
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
            .any(|p| p.contains("平成30年度: 川辺地区の連携回数がありません")));
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
