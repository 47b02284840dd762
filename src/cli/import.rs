//! `kyodo import --file <csv|xlsx>`: rows of an export (edited in Excel, or new) brought back
//! through `kyodo::commands::import` — all or none; each problem printed with its row.

use super::{start, user_name, ConsoleRole};
use chrono::{DateTime, Utc};
use kyodo::commands::import::{import_file, read_file, ImportError, Importer};
use kyodo::domain::record::Actor;
use std::path::Path;
use std::process::ExitCode;

pub fn run(
    config: &Path,
    db: &Path,
    file: &Path,
    user: Option<String>,
    role: ConsoleRole,
    dry_run: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<ExitCode> {
    let (name, _) = user_name(user, "import")?;
    let bytes = read_file(file)?;
    let mut app = start(config, db, now)?;
    // Default admin, as the console: whoever runs kyodo on the server can open the
    // database itself; --role staff holds an import to a staff member's rights.
    let who = Importer {
        actor: Actor {
            id: format!("import:{name}"),
            name,
        },
        roles: role.roles(),
    };
    match import_file(&mut app, file, bytes, &who, now, dry_run) {
        Ok(done) => {
            for line in done.summary() {
                println!("{line}");
            }
        }
        Err(ImportError::Rows(problems)) => {
            for problem in &problems {
                eprintln!("{} {problem}", file.display());
            }
            eprintln!("問題が{}件あるため、何も取り込んでいません", problems.len());
            return Ok(ExitCode::FAILURE);
        }
        Err(e) => return Err(e.into()),
    }
    Ok(ExitCode::SUCCESS)
}
