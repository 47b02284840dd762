//! `kyodo totals`: `/totals` run from the command line — the same request through the same
//! command core (`kyodo::commands::handle`), printed as the console prints it, or its table
//! written to `--output` as a Markdown, CSV or XLSX file, all or nothing (`kyodo::files`).

use super::{start, write_new};
use chrono::{DateTime, Utc};
use clap::ValueEnum;
use kyodo::commands::spec::{command_set, invocation};
use kyodo::commands::{self, Command, OptionValue};
use kyodo::render::reply::{text, Outcome};
use std::path::Path;
use std::process::ExitCode;

/// `--format`: printed text, or a file of `/totals`' `format` choices.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TotalsFormat {
    Text,
    Markdown,
    Csv,
    Xlsx,
}

/// `/totals`' options, as the command line gives them.
pub struct TotalsArgs {
    pub fiscal_year: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub initiative: Option<i64>,
    pub by: Option<String>,
    pub format: TotalsFormat,
    pub output: Option<std::path::PathBuf>,
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
