//! Figures of a period, as the summaries need them: a baseline year from the baseline table,
//! any other period aggregated from live records.

use super::{Result, Store};
use crate::domain::{Catalogue, Figures, FiscalYear, RecordType};
use chrono::NaiveDate;

/// Where a year's figures came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FiguresSource {
    /// The baseline file: the city's report before the bot.
    Baseline,
    /// Records stored by the bot.
    Records,
    /// Neither: the year is before the bot and not in the baseline, so every figure is unknown.
    Missing,
}

impl Store {
    /// The figures of records dated within `[from, to]`.
    pub fn figures_between(&self, catalogue: &Catalogue, from: NaiveDate, to: NaiveDate) -> Result<Figures> {
        let tallies = self.tallies(from, to, None)?;
        let subsidy = self.subsidy_events(from, to)?;
        Ok(Figures::from_records(catalogue, &tallies, &subsidy, from))
    }

    /// Like `figures_between`, with only the figures of `record_type` filled in (the others 0).
    pub fn figures_of_type(
        &self,
        catalogue: &Catalogue,
        record_type: RecordType,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Figures> {
        let tallies = self.tallies(from, to, Some(record_type))?;
        let subsidy = match record_type {
            RecordType::Subsidy => self.subsidy_events(from, to)?,
            _ => Vec::new(),
        };
        Ok(Figures::from_records(catalogue, &tallies, &subsidy, from))
    }

    /// A whole fiscal year: the baseline's figures where the baseline has the year, the records'
    /// where any live record is dated in it, unknown otherwise — never an invented 0.
    pub fn year_figures(&self, catalogue: &Catalogue, year: FiscalYear) -> Result<(Figures, FiguresSource)> {
        if let Some(figures) = self.baseline_year(year)? {
            return Ok((figures, FiguresSource::Baseline));
        }
        let start = catalogue.fiscal_year_start;
        let (from, to) = (year.first_day(start), year.last_day(start));
        if !self.any_record_between(from, to)? {
            return Ok((Figures::unknown(catalogue), FiguresSource::Missing));
        }
        let figures = self.figures_between(catalogue, from, to)?;
        Ok((figures, FiguresSource::Records))
    }
}
