//! The backups kyodo takes itself, and putting one back.
//!
//! A day's backup is `kyodo-YYYYMMDD.sqlite3` (the city's date) in the backup folder (`[backup]
//! folder`, by default `backup/` beside the database): recorded in `backup_runs` before it is
//! written and after it is checked (`store::backup`), so each day's is taken once; after a good
//! one, the day's backups beyond `keep` are deleted — only files with that name, never anything
//! else in the folder. `daily.rs` takes them inside `kyodo run`; `kyodo backup` without
//! `--output` takes today's the same way. `lock.rs` is the lock `kyodo run` holds for its whole
//! life, and `restore.rs` puts a checked backup in place of the database while no bot runs.

pub mod daily;
pub mod lock;
pub mod restore;

pub use daily::Daily;
pub use lock::RunLock;

use crate::files::{self, FileError};
use crate::store::backup::{BackupError, BackupStatus, CheckError, Checked};
use crate::store::{self, Store};
use chrono::{DateTime, NaiveDate, Utc};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The name of the day's backup: `kyodo-20261202.sqlite3`.
pub fn daily_name(day: NaiveDate) -> String {
    format!("kyodo-{}.sqlite3", day.format("%Y%m%d"))
}

/// The day of a file named by [`daily_name`], or `None` for any other name.
pub fn day_of(name: &str) -> Option<NaiveDate> {
    let digits = name.strip_prefix("kyodo-")?.strip_suffix(".sqlite3")?;
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let day = NaiveDate::parse_from_str(digits, "%Y%m%d").ok()?;
    (daily_name(day) == name).then_some(day)
}

/// A backup written and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Taken {
    pub file: PathBuf,
    pub checked: Checked,
    /// Older day's backups deleted beyond `keep`.
    pub removed: Vec<PathBuf>,
}

#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] store::Error),
    #[error(transparent)]
    Backup(#[from] BackupError),
    #[error(transparent)]
    File(#[from] FileError),
    #[error("今日のバックアップ {} はもう取ってあります。別に取るときは --output で新しいファイルの名前を指定してください（例: kyodo backup --output backup/kyodo-手動.sqlite3 --verify）", file.display())]
    AlreadyTaken { file: PathBuf },
    #[error("{} はすでにありますが、このデータベースのバックアップとして確かめられませんでした（{problem}）。名前を変えるか消してから、もう一度実行してください", file.display())]
    Occupied { file: PathBuf, problem: CheckError },
}

/// Takes the day's backup of `day` into `folder`: recorded before and after, checked, and the
/// day's backups beyond `keep` (if given) deleted after a good one. A file of that name left by
/// an interrupted run is checked and kept if it is a good copy.
pub fn take_day(
    store: &mut Store,
    folder: &Path,
    day: NaiveDate,
    keep: Option<u32>,
    now: DateTime<Utc>,
) -> Result<Taken, Error> {
    let file = folder.join(daily_name(day));
    let key = day.format("%Y-%m-%d").to_string();
    let exists = file.symlink_metadata().is_ok();
    if exists
        && store
            .backup_run(&key)?
            .is_some_and(|run| run.status == BackupStatus::Done)
    {
        return Err(Error::AlreadyTaken { file });
    }
    files::ensure_folder(folder, &file)?;
    let id = store.begin_backup(Some(&key), &file.display().to_string(), now)?;
    let outcome = if exists {
        tracing::info!(file = %file.display(), "the day's backup file is there already; checking it");
        store.check_copy(&file).map_err(|problem| Error::Occupied {
            file: file.clone(),
            problem,
        })
    } else {
        store.backup_checked(&file).map_err(Error::from)
    };
    match outcome {
        Ok(checked) => {
            store.finish_backup(id, &checked, now)?;
            let removed = keep.map(|keep| rotate(folder, keep)).unwrap_or_default();
            Ok(Taken { file, checked, removed })
        }
        Err(e) => {
            store.fail_backup(id, &e.to_string(), now)?;
            Err(e)
        }
    }
}

/// A checked backup to a file the user named (a new file), recorded like the day's.
pub fn take_to(store: &mut Store, file: &Path, now: DateTime<Utc>) -> Result<Checked, Error> {
    let id = store.begin_backup(None, &file.display().to_string(), now)?;
    match store.backup_checked(file) {
        Ok(checked) => {
            store.finish_backup(id, &checked, now)?;
            Ok(checked)
        }
        Err(e) => {
            store.fail_backup(id, &e.to_string(), now)?;
            Err(e.into())
        }
    }
}

/// Deletes the day's backups in `folder` beyond the newest `keep`: only regular files named
/// `kyodo-YYYYMMDD.sqlite3`. Returns what it deleted; a file it cannot delete is logged.
pub fn rotate(folder: &Path, keep: u32) -> Vec<PathBuf> {
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) => {
            tracing::warn!(folder = %folder.display(), error = %e, "cannot list the backup folder; nothing deleted");
            return Vec::new();
        }
    };
    let mut days: Vec<(NaiveDate, PathBuf)> = entries
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let day = day_of(entry.file_name().to_str()?)?;
            entry.file_type().ok()?.is_file().then(|| (day, entry.path()))
        })
        .collect();
    days.sort_by_key(|(day, _)| std::cmp::Reverse(*day));
    let mut removed = Vec::new();
    for (_, path) in days.into_iter().skip(keep as usize) {
        match std::fs::remove_file(&path) {
            Ok(()) => {
                tracing::info!(file = %path.display(), keep, "old backup deleted");
                removed.push(path);
            }
            Err(e) => tracing::warn!(file = %path.display(), error = %e, "cannot delete an old backup"),
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_kyodo_s_own_names_are_days() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 2).expect("date");
        assert_eq!(daily_name(day), "kyodo-20261202.sqlite3");
        assert_eq!(day_of("kyodo-20261202.sqlite3"), Some(day));
        for other in [
            "kyodo-2026122.sqlite3",
            "kyodo-20261302.sqlite3",
            "kyodo-20261202.sqlite3.bak",
            "my-kyodo-20261202.sqlite3",
            "kyodo-before-v4.sqlite3",
            "kyodo-２０２６１２０２.sqlite3",
            "kyodo-+2026120.sqlite3",
            ".kyodo-20261202.sqlite3.kyodo-1-0.tmp",
        ] {
            assert_eq!(day_of(other), None, "{other}");
        }
    }
}
