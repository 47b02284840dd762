//! Start-up shared by every subcommand: the checked configuration, the migrated database with
//! the baseline loaded, and the annual report built from them.

use crate::config::{self, ConfigError, Settings};
use crate::domain::figures::Tally;
use crate::domain::subsidy::Counts as SubsidyCounts;
use crate::domain::totals::{year_to_date, Period};
use crate::domain::RecordType;
use crate::domain::{Figures, FiscalYear};
use crate::render::report::{AnnualReport, ReportYear};
use crate::store::{self, FiguresSource, Remembered, Store, Watched};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] store::Error),
}

/// A fiscal year's month-by-month figures per measure (the pace's and the chart's), under the
/// year, the last month counted and the measures (each by indicator and record type).
pub type SeriesKey = (i32, String, Vec<(u8, RecordType)>);
pub type Series = Vec<Vec<Option<u64>>>;

/// A running kyodo: its settings, its database, and the series read from it that still hold
/// (`store::Remembered`: the earlier years of the pace, read once while they do not change).
pub struct App {
    pub settings: Settings,
    pub store: Store,
    pub series: Remembered<SeriesKey, Series>,
    figures: Remembered<(NaiveDate, NaiveDate), (Figures, FiguresSource)>,
    /// Running tallies (of one type, or of all) over the months before the one reported in
    /// (`figures_of_type`) or the last one asked (`period_figures`).
    earlier: Remembered<(Option<RecordType>, NaiveDate, NaiveDate), Arc<Vec<Tally>>>,
    /// The subsidy rule's counts per course over a period (`period_figures`), watched over the
    /// subsidy records alone: a report of another type leaves them as they are.
    subsidy: Remembered<(NaiveDate, NaiveDate), Arc<BTreeMap<String, SubsidyCounts>>>,
}

/// A period's running tallies as `App::tallies_split` reads them: the earlier months'
/// remembered (shared, not copied) and the rest read.
struct Split {
    earlier: Arc<Vec<Tally>>,
    rest: Vec<Tally>,
}

impl Split {
    fn iter(&self) -> impl Iterator<Item = &Tally> {
        self.earlier.iter().chain(&self.rest)
    }
}

impl App {
    /// Reads and checks the configuration, then `open`s the database with it.
    pub fn start(config_path: &Path, db_path: &Path, now: DateTime<Utc>) -> Result<App, StartError> {
        let settings = config::load(config_path)?;
        Ok(App::open(settings, db_path, now)?)
    }

    /// Opens and migrates the database (a snapshot before an upgrade goes to the backup folder)
    /// and loads the baseline of `settings`, read once by the caller.
    pub fn open(settings: Settings, db_path: &Path, now: DateTime<Utc>) -> Result<App, store::Error> {
        let backups = crate::domain::catalogue::backup_folder(settings.catalogue.backup.as_ref(), db_path);
        let mut store = Store::open_with(db_path, &backups)?;
        store.describe(&settings.catalogue)?;
        let load = store.load_baseline(&settings.baseline, now)?;
        if load != Default::default() {
            tracing::info!(?load, "baseline loaded into the database");
        }
        Ok(App {
            settings,
            store,
            series: Remembered::new(16),
            figures: Remembered::new(8),
            earlier: Remembered::new(16),
            subsidy: Remembered::new(8),
        })
    }

    /// `Store::period_figures`, remembered while the records of the period's fiscal year do not
    /// change (last year's same days, asked by every /totals): whether they are known at all
    /// depends on the whole year's records. Read again after a write to the year, the tallies
    /// of the months before the period's last are remembered too (`earlier`), so that a
    /// /totals after a report reads that report's month, not the year; and the subsidy counts
    /// (`subsidy`), which only a subsidy record changes.
    pub fn period_figures(&self, period: Period) -> Result<(Figures, FiguresSource), store::Error> {
        let start = self.settings.catalogue.fiscal_year_start;
        let year = FiscalYear::containing(period.from, start);
        let watched = (year.first_day(start), year.last_day(start));
        self.figures
            .get_or_read(&self.store, (period.from, period.to), watched, || {
                self.read_period_figures(period)
            })
    }

    /// `Store::period_figures`, the tallies of the months before the period's last taken from
    /// `earlier` while their records do not change, the rest read.
    fn read_period_figures(&self, period: Period) -> Result<(Figures, FiguresSource), store::Error> {
        let catalogue = &self.settings.catalogue;
        if let Some(known) = self.store.figures_not_from_records(catalogue, period)? {
            return Ok(known);
        }
        let (from, to) = (period.from, period.to);
        let tallies = self.tallies_split(None, (from, to), to)?;
        let subsidy_type = Watched::Type(catalogue.subsidy.record_type);
        let subsidy = self.subsidy.get_or_read(&self.store, (from, to), subsidy_type, || {
            let counts = self.store.subsidy_counts(catalogue, from, &[to])?;
            Ok(Arc::new(counts.into_iter().next().unwrap_or_default()))
        })?;
        let figures = Figures::from_counts(catalogue, tallies.iter(), &subsidy);
        Ok((figures, FiguresSource::Records))
    }

    /// The figures of `record_type` over `[from, to]`, as `Store::figures_of_type`: the tallies
    /// of the months before `month`'s remembered while their records do not change, the rest
    /// read. A report's total line, after every report, so reads its own month again, not the
    /// year. The subsidy rule's type, whose figures are not a sum of months, is read whole.
    pub fn figures_of_type(
        &self,
        record_type: RecordType,
        (from, to): (NaiveDate, NaiveDate),
        month: NaiveDate,
    ) -> Result<Figures, store::Error> {
        let catalogue = &self.settings.catalogue;
        if record_type == catalogue.subsidy.record_type {
            return self.store.figures_of_type(catalogue, record_type, from, to);
        }
        let tallies = self.tallies_split(Some(record_type), (from, to), month)?;
        Ok(Figures::from_counts(catalogue, tallies.iter(), &Default::default()))
    }

    /// The running tallies (of `only`, else of every type) over `[from, to]`: those of the
    /// period's months before `month`'s remembered (`earlier`) while their records do not
    /// change, the rest read.
    fn tallies_split(
        &self,
        only: Option<RecordType>,
        (from, to): (NaiveDate, NaiveDate),
        month: NaiveDate,
    ) -> Result<Split, store::Error> {
        let first = month.with_day(1).unwrap_or(month);
        let Some(before) = first.pred_opt().filter(|b| from <= *b && first <= to) else {
            return Ok(Split {
                earlier: Arc::default(),
                rest: self.store.tallies(from, to, only)?,
            });
        };
        let earlier = self
            .earlier
            .get_or_read(&self.store, (only, from, before), (from, before), || {
                Ok(Arc::new(self.store.tallies(from, before, only)?))
            })?;
        Ok(Split {
            earlier,
            rest: self.store.tallies(first, to, only)?,
        })
    }

    /// Today in the city's time zone.
    pub fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.settings.catalogue.time_zone).date_naive()
    }

    /// The annual report for `year` as of `today`: that year and the two before it; a year
    /// still running is counted up to `today` and labelled 「年度途中（〜12月2日）」.
    pub fn annual_report(&self, year: FiscalYear, today: NaiveDate) -> Result<AnnualReport, store::Error> {
        let catalogue = &self.settings.catalogue;
        let start = catalogue.fiscal_year_start;
        let mut years: Vec<ReportYear> = Vec::new();
        let mut matrix = None;
        for y in [year.previous().previous(), year.previous(), year] {
            // A year in progress counts up to today, as its label says.
            let counted = year_to_date(y, start, today).unwrap_or(Period::whole_year(y, start));
            let (figures, source) = self.period_figures(counted)?;
            // The report's year, district by district and month by month, where the bot has it.
            if y == year && source == FiguresSource::Records {
                matrix = self.store.contact_matrix(catalogue, counted.from, counted.to)?;
            }
            let note = match source {
                FiguresSource::Baseline => "基準データ（市の報告書の数値）",
                FiguresSource::Records => "kyodo の記録から集計",
                FiguresSource::Missing => "記録も基準データもありません（— は不明）",
            };
            years.push(ReportYear::new(catalogue, y, figures, note, today));
        }
        Ok(AnnualReport {
            matrix,
            ..AnnualReport::build(catalogue, &years)
        })
    }
}

#[cfg(test)]
#[path = "app_tests.rs"]
mod tests;
