//! The figures of a period, per indicator — what the annual report and `/totals` print.
//!
//! They come either from the baseline (years before the bot, known only as totals, some figures
//! unknown) or from records, aggregated here from the per-group tallies the store returns.
//! A `Figure` is a count that may be unknown: the report prints what the official report
//! prints there (`—`), never an invented 0.

use super::catalogue::Catalogue;
use super::record_type::{RecordType, Rule};
use super::subsidy::{tally, Counts as SubsidyCounts};
use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// The word that marks an unknown figure in the baseline file.
pub const UNKNOWN: &str = "不明";

/// A count or an amount that is either known or was never recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Figure(Option<u64>);

impl Figure {
    pub const UNKNOWN: Figure = Figure(None);

    pub const fn known(value: u64) -> Self {
        Figure(Some(value))
    }

    pub fn value(self) -> Option<u64> {
        self.0
    }
}

impl Serialize for Figure {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(v) => s.serialize_u64(v),
            None => s.serialize_str(UNKNOWN),
        }
    }
}

impl<'de> Deserialize<'de> for Figure {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(i64),
            Word(String),
        }
        match Raw::deserialize(d) {
            Ok(Raw::Number(n)) => u64::try_from(n)
                .map(Figure::known)
                .map_err(|_| serde::de::Error::custom(format!("数値は0以上で書いてください（{n}）"))),
            Ok(Raw::Word(w)) if w.trim() == UNKNOWN => Ok(Figure::UNKNOWN),
            Ok(Raw::Word(w)) => Err(serde::de::Error::custom(format!(
                "「{w}」は数値ではありません。0以上の整数か \"{UNKNOWN}\" を書いてください"
            ))),
            Err(_) => Err(serde::de::Error::custom(format!(
                "0以上の整数か \"{UNKNOWN}\" を書いてください"
            ))),
        }
    }
}

/// The figures of one subsidy course in a period, as the lifecycle counts them
/// (`domain::subsidy::tally`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CourseFigures {
    /// Groups granted (`granted`) and not withdrawn (`declined`) since.
    pub grants: Figure,
    /// Yen granted.
    pub amount: Figure,
    /// Groups that applied (`applied`; a decision with no application recorded stands for one).
    pub applications: Figure,
    /// Groups that withdrew (`declined`); unknown in the baseline years, which did not count them.
    #[serde(default)]
    pub declines: Figure,
    /// Groups not selected (`rejected`); unknown in the baseline years.
    #[serde(default)]
    pub rejections: Figure,
}

/// One record type's counts over a period: per value of its `by` field (`""` for a type
/// without one), per value of its `status` field (`""` likewise); `None` for a value whose
/// count is unknown (a baseline year that did not say).
pub type Counts = BTreeMap<String, Option<BTreeMap<String, u64>>>;

/// The figures of every indicator over one period (a fiscal year, or part of one): each record
/// type's counts, and the subsidy rule's per course. A record type missing from `counts` is
/// unknown.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Figures {
    pub counts: BTreeMap<RecordType, Counts>,
    /// Per course of the subsidy rule (`domain::subsidy::tally`).
    pub subsidy: BTreeMap<String, CourseFigures>,
}

/// Records of one type with the same `by` and `status` values, counted by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub record_type: RecordType,
    /// The value of the type's `by` field; empty for a type without one.
    pub dimension: String,
    /// The value of the type's `detail` field; empty for a type without one.
    pub detail: String,
    /// The sum of the records' counts (1 for each record of a type without a count).
    pub count: u64,
}

pub use super::subsidy::SubsidyEvent;

#[cfg(test)]
impl Tally {
    /// The tally of `count` for the type keyed `key`: what the tests of the figures' readers
    /// build their figures from.
    pub(crate) fn of(key: &str, dimension: &str, detail: &str, count: u64) -> Tally {
        Tally {
            record_type: RecordType::of(key),
            dimension: dimension.into(),
            detail: detail.into(),
            count,
        }
    }
}

impl Figures {
    /// Every figure unknown: a year that neither the baseline nor the records cover.
    pub fn unknown(catalogue: &Catalogue) -> Figures {
        let unknown = CourseFigures {
            grants: Figure::UNKNOWN,
            amount: Figure::UNKNOWN,
            applications: Figure::UNKNOWN,
            declines: Figure::UNKNOWN,
            rejections: Figure::UNKNOWN,
        };
        Figures {
            counts: BTreeMap::new(),
            subsidy: catalogue
                .subsidy
                .courses
                .iter()
                .map(|c| (c.name.clone(), unknown.clone()))
                .collect(),
        }
    }

    /// Aggregates a period's tallies and subsidy records. Every record type's every value is
    /// known (0 where nothing was recorded): a period the bot covers has no unknown figure.
    /// `subsidy` holds the subsidy records up to the period's end of every group with one in
    /// it; those before `since` (the period's first day) only say where a group stood.
    pub fn from_records(
        catalogue: &Catalogue,
        tallies: &[Tally],
        subsidy: &[SubsidyEvent],
        since: NaiveDate,
    ) -> Figures {
        Figures::from_counts(catalogue, tallies, &tally(&catalogue.subsidy, subsidy, since))
    }

    /// `from_records` with the subsidy records already counted per course (`subsidy::tally`,
    /// or one of `subsidy::tally_counted`'s).
    pub fn from_counts<'a>(
        catalogue: &Catalogue,
        tallies: impl IntoIterator<Item = &'a Tally>,
        subsidy: &BTreeMap<String, SubsidyCounts>,
    ) -> Figures {
        let mut counts: BTreeMap<RecordType, Counts> = catalogue
            .record_types
            .iter()
            .filter(|t| t.rule != Some(Rule::Subsidy))
            .map(|t| {
                let values = catalogue.by_values(t).into_iter().map(|v| (v, Some(BTreeMap::new())));
                (t.record_type, values.collect())
            })
            .collect();
        for t in tallies {
            // A value or detail met before is added to without its name copied again.
            let by_value = counts.entry(t.record_type).or_default();
            if !by_value.contains_key(&t.dimension) {
                by_value.insert(t.dimension.clone(), Some(BTreeMap::new()));
            }
            if let Some(Some(by_status)) = by_value.get_mut(&t.dimension) {
                match by_status.get_mut(&t.detail) {
                    Some(n) => *n += t.count,
                    None => {
                        by_status.insert(t.detail.clone(), t.count);
                    }
                }
            }
        }
        Figures {
            counts,
            subsidy: subsidy_figures(catalogue, subsidy),
        }
    }

    /// What `record_type`'s records with `by` value `value` add up to, the details that do not
    /// count left out; unknown where the type or the value is, and for every value of a type
    /// known only as a total (a baseline year that gave one number).
    pub fn of(&self, catalogue: &Catalogue, record_type: RecordType, value: &str) -> Figure {
        let Some(spec) = catalogue.record_type(record_type) else {
            return Figure::UNKNOWN;
        };
        let Some(counts) = self.counts.get(&record_type) else {
            return Figure::UNKNOWN;
        };
        match counts.get(value) {
            Some(None) => Figure::UNKNOWN,
            Some(Some(by_detail)) => Figure::known(
                by_detail
                    .iter()
                    .filter(|(detail, _)| catalogue.counts(spec, detail))
                    .map(|(_, n)| n)
                    .sum(),
            ),
            None if total_only(counts) => Figure::UNKNOWN,
            None => Figure::known(0),
        }
    }

    /// The counts by detail of `record_type`'s records with `by` value `value`; `None` where
    /// unknown.
    pub fn details(&self, record_type: RecordType, value: &str) -> Option<BTreeMap<String, u64>> {
        let counts = self.counts.get(&record_type)?;
        match counts.get(value) {
            Some(by_detail) => by_detail.clone(),
            None if total_only(counts) => None,
            None => Some(BTreeMap::new()),
        }
    }

    /// Whether any figure of `record_type` is unknown.
    pub fn has_unknown(&self, record_type: RecordType) -> bool {
        self.counts
            .get(&record_type)
            .is_none_or(|counts| counts.values().any(Option::is_none))
    }

    /// What `record_type` adds to `indicator`: the subsidy rule's grants, or the sum of the
    /// type's values that feed the indicator (all of them unless its choices say otherwise).
    pub fn count(&self, catalogue: &Catalogue, record_type: RecordType, indicator: u8) -> Figure {
        let Some(spec) = catalogue.record_type(record_type) else {
            return Figure::UNKNOWN;
        };
        if spec.rule == Some(Rule::Subsidy) {
            return sum(self.subsidy.values().map(|c| c.grants));
        }
        let Some(counts) = self.counts.get(&record_type) else {
            return Figure::UNKNOWN;
        };
        if total_only(counts) {
            // A type known only as a total: its indicator's, unless its values go to several.
            let routed = catalogue
                .by_values(spec)
                .iter()
                .any(|v| catalogue.routed(spec, v).is_some());
            return if routed {
                Figure::UNKNOWN
            } else {
                self.of(catalogue, record_type, "")
            };
        }
        let mut values = catalogue.by_values(spec);
        // A value no longer in the catalogue still counts, after the others.
        if let Some(counts) = self.counts.get(&record_type) {
            values.extend(
                counts
                    .keys()
                    .filter(|k| !values.contains(k))
                    .cloned()
                    .collect::<Vec<_>>(),
            );
        }
        sum(values
            .iter()
            .filter(|v| catalogue.routed(spec, v).is_none_or(|n| n == indicator))
            .map(|v| self.of(catalogue, record_type, v)))
    }
}

/// Whether `counts` holds one total and no breakdown (a baseline year's number, or a type without
/// `by`).
fn total_only(counts: &Counts) -> bool {
    counts.len() == 1 && counts.contains_key("")
}

/// The sum of figures; unknown if any of them is.
fn sum(figures: impl Iterator<Item = Figure>) -> Figure {
    figures
        .map(Figure::value)
        .sum::<Option<u64>>()
        .map_or(Figure::UNKNOWN, Figure::known)
}

/// Per course, what the lifecycle counts from `since` on (`subsidy::tally`): every course of
/// the catalogue, 0 where nothing happened.
fn subsidy_figures(catalogue: &Catalogue, counts: &BTreeMap<String, SubsidyCounts>) -> BTreeMap<String, CourseFigures> {
    catalogue
        .subsidy
        .courses
        .iter()
        .map(|course| {
            let c = counts.get(&course.name).copied().unwrap_or_default();
            let figures = CourseFigures {
                grants: Figure::known(c.grants),
                amount: Figure::known(c.amount),
                applications: Figure::known(c.applications),
                declines: Figure::known(c.declines),
                rejections: Figure::known(c.rejections),
            };
            (course.name.clone(), figures)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn komoro() -> Catalogue {
        Catalogue::parse(include_str!("../../config/kyodo.toml")).expect("shipped config")
    }

    fn tally(record_type: RecordType, dimension: &str, status: &str, count: u64) -> Tally {
        Tally {
            record_type,
            dimension: dimension.into(),
            detail: status.into(),
            count,
        }
    }

    fn grant(id: i64, day: u32, course: &str, group: &str, status: &str, amount: u64) -> SubsidyEvent {
        SubsidyEvent {
            id,
            date: NaiveDate::from_ymd_opt(2026, 6, day).expect("valid day"),
            course: course.into(),
            group: group.into(),
            status: status.into(),
            amount: (amount > 0).then_some(amount),
        }
    }

    fn april() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 4, 1).expect("valid day")
    }

    #[test]
    fn tallies_add_up_per_indicator() {
        let c = komoro();
        let tallies = [
            tally(RecordType::of("council"), "役員会", "実施", 3),
            tally(RecordType::of("council"), "総会", "書面開催", 1),
            tally(RecordType::of("council"), "視察研修", "中止", 1),
            tally(RecordType::of("meeting"), "東部", "", 2),
            tally(RecordType::of("consultation"), "", "", 40),
            tally(RecordType::of("consultation"), "", "", 2),
            tally(RecordType::of("match"), "", "", 7),
            tally(RecordType::of("publicity"), "4コマ", "", 1),
            tally(RecordType::of("publicity"), "区紹介", "", 2),
            tally(RecordType::of("publicity"), "ぼらせんこもろ", "", 3),
        ];
        let f = Figures::from_records(&c, &tallies, &[], april());
        let meeting = RecordType::of("meeting");
        assert_eq!(f.of(&c, meeting, "東部"), Figure::known(2));
        assert_eq!(f.of(&c, meeting, "川辺"), Figure::known(0));
        assert_eq!(f.counts[&meeting].len(), 10);
        assert_eq!(f.of(&c, RecordType::of("consultation"), ""), Figure::known(42));
        assert_eq!(
            f.count(&c, RecordType::of("council"), 1),
            Figure::known(4),
            "中止 is not held"
        );
        assert_eq!(f.count(&c, RecordType::of("meeting"), 2), Figure::known(2));
        assert_eq!(f.count(&c, RecordType::of("publicity"), 8), Figure::known(1));
        assert_eq!(f.count(&c, RecordType::of("publicity"), 9), Figure::known(5));
        assert_eq!(f.count(&c, RecordType::of("info"), 7), Figure::known(0));
    }

    #[test]
    fn a_subsidy_counts_by_each_groups_latest_record() {
        let c = komoro();
        let events = [
            grant(1, 1, "チャレンジ", "A", "申請", 0),
            grant(2, 2, "チャレンジ", "B", "申請", 0),
            grant(3, 3, "チャレンジ", "C", "申請", 0),
            grant(4, 10, "チャレンジ", "A", "交付決定", 150_000),
            grant(5, 10, "チャレンジ", "B", "交付決定", 116_000),
            grant(6, 11, "ステップアップ", "D", "交付決定", 102_000),
            grant(7, 12, "ステップアップ", "E", "交付決定", 90_000),
            grant(8, 20, "ステップアップ", "E", "辞退", 0),
        ];
        let f = Figures::from_records(&c, &[], &events, april());
        let challenge = &f.subsidy["チャレンジ"];
        assert_eq!(challenge.grants, Figure::known(2));
        assert_eq!(challenge.amount, Figure::known(266_000));
        assert_eq!(challenge.applications, Figure::known(3));
        let step = &f.subsidy["ステップアップ"];
        assert_eq!(
            (step.grants, step.amount, step.applications),
            (Figure::known(1), Figure::known(102_000), Figure::known(2))
        );
        assert_eq!(f.count(&c, RecordType::of("subsidy"), 4), Figure::known(3));
    }

    #[test]
    fn the_lifecycle_counts_whatever_order_the_records_were_entered_in() {
        let c = komoro();
        // The case: three grants (420,000 yen), then an application entered after one
        // group's grant. It breaks the lifecycle and counts for nothing.
        let mut events = vec![
            grant(1, 1, "チャレンジ", "こもろ子ども食堂", "申請", 0),
            grant(2, 5, "チャレンジ", "こもろ子ども食堂", "交付決定", 120_000),
            grant(3, 6, "チャレンジ", "A会", "交付決定", 150_000),
            grant(4, 7, "チャレンジ", "B会", "交付決定", 150_000),
            grant(5, 20, "チャレンジ", "こもろ 子ども食堂", "申請", 0),
        ];
        let f = Figures::from_records(&c, &[], &events, april());
        let challenge = &f.subsidy["チャレンジ"];
        assert_eq!(
            (challenge.grants, challenge.amount, challenge.applications),
            (Figure::known(3), Figure::known(420_000), Figure::known(3))
        );
        // The same records entered in another order (ids are the entry order): same figures.
        events.reverse();
        for (i, e) in events.iter_mut().enumerate() {
            e.id = i as i64 + 1;
        }
        assert_eq!(Figures::from_records(&c, &[], &events, april()).subsidy, f.subsidy);
        // A grant declined counts as a decline, not a grant; a 不採択 as a rejection; a 実績報告
        // changes nothing.
        let events = [
            grant(1, 1, "ステップアップ", "D", "申請", 100_000),
            grant(2, 2, "ステップアップ", "E", "申請", 0),
            grant(3, 10, "ステップアップ", "D", "交付決定", 100_000),
            grant(4, 11, "ステップアップ", "E", "不採択", 0),
            grant(5, 20, "ステップアップ", "D", "辞退", 0),
            grant(6, 1, "チャレンジ", "F", "交付決定", 50_000),
            grant(7, 30, "チャレンジ", "F", "実績報告", 0),
        ];
        let f = Figures::from_records(&c, &[], &events, april());
        let step = &f.subsidy["ステップアップ"];
        assert_eq!(
            (
                step.applications,
                step.grants,
                step.amount,
                step.declines,
                step.rejections
            ),
            (
                Figure::known(2),
                Figure::known(0),
                Figure::known(0),
                Figure::known(1),
                Figure::known(1)
            )
        );
        let challenge = &f.subsidy["チャレンジ"];
        assert_eq!(
            (challenge.applications, challenge.grants, challenge.amount),
            (Figure::known(1), Figure::known(1), Figure::known(50_000)),
            "a grant with nothing before it stands for its application"
        );
        // Records before the period only say where a group stood: a grant of June declined in
        // the period counts one decline and no application in it.
        let since = NaiveDate::from_ymd_opt(2026, 6, 15).expect("valid day");
        let f = Figures::from_records(&c, &[], &events, since);
        let step = &f.subsidy["ステップアップ"];
        assert_eq!(
            (step.applications, step.grants, step.declines),
            (Figure::known(0), Figure::known(0), Figure::known(1))
        );
        // Groups, each once: G applies, is not selected, applies again and is granted; H
        // applies and withdraws twice.
        let events = [
            grant(1, 1, "チャレンジ", "G会", "申請", 0),
            grant(2, 2, "チャレンジ", "G会", "不採択", 0),
            grant(3, 3, "チャレンジ", "G会", "申請", 0),
            grant(4, 4, "チャレンジ", "Ｇ会", "交付決定", 80_000),
            grant(5, 1, "チャレンジ", "H会", "申請", 0),
            grant(6, 2, "チャレンジ", "H会", "辞退", 0),
            grant(7, 3, "チャレンジ", "H会", "申請", 0),
            grant(8, 4, "チャレンジ", "H会", "辞退", 0),
        ];
        let challenge = &Figures::from_records(&c, &[], &events, april()).subsidy["チャレンジ"];
        assert_eq!(
            (
                challenge.applications,
                challenge.grants,
                challenge.amount,
                challenge.declines,
                challenge.rejections
            ),
            (
                Figure::known(2),
                Figure::known(1),
                Figure::known(80_000),
                Figure::known(1),
                Figure::known(1)
            )
        );
    }

    #[test]
    fn unknown_figures_stay_unknown_in_sums() {
        let c = komoro();
        let mut f = Figures::from_records(&c, &[], &[], april());
        let meeting = RecordType::of("meeting");
        f.counts.entry(meeting).or_default().insert("東部".into(), None);
        assert_eq!(f.count(&c, meeting, 2), Figure::UNKNOWN);
        assert_eq!(f.of(&c, meeting, "東部"), Figure::UNKNOWN);
        let json = serde_json::to_string(&f).expect("serialises");
        assert!(json.contains("\"東部\":null"), "{json}");
        let back: Figures = serde_json::from_str(&json).expect("round trip");
        assert_eq!(back, f);
    }
}
