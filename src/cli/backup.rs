//! `kyodo backup [--output <file>] [--verify]`: a consistent copy of the database while it is
//! in use; without `--output`, today's checked backup in the `[backup]` folder, rotated.

use super::start;
use chrono::{DateTime, Utc};
use kyodo::domain::catalogue::backup_folder;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(
    config: &Path,
    db: &Path,
    output: Option<PathBuf>,
    verify: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<ExitCode> {
    let mut app = start(config, db, now)?;
    let checked = match output {
        Some(output) if !verify => {
            app.store.backup_to(&output)?;
            println!("データベースを {} に書き出しました", output.display());
            None
        }
        Some(output) => {
            let checked = kyodo::backups::take_to(&mut app.store, &output, now)?;
            println!("データベースを {} に書き出しました", output.display());
            Some(checked)
        }
        None => {
            let plan = app.settings.catalogue.backup.clone();
            let folder = backup_folder(plan.as_ref(), db);
            let today = app.today(now);
            let taken = kyodo::backups::take_day(&mut app.store, &folder, today, plan.map(|p| p.keep), now)?;
            println!("データベースを {} に書き出しました（今日の分）", taken.file.display());
            for removed in &taken.removed {
                println!(
                    "古いバックアップ {} を消しました（[backup] keep を超えた分）",
                    removed.display()
                );
            }
            Some(taken.checked)
        }
    };
    if let Some(checked) = checked {
        println!("確かめました: {checked}。記録と変更履歴の件数は元のデータベース（コピーの時点まで）と一致しています");
    }
    Ok(ExitCode::SUCCESS)
}
