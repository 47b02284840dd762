//! The subsidy lifecycle, per group and course, by the stages of its states (`Stage`): applied →
//! granted / rejected / declined; granted → declined or reported (the year-end report of the
//! activity, optional); no application after a grant, and one grant per group and course, ever.
//! The names of the states are the catalogue's (the `stage` of each choice of the type's
//! status); a group is its name's key (`text::name_key`), so look-alike spellings are one group.
//!
//! A group's records in a course are read in date order (then id: the order they were entered on
//! one day), whatever order they were entered in: `read` says what each record did, or the
//! conflict that keeps it out of the figures. `check` is the one rule every write keeps — an entry,
//! an edit, a delete or an undo, an import (its new rows and edits together) — given the group's
//! records before and after the change, it allows the change or says in Japanese which existing
//! record it conflicts with.
//! `tally` counts a period from the same reading, so the totals do not depend on entry order.
//!
//! A grant, rejection or withdrawal with nothing before it stands for its application too (an
//! entry out of order, or a backfill of grants alone); after a rejection or a withdrawal the
//! group applies again before anything else.

use super::calendar::{date_label, era_date_label};
use super::catalogue::Subsidy;
use super::text::name_key;
use chrono::NaiveDate;
use std::collections::{BTreeMap, HashSet};
use std::rc::Rc;

/// One subsidy record, as the lifecycle sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubsidyEvent {
    pub id: i64,
    pub date: NaiveDate,
    pub course: String,
    /// The group as typed on this record.
    pub group: String,
    pub status: String,
    pub amount: Option<u64>,
}

/// Where a state of the catalogue sits in the lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Applied,
    Granted,
    Rejected,
    Declined,
    Reported,
}

/// The stage of `status`, if it is one of the catalogue's states.
pub fn stage(subsidy: &Subsidy, status: &str) -> Option<Stage> {
    let stages = [
        Stage::Applied,
        Stage::Granted,
        Stage::Rejected,
        Stage::Declined,
        Stage::Reported,
    ];
    subsidy
        .statuses()
        .into_iter()
        .zip(stages)
        .find(|(name, _)| *name == status)
        .map(|(_, stage)| stage)
}

/// Whether a record in `status` carries an amount: a grant must (more than 0 yen), an
/// application may; the other states have none.
pub fn takes_amount(subsidy: &Subsidy, status: &str) -> bool {
    matches!(stage(subsidy, status), Some(Stage::Applied | Stage::Granted))
}

/// The rule a record breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// A second application while the first waits for its result.
    AppliedAlready,
    /// An application or a rejection after the grant.
    AfterGrant,
    /// A second grant (one per group and course, ever).
    OneGrant,
    /// A decision after the last application was decided (rejected or withdrawn).
    Closed,
    /// A report without a grant.
    NoGrant,
    /// Anything but nothing after the report.
    AfterReport,
    /// Anything after the grant was declined.
    AfterDecline,
}

/// A record that does not fit its group's lifecycle, and the record that makes it so (`None`
/// when it is the lack of one: a report before any grant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conflict<'a> {
    pub record: &'a SubsidyEvent,
    pub because: Option<&'a SubsidyEvent>,
    pub rule: Rule,
}

/// What one record did in its group's lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// It counts: its stage, whether it stands for an application not recorded (a decision with
    /// nothing before it), and for a withdrawal after a grant, that grant.
    Counted {
        stage: Stage,
        implied_application: bool,
        withdraws: Option<&'a SubsidyEvent>,
    },
    /// It breaks a rule and is left out of the figures.
    Conflict(Conflict<'a>),
    /// Its status is not one of the catalogue's states (renamed since): left out.
    UnknownStatus,
}

/// One record of a reading, in date order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step<'a> {
    pub event: &'a SubsidyEvent,
    pub outcome: Outcome<'a>,
}

#[derive(Debug, Clone, Copy)]
enum Standing<'a> {
    /// Nothing waits for a decision; the last decision (a rejection or withdrawal), if any.
    Open(Option<&'a SubsidyEvent>),
    Applied(&'a SubsidyEvent),
    Granted(&'a SubsidyEvent),
    /// Granted, then reported (the report).
    Reported(&'a SubsidyEvent),
    /// Granted, then declined (the withdrawal).
    Withdrawn(&'a SubsidyEvent),
}

/// The records of one group in one course in the order that decides (date, then id), each with
/// what it did. Records that break a rule change nothing for those after them.
pub fn read<'a>(subsidy: &Subsidy, records: &'a [SubsidyEvent]) -> Vec<Step<'a>> {
    read_timeline(subsidy, records.iter().collect())
}

/// `read` of records held by reference.
fn read_timeline<'a>(subsidy: &Subsidy, mut timeline: Vec<&'a SubsidyEvent>) -> Vec<Step<'a>> {
    timeline.sort_by_key(|e| (e.date, e.id));
    let mut standing = Standing::Open(None);
    let mut grant: Option<&SubsidyEvent> = None;
    timeline
        .into_iter()
        .map(|event| {
            let Some(stage) = stage(subsidy, &event.status) else {
                return Step {
                    event,
                    outcome: Outcome::UnknownStatus,
                };
            };
            let outcome = match next(standing, grant, event, stage) {
                Ok((after, implied_application)) => {
                    let withdraws = match (standing, after) {
                        (Standing::Granted(g), Standing::Withdrawn(_)) => Some(g),
                        _ => None,
                    };
                    if let Standing::Granted(g) = after {
                        grant = Some(g);
                    }
                    standing = after;
                    Outcome::Counted {
                        stage,
                        implied_application,
                        withdraws,
                    }
                }
                Err((rule, because)) => Outcome::Conflict(Conflict {
                    record: event,
                    because,
                    rule,
                }),
            };
            Step { event, outcome }
        })
        .collect()
}

type Transition<'a> = Result<(Standing<'a>, bool), (Rule, Option<&'a SubsidyEvent>)>;

/// The standing after `e` (and whether `e` stands for an application), or the rule it breaks.
fn next<'a>(
    standing: Standing<'a>,
    grant: Option<&'a SubsidyEvent>,
    e: &'a SubsidyEvent,
    stage: Stage,
) -> Transition<'a> {
    use Stage::*;
    match (standing, stage) {
        (Standing::Open(_), Applied) => Ok((Standing::Applied(e), false)),
        (Standing::Open(None), Granted) => Ok((Standing::Granted(e), true)),
        (Standing::Open(None), Rejected | Declined) => Ok((Standing::Open(Some(e)), true)),
        (Standing::Open(Some(last)), Granted | Rejected | Declined) => Err((Rule::Closed, Some(last))),
        (Standing::Open(last), Reported) => Err((Rule::NoGrant, last)),
        (Standing::Applied(a), Applied) => Err((Rule::AppliedAlready, Some(a))),
        (Standing::Applied(_), Granted) => Ok((Standing::Granted(e), false)),
        (Standing::Applied(_), Rejected | Declined) => Ok((Standing::Open(Some(e)), false)),
        (Standing::Applied(a), Reported) => Err((Rule::NoGrant, Some(a))),
        (Standing::Granted(_), Declined) => Ok((Standing::Withdrawn(e), false)),
        (Standing::Granted(_), Reported) => Ok((Standing::Reported(e), false)),
        (Standing::Granted(g), Granted) => Err((Rule::OneGrant, Some(g))),
        (Standing::Granted(g), Applied | Rejected) => Err((Rule::AfterGrant, Some(g))),
        (Standing::Reported(_) | Standing::Withdrawn(_), Granted) => Err((Rule::OneGrant, grant)),
        (Standing::Reported(_) | Standing::Withdrawn(_), Applied | Rejected) => Err((Rule::AfterGrant, grant)),
        (Standing::Reported(r), Declined | Reported) => Err((Rule::AfterReport, Some(r))),
        (Standing::Withdrawn(d), Declined | Reported) => Err((Rule::AfterDecline, Some(d))),
    }
}

/// The record that says where the group stands now (the last that counts), if any.
pub fn standing<'a>(steps: &[Step<'a>]) -> Option<&'a SubsidyEvent> {
    steps
        .iter()
        .rev()
        .find(|s| matches!(s.outcome, Outcome::Counted { .. }))
        .map(|s| s.event)
}

/// The decision (grant, rejection or withdrawal) that `removed`, an application now deleted, was the
/// application of, and that now stands with no application before it: `remaining` are the
/// group's live records in the course after the delete. `None` when `removed` was no
/// application or the next record has an application of its own.
pub fn left_without_application<'a>(
    subsidy: &Subsidy,
    remaining: &'a [SubsidyEvent],
    removed: &SubsidyEvent,
) -> Option<&'a SubsidyEvent> {
    if stage(subsidy, &removed.status) != Some(Stage::Applied) {
        return None;
    }
    read(subsidy, remaining)
        .into_iter()
        .filter(|s| (s.event.date, s.event.id) > (removed.date, removed.id))
        .find(|s| matches!(s.outcome, Outcome::Counted { .. }))
        .filter(|s| {
            matches!(
                s.outcome,
                Outcome::Counted {
                    implied_application: true,
                    ..
                }
            )
        })
        .map(|s| s.event)
}

/// A change to one group's records in one course.
#[derive(Debug, Clone, Copy)]
pub enum Change<'a> {
    /// New records (an entry, or an import's rows): their ids in `after`.
    Add(&'a [i64]),
    /// A record edited: its id, in `after` with its new facts.
    Edit(i64),
    /// A record deleted (or undone): it is in `before`, not in `after`.
    Remove(&'a SubsidyEvent),
    /// An import's new rows and edited records together: their ids in `after` (an edited one
    /// also in `before`, with its old facts).
    Import { added: &'a [i64], edited: &'a [i64] },
}

impl Change<'_> {
    /// The ids of the records the change writes.
    fn changed(&self) -> Vec<i64> {
        match self {
            Change::Add(ids) => ids.to_vec(),
            Change::Edit(id) => vec![*id],
            Change::Remove(_) => Vec::new(),
            Change::Import { added, edited } => added.iter().chain(edited.iter()).copied().collect(),
        }
    }

    /// Whether the change edits record `id` (rather than adding it).
    fn edits(&self, id: i64) -> bool {
        match self {
            Change::Edit(edited) => *edited == id,
            Change::Import { edited, .. } => edited.contains(&id),
            Change::Add(_) | Change::Remove(_) => false,
        }
    }
}

/// One write to check: the group's live records in the course before and after it.
#[derive(Debug, Clone, Copy)]
pub struct Check<'a> {
    pub subsidy: &'a Subsidy,
    pub before: &'a [SubsidyEvent],
    pub after: &'a [SubsidyEvent],
    pub change: Change<'a>,
    /// How records not stored yet are named (an import: `このファイルの3行目`), by their id in
    /// `after`; any other record is named by its number.
    pub unstored: &'a [(i64, String)],
}

/// Why a change is refused, in Japanese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The option the refusal is about, as users see it (`団体（group）`); none for a delete.
    pub field: Option<&'static str>,
    pub message: String,
    pub rule: Rule,
    /// The stored record the change conflicts with.
    pub existing: Option<i64>,
    /// The changed (new or edited) record the refusal is about, when it is one of them.
    pub changed: Option<i64>,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.field {
            Some(field) => write!(f, "{field}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Refusal {}

/// Allows the change, or refuses it because of the first record (in date order) that would break
/// a rule after it: a changed record itself, or an existing one that kept the rules before.
/// (A record that already broke a rule before the change — data from before this check — does
/// not stop other changes.)
pub fn check(c: &Check<'_>) -> Result<(), Refusal> {
    let offending_before: HashSet<i64> = read(c.subsidy, c.before)
        .iter()
        .filter_map(|s| match s.outcome {
            Outcome::Conflict(conflict) => Some(conflict.record.id),
            _ => None,
        })
        .collect();
    let changed = c.change.changed();
    for step in read(c.subsidy, c.after) {
        if let Outcome::Conflict(conflict) = step.outcome {
            if changed.contains(&conflict.record.id) || !offending_before.contains(&conflict.record.id) {
                return Err(refusal(c, &conflict, &changed));
            }
        }
    }
    Ok(())
}

impl Check<'_> {
    fn unstored_label(&self, e: &SubsidyEvent) -> Option<&str> {
        self.unstored
            .iter()
            .find(|(id, _)| *id == e.id)
            .map(|(_, label)| label.as_str())
    }

    /// `#12、令和8年6月1日`, or `このファイルの3行目、令和8年6月1日`.
    fn reference(&self, e: &SubsidyEvent) -> String {
        match self.unstored_label(e) {
            Some(label) => format!("{label}、{}", era_date_label(e.date)),
            None => format!("#{}、{}", e.id, era_date_label(e.date)),
        }
    }

    /// `<state>（#12、令和8年6月1日）`.
    fn named(&self, e: &SubsidyEvent) -> String {
        format!("{}（{}）", e.status, self.reference(e))
    }

    /// The stored record's id, for `Refusal::existing`.
    fn stored(&self, e: Option<&SubsidyEvent>) -> Option<i64> {
        e.filter(|e| self.unstored_label(e).is_none()).map(|e| e.id)
    }
}

/// What to do about a record that breaks `rule`.
fn hint(s: &Subsidy, conflict: &Conflict<'_>) -> String {
    match conflict.rule {
        Rule::AppliedAlready => format!(
            "同じコースの{}は、結果（{}・{}・{}）を登録するまで二重には登録できません",
            s.applied, s.granted, s.rejected, s.declined
        ),
        Rule::AfterGrant if conflict.record.status == s.applied => format!(
            "{granted}の後に登録できるのは{}か{}だけです。{applied}が{granted}より前なら、日付（date）にその日を入れてください",
            s.declined,
            s.reported,
            granted = s.granted,
            applied = s.applied
        ),
        Rule::AfterGrant => format!("{}の後に登録できるのは{}か{}だけです", s.granted, s.declined, s.reported),
        Rule::OneGrant => format!("{}は1団体各{}1回までです", s.label, s.course_name),
        Rule::Closed => format!(
            "もう一度{applied}したときは、先にその{applied}を登録してください",
            applied = s.applied
        ),
        Rule::NoGrant => format!("{}は{}の後に登録してください", s.reported, s.granted),
        Rule::AfterReport => format!("{}の後に登録できるものはありません", s.reported),
        Rule::AfterDecline => format!("{}の後の{}に続けて登録できるものはありません", s.granted, s.declined),
    }
}

/// The refusal for `conflict`, worded from the changed record's side.
fn refusal(c: &Check<'_>, conflict: &Conflict<'_>, changed: &[i64]) -> Refusal {
    let s = c.subsidy;
    let record = conflict.record;
    let course = &record.course;
    let is_changed = |e: &SubsidyEvent| changed.contains(&e.id);
    // What cannot be done with the changed record `e`.
    let verb = |e: &SubsidyEvent| match c.change {
        Change::Remove(_) => "は削除できません",
        _ if c.change.edits(e.id) => "には直せません",
        _ => "は登録できません",
    };
    // One grant per group and course: the grant already there, named as typed.
    if conflict.rule == Rule::OneGrant {
        // The earlier grant is the one there, unless it is the one being entered.
        let (existing, new) = match conflict.because {
            Some(b) if !is_changed(b) || is_changed(record) => (b, record),
            Some(b) => (record, b),
            None => (record, record),
        };
        let when = match c.unstored_label(existing) {
            Some(label) => format!("{label}、{}", era_date_label(existing.date)),
            None => format!("#{}、{}", existing.id, date_label(existing.date)),
        };
        return Refusal {
            field: Some("団体（group）"),
            message: format!(
                "「{}」は{course}コースの交付をすでに受けています（{when}）。{}",
                existing.group,
                hint(s, conflict)
            ),
            rule: conflict.rule,
            existing: c.stored(Some(existing)),
            changed: Some(new.id).filter(|_| is_changed(new)),
        };
    }
    let field = Some("状態（status）");
    if is_changed(record) {
        let group = conflict.because.map_or(&record.group, |b| &b.group);
        let message = match conflict.because {
            Some(b) => format!(
                "『{group}』は{course}コースの{}の後なので、{}{}。{}",
                c.named(b),
                record.status,
                verb(record),
                hint(s, conflict)
            ),
            None => format!(
                "『{group}』は{course}コースの{}がまだないので、{}{}。{}",
                s.granted,
                record.status,
                verb(record),
                hint(s, conflict)
            ),
        };
        return Refusal {
            field,
            message,
            rule: conflict.rule,
            existing: c.stored(conflict.because),
            changed: Some(record.id),
        };
    }
    if let Some(b) = conflict.because.filter(|b| is_changed(b)) {
        return Refusal {
            field,
            message: format!(
                "『{}』は{course}コースに{}があるので、それより前の日付（{}）{}{}{}。日付を確かめてください",
                record.group,
                c.named(record),
                era_date_label(b.date),
                if c.change.edits(b.id) { "の" } else { "で" },
                b.status,
                verb(b)
            ),
            rule: conflict.rule,
            existing: c.stored(Some(record)),
            changed: Some(b.id),
        };
    }
    // Neither record of the conflict is the one changed: a delete (or an entry) leaves an
    // existing record without what it needs.
    let named = c.named(record);
    let clause = match (conflict.rule, conflict.because) {
        (Rule::AppliedAlready, Some(b)) => format!("{named}が{}に続く二重の{}になる", c.named(b), s.applied),
        (Rule::Closed, _) => format!("{named}の前の{}がなくなる", s.applied),
        (Rule::NoGrant, _) => format!("{named}の前に{}がなくなる", s.granted),
        (_, Some(b)) => format!("{named}が{}の後になる", c.named(b)),
        (_, None) => format!("{named}の前の記録がなくなる"),
    };
    let (action, field) = match c.change {
        Change::Remove(removed) => (format!("{}を削除すると", c.named(removed)), None),
        Change::Edit(_) => ("この修正をすると".to_string(), field),
        Change::Add(_) => ("登録すると".to_string(), field),
        Change::Import { .. } => ("この取り込みをすると".to_string(), field),
    };
    let what = match c.change {
        Change::Remove(_) => "削除できません",
        Change::Edit(_) => "直せません",
        Change::Add(_) => "登録できません",
        Change::Import { .. } => "取り込めません",
    };
    Refusal {
        field,
        message: format!(
            "『{}』の{course}コースで、{action}、{clause}ので、{what}。先に #{} を直すか削除してください",
            record.group, record.id
        ),
        rule: conflict.rule,
        existing: c.stored(Some(record)),
        changed: None,
    }
}

/// What one record counts for in its group's lifecycle (`read`), kept per record by the store
/// so that a period's figures are read without its groups' histories. Only records that count
/// for something have one: an application (or a decision standing for it), a grant, a
/// withdrawal, a rejection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counted {
    pub id: i64,
    pub date: NaiveDate,
    pub course: Rc<str>,
    /// Which group in the course: the id of the group's first record (by id), the same for
    /// each of its records.
    pub group: i64,
    /// An application, or a decision with nothing before it that stands for one.
    pub applied: bool,
    /// A grant, with its amount.
    pub granted: bool,
    pub amount: u64,
    /// For a grant, the date of the withdrawal that took it back, if any.
    pub withdrawn_on: Option<NaiveDate>,
    pub declined: bool,
    pub rejected: bool,
}

/// What each of one group's records in one course counts for (`Counted`), from the group's
/// reading: `records` are every live record of the group in the course, in any order.
pub fn counted(subsidy: &Subsidy, records: &[&SubsidyEvent]) -> Vec<Counted> {
    let group = records.iter().map(|e| e.id).min().unwrap_or(0);
    let mut course: Option<Rc<str>> = None;
    let steps = read_timeline(subsidy, records.to_vec());
    let withdrawn: BTreeMap<i64, NaiveDate> = steps
        .iter()
        .filter_map(|s| match s.outcome {
            Outcome::Counted {
                withdraws: Some(grant), ..
            } => Some((grant.id, s.event.date)),
            _ => None,
        })
        .collect();
    steps
        .iter()
        .filter_map(|step| {
            let Outcome::Counted {
                stage,
                implied_application,
                ..
            } = step.outcome
            else {
                return None;
            };
            let e = step.event;
            let c = Counted {
                id: e.id,
                date: e.date,
                course: course.get_or_insert_with(|| e.course.as_str().into()).clone(),
                group,
                applied: stage == Stage::Applied || implied_application,
                granted: stage == Stage::Granted,
                amount: if stage == Stage::Granted {
                    e.amount.unwrap_or(0)
                } else {
                    0
                },
                withdrawn_on: withdrawn.get(&e.id).copied(),
                declined: stage == Stage::Declined,
                rejected: stage == Stage::Rejected,
            };
            (c.applied || c.granted || c.declined || c.rejected).then_some(c)
        })
        .collect()
}

/// The figures of one course in a period, as the lifecycle counts them: groups, each once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    /// Groups that applied in the period (a decision with nothing before it stands for the
    /// application); a group that applied again after a rejection or withdrawal counts once.
    pub applications: u64,
    /// Groups granted in the period and not declined since.
    pub grants: u64,
    /// Yen of those grants.
    pub amount: u64,
    /// Groups with a withdrawal in the period (of an application or of a grant).
    pub declines: u64,
    /// Groups that were not selected (rejected) in the period.
    pub rejections: u64,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.applications += other.applications;
        self.grants += other.grants;
        self.amount += other.amount;
        self.declines += other.declines;
        self.rejections += other.rejections;
    }
}

/// Per course, the counts of the records dated from `since` on: `events` are every live subsidy
/// record up to the period's end of the groups concerned (earlier ones only say where a group
/// stood). Groups are told apart by their name's key.
pub fn tally(subsidy: &Subsidy, events: &[SubsidyEvent], since: NaiveDate) -> BTreeMap<String, Counts> {
    tally_counted(&counted_in_groups(subsidy, events), since, &[NaiveDate::MAX])
        .pop()
        .unwrap_or_default()
}

/// `counted` of every group of `events` (each group's records in a course, any order).
pub fn counted_in_groups(subsidy: &Subsidy, events: &[SubsidyEvent]) -> Vec<Counted> {
    by_group(events)
        .into_values()
        .flat_map(|records| counted(subsidy, &records))
        .collect()
}

/// Per course, the counts of `[since, end]` for each of `ends` (in order), from what the
/// records count for (`counted`, of every group concerned, from `since` to the last end at
/// least; earlier ones are left out): a month-by-month series of a year in one pass.
pub fn tally_counted(counted: &[Counted], since: NaiveDate, ends: &[NaiveDate]) -> Vec<BTreeMap<String, Counts>> {
    let mut at: Vec<BTreeMap<String, Counts>> = vec![BTreeMap::new(); ends.len()];
    let mut groups: BTreeMap<(&str, i64), Vec<&Counted>> = BTreeMap::new();
    for c in counted.iter().filter(|c| c.date >= since) {
        groups.entry((&c.course, c.group)).or_default().push(c);
    }
    for ((course, _), mut records) in groups {
        records.sort_by_key(|c| (c.date, c.id));
        for (end, tallied) in ends.iter().zip(at.iter_mut()) {
            let up_to = &records[..records.partition_point(|c| c.date <= *end)];
            if up_to.is_empty() {
                continue;
            }
            let granted = up_to
                .iter()
                .rev()
                .find(|c| c.granted && c.withdrawn_on.is_none_or(|w| w > *end));
            let counts = Counts {
                applications: u64::from(up_to.iter().any(|c| c.applied)),
                grants: u64::from(granted.is_some()),
                amount: granted.map_or(0, |g| g.amount),
                declines: u64::from(up_to.iter().any(|c| c.declined)),
                rejections: u64::from(up_to.iter().any(|c| c.rejected)),
            };
            tallied.entry(course.to_string()).or_default().add(counts);
        }
    }
    at
}

/// `events` by course and group (the group's name key).
fn by_group(events: &[SubsidyEvent]) -> BTreeMap<(String, String), Vec<&SubsidyEvent>> {
    let mut groups: BTreeMap<(String, String), Vec<&SubsidyEvent>> = BTreeMap::new();
    for e in events {
        groups
            .entry((e.course.clone(), name_key(&e.group)))
            .or_default()
            .push(e);
    }
    groups
}

#[cfg(test)]
mod tests;
