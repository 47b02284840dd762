//! Reading the configuration: the catalogue file (`config/kyodo.toml`), the baseline file it
//! names, and (later) the deployment's ids and secrets from the environment.
//!
//! Every problem is reported with the file, the line and what is wrong; nothing is half-loaded.

use crate::domain::baseline::{parse_baseline, Baseline};
use crate::domain::{Catalogue, Problem};
use std::fmt;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// The default catalogue file, relative to the working directory.
pub const DEFAULT_CONFIG: &str = "config/kyodo.toml";

/// A checked catalogue and its baseline.
#[derive(Debug, Clone)]
pub struct Settings {
    pub catalogue: Catalogue,
    pub baseline: Baseline,
    /// The baseline file, if the catalogue names one.
    pub baseline_path: Option<PathBuf>,
}

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("設定ファイル {} を読めません（{reason}）", path.display())]
    Read { path: PathBuf, reason: String },
    #[error("{}", ProblemList(path, problems))]
    Invalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },
}

/// Problems one per line, each prefixed with the file.
struct ProblemList<'a>(&'a Path, &'a [Problem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.1.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{} {problem}", self.0.display())?;
        }
        Ok(())
    }
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
        path: path.to_path_buf(),
        reason: match e.kind() {
            std::io::ErrorKind::NotFound => "ファイルがありません".to_string(),
            std::io::ErrorKind::PermissionDenied => "読む権限がありません".to_string(),
            std::io::ErrorKind::InvalidData => "UTF-8 のテキストではありません".to_string(),
            _ => e.to_string(),
        },
    })
}

/// Reads and checks the catalogue at `path` and the baseline it names.
pub fn load(path: &Path) -> Result<Settings, ConfigError> {
    let text = read(path)?;
    let catalogue = Catalogue::parse(&text).map_err(|problems| ConfigError::Invalid {
        path: path.to_path_buf(),
        problems,
    })?;
    let baseline_path = catalogue
        .baseline
        .as_ref()
        .map(|name| path.parent().unwrap_or(Path::new(".")).join(name));
    let baseline = match &baseline_path {
        Some(baseline_path) => {
            let text = read(baseline_path)?;
            parse_baseline(&text, &catalogue).map_err(|problems| ConfigError::Invalid {
                path: baseline_path.clone(),
                problems,
            })?
        }
        None => Baseline::new(),
    };
    Ok(Settings {
        catalogue,
        baseline,
        baseline_path,
    })
}
