//! Copies of the database that are checked before they are trusted.
//!
//! A copy is written with SQLite's `VACUUM INTO` a temporary file beside its target
//! (`files::TempFile`), then opened on its own (read only, `immutable`, so nothing is created
//! beside it) and checked: `PRAGMA integrity_check`, a kyodo database (its tables) of a schema
//! this build knows, and its counts against the live database at the copy's snapshot. Only then
//! is it given its name; a copy that fails leaves no file.
//!
//! `VACUUM INTO` cannot run inside a transaction, so the comparison rests on facts that are
//! append-only: records are never hard-deleted and audit rows never change, so the live database
//! has exactly as many records with an id up to the copy's largest record id, and audit rows up
//! to its largest audit id, as the copy has.
//!
//! Also here: the `backup_runs` table (every backup kyodo takes itself, recorded before and
//! after) and what `kyodo restore` asks of SQLite — checking a file, and settling the database
//! it replaces (checkpointed, its `-wal` and `-shm` gone).

use super::{timestamp, Result, Store};
use crate::files::{FileError, Overwrite, Problem, TempFile};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use thiserror::Error;

/// The tables every kyodo database has had since schema 1.
const KYODO_TABLES: [&str; 3] = ["records", "audit", "baseline"];

/// What the checks of a copy found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checked {
    /// Its schema version (`user_version`).
    pub schema: usize,
    /// Its records, deleted ones included.
    pub records: i64,
    /// Of which deleted (soft).
    pub deleted: i64,
    /// Its audit rows.
    pub audit: i64,
    /// Its largest record id and audit id (0 if none): the copy's snapshot.
    pub last_record: i64,
    pub last_audit: i64,
}

impl fmt::Display for Checked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "整合性検査（integrity_check）ok、スキーマ v{}、記録 {}件（うち削除済み {}件）、変更履歴 {}件",
            self.schema, self.records, self.deleted, self.audit
        )
    }
}

/// Why a file is not a good copy of a kyodo database.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CheckError {
    #[error("{} がありません", path.display())]
    Missing { path: PathBuf },
    #[error("{} はふつうのファイルではありません", path.display())]
    NotAFile { path: PathBuf },
    #[error("{} は SQLite のデータベースではありません", path.display())]
    NotSqlite { path: PathBuf },
    #[error("{} を開けません（読む権限と場所を確かめてください。原因は RUST_LOG=info でログに出ます）", path.display())]
    Unreadable { path: PathBuf },
    #[error("{} は壊れています（整合性検査 integrity_check が問題を見つけました{}）", path.display(), problems.map(|n| format!("。{n}件")).unwrap_or_default())]
    Corrupt { path: PathBuf, problems: Option<usize> },
    #[error("{} は kyodo のデータベースではありません（{missing} の表がありません）", path.display())]
    NotKyodo { path: PathBuf, missing: String },
    #[error("{} はスキーマ v{found} で、この kyodo は v{known} までです。新しい kyodo を使ってください", path.display())]
    TooNew { path: PathBuf, found: usize, known: usize },
    #[error("{} の{what}が元のデータベースと合いません（コピー {copy}、元 {live}）", path.display())]
    Mismatch {
        path: PathBuf,
        what: &'static str,
        copy: i64,
        live: i64,
    },
    #[error("確かめるために元のデータベースを読めませんでした（原因は RUST_LOG=info でログに出ます）")]
    Live,
}

/// Why a checked backup was not written.
#[derive(Debug, Error)]
pub enum BackupError {
    #[error(transparent)]
    File(#[from] FileError),
    #[error("書き出したコピーを確かめたところ、{problem}。コピーは {} に残していません。もう一度実行し、同じならデータベースそのものを確かめてください（kyodo を止めて sqlite3 で PRAGMA integrity_check）", target.display())]
    Check { target: PathBuf, problem: CheckError },
}

/// Opens `path` read only and unchanging: no lock, no `-wal` or `-shm` created beside it, only
/// the file itself read (which is what a copy or a restore of that file holds).
fn open_immutable(path: &Path) -> rusqlite::Result<Connection> {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut uri = String::from("file:");
    for byte in absolute.to_string_lossy().bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => uri.push(byte as char),
            _ => uri.push_str(&format!("%{byte:02X}")),
        }
    }
    uri.push_str("?immutable=1");
    Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
}

/// The check's error for an SQLite failure on `path` (its text logged, not shown).
fn sqlite_problem(path: &Path, error: &rusqlite::Error) -> CheckError {
    tracing::info!(path = %path.display(), %error, "checking a database file failed");
    let path = path.to_path_buf();
    match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase) => CheckError::NotSqlite { path },
        Some(rusqlite::ErrorCode::DatabaseCorrupt) => CheckError::Corrupt { path, problems: None },
        _ => CheckError::Unreadable { path },
    }
}

/// Checks the file at `path` on its own: integrity, a kyodo database, a schema this build
/// knows; and counts what it holds. Errors name `name` (the file as the user knows it).
pub fn inspect_as(path: &Path, name: &Path) -> Result<Checked, CheckError> {
    match std::fs::metadata(path) {
        Err(_) => return Err(CheckError::Missing { path: name.into() }),
        Ok(m) if !m.is_file() => return Err(CheckError::NotAFile { path: name.into() }),
        Ok(_) => {}
    }
    let fail = |e: rusqlite::Error| sqlite_problem(name, &e);
    let conn = open_immutable(path).map_err(fail)?;
    let mut stmt = conn.prepare("PRAGMA integrity_check(100)").map_err(fail)?;
    let findings: Vec<String> = stmt
        .query_map([], |row| row.get(0))
        .and_then(|rows| rows.collect())
        .map_err(fail)?;
    drop(stmt);
    if findings != ["ok"] {
        tracing::warn!(path = %name.display(), ?findings, "integrity_check found problems");
        return Err(CheckError::Corrupt {
            path: name.into(),
            problems: Some(findings.len()),
        });
    }
    let schema: usize = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(fail)?;
    let mut missing = Vec::new();
    for table in KYODO_TABLES {
        let found: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [table],
                |row| row.get(0),
            )
            .map_err(fail)?;
        if found == 0 {
            missing.push(table);
        }
    }
    if schema == 0 || !missing.is_empty() {
        return Err(CheckError::NotKyodo {
            path: name.into(),
            missing: if missing.is_empty() {
                "スキーマの版（user_version）".to_string()
            } else {
                missing.join("・")
            },
        });
    }
    let known = Store::latest_schema_version();
    if schema > known {
        return Err(CheckError::TooNew {
            path: name.into(),
            found: schema,
            known,
        });
    }
    let (records, deleted, last_record): (i64, i64, i64) = conn
        .query_row(
            "SELECT COUNT(*), COUNT(deleted_at), COALESCE(MAX(id), 0) FROM records",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .map_err(fail)?;
    let (audit, last_audit): (i64, i64) = conn
        .query_row("SELECT COUNT(*), COALESCE(MAX(id), 0) FROM audit", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .map_err(fail)?;
    Ok(Checked {
        schema,
        records,
        deleted,
        audit,
        last_record,
        last_audit,
    })
}

/// [`inspect_as`] under the file's own name.
pub fn inspect(path: &Path) -> Result<Checked, CheckError> {
    inspect_as(path, path)
}

/// Compares a copy (checked as `copy`, named `name`) with the live database on `conn`.
fn compare(conn: &Connection, name: &Path, copy: &Checked) -> Result<(), CheckError> {
    let live = |e: rusqlite::Error| {
        tracing::info!(error = %e, "reading the live database to compare a copy failed");
        CheckError::Live
    };
    let schema: usize = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(live)?;
    let (records, audit): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT COUNT(*) FROM records WHERE id <= ?1), (SELECT COUNT(*) FROM audit WHERE id <= ?2)",
            [copy.last_record, copy.last_audit],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .map_err(live)?;
    let mismatch = |what, copy, live| CheckError::Mismatch {
        path: name.into(),
        what,
        copy,
        live,
    };
    if schema != copy.schema {
        return Err(mismatch("スキーマの版", copy.schema as i64, schema as i64));
    }
    if records != copy.records {
        return Err(mismatch("記録の件数", copy.records, records));
    }
    if audit != copy.audit {
        return Err(mismatch("変更履歴の件数", copy.audit, audit));
    }
    Ok(())
}

/// `VACUUM INTO` the temporary file: a consistent copy of the database on `conn`.
fn vacuum_into(conn: &Connection, temp: &mut TempFile, target: &Path) -> Result<(), FileError> {
    temp.close();
    // Absolute, so that SQLite (opened with URI names allowed) never reads it as `file:…`.
    let path = std::path::absolute(temp.path()).map_err(|e| temp.fail(&e))?;
    let Some(path) = path.to_str() else {
        tracing::info!(path = %target.display(), "backup path is not UTF-8");
        return Err(temp.fail_with(Problem::Failed));
    };
    match conn.execute("VACUUM INTO ?1", [path]) {
        Ok(_) => Ok(()),
        Err(e) => {
            tracing::info!(error = %e, "VACUUM INTO failed");
            let os_error = match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::DiskFull) => Some(std::io::Error::from(std::io::ErrorKind::StorageFull)),
                Some(rusqlite::ErrorCode::SystemIoFailure | rusqlite::ErrorCode::CannotOpen) => {
                    // SAFETY: the handle is this open connection's; sqlite3_system_errno only
                    // reads the errno SQLite recorded on it for the call that just failed.
                    let errno = unsafe { rusqlite::ffi::sqlite3_system_errno(conn.handle()) };
                    (errno != 0).then(|| std::io::Error::from_raw_os_error(errno))
                }
                _ => None,
            };
            Err(match os_error {
                Some(os_error) => temp.fail(&os_error),
                None => temp.fail_with(Problem::Failed),
            })
        }
    }
}

/// A checked copy of the database on `conn` at `target` (a new file): written beside it,
/// checked, compared, then named. Nothing is left under `target` if any step fails.
pub(super) fn copy_checked(conn: &Connection, target: &Path) -> Result<Checked, BackupError> {
    let mut temp = TempFile::create(target, Overwrite::No)?;
    vacuum_into(conn, &mut temp, target)?;
    let checked = inspect_as(temp.path(), target).and_then(|c| compare(conn, target, &c).map(|()| c));
    match checked {
        Ok(checked) => {
            temp.commit()?;
            Ok(checked)
        }
        Err(problem) => Err(BackupError::Check {
            target: target.into(),
            problem,
        }),
    }
}

/// Whether a backup kyodo took is being written, was checked, or failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackupStatus {
    /// Being written, or the process stopped while it was.
    Pending,
    /// Written and checked.
    Done,
    Failed,
}

/// One backup kyodo took (the `backup_runs` table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupRun {
    pub id: i64,
    /// `YYYY-MM-DD` for a day's backup, `None` for a file the user named.
    pub day: Option<String>,
    pub file: String,
    pub status: BackupStatus,
    pub attempts: i64,
    pub records: Option<i64>,
    pub audit: Option<i64>,
    pub error: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

const RUN_COLUMNS: &str = "id, day, file, status, attempts, records, audit, error, started_at, finished_at";

fn read_run(row: &rusqlite::Row<'_>) -> rusqlite::Result<BackupRun> {
    let time = |text: Option<String>| {
        text.and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
            .map(|t| t.with_timezone(&Utc))
    };
    let status: String = row.get(3)?;
    Ok(BackupRun {
        id: row.get(0)?,
        day: row.get(1)?,
        file: row.get(2)?,
        status: match status.as_str() {
            "done" => BackupStatus::Done,
            "failed" => BackupStatus::Failed,
            _ => BackupStatus::Pending,
        },
        attempts: row.get(4)?,
        records: row.get(5)?,
        audit: row.get(6)?,
        error: row.get(7)?,
        started_at: time(row.get(8)?),
        finished_at: time(row.get(9)?),
    })
}

impl Store {
    /// Writes a consistent copy of the whole database to `path` (a new file), while the bot
    /// may go on writing: SQLite's `VACUUM INTO` a temporary file beside `path`, which is
    /// fsynced and then given its name (`files::TempFile`); a failure leaves no file.
    pub fn backup_to(&self, path: &Path) -> Result<(), FileError> {
        let mut temp = TempFile::create(path, Overwrite::No)?;
        vacuum_into(&self.conn, &mut temp, path)?;
        temp.commit()
    }

    /// Like [`Store::backup_to`], and the copy is checked (integrity, a kyodo database) and its
    /// counts compared with this database at the copy's snapshot before it gets its name.
    pub fn backup_checked(&self, path: &Path) -> Result<Checked, BackupError> {
        copy_checked(&self.conn, path)
    }

    /// Checks an existing file as a copy of this database (a backup whose run was interrupted
    /// after it was written).
    pub fn check_copy(&self, path: &Path) -> Result<Checked, CheckError> {
        let checked = inspect(path)?;
        compare(&self.conn, path, &checked)?;
        Ok(checked)
    }

    /// A handle that stops a backup under way on this connection from another thread (the
    /// copy then fails and leaves no file).
    pub fn interrupt_handle(&self) -> rusqlite::InterruptHandle {
        self.conn.get_interrupt_handle()
    }

    /// The run of the day's backup `day` (`YYYY-MM-DD`), if there is one.
    pub fn backup_run(&self, day: &str) -> Result<Option<BackupRun>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {RUN_COLUMNS} FROM backup_runs WHERE day = ?1"),
                [day],
                read_run,
            )
            .optional()?)
    }

    /// The last backup that was written and checked.
    pub fn last_good_backup(&self) -> Result<Option<BackupRun>> {
        Ok(self
            .conn
            .query_row(
                &format!(
                    "SELECT {RUN_COLUMNS} FROM backup_runs WHERE status = 'done' ORDER BY finished_at DESC, id DESC LIMIT 1"
                ),
                [],
                read_run,
            )
            .optional()?)
    }

    /// The backup started last, whatever became of it.
    pub fn last_backup(&self) -> Result<Option<BackupRun>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {RUN_COLUMNS} FROM backup_runs ORDER BY started_at DESC, id DESC LIMIT 1"),
                [],
                read_run,
            )
            .optional()?)
    }

    /// Records that a backup to `file` is about to be written (for the day `day`, one more
    /// attempt of it); returns the run's id.
    pub fn begin_backup(&mut self, day: Option<&str>, file: &str, now: DateTime<Utc>) -> Result<i64> {
        let at = timestamp(now);
        Ok(match day {
            Some(day) => self.conn.query_row(
                "INSERT INTO backup_runs (day, file, status, attempts, started_at) VALUES (?1, ?2, 'pending', 1, ?3) \
                 ON CONFLICT (day) WHERE day IS NOT NULL DO UPDATE SET file = excluded.file, status = 'pending', \
                     attempts = attempts + 1, records = NULL, audit = NULL, error = NULL, \
                     started_at = excluded.started_at, finished_at = NULL \
                 RETURNING id",
                params![day, file, at],
                |row| row.get(0),
            )?,
            None => self.conn.query_row(
                "INSERT INTO backup_runs (day, file, status, started_at) VALUES (NULL, ?1, 'pending', ?2) RETURNING id",
                params![file, at],
                |row| row.get(0),
            )?,
        })
    }

    /// Records that the backup `id` was written and checked.
    pub fn finish_backup(&mut self, id: i64, checked: &Checked, now: DateTime<Utc>) -> Result<()> {
        self.conn.execute(
            "UPDATE backup_runs SET status = 'done', records = ?2, audit = ?3, error = NULL, finished_at = ?4 WHERE id = ?1",
            params![id, checked.records, checked.audit, timestamp(now)],
        )?;
        Ok(())
    }

    /// Records that the backup `id` failed, and why.
    pub fn fail_backup(&mut self, id: i64, error: &str, now: DateTime<Utc>) -> Result<()> {
        self.conn.execute(
            "UPDATE backup_runs SET status = 'failed', error = ?2, finished_at = ?3 WHERE id = ?1",
            params![id, error, timestamp(now)],
        )?;
        Ok(())
    }
}

/// The database about to be replaced by `kyodo restore`, after [`settle`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// There is no database there.
    Missing,
    /// Checkpointed into its main file; its `-wal` and `-shm` were removed as SQLite closed it.
    Checkpointed,
    /// SQLite could not read it (the reason one restores); its files are kept as they are.
    Unreadable,
    /// Another connection has it open (a console, a replicator): it cannot be replaced now.
    InUse,
}

/// Prepares the database at `db` to be moved aside: its write-ahead log checkpointed into the
/// main file and truncated, the connection closed (SQLite then removes `-wal` and `-shm`).
/// Never creates a database.
pub fn settle(db: &Path) -> Settled {
    if db.symlink_metadata().is_err() {
        return Settled::Missing;
    }
    let conn =
        match Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX) {
            Ok(conn) => conn,
            Err(e) => {
                tracing::info!(db = %db.display(), error = %e, "the database to be replaced cannot be opened");
                return Settled::Unreadable;
            }
        };
    let _ = conn.busy_timeout(Duration::from_secs(2));
    let checkpoint = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?, row.get::<_, i64>(2)?))
    });
    match checkpoint {
        Ok((0, log, done)) => tracing::info!(log, done, "the database to be replaced is checkpointed"),
        Ok((busy, ..)) => {
            tracing::info!(busy, "the checkpoint was blocked by another connection");
            return Settled::InUse;
        }
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) => return Settled::InUse,
        Err(e) => {
            tracing::info!(db = %db.display(), error = %e, "the database to be replaced cannot be checkpointed");
            return Settled::Unreadable;
        }
    }
    if let Err((_, e)) = conn.close() {
        tracing::info!(error = %e, "closing the database to be replaced failed");
        return Settled::InUse;
    }
    // SQLite removes them when the last connection closes; if they are still there, another
    // connection has the database open.
    let companion = |suffix: &str| {
        let mut name = db.as_os_str().to_os_string();
        name.push(suffix);
        PathBuf::from(name).symlink_metadata().is_ok()
    };
    if companion("-wal") || companion("-shm") {
        return Settled::InUse;
    }
    Settled::Checkpointed
}
