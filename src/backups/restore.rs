//! `kyodo restore --from FILE`: puts a checked backup in place of the database.
//!
//! In order, and stopping at the first refusal with the database unchanged: the file is checked
//! (integrity, a kyodo database, a schema this build knows); the bot's lock is taken (refused
//! while `kyodo run` holds it); the file is copied to a temporary file beside the database,
//! fsynced and checked again; the database is kept under a second name
//! (`kyodo.sqlite3.before-restore-<time>`, with its `-wal`, `-shm` or `-journal`), checkpointed
//! and closed (refused while another program has it open), and its companions removed so they
//! cannot be applied to the restored file; then the copy is renamed over the database — the name
//! always holds a whole database. The restored file is not migrated: the next start does that,
//! with its snapshot first.

use super::lock::{LockError, RunLock};
use crate::files::{FileError, Overwrite, TempFile};
use crate::store::backup::{inspect, inspect_as, settle, CheckError, Checked, Settled};
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The files SQLite may keep beside a database.
const COMPANIONS: [&str; 3] = ["-wal", "-shm", "-journal"];

/// A restore that was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    pub checked: Checked,
    /// Where the database it replaced is kept (`None` if there was none).
    pub kept: Option<PathBuf>,
}

#[derive(Debug, Error)]
pub enum RestoreError {
    #[error("{problem}。戻していません（データベース {} は変えていません）", db.display())]
    Check { db: PathBuf, problem: CheckError },
    #[error("kyodo run（ボット）が動いているため、データベース {} を戻せません（{} をボットがロックしています）。ボットを止めてから（Docker では docker stop kyodo、docker compose では docker compose stop、端末で動かしているなら Ctrl-C）もう一度実行してください。データベースは変えていません", db.display(), lock.display())]
    BotRunning { db: PathBuf, lock: PathBuf },
    #[error("{0}。データベースは変えていません")]
    Lock(LockError),
    #[error("データベース {} をほかのプログラム（kyodo console や litestream など）が開いているため戻せません。それらを終了してから（docker compose では docker compose stop）もう一度実行してください。データベースは変えていません", db.display())]
    InUse { db: PathBuf },
    #[error("{0}。データベースは変えていません")]
    Copy(FileError),
    #[error("{} を {} のそばにコピーしたところ、コピーが元のファイルと合いません（{problem}）。データベースは変えていません。ディスクを確かめてからもう一度実行してください", from.display(), db.display())]
    CopyDiffers {
        from: PathBuf,
        db: PathBuf,
        problem: String,
    },
    #[error("元のデータベースを {} に残せなかったため、戻していません（{reason}）。データベースは変えていません", kept.display())]
    Keep { kept: PathBuf, reason: String },
    #[error("{error}。元のデータベースは {} にも残してあります", kept.display())]
    Replace { kept: PathBuf, error: FileError },
}

/// The name the database at `db` is kept under: `kyodo.sqlite3.before-restore-20261202T031500`.
pub fn kept_name(db: &Path, stamp: &str) -> PathBuf {
    with_suffix(db, &format!(".before-restore-{stamp}"))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// Restores the backup `from` to the database `db`; the replaced one is kept under
/// [`kept_name`]`(db, stamp)`.
pub fn restore(from: &Path, db: &Path, stamp: &str) -> Result<Restored, RestoreError> {
    let checked = inspect(from).map_err(|problem| RestoreError::Check {
        db: db.to_path_buf(),
        problem,
    })?;
    let _lock = RunLock::acquire(db).map_err(|e| match e {
        LockError::Held { db, lock } => RestoreError::BotRunning { db, lock },
        e => RestoreError::Lock(e),
    })?;
    let temp = copy_beside(from, db, &checked)?;
    let kept = if db.symlink_metadata().is_ok() {
        Some(keep(db, stamp)?)
    } else {
        None
    };
    temp.commit().map_err(|error| match &kept {
        Some(kept) => RestoreError::Replace {
            kept: kept.clone(),
            error,
        },
        None => RestoreError::Copy(error),
    })?;
    tracing::info!(from = %from.display(), db = %db.display(), kept = ?kept, records = checked.records, "restored");
    Ok(Restored { checked, kept })
}

/// Copies `from` to a temporary file beside `db` (with the database's permissions and owner
/// where it has them), and checks that the copy holds what `from` was checked to hold.
fn copy_beside(from: &Path, db: &Path, checked: &Checked) -> Result<TempFile, RestoreError> {
    let mut temp = TempFile::create(db, Overwrite::Yes).map_err(RestoreError::Copy)?;
    let unreadable = |e: std::io::Error| {
        tracing::info!(from = %from.display(), error = %e, "reading the backup failed");
        RestoreError::Check {
            db: db.to_path_buf(),
            problem: CheckError::Unreadable {
                path: from.to_path_buf(),
            },
        }
    };
    let mut source = std::fs::File::open(from).map_err(unreadable)?;
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        let n = match source.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(unreadable(e)),
        };
        temp.write_all(&buffer[..n]).map_err(RestoreError::Copy)?;
    }
    if let Ok(metadata) = std::fs::metadata(db) {
        if let Err(e) = std::fs::set_permissions(temp.path(), metadata.permissions()) {
            tracing::warn!(error = %e, "cannot give the restored file the database's permissions");
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            // Only root may give a file away: a restore run as root leaves the file to the
            // user the bot runs as. Refused for anyone else, who owns the copy already.
            if let Err(e) = std::os::unix::fs::chown(temp.path(), Some(metadata.uid()), Some(metadata.gid())) {
                tracing::debug!(error = %e, "the restored file keeps its owner");
            }
        }
    }
    let copied = inspect_as(temp.path(), db).map_err(|problem| RestoreError::CopyDiffers {
        from: from.to_path_buf(),
        db: db.to_path_buf(),
        problem: problem.to_string(),
    })?;
    if copied != *checked {
        return Err(RestoreError::CopyDiffers {
            from: from.to_path_buf(),
            db: db.to_path_buf(),
            problem: format!("コピーは {copied}、元は {checked}"),
        });
    }
    Ok(temp)
}

/// Keeps the database under the kept name, with its `-wal`, `-shm` or `-journal` if there
/// are any: second names first (hard links), before SQLite opens anything — SQLite removes a
/// log it cannot use when it closes the database. Then the database is checkpointed
/// ([`settle`]): the kept name shares its file, so it gets the log's pages, and the kept log is
/// dropped; if SQLite cannot read it, everything is kept as it was. Last, the companions are
/// removed from the database's name so that none is applied to the restored file. The database
/// itself keeps its name until the restored file is renamed over it.
fn keep(db: &Path, stamp: &str) -> Result<PathBuf, RestoreError> {
    let kept = kept_name(db, stamp);
    let fail = |reason: String| RestoreError::Keep {
        kept: kept.clone(),
        reason,
    };
    let present: Vec<&str> = COMPANIONS
        .into_iter()
        .filter(|suffix| with_suffix(db, suffix).symlink_metadata().is_ok())
        .collect();
    let mut named = Vec::new();
    let mut all_linked = true;
    let linked = std::iter::once("")
        .chain(present.iter().copied())
        .try_for_each(|suffix| {
            all_linked &= second_name(&with_suffix(db, suffix), &with_suffix(&kept, suffix))?;
            named.push(with_suffix(&kept, suffix));
            Ok::<(), FileError>(())
        });
    if let Err(e) = linked {
        forget(&named);
        return Err(fail(e.to_string()));
    }
    match settle(db) {
        Settled::InUse => {
            forget(&named);
            return Err(RestoreError::InUse { db: db.to_path_buf() });
        }
        // Linked, the kept file got the log's pages; a copy needs its own log.
        Settled::Checkpointed if all_linked => forget(&named[1..]),
        Settled::Checkpointed => {}
        Settled::Unreadable | Settled::Missing => {}
    }
    for suffix in COMPANIONS {
        let companion = with_suffix(db, suffix);
        if companion.symlink_metadata().is_ok() {
            std::fs::remove_file(&companion).map_err(|e| {
                tracing::info!(file = %companion.display(), error = %e, "cannot remove a companion file");
                fail(format!("{} を消せません", companion.display()))
            })?;
            tracing::info!(file = %companion.display(), "removed so that it is not applied to the restored file");
        }
    }
    Ok(kept)
}

/// Removes second names made by [`keep`] (the files keep their first names).
fn forget(names: &[PathBuf]) {
    for name in names {
        if let Err(e) = std::fs::remove_file(name) {
            tracing::warn!(file = %name.display(), error = %e, "cannot remove a second name");
        }
    }
}

/// Gives the file `from` the second name `to` (a new name): a hard link (`true`), or a copy
/// where the file system has none (`false`).
fn second_name(from: &Path, to: &Path) -> Result<bool, FileError> {
    let dir = to
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match std::fs::hard_link(from, to) {
        Ok(()) => Ok(true),
        Err(e) if matches!(e.kind(), ErrorKind::PermissionDenied | ErrorKind::Unsupported) => {
            tracing::info!(error = %e, "no hard links here; copying instead");
            let bytes = std::fs::read(from).map_err(|e| FileError::from_io(to, dir, &e))?;
            crate::files::write_atomic(to, &bytes, Overwrite::No).map(|()| false)
        }
        Err(e) => Err(FileError::from_io(to, dir, &e)),
    }
}
