//! Reading the configuration: the catalogue file (`config/kyodo.toml`), the baseline file it
//! names, and (later) the deployment's ids and secrets from the environment.
//!
//! Every problem is reported with the file, the line and what is wrong; nothing is half-loaded.

use crate::discord::{DiscordSettings, Token};
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
    #[error("{0}")]
    Missing(String),
    #[error("環境変数 {name}「{value}」は Discord の ID（数字）ではありません")]
    BadId { name: String, value: String },
    #[error("設定ファイル {} を読めません（{reason}）", path.display())]
    Read { path: PathBuf, reason: String },
    #[error("設定ファイル {} はふつうのファイルではありません（フォルダや /dev/zero のような装置は読みません）。TOML の設定ファイルを指定してください", path.display())]
    NotAFile { path: PathBuf },
    #[error("設定ファイル {} は大きすぎます（1 MiB を超えています）。TOML の設定ファイルを指定しているか確かめてください", path.display())]
    TooLarge { path: PathBuf },
    #[error("{}", ProblemList(path, problems))]
    Invalid { path: PathBuf, problems: Vec<Problem> },
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

/// The Discord settings of `kyodo run`: the token from `DISCORD_TOKEN`, ids from the
/// environment or else the config's `[discord]` table, proxy mode from `KYODO_DISCORD_API`.
/// `env` reads one variable (the process environment, or a map in tests).
pub fn discord_settings(
    settings: &Settings,
    env: impl Fn(&str) -> Option<String>,
) -> Result<DiscordSettings, ConfigError> {
    let var = |name: &str| env(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let id = |name: &str, configured: Option<u64>| -> Result<Option<u64>, ConfigError> {
        match var(name) {
            Some(value) => match value.parse::<u64>() {
                Ok(id) if id > 0 => Ok(Some(id)),
                _ => Err(ConfigError::BadId {
                    name: name.to_string(),
                    value,
                }),
            },
            None => Ok(configured),
        }
    };
    let Some(token) = var("DISCORD_TOKEN") else {
        return Err(ConfigError::Missing(
            "環境変数 DISCORD_TOKEN にボットのトークンを設定してください（Discord Developer Portal の Bot → Token）"
                .into(),
        ));
    };
    let ids = &settings.catalogue.discord;
    let Some(guild_id) = id("KYODO_GUILD_ID", ids.guild_id)? else {
        return Err(ConfigError::Missing(
            "サーバーの ID を環境変数 KYODO_GUILD_ID か config の [discord] guild_id に設定してください".into(),
        ));
    };
    Ok(DiscordSettings {
        token: Token::new(token),
        api_base: var("KYODO_DISCORD_API"),
        guild_id,
        report_channel_id: id("KYODO_REPORT_CHANNEL_ID", ids.report_channel_id)?,
        staff_role_id: id("KYODO_STAFF_ROLE_ID", ids.staff_role_id)?,
        admin_role_id: id("KYODO_ADMIN_ROLE_ID", ids.admin_role_id)?,
        global_commands: ids.global_commands,
    })
}
