//! The subcommands of the `kyodo` command line, one file each, named after it (`kyodo report`
//! → `report.rs`, `kyodo check-config` → `check_config.rs`); each has one `run` that
//! `src/main.rs` calls with the parsed arguments. Here: what they share — the process set-up
//! (logging, SIGXFSZ), the database opened for a command run by hand, files written new, the
//! user's name, and a command's failure turned into the error printed.
//!
//! With `main.rs`, the only user of `anyhow`: every error's whole chain is printed once, in
//! Japanese, by `main`.

pub mod backup;
pub mod check_config;
pub mod commands;
pub mod console;
pub mod digest;
pub mod export;
pub mod health;
pub mod help;
pub mod import;
pub mod remind;
pub mod report;
pub mod restore;
pub mod run;
pub mod totals;
pub mod web;

use clap::ValueEnum;
use kyodo::app::{App, StartError};
use kyodo::commands::{Failure, Roles};
use kyodo::config::Settings;
use kyodo::files::{self, Overwrite};
use std::path::Path;

/// A request of `kyodo <command>` to the command core: whoever runs kyodo on the server can open
/// the database itself, so an admin; it writes no record, so its source names only the command.
pub fn admin_request(
    command: &str,
    invocation: kyodo::commands::Invocation,
    now: chrono::DateTime<chrono::Utc>,
) -> kyodo::commands::Request {
    use kyodo::domain::record::{Actor, Source, SourceKind};
    kyodo::commands::Request {
        user: Actor {
            id: format!("cli:{command}"),
            name: format!("kyodo {command}"),
        },
        roles: Roles {
            staff: true,
            admin: true,
        },
        guild_id: None,
        channel_id: None,
        source: Source {
            kind: SourceKind::Console,
            id: format!("kyodo-{command}"),
            origin: None,
        },
        now,
        // Its refusals and hints name the command line's options (`開始日（--from）`).
        invocation: invocation.worded(kyodo::commands::Wording::CommandLine),
    }
}

/// `--role` of `kyodo console` and `kyodo import`.
#[derive(Clone, Copy, ValueEnum)]
pub enum ConsoleRole {
    Staff,
    Admin,
}

impl ConsoleRole {
    /// Staff always; admin as asked.
    fn roles(self) -> Roles {
        Roles {
            staff: true,
            admin: matches!(self, ConsoleRole::Admin),
        }
    }
}

/// Logging on stderr: `RUST_LOG` sets the level (default `warn`), `KYODO_LOG_FORMAT=json` writes
/// one JSON object per line for a log shipper (default `text`).
pub fn init_logging() -> Result<(), String> {
    let mut filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into());
    // serenity logs an event it cannot read in full at debug level, interaction token included
    // (src/client/dispatch.rs, `Event::Unknown`); the bot logs those itself, without the token.
    if let Ok(quiet) = "serenity::client::dispatch=info".parse() {
        filter = filter.add_directive(quiet);
    }
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match std::env::var("KYODO_LOG_FORMAT").ok().as_deref().map(str::trim) {
        None | Some("" | "text") => builder.init(),
        Some("json") => builder.json().flatten_event(true).with_current_span(false).init(),
        Some(other) => {
            builder.init();
            return Err(format!(
                "環境変数 KYODO_LOG_FORMAT「{other}」は使えません。text（既定）か json を指定してください"
            ));
        }
    }
    Ok(())
}

/// A file-size limit (`ulimit -f`) would kill kyodo with SIGXFSZ in the middle of a file;
/// ignored, the write fails with EFBIG instead, which is reported and cleaned up.
pub fn ignore_file_size_signal() {
    #[cfg(unix)]
    // SAFETY: sets the disposition of one signal to SIG_IGN before any thread is started; no
    // handler code runs.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

/// A closed pipe (`kyodo report | head`) ends kyodo quietly, as it ends other command-line
/// tools, instead of an English 「Broken pipe」 error: the default action of SIGPIPE is put
/// back (Rust ignores it). Not for `kyodo run`, whose output is the log; a socket's writes
/// never raise it (the standard library sends with `MSG_NOSIGNAL`).
pub fn end_quietly_on_closed_pipe() {
    #[cfg(unix)]
    // SAFETY: sets the disposition of one signal to its default before any thread is started;
    // no handler code runs.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// `App::start` for a command run by hand: an upgrade of the database, and the snapshot that
/// undoes it, are said on stderr (the log has them too).
fn start(config_path: &Path, db: &Path, now: chrono::DateTime<chrono::Utc>) -> Result<App, StartError> {
    let settings = kyodo::config::load(config_path)?;
    open(settings, db, now)
}

/// `start` with settings already loaded (each process reads the config once).
fn open(settings: Settings, db: &Path, now: chrono::DateTime<chrono::Utc>) -> Result<App, StartError> {
    let app = App::open(settings, db, now)?;
    if let Some(upgraded) = app.store.upgraded() {
        eprintln!("{upgraded}");
    }
    Ok(app)
}

/// Writes a new file all or nothing; refuses to overwrite one.
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), files::FileError> {
    files::write_atomic(path, bytes, Overwrite::No)
}

/// Where the name a console or an import records came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameFrom {
    /// `--user`.
    Given,
    /// The operating system's user (`$USER`, `$LOGNAME`, or the account of the process).
    System,
}

/// The name a console or an import records: `--user`, else the operating system's user name;
/// refused, saying how to give one, when there is neither (a container without a named user).
fn user_name(given: Option<String>, command: &str) -> anyhow::Result<(String, NameFrom)> {
    let usable = |name: String| Some(name).filter(|n| !kyodo::domain::text::display_name(n).is_empty());
    if let Some(name) = given {
        return usable(name).map(|n| (n, NameFrom::Given)).ok_or_else(|| {
            anyhow::anyhow!(
                "--user の名前が空です。記録の報告者になる名前を書いてください（例: kyodo {command} --user 佐藤）"
            )
        });
    }
    ["USER", "LOGNAME"]
        .into_iter()
        .find_map(|var| std::env::var(var).ok().and_then(usable))
        .or_else(|| account_name().and_then(usable))
        .map(|n| (n, NameFrom::System))
        .ok_or_else(|| {
            anyhow::anyhow!(
                "報告者の名前が分かりません（OS のユーザー名がありません）。--user で名前を指定してください（例: kyodo {command} --user 佐藤）"
            )
        })
}

/// The name of the account the process runs as, from the system's user database.
fn account_name() -> Option<String> {
    #[cfg(unix)]
    {
        // SAFETY: getpwuid returns null or a pointer to a static record that stays valid until
        // the next call; it is read at once, on the main thread, before any other is started.
        unsafe {
            let entry = libc::getpwuid(libc::getuid());
            if entry.is_null() || (*entry).pw_name.is_null() {
                return None;
            }
            std::ffi::CStr::from_ptr((*entry).pw_name)
                .to_str()
                .ok()
                .map(str::to_string)
        }
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// A command that did not succeed, as the error `main` prints: a refusal as it is; an internal
/// error logged, then its message (the store's, in Japanese), never dropped.
fn failure(failure: Failure, command: &str) -> anyhow::Error {
    match failure {
        Failure::User(e) => anyhow::anyhow!("{e}"),
        Failure::Internal(e) => {
            tracing::error!(error = %e, command, "command failed");
            e.into()
        }
    }
}
