//! The kinds of record staff can report: one per `/report` subcommand.
//!
//! The code knows the *shape* of each kind (a meeting has an area and a district, a subsidy a
//! course and an amount); the names of indicators, areas, districts and kinds come from the
//! catalogue (`catalogue.rs`). The key is the canonical subcommand name and the database value.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecordType {
    /// ① one 区長会 activity.
    Council,
    /// ② one meeting of a liaison officer with a district.
    Meeting,
    /// ③ a number of consultations at ぼらせんこもろ.
    Consultation,
    /// ③ a number of matchings at ぼらせんこもろ.
    Match,
    /// ④ one subsidy application, grant or withdrawal.
    Subsidy,
    /// ⑤ one occasion where citizens' opinions were asked.
    Participation,
    /// ⑥ one joint occasion of the district council and civic groups.
    Collab,
    /// ⑦ one information-sharing occasion.
    Info,
    /// ⑧/⑨ one publicity item; its kind decides the indicator.
    Publicity,
}

impl RecordType {
    pub const ALL: [RecordType; 9] = [
        RecordType::Council,
        RecordType::Meeting,
        RecordType::Consultation,
        RecordType::Match,
        RecordType::Subsidy,
        RecordType::Participation,
        RecordType::Collab,
        RecordType::Info,
        RecordType::Publicity,
    ];

    pub fn key(self) -> &'static str {
        match self {
            RecordType::Council => "council",
            RecordType::Meeting => "meeting",
            RecordType::Consultation => "consultation",
            RecordType::Match => "match",
            RecordType::Subsidy => "subsidy",
            RecordType::Participation => "participation",
            RecordType::Collab => "collab",
            RecordType::Info => "info",
            RecordType::Publicity => "publicity",
        }
    }
}

impl fmt::Display for RecordType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

impl FromStr for RecordType {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        RecordType::ALL.into_iter().find(|t| t.key() == s).ok_or(())
    }
}
