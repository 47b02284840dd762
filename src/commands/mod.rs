//! The slash commands, transport-free: a `Request` (who, where, which command with which
//! options) comes in, a `Reply` (`render::reply`, the type below the commands that the
//! adapters render) goes out. The same code serves the console and Discord.
//!
//! `spec.rs` is the command set as data; `invocation.rs` the options as typed; one file per
//! command holds its handler (`report.rs` ↔ `/report`). Every request's invocation is checked
//! against the spec (`invocation::check`), which gives what it runs — a typed `spec::Command`
//! with whether its reply is private — and `handle` dispatches with one `match` on that
//! command, never on a name. Refusals are `UserError`s shown as they are (with the store's
//! subsidy lifecycle refusals); a database that stayed locked by another writer or a full disk
//! is said so (the store's message: try again, nothing changed); anything else is logged and
//! the user reads only 「内部エラーが発生しました」.

mod admin;
pub mod autocomplete;
mod dashboard;
pub mod digest;
mod duplicates;
pub mod help;
mod history;
pub mod import;
pub mod invocation;
mod pace;
pub mod records;
pub mod remind;
mod report;
pub mod spec;
pub mod summary;
mod totals;

pub use invocation::{Invocation, OptionValue, Wording};
pub use spec::Command;

use crate::app::App;
use crate::domain::dates::{parse_date, DateError};
use crate::domain::record::{Actor, Source};
use crate::domain::text;
use crate::domain::validate::UserError;
use crate::render::reply::Reply;
use chrono::{DateTime, NaiveDate, Utc};
use spec::Action;

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
    handle_with(app, &commands, request)
}

/// `handle`, with the command set of the app's catalogue (`spec::command_set`) built once by
/// the caller: the bot and the console, which answer request after request with one catalogue.
pub fn handle_with(app: &mut App, commands: &[spec::CommandSpec], request: &Request) -> Reply {
    let (request, action) = match checked(commands, request) {
        Ok(checked) => checked,
        Err(e) => return Reply::refused(&e),
    };
    let request = &request;
    let hints = Hints {
        commands,
        wording: request.invocation.wording,
    };
    let result = permitted(action.command, request)
        .map_err(Failure::from)
        .and_then(|()| run(app, request, action, &hints));
    match result {
        Ok(reply) => reply,
        Err(Failure::User(e)) => Reply::refused(&e),
        Err(Failure::Internal(e @ (crate::store::Error::Busy | crate::store::Error::DiskFull))) => {
            tracing::warn!(error = %e, command = %request.invocation.command, "command not done: the database could not be written");
            Reply::not_written(e.to_string())
        }
        Err(Failure::Internal(e)) => {
            tracing::error!(error = %e, command = %request.invocation.command, "command failed");
            Reply::internal_error()
        }
    }
}

/// Runs a checked request's command; a done reply is seen as the spec says (`Action::private`).
fn run(app: &mut App, request: &Request, action: Action, hints: &Hints) -> Result<Reply, Failure> {
    let shown = action.visibility();
    match action.command {
        Command::Report { record_type } => report::handle(app, request, record_type, shown, hints),
        // `totals.rs` builds its reply for the channel; who sees it is the spec's.
        Command::Totals => totals::handle(app, request, hints).map(|reply| Reply {
            visibility: shown,
            ..reply
        }),
        Command::SummaryMonth => summary::month(app, request, shown, hints),
        Command::SummaryYear => summary::year(app, request, shown),
        Command::RecordsMine => records::mine(app, request, shown, hints),
        Command::RecordsList => records::list(app, request, shown, hints),
        Command::RecordsEdit => records::edit(app, request, shown, hints),
        Command::RecordsDelete => records::delete(app, request, shown, hints),
        Command::RecordsUndo => records::undo(app, request, shown, hints),
        Command::RecordsExport => records::export(app, request, shown, hints),
        Command::RecordsHistory => history::handle(app, request, shown),
        Command::RecordsDuplicates => duplicates::list(app, request, shown),
        Command::RemindOff => remind::off(app, request, shown),
        Command::RemindOn => remind::on(app, request, shown),
        Command::Help => help::handle(app, request, shown, hints),
        Command::AdminStatus => admin::status(app, request, shown),
        Command::Dashboard => dashboard::link(app, request, shown),
    }
}

/// Who may run `command`: reporting and records (one's own; anyone's for an admin, which each
/// handler decides) need the staff role, and so does `/dashboard` (a sign-in link with the
/// user's roles); `/admin`, `/records list` and `/records duplicates` (everyone's records) the
/// admin role; figures, help and one's own reminder mentions are for everyone in the server.
fn permitted(command: Command, request: &Request) -> Result<(), UserError> {
    match command {
        Command::Report { .. }
        | Command::RecordsMine
        | Command::RecordsEdit
        | Command::RecordsDelete
        | Command::RecordsUndo
        | Command::RecordsExport
        | Command::RecordsHistory
        | Command::Dashboard => require_staff(request),
        Command::AdminStatus | Command::RecordsList | Command::RecordsDuplicates => require_admin(request),
        Command::Totals
        | Command::SummaryMonth
        | Command::SummaryYear
        | Command::Help
        | Command::RemindOff
        | Command::RemindOn => Ok(()),
    }
}

/// `/records export` for `kyodo export`, which writes the file itself: the same request, held
/// to the command spec and the user's roles as `handle` holds it, and the same file the command
/// attaches — returned with its period and count instead of a reply.
pub fn export(app: &App, request: &Request) -> Result<records::Export, Failure> {
    let commands = spec::command_set(&app.settings.catalogue);
    let (request, action) = checked(&commands, request)?;
    permitted(action.command, &request)?;
    let hints = Hints {
        commands: &commands,
        wording: request.invocation.wording,
    };
    match action.command {
        Command::RecordsExport => records::export_file(app, &request, &hints),
        _ => Err(UserError::new("書き出せるのは /records export だけです").into()),
    }
}

/// The request with its invocation checked against the command spec (texts normalised) and
/// what it runs, or the refusal Discord's client would have given.
fn checked(commands: &[spec::CommandSpec], request: &Request) -> Result<(Request, Action), UserError> {
    match invocation::check(commands, &request.invocation) {
        Ok(checked) => Ok((
            Request {
                invocation: checked.invocation,
                ..request.clone()
            },
            checked.action,
        )),
        Err(e) => {
            let command = text::excerpt(&request.invocation.command, 40);
            tracing::info!(%command, refusal = %e, "request refused by the command spec");
            Err(e)
        }
    }
}

/// How a handler writes the commands its reply suggests: with the command set the request was
/// checked against, in the user's wording (`spec::written`).
pub(crate) struct Hints<'a> {
    pub commands: &'a [spec::CommandSpec],
    pub wording: Wording,
}

impl Hints<'_> {
    /// `command` with `options` as the user would type it: `/records undo id:12`,
    /// `/記録 取り消し 番号:12`, `kyodo export --format csv`.
    pub(crate) fn command(&self, command: Command, options: &[(&str, &str)]) -> String {
        spec::written(self.commands, command, options, self.wording)
    }
}

/// A day of a period to list or export, read as `/report` reads a date; a day still to come is
/// refused as one (no record has it yet), not as a report's date.
pub(crate) fn period_day(text: &str, today: NaiveDate, label: &str) -> Result<NaiveDate, UserError> {
    parse_date(text, today).map_err(|e| match e {
        DateError::Future { date, today } => UserError::field(
            label,
            format!("{date}はまだ来ていません。今日（{today}）までの日付にしてください（省くと今日まで）"),
        ),
        e => UserError::field(label, e.to_string()),
    })
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
        Err(UserError::new(
            "このコマンドを使えるのは管理者だけです（Discord では管理者のロールが、コンソールでは --role admin が要ります）",
        ))
    }
}

/// Refuses unless the user has the staff (or admin) role.
pub(crate) fn require_staff(request: &Request) -> Result<(), UserError> {
    if request.roles.staff || request.roles.admin {
        Ok(())
    } else {
        Err(UserError::new(
            "このコマンドを使えるのは職員だけです（Discord では職員のロールが要ります）。ロールが必要なときは管理者に連絡してください",
        ))
    }
}
