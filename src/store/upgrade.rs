//! Upgrades that can be undone: before the migrations change an existing database, a checked
//! snapshot of it is written to `kyodo-before-v<N>.sqlite3` in the backup folder (N the schema
//! version it is about to be migrated to). If the snapshot cannot be written, nothing is
//! migrated. A database from a newer kyodo is refused before anything touches it, saying which
//! snapshot to restore to go back.
//!
//! Both checks run on the bare connection, before it is configured (WAL) or migrated.

use super::backup::{copy_checked, BackupError, Checked};
use super::{Result, BUSY_TIMEOUT, MIGRATION_SQL};
use crate::files::{self, FileError};
use rusqlite::Connection;
use std::fmt;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The snapshot's file name before migrating to schema `to`.
pub fn snapshot_name(to: usize) -> String {
    format!("kyodo-before-v{to}.sqlite3")
}

/// Why a database was not opened for an upgrade.
#[derive(Debug, Error)]
pub enum UpgradeError {
    #[error("データベース {} はスキーマ v{found} で、この kyodo は v{known} までです（データベースは変えていません）。新しい kyodo を使うか、新しい kyodo にする前のスナップショット {} を kyodo restore --from で戻してください", path.display(), snapshot.display())]
    TooNew {
        path: PathBuf,
        found: usize,
        known: usize,
        snapshot: PathBuf,
    },
    #[error("データベース {} をスキーマ v{from} から v{to} に更新する前のスナップショット {} を書き出せなかったため、更新していません（データベースは変えていません）: {reason}", path.display(), snapshot.display())]
    Snapshot {
        path: PathBuf,
        from: usize,
        to: usize,
        snapshot: PathBuf,
        reason: String,
    },
}

/// An upgrade that was made, and the snapshot that undoes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upgraded {
    pub database: PathBuf,
    pub from: usize,
    pub to: usize,
    pub snapshot: PathBuf,
    pub checked: Checked,
    /// An earlier snapshot of the same name, kept under this name.
    pub earlier: Option<PathBuf>,
}

impl fmt::Display for Upgraded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "データベース {} をスキーマ v{} から v{} に更新しました。更新の前にスナップショット {} を書き出して確かめてあります（{}）。",
            self.database.display(),
            self.from,
            self.to,
            self.snapshot.display(),
            self.checked
        )?;
        if let Some(earlier) = &self.earlier {
            write!(
                f,
                "前にあった同じ名前のスナップショットは {} に残しました。",
                earlier.display()
            )?;
        }
        write!(
            f,
            "元に戻すときは kyodo を止めて kyodo restore --from {} を実行し、前の版の kyodo を動かしてください",
            self.snapshot.display()
        )
    }
}

/// A snapshot written before an upgrade.
pub(super) struct Snapshot {
    pub(super) path: PathBuf,
    pub(super) checked: Checked,
    pub(super) earlier: Option<PathBuf>,
}

impl Snapshot {
    /// What the upgrade from `from` made, once the migrations succeeded.
    pub(super) fn upgraded(self, database: &Path, from: usize) -> Upgraded {
        let upgraded = Upgraded {
            database: database.to_path_buf(),
            from,
            to: MIGRATION_SQL.len(),
            snapshot: self.path,
            checked: self.checked,
            earlier: self.earlier,
        };
        tracing::info!(
            database = %database.display(),
            from,
            to = upgraded.to,
            snapshot = %upgraded.snapshot.display(),
            "database upgraded; the snapshot written before undoes it (kyodo restore --from)"
        );
        upgraded
    }
}

/// Refuses a database newer than this build, and writes the snapshot if the migrations are
/// about to change an existing one. Returns the version found and the snapshot written.
pub(super) fn prepare(conn: &Connection, path: &Path, folder: &Path) -> Result<(usize, Option<Snapshot>)> {
    let open_error = |e: rusqlite::Error| super::sqlite_open_error(path, e);
    conn.busy_timeout(BUSY_TIMEOUT).map_err(open_error)?;
    // Reading a file that is not SQLite fails here, before anything is written.
    let found: usize = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .map_err(open_error)?;
    let known = MIGRATION_SQL.len();
    if found > known {
        return Err(UpgradeError::TooNew {
            path: path.to_path_buf(),
            found,
            known,
            snapshot: folder.join(snapshot_name(found)),
        }
        .into());
    }
    if found == 0 || found == known {
        return Ok((found, None));
    }
    let snapshot = folder.join(snapshot_name(known));
    let refuse = |reason: String| UpgradeError::Snapshot {
        path: path.to_path_buf(),
        from: found,
        to: known,
        snapshot: snapshot.clone(),
        reason,
    };
    files::ensure_folder(folder, &snapshot).map_err(|e| refuse(e.to_string()))?;
    let earlier = set_aside(&snapshot).map_err(|e| refuse(e.to_string()))?;
    let checked = copy_checked(conn, &snapshot).map_err(|e| match e {
        BackupError::File(e) => refuse(e.to_string()),
        BackupError::Check { problem, .. } => refuse(problem.to_string()),
    })?;
    tracing::info!(
        database = %path.display(),
        from = found,
        to = known,
        snapshot = %snapshot.display(),
        records = checked.records,
        "snapshot written and checked before the upgrade"
    );
    Ok((
        found,
        Some(Snapshot {
            path: snapshot,
            checked,
            earlier,
        }),
    ))
}

/// An earlier snapshot under `snapshot`'s name (an upgrade made before, then undone) is kept
/// under a name with its time (`kyodo-before-v4-20261202T031500Z.sqlite3`), so the name always
/// holds the newest.
fn set_aside(snapshot: &Path) -> Result<Option<PathBuf>, FileError> {
    let Ok(metadata) = snapshot.symlink_metadata() else {
        return Ok(None);
    };
    let taken: chrono::DateTime<chrono::Utc> = metadata.modified().map_or_else(|_| chrono::Utc::now(), Into::into);
    let stem = snapshot
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let folder = snapshot.parent().unwrap_or(Path::new("."));
    let aside = folder.join(format!("{stem}-{}.sqlite3", taken.format("%Y%m%dT%H%M%SZ")));
    files::rename_new(snapshot, &aside)?;
    tracing::info!(from = %snapshot.display(), to = %aside.display(), "an earlier snapshot kept under a new name");
    Ok(Some(aside))
}
