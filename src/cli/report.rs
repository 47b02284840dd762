//! `kyodo report --fiscal-year <year>`: the annual report (that year and the two before it) in
//! the layout of the city's, shown as Markdown or text, or written as CSV or XLSX.

use super::{start, write_new};
use anyhow::{bail, Context};
use chrono::{DateTime, Utc};
use clap::ValueEnum;
use kyodo::domain::FiscalYear;
use kyodo::render::csv::annual_csv;
use kyodo::render::xlsx::annual_xlsx;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `--format`.
#[derive(Clone, Copy, ValueEnum)]
pub enum ReportFormat {
    Markdown,
    Text,
    Csv,
    Xlsx,
}

pub fn run(
    config: &Path,
    db: &Path,
    fiscal_year: FiscalYear,
    format: ReportFormat,
    output: Option<PathBuf>,
    now: DateTime<Utc>,
) -> anyhow::Result<ExitCode> {
    let app = start(config, db, now)?;
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
