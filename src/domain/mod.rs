//! The domain: pure types and rules — fiscal years and eras, date input, the catalogue from
//! config, the baseline, record types and aggregation into figures; `subsidy` the lifecycle of a
//! group's subsidy records, the one rule every write keeps; `text` is the one
//! normaliser for text from outside; `health` the facts read from a bot's heartbeat;
//! `schedule` when the scheduled posts fall due; `doubles` which records look like one thing
//! reported twice; `remind` what the monthly reminder says is missing.
//!
//! Nothing here does I/O, reads a clock, or knows SQLite or Discord: the store, the commands and
//! the adapters call in, never the other way round.

pub mod baseline;
pub mod calendar;
pub mod catalogue;
pub mod dates;
pub mod digest;
pub mod doubles;
pub mod figures;
pub mod grouping;
pub mod health;
pub mod matrix;
pub mod number;
pub mod pace;
pub mod record;
pub mod record_type;
pub mod remind;
pub mod schedule;
pub mod subsidy;
pub mod text;
pub mod totals;
pub mod validate;

pub use calendar::{date_label, era_date_label, FiscalYear, FiscalYearStart, YearMonth};
pub use catalogue::{Catalogue, Problem};
pub use figures::{Figure, Figures};
pub use record_type::RecordType;
