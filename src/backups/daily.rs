//! The day's backup inside `kyodo run` (`[backup]` in the config): once per day at `time` in the
//! city's time zone, on its own connection and off the bot's thread.
//!
//! The backup of a day is due from that day's `time`; each pass takes the latest one due if it
//! is not recorded as done, so after downtime the bot takes one at start (the latest day's,
//! never one per day missed) and none if today's is there. A process tries a day at most once;
//! a failed day is tried again at the next start (or with `kyodo backup`). The clock is passed
//! in ([`Daily::run_due`]); [`run`] is the loop with the real one.

use super::{take_day, Error, Taken};
use crate::config::Settings;
use crate::domain::catalogue::{backup_folder, BackupPlan};
use crate::domain::schedule::at;
use crate::store::backup::BackupStatus;
use crate::store::{self, Store};
use chrono::{DateTime, Days, NaiveDate, Utc};
use chrono_tz::Tz;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a pass did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Due {
    /// The day's backup was written and checked.
    Taken { day: NaiveDate, taken: Taken },
    /// The day's backup is there already.
    Done { day: NaiveDate, file: PathBuf },
    /// This process tried the day already (and it failed); the next start tries again.
    Tried { day: NaiveDate },
}

/// The day's backups of one database.
pub struct Daily {
    store: Store,
    folder: PathBuf,
    plan: BackupPlan,
    tz: Tz,
    tried: HashSet<NaiveDate>,
}

impl Daily {
    /// The day's backups as `settings` ask for them, on a connection of their own to `db`;
    /// `None` without `[backup]`.
    pub fn open(db: &Path, settings: &Settings) -> Result<Option<Daily>, store::Error> {
        let Some(plan) = settings.catalogue.backup.clone() else {
            return Ok(None);
        };
        let folder = backup_folder(Some(&plan), db);
        Ok(Some(Daily {
            store: Store::open_with(db, &folder)?,
            folder,
            plan,
            tz: settings.catalogue.time_zone,
            tried: HashSet::new(),
        }))
    }

    /// The backup folder.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// The day of the latest backup due at `now`.
    pub fn due_day(&self, now: DateTime<Utc>) -> NaiveDate {
        let today = now.with_timezone(&self.tz).date_naive();
        if now >= at(self.tz, today, self.plan.time) {
            today
        } else {
            today.checked_sub_days(Days::new(1)).unwrap_or(today)
        }
    }

    /// When the next backup falls due after `now`.
    pub fn next_due(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let today = now.with_timezone(&self.tz).date_naive();
        let due = at(self.tz, today, self.plan.time);
        if due > now {
            return due;
        }
        let tomorrow = today.checked_add_days(Days::new(1)).unwrap_or(today);
        at(self.tz, tomorrow, self.plan.time)
    }

    /// Takes the latest backup due at `now` unless it is done or this process tried it.
    pub fn run_due(&mut self, now: DateTime<Utc>) -> Result<Due, Error> {
        let day = self.due_day(now);
        let file = self.folder.join(super::daily_name(day));
        let run = self.store.backup_run(&day.format("%Y-%m-%d").to_string())?;
        if run.is_some_and(|r| r.status == BackupStatus::Done) && file.symlink_metadata().is_ok() {
            return Ok(Due::Done { day, file });
        }
        if self.tried.contains(&day) {
            return Ok(Due::Tried { day });
        }
        self.tried.insert(day);
        let taken = take_day(&mut self.store, &self.folder, day, Some(self.plan.keep), now)?;
        Ok(Due::Taken { day, taken })
    }

    /// Stops a backup under way from another thread (it then fails and leaves no file).
    pub fn interrupt_handle(&self) -> rusqlite::InterruptHandle {
        self.store.interrupt_handle()
    }
}

/// Takes the day's backups as they fall due until `stop` is true (or its sender is gone). A
/// backup under way when it stops is interrupted, and taken again at the next start.
pub async fn run(mut daily: Daily, mut stop: tokio::sync::watch::Receiver<bool>) {
    tracing::info!(folder = %daily.folder.display(), keep = daily.plan.keep, time = %daily.plan.time, "daily backups");
    loop {
        let now = Utc::now();
        let interrupt = daily.interrupt_handle();
        let mut pass = tokio::task::spawn_blocking(move || {
            let due = daily.run_due(now);
            give_back_freed_memory();
            (daily, due)
        });
        let joined = tokio::select! {
            joined = &mut pass => joined,
            () = stopped(&mut stop) => {
                interrupt.interrupt();
                tracing::info!("stopping: the backup under way is interrupted; it is taken at the next start");
                let _ = pass.await;
                break;
            }
        };
        let due;
        (daily, due) = match joined {
            Ok(done) => done,
            Err(e) => {
                tracing::error!(error = %e, "the daily backup stopped unexpectedly");
                return;
            }
        };
        match due {
            Ok(Due::Taken { day, taken }) => tracing::info!(
                %day,
                file = %taken.file.display(),
                records = taken.checked.records,
                audit = taken.checked.audit,
                removed = taken.removed.len(),
                "daily backup written and checked"
            ),
            Ok(Due::Done { day, file }) => {
                tracing::info!(%day, file = %file.display(), "the day's backup is there already")
            }
            Ok(Due::Tried { day }) => tracing::debug!(%day, "the day's backup failed earlier; tried at the next start"),
            Err(e) => {
                tracing::error!(error = %e, "the daily backup failed; it is tried again at the next start, or run `kyodo backup`")
            }
        }
        let now = Utc::now();
        let wait = (daily.next_due(now) - now)
            .to_std()
            .unwrap_or_default()
            .min(Duration::from_secs(3600));
        tokio::select! {
            () = tokio::time::sleep(wait + Duration::from_secs(1)) => {}
            () = stopped(&mut stop) => break,
        }
    }
    tracing::info!("daily backups stopped");
}

/// Completes once `stop` is true or its sender is gone.
async fn stopped(stop: &mut tokio::sync::watch::Receiver<bool>) {
    // The guard wait_for returns is not Send: dropped here, before anything else awaits.
    let _ = stop.wait_for(|stopping| *stopping).await.map(|_| ());
}

/// Gives the pages that a backup's copy and check freed back to the system (glibc's
/// `malloc_trim`): freed in the middle of the heap, they stayed resident under whatever the bot
/// allocated after them, and the reports that followed grew the heap past them.
fn give_back_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory to the system; any thread may call it.
    unsafe {
        libc::malloc_trim(0);
    }
}
