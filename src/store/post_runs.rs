//! The `post_runs` and `meta` tables: every scheduled post (monthly digest, annual summary,
//! monthly reminder) per period and channel — pending before it is sent, posted or failed
//! after — so that each is posted exactly once, across crashes and restarts.

use super::{corrupt_json, timestamp, Error, Result, Store};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PostKind {
    /// The monthly digest; period `YYYY-MM`.
    Digest,
    /// The annual summary; period the fiscal year's first calendar year, `YYYY`.
    Annual,
    /// The monthly reminder of what is missing; period `YYYY-MM`, the month it reminds of.
    Remind,
}

impl PostKind {
    pub fn key(self) -> &'static str {
        match self {
            PostKind::Digest => "digest",
            PostKind::Annual => "annual",
            PostKind::Remind => "remind",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostStatus {
    Pending,
    Posted,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostRun {
    pub kind: PostKind,
    pub period: String,
    pub channel_id: String,
    pub status: PostStatus,
    pub nonce: String,
    pub attempts: i64,
    pub message_ids: Vec<String>,
    pub error: Option<String>,
}

type RunRow = (
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
);

fn read_run(row: &rusqlite::Row<'_>) -> rusqlite::Result<RunRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
        row.get(6)?,
        row.get(7)?,
    ))
}

fn to_run((kind, period, channel_id, status, nonce, attempts, ids, error): RunRow) -> Result<PostRun> {
    let corrupt = |what: &str| Error::Corrupt(format!("投稿の記録（{kind} {period}）の{what}"));
    Ok(PostRun {
        kind: match kind.as_str() {
            "digest" => PostKind::Digest,
            "annual" => PostKind::Annual,
            "remind" => PostKind::Remind,
            _ => return Err(corrupt("種類")),
        },
        status: match status.as_str() {
            "pending" => PostStatus::Pending,
            "posted" => PostStatus::Posted,
            "failed" => PostStatus::Failed,
            _ => return Err(corrupt("状態")),
        },
        message_ids: match ids {
            Some(json) => serde_json::from_str(&json).map_err(|_| corrupt("メッセージ ID"))?,
            None => Vec::new(),
        },
        period,
        channel_id,
        nonce,
        attempts,
        error,
    })
}

const RUN_COLUMNS: &str = "kind, period, channel_id, status, nonce, attempts, message_ids, error";

impl Store {
    /// The run of `kind` for `period` in `channel`, if there is one.
    pub fn post_run(&self, kind: PostKind, period: &str, channel: &str) -> Result<Option<PostRun>> {
        let row = self
            .conn
            .query_row(
                &format!("SELECT {RUN_COLUMNS} FROM post_runs WHERE kind = ?1 AND period = ?2 AND channel_id = ?3"),
                params![kind.key(), period, channel],
                read_run,
            )
            .optional()?;
        row.map(to_run).transpose()
    }

    /// The latest runs, newest first.
    pub fn recent_runs(&self, limit: usize) -> Result<Vec<PostRun>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {RUN_COLUMNS} FROM post_runs ORDER BY started_at DESC, period DESC LIMIT ?1"
        ))?;
        let rows = stmt.query_map([limit as i64], read_run)?;
        rows.map(|r| to_run(r?)).collect()
    }

    /// Every failed run, oldest period first.
    pub fn failed_runs(&self) -> Result<Vec<PostRun>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {RUN_COLUMNS} FROM post_runs WHERE status = 'failed' ORDER BY period, kind"
        ))?;
        let rows = stmt.query_map([], read_run)?;
        rows.map(|r| to_run(r?)).collect()
    }

    /// Records that a post is about to be sent (one more attempt), keeping its nonce if it had one.
    pub fn begin_post(
        &mut self,
        kind: PostKind,
        period: &str,
        channel: &str,
        nonce: &str,
        now: DateTime<Utc>,
    ) -> Result<PostRun> {
        self.conn.execute(
            "INSERT INTO post_runs (kind, period, channel_id, status, nonce, attempts, started_at) \
             VALUES (?1, ?2, ?3, 'pending', ?4, 1, ?5) \
             ON CONFLICT (kind, period, channel_id) DO UPDATE SET status = 'pending', attempts = attempts + 1, \
                 error = NULL, started_at = excluded.started_at, finished_at = NULL",
            params![kind.key(), period, channel, nonce, timestamp(now)],
        )?;
        self.post_run(kind, period, channel)?
            .ok_or_else(|| Error::Corrupt(format!("投稿の記録（{} {period}）", kind.key())))
    }

    /// Records the messages sent so far, so that a retry resumes after them.
    pub fn record_post_messages(
        &mut self,
        kind: PostKind,
        period: &str,
        channel: &str,
        message_ids: &[String],
    ) -> Result<()> {
        let ids = serde_json::to_string(message_ids)
            .map_err(|e| corrupt_json(format!("投稿の記録（{} {period}）のメッセージ ID", kind.key()), &e))?;
        self.conn.execute(
            "UPDATE post_runs SET message_ids = ?4 WHERE kind = ?1 AND period = ?2 AND channel_id = ?3",
            params![kind.key(), period, channel, ids],
        )?;
        Ok(())
    }

    /// Records that a post went out, with its messages.
    pub fn finish_post(
        &mut self,
        kind: PostKind,
        period: &str,
        channel: &str,
        message_ids: &[String],
        now: DateTime<Utc>,
    ) -> Result<()> {
        let ids = serde_json::to_string(message_ids)
            .map_err(|e| corrupt_json(format!("投稿の記録（{} {period}）のメッセージ ID", kind.key()), &e))?;
        self.conn.execute(
            "UPDATE post_runs SET status = 'posted', message_ids = ?4, error = NULL, finished_at = ?5 \
             WHERE kind = ?1 AND period = ?2 AND channel_id = ?3",
            params![kind.key(), period, channel, ids, timestamp(now)],
        )?;
        Ok(())
    }

    /// Records that a post failed after its last try.
    pub fn fail_post(
        &mut self,
        kind: PostKind,
        period: &str,
        channel: &str,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE post_runs SET status = 'failed', error = ?4, finished_at = ?5 \
             WHERE kind = ?1 AND period = ?2 AND channel_id = ?3",
            params![kind.key(), period, channel, error, timestamp(now)],
        )?;
        Ok(())
    }

    /// A remembered value.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| row.get(0))
            .optional()?)
    }

    /// Remembers `value` under `key` unless something is remembered there already; returns what is.
    pub fn meta_or_insert(&mut self, key: &str, value: &str) -> Result<String> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
            params![key, value],
        )?;
        Ok(self.meta(key)?.unwrap_or_else(|| value.to_string()))
    }
}
