//! The `baseline` table: the years before the bot, copied from `config/baseline.toml` at every
//! start so that summaries read one database. The file is the source of truth: loading it again
//! changes nothing, and a year removed from the file is removed here.

use super::{corrupt_json, timestamp, write, Result, Store};
use crate::domain::baseline::Baseline;
use crate::domain::{Figures, FiscalYear};
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

/// What loading the baseline changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BaselineLoad {
    pub added: usize,
    pub changed: usize,
    pub removed: usize,
}

impl Store {
    /// Makes the database's baseline equal to `baseline`, in one transaction.
    pub fn load_baseline(&mut self, baseline: &Baseline, now: DateTime<Utc>) -> Result<BaselineLoad> {
        let tx = write(&mut self.conn)?;
        let mut load = BaselineLoad::default();
        let stored: Vec<i32> = {
            let mut stmt = tx.prepare("SELECT fiscal_year FROM baseline")?;
            let years = stmt.query_map([], |row| row.get(0))?;
            years.collect::<rusqlite::Result<_>>()?
        };
        for year in stored {
            if !baseline.contains_key(&FiscalYear::new(year)) {
                tx.execute("DELETE FROM baseline WHERE fiscal_year = ?1", [year])?;
                load.removed += 1;
            }
        }
        for (year, figures) in baseline {
            let json = serde_json::to_string(figures)
                .map_err(|e| corrupt_json(format!("{}の基準データ", year.label()), &e))?;
            let current: Option<String> = tx
                .query_row(
                    "SELECT figures_json FROM baseline WHERE fiscal_year = ?1",
                    [year.start_year()],
                    |row| row.get(0),
                )
                .optional()?;
            match current {
                Some(c) if c == json => continue,
                Some(_) => load.changed += 1,
                None => load.added += 1,
            }
            tx.execute(
                "INSERT INTO baseline (fiscal_year, figures_json, loaded_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (fiscal_year) DO UPDATE SET figures_json = excluded.figures_json, loaded_at = excluded.loaded_at",
                params![year.start_year(), json, timestamp(now)],
            )?;
        }
        tx.commit()?;
        Ok(load)
    }

    /// The baseline figures of one fiscal year, if the baseline has it.
    pub fn baseline_year(&self, year: FiscalYear) -> Result<Option<Figures>> {
        let json: Option<String> = self
            .conn
            .prepare_cached("SELECT figures_json FROM baseline WHERE fiscal_year = ?1")?
            .query_row([year.start_year()], |row| row.get(0))
            .optional()?;
        json.map(|j| serde_json::from_str(&j).map_err(|e| corrupt_json(format!("{}の基準データ", year.label()), &e)))
            .transpose()
    }
}
