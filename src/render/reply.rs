//! What a command answers — `Reply`, its `Section`s and `Attachment`s, who sees it
//! (`Visibility`) and how the request ended (`Outcome`) — and a `Reply` as plain text, for the
//! console (and any adapter without rich formatting). `discord.rs` renders the same `Reply` as
//! Discord messages.
//!
//! The types live here, below `commands`, so that render reads no command: the commands build
//! replies, the adapters (console, Discord, the scheduler's posts) render them.

use crate::domain::validate::UserError;

/// Who sees a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Everyone in the channel: reports and totals.
    Public,
    /// Only the user: refusals and personal lists.
    Ephemeral,
}

/// How the request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Refused: bad input or no permission. Nothing was changed.
    Refused,
    /// Something went wrong inside; logged, nothing was changed.
    Failed,
}

/// A block of a reply: an optional heading and its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub heading: Option<String>,
    pub lines: Vec<String>,
}

impl Section {
    pub fn new(heading: impl Into<String>, lines: Vec<String>) -> Self {
        Section {
            heading: Some(heading.into()),
            lines,
        }
    }

    pub fn lines(lines: Vec<String>) -> Self {
        Section { heading: None, lines }
    }
}

/// A file that goes with a reply: a chart, a CSV or XLSX export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The report a reply can undo: its record, and the command that undoes it as the user writes
/// commands (`/records undo id:12`, `/記録 取り消し 番号:12`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undo {
    pub id: i64,
    pub command: String,
}

/// A list shown a page at a time: which page this is, how many there are, and the key that
/// asks for another page (`commands::records::page_request` reads it back) — Discord's buttons
/// carry it; the text of the reply says how to type the next page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pages {
    pub page: u32,
    pub pages: u32,
    pub key: String,
}

/// What the user reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub visibility: Visibility,
    pub outcome: Outcome,
    pub title: String,
    pub sections: Vec<Section>,
    /// The record a report created, for the undo button (Discord) or the undo line (console).
    pub undo: Option<Undo>,
    /// Where the list goes on, for the page buttons (Discord); the text says how to type it.
    pub pages: Option<Pages>,
    /// Files sent with the reply (Discord) or saved beside it (console).
    pub files: Vec<Attachment>,
}

impl Reply {
    pub fn done(visibility: Visibility, title: impl Into<String>, sections: Vec<Section>) -> Self {
        Reply {
            visibility,
            outcome: Outcome::Done,
            title: title.into(),
            sections,
            undo: None,
            pages: None,
            files: Vec::new(),
        }
    }

    pub fn refused(error: &UserError) -> Self {
        Reply::ephemeral(Outcome::Refused, error.to_string())
    }

    /// The database could not be written for now (another writer kept it locked, or the disk
    /// is full): `message` is the store's, which says what to do; nothing was changed.
    pub fn not_written(message: impl Into<String>) -> Self {
        Reply::ephemeral(Outcome::Failed, message.into())
    }

    pub fn internal_error() -> Self {
        Reply::ephemeral(
            Outcome::Failed,
            "内部エラーが発生しました。記録は変更されていません。もう一度試し、続くときは管理者に連絡してください"
                .into(),
        )
    }

    /// A reply that is only its title, seen by the user alone.
    fn ephemeral(outcome: Outcome, title: String) -> Self {
        Reply {
            visibility: Visibility::Ephemeral,
            outcome,
            title,
            sections: Vec::new(),
            undo: None,
            pages: None,
            files: Vec::new(),
        }
    }
}

/// Title, then each section (heading and indented lines); the undo line when there is one.
pub fn text(reply: &Reply) -> String {
    let mut out = String::new();
    match reply.outcome {
        Outcome::Done => out.push_str(&reply.title),
        Outcome::Refused => out.push_str(&format!("✗ {}", reply.title)),
        Outcome::Failed => out.push_str(&format!("✗ {}", reply.title)),
    }
    out.push('\n');
    for section in &reply.sections {
        let indent = match &section.heading {
            Some(heading) => {
                out.push_str(&format!("■ {heading}\n"));
                "  "
            }
            None => "",
        };
        for line in &section.lines {
            out.push_str(&format!("{indent}{line}\n"));
        }
    }
    if let Some(undo) = &reply.undo {
        out.push_str(&format!("取り消すとき（15分以内）: {}\n", undo.command));
    }
    out
}
