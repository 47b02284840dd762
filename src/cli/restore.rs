//! `kyodo restore --from <backup>`: the database replaced by a checked backup while the bot is
//! stopped (`kyodo::backups::restore`); the database it replaces is kept beside it, named with
//! the time in the city's time zone (UTC if the config cannot be read).

use chrono::{DateTime, Utc};
use kyodo::store::Store;
use std::path::Path;
use std::process::ExitCode;

pub fn run(config: &Path, db: &Path, from: &Path, now: DateTime<Utc>) -> anyhow::Result<ExitCode> {
    let tz = match kyodo::config::load(config) {
        Ok(settings) => Some(settings.catalogue.time_zone),
        Err(e) => {
            tracing::warn!(error = %e, "config unreadable; the kept database is named in UTC");
            None
        }
    };
    let stamp = match tz {
        Some(tz) => now.with_timezone(&tz).format("%Y%m%dT%H%M%S").to_string(),
        None => now.format("%Y%m%dT%H%M%SZ").to_string(),
    };
    let restored = kyodo::backups::restore::restore(from, db, &stamp)?;
    println!("{} を確かめました: {}", from.display(), restored.checked);
    if let Some(kept) = &restored.kept {
        println!("戻す前のデータベースを {} に残しました", kept.display());
    }
    println!(
        "{} を {} の内容に戻しました。ボットを起動してください",
        db.display(),
        from.display()
    );
    let latest = Store::latest_schema_version();
    if restored.checked.schema < latest {
        println!(
            "このバックアップはスキーマ v{} です。前の版の kyodo ならそのまま使えます。この kyodo（v{latest} まで）で起動すると、v{latest} に更新する前のスナップショットを書いてから更新します",
            restored.checked.schema
        );
    }
    Ok(ExitCode::SUCCESS)
}
