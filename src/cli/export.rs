//! `kyodo export`: `/records export` run from the command line — the same request through the
//! same command core (`kyodo::commands::export`), its file written to `--output` as a new file,
//! all or nothing (`kyodo::files`).

use super::{failure, start, write_new};
use chrono::{DateTime, Utc};
use clap::ValueEnum;
use kyodo::commands::spec::{command_set, invocation};
use kyodo::commands::{self, Command, OptionValue};
use std::path::Path;
use std::process::ExitCode;

/// `--format`: the choices of `/records export`'s `format`.
#[derive(Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    /// The choice as `/records export` names it.
    fn choice(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Xlsx => "xlsx",
        }
    }
}

pub fn run(
    config: &Path,
    db: &Path,
    from: Option<String>,
    to: Option<String>,
    format: ExportFormat,
    output: &Path,
    now: DateTime<Utc>,
) -> anyhow::Result<ExitCode> {
    let app = start(config, db, now)?;
    let commands = command_set(&app.settings.catalogue);
    let mut invocation = invocation(&commands, Command::RecordsExport).unwrap_or_default();
    for (name, value) in [("from", from), ("to", to)] {
        if let Some(value) = value {
            invocation = invocation.with(name, OptionValue::String(value));
        }
    }
    let invocation = invocation.with("format", OptionValue::String(format.choice().to_string()));
    let request = super::admin_request("export", invocation, now);
    let export = commands::export(&app, &request).map_err(|e| failure(e, "export"))?;
    write_new(output, &export.file.bytes)?;
    println!(
        "{}件の記録を {} に書き出しました（{}〜{}）",
        kyodo::domain::number::group_thousands(export.count as u64),
        output.display(),
        export.from,
        export.to
    );
    Ok(ExitCode::SUCCESS)
}
