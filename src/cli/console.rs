//! `kyodo console`: the same commands as Discord, typed at a terminal or piped in as a script
//! (`kyodo::console::Session`); exit status 1 if any line was refused or a file not saved.

use super::{start, user_name, ConsoleRole, NameFrom};
use chrono::{DateTime, Utc};
use kyodo::console::{ConsoleUser, Session};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The console's history of typed lines, in the database's folder.
const HISTORY_FILE: &str = "console-history.txt";

pub fn run(
    config: &Path,
    db: &Path,
    user: Option<String>,
    role: ConsoleRole,
    files: PathBuf,
    now: DateTime<Utc>,
) -> anyhow::Result<ExitCode> {
    let (name, from) = user_name(user, "console")?;
    let mut app = start(config, db, now)?;
    let mut session = Session::new(
        &mut app,
        ConsoleUser {
            name,
            roles: role.roles(),
            system_name: from == NameFrom::System,
        },
        now,
        files,
    );
    let mut out = std::io::stdout().lock();
    if std::io::stdin().is_terminal() {
        // The history lives beside the database, in the data folder.
        let history = db.parent().unwrap_or(Path::new(".")).join(HISTORY_FILE);
        session.run_interactive(&mut out, Some(&history))?;
    } else {
        session.run_script(std::io::stdin().lock(), &mut out)?;
    }
    Ok(if session.any_refused {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
