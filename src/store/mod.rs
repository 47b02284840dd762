//! The store: one SQLite file holding records, their audit trail and the baseline.
//!
//! Opened with WAL, foreign keys, a busy timeout and `synchronous = FULL`, so that a record whose
//! insert has returned survives a power cut or `kill -9`. Every write transaction begins
//! IMMEDIATE, so that writers in other processes wait for each other under the busy timeout;
//! a wait that times out is `Error::Busy`, a full disk `Error::DiskFull`, both in Japanese. The schema lives in `migrations/*.sql`
//! and is applied at open by `rusqlite_migration`. Queries are grouped by table: `records.rs`,
//! `audit.rs`, `baseline.rs`, `post_runs.rs` (digests and reminders posted exactly once),
//! `remind.rs` (who turned the reminder's mentions off, what the reminder reads), `doubles.rs`
//! (a report stored with the records of its type and day it may double), `backup.rs` (checked
//! copies and the backups taken); `figures.rs` turns them into the domain's `Figures`;
//! `batch.rs` writes an import's new records and edits in one transaction; `lifecycle.rs`
//! checks every write of a subsidy record against its group's records, in the write's transaction;
//! `subsidy_steps.rs` keeps what each subsidy record counts for; `selection.rs` finds a filter's
//! newest records without reading the whole table; `revision.rs` tells whether a result read
//! before still holds.
//! `upgrade.rs` writes a snapshot before the migrations change an existing database.

mod audit;
pub mod backup;
mod baseline;
pub mod batch;
pub mod checkpoint;
mod doubles;
mod figures;
mod health;
mod lifecycle;
mod post_runs;
pub(crate) mod records;
mod remind;
pub mod revision;
mod secret;
mod selection;
mod subsidy_steps;
pub mod tallies;
pub mod upgrade;
pub mod web;

pub use audit::{AuditAction, AuditEntry};
pub use baseline::BaselineLoad;
pub use doubles::{LookAlikes, Reported};
pub use figures::FiguresSource;
pub use health::ReadOnlyError;
pub use post_runs::{PostKind, PostRun, PostStatus};
pub use records::{Order, Stored};
pub use revision::{Remembered, Revision, Watched};
pub use upgrade::{UpgradeError, Upgraded};

use crate::domain::catalogue::{Catalogue, Subsidy};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, ErrorCode, TransactionBehavior};
use rusqlite_migration::{Migrations, M};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;
use tallies::TallyLayout;
use thiserror::Error;

/// The migrations, in order. Append only: a migration that has shipped is never edited.
const MIGRATION_SQL: [&str; 13] = [
    include_str!("../../migrations/0001_init.sql"),
    include_str!("../../migrations/0002_tallies.sql"),
    include_str!("../../migrations/0003_digests.sql"),
    include_str!("../../migrations/0004_backups.sql"),
    include_str!("../../migrations/0005_group_keys.sql"),
    include_str!("../../migrations/0006_record_types.sql"),
    include_str!("../../migrations/0007_fewer_pages.sql"),
    include_str!("../../migrations/0008_reminders.sql"),
    include_str!("../../migrations/0009_import_origin.sql"),
    include_str!("../../migrations/0010_subsidy_steps.sql"),
    include_str!("../../migrations/0011_tally_days.sql"),
    include_str!("../../migrations/0012_web_sessions.sql"),
    include_str!("../../migrations/0013_tally_ids.sql"),
];

/// The migration (0-based) that adds `group_key`, whose existing rows Rust fills in.
const GROUP_KEYS: usize = 4;
/// The migration that rebuilds `records` (0006): run with foreign keys off, checked after.
const RECORDS_REBUILT: usize = 5;

static MIGRATIONS: LazyLock<Migrations<'static>> = LazyLock::new(|| {
    Migrations::new(
        MIGRATION_SQL
            .iter()
            .enumerate()
            .map(|(i, sql)| match i {
                GROUP_KEYS => M::up_with_hook(sql, records::backfill_group_keys),
                RECORDS_REBUILT => M::up(sql).foreign_key_check(),
                _ => M::up(sql),
            })
            .collect(),
    )
});

/// How long a writer waits for another connection's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// What went wrong, in Japanese for the user: no SQLite or library text (that goes to the log,
/// see `From<rusqlite::Error>`).
#[derive(Debug, Error)]
pub enum Error {
    #[error("データベース {path} を開けません（{reason}）")]
    Open { path: PathBuf, reason: String },
    #[error("データベース {path} はこの kyodo より新しい版で作られています（スキーマ {found}、この kyodo は {known} まで）。kyodo を更新してください")]
    TooNew { path: PathBuf, found: usize, known: usize },
    #[error("データベース {path} の更新（マイグレーション）に失敗しました。何も変更していません。詳しくはログを見て、管理者に連絡してください")]
    Migrate { path: PathBuf },
    #[error("記録 {0} はありません")]
    NoSuchRecord(i64),
    /// Another connection held the write lock for the whole busy timeout; nothing was written.
    #[error("ほかの操作がデータベースに書き込んでいるため、{}秒待っても書き込めませんでした。少し待ってからもう一度試してください（記録は変更されていません）", BUSY_TIMEOUT.as_secs())]
    Busy,
    /// SQLITE_FULL: the disk (or the file system's quota) is full; nothing was written.
    #[error("ディスクがいっぱいのため、データベースに書き込めませんでした。ディスクの空きを作ってからもう一度試してください（記録は変更されていません）")]
    DiskFull,
    /// A subsidy record that does not fit its group's lifecycle in the course (a second grant,
    /// an application after the grant …: `domain::subsidy::check`); nothing was written.
    #[error("{}", .0.message)]
    Subsidy(crate::domain::subsidy::Refusal),
    /// Any other SQLite failure; its English text is logged, not shown.
    #[error("データベースの読み書きに失敗しました。何も変更していません。続くときは管理者に連絡してください（詳しくはログにあります）")]
    Sqlite(rusqlite::Error),
    #[error("データベースの内容が読めません（{0}）")]
    Corrupt(String),
    /// The operating system gave no random numbers for a sign-in secret (`web.rs`).
    #[error("乱数を得られなかったため、サインイン用のリンクを作れませんでした。もう一度試してください")]
    NoRandom,
    #[error(transparent)]
    Upgrade(#[from] UpgradeError),
}

impl From<rusqlite::Error> for Error {
    /// Busy and disk full get their own message; the SQLite text goes to the log only.
    fn from(error: rusqlite::Error) -> Self {
        match error.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                // The caller shows the message (`commands::handle` logs it as a warning);
                // SQLite's words add nothing.
                tracing::info!(%error, timeout_s = BUSY_TIMEOUT.as_secs(), "the database stayed locked by another writer");
                Error::Busy
            }
            Some(ErrorCode::DiskFull) => {
                tracing::info!(%error, "the disk is full");
                Error::DiskFull
            }
            _ => {
                tracing::error!(%error, "SQLite failed");
                Error::Sqlite(error)
            }
        }
    }
}

/// A value of the database that cannot be read (or written) as JSON: `what`, in Japanese; the
/// parser's text goes to the log.
pub(crate) fn corrupt_json(what: impl Into<String>, error: &serde_json::Error) -> Error {
    let what = what.into();
    tracing::error!(%error, what, "JSON in the database");
    Error::Corrupt(what)
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An open database. Not `Sync`: each thread or task that writes opens its own, or shares one
/// behind a lock. Every write transaction is `BEGIN IMMEDIATE`: it takes the write lock first,
/// waiting up to `BUSY_TIMEOUT` for another process's (the bot, an admin's console or import),
/// so two writers take turns instead of one failing at once.
pub struct Store {
    conn: Connection,
    /// The catalogue's subsidy states, once `keep_subsidy_lifecycle` is set: every write of a
    /// subsidy record keeps the lifecycle (`domain::subsidy::check`) inside its transaction.
    subsidy: Option<Subsidy>,
    upgraded: Option<Upgraded>,
    /// The layout the running tallies are kept by, once `describe`d: the record list reads
    /// where a period's records are from them (`selection.rs`).
    tallied: Option<tallies::Kept>,
}

impl Store {
    /// Opens (creating if needed, with its folder) and migrates the database at `path`; a
    /// snapshot before an upgrade goes to `backup/` beside it.
    pub fn open(path: &Path) -> Result<Store> {
        Store::open_with(path, &crate::domain::catalogue::backup_folder(None, path))
    }

    /// Opens and migrates the database at `path`; before the migrations change an existing
    /// database, a checked snapshot of it is written in `backups` (`upgrade.rs`).
    pub fn open_with(path: &Path, backups: &Path) -> Result<Store> {
        let open_error = |reason: &str| Error::Open {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|error| {
                tracing::error!(%error, dir = %dir.display(), "creating the database's folder failed");
                open_error(&format!(
                    "フォルダ {} を作れません。パスと権限を確かめてください",
                    dir.display()
                ))
            })?;
        }
        if path.is_dir() {
            return Err(open_error("ファイルではなくフォルダです"));
        }
        let mut conn = Connection::open(path).map_err(|e| sqlite_open_error(path, e))?;
        let (found, snapshot) = upgrade::prepare(&conn, path, backups)?;
        configure(&mut conn).map_err(|e| sqlite_open_error(path, e))?;
        migrate(&mut conn, path)?;
        revision::watch(&conn).map_err(|e| sqlite_open_error(path, e))?;
        let upgraded = snapshot.map(|s| s.upgraded(path, found));
        Ok(Store {
            conn,
            subsidy: None,
            upgraded,
            tallied: None,
        })
    }

    /// The upgrade made when this database was opened, with the snapshot that undoes it.
    pub fn upgraded(&self) -> Option<&Upgraded> {
        self.upgraded.as_ref()
    }

    /// From now on, every insert, edit and delete of a subsidy record keeps the lifecycle of
    /// `subsidy`'s states (one grant per group and course ever, no application after the grant
    /// …), checked in the write's own transaction against the group's records (by name key),
    /// so that two writers cannot both grant; a refusal is `Error::Subsidy`.
    pub fn keep_subsidy_lifecycle(&mut self, subsidy: &Subsidy) {
        self.subsidy = Some(subsidy.clone());
    }

    /// Describes the catalogue's record types to the store: every write keeps the subsidy
    /// lifecycle of the type with that rule (`keep_subsidy_lifecycle`) and what each of its
    /// records counts for (`keep_subsidy_steps`, counted again if the states changed), and the
    /// running tallies count each type by its `by` and `status` fields (`keep_tallies`, which
    /// counts them again if the catalogue changed how).
    pub fn describe(&mut self, catalogue: &Catalogue) -> Result<()> {
        if catalogue
            .record_types
            .iter()
            .any(|t| t.record_type == catalogue.subsidy.record_type)
        {
            self.keep_subsidy_lifecycle(&catalogue.subsidy);
            self.keep_subsidy_steps(&catalogue.subsidy)?;
        }
        self.keep_tallies(&TallyLayout::of(catalogue))?;
        Ok(())
    }

    /// The schema version (`user_version`) of the open database.
    pub fn schema_version(&self) -> Result<usize> {
        Ok(self.conn.query_row("PRAGMA user_version", [], |row| row.get(0))?)
    }

    /// The newest schema version this build knows.
    pub fn latest_schema_version() -> usize {
        MIGRATION_SQL.len()
    }
}

/// A write transaction on `conn`: `BEGIN IMMEDIATE`, which waits for other writers (up to the
/// busy timeout) before anything is read, so the transaction never fails half-way for a lock.
pub(crate) fn write(conn: &mut Connection) -> Result<rusqlite::Transaction<'_>> {
    Ok(conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
}

/// Why SQLite could not open or set up the file at `path`, in Japanese; SQLite's text is logged.
fn sqlite_open_error(path: &Path, error: rusqlite::Error) -> Error {
    let known = match error.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked | ErrorCode::DiskFull) => return error.into(),
        Some(ErrorCode::NotADatabase) => {
            Some("SQLite のデータベースではありません。--db（KYODO_DATABASE）のファイルを確かめてください")
        }
        Some(ErrorCode::CannotOpen) => Some("ファイルを開けません。パスとフォルダの権限を確かめてください"),
        Some(ErrorCode::ReadOnly | ErrorCode::PermissionDenied) => {
            Some("書き込みが許可されていません。ファイルとフォルダの権限を確かめてください")
        }
        _ => None,
    };
    // A known reason says it all: SQLite's words only for whoever asks the log for them.
    if known.is_some() {
        tracing::info!(%error, path = %path.display(), "opening the database failed");
    } else {
        tracing::error!(%error, path = %path.display(), "opening the database failed");
    }
    Error::Open {
        path: path.to_path_buf(),
        reason: known
            .unwrap_or("SQLite が開けませんでした。詳しくはログにあります")
            .into(),
    }
}

/// Pages a connection may hold before a transaction's dirty pages are written out before its
/// commit (`PRAGMA cache_spill`): about 1 MiB, above what a connection caches under the bot's
/// heap limit, so that a report never spills.
const SPILL_PAGES: i64 = 256;

/// Prepared statements a connection keeps (`prepare_cached`): those of every command's path.
const STATEMENTS: usize = 48;

fn configure(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Transactions opened by libraries (rusqlite_migration) take the write lock first too.
    conn.set_transaction_behavior(TransactionBehavior::Immediate);
    // Reading a file that is not SQLite fails here, before anything is written. Switching a
    // new file to WAL needs it to itself for a moment, and SQLite answers BUSY at once, without
    // the busy handler, while another process that opens it at the same time reads it: try
    // again until the busy timeout.
    let started = std::time::Instant::now();
    let mode: String = loop {
        match conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0)) {
            Err(e) if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy) && started.elapsed() < BUSY_TIMEOUT => {
                std::thread::sleep(Duration::from_millis(5));
            }
            result => break result?,
        }
    };
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(mode, "SQLite could not switch to WAL; continuing in this journal mode");
    }
    // FULL: a commit is on disk (WAL fsynced) before it returns, so an acknowledged record
    // survives a power cut, not only a crash of the process.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    // A transaction's dirty pages stay in memory until its commit unless this connection holds
    // more than `SPILL_PAGES`: SQLite otherwise writes one out early whenever the process is
    // over its heap limit (`cli::run`), and writes it again at the commit. With the dashboard's
    // connection beside the bot's that cost every report a fifth WAL frame (5.58 per report,
    // 4.64 without; `benches/interaction.rs`). Large writes (imports, rebuilds) still spill.
    conn.pragma_update(None, "cache_spill", SPILL_PAGES)?;
    // A statement's plan does not depend on the values bound to it (the query planner
    // stability guarantee), so a cached statement is prepared once: SQLite otherwise marks one
    // with `LIMIT ?` stale whenever a value is bound again and compiles it anew at every run —
    // a tenth of a `/totals`. The schema's partial indexes name no bound value, so every plan
    // is the same either way.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    // Every statement a report or a `/totals` runs stays prepared: with rusqlite's default of
    // 16, one `/totals` pushed a report's INSERT out, and preparing it again compiles the
    // triggers it fires — a sixth of a report.
    conn.set_prepared_statement_cache_capacity(STATEMENTS);
    Ok(())
}

fn user_version(conn: &Connection) -> rusqlite::Result<usize> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// Applies the migrations this database lacks, in one immediate transaction. Another process
/// may migrate between our reading of the version and our taking the lock: then our attempt
/// fails, the version has moved, and we start again from it.
fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let latest = MIGRATION_SQL.len();
    let mut found = user_version(conn).map_err(|e| sqlite_open_error(path, e))?;
    loop {
        if found > latest {
            return Err(Error::TooNew {
                path: path.to_path_buf(),
                found,
                known: latest,
            });
        }
        if found == latest {
            return Ok(());
        }
        // Foreign keys off while migrating, as SQLite says for rebuilding a table others point
        // at (0006); the migrations that need it check them before they commit. The pragma
        // does nothing inside a transaction, so it is set around them.
        conn.pragma_update(None, "foreign_keys", false)
            .map_err(|e| sqlite_open_error(path, e))?;
        let migrated = MIGRATIONS.to_latest(conn);
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(|e| sqlite_open_error(path, e))?;
        let error = match migrated {
            Ok(()) => return Ok(()),
            Err(error) => error,
        };
        let now = user_version(conn).map_err(|e| sqlite_open_error(path, e))?;
        if now != found {
            tracing::info!(
                from = found,
                to = now,
                "another process migrated the database meanwhile"
            );
            found = now;
            continue;
        }
        return Err(match error {
            rusqlite_migration::Error::RusqliteError { err, .. }
                if matches!(
                    err.sqlite_error_code(),
                    Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked | ErrorCode::DiskFull)
                ) =>
            {
                err.into()
            }
            error => {
                tracing::error!(%error, path = %path.display(), "migrating the database failed");
                Error::Migrate {
                    path: path.to_path_buf(),
                }
            }
        });
    }
}

/// The column of `records` holding a record's `column`: the column's own name, but `group`, a
/// keyword in SQL, is `group_name`.
fn sql_column(column: crate::domain::record::Column) -> &'static str {
    if column == crate::domain::record::Column::Group {
        "group_name"
    } else {
        column.key()
    }
}

/// The current time as stored: RFC 3339 in UTC, to the millisecond.
pub(crate) fn timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Whether a record from `source` is stored (deleted or not): inserting it again writes nothing.
fn source_stored(conn: &Connection, source: &crate::domain::record::Source) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM records WHERE source = ?1 AND source_id = ?2)",
        rusqlite::params![source.kind.key(), source.id],
        |row| row.get(0),
    )?)
}

#[cfg(test)]
mod checkpoint_tests;
#[cfg(test)]
mod doubles_tests;
#[cfg(test)]
mod pages_tests;
#[cfg(test)]
mod remind_tests;
#[cfg(test)]
mod revision_tests;
#[cfg(test)]
mod selection_tests;
#[cfg(test)]
mod subsidy_steps_tests;
#[cfg(test)]
pub(crate) mod subsidy_tests;
#[cfg(test)]
pub(crate) mod test_support;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod writer_tests;
