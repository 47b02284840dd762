//! An indicator's figures broken down the way the annual report breaks them down, as one line
//! under the indicator's own in `/totals` and the monthly digest: each `by` value of its record
//! type (its kinds, areas, sides, methods …) and, within each, its `detail` (a status, the
//! districts met, the media), laid out by the type's `Layout`; the subsidy rule's per course.
//! Everything is read from the catalogue's descriptions: no indicator is written here.

use crate::domain::catalogue::Catalogue;
use crate::domain::number::group_thousands;
use crate::domain::record::Record;
use crate::domain::record_type::{FieldKind, Layout, RecordTypeSpec};
use crate::domain::totals::Measure;
use crate::domain::{Figure, Figures};
use crate::render::record::describe;
use chrono::Datelike;

/// What starts a breakdown line: an ideographic space, which chat clients keep.
pub const INDENT: &str = "　";

/// The breakdown of `measure` in `figures`: `None` where its type has none (no `by`, no rule)
/// or its figures are not known value by value (a baseline year's total).
pub fn line(catalogue: &Catalogue, measure: &Measure, figures: &Figures) -> Option<String> {
    let spec = catalogue.record_type(measure.record_type)?;
    let unit = measure.unit.as_str();
    let parts = if spec.layout == Layout::Subsidy {
        subsidy(catalogue, figures)?
    } else {
        let by = spec.by.and_then(|c| spec.field(c))?;
        let values = catalogue.by_values(spec);
        let values: Vec<&String> = values
            .iter()
            .filter(|v| catalogue.routed(spec, v).is_none_or(|n| n == measure.indicator))
            .collect();
        if values.iter().any(|v| figures.details(spec.record_type, v).is_none()) {
            return None;
        }
        let mut parts: Vec<String> = values
            .iter()
            .filter_map(|v| part(catalogue, spec, figures, v, unit))
            .collect();
        // Records without a value for `by` (a consultation whose side was not given).
        let unset = figures.of(catalogue, spec.record_type, "").value().unwrap_or(0);
        if unset > 0 {
            parts.push(format!("{}なし {unset}{unit}", by.name));
        }
        parts
    };
    // `、` between values: `・` may stand inside a name.
    (!parts.is_empty()).then(|| format!("{INDENT}{}", parts.join("、")))
}

/// `　最近: 「<title>」（6月15日）、…`: what the latest records of a type without a breakdown
/// were, each in its type's line.
pub fn latest_line(catalogue: &Catalogue, records: &[Record]) -> Option<String> {
    let items: Vec<String> = records
        .iter()
        .map(|r| {
            format!(
                "{}（{}月{}日）",
                describe(catalogue, &r.facts),
                r.date.month(),
                r.date.day()
            )
        })
        .collect();
    (!items.is_empty()).then(|| format!("{INDENT}最近: {}", items.join("、")))
}

/// One `by` value: `<kind> 5回（<status>）`, `<area> 2回（2/7区）`, `<kind> 3回（<medium> 2回・<medium> 1回）`,
/// `<side> 12件`; `None` for a value with nothing where its detail is a status (only those held).
fn part(catalogue: &Catalogue, spec: &RecordTypeSpec, figures: &Figures, value: &str, unit: &str) -> Option<String> {
    let details = figures.details(spec.record_type, value)?;
    let counted = figures.of(catalogue, spec.record_type, value).value()?;
    let detail = spec.detail.and_then(|c| spec.field(c));
    match (spec.layout, detail.map(|f| f.kind)) {
        // The places met within an area: `<area> 2回（2/7区）`.
        (_, Some(FieldKind::District)) => {
            let all = catalogue.area(value).map_or(0, |a| a.districts.len());
            let met = details.iter().filter(|(d, n)| !d.is_empty() && **n > 0).count();
            Some(format!(
                "{value} {counted}{unit}（{met}/{all}{}）",
                detail.map_or("", |f| f.name.as_str())
            ))
        }
        // A status: held plainly, with the statuses that carry words or do not count named.
        (_, Some(FieldKind::Choice))
            if detail.is_some_and(|f| f.choices.iter().any(|c| !c.counts || c.report.is_some())) =>
        {
            let field = detail?;
            let plain: u64 = field
                .choices
                .iter()
                .filter(|c| c.counts && c.report.is_none())
                .filter_map(|c| details.get(&c.name))
                .sum();
            let marked: Vec<String> = field
                .choices
                .iter()
                .filter(|c| !c.counts || c.report.is_some())
                .filter_map(|c| {
                    let n = *details.get(&c.name)?;
                    (n > 0).then(|| {
                        if n == 1 {
                            format!("（{}）", c.name)
                        } else {
                            format!("（{} {n}{unit}）", c.name)
                        }
                    })
                })
                .collect();
            if plain == 0 && marked.is_empty() {
                return None;
            }
            let mut text = value.to_string();
            if plain > 0 {
                text.push_str(&format!(" {plain}{unit}"));
            }
            text.push_str(&marked.concat());
            Some(text)
        }
        // Another choice (a medium): the value's count, its details beside it.
        (_, Some(FieldKind::Choice)) => {
            let field = detail?;
            let inner: Vec<String> = field
                .choices
                .iter()
                .filter_map(|c| {
                    details
                        .get(&c.name)
                        .filter(|n| **n > 0)
                        .map(|n| format!("{} {n}{unit}", c.name))
                })
                .collect();
            let shown = shown(spec, value);
            if inner.is_empty() {
                Some(format!("{shown} {counted}{unit}"))
            } else {
                Some(format!("{shown} {counted}{unit}（{}）", inner.join("・")))
            }
        }
        _ => Some(format!("{} {counted}{unit}", shown(spec, value))),
    }
}

/// How the report names a `by` value: its choice's `report` words, or itself.
fn shown<'a>(spec: &'a RecordTypeSpec, value: &'a str) -> &'a str {
    spec.by
        .and_then(|c| spec.field(c))
        .and_then(|f| f.choice(value))
        .map_or(value, |c| c.report_name())
}

/// Per course: `<course>（<applied> 3件・<granted> 2件・<declined> 0件・交付額 266,000円・上限 400,000円まで 134,000円）`.
fn subsidy(catalogue: &Catalogue, figures: &Figures) -> Option<Vec<String>> {
    let s = &catalogue.subsidy;
    let mut parts = Vec::new();
    for course in &s.courses {
        let f = figures.subsidy.get(&course.name)?;
        let n = |figure: Figure| figure.value();
        let (applications, grants, declines, amount) = (n(f.applications)?, n(f.grants)?, n(f.declines)?, n(f.amount)?);
        // What the grants could have been at their caps, and what is left under them.
        let ceiling = course.cap.saturating_mul(grants);
        let left = if grants > 0 {
            format!(
                "・上限 {}円まで {}円",
                group_thousands(ceiling),
                group_thousands(ceiling.saturating_sub(amount))
            )
        } else {
            String::new()
        };
        parts.push(format!(
            "{}{}（{} {applications}件・{} {grants}件・{} {declines}件・交付額 {}円{left}）",
            course.name,
            s.course_name,
            s.applied,
            s.granted,
            s.declined,
            group_thousands(amount),
        ));
    }
    Some(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::figures::{SubsidyEvent, Tally};
    use crate::domain::totals::measures;
    use crate::render::fixtures::komoro;
    use chrono::NaiveDate;

    #[test]
    fn each_indicator_breaks_down_by_its_types_description() {
        let c = komoro();
        let april = NaiveDate::from_ymd_opt(2026, 4, 1).expect("date");
        let tallies = [
            Tally::of("council", "役員会", "実施", 5),
            Tally::of("council", "総会", "書面開催", 1),
            Tally::of("council", "視察研修", "中止", 1),
            Tally::of("meeting", "東部", "荒町", 2),
            Tally::of("meeting", "東部", "三和", 1),
            Tally::of("consultation", "したい側", "", 10),
            Tally::of("consultation", "", "", 2),
            Tally::of("publicity", "区紹介", "広報こもろ", 2),
            Tally::of("publicity", "区紹介", "SNS", 1),
        ];
        let events = [SubsidyEvent {
            id: 1,
            date: april,
            course: "チャレンジ".into(),
            group: "A会".into(),
            status: "交付決定".into(),
            amount: Some(150_000),
        }];
        let f = Figures::from_records(&c, &tallies, &events, april);
        let lines: Vec<(String, Option<String>)> = measures(&c, None)
            .iter()
            .map(|m| (m.label.clone(), line(&c, m, &f)))
            .collect();
        let of = |label: &str| {
            lines
                .iter()
                .find(|(l, _)| l == label)
                .and_then(|(_, line)| line.clone())
                .unwrap_or_default()
        };
        assert_eq!(of("①区長会活動"), "　役員会 5回、総会（書面開催）、視察研修（中止）");
        assert!(
            of("②区と地区担当職員との連携").contains("、東部 3回（2/7区）、"),
            "{lines:?}"
        );
        assert!(of("②区と地区担当職員との連携").starts_with("　東南部 0回（0/10区）"));
        assert_eq!(of("③相談数"), "　したい側 10件、受けたい側 0件、相談者なし 2件");
        assert_eq!(of("③マッチング数"), "", "a type without by has no breakdown");
        assert!(
            of("④市民活動促進事業補助金").starts_with(
                "　チャレンジコース（申請 1件・交付決定 1件・辞退 0件・交付額 150,000円・上限 200,000円まで 50,000円）"
            ),
            "{lines:?}"
        );
        assert_eq!(
            of("⑨各主体の実践の見える化"),
            "　ぼらせんこもろ 0回、市民活動紹介 0回、区紹介 3回（広報こもろ 2回・SNS 1回）"
        );
        // A year known only by its totals has no breakdown.
        let unknown = Figures::unknown(&c);
        assert!(measures(&c, None).iter().all(|m| line(&c, m, &unknown).is_none()));
    }
}
