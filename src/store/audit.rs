//! The `audit` table: every create, edit, delete and undo of a record — who, when, and the
//! record before and after, as JSON. Written in the same transaction as the change.

use super::{corrupt_json, timestamp, Error, Result, Store};
use crate::domain::record::{Actor, Record};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    Create,
    Edit,
    Delete,
    /// A delete by the reporter through the undo button, within minutes of the report.
    Undo,
}

impl AuditAction {
    fn key(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Edit => "edit",
            AuditAction::Delete => "delete",
            AuditAction::Undo => "undo",
        }
    }

    fn parse(key: &str) -> Option<Self> {
        [
            AuditAction::Create,
            AuditAction::Edit,
            AuditAction::Delete,
            AuditAction::Undo,
        ]
        .into_iter()
        .find(|a| a.key() == key)
    }
}

/// One line of a record's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub action: AuditAction,
    pub actor: Actor,
    pub at: String,
    pub before: Option<Record>,
    pub after: Option<Record>,
}

pub(super) fn write_audit(
    conn: &Connection,
    after: &Record,
    action: AuditAction,
    actor: &Actor,
    now: DateTime<Utc>,
    before: Option<&Record>,
) -> Result<()> {
    let json = |r: &Record| serde_json::to_string(r).map_err(|e| corrupt_json(format!("記録 {} の監査記録", r.id), &e));
    conn.prepare_cached(
        "INSERT INTO audit (record_id, action, actor_id, actor_name, at, before_json, after_json) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        after.id,
        action.key(),
        actor.id,
        actor.name,
        timestamp(now),
        before.map(json).transpose()?,
        // A create's record is the row itself (and, once edited, the edit's `before`): the
        // line says who and when, and stays small (one page holds many).
        if action == AuditAction::Create {
            None
        } else {
            Some(json(after)?)
        },
    ])?;
    Ok(())
}

impl Store {
    /// A record's history, oldest first.
    pub fn audit_trail(&self, record_id: i64) -> Result<Vec<AuditEntry>> {
        let mut stmt = self.conn.prepare(
            "SELECT action, actor_id, actor_name, at, before_json, after_json FROM audit WHERE record_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([record_id], |row| {
            Ok((
                row.get::<_, String>(0)?,
                Actor {
                    id: row.get(1)?,
                    name: row.get(2)?,
                },
                row.get::<_, String>(3)?,
                row.get::<_, Option<String>>(4)?,
                row.get::<_, Option<String>>(5)?,
            ))
        })?;
        let parse = |json: Option<String>| {
            json.map(|j| {
                serde_json::from_str::<Record>(&j).map_err(|e| corrupt_json(format!("記録 {record_id} の監査記録"), &e))
            })
            .transpose()
        };
        rows.map(|row| {
            let (action, actor, at, before, after) = row?;
            Ok(AuditEntry {
                action: AuditAction::parse(&action).ok_or_else(|| Error::Corrupt(format!("監査の操作「{action}」")))?,
                actor,
                at,
                before: parse(before)?,
                after: parse(after)?,
            })
        })
        .collect()
    }
}
