//! Figures of a period, as the summaries need them (`period_figures`): a baseline year from the
//! baseline table, a year without records unknown, any other period aggregated from live records.

use super::{Result, Store};
use crate::domain::figures::Tally;
use crate::domain::matrix::Matrix;
use crate::domain::totals::Period;
use crate::domain::{subsidy, Catalogue, Figures, FiscalYear, RecordType, YearMonth};
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// Where a period's figures came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FiguresSource {
    /// The baseline file: the city's report before the bot.
    Baseline,
    /// Records stored by the bot.
    Records,
    /// Neither: the period's year is before the bot and not in the baseline, so every figure is
    /// unknown.
    Missing,
}

impl Store {
    /// The contact matrix of `[from, to]` (`domain::matrix`): the records of the catalogue's
    /// area type per district and month, read from the running tallies month by month; `None`
    /// without such a type.
    pub fn contact_matrix(&self, catalogue: &Catalogue, from: NaiveDate, to: NaiveDate) -> Result<Option<Matrix>> {
        let Some(spec) = catalogue.area_type() else {
            return Ok(None);
        };
        let mut months = Vec::new();
        let mut counts = Vec::new();
        let mut month = YearMonth::of(from);
        while month.first_day() <= to {
            let tallies = self.tallies(
                month.first_day().max(from),
                month.last_day().min(to),
                Some(spec.record_type),
            )?;
            counts.extend(tallies.into_iter().map(|t| (month, t.dimension, t.detail, t.count)));
            months.push(month);
            month = month.next();
        }
        Ok(Some(Matrix::new(catalogue, spec.label.clone(), months, counts)))
    }

    /// The figures of records dated within `[from, to]`.
    pub fn figures_between(&self, catalogue: &Catalogue, from: NaiveDate, to: NaiveDate) -> Result<Figures> {
        let tallies = self.tallies(from, to, None)?;
        self.figures_with(catalogue, (from, to), &tallies)
    }

    /// The figures of `[from, to]` from its running `tallies`, as `tallies` reads them (the
    /// caller may have remembered some of its months: `App::period_figures`), and the period's
    /// subsidy counts.
    pub fn figures_with(
        &self,
        catalogue: &Catalogue,
        (from, to): (NaiveDate, NaiveDate),
        tallies: &[Tally],
    ) -> Result<Figures> {
        let subsidy = self.subsidy_counts(catalogue, from, &[to])?;
        Ok(Figures::from_counts(catalogue, tallies, &subsidy[0]))
    }

    /// Per course, the subsidy figures of `[from, end]` for each of `ends` (in order, the last
    /// the period's end): from the steps kept beside the records (`subsidy_steps.rs`: the
    /// period's rows alone), or, where this store does not keep them by the catalogue's states,
    /// from the period's groups and their histories.
    pub fn subsidy_counts(
        &self,
        catalogue: &Catalogue,
        from: NaiveDate,
        ends: &[NaiveDate],
    ) -> Result<Vec<BTreeMap<String, subsidy::Counts>>> {
        let rules = &catalogue.subsidy;
        let to = ends.last().copied().unwrap_or(from);
        if let [end] = ends {
            if let Some(counts) = self.counts_between(rules, from, *end)? {
                return Ok(vec![counts]);
            }
        }
        let counted = match self.counted_between(rules, from, to)? {
            Some(counted) => counted,
            None => subsidy::counted_in_groups(rules, &self.subsidy_events(rules.record_type, from, to)?),
        };
        Ok(subsidy::tally_counted(&counted, from, ends))
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
        let subsidy = if record_type == catalogue.subsidy.record_type {
            self.subsidy_counts(catalogue, from, &[to])?.swap_remove(0)
        } else {
            BTreeMap::new()
        };
        Ok(Figures::from_counts(catalogue, &tallies, &subsidy))
    }

    /// The figures of `period` (days of one fiscal year) and where they came from: the
    /// baseline's whole-year figures where the baseline has the period's fiscal year (it has no
    /// figures per month), unknown where that year has no live record at all — never an invented
    /// 0 — and the records dated within the period otherwise.
    ///
    /// The one way a period's figures are read: `/totals`, the digest and the annual report.
    pub fn period_figures(&self, catalogue: &Catalogue, period: Period) -> Result<(Figures, FiguresSource)> {
        if let Some(known) = self.figures_not_from_records(catalogue, period)? {
            return Ok(known);
        }
        let figures = self.figures_between(catalogue, period.from, period.to)?;
        Ok((figures, FiguresSource::Records))
    }

    /// `period_figures` where they do not come from the records: the baseline's, or unknown;
    /// `None` where the records' figures are the period's.
    pub fn figures_not_from_records(
        &self,
        catalogue: &Catalogue,
        period: Period,
    ) -> Result<Option<(Figures, FiguresSource)>> {
        let start = catalogue.fiscal_year_start;
        let year = FiscalYear::containing(period.from, start);
        if let Some(figures) = self.baseline_year(year)? {
            return Ok(Some((figures, FiguresSource::Baseline)));
        }
        if !self.any_record_between(year.first_day(start), year.last_day(start))? {
            return Ok(Some((Figures::unknown(catalogue), FiguresSource::Missing)));
        }
        Ok(None)
    }
}
