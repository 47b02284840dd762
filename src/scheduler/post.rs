//! Posting a digest, an annual summary or a reminder exactly once.
//!
//! The run is recorded as pending before the first message is sent; each message carries a
//! nonce with `enforce_nonce`, so that a retry after a crash between sending and recording gets
//! the message already created back instead of a second one; each sent message is recorded at
//! once, so a retry resumes after it. A failed send (429s are waited out by the REST layer;
//! 5xx, timeouts) is retried with backoff, and recorded as failed after the last try:
//! `kyodo digest --retry` posts those again.

use super::{due_between, Job};
use crate::app::App;
use crate::commands::{digest, remind, summary};
use crate::domain::YearMonth;
use crate::render::csv::annual_csv;
use crate::render::discord::{messages, with_mentions};
use crate::render::reply::{Attachment, Reply};
use crate::render::xlsx::annual_xlsx;
use crate::store::{self, PostStatus};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{json, Value};
use std::future::Future;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;
use thiserror::Error;

/// Sends one message to a channel; implemented by the Discord adapter.
pub trait Poster {
    /// Creates a message; returns it as Discord answered (with its `id`).
    fn post_message(
        &self,
        channel_id: u64,
        body: &Value,
        files: &[Attachment],
    ) -> impl Future<Output = Result<Option<Value>, String>> + Send;
}

/// How often and how patiently a failed message is sent again.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    /// Tries in all, at least 1.
    pub tries: u32,
    /// The wait before the second try; doubled before each later one.
    pub backoff: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            tries: 3,
            backoff: Duration::from_secs(2),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    /// Sent now, as these messages.
    Sent(Vec<String>),
    /// Posted before: nothing was sent.
    Already,
}

#[derive(Debug, Error)]
pub enum PostError {
    #[error("{job}の投稿に失敗しました（{tries}回試しました）: {reason}")]
    Failed { job: String, tries: u32, reason: String },
    #[error(transparent)]
    Store(#[from] store::Error),
    #[error("{0}")]
    Content(String),
}

fn lock(app: &Mutex<App>) -> MutexGuard<'_, App> {
    app.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The messages (JSON bodies) and files of a job, as of `today` (a period still running is
/// counted up to it and says so).
pub fn content(app: &App, job: Job, today: NaiveDate) -> Result<(Vec<Value>, Vec<Attachment>), PostError> {
    let (reply, files): (Reply, Vec<Attachment>) = match job {
        Job::Digest(month) => {
            let built = digest::build(app, month, today)?;
            let pictures = built.pictures().map_err(|e| PostError::Content(e.to_string()))?;
            (built.reply, pictures)
        }
        Job::Annual(year) => {
            let report = app.annual_report(year, today)?;
            let reply = summary::annual_reply(&report);
            let stem = format!("kyodo-annual-{}", year.start_year());
            let xlsx = annual_xlsx(&report).map_err(|e| PostError::Content(e.to_string()))?;
            let files = vec![
                Attachment {
                    name: format!("{stem}.md"),
                    bytes: report.markdown().into_bytes(),
                },
                Attachment {
                    name: format!("{stem}.csv"),
                    bytes: annual_csv(&report),
                },
                Attachment {
                    name: format!("{stem}.xlsx"),
                    bytes: xlsx,
                },
            ];
            (reply, files)
        }
        // Its mentions in the first message's content, allowed for the named users only; who
        // turned them off is read now, as the post is built.
        Job::Remind(month) => {
            let reminder = remind::build(app, month, today)?;
            return Ok((with_mentions(messages(&reminder.reply), &reminder.mentions), Vec::new()));
        }
    };
    Ok((messages(&reply), files))
}

/// Posts `job` to `channel` unless it was posted there before. `clock` is read for the
/// timestamps recorded.
pub async fn post_job(
    app: &Mutex<App>,
    poster: &impl Poster,
    channel: u64,
    job: Job,
    retry: Retry,
    clock: &impl Fn() -> DateTime<Utc>,
) -> Result<Posted, PostError> {
    let (kind, period, channel_key) = (job.kind(), job.period(), channel.to_string());
    let (bodies, files, mut sent) = {
        let mut app = lock(app);
        let run = app.store.post_run(kind, &period, &channel_key)?;
        if run.as_ref().is_some_and(|r| r.status == PostStatus::Posted) {
            return Ok(Posted::Already);
        }
        let today = app.today(clock());
        let (bodies, files) = content(&app, job, today)?;
        let run = app
            .store
            .begin_post(kind, &period, &channel_key, &job.nonce(), clock())?;
        (bodies, files, run.message_ids)
    };
    let nonce = job.nonce();
    for (i, mut body) in bodies.into_iter().enumerate() {
        if i < sent.len() {
            continue; // sent on an earlier try
        }
        body["nonce"] = json!(format!("{nonce}-{i}"));
        body["enforce_nonce"] = json!(true);
        let files: &[Attachment] = if i == 0 { &files } else { &[] };
        let mut tries = 0;
        let message = loop {
            tries += 1;
            match poster.post_message(channel, &body, files).await {
                Ok(message) => break message,
                Err(reason) if tries >= retry.tries.max(1) => {
                    let error = PostError::Failed {
                        job: job.label(),
                        tries,
                        reason,
                    };
                    lock(app)
                        .store
                        .fail_post(kind, &period, &channel_key, &error.to_string(), clock())?;
                    tracing::error!(%error, "scheduled post failed");
                    return Err(error);
                }
                Err(reason) => {
                    let wait = retry.backoff * 2u32.saturating_pow(tries - 1);
                    tracing::warn!(job = %job.label(), tries, %reason, wait_ms = wait.as_millis() as u64, "post failed; trying again");
                    tokio::time::sleep(wait).await;
                }
            }
        };
        sent.push(
            message
                .and_then(|m| m["id"].as_str().map(str::to_string))
                .unwrap_or_default(),
        );
        lock(app)
            .store
            .record_post_messages(kind, &period, &channel_key, &sent)?;
    }
    lock(app)
        .store
        .finish_post(kind, &period, &channel_key, &sent, clock())?;
    tracing::info!(job = %job.label(), messages = sent.len(), "posted");
    Ok(Posted::Sent(sent))
}

/// Posts, oldest first, every job that fell due since the scheduler first ran (remembered in
/// the store) and was neither posted nor failed in `channel` — of the reminders only the
/// current month's (`Job::catches_up`): after downtime, no stale one. Returns what happened to
/// each.
/// Once `stopping` returns true no further job is started (a post under way is finished); the
/// jobs left are still due at the next run.
pub async fn run_due(
    app: &Mutex<App>,
    poster: &impl Poster,
    channel: u64,
    retry: Retry,
    clock: &impl Fn() -> DateTime<Utc>,
    stopping: &impl Fn() -> bool,
) -> Result<Vec<(Job, Result<Posted, PostError>)>, store::Error> {
    let now = clock();
    let jobs = {
        let mut app = lock(app);
        let first = app.store.meta_or_insert("scheduler_first_run", &now.to_rfc3339())?;
        let first = DateTime::parse_from_rfc3339(&first).map_or(now, |t| t.with_timezone(&Utc));
        let current = YearMonth::of(app.today(now));
        let catalogue = &app.settings.catalogue;
        let mut due = Vec::new();
        for (_, job) in due_between(
            &catalogue.schedule,
            catalogue.time_zone,
            catalogue.fiscal_year_start,
            first,
            now,
        ) {
            if !job.catches_up(current) {
                tracing::info!(job = %job.label(), "a reminder of a month gone by: not posted late");
                continue;
            }
            let run = app.store.post_run(job.kind(), &job.period(), &channel.to_string())?;
            match run.map(|r| r.status) {
                Some(PostStatus::Posted | PostStatus::Failed) => {}
                Some(PostStatus::Pending) | None => due.push(job),
            }
        }
        due
    };
    let mut outcomes = Vec::new();
    for job in jobs {
        if stopping() {
            tracing::info!(job = %job.label(), "stopping: not started; posted at the next start");
            break;
        }
        let outcome = post_job(app, poster, channel, job, retry, clock).await;
        outcomes.push((job, outcome));
    }
    Ok(outcomes)
}

/// Posts again every run recorded as failed (`kyodo digest --retry`), but a reminder of a month
/// gone by.
pub async fn retry_failed(
    app: &Mutex<App>,
    poster: &impl Poster,
    retry: Retry,
    clock: &impl Fn() -> DateTime<Utc>,
) -> Result<Vec<(Job, Result<Posted, PostError>)>, store::Error> {
    let (failed, current) = {
        let app = lock(app);
        (app.store.failed_runs()?, YearMonth::of(app.today(clock())))
    };
    let mut outcomes = Vec::new();
    for run in failed {
        let Some(job) = job_of(run.kind, &run.period) else {
            continue;
        };
        if !job.catches_up(current) {
            tracing::info!(job = %job.label(), "a failed reminder of a month gone by: not posted again");
            continue;
        }
        let Ok(channel) = run.channel_id.parse::<u64>() else {
            continue;
        };
        outcomes.push((job, post_job(app, poster, channel, job, retry, clock).await));
    }
    Ok(outcomes)
}

fn job_of(kind: store::PostKind, period: &str) -> Option<Job> {
    match kind {
        store::PostKind::Digest | store::PostKind::Remind => {
            let (y, m) = period.split_once('-')?;
            let month = YearMonth::new(y.parse().ok()?, m.parse().ok()?)?;
            Some(match kind {
                store::PostKind::Remind => Job::Remind(month),
                _ => Job::Digest(month),
            })
        }
        store::PostKind::Annual => Some(Job::Annual(crate::domain::FiscalYear::new(period.parse().ok()?))),
    }
}
