//! The store: one SQLite file holding records, their audit trail and the baseline.
//!
//! Opened with WAL, foreign keys, a busy timeout and `synchronous = FULL`, so that a record whose
//! insert has returned survives a power cut or `kill -9`. The schema lives in `migrations/*.sql`
//! and is applied at open by `rusqlite_migration`. Queries are grouped by table: `records.rs`,
//! `audit.rs`, `baseline.rs`, `post_runs.rs` (digests posted exactly once), `backup.rs` (checked
//! copies and the backups taken); `figures.rs` turns them into the domain's `Figures`.
//! `upgrade.rs` writes a snapshot before the migrations change an existing database.

mod audit;
pub mod backup;
mod baseline;
mod figures;
mod post_runs;
pub(crate) mod records;
pub mod upgrade;

pub use audit::{AuditAction, AuditEntry};
pub use baseline::BaselineLoad;
pub use figures::FiguresSource;
pub use post_runs::{PostKind, PostRun, PostStatus};
pub use records::Stored;
pub use upgrade::{UpgradeError, Upgraded};

use rusqlite::Connection;
use rusqlite_migration::{Migrations, M};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::Duration;
use thiserror::Error;

/// The migrations, in order. Append only: a migration that has shipped is never edited.
const MIGRATION_SQL: [&str; 4] = [
    include_str!("../../migrations/0001_init.sql"),
    include_str!("../../migrations/0002_tallies.sql"),
    include_str!("../../migrations/0003_digests.sql"),
    include_str!("../../migrations/0004_backups.sql"),
];

static MIGRATIONS: LazyLock<Migrations<'static>> =
    LazyLock::new(|| Migrations::new(MIGRATION_SQL.iter().map(|sql| M::up(sql)).collect()));

/// How long a writer waits for another connection's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Error)]
pub enum Error {
    #[error("データベース {path} を開けません（{reason}）")]
    Open { path: PathBuf, reason: String },
    #[error("データベース {path} はこの kyodo より新しい版で作られています（スキーマ {found}、この kyodo は {known} まで）。kyodo を更新してください")]
    TooNew { path: PathBuf, found: usize, known: usize },
    #[error("データベース {path} の更新（マイグレーション）に失敗しました（{reason}）")]
    Migrate { path: PathBuf, reason: String },
    #[error("記録 {0} はありません")]
    NoSuchRecord(i64),
    #[error("データベースの読み書きに失敗しました（{0}）")]
    Sqlite(#[from] rusqlite::Error),
    #[error("データベースの内容が読めません（{0}）")]
    Corrupt(String),
    #[error(transparent)]
    Upgrade(#[from] UpgradeError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An open database. Not `Sync`: each thread or task that writes opens its own, or shares one
/// behind a lock; SQLite's busy timeout arbitrates between processes.
pub struct Store {
    conn: Connection,
    upgraded: Option<Upgraded>,
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
        let open_error = |reason: String| Error::Open {
            path: path.to_path_buf(),
            reason,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| open_error(format!("フォルダ {} を作れません: {e}", dir.display())))?;
        }
        if path.is_dir() {
            return Err(open_error("ファイルではなくフォルダです".into()));
        }
        let mut conn = Connection::open(path).map_err(|e| open_error(e.to_string()))?;
        let (found, snapshot) = upgrade::prepare(&conn, path, backups)?;
        configure(&conn).map_err(|e| open_error(e.to_string()))?;
        migrate(&mut conn, path)?;
        let upgraded = snapshot.map(|s| s.upgraded(path, found));
        Ok(Store { conn, upgraded })
    }

    /// The upgrade made when this database was opened, with the snapshot that undoes it.
    pub fn upgraded(&self) -> Option<&Upgraded> {
        self.upgraded.as_ref()
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

fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // Reading a file that is not SQLite fails here, before anything is written.
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(mode, "SQLite could not switch to WAL; continuing in this journal mode");
    }
    // FULL: a commit is on disk (WAL fsynced) before it returns, so an acknowledged record
    // survives a power cut, not only a crash of the process.
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}

fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let found: usize = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(|e| Error::Open {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
    if found > MIGRATION_SQL.len() {
        return Err(Error::TooNew {
            path: path.to_path_buf(),
            found,
            known: MIGRATION_SQL.len(),
        });
    }
    MIGRATIONS.to_latest(conn).map_err(|e| Error::Migrate {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// The current time as stored: RFC 3339 in UTC, to the millisecond.
pub(crate) fn timestamp(at: chrono::DateTime<chrono::Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests;
