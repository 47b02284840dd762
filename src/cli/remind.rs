//! `kyodo remind`: a month's reminder of what is missing printed (its mentions as Discord
//! writes them), or posted to the report channel exactly once (`--post`, through
//! `kyodo::scheduler::post` and the Discord REST side, as the scheduler posts it on the 25th).

use super::{failure, start};
use anyhow::bail;
use chrono::{DateTime, NaiveDate, Utc};
use kyodo::commands::remind;
use kyodo::discord::DiscordSettings;
use kyodo::domain::dates::parse_month;
use kyodo::domain::YearMonth;
use kyodo::scheduler::post::{self, Retry};
use kyodo::scheduler::Job;
use std::path::Path;
use std::process::ExitCode;

/// `--month` as typed (2026-10, R8.10, 10月), or today's month.
fn month_of(text: Option<&str>, today: NaiveDate) -> anyhow::Result<YearMonth> {
    Ok(match text {
        Some(text) => parse_month(text, today)?,
        None => YearMonth::of(today),
    })
}

pub fn run(
    config: &Path,
    db: &Path,
    month: Option<String>,
    post: bool,
    now: DateTime<Utc>,
) -> anyhow::Result<ExitCode> {
    let app = start(config, db, now)?;
    let today = app.today(now);
    let month = month_of(month.as_deref(), today)?;
    remind::check_month(&app, month, today).map_err(|e| failure(e, "remind"))?;
    if !post {
        let reminder = remind::build(&app, month, today)?;
        print!("{}", reminder.text());
        return Ok(ExitCode::SUCCESS);
    }
    let discord = DiscordSettings::read(&app.settings.catalogue.discord, |name| std::env::var(name).ok())?;
    let Some(channel) = discord.report_channel_id else {
        bail!("投稿先のチャンネルを環境変数 KYODO_REPORT_CHANNEL_ID か config の [discord] report_channel_id に設定してください");
    };
    let rest = kyodo::discord::rest_for(&discord);
    let app = std::sync::Mutex::new(app);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let job = Job::Remind(month);
    let clock = || now;
    match runtime.block_on(post::post_job(&app, &rest, channel, job, Retry::default(), &clock)) {
        Ok(post::Posted::Sent(ids)) => println!("{}を投稿しました（メッセージ {}件）", job.label(), ids.len()),
        Ok(post::Posted::Already) => println!("{}はすでに投稿済みです（二重には投稿しません）", job.label()),
        Err(e) => {
            eprintln!("エラー: {e}");
            return Ok(ExitCode::FAILURE);
        }
    }
    Ok(ExitCode::SUCCESS)
}
