//! `/admin status`: for administrators — the database, the bot (heartbeat, gateway, scheduler:
//! the facts `kyodo health` checks), the baseline, the schedule of the automatic posts, the
//! latest posts and what failed (and how to post it again), the last good backup.

use super::{Failure, Request};
use crate::app::App;
use crate::domain::health::HEARTBEAT_LIMIT;
use crate::domain::number::group_thousands;
use crate::domain::schedule::next_due;
use crate::domain::FiscalYear;
use crate::render::reply::{Reply, Section, Visibility};
use crate::store::backup::BackupStatus;
use crate::store::{PostKind, PostStatus, Store};

/// A count with thousands separators.
fn count(n: i64) -> String {
    u64::try_from(n).map_or_else(|_| n.to_string(), group_thousands)
}

/// How many recent posts `/admin status` lists.
const RECENT: usize = 6;

/// `/admin status` (admins only: `commands::handle` has checked), seen as `shown`.
pub(super) fn status(app: &App, request: &Request, shown: Visibility) -> Result<Reply, Failure> {
    let c = &app.settings.catalogue;
    let (live, deleted, audit) = app.store.counts()?;
    let database = vec![
        format!(
            "スキーマ {}（この kyodo は {} まで）",
            app.store.schema_version()?,
            Store::latest_schema_version()
        ),
        format!(
            "記録 {}件（削除済み {}件は集計に入りません）、変更履歴 {}件",
            count(live),
            count(deleted),
            count(audit)
        ),
    ];
    let bot: Vec<String> = crate::health::bot_facts(&app.store, request.now, false)
        .iter()
        .map(|fact| fact.line())
        .collect();
    let years: Vec<FiscalYear> = app.settings.baseline.keys().copied().collect();
    let baseline = match (years.first(), years.last()) {
        (Some(first), Some(last)) => vec![format!("{}〜{}（{}年度分）", first.label(), last.label(), years.len())],
        _ => vec!["ありません".to_string()],
    };
    let s = &c.schedule;
    let next = next_due(s, c.time_zone, c.fiscal_year_start, request.now).with_timezone(&c.time_zone);
    let mut schedule = vec![
        format!(
            "月次まとめ: 毎月{}日 {}（前の月の分）",
            s.digest_day,
            s.digest_time.format("%H:%M")
        ),
        format!(
            "年次報告: {}月{}日 {}（終わった年度の分）",
            s.annual_month,
            s.annual_day,
            s.annual_time.format("%H:%M")
        ),
        format!(
            "リマインド: 毎月{}日 {}（その月にまだない記録、{}か月以上記録のない区）",
            s.remind_day,
            s.remind_time.format("%H:%M"),
            s.stale_months
        ),
        next_post(app, request, &next.format("%Y年%-m月%-d日 %H:%M").to_string()),
    ];
    for run in app.store.recent_runs(RECENT)? {
        let what = match run.kind {
            PostKind::Digest => format!("{} の月次まとめ", run.period),
            PostKind::Annual => format!("{}年度の年次報告", run.period),
            PostKind::Remind => format!("{} のリマインド", run.period),
        };
        let state = match run.status {
            PostStatus::Posted => format!("投稿済み（メッセージ {}件）", run.message_ids.len()),
            PostStatus::Pending => "送信中か、送信中に止まりました（次の起動で送り直します）".to_string(),
            PostStatus::Failed => format!("失敗: {}", run.error.unwrap_or_default()),
        };
        schedule.push(format!("{what}: {state}"));
    }
    let failed = app.store.failed_runs()?;
    if !failed.is_empty() {
        schedule.push(format!(
            "失敗した投稿が{}件あります。サーバーで `kyodo digest --retry` を実行すると、その分だけ投稿し直します",
            failed.len()
        ));
    }
    Ok(Reply::done(
        shown,
        "kyodo の状態",
        vec![
            Section::new("データベース", database),
            Section::new("ボット", bot),
            Section::new("基準データ", baseline),
            Section::new("自動投稿", schedule),
            Section::new("バックアップ", backup_lines(app)?),
        ],
    ))
}

/// Where the bot's report channel is given, which the automatic posts need.
const SET_CHANNEL: &str =
    "チャンネルの ID を環境変数 KYODO_REPORT_CHANNEL_ID か config の [discord] report_channel_id に書いて";

/// When the next automatic post goes out — if one will: the running bot posts only with a
/// report channel (its heartbeat says whether its scheduler runs), and a bot that is not
/// running posts nothing until it starts.
fn next_post(app: &App, request: &Request, next: &str) -> String {
    let beat = match app.store.heartbeat() {
        Ok(beat) => beat,
        Err(e) => {
            tracing::warn!(error = %e, "the heartbeat could not be read");
            None
        }
    };
    let running = beat
        .as_ref()
        .filter(|b| b.stopped.is_none() && request.now - b.updated_at <= HEARTBEAT_LIMIT);
    match running {
        Some(beat) if beat.scheduler.enabled => format!("次の投稿: {next}"),
        Some(_) => format!(
            "報告チャンネルが設定されていないため、自動投稿はしていません。投稿するには、{SET_CHANNEL}、ボット（kyodo run）を起動し直してください"
        ),
        None => format!(
            "ボット（kyodo run）が動いていないため、自動投稿はしていません。起動すると、報告チャンネルが設定されていれば次は {next} に投稿します（止まっていた間の分は起動したときに）。報告チャンネルがまだなら、{SET_CHANNEL}から起動してください"
        ),
    }
}

/// The last good backup (when, file, records), the daily plan, and a failure since.
fn backup_lines(app: &App) -> Result<Vec<String>, Failure> {
    let c = &app.settings.catalogue;
    let when = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map(|t| t.with_timezone(&c.time_zone).format("%Y年%-m月%-d日 %H:%M").to_string())
            .unwrap_or_else(|| "（日時不明）".to_string())
    };
    let mut lines = Vec::new();
    let good = app.store.last_good_backup()?;
    match &good {
        Some(run) => lines.push(format!(
            "最後のバックアップ: {} {}（記録 {}件、変更履歴 {}件、確認済み）",
            when(run.finished_at),
            run.file,
            count(run.records.unwrap_or_default()),
            count(run.audit.unwrap_or_default())
        )),
        None => lines
            .push("確かめたバックアップはまだありません（サーバーで kyodo backup を実行すると取れます）".to_string()),
    }
    match &c.backup {
        Some(plan) => lines.push(format!(
            "毎日 {} にフォルダ {} へ（{}回分を残します）",
            plan.time.format("%H:%M"),
            plan.folder.display(),
            plan.keep
        )),
        None => lines.push("毎日のバックアップは設定されていません（config の [backup]）".to_string()),
    }
    if let Some(last) = app.store.last_backup()? {
        if last.status == BackupStatus::Failed && good.as_ref().is_none_or(|g| g.id != last.id) {
            lines.push(format!(
                "失敗: {} {}（{}）",
                when(last.finished_at),
                last.file,
                last.error.unwrap_or_default()
            ));
        }
    }
    Ok(lines)
}
