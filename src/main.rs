//! The `kyodo` command line: parses the arguments (clap; the help in Japanese) and calls the
//! one function of the subcommand, in `src/cli/` (`kyodo report` → `cli::report::run`).
//! With `cli/`, the only user of `anyhow`: every error's whole chain is printed once, in
//! Japanese, here.

mod cli;

use clap::error::ErrorKind;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use cli::digest::DigestMode;
use cli::export::ExportFormat;
use cli::report::ReportFormat;
use cli::ConsoleRole;
use kyodo::config::DEFAULT_CONFIG;
use kyodo::domain::dates::parse_fiscal_year;
use kyodo::domain::FiscalYear;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kyodo",
    version,
    about = "協働 — 自治基本条例の実績を記録・集計する Discord ボット"
)]
struct Cli {
    /// 設定ファイル（取り組み・指標・地区と区など）
    #[arg(long, global = true, env = "KYODO_CONFIG", default_value = DEFAULT_CONFIG, value_name = "ファイル")]
    config: PathBuf,
    /// データベース（SQLite）のファイル
    #[arg(
        long,
        global = true,
        env = "KYODO_DATABASE",
        default_value = "data/kyodo.sqlite3",
        value_name = "ファイル"
    )]
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
        /// 入力する人の名前（記録の報告者になります。省略すると OS のユーザー名）
        #[arg(long, value_name = "名前")]
        user: Option<String>,
        /// 権限: staff（報告・自分の記録）か admin（他の人の記録も直せる）
        #[arg(long, value_enum, default_value_t = ConsoleRole::Admin, value_name = "権限")]
        role: ConsoleRole,
        /// 返信に付くファイル（グラフ・書き出し）を保存するフォルダ
        #[arg(long, default_value = "exports", value_name = "フォルダ")]
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
        #[arg(long, value_parser = fiscal_year, value_name = "年度")]
        fiscal_year: FiscalYear,
        /// 出力の形式（csv と xlsx は --output が必要）
        #[arg(long, value_enum, default_value_t = ReportFormat::Markdown, value_name = "形式")]
        format: ReportFormat,
        /// 書き出すファイル（省略すると画面に表示）
        #[arg(long, value_name = "ファイル")]
        output: Option<PathBuf>,
    },
    /// 月次まとめを表示する（--post で報告チャンネルに投稿、--retry で失敗した投稿をやり直す）
    Digest {
        /// 月（2026-10、R8.10、10月。省略すると先月）
        #[arg(long, value_name = "月")]
        month: Option<String>,
        /// グラフ（PNG）を書き出すファイル
        #[arg(long, value_name = "ファイル")]
        chart: Option<PathBuf>,
        /// 区×月のヒートマップ（PNG）を書き出すファイル
        #[arg(long, value_name = "ファイル")]
        heatmap: Option<PathBuf>,
        /// Discord の報告チャンネルに投稿する（同じ月は1回だけ）
        #[arg(long)]
        post: bool,
        /// 失敗した投稿（月次まとめ・年次報告）だけをもう一度投稿する
        #[arg(long, conflicts_with_all = ["post", "month", "chart", "heatmap"])]
        retry: bool,
    },
    /// 月のリマインド（その月にまだない記録・長く記録のない区・毎月の報告）を表示する（--post で報告チャンネルに投稿）
    Remind {
        /// 月（2026-10、R8.10、10月。省略すると今月）
        #[arg(long)]
        month: Option<String>,
        /// Discord の報告チャンネルに投稿する（同じ月は1回だけ。地区の担当をメンション）
        #[arg(long)]
        post: bool,
    },
    /// 記録を CSV か Excel（XLSX）のファイル（/records export と同じ列）から取り込む。番号のある行はその記録の直し、番号のない行は新しい記録。1行でも誤りがあれば何も取り込まない
    Import {
        /// 取り込むファイル（UTF-8 の CSV、BOM はあってもなくても。または .xlsx）
        #[arg(long, value_name = "ファイル")]
        file: PathBuf,
        /// 取り込む人の名前（「報告者」の列が空の行の報告者、直した記録の履歴に残る名前。省略すると OS のユーザー名）
        #[arg(long, value_name = "名前")]
        user: Option<String>,
        /// 権限: staff（自分の記録だけ直せる）か admin（他の人の記録も直せる）。コンソールと同じく既定は admin
        #[arg(long, value_enum, default_value_t = ConsoleRole::Admin, value_name = "権限")]
        role: ConsoleRole,
        /// 確かめるだけで取り込まない（何が新しく、何がどう変わるかを表示）
        #[arg(long)]
        dry_run: bool,
    },
    /// データベースのバックアップ（動いている間でも一貫したコピー）を書き出す。--output を省くと今日の分をバックアップのフォルダに（確かめてから）
    Backup {
        /// 書き出すファイル（新しいファイル）。省くと [backup] のフォルダ（既定はデータベースの横の backup/）に kyodo-YYYYMMDD.sqlite3
        #[arg(long, value_name = "ファイル")]
        output: Option<PathBuf>,
        /// 書き出したコピーを開いて確かめる（整合性検査と、件数が元のデータベースと合うか）。--output を省いたときはいつも確かめます
        #[arg(long)]
        verify: bool,
    },
    /// バックアップからデータベースを戻す（ボットを止めてから。戻す前のデータベースは横に残します）
    Restore {
        /// 戻すバックアップのファイル
        #[arg(long, value_name = "ファイル")]
        from: PathBuf,
    },
    /// 期間のすべての記録を CSV か Excel（XLSX）に書き出す
    Export {
        /// 最初の日（省略すると今年度の初め）
        #[arg(long, value_name = "日付")]
        from: Option<String>,
        /// 最後の日（省略すると今日）
        #[arg(long, value_name = "日付")]
        to: Option<String>,
        /// ファイルの形式
        #[arg(long, value_enum, default_value_t = ExportFormat::Xlsx, value_name = "形式")]
        format: ExportFormat,
        /// 書き出すファイル
        #[arg(long, value_name = "ファイル")]
        output: PathBuf,
    },
    /// 集計（/totals と同じ）: 年度の累計、または任意の期間を、地区・区・月・種類・報告者ごとの表でも。ファイルにも書き出せる
    Totals(cli::totals::TotalsArgs),
    /// 動作の確認: データベースが開けてスキーマが最新か、動いているボットが Discord につながり自動投稿が回っているか（問題があれば終了コード1）。何も書き換えない
    Health {
        /// ボットが動いていることも求める（Docker の HEALTHCHECK 用）
        #[arg(long)]
        bot: bool,
    },
    /// 設定ファイルと基準データを検査する（誤りがあれば行番号と理由を表示し、終了コード1）
    CheckConfig {
        /// 検査するファイル（省略時は --config のファイル）
        #[arg(value_name = "ファイル")]
        path: Option<PathBuf>,
    },
    /// ダッシュボード（見るだけのページ）を動かす。Discord のトークンは不要。Ctrl-C で止まる（Docker の停止でも）
    Web {
        /// 待ち受けるアドレスとポート（省略すると config の [web] addr、それもなければ 127.0.0.1:8080）
        #[arg(long, env = "KYODO_WEB_ADDR", value_parser = cli::web::socket_addr, value_name = "アドレス")]
        addr: Option<std::net::SocketAddr>,
    },
    /// ダッシュボードのサインイン用リンク（10分間、1回だけ有効）を作る。--revoke でその人のサインインをすべて取り消す
    WebLink {
        /// リンクを渡す人の名前（ページの右上に出ます）
        #[arg(
            long,
            value_name = "名前",
            required_unless_present = "revoke",
            conflicts_with = "revoke"
        )]
        user: Option<String>,
        /// 管理者として（記録の報告者の名前も見られる）
        #[arg(long)]
        admin: bool,
        /// この名前の人のサインイン（セッションとまだ使われていないリンク）をすべて取り消す
        #[arg(long, value_name = "名前")]
        revoke: Option<String>,
    },
    /// コマンドの使い方を表示する（kyodo help report は kyodo report --help と同じ）
    Help {
        /// 使い方を見るコマンド（省略すると kyodo 全体）
        #[arg(value_name = "コマンド")]
        command: Vec<String>,
    },
}

fn fiscal_year(input: &str) -> Result<FiscalYear, String> {
    parse_fiscal_year(input).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    cli::ignore_file_size_signal();
    if let Err(message) = cli::init_logging() {
        eprintln!("エラー: {message}");
        return ExitCode::FAILURE;
    }
    let args: Vec<OsString> = std::env::args_os().collect();
    let cli = match parse(&args) {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    if !matches!(cli.command, Command::Run) {
        cli::end_quietly_on_closed_pipe();
    }
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("エラー: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The command line read with clap, its help and errors in Japanese (`cli::help`): the help
/// or version printed, or an error with what to do, end the process here.
fn parse(args: &[OsString]) -> Result<Cli, ExitCode> {
    let command = cli::help::japanese(Cli::command());
    let parsed = command
        .clone()
        .try_get_matches_from(args)
        .and_then(|matches| Cli::from_arg_matches(&matches));
    parsed.map_err(|e| match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2))
        }
        _ => {
            eprintln!("{}", cli::help::error_message(&e, &command, args));
            ExitCode::from(2)
        }
    })
}

/// `kyodo help [command …]`: the help of that command, as `kyodo <command> --help` prints it
/// (an unknown command is refused with clap's suggestion).
fn help(words: Vec<String>) -> ExitCode {
    let args: Vec<OsString> = std::iter::once("kyodo".to_string())
        .chain(words)
        .chain(std::iter::once("--help".to_string()))
        .map(OsString::from)
        .collect();
    match parse(&args) {
        Ok(_) => ExitCode::SUCCESS,
        Err(code) => code,
    }
}

/// One function per subcommand.
fn run(args: Cli) -> anyhow::Result<ExitCode> {
    let now = chrono::Utc::now();
    let (config, db) = (args.config.as_path(), args.db.as_path());
    match args.command {
        Command::Run => cli::run::run(config, db, now),
        Command::Console { user, role, files } => cli::console::run(config, db, user, role, files, now),
        Command::Commands { json } => cli::commands::run(config, json),
        Command::Report {
            fiscal_year,
            format,
            output,
        } => cli::report::run(config, db, fiscal_year, format, output, now),
        Command::Digest {
            month,
            chart,
            heatmap,
            post,
            retry,
        } => {
            let mode = match (post, retry) {
                (_, true) => DigestMode::Retry,
                (true, false) => DigestMode::Post,
                (false, false) => DigestMode::Show,
            };
            cli::digest::run(config, db, month, [chart, heatmap], mode, now)
        }
        Command::Remind { month, post } => cli::remind::run(config, db, month, post, now),
        Command::Import {
            file,
            user,
            role,
            dry_run,
        } => cli::import::run(config, db, &file, user, role, dry_run, now),
        Command::Backup { output, verify } => cli::backup::run(config, db, output, verify, now),
        Command::Restore { from } => cli::restore::run(config, db, &from, now),
        Command::Export {
            from,
            to,
            format,
            output,
        } => cli::export::run(config, db, from, to, format, &output, now),
        Command::Totals(args) => cli::totals::run(config, db, args, now),
        Command::Health { bot } => cli::health::run(db, bot, now),
        Command::Web { addr } => cli::web::run(config, db, addr, now),
        Command::WebLink { user, admin, revoke } => cli::web::link(config, db, user, admin, revoke, now),
        Command::CheckConfig { path } => cli::check_config::run(path.as_deref().unwrap_or(config)),
        Command::Help { command } => Ok(help(command)),
    }
}
