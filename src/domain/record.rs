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
        group: String,
        amount: u64,
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
