//! A record: one thing that happened (a meeting, a number of consultations, a grant …), who
//! reported it and from where. `Facts` holds what differs per record type.

use super::record_type::RecordType;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What happened, per record type. Names (kinds, areas, courses …) are the catalogue's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Facts {
    Council {
        kind: String,
        status: String,
        note: Option<String>,
    },
    Meeting {
        area: String,
        district: String,
        topic: Option<String>,
    },
    Consultation {
        count: u32,
        side: Option<String>,
        note: Option<String>,
    },
    Match {
        count: u32,
        note: Option<String>,
    },
    Subsidy {
        course: String,
        /// The group's name as typed (compared by `text::name_key`).
        group: String,
        /// Yen: required for a grant, optional for an application, none for the other states.
        amount: Option<u64>,
        status: String,
    },
    Participation {
        method: String,
        project: String,
        department: Option<String>,
    },
    Collab {
        title: String,
    },
    Info {
        title: String,
    },
    Publicity {
        kind: String,
        medium: Option<String>,
        title: Option<String>,
    },
}

impl Facts {
    pub fn record_type(&self) -> RecordType {
        match self {
            Facts::Council { .. } => RecordType::Council,
            Facts::Meeting { .. } => RecordType::Meeting,
            Facts::Consultation { .. } => RecordType::Consultation,
            Facts::Match { .. } => RecordType::Match,
            Facts::Subsidy { .. } => RecordType::Subsidy,
            Facts::Participation { .. } => RecordType::Participation,
            Facts::Collab { .. } => RecordType::Collab,
            Facts::Info { .. } => RecordType::Info,
            Facts::Publicity { .. } => RecordType::Publicity,
        }
    }

    /// How much the record adds to its indicator: its count for consultations and matchings, 1 otherwise.
    pub fn count(&self) -> u32 {
        match self {
            Facts::Consultation { count, .. } | Facts::Match { count, .. } => *count,
            _ => 1,
        }
    }
}

/// The facts of any record type as one flat set of optional fields: how the store's columns
/// and the export's columns see a record. `None` where the type has no such field.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Dimensions {
    pub kind: Option<String>,
    pub status: Option<String>,
    pub area: Option<String>,
    pub district: Option<String>,
    pub side: Option<String>,
    pub course: Option<String>,
    pub group: Option<String>,
    pub amount: Option<u64>,
    /// For consultations and matchings only.
    pub count: Option<u32>,
    pub method: Option<String>,
    pub project: Option<String>,
    pub department: Option<String>,
    pub medium: Option<String>,
    pub title: Option<String>,
    pub topic: Option<String>,
    pub note: Option<String>,
}

/// One of a record's flat fields, as text or as a number; `None` where the type has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    Text(Option<String>),
    Number(Option<u64>),
}

impl Dimensions {
    /// The names of the fields, in the order of `into_fields`.
    pub const NAMES: [&'static str; 16] = [
        "kind",
        "status",
        "area",
        "district",
        "side",
        "course",
        "group",
        "amount",
        "count",
        "method",
        "project",
        "department",
        "medium",
        "title",
        "topic",
        "note",
    ];

    /// The fields in the order of `NAMES`: how the store and the exports lay a record out.
    pub fn into_fields(self) -> [Field; 16] {
        [
            Field::Text(self.kind),
            Field::Text(self.status),
            Field::Text(self.area),
            Field::Text(self.district),
            Field::Text(self.side),
            Field::Text(self.course),
            Field::Text(self.group),
            Field::Number(self.amount),
            Field::Number(self.count.map(u64::from)),
            Field::Text(self.method),
            Field::Text(self.project),
            Field::Text(self.department),
            Field::Text(self.medium),
            Field::Text(self.title),
            Field::Text(self.topic),
            Field::Text(self.note),
        ]
    }
}

impl Facts {
    /// The facts as flat fields.
    pub fn dimensions(&self) -> Dimensions {
        let d = Dimensions::default();
        match self.clone() {
            Facts::Council { kind, status, note } => Dimensions {
                kind: Some(kind),
                status: Some(status),
                note,
                ..d
            },
            Facts::Meeting { area, district, topic } => Dimensions {
                area: Some(area),
                district: Some(district),
                topic,
                ..d
            },
            Facts::Consultation { count, side, note } => Dimensions {
                count: Some(count),
                side,
                note,
                ..d
            },
            Facts::Match { count, note } => Dimensions {
                count: Some(count),
                note,
                ..d
            },
            Facts::Subsidy {
                course,
                group,
                amount,
                status,
            } => Dimensions {
                course: Some(course),
                group: Some(group),
                amount,
                status: Some(status),
                ..d
            },
            Facts::Participation {
                method,
                project,
                department,
            } => Dimensions {
                method: Some(method),
                project: Some(project),
                department,
                ..d
            },
            Facts::Collab { title } | Facts::Info { title } => Dimensions {
                title: Some(title),
                ..d
            },
            Facts::Publicity { kind, medium, title } => Dimensions {
                kind: Some(kind),
                medium,
                title,
                ..d
            },
        }
    }

    /// The facts of a record of `record_type` from flat fields; `None` if one it needs is missing.
    pub fn from_dimensions(record_type: RecordType, d: Dimensions) -> Option<Facts> {
        Some(match record_type {
            RecordType::Council => Facts::Council {
                kind: d.kind?,
                status: d.status?,
                note: d.note,
            },
            RecordType::Meeting => Facts::Meeting {
                area: d.area?,
                district: d.district?,
                topic: d.topic,
            },
            RecordType::Consultation => Facts::Consultation {
                count: d.count?,
                side: d.side,
                note: d.note,
            },
            RecordType::Match => Facts::Match {
                count: d.count?,
                note: d.note,
            },
            RecordType::Subsidy => Facts::Subsidy {
                course: d.course?,
                group: d.group?,
                amount: d.amount,
                status: d.status?,
            },
            RecordType::Participation => Facts::Participation {
                method: d.method?,
                project: d.project?,
                department: d.department,
            },
            RecordType::Collab => Facts::Collab { title: d.title? },
            RecordType::Info => Facts::Info { title: d.title? },
            RecordType::Publicity => Facts::Publicity {
                kind: d.kind?,
                medium: d.medium,
                title: d.title,
            },
        })
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
}

/// A record about to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    pub date: NaiveDate,
    pub facts: Facts,
    pub reporter: Actor,
    pub source: Source,
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
