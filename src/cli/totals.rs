//! `kyodo totals`: `/totals` run from the command line — the same request through the same
//! command core (`kyodo::commands::handle`), printed as the console prints it, or its table
//! written to `--output` as a Markdown, CSV or XLSX file, all or nothing (`kyodo::files`).

use super::{start, write_new};
use chrono::{DateTime, Utc};
use clap::ValueEnum;
use kyodo::commands::spec::{command_set, invocation};
use kyodo::commands::{self, Command, OptionValue};
use kyodo::render::reply::{text, Outcome};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `--format`: printed text, or a file of `/totals`' `format` choices.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TotalsFormat {
    Text,
    Markdown,
    Csv,
    Xlsx,
}

/// `/totals`' options, as the command line gives them (`kyodo totals --help`).
#[derive(clap::Args)]
pub struct TotalsArgs {
    /// 年度（2026、R8、令和8年度）。省略すると今年度
    #[arg(long = "fiscal-year", value_name = "年度")]
    pub fiscal_year: Option<String>,
    /// 最初の日（from か to があれば年度の代わりにこの期間。省略すると今年度の初め）
    #[arg(long, value_name = "日付")]
    pub from: Option<String>,
    /// 最後の日（省略すると今日）
    #[arg(long, value_name = "日付")]
    pub to: Option<String>,
    /// この取り組みだけ（番号）
    #[arg(long, value_name = "番号")]
    pub initiative: Option<i64>,
    /// 表の分け方: area（地区）、district（区）、month（月）、kind（種類）、reporter（報告者）
    #[arg(long, value_name = "分け方")]
    pub by: Option<String>,
    /// text（画面に表示）、markdown、csv、xlsx（--output のファイルに）
    #[arg(long, value_enum, default_value_t = TotalsFormat::Text, value_name = "形式")]
    pub format: TotalsFormat,
    /// 書き出すファイル（--format が markdown・csv・xlsx のとき）
    #[arg(long, value_name = "ファイル")]
    pub output: Option<PathBuf>,
}

pub fn run(config: &Path, db: &Path, args: TotalsArgs, now: DateTime<Utc>) -> anyhow::Result<ExitCode> {
    let file_format = match args.format {
        TotalsFormat::Text => None,
        TotalsFormat::Markdown => Some("markdown"),
        TotalsFormat::Csv => Some("csv"),
        TotalsFormat::Xlsx => Some("xlsx"),
    };
    if file_format.is_some() && args.output.is_none() {
        anyhow::bail!("--format がファイルの形式のときは、書き出すファイルを --output で指定してください（例: --output 集計.xlsx）");
    }
    let mut app = start(config, db, now)?;
    let commands = command_set(&app.settings.catalogue);
    let mut invocation = invocation(&commands, Command::Totals).unwrap_or_default();
    let texts = [
        ("fiscal_year", args.fiscal_year),
        ("from", args.from),
        ("to", args.to),
        ("by", args.by),
        ("format", file_format.map(str::to_string)),
    ];
    for (name, value) in texts {
        if let Some(value) = value {
            invocation = invocation.with(name, OptionValue::String(value));
        }
    }
    if let Some(n) = args.initiative {
        invocation = invocation.with("initiative", OptionValue::Integer(n));
    }
    let request = super::admin_request("totals", invocation, now);
    let reply = commands::handle(&mut app, &request);
    if reply.outcome != Outcome::Done {
        eprintln!("{}", text(&reply));
        return Ok(ExitCode::FAILURE);
    }
    match (args.output, reply.files.first()) {
        (Some(output), Some(file)) => {
            write_new(&output, &file.bytes)?;
            println!("{} を {} に書き出しました", reply.title, output.display());
        }
        _ => print!("{}", text(&reply)),
    }
    Ok(ExitCode::SUCCESS)
}
