//! `kyodo check-config [path]`: the catalogue and its baseline read and checked; what they hold
//! on success, every problem with its file and line otherwise (exit status 1).

use std::path::Path;
use std::process::ExitCode;

pub fn run(path: &Path) -> anyhow::Result<ExitCode> {
    match kyodo::config::load(path) {
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
