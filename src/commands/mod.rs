//! The slash commands, transport-free: a `Request` (who, where, which command with which
//! options) comes in, a `Reply` goes out. The same code serves the console and Discord.
//!
//! `spec.rs` is the command set as data; `invocation.rs` the options as typed; one file per
//! command holds its handler (`report.rs` ↔ `/report`); `handle` dispatches with one `match`.
//! Every request's invocation is checked against the spec (`invocation::check`) before it is
//! dispatched. Refusals are `UserError`s shown as they are (with the store's subsidy lifecycle
//! refusals); a database that stayed locked by
//! another writer or a full disk is said so (the store's message: try again, nothing changed);
//! anything else is logged and the user reads only 「内部エラーが発生しました」.

mod admin;
pub mod autocomplete;
pub mod digest;
mod help;
mod history;
pub mod import;
pub mod invocation;
mod records;
mod report;
pub mod spec;
pub mod summary;
mod totals;

pub use invocation::{Invocation, OptionValue};

use crate::app::App;
use crate::domain::record::{Actor, Source};
use crate::domain::text;
use crate::domain::validate::UserError;
use chrono::{DateTime, NaiveDate, Utc};

/// What the user may do, as the adapter found it (Discord roles, or the console's `--role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Roles {
    /// May report and manage their own records.
    pub staff: bool,
    /// May edit and delete anyone's records, and use `/admin`.
    pub admin: bool,
}

/// One command, as typed or clicked.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub user: Actor,
    pub roles: Roles,
    pub guild_id: Option<String>,
    pub channel_id: Option<String>,
    /// Where the request came from; the id of a report's record.
    pub source: Source,
    /// When the request arrived.
    pub now: DateTime<Utc>,
    pub invocation: Invocation,
}

/// Who sees a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Everyone in the channel: reports and totals.
    Public,
    /// Only the user: refusals and personal lists.
    Ephemeral,
}

/// How the request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Refused: bad input or no permission. Nothing was changed.
    Refused,
    /// Something went wrong inside; logged, nothing was changed.
    Failed,
}

/// A block of a reply: an optional heading and its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub heading: Option<String>,
    pub lines: Vec<String>,
}

impl Section {
    pub fn new(heading: impl Into<String>, lines: Vec<String>) -> Self {
        Section {
            heading: Some(heading.into()),
            lines,
        }
    }

    pub fn lines(lines: Vec<String>) -> Self {
        Section { heading: None, lines }
    }
}

/// A file that goes with a reply: a chart, a CSV or XLSX export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What the user reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub visibility: Visibility,
    pub outcome: Outcome,
    pub title: String,
    pub sections: Vec<Section>,
    /// The record a report created, for the undo button (Discord) or the undo line (console).
    pub undo: Option<i64>,
    /// Files sent with the reply (Discord) or saved beside it (console).
    pub files: Vec<Attachment>,
}

impl Reply {
    pub fn done(visibility: Visibility, title: impl Into<String>, sections: Vec<Section>) -> Self {
        Reply {
            visibility,
            outcome: Outcome::Done,
            title: title.into(),
            sections,
            undo: None,
            files: Vec::new(),
        }
    }

    pub fn refused(error: &UserError) -> Self {
        Reply {
            visibility: Visibility::Ephemeral,
            outcome: Outcome::Refused,
            title: error.to_string(),
            sections: Vec::new(),
            undo: None,
            files: Vec::new(),
        }
    }

    /// The database could not be written for now (another writer kept it locked, or the disk
    /// is full): the store's message, which says what to do; nothing was changed.
    pub fn not_written(error: &crate::store::Error) -> Self {
        Reply {
            visibility: Visibility::Ephemeral,
            outcome: Outcome::Failed,
            title: error.to_string(),
            sections: Vec::new(),
            undo: None,
            files: Vec::new(),
        }
    }

    pub fn internal_error() -> Self {
        Reply {
            visibility: Visibility::Ephemeral,
            outcome: Outcome::Failed,
            title:
                "内部エラーが発生しました。記録は変更されていません。もう一度試し、続くときは管理者に連絡してください"
                    .into(),
            sections: Vec::new(),
            undo: None,
            files: Vec::new(),
        }
    }
}

/// Why a handler did not succeed.
#[derive(Debug)]
pub enum Failure {
    User(UserError),
    Internal(crate::store::Error),
}

impl From<UserError> for Failure {
    fn from(e: UserError) -> Self {
        Failure::User(e)
    }
}

impl From<crate::store::Error> for Failure {
    /// A rule the store keeps in its transaction (the subsidy lifecycle: one grant per group
    /// and course …) is the user's refusal; anything else is the store's failure.
    fn from(e: crate::store::Error) -> Self {
        match e {
            crate::store::Error::Subsidy(refusal) => Failure::User(match refusal.field {
                Some(field) => UserError::field(field, refusal.message),
                None => UserError::new(refusal.message),
            }),
            e => Failure::Internal(e),
        }
    }
}

/// Runs one request. Its invocation is checked against the command spec first, whichever
/// adapter built it: a request Discord's client would not have sent is refused and changes nothing.
pub fn handle(app: &mut App, request: &Request) -> Reply {
    let commands = spec::command_set(&app.settings.catalogue);
    let request = &match invocation::check(&commands, &request.invocation) {
        Ok(invocation) => Request {
            invocation,
            ..request.clone()
        },
        Err(e) => {
            let command = text::excerpt(&request.invocation.command, 40);
            tracing::info!(%command, refusal = %e, "request refused by the command spec");
            return Reply::refused(&e);
        }
    };
    let result = match request.invocation.command.as_str() {
        "report" => report::handle(app, request),
        "totals" => totals::handle(app, request),
        "summary" => summary::handle(app, request),
        "records" => records::handle(app, request),
        "help" => Ok(help::handle(app)),
        "admin" => admin::handle(app, request),
        other => Err(Failure::User(UserError::new(format!(
            "「/{other}」というコマンドはありません。/help で使えるコマンドを確かめてください"
        )))),
    };
    match result {
        Ok(reply) => reply,
        Err(Failure::User(e)) => Reply::refused(&e),
        Err(Failure::Internal(e @ (crate::store::Error::Busy | crate::store::Error::DiskFull))) => {
            tracing::warn!(error = %e, command = %request.invocation.command, "command not done: the database could not be written");
            Reply::not_written(&e)
        }
        Err(Failure::Internal(e)) => {
            tracing::error!(error = %e, command = %request.invocation.command, "command failed");
            Reply::internal_error()
        }
    }
}

/// Today in the city's time zone, for a request.
pub(crate) fn today(app: &App, request: &Request) -> NaiveDate {
    app.today(request.now)
}

/// Refuses unless the user has the admin role.
pub(crate) fn require_admin(request: &Request) -> Result<(), UserError> {
    if request.roles.admin {
        Ok(())
    } else {
        Err(UserError::new("このコマンドは管理者（管理者のロール）だけが使えます"))
    }
}

/// Refuses unless the user has the staff (or admin) role.
pub(crate) fn require_staff(request: &Request) -> Result<(), UserError> {
    if request.roles.staff || request.roles.admin {
        Ok(())
    } else {
        Err(UserError::new(
            "このコマンドは職員（スタッフのロール）だけが使えます。ロールが必要なときは管理者に連絡してください",
        ))
    }
}
