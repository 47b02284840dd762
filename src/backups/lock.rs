//! The lock `kyodo run` holds for its whole life: an exclusive advisory lock (`flock`) on a lock
//! file beside the database (`kyodo.sqlite3.lock`). `kyodo restore` takes the same lock, so it
//! knows for certain whether a bot is running, and no bot starts while it restores. The
//! system releases the lock when the process ends, however it ends; the file itself stays.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The lock file of the database at `db`.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

/// Held while it lives.
#[derive(Debug)]
pub struct RunLock {
    _file: File,
}

#[derive(Debug, Error)]
pub enum LockError {
    #[error("データベース {} はすでに別の kyodo（kyodo run か kyodo restore）が使っています（{} がロックされています）。1つのデータベースで動かせるボットは1つだけです。動いている方を止めるか（docker stop kyodo、端末なら Ctrl-C）、別のデータベースを --db で指定してください", db.display(), lock.display())]
    Held { db: PathBuf, lock: PathBuf },
    #[error("ロックファイル {} を作れないかロックできないため、ボットが動いていないことを確かめられません（フォルダの権限と、ロックの使えるディスクかを確かめてください。原因は RUST_LOG=info でログに出ます）", lock.display())]
    Failed { db: PathBuf, lock: PathBuf },
}

impl RunLock {
    /// Takes the lock of the database at `db` (creating the lock file, and the database's
    /// folder, if needed), or says who holds it.
    pub fn acquire(db: &Path) -> Result<RunLock, LockError> {
        let lock = lock_path(db);
        let failed = |error: &std::io::Error| {
            tracing::info!(lock = %lock.display(), %error, "cannot take the lock");
            LockError::Failed {
                db: db.to_path_buf(),
                lock: lock.clone(),
            }
        };
        if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| failed(&e))?;
        }
        let file = match OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock)
        {
            Ok(file) => file,
            // Made by another user (a restore run as root): a lock needs only reading.
            Err(e) if e.kind() == ErrorKind::PermissionDenied => File::open(&lock).map_err(|e| failed(&e))?,
            Err(e) => return Err(failed(&e)),
        };
        match file.try_lock() {
            Ok(()) => Ok(RunLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(LockError::Held {
                db: db.to_path_buf(),
                lock,
            }),
            Err(TryLockError::Error(e)) => Err(failed(&e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_database_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("data").join("kyodo.sqlite3");
        let first = RunLock::acquire(&db).expect("first lock");
        assert!(lock_path(&db).is_file());
        let Err(held) = RunLock::acquire(&db) else {
            panic!("the database was locked twice")
        };
        assert!(matches!(held, LockError::Held { .. }), "{held:?}");
        assert!(held.to_string().contains("docker stop kyodo"), "{held}");
        drop(first);
        RunLock::acquire(&db).expect("free again");
    }
}
