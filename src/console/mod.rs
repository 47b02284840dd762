//! `kyodo console`: the slash commands typed at a terminal (with line editing and history) or
//! piped from a file, one a line, exactly as in Discord; each reply printed as plain text.
//!
//! Lets anyone try the bot without a Discord token and lets admins script bulk fixes. A piped
//! script exits non-zero if any line was refused. `parse.rs` reads a line; the commands run in
//! `commands`, as they do for Discord.

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
}

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
            .unwrap_or_else(|| "console".to_string());
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
                    },
                    now,
                    invocation,
                };
                commands::handle(self.app, &request)
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

    /// Reads lines at a terminal with line editing and history until `exit` or Ctrl-D.
    pub fn run_interactive(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        let mut editor = rustyline::DefaultEditor::new().map_err(std::io::Error::other)?;
        write!(
            out,
            "kyodo コンソール（{}さん）。/help で使い方、exit で終了。",
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
                    let _ = editor.add_history_entry(line.as_str());
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
