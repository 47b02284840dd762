//! The `kyodo` command line: parses arguments, sets up logging, and hands off to the library.
//! The only user of `anyhow`: every error's whole chain is printed once, in Japanese, here.

use anyhow::{bail, Context};
use clap::{Parser, Subcommand, ValueEnum};
use kyodo::app::{App, StartError};
use kyodo::backups::lock::LockError;
use kyodo::backups::{Daily, RunLock};
use kyodo::commands::spec::{command_set, payload};
use kyodo::commands::Roles;
use kyodo::commands::{digest, Failure};
use kyodo::config::{self, DEFAULT_CONFIG};
use kyodo::console::{ConsoleUser, Session};
use kyodo::domain::catalogue::backup_folder;
use kyodo::domain::dates::{parse_date, parse_fiscal_year, parse_month};
use kyodo::domain::FiscalYear;
use kyodo::domain::YearMonth;
use kyodo::files::{self, Overwrite};
use kyodo::render::chart::render_png;
use kyodo::render::csv::{annual_csv, records_csv};
use kyodo::render::reply::text as reply_text;
use kyodo::render::xlsx::{annual_xlsx, records_xlsx};
use kyodo::scheduler::post::{self, Retry};
use kyodo::scheduler::Job;
use kyodo::store::Store;
use std::io::IsTerminal;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kyodo",
    version,
    about = "協働 — 小諸市 自治基本条例の実績を記録・集計する Discord ボット"
)]
struct Cli {
    /// 設定ファイル（取り組み・指標・地区と区など）
    #[arg(long, global = true, env = "KYODO_CONFIG", default_value = DEFAULT_CONFIG)]
    config: PathBuf,
    /// データベース（SQLite）のファイル
    #[arg(long, global = true, env = "KYODO_DATABASE", default_value = "data/kyodo.sqlite3")]
    db: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Discord のボットとして動く（DISCORD_TOKEN と KYODO_GUILD_ID が必要）
    Run,
    /// コンソール: Discord と同じコマンドを1行ずつ入力（またはファイルから流し込み）して試す。トークン不要
    Console {
        /// 入力する人の名前（記録の報告者になります）
        #[arg(long)]
        user: Option<String>,
        /// 権限: staff（報告・自分の記録）か admin（他の人の記録も直せる）
        #[arg(long, value_enum, default_value_t = ConsoleRole::Admin)]
        role: ConsoleRole,
        /// 返信に付くファイル（グラフ・書き出し）を保存するフォルダ
        #[arg(long, default_value = "exports")]
        files: PathBuf,
    },
    /// Discord に登録するコマンドの定義を表示する（--json で一括登録 API にそのまま渡せる形）
    Commands {
        /// JSON で出力する
        #[arg(long)]
        json: bool,
    },
    /// 年次報告（報告書と同じ表）を表示する: その年度と前の2年度
    Report {
        /// 年度（2020、令和2年度、R2 など）
        #[arg(long, value_parser = fiscal_year)]
        fiscal_year: FiscalYear,
        /// 出力の形式（csv と xlsx は --output が必要）
        #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
        format: ReportFormat,
        /// 書き出すファイル（省略すると画面に表示）
        #[arg(long)]
        output: Option<PathBuf>,
    },
    /// 月次まとめを表示する（--post で報告チャンネルに投稿、--retry で失敗した投稿をやり直す）
    Digest {
        /// 月（2026-10、R8.10、10月。省略すると先月）
        #[arg(long)]
        month: Option<String>,
        /// グラフ（PNG）を書き出すファイル
        #[arg(long)]
        chart: Option<PathBuf>,
        /// Discord の報告チャンネルに投稿する（同じ月は1回だけ）
        #[arg(long)]
        post: bool,
        /// 失敗した投稿（月次まとめ・年次報告）だけをもう一度投稿する
        #[arg(long, conflicts_with_all = ["post", "month", "chart"])]
        retry: bool,
    },
    /// 記録を CSV か Excel（XLSX）のファイル（/records export と同じ列）から取り込む。番号のある行はその記録の直し、番号のない行は新しい記録。1行でも誤りがあれば何も取り込まない
    Import {
        /// 取り込むファイル（UTF-8 の CSV、BOM はあってもなくても。または .xlsx）
        #[arg(long)]
        file: PathBuf,
        /// 取り込む人の名前（「報告者」の列が空の行の報告者、直した記録の履歴に残る名前）
        #[arg(long)]
        user: Option<String>,
        /// 権限: staff（自分の記録だけ直せる）か admin（他の人の記録も直せる）。コンソールと同じく既定は admin
        #[arg(long, value_enum, default_value_t = ConsoleRole::Admin)]
        role: ConsoleRole,
        /// 確かめるだけで取り込まない（何が新しく、何がどう変わるかを表示）
        #[arg(long)]
        dry_run: bool,
    },
    /// データベースのバックアップ（動いている間でも一貫したコピー）を書き出す。--output を省くと今日の分をバックアップのフォルダに（確かめてから）
    Backup {
        /// 書き出すファイル（新しいファイル）。省くと [backup] のフォルダ（既定はデータベースの横の backup/）に kyodo-YYYYMMDD.sqlite3
        #[arg(long)]
        output: Option<PathBuf>,
        /// 書き出したコピーを開いて確かめる（整合性検査と、件数が元のデータベースと合うか）。--output を省いたときはいつも確かめます
        #[arg(long)]
        verify: bool,
    },
    /// バックアップからデータベースを戻す（ボットを止めてから。戻す前のデータベースは横に残します）
    Restore {
        /// 戻すバックアップのファイル
        #[arg(long)]
        from: PathBuf,
    },
    /// 期間のすべての記録を CSV か Excel（XLSX）に書き出す
    Export {
        /// 最初の日（省略すると今年度の初め）
        #[arg(long)]
        from: Option<String>,
        /// 最後の日（省略すると今日）
        #[arg(long)]
        to: Option<String>,
        #[arg(long, value_enum, default_value_t = ExportFormat::Xlsx)]
        format: ExportFormat,
        /// 書き出すファイル
        #[arg(long)]
        output: PathBuf,
    },
    /// 動作の確認: データベースが開けてスキーマが最新か、動いているボットが Discord につながり自動投稿が回っているか（問題があれば終了コード1）。何も書き換えない
    Health {
        /// ボットが動いていることも求める（Docker の HEALTHCHECK 用）
        #[arg(long)]
        bot: bool,
    },
    /// 設定ファイルと基準データを検査する（誤りがあれば行番号と理由を表示し、終了コード1）
    CheckConfig {
        /// 検査するファイル（省略時は --config のファイル）
        path: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ConsoleRole {
    Staff,
    Admin,
}

#[derive(Clone, Copy, ValueEnum)]
enum ReportFormat {
    Markdown,
    Text,
    Csv,
    Xlsx,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExportFormat {
    Csv,
    Xlsx,
}

fn fiscal_year(input: &str) -> Result<FiscalYear, String> {
    parse_fiscal_year(input).map_err(|e| e.to_string())
}

/// Logging on stderr: `RUST_LOG` sets the level (default `warn`), `KYODO_LOG_FORMAT=json` writes
/// one JSON object per line for a log shipper (default `text`).
fn init_logging() -> Result<(), String> {
    let mut filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into());
    // serenity logs an event it cannot read in full at debug level, interaction token included
    // (src/client/dispatch.rs, `Event::Unknown`); the bot logs those itself, without the token.
    if let Ok(quiet) = "serenity::client::dispatch=info".parse() {
        filter = filter.add_directive(quiet);
    }
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match std::env::var("KYODO_LOG_FORMAT").ok().as_deref().map(str::trim) {
        None | Some("" | "text") => builder.init(),
        Some("json") => builder.json().flatten_event(true).with_current_span(false).init(),
        Some(other) => {
            builder.init();
            return Err(format!(
                "環境変数 KYODO_LOG_FORMAT「{other}」は使えません。text（既定）か json を指定してください"
            ));
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    ignore_file_size_signal();
    if let Err(message) = init_logging() {
        eprintln!("エラー: {message}");
        return ExitCode::FAILURE;
    }
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("エラー: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let now = chrono::Utc::now();
    match cli.command {
        Command::Health { bot } => {
            let facts = kyodo::health::check(&cli.db, now, bot);
            for fact in &facts {
                println!("{}", fact.line());
            }
            Ok(if kyodo::domain::health::all_ok(&facts) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::CheckConfig { path } => {
            let path = path.unwrap_or(cli.config);
            match config::load(&path) {
                Ok(settings) => {
                    let c = &settings.catalogue;
                    println!(
                        "{}: 問題はありません（取り組み{}、指標{}、地区{}、区{}、基準データ{}年度）",
                        path.display(),
                        c.initiatives.len(),
                        c.indicators.len(),
                        c.areas.len(),
                        c.areas.iter().map(|a| a.districts.len()).sum::<usize>(),
                        settings.baseline.len()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => {
                    eprintln!("{e}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::Run => {
            let settings = config::load(&cli.config)?;
            let discord =
                kyodo::discord::DiscordSettings::read(&settings.catalogue.discord, |name| std::env::var(name).ok())?;
            // Held until the bot ends: `kyodo restore` refuses while it is.
            let _lock = match RunLock::acquire(&cli.db) {
                Ok(lock) => Some(lock),
                Err(e @ LockError::Held { .. }) => return Err(e.into()),
                Err(e) => {
                    tracing::warn!(error = %e, "running without the lock: kyodo restore cannot tell that the bot is running");
                    None
                }
            };
            let app = App::start(&cli.config, &cli.db, now)?;
            let daily = Daily::open(&cli.db, &settings)?;
            if daily.is_none() {
                tracing::info!("no [backup] in the config: no daily backups");
            }
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let (stop, stopped) = tokio::sync::watch::channel(false);
            let backups = daily.map(|daily| runtime.spawn(kyodo::backups::daily::run(daily, stopped)));
            let shutdown = async move {
                shutdown_signal().await;
                let _ = stop.send(true);
            };
            let ended = runtime.block_on(kyodo::discord::run(discord, app, shutdown));
            if let Some(backups) = backups {
                let _ = runtime.block_on(backups);
            }
            ended?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { from } => {
            let tz = match config::load(&cli.config) {
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
            let restored = kyodo::backups::restore::restore(&from, &cli.db, &stamp)?;
            println!("{} を確かめました: {}", from.display(), restored.checked);
            if let Some(kept) = &restored.kept {
                println!("戻す前のデータベースを {} に残しました", kept.display());
            }
            println!(
                "{} を {} の内容に戻しました。ボットを起動してください",
                cli.db.display(),
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
        Command::Console { user, role, files } => {
            let mut app = start(&cli.config, &cli.db, now)?;
            let name = user
                .or_else(|| std::env::var("USER").ok())
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| "console".to_string());
            let roles = Roles {
                staff: true,
                admin: matches!(role, ConsoleRole::Admin),
            };
            let mut session = Session::new(&mut app, ConsoleUser { name, roles }, now, files);
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
        Command::Commands { json } => {
            let settings = config::load(&cli.config)?;
            let commands = command_set(&settings.catalogue);
            if json {
                println!("{}", serde_json::to_string_pretty(&payload(&commands))?);
            } else {
                for c in &commands {
                    println!("/{}（/{}）— {}", c.name, c.name_ja, c.description_ja);
                    for o in &c.options {
                        println!("    {}（{}）— {}", o.name, o.name_ja, o.description_ja);
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Digest {
            month,
            chart,
            post,
            retry,
        } => digest(&cli.config, &cli.db, month, chart, post, retry, now),
        Command::Import {
            file,
            user,
            role,
            dry_run,
        } => {
            let bytes = kyodo::commands::import::read_file(&file)?;
            let mut app = start(&cli.config, &cli.db, now)?;
            let name = user
                .or_else(|| std::env::var("USER").ok())
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| "取り込み".to_string());
            // Default admin, as the console: whoever runs kyodo on the server can open the
            // database itself; --role staff holds an import to a staff member's rights.
            let who = kyodo::commands::import::Importer {
                actor: kyodo::domain::record::Actor {
                    id: format!("import:{name}"),
                    name,
                },
                roles: Roles {
                    staff: true,
                    admin: matches!(role, ConsoleRole::Admin),
                },
            };
            match kyodo::commands::import::import_file(&mut app, &file, bytes, &who, now, dry_run) {
                Ok(done) => {
                    for line in done.summary() {
                        println!("{line}");
                    }
                }
                Err(kyodo::commands::import::ImportError::Rows(problems)) => {
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
        Command::Backup { output, verify } => {
            let mut app = start(&cli.config, &cli.db, now)?;
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
                    let folder = backup_folder(plan.as_ref(), &cli.db);
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
                println!(
                    "確かめました: {checked}。記録と変更履歴の件数は元のデータベース（コピーの時点まで）と一致しています"
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Export {
            from,
            to,
            format,
            output,
        } => {
            let app = start(&cli.config, &cli.db, now)?;
            let today = app.today(now);
            let c = &app.settings.catalogue;
            let read = |text: Option<String>, default| -> anyhow::Result<chrono::NaiveDate> {
                match text {
                    Some(t) => Ok(parse_date(&t, today)?),
                    None => Ok(default),
                }
            };
            let from = read(
                from,
                FiscalYear::containing(today, c.fiscal_year_start).first_day(c.fiscal_year_start),
            )?;
            let to = read(to, today)?;
            if from > to {
                bail!("--to は --from より後の日にしてください");
            }
            let records = app.store.records_between(from, to)?;
            let bytes = match format {
                ExportFormat::Csv => records_csv(c, &records),
                ExportFormat::Xlsx => records_xlsx(c, &records)?,
            };
            write_new(&output, &bytes)?;
            println!(
                "{} 件の記録を {} に書き出しました（{}〜{}）",
                records.len(),
                output.display(),
                from,
                to
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Report {
            fiscal_year,
            format,
            output,
        } => {
            let app = start(&cli.config, &cli.db, now)?;
            let current = FiscalYear::containing(app.today(now), app.settings.catalogue.fiscal_year_start);
            if fiscal_year > current {
                bail!(
                    "{}はまだ始まっていません（今は{}です）",
                    fiscal_year.label(),
                    current.label()
                );
            }
            let report = app
                .annual_report(fiscal_year, app.today(now))
                .context("年次報告を作れませんでした")?;
            let bytes = match format {
                ReportFormat::Markdown => report.markdown().into_bytes(),
                ReportFormat::Text => report.text().into_bytes(),
                ReportFormat::Csv => annual_csv(&report),
                ReportFormat::Xlsx => annual_xlsx(&report)?,
            };
            match output {
                Some(path) => {
                    write_new(&path, &bytes)?;
                    println!("{}を {} に書き出しました", report.title, path.display());
                }
                None if matches!(format, ReportFormat::Csv | ReportFormat::Xlsx) => {
                    bail!("CSV と XLSX は --output で書き出すファイルを指定してください")
                }
                None => std::io::stdout().write_all(&bytes)?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `App::start` for a command run by hand: an upgrade of the database, and the snapshot that
/// undoes it, are said on stderr (the log has them too).
fn start(
    config_path: &std::path::Path,
    db: &std::path::Path,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<App, StartError> {
    let app = App::start(config_path, db, now)?;
    if let Some(upgraded) = app.store.upgraded() {
        eprintln!("{upgraded}");
    }
    Ok(app)
}

/// Writes a new file all or nothing; refuses to overwrite one.
fn write_new(path: &std::path::Path, bytes: &[u8]) -> Result<(), files::FileError> {
    files::write_atomic(path, bytes, Overwrite::No)
}

/// A file-size limit (`ulimit -f`) would kill kyodo with SIGXFSZ in the middle of a file;
/// ignored, the write fails with EFBIG instead, which is reported and cleaned up.
fn ignore_file_size_signal() {
    #[cfg(unix)]
    // SAFETY: sets the disposition of one signal to SIG_IGN before any thread is started; no
    // handler code runs.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

/// `kyodo digest`: print a month's digest, or post it (exactly once), or post again what failed.
fn digest(
    config_path: &std::path::Path,
    db: &std::path::Path,
    month: Option<String>,
    chart: Option<PathBuf>,
    post: bool,
    retry: bool,
    now: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<ExitCode> {
    let app = start(config_path, db, now)?;
    let today = app.today(now);
    if retry || post {
        let settings = config::load(config_path)?;
        let discord =
            kyodo::discord::DiscordSettings::read(&settings.catalogue.discord, |name| std::env::var(name).ok())?;
        let rest = kyodo::discord::rest_for(&discord);
        let clock = chrono::Utc::now;
        let app = std::sync::Mutex::new(app);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let outcomes = if retry {
            runtime.block_on(post::retry_failed(&app, &rest, Retry::default(), &clock))?
        } else {
            let Some(channel) = discord.report_channel_id else {
                bail!("投稿先のチャンネルを環境変数 KYODO_REPORT_CHANNEL_ID か config の [discord] report_channel_id に設定してください");
            };
            let month = match &month {
                Some(text) => parse_month(text, today)?,
                None => YearMonth::of(today).previous(),
            };
            let job = Job::Digest(month);
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
        return Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS });
    }
    let month = match &month {
        Some(text) => parse_month(text, today)?,
        None => YearMonth::of(today).previous(),
    };
    if let Err(Failure::User(e)) = digest::check_month(&app, month) {
        bail!("{e}");
    }
    let built = digest::build(&app, month, today)?;
    print!("{}", reply_text(&built.reply));
    if let Some(path) = chart {
        let png = render_png(&built.chart)?;
        write_new(&path, &png)?;
        println!("グラフを {} に書き出しました", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Completes on Ctrl-C or SIGTERM (what `docker stop` sends).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(term) => term,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
