//! The figures of a period, per indicator — what the annual report and `/totals` print.
//!
//! They come either from the baseline (years before the bot, known only as totals, some figures
//! unknown) or from records, aggregated here from the per-group tallies the store returns.
//! A `Figure` is a count that may be unknown: the report prints what the official report
//! prints there (`—`), never an invented 0.

use super::catalogue::Catalogue;
use super::record_type::RecordType;
use super::subsidy::tally;
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
    /// Groups granted (交付決定) and not withdrawn (辞退) since.
    pub grants: Figure,
    /// Yen granted.
    pub amount: Figure,
    /// Groups that applied (申請; a decision with no application recorded stands for one).
    pub applications: Figure,
    /// Groups that withdrew (辞退); unknown in the baseline years, which did not count them.
    #[serde(default)]
    pub declines: Figure,
    /// Groups not selected (不採択); unknown in the baseline years.
    #[serde(default)]
    pub rejections: Figure,
}

/// The figures of every indicator over one period (a fiscal year, or part of one).
/// Maps are keyed by the catalogue's names; a name missing from a map counts 0.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Figures {
    /// ① activities per kind and status; `None` when unknown.
    pub council: Option<BTreeMap<String, BTreeMap<String, u64>>>,
    /// ② meetings per area.
    pub meetings: BTreeMap<String, Figure>,
    /// ③ consultations.
    pub consultations: Figure,
    /// ③ matchings.
    pub matches: Figure,
    /// ④ per course.
    pub subsidy: BTreeMap<String, CourseFigures>,
    /// ⑤ occasions.
    pub participation: Figure,
    /// ⑥ occasions.
    pub collab: Figure,
    /// ⑦ occasions.
    pub info: Figure,
    /// ⑧/⑨ items per publicity kind.
    pub publicity: BTreeMap<String, Figure>,
}

/// Records of one type with the same kind (or area) and status, counted by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tally {
    pub record_type: RecordType,
    /// The council kind, the area of a meeting or the publicity kind; empty for other types.
    pub dimension: String,
    /// The council status; empty for other types.
    pub status: String,
    /// The sum of the records' counts (1 for every type but consultations and matchings).
    pub count: u64,
}

pub use super::subsidy::SubsidyEvent;

impl Figures {
    /// Every figure unknown: a year that neither the baseline nor the records cover.
    pub fn unknown(catalogue: &Catalogue) -> Figures {
        Figures {
            council: None,
            meetings: catalogue
                .areas
                .iter()
                .map(|a| (a.name.clone(), Figure::UNKNOWN))
                .collect(),
            consultations: Figure::UNKNOWN,
            matches: Figure::UNKNOWN,
            subsidy: catalogue
                .subsidy
                .courses
                .iter()
                .map(|c| {
                    let unknown = CourseFigures {
                        grants: Figure::UNKNOWN,
                        amount: Figure::UNKNOWN,
                        applications: Figure::UNKNOWN,
                        declines: Figure::UNKNOWN,
                        rejections: Figure::UNKNOWN,
                    };
                    (c.name.clone(), unknown)
                })
                .collect(),
            participation: Figure::UNKNOWN,
            collab: Figure::UNKNOWN,
            info: Figure::UNKNOWN,
            publicity: catalogue
                .publicity
                .kinds
                .iter()
                .map(|k| (k.name.clone(), Figure::UNKNOWN))
                .collect(),
        }
    }

    /// Aggregates a period's tallies and subsidy records. Every area, course and scalar is known
    /// (0 where nothing was recorded): a period the bot covers has no unknown figure.
    /// `subsidy` holds the subsidy records up to the period's end of every group with one in
    /// it; those before `since` (the period's first day) only say where a group stood.
    pub fn from_records(
        catalogue: &Catalogue,
        tallies: &[Tally],
        subsidy: &[SubsidyEvent],
        since: NaiveDate,
    ) -> Figures {
        let mut f = Figures {
            council: Some(BTreeMap::new()),
            meetings: catalogue
                .areas
                .iter()
                .map(|a| (a.name.clone(), Figure::known(0)))
                .collect(),
            consultations: Figure::known(0),
            matches: Figure::known(0),
            participation: Figure::known(0),
            collab: Figure::known(0),
            info: Figure::known(0),
            publicity: catalogue
                .publicity
                .kinds
                .iter()
                .map(|k| (k.name.clone(), Figure::known(0)))
                .collect(),
            ..Figures::default()
        };
        for t in tallies {
            let add = |figure: &mut Figure| *figure = Figure::known(figure.value().unwrap_or(0) + t.count);
            match t.record_type {
                RecordType::Council => {
                    *f.council
                        .get_or_insert_default()
                        .entry(t.dimension.clone())
                        .or_default()
                        .entry(t.status.clone())
                        .or_default() += t.count;
                }
                RecordType::Meeting => add(f.meetings.entry(t.dimension.clone()).or_default()),
                RecordType::Consultation => add(&mut f.consultations),
                RecordType::Match => add(&mut f.matches),
                RecordType::Participation => add(&mut f.participation),
                RecordType::Collab => add(&mut f.collab),
                RecordType::Info => add(&mut f.info),
                RecordType::Publicity => add(f.publicity.entry(t.dimension.clone()).or_default()),
                RecordType::Subsidy => {}
            }
        }
        f.subsidy = subsidy_figures(catalogue, subsidy, since);
        f
    }

    /// The sum of the counts of one record type (for publicity, of the kinds feeding `indicator`).
    pub fn count(&self, catalogue: &Catalogue, record_type: RecordType, indicator: u8) -> Figure {
        match record_type {
            RecordType::Council => self.council.as_ref().map_or(Figure::UNKNOWN, |council| {
                Figure::known(
                    council
                        .values()
                        .flat_map(|statuses| statuses.iter())
                        .filter(|(status, _)| catalogue.council_status(status).is_some_and(|s| s.held))
                        .map(|(_, n)| n)
                        .sum(),
                )
            }),
            RecordType::Meeting => sum(self.meetings.values().copied()),
            RecordType::Consultation => self.consultations,
            RecordType::Match => self.matches,
            RecordType::Subsidy => sum(self.subsidy.values().map(|c| c.grants)),
            RecordType::Participation => self.participation,
            RecordType::Collab => self.collab,
            RecordType::Info => self.info,
            RecordType::Publicity => sum(self
                .publicity
                .iter()
                .filter(|(kind, _)| catalogue.publicity_kind(kind).is_some_and(|k| k.indicator == indicator))
                .map(|(_, f)| *f)),
        }
    }
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
fn subsidy_figures(
    catalogue: &Catalogue,
    events: &[SubsidyEvent],
    since: NaiveDate,
) -> BTreeMap<String, CourseFigures> {
    let counts = tally(&catalogue.subsidy, events, since);
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
            status: status.into(),
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
            tally(RecordType::Council, "役員会", "実施", 3),
            tally(RecordType::Council, "総会", "書面開催", 1),
            tally(RecordType::Council, "視察研修", "中止", 1),
            tally(RecordType::Meeting, "東部", "", 2),
            tally(RecordType::Consultation, "", "", 40),
            tally(RecordType::Consultation, "", "", 2),
            tally(RecordType::Match, "", "", 7),
            tally(RecordType::Publicity, "4コマ", "", 1),
            tally(RecordType::Publicity, "区紹介", "", 2),
            tally(RecordType::Publicity, "ぼらせんこもろ", "", 3),
        ];
        let f = Figures::from_records(&c, &tallies, &[], april());
        assert_eq!(f.meetings.get("東部"), Some(&Figure::known(2)));
        assert_eq!(f.meetings.get("川辺"), Some(&Figure::known(0)));
        assert_eq!(f.meetings.len(), 10);
        assert_eq!(f.consultations, Figure::known(42));
        assert_eq!(
            f.count(&c, RecordType::Council, 1),
            Figure::known(4),
            "中止 is not held"
        );
        assert_eq!(f.count(&c, RecordType::Meeting, 2), Figure::known(2));
        assert_eq!(f.count(&c, RecordType::Publicity, 8), Figure::known(1));
        assert_eq!(f.count(&c, RecordType::Publicity, 9), Figure::known(5));
        assert_eq!(f.count(&c, RecordType::Info, 7), Figure::known(0));
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
        assert_eq!(f.count(&c, RecordType::Subsidy, 4), Figure::known(3));
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
        f.meetings.insert("東部".into(), Figure::UNKNOWN);
        assert_eq!(f.count(&c, RecordType::Meeting, 2), Figure::UNKNOWN);
        let json = serde_json::to_string(&f.meetings).expect("serialises");
        assert!(json.contains("\"東部\":\"不明\""), "{json}");
        let back: BTreeMap<String, Figure> = serde_json::from_str(&json).expect("round trip");
        assert_eq!(back, f.meetings);
    }
}
