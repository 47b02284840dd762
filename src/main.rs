//! The `kyodo` command line: parses arguments, sets up logging, and hands off to the library.
//! The only user of `anyhow`: every error's whole chain is printed once, in Japanese, here.

use anyhow::{bail, Context};
use clap::{Parser, Subcommand, ValueEnum};
use kyodo::app::App;
use kyodo::commands::spec::{command_set, payload};
use kyodo::commands::Roles;
use kyodo::config::{self, DEFAULT_CONFIG};
use kyodo::console::{ConsoleUser, Session};
use kyodo::domain::dates::parse_fiscal_year;
use kyodo::domain::FiscalYear;
use std::io::IsTerminal;
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
        #[arg(long, default_value = ".")]
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
        /// 出力の形式
        #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
        format: ReportFormat,
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
}

fn fiscal_year(input: &str) -> Result<FiscalYear, String> {
    parse_fiscal_year(input).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
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
            let discord = config::discord_settings(&settings, |name| std::env::var(name).ok())?;
            let app = App::start(&cli.config, &cli.db, now)?;
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            runtime.block_on(kyodo::discord::run(discord, app, shutdown_signal()))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Console { user, role, files } => {
            let mut app = App::start(&cli.config, &cli.db, now)?;
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
        Command::Report { fiscal_year, format } => {
            let app = App::start(&cli.config, &cli.db, now)?;
            let current = FiscalYear::containing(app.today(now), app.settings.catalogue.fiscal_year_start);
            if fiscal_year > current {
                bail!(
                    "{}はまだ始まっていません（今は{}です）",
                    fiscal_year.label(),
                    current.label()
                );
            }
            let report = app.annual_report(fiscal_year).context("年次報告を作れませんでした")?;
            match format {
                ReportFormat::Markdown => print!("{}", report.markdown()),
                ReportFormat::Text => print!("{}", report.text()),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
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
