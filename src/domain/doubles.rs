//! Double reports: two records that look like one thing reported twice. Never merged and never
//! refused — the reply to a report names the record it looks like (with the undo button under
//! it), and `/records duplicates` lists the pairs of a fiscal year for an admin to resolve.
//!
//! What "the same thing" means is read from the record type's description, per field kind, not
//! per type: two records of one type and one date are alike when every field both have a value
//! in agrees —
//! - an area, a district, a name (a group) and a one-line text (a title, a project) by
//!   `text::name_key` (a space or the width of a character makes no difference);
//! - a choice exactly (a council's kind, a publicity's medium, a subsidy's state: an
//!   application and a grant of one day are two things);
//! - counts, amounts and free text that may run over lines (`multiline`: a meeting's topic, a
//!   note) are how a reporter tells it, not what it was: two people reporting one meeting word
//!   it differently, so they are not compared.
//!
//! A type with none of those (a month's number of matchings) is alike on its date alone. And a
//! pair is a double report only if someone else reported the other one, or the same reporter
//! sent it within `SAME_REPORTER_MINUTES` (a second tap, a retry by hand): one person's two
//! records of a day further apart are taken as meant.

use super::record::{Column, Facts, Record};
use super::record_type::{FieldKind, FieldSpec, RecordTypeSpec};
use super::text::name_key;
use chrono::{DateTime, Utc};

/// Within how many minutes one reporter's two alike records are taken as a double report.
pub const SAME_REPORTER_MINUTES: i64 = 10;

/// Whether `field` is compared, and how: by name key (places, names, one-line texts) or exactly
/// (choices); `None` for what is not compared.
fn compared(field: &FieldSpec) -> Option<bool> {
    match field.kind {
        FieldKind::Area | FieldKind::District | FieldKind::Name => Some(true),
        FieldKind::Text if !field.multiline => Some(true),
        FieldKind::Choice => Some(false),
        FieldKind::Text | FieldKind::Count | FieldKind::Amount | FieldKind::Date => None,
    }
}

/// Another record of a day, as a double report is told from it: a record read in full, or a
/// row of the database read no further than what is compared (`store::doubles`), so that a
/// busy day's look-alikes cost no more than their compared fields.
pub trait Told {
    fn id(&self) -> i64;
    /// The text of `column` (`None` when it has none, or holds a number).
    fn text(&self, column: Column) -> Option<&str>;
    fn reporter_id(&self) -> &str;
    /// When it was stored, RFC 3339 in UTC.
    fn created_at(&self) -> &str;
}

impl Told for Record {
    fn id(&self) -> i64 {
        self.id
    }
    fn text(&self, column: Column) -> Option<&str> {
        self.facts.text(column)
    }
    fn reporter_id(&self) -> &str {
        &self.reporter.id
    }
    fn created_at(&self) -> &str {
        &self.created_at
    }
}

/// Whether `a` and `b` (of `spec`'s type, one date) describe the same thing: every compared
/// field both have a value in agrees.
pub fn same_thing(spec: &RecordTypeSpec, a: &Facts, b: &Facts) -> bool {
    a.record_type() == spec.record_type
        && b.record_type() == spec.record_type
        && alike(spec, |c| a.text(c), |c| b.text(c))
}

/// `same_thing` of two records' texts, however each is read.
fn alike<'a, 'b>(
    spec: &RecordTypeSpec,
    a: impl Fn(Column) -> Option<&'a str>,
    b: impl Fn(Column) -> Option<&'b str>,
) -> bool {
    spec.columns().all(|(column, field)| {
        let Some(by_key) = compared(field) else {
            return true;
        };
        match (a(column), b(column)) {
            (Some(x), Some(y)) if by_key => x == y || name_key(x) == name_key(y),
            (Some(x), Some(y)) => x == y,
            _ => true,
        }
    })
}

/// A stored time (`created_at`), RFC 3339 in UTC.
fn stored_at(time: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(time).ok().map(|t| t.with_timezone(&Utc))
}

/// How many whole minutes apart two records were stored; `None` if a time cannot be read.
pub fn minutes_apart(a: &(impl Told + ?Sized), b: &(impl Told + ?Sized)) -> Option<i64> {
    Some(
        (stored_at(a.created_at())? - stored_at(b.created_at())?)
            .num_minutes()
            .abs(),
    )
}

/// Whether `other` and `record`, two live records, look like one thing reported twice: of one
/// type and date, the same thing (`same_thing`), and reported by someone else, or by the same
/// reporter within `SAME_REPORTER_MINUTES`.
pub fn doubled(spec: &RecordTypeSpec, record: &Record, other: &Record) -> bool {
    record.date == other.date
        && other.deleted_at.is_none()
        && other.facts.record_type() == spec.record_type
        && doubled_that_day(spec, record, other)
}

/// `doubled` for `other`, known to be another live record of `record`'s type and date (the
/// store's read of the day says so), however it was read.
pub fn doubled_that_day(spec: &RecordTypeSpec, record: &Record, other: &(impl Told + ?Sized)) -> bool {
    record.id != other.id()
        && record.deleted_at.is_none()
        && record.facts.record_type() == spec.record_type
        && alike(spec, |c| record.facts.text(c), |c| other.text(c))
        && (record.reporter.id != other.reporter_id()
            || minutes_apart(record, other).is_some_and(|m| m <= SAME_REPORTER_MINUTES))
}

/// What the record is about, as a reply names it: its first district (`…区`), else its name or
/// one-line text (`「…」`), else its first choice, else its area (`…地区`), as its fields come
/// in its description; `None` for a record with none of them.
pub fn subject(spec: &RecordTypeSpec, facts: &Facts) -> Option<String> {
    let value = |kinds: &[FieldKind]| {
        spec.columns()
            .filter(|(_, f)| kinds.contains(&f.kind) && compared(f).is_some())
            .find_map(|(column, _)| facts.text(column))
    };
    if let Some(district) = value(&[FieldKind::District]) {
        return Some(format!("{district}区"));
    }
    if let Some(name) = value(&[FieldKind::Name, FieldKind::Text]) {
        return Some(format!("「{name}」"));
    }
    if let Some(choice) = value(&[FieldKind::Choice]) {
        return Some(choice.to_string());
    }
    value(&[FieldKind::Area]).map(|area| format!("{area}地区"))
}

/// `{subject}の{label}` (`…区の<type>`), or the type's label alone.
pub fn what(spec: &RecordTypeSpec, facts: &Facts) -> String {
    match subject(spec, facts) {
        Some(subject) => format!("{subject}の{}", spec.label),
        None => spec.label.clone(),
    }
}

/// The pairs among `records` (live records of one fiscal year, any order) that look like
/// double reports, each as (earlier id, later id), in the order of the earlier record's date
/// and then ids. `spec_of` gives a record type's description.
pub fn pairs<'a>(
    records: &'a [Record],
    spec_of: impl Fn(&Record) -> Option<&'a RecordTypeSpec>,
) -> Vec<(&'a Record, &'a Record)> {
    let mut sorted: Vec<&Record> = records.iter().collect();
    sorted.sort_by_key(|r| (r.date, r.facts.record_type(), r.id));
    let mut pairs = Vec::new();
    // Records of one date and type are next to each other: compare within each run.
    for run in sorted.chunk_by(|a, b| a.date == b.date && a.facts.record_type() == b.facts.record_type()) {
        for (i, a) in run.iter().enumerate() {
            let Some(spec) = spec_of(a) else { continue };
            for b in &run[i + 1..] {
                if doubled(spec, b, a) {
                    pairs.push((*a, *b));
                }
            }
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::record::{Actor, Column, Source, SourceKind};
    use crate::domain::Catalogue;
    use chrono::NaiveDate;

    fn komoro() -> Catalogue {
        Catalogue::parse(include_str!("../../config/kyodo.toml")).expect("config")
    }

    fn record(id: i64, facts: Facts, reporter: &str, minute: u32) -> Record {
        Record {
            id,
            date: NaiveDate::from_ymd_opt(2026, 6, 15).expect("date"),
            facts,
            reporter: Actor {
                id: reporter.to_string(),
                name: reporter.to_string(),
            },
            source: Source {
                kind: SourceKind::Console,
                id: id.to_string(),
                origin: None,
            },
            created_at: format!("2026-06-15T03:{minute:02}:00.000Z"),
            deleted_at: None,
        }
    }

    /// The catalogue's first area and its first two districts, and a type by its `by` field's kind.
    fn place(c: &Catalogue) -> (&str, &str, &str) {
        let area = &c.areas[0];
        (&area.name, &area.districts[0], &area.districts[1])
    }

    #[test]
    fn a_place_decides_and_free_text_does_not() {
        let c = komoro();
        let spec = c.area_type().expect("a type by area");
        let district_column = spec
            .field_of_kind(FieldKind::District)
            .and_then(|f| f.column())
            .expect("district");
        let area_column = spec
            .field_of_kind(FieldKind::Area)
            .and_then(|f| f.column())
            .expect("area");
        let free = spec
            .columns()
            .find(|(_, f)| f.multiline)
            .map(|(c, _)| c)
            .expect("a multiline field");
        let (area, first, second) = place(&c);
        let at = |district: &str, words: &str| {
            Facts::new(spec.record_type)
                .text_of(area_column, area)
                .text_of(district_column, district)
                .text_of(free, words)
        };
        assert!(same_thing(spec, &at(first, "a"), &at(first, "b")), "worded differently");
        assert!(!same_thing(spec, &at(first, "a"), &at(second, "a")), "another district");
        // By another reporter at once, or by the same one within minutes.
        let a = record(1, at(first, "a"), "sato", 0);
        assert!(doubled(spec, &record(2, at(first, "b"), "tanaka", 59), &a));
        assert!(doubled(
            spec,
            &record(2, at(first, "b"), "sato", SAME_REPORTER_MINUTES as u32),
            &a
        ));
        assert!(!doubled(spec, &record(2, at(first, "b"), "sato", 30), &a), "meant");
        let mut other_day = record(2, at(first, "b"), "tanaka", 1);
        other_day.date = other_day.date.succ_opt().expect("date");
        assert!(!doubled(spec, &other_day, &a));
        let mut deleted = record(2, at(first, "b"), "tanaka", 1);
        deleted.deleted_at = Some("2026-06-15T03:02:00.000Z".into());
        assert!(!doubled(spec, &deleted, &a));
        assert_eq!(what(spec, &a.facts), format!("{first}区の{}", spec.label));
    }

    #[test]
    fn choices_compare_exactly_names_and_titles_by_name_key_and_missing_values_agree() {
        let c = komoro();
        for spec in &c.record_types {
            let mut a = Facts::new(spec.record_type);
            let mut b = Facts::new(spec.record_type);
            let mut differ = Facts::new(spec.record_type);
            let mut compared_any = false;
            for (column, field) in spec.columns() {
                match (field.kind, compared(field)) {
                    (FieldKind::Choice, _) if field.choices.len() > 1 => {
                        a = a.text_of(column, &field.choices[0].name);
                        b = b.text_of(column, &field.choices[0].name);
                        differ = differ.text_of(column, &field.choices[1].name);
                        compared_any = true;
                    }
                    (FieldKind::Name | FieldKind::Text, Some(true)) => {
                        a = a.text_of(column, "こもろ 食堂");
                        b = b.text_of(column, "こもろ　食堂");
                        differ = differ.text_of(column, "別の会");
                        compared_any = true;
                    }
                    (FieldKind::Count | FieldKind::Amount, _) => {
                        a = a.number_of(column, 1);
                        b = b.number_of(column, 2);
                    }
                    _ => {}
                }
            }
            assert!(
                same_thing(spec, &a, &b),
                "{}: counts and spaces differ only",
                spec.key()
            );
            assert!(same_thing(spec, &a, &Facts::new(spec.record_type)), "{}", spec.key());
            assert_eq!(
                same_thing(spec, &a, &differ),
                !compared_any,
                "{}: a type with nothing to compare is alike on its date",
                spec.key()
            );
        }
    }

    #[test]
    fn the_pairs_of_a_year_each_once() {
        let c = komoro();
        let spec = c.area_type().expect("a type by area");
        let (area, first, second) = place(&c);
        let at = |district: &str| {
            Facts::new(spec.record_type)
                .text_of(Column::Area, area)
                .text_of(Column::District, district)
        };
        let records = vec![
            record(1, at(first), "sato", 0),
            record(2, at(second), "sato", 1),
            record(3, at(first), "tanaka", 2),
            record(4, at(first), "suzuki", 3),
        ];
        let found: Vec<(i64, i64)> = pairs(&records, |r| c.record_type(r.facts.record_type()))
            .into_iter()
            .map(|(a, b)| (a.id, b.id))
            .collect();
        assert_eq!(found, vec![(1, 3), (1, 4), (3, 4)]);
    }
}
