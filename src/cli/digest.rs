//! `kyodo digest`: a month's digest printed (its chart written with `--chart`, the heat map of
//! its contact matrix with `--heatmap`), or posted to the
//! report channel exactly once (`--post`, through `kyodo::scheduler::post` and the Discord
//! REST side), or the posts that failed posted again (`--retry`).

use super::{failure, start, write_new};
use anyhow::bail;
use chrono::{DateTime, NaiveDate, Utc};
use kyodo::app::App;
use kyodo::commands::digest;
use kyodo::discord::DiscordSettings;
use kyodo::domain::dates::parse_month;
use kyodo::domain::{FiscalYear, YearMonth};
use kyodo::render::reply::text as reply_text;
use kyodo::scheduler::post::{self, Retry};
use kyodo::scheduler::Job;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// What `kyodo digest` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestMode {
    /// Print the month's digest, and write its pictures with `--chart` and `--heatmap`.
    Show,
    /// Post the month's digest to the report channel, once (`--post`).
    Post,
    /// Post again every scheduled post that failed (`--retry`).
    Retry,
}

pub fn run(
    config: &Path,
    db: &Path,
    month: Option<String>,
    pictures: [Option<PathBuf>; 2],
    mode: DigestMode,
    now: DateTime<Utc>,
) -> anyhow::Result<ExitCode> {
    let app = start(config, db, now)?;
    match mode {
        DigestMode::Show => show(&app, month.as_deref(), pictures, now),
        DigestMode::Post | DigestMode::Retry => post(app, month.as_deref(), mode, now),
    }
}

/// `--month` as typed (2026-10, R8.10, 10月), or the month before today's.
fn month_of(text: Option<&str>, today: NaiveDate) -> anyhow::Result<YearMonth> {
    Ok(match text {
        Some(text) => parse_month(text, today)?,
        None => YearMonth::of(today).previous(),
    })
}

/// Prints the digest; writes the chart and the heat map where `pictures` names a file for them.
fn show(
    app: &App,
    month: Option<&str>,
    pictures: [Option<PathBuf>; 2],
    now: DateTime<Utc>,
) -> anyhow::Result<ExitCode> {
    let today = app.today(now);
    let month = month_of(month, today)?;
    let annual = |year: FiscalYear| format!("kyodo report --fiscal-year {}", year.start_year());
    digest::check_month(app, month, annual).map_err(|e| failure(e, "digest"))?;
    let built = digest::build(app, month, today)?;
    print!("{}", reply_text(&built.reply));
    let [chart, heatmap] = pictures;
    if heatmap.is_some() && built.matrix.is_none() {
        println!("区×月のヒートマップはありません（設定に地区ごとの記録の種類がありません）");
    }
    if chart.is_some() || heatmap.is_some() {
        let files = built.pictures()?;
        let wanted = [(chart, "グラフ"), (heatmap, "区×月のヒートマップ")];
        for ((path, what), file) in wanted.into_iter().zip(files) {
            if let Some(path) = path {
                write_new(&path, &file.bytes)?;
                println!("{what}を {} に書き出しました", path.display());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn post(app: App, month: Option<&str>, mode: DigestMode, now: DateTime<Utc>) -> anyhow::Result<ExitCode> {
    let today = app.today(now);
    let discord = DiscordSettings::read(&app.settings.catalogue.discord, |name| std::env::var(name).ok())?;
    let rest = kyodo::discord::rest_for(&discord);
    let clock = chrono::Utc::now;
    let app = std::sync::Mutex::new(app);
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let outcomes = if mode == DigestMode::Retry {
        runtime.block_on(post::retry_failed(&app, &rest, Retry::default(), &clock))?
    } else {
        let Some(channel) = discord.report_channel_id else {
            bail!("投稿先のチャンネルを環境変数 KYODO_REPORT_CHANNEL_ID か config の [discord] report_channel_id に設定してください");
        };
        let job = Job::Digest(month_of(month, today)?);
        let outcome = runtime.block_on(post::post_job(&app, &rest, channel, job, Retry::default(), &clock));
        vec![(job, outcome)]
    };
    if outcomes.is_empty() {
        println!("やり直す投稿はありません");
    }
    let mut failed = false;
    for (job, outcome) in outcomes {
        match outcome {
            Ok(post::Posted::Sent(ids)) => println!("{}を投稿しました（メッセージ {}件）", job.label(), ids.len()),
            Ok(post::Posted::Already) => println!("{}はすでに投稿済みです（二重には投稿しません）", job.label()),
            Err(e) => {
                eprintln!("エラー: {e}");
                failed = true;
            }
        }
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}
