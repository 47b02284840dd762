//! `kyodo console`: the slash commands typed at a terminal (with line editing, Tab completion
//! — `complete.rs` — and a history kept between sessions) or piped from a file, one a line,
//! exactly as in Discord; each reply printed as plain text.
//!
//! Lets anyone try the bot without a Discord token and lets admins script bulk fixes. A piped
//! script exits non-zero if any line was refused. `parse.rs` reads a line; the commands run in
//! `commands`, as they do for Discord.

pub mod complete;
pub mod parse;

use crate::app::App;
use crate::commands::help::report_example;
use crate::commands::spec::{command_set, CommandSpec};
use crate::commands::{self, Request, Roles};
use crate::domain::record::{Actor, Source, SourceKind};
use crate::domain::text::display_name;
use crate::files::{self, FileError, Overwrite};
use crate::render::reply::{text, Outcome, Reply};
use chrono::{DateTime, Utc};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// Who is typing.
#[derive(Debug, Clone)]
pub struct ConsoleUser {
    pub name: String,
    pub roles: Roles,
    /// The name is the operating system's user name (no `--user`): the greeting says so.
    pub system_name: bool,
}

/// The reporter's name when the one given is nothing once normalised (control characters only).
const UNNAMED: &str = "コンソールの利用者";

/// A console session: its commands, user and the id that makes each line's source unique.
pub struct Session<'a> {
    app: &'a mut App,
    commands: Vec<CommandSpec>,
    user: ConsoleUser,
    /// Distinguishes this session's lines from every other session's in `records.source_id`.
    session_id: String,
    line_number: u64,
    /// Where files that come with replies (charts, exports) are saved.
    files_dir: PathBuf,
    /// Whether any line was refused or failed.
    pub any_refused: bool,
}

impl<'a> Session<'a> {
    /// A session for `user`, whose name (`--user`) is normalised like every display name.
    pub fn new(app: &'a mut App, mut user: ConsoleUser, started: DateTime<Utc>, files_dir: PathBuf) -> Self {
        user.name = Some(display_name(&user.name))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| UNNAMED.to_string());
        let commands = command_set(&app.settings.catalogue);
        let session_id = format!("{}-{}", started.format("%Y%m%dT%H%M%S%.9fZ"), std::process::id());
        Session {
            app,
            commands,
            user,
            session_id,
            line_number: 0,
            files_dir,
            any_refused: false,
        }
    }

    /// Runs one line; `None` for a blank line or a comment.
    pub fn run_line(&mut self, line: &str, now: DateTime<Utc>) -> Option<Reply> {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        self.line_number += 1;
        let reply = match parse::parse_line(&self.commands, line) {
            Err(e) => Reply::refused(&e),
            Ok(invocation) => {
                let request = Request {
                    user: Actor {
                        id: format!("console:{}", self.user.name),
                        name: self.user.name.clone(),
                    },
                    roles: self.user.roles,
                    guild_id: None,
                    channel_id: None,
                    source: Source {
                        kind: SourceKind::Console,
                        id: format!("{}:{}", self.session_id, self.line_number),
                        origin: None,
                    },
                    now,
                    invocation,
                };
                commands::handle_with(self.app, &self.commands, &request)
            }
        };
        if reply.outcome != Outcome::Done {
            self.any_refused = true;
        }
        Some(reply)
    }

    /// Saves the reply's files in `files_dir`, never over an existing file, and says where.
    fn save_files(&mut self, reply: &Reply, out: &mut impl Write) -> std::io::Result<()> {
        for file in &reply.files {
            match save_new(&self.files_dir, &file.name, &file.bytes) {
                Ok(path) => writeln!(out, "保存しました: {}", path.display())?,
                Err(e) => {
                    self.any_refused = true;
                    writeln!(out, "✗ 保存できませんでした: {e}")?
                }
            }
        }
        Ok(())
    }

    /// Reads lines from a pipe or file until its end, echoing each before its reply.
    pub fn run_script(&mut self, input: impl BufRead, out: &mut impl Write) -> std::io::Result<()> {
        for line in input.lines() {
            let line = line?;
            if let Some(reply) = self.run_line(&line, Utc::now()) {
                writeln!(out, "> {}", line.trim())?;
                write!(out, "{}", text(&reply))?;
                self.save_files(&reply, out)?;
                writeln!(out)?;
            }
        }
        Ok(())
    }

    /// Reads lines at a terminal with line editing, Tab completion and history until `exit` or
    /// Ctrl-D. The history is read from `history` (if there is one) and written back after
    /// each line, its last `HISTORY_KEPT` lines, so that the next session has it; a history
    /// that cannot be read or written is said once and the session goes on without it.
    pub fn run_interactive(&mut self, out: &mut impl Write, history: Option<&Path>) -> std::io::Result<()> {
        let config = rustyline::Config::builder()
            .completion_type(rustyline::CompletionType::List)
            .max_history_size(HISTORY_KEPT)
            .map_err(std::io::Error::other)?
            .auto_add_history(false)
            .build();
        let mut editor: rustyline::Editor<complete::Helper, rustyline::history::DefaultHistory> =
            rustyline::Editor::with_config(config).map_err(std::io::Error::other)?;
        editor.set_helper(Some(complete::Helper {
            commands: self.commands.clone(),
            catalogue: self.app.settings.catalogue.clone(),
        }));
        let mut kept: Vec<String> = history.map(read_history).unwrap_or_default();
        for line in &kept {
            let _ = editor.add_history_entry(line.as_str());
        }
        let whose = if self.user.system_name {
            "。OS のユーザー名です。別の名前で記録するときは --user 名前 を付けて起動してください"
        } else {
            ""
        };
        write!(
            out,
            "kyodo コンソール（{}さんとして記録します{whose}）。/help で使い方、exit で終了。",
            self.user.name
        )?;
        // The first record type's `/help` example, without what it is for.
        let catalogue = &self.app.settings.catalogue;
        match catalogue.record_types.first().map(|t| report_example(catalogue, t)) {
            Some(example) => {
                let example = example.split_once(" — ").map_or(example.as_str(), |(line, _)| line);
                writeln!(out, "例:\n  {example}")?
            }
            None => writeln!(out)?,
        }
        loop {
            match editor.readline("kyodo> ") {
                Ok(line) => {
                    if matches!(line.trim(), "exit" | "quit" | "終了") {
                        break;
                    }
                    if !line.trim().is_empty() {
                        let _ = editor.add_history_entry(line.as_str());
                        kept.push(line.trim().to_string());
                        if let Some(path) = history {
                            if let Err(e) = write_history(path, &mut kept) {
                                writeln!(out, "（入力の履歴を {} に保存できませんでした: {e}）", path.display())?;
                            }
                        }
                    }
                    if let Some(reply) = self.run_line(&line, Utc::now()) {
                        write!(out, "{}", text(&reply))?;
                        self.save_files(&reply, out)?;
                        writeln!(out)?;
                    }
                }
                Err(rustyline::error::ReadlineError::Interrupted) => continue,
                Err(rustyline::error::ReadlineError::Eof) => break,
                Err(e) => return Err(std::io::Error::other(e)),
            }
        }
        Ok(())
    }
}

/// How many typed lines the console's history keeps.
const HISTORY_KEPT: usize = 1000;

/// The console's history file: one typed line a line, the oldest first; nothing if there is
/// none yet (or it cannot be read: the session goes on, the log says why).
fn read_history(path: &Path) -> Vec<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => {
            tracing::info!(path = %path.display(), error = %e, "the console's history could not be read");
            Vec::new()
        }
    }
}

/// Writes the last `HISTORY_KEPT` lines of `kept` (dropping the older from it) to the history
/// file, all or nothing (`files::write_atomic`), in place of the one before.
fn write_history(path: &Path, kept: &mut Vec<String>) -> Result<(), FileError> {
    let excess = kept.len().saturating_sub(HISTORY_KEPT);
    kept.drain(..excess);
    let mut text = kept.join("\n");
    text.push('\n');
    files::write_atomic(path, text.as_bytes(), Overwrite::Yes)
}

/// Writes `bytes` to `dir/name`, or `dir/name-2` … if that exists, all or nothing
/// (`files::write_atomic`). Makes `dir` if it is missing, but not its parents.
fn save_new(dir: &Path, name: &str, bytes: &[u8]) -> Result<PathBuf, FileError> {
    files::ensure_folder(dir, &dir.join(name))?;
    let (stem, extension) = name.rsplit_once('.').unwrap_or((name, ""));
    for n in 1..1000 {
        let candidate = match (n, extension) {
            (1, _) => name.to_string(),
            (_, "") => format!("{stem}-{n}"),
            (_, ext) => format!("{stem}-{n}.{ext}"),
        };
        let path = dir.join(candidate);
        match files::write_atomic(&path, bytes, Overwrite::No) {
            Ok(()) => return Ok(path),
            Err(e) if e.is_exists() => continue,
            Err(e) => return Err(e),
        }
    }
    Err(FileError {
        path: dir.join(name),
        problem: files::Problem::TooManyNames,
        left_behind: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_is_kept_between_sessions_up_to_its_limit() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("console-history.txt");
        assert!(read_history(&path).is_empty(), "no history yet");
        let mut kept = vec!["/help".to_string()];
        write_history(&path, &mut kept).expect("written");
        kept.push("/report match count:1".to_string());
        write_history(&path, &mut kept).expect("written again");
        assert_eq!(read_history(&path), ["/help", "/report match count:1"]);
        let mut many: Vec<String> = (0..HISTORY_KEPT + 5).map(|n| format!("/records undo id:{n}")).collect();
        write_history(&path, &mut many).expect("written");
        let read = read_history(&path);
        assert_eq!(read.len(), HISTORY_KEPT);
        assert_eq!(read[0], "/records undo id:5", "the oldest dropped");
    }
}
