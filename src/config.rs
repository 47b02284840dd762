//! Reading the configuration: the catalogue file (`config/kyodo.toml`) and the baseline file it
//! names. The Discord token and ids (environment, or the catalogue's `[discord]` table) are read
//! by the Discord adapter (`discord/settings.rs`).
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
    #[error("設定ファイル {} はふつうのファイルではありません（フォルダや /dev/zero のような装置は読みません）。TOML の設定ファイルを指定してください", path.display())]
    NotAFile { path: PathBuf },
    #[error("設定ファイル {} は大きすぎます（1 MiB を超えています）。TOML の設定ファイルを指定しているか確かめてください", path.display())]
    TooLarge { path: PathBuf },
    #[error("{}", ProblemList(path, problems))]
    Invalid { path: PathBuf, problems: Vec<Problem> },
    #[error("{} は基準データのファイルです。設定ファイル（config/kyodo.toml など）を指定してください。基準データは設定ファイルの [city] baseline に書いた名前で読み、設定と一緒に確かめます（kyodo check-config config/kyodo.toml）", path.display())]
    BaselineGiven { path: PathBuf },
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

/// Whether `text` is a baseline file (its `[years.…]` tables, no `[city]`), given where the
/// catalogue was expected.
fn is_baseline(text: &str) -> bool {
    text.parse::<toml::Table>()
        .is_ok_and(|table| table.contains_key("years") && !table.contains_key("city"))
}

/// The largest config or baseline file read (Komoro's whole catalogue is a few KiB).
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Reads a config or baseline file: a regular file of at most [`MAX_CONFIG_BYTES`], checked
/// before reading (so that `/dev/zero` or a FIFO is refused at once) and read with a bounded
/// reader (in case it grows meanwhile).
fn read(path: &Path) -> Result<String, ConfigError> {
    use std::io::Read;
    let error = |reason: &str| ConfigError::Read {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    };
    let io_error = |e: std::io::Error| {
        tracing::info!(path = %path.display(), error = %e, "reading a config file failed");
        error(match e.kind() {
            std::io::ErrorKind::NotFound => "ファイルがありません",
            std::io::ErrorKind::PermissionDenied => "読む権限がありません",
            _ => "読み込みに失敗しました。ファイルとディスクを確かめてください",
        })
    };
    let checked = |metadata: std::fs::Metadata| {
        let path = path.to_path_buf();
        if !metadata.is_file() {
            Err(ConfigError::NotAFile { path })
        } else if metadata.len() > MAX_CONFIG_BYTES {
            Err(ConfigError::TooLarge { path })
        } else {
            Ok(())
        }
    };
    // The path first, so that a device is never opened; then the opened file, in case the name
    // was replaced in between (opened non-blocking, so that even a FIFO cannot hang the open).
    checked(std::fs::metadata(path).map_err(io_error)?)?;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path).map_err(io_error)?;
    checked(file.metadata().map_err(io_error)?)?;
    let mut bytes = Vec::new();
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io_error)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(ConfigError::TooLarge {
            path: path.to_path_buf(),
        });
    }
    String::from_utf8(bytes).map_err(|_| error("UTF-8 のテキストではありません"))
}

/// Reads and checks the catalogue at `path` and the baseline it names.
pub fn load(path: &Path) -> Result<Settings, ConfigError> {
    let text = read(path)?;
    let catalogue = Catalogue::parse(&text).map_err(|problems| {
        if is_baseline(&text) {
            ConfigError::BaselineGiven {
                path: path.to_path_buf(),
            }
        } else {
            ConfigError::Invalid {
                path: path.to_path_buf(),
                problems,
            }
        }
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
