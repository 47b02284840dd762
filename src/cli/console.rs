//! `kyodo console`: the same commands as Discord, typed at a terminal or piped in as a script
//! (`kyodo::console::Session`); exit status 1 if any line was refused or a file not saved.

use super::{start, user_name, ConsoleRole};
use chrono::{DateTime, Utc};
use kyodo::console::{ConsoleUser, Session};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(
    config: &Path,
    db: &Path,
    user: Option<String>,
    role: ConsoleRole,
    files: PathBuf,
    now: DateTime<Utc>,
) -> anyhow::Result<ExitCode> {
    let mut app = start(config, db, now)?;
    let name = user_name(user, "console");
    let mut session = Session::new(
        &mut app,
        ConsoleUser {
            name,
            roles: role.roles(),
        },
        now,
        files,
    );
    let mut out = std::io::stdout().lock();
    if std::io::stdin().is_terminal() {
        session.run_interactive(&mut out)?;
    } else {
        session.run_script(std::io::stdin().lock(), &mut out)?;
    }
    Ok(if session.any_refused {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
