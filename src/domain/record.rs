//! A record: one thing that happened (a meeting, a number of consultations, a grant …), who
//! reported it and from where (`Source`; an import's file and row, `Origin`). `Facts` holds
//! what differs per record type: its values, each in one of the store's columns (`Column`), as
//! the type's description (`record_type.rs`) lays them out.

use super::record_type::RecordType;
use chrono::NaiveDate;
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;

/// The store's columns for a record's facts: a fixed set of generic slots that every record
/// type's fields are laid into (a meeting's area in `Area`, a new type's medium in `Medium`).
/// Fixed, so that a record type added in the catalogue needs no migration; the export's columns
/// are these, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Column {
    Kind,
    Status,
    Area,
    District,
    Side,
    Course,
    Group,
    Amount,
    Count,
    Method,
    Project,
    Department,
    Medium,
    Title,
    Topic,
    Note,
}

impl Column {
    pub const ALL: [Column; 16] = [
        Column::Kind,
        Column::Status,
        Column::Area,
        Column::District,
        Column::Side,
        Column::Course,
        Column::Group,
        Column::Amount,
        Column::Count,
        Column::Method,
        Column::Project,
        Column::Department,
        Column::Medium,
        Column::Title,
        Column::Topic,
        Column::Note,
    ];

    /// The column's name: the option's canonical name and the catalogue's `column = "…"`.
    pub fn key(self) -> &'static str {
        match self {
            Column::Kind => "kind",
            Column::Status => "status",
            Column::Area => "area",
            Column::District => "district",
            Column::Side => "side",
            Column::Course => "course",
            Column::Group => "group",
            Column::Amount => "amount",
            Column::Count => "count",
            Column::Method => "method",
            Column::Project => "project",
            Column::Department => "department",
            Column::Medium => "medium",
            Column::Title => "title",
            Column::Topic => "topic",
            Column::Note => "note",
        }
    }

    pub fn parse(key: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.key() == key)
    }

    /// Whether the column holds a whole number (an amount, a count) rather than text.
    pub fn is_number(self) -> bool {
        matches!(self, Column::Amount | Column::Count)
    }
}

/// One value of a record's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Number(u64),
}

impl Value {
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            Value::Number(_) => None,
        }
    }

    pub fn as_number(&self) -> Option<u64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::Text(_) => None,
        }
    }
}

impl From<&str> for Value {
    fn from(text: &str) -> Self {
        Value::Text(text.to_string())
    }
}

impl From<String> for Value {
    fn from(text: String) -> Self {
        Value::Text(text)
    }
}

impl From<u64> for Value {
    fn from(n: u64) -> Self {
        Value::Number(n)
    }
}

/// A record's values by column; none where it has none.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Values(BTreeMap<Column, Value>);

impl Values {
    pub fn get(&self, column: Column) -> Option<&Value> {
        self.0.get(&column)
    }

    pub fn text(&self, column: Column) -> Option<&str> {
        self.get(column).and_then(Value::as_text)
    }

    pub fn number(&self, column: Column) -> Option<u64> {
        self.get(column).and_then(Value::as_number)
    }

    pub fn set(&mut self, column: Column, value: Option<Value>) {
        match value {
            Some(value) => self.0.insert(column, value),
            None => self.0.remove(&column),
        };
    }

    /// With `column` set to `value` (for building facts in code and tests).
    pub fn with(mut self, column: Column, value: Value) -> Self {
        self.set(column, Some(value));
        self
    }

    /// Every column with its value, in the order of `Column::ALL`.
    pub fn all(&self) -> impl Iterator<Item = (Column, Option<&Value>)> {
        Column::ALL.into_iter().map(|c| (c, self.get(c)))
    }

    /// The columns that have a value, in the order of `Column::ALL`.
    pub fn present(&self) -> impl Iterator<Item = (Column, &Value)> {
        self.0.iter().map(|(c, v)| (*c, v))
    }
}

/// What happened: the record type and its values. Names (kinds, areas, courses …) are the
/// catalogue's. Every record has a count, as the store's `count` column does: its `count`
/// field's value, or 1 for a type that counts one by one (which the type's description leaves
/// out of every form, export and reply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub record_type: RecordType,
    pub values: Values,
}

impl Facts {
    /// No values yet, the count 1.
    pub fn new(record_type: RecordType) -> Self {
        Facts {
            record_type,
            values: Values::default().with(Column::Count, Value::Number(1)),
        }
    }

    /// With a text value (for building facts in code and tests).
    pub fn text_of(mut self, column: Column, text: &str) -> Self {
        self.values.set(column, Some(Value::Text(text.to_string())));
        self
    }

    /// With `value` in `column`, or none there.
    pub fn maybe<V: Into<Value>>(mut self, column: Column, value: Option<V>) -> Self {
        self.values.set(column, value.map(Into::into));
        self
    }

    /// With a number value (for building facts in code and tests).
    pub fn number_of(mut self, column: Column, n: u64) -> Self {
        self.values.set(column, Some(Value::Number(n)));
        self
    }

    pub fn record_type(&self) -> RecordType {
        self.record_type
    }

    pub fn text(&self, column: Column) -> Option<&str> {
        self.values.text(column)
    }

    pub fn number(&self, column: Column) -> Option<u64> {
        self.values.number(column)
    }

    /// How much the record adds to its indicator: its count where it has one, 1 otherwise.
    pub fn count(&self) -> u32 {
        counted(self.number(Column::Count))
    }
}

/// What a record whose count column holds `count` adds to its indicator (`Facts::count`): the
/// count, 1 where there is none.
pub fn counted(count: Option<u64>) -> u32 {
    count.map_or(1, |n| u32::try_from(n).unwrap_or(u32::MAX))
}

/// `{"type": "<key>", "area": "<area>", …}`: the audit trail's JSON, the columns that have a
/// value — the count only where it is not 1, the count of every record that has none of its own.
impl Serialize for Facts {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let present: Vec<(Column, &Value)> = self
            .values
            .present()
            .filter(|(column, value)| !(*column == Column::Count && **value == Value::Number(1)))
            .collect();
        let mut map = s.serialize_map(Some(present.len() + 1))?;
        map.serialize_entry("type", &self.record_type)?;
        for (column, value) in present {
            match value {
                Value::Text(t) => map.serialize_entry(column.key(), t)?,
                Value::Number(n) => map.serialize_entry(column.key(), n)?,
            }
        }
        map.end()
    }
}

/// Reads what `Serialize` writes, and the audit JSON of earlier versions (`null` for a missing
/// value); keys that are not columns are skipped.
impl<'de> Deserialize<'de> for Facts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct FactsVisitor;

        impl<'de> Visitor<'de> for FactsVisitor {
            type Value = Facts;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a record's facts")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Facts, A::Error> {
                #[derive(Deserialize)]
                #[serde(untagged)]
                enum Raw {
                    Number(u64),
                    Text(String),
                    Other(serde::de::IgnoredAny),
                }
                let mut record_type = None;
                let mut values = Values::default().with(Column::Count, Value::Number(1));
                while let Some(key) = map.next_key::<String>()? {
                    if key == "type" {
                        record_type = Some(map.next_value::<RecordType>()?);
                        continue;
                    }
                    let raw = map.next_value::<Raw>()?;
                    if let Some(column) = Column::parse(&key) {
                        match raw {
                            Raw::Number(n) => values.set(column, Some(Value::Number(n))),
                            Raw::Text(t) => values.set(column, Some(Value::Text(t))),
                            Raw::Other(_) => {}
                        }
                    }
                }
                let record_type = record_type.ok_or_else(|| de::Error::missing_field("type"))?;
                Ok(Facts { record_type, values })
            }
        }

        d.deserialize_map(FactsVisitor)
    }
}

/// A person who reports or changes records: a Discord user, or the console's user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub id: String,
    pub name: String,
}

/// Where a record came from; with `Source::id` it makes the record's idempotency key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// A Discord interaction; the id is the interaction's snowflake.
    Discord,
    /// A line typed or piped into `kyodo console`.
    Console,
    /// A row of an imported file.
    Import,
}

impl SourceKind {
    pub fn key(self) -> &'static str {
        match self {
            SourceKind::Discord => "discord",
            SourceKind::Console => "console",
            SourceKind::Import => "import",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub kind: SourceKind,
    pub id: String,
    /// Where in its file an imported record was read, to show (the export's 登録元); never part
    /// of the key, so the same row read again from another file or row is the same record.
    /// `None` for Discord and the console, and for imports stored before schema v9.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

/// An imported record's file and row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Origin {
    /// The file's name, without its folder, as `text::file_name` keeps it.
    pub file: String,
    /// The row as the spreadsheet numbers it (the header is row 1).
    pub row: usize,
}

/// A record about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    pub date: NaiveDate,
    pub facts: Facts,
    pub reporter: Actor,
    pub source: Source,
}

/// Which live records a list shows (`/records mine`, `/records list`): every condition given
/// holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordFilter {
    /// Reported by this user.
    pub reporter_id: Option<String>,
    /// Reported by someone whose name has this in it.
    pub reporter_name: Option<String>,
    /// Dated on or after, on or before.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub record_type: Option<RecordType>,
    /// This value in these columns (an area, a district).
    pub values: Vec<(Column, String)>,
}

/// A stored record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub id: i64,
    pub date: NaiveDate,
    pub facts: Facts,
    pub reporter: Actor,
    pub source: Source,
    /// When it was stored, RFC 3339 in UTC.
    pub created_at: String,
    /// When it was deleted (soft delete), RFC 3339 in UTC.
    pub deleted_at: Option<String>,
}
