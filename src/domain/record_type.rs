//! The kinds of record staff can report — one per `/report` subcommand — and the one
//! description of each, read from the catalogue's `[[record_types]]` (`catalogue.rs`).
//!
//! A `RecordTypeSpec` says everything the rest of kyodo needs about a record type: its command
//! name and Japanese names, its fields (label, kind, limits, required or not, choices with what
//! each choice means to the figures), the template of its one-line rendering, its `/help` example
//! and the rule of its own it needs, if any (`Rule`). The command spec, parsing, validation,
//! `/records edit`, exports and imports, help, autocomplete, the store's mapping and the test
//! fixtures are derived from it.
//!
//! The key is the canonical subcommand name and the database value. The code knows no record
//! type: how the figures break down (`by`, `detail`) and how the report lays them out
//! (`Layout`) are part of the description, and the names of everything — types, fields,
//! kinds, areas — come from the catalogue.

use super::record::Column;
use super::subsidy::Stage;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::fmt;
use std::sync::{LazyLock, Mutex, PoisonError};

/// A record type: its key, the catalogue's `key` and the database's value (`meeting`). Any key
/// the catalogue describes; `Catalogue::record_type` gives its description. Keys are interned,
/// so that a record type is `Copy` and compares as cheaply as a number.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordType(&'static str);

/// Every key met so far, each stored once for the life of the process (a catalogue has a few).
static KEYS: LazyLock<Mutex<HashSet<&'static str>>> = LazyLock::new(|| Mutex::new(HashSet::new()));

impl RecordType {
    /// The record type with this key.
    pub fn of(key: &str) -> RecordType {
        let mut keys = KEYS.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(known) = keys.get(key) {
            return RecordType(known);
        }
        let key: &'static str = Box::leak(key.to_string().into_boxed_str());
        keys.insert(key);
        RecordType(key)
    }

    pub fn key(self) -> &'static str {
        self.0
    }

    /// Whether `key` can be a record type's key: lowercase ASCII letters, digits and `_`,
    /// starting with a letter (it is a subcommand's name and a value in SQL).
    pub fn is_key(key: &str) -> bool {
        key.starts_with(|c: char| c.is_ascii_lowercase())
            && key.len() <= 32
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Debug for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for RecordType {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for RecordType {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let key = String::deserialize(d)?;
        Ok(RecordType::of(&key))
    }
}

/// How a record type's figures are laid out in the annual report's table: one Rust function
/// each (`render/report.rs`), named by the description's `report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One number with its unit: ⑤ `106件`.
    Count,
    /// One bare number, its unit in a note under the table: ③ `1720`.
    Number,
    /// A number per value of the `by` field, over the indicator's columns: `<area>5回 <area>2回 …`.
    Values,
    /// Each value of the `by` field held, with the words of its `detail` choices where they have them:
    /// `<kind> 年8回 <kind>（<status report>） <kind>`.
    Kinds,
    /// The values of the `by` field as a list beside their counts, each indicator its own
    /// values (the choices' `indicator`), and a table with each value beside its count: ⑧⑨.
    List,
    /// The subsidy rule's amounts per course, with grants and applications: ④.
    Subsidy,
}

impl Layout {
    pub const ALL: [Layout; 6] = [
        Layout::Count,
        Layout::Number,
        Layout::Values,
        Layout::Kinds,
        Layout::List,
        Layout::Subsidy,
    ];

    /// The word the catalogue writes (`report = "values"`).
    pub fn key(self) -> &'static str {
        match self {
            Layout::Count => "count",
            Layout::Number => "number",
            Layout::Values => "values",
            Layout::Kinds => "kinds",
            Layout::List => "list",
            Layout::Subsidy => "subsidy",
        }
    }
}

/// A rule of a record type's own, beyond what its fields' kinds check: one Rust function each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// The subsidy lifecycle (`domain::subsidy`): the states of the `status` choice in their
    /// stages, the amount each state takes and the caps of the `course` choice, one grant per
    /// group (`group`) and course, ever.
    Subsidy,
}

impl Rule {
    pub const ALL: [Rule; 1] = [Rule::Subsidy];

    pub fn key(self) -> &'static str {
        match self {
            Rule::Subsidy => "subsidy",
        }
    }
}

/// What a field holds, and so how it is asked, checked and suggested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Words: one line, or several where the field is `multiline`.
    Text,
    /// How many (1 to `validate::MAX_COUNT`): what the record adds to its indicator.
    Count,
    /// Yen, 0 or more; at most the `cap` of the choice beside it (a subsidy course's), which
    /// the type's rule checks.
    Amount,
    /// One of the field's `choices`.
    Choice,
    /// One of the catalogue's areas.
    Area,
    /// One of the districts of the area chosen in the type's `Area` field; typed districts are
    /// compared by name key and suggested from the area's districts.
    District,
    /// A free name (a group): suggested from the names already recorded, compared by name key
    /// (`text::name_key`), stored in the known spelling.
    Name,
    /// The record's date, in every form staff type.
    Date,
}

impl FieldKind {
    pub const ALL: [FieldKind; 8] = [
        FieldKind::Text,
        FieldKind::Count,
        FieldKind::Amount,
        FieldKind::Choice,
        FieldKind::Area,
        FieldKind::District,
        FieldKind::Name,
        FieldKind::Date,
    ];

    /// The word the catalogue writes (`type = "choice"`).
    pub fn key(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Count => "count",
            FieldKind::Amount => "amount",
            FieldKind::Choice => "choice",
            FieldKind::Area => "area",
            FieldKind::District => "district",
            FieldKind::Name => "name",
            FieldKind::Date => "date",
        }
    }
}

/// Where a field's value lives: the record's date, or one of the store's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Date,
    Column(Column),
}

impl Slot {
    /// The option's canonical name (`date`, `district`).
    pub fn key(self) -> &'static str {
        match self {
            Slot::Date => "date",
            Slot::Column(column) => column.key(),
        }
    }

    pub fn column(self) -> Option<Column> {
        match self {
            Slot::Date => None,
            Slot::Column(column) => Some(column),
        }
    }
}

/// One thing a choice field offers, with what it means to the figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChoiceItem {
    pub name: String,
    /// Whether a record with this choice counts toward its indicator (an activity that was
    /// cancelled does not).
    pub counts: bool,
    /// How the annual report writes it, if not as its name.
    pub report: Option<String>,
    /// The indicator a record with this choice counts toward, where the type feeds several.
    pub indicator: Option<u8>,
    /// The largest amount a record with this choice may carry, in yen (a subsidy course's cap).
    pub cap: Option<u64>,
    /// Where this choice sits in the subsidy lifecycle (`Rule::Subsidy`).
    pub stage: Option<Stage>,
}

impl ChoiceItem {
    /// A plain choice: counted, reported as named.
    pub fn plain(name: impl Into<String>) -> Self {
        ChoiceItem {
            name: name.into(),
            counts: true,
            report: None,
            indicator: None,
            cap: None,
            stage: None,
        }
    }

    /// How the annual report writes it.
    pub fn report_name(&self) -> &str {
        self.report.as_deref().unwrap_or(&self.name)
    }
}

/// One field of a record type: one `/report` option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldSpec {
    pub slot: Slot,
    /// `区`: the option's Japanese name.
    pub name: String,
    /// The option's description in Japanese and in English (Discord's default locale).
    pub description: String,
    pub description_en: String,
    pub kind: FieldKind,
    pub required: bool,
    /// The most characters a text may have; `None` for choices and numbers.
    pub max_length: Option<u16>,
    /// Line breaks allowed (a note, a topic).
    pub multiline: bool,
    /// The smallest and largest number (counts and amounts).
    pub min: Option<i64>,
    pub max: Option<i64>,
    /// What a choice field offers, in order.
    pub choices: Vec<ChoiceItem>,
    /// The value when the option is left out (an activity's status: held).
    pub default: Option<String>,
    /// How a refusal names the field's values (`<label>の<name>「…」はありません`).
    pub called: String,
    /// A value `/help` shows (`こもろ子ども食堂`).
    pub example: Option<String>,
    /// The names it had before (`formerly` in the catalogue), newest first: an export written
    /// then named its column so, and `kyodo import` still reads that header.
    pub formerly: Vec<String>,
}

impl FieldSpec {
    /// `区（district）`: how replies name the field.
    pub fn label(&self) -> String {
        format!("{}（{}）", self.name, self.slot.key())
    }

    pub fn column(&self) -> Option<Column> {
        self.slot.column()
    }

    pub fn choice(&self, name: &str) -> Option<&ChoiceItem> {
        self.choices.iter().find(|c| c.name == name)
    }

    pub fn choice_names(&self) -> Vec<String> {
        self.choices.iter().map(|c| c.name.clone()).collect()
    }
}

/// The one description of a record type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordTypeSpec {
    pub record_type: RecordType,
    /// The subcommand's Japanese name.
    pub name: String,
    /// How exports and refusals name the type (its `name` unless given).
    pub label: String,
    /// The labels it had before (`formerly` in the catalogue): `kyodo import` still reads a
    /// 記録の種類 written so by an older export.
    pub formerly: Vec<String>,
    /// The subcommand's description in Japanese and in English.
    pub description: String,
    pub description_en: String,
    /// `/help`'s example: the options after `/report <key>`, then ` — ` and what it is for;
    /// `{area}` and `{district}` stand for the catalogue's first area and its first district.
    pub help: String,
    /// The one-line rendering: `{column}` is the field's value; `[…]` is left out when a value
    /// in it is missing (`{area}地区 {district}区[「{topic}」]`).
    pub line: String,
    /// The rule of its own the type keeps, if any.
    pub rule: Option<Rule>,
    /// The field whose values break the figures down (a meeting's area, an activity's kind).
    pub by: Option<Column>,
    /// The field the figures break down by within a `by` value (an activity's status, a
    /// meeting's district, an article's medium); where it is a choice, its choices say whether
    /// a record counts (`counts`) and how the report writes it (`report`).
    pub detail: Option<Column>,
    /// How the annual report lays its figures out.
    pub layout: Layout,
    /// Reported once a month (a month's count, `monthly = true`): the monthly reminder names
    /// the type while the month has no record of it.
    pub monthly: bool,
    /// The fields, in the order of the command's options (required ones first).
    pub fields: Vec<FieldSpec>,
}

impl RecordTypeSpec {
    pub fn key(&self) -> &'static str {
        self.record_type.key()
    }

    /// The field in `column`, if the type has one.
    pub fn field(&self, column: Column) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.slot == Slot::Column(column))
    }

    /// The field named `name` (canonical or Japanese), date included.
    pub fn field_called(&self, name: &str) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.slot.key() == name || f.name == name)
    }

    /// The fields that hold a column (every field but the date).
    pub fn columns(&self) -> impl Iterator<Item = (Column, &FieldSpec)> {
        self.fields.iter().filter_map(|f| f.column().map(|c| (c, f)))
    }

    /// The field of `kind`, the first if several.
    pub fn field_of_kind(&self, kind: FieldKind) -> Option<&FieldSpec> {
        self.fields.iter().find(|f| f.kind == kind)
    }
}
