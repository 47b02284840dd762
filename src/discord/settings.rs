//! Where and as whom the bot runs: the token from `DISCORD_TOKEN` (a `Token`, which prints as
//! `[secret]`), the server, channel and role ids from the environment or else the catalogue's
//! `[discord]` table (`domain::catalogue::DiscordIds`), proxy mode from `KYODO_DISCORD_API`.
//!
//! Read here, in the adapter that uses them, so that `config` (the catalogue and baseline
//! files) knows nothing of Discord.

use crate::domain::catalogue::DiscordIds;
use std::fmt;
use thiserror::Error;

/// The bot token: printed and logged as `[secret]`, never as itself.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    pub fn new(token: impl Into<String>) -> Self {
        Token(token.into())
    }

    /// The token itself, for the one place that sends it to Discord.
    pub(super) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[secret]")
    }
}

/// Where and as whom the bot runs.
#[derive(Debug, Clone)]
pub struct DiscordSettings {
    pub token: Token,
    /// `KYODO_DISCORD_API`: REST and gateway discovery at this base (proxy mode).
    pub api_base: Option<String>,
    /// The one server whose interactions are served.
    pub guild_id: u64,
    /// Where digests and summaries are posted.
    pub report_channel_id: Option<u64>,
    /// Members with this role may report; without it, every member may.
    pub staff_role_id: Option<u64>,
    /// Members with this role may change anyone's records; without it, the server's administrators.
    pub admin_role_id: Option<u64>,
    /// Register the commands globally instead of in the guild.
    pub global_commands: bool,
}

/// A setting missing or unreadable; the message says which and where to set it.
#[derive(Debug, Error)]
pub enum SettingsError {
    #[error("{0}")]
    Missing(String),
    #[error("環境変数 {name}「{value}」は Discord の ID（数字）ではありません")]
    BadId { name: String, value: String },
}

impl DiscordSettings {
    /// The settings of `kyodo run` and `kyodo digest --post`: the token from `DISCORD_TOKEN`,
    /// ids from the environment or else `ids` (the catalogue's `[discord]` table), proxy mode
    /// from `KYODO_DISCORD_API`. `env` reads one variable (the process environment, or a map
    /// in tests).
    pub fn read(ids: &DiscordIds, env: impl Fn(&str) -> Option<String>) -> Result<DiscordSettings, SettingsError> {
        let var = |name: &str| env(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let id = |name: &str, configured: Option<u64>| -> Result<Option<u64>, SettingsError> {
            match var(name) {
                Some(value) => match value.parse::<u64>() {
                    Ok(id) if id > 0 => Ok(Some(id)),
                    _ => Err(SettingsError::BadId {
                        name: name.to_string(),
                        value,
                    }),
                },
                None => Ok(configured),
            }
        };
        let Some(token) = var("DISCORD_TOKEN") else {
            return Err(SettingsError::Missing(
                "環境変数 DISCORD_TOKEN にボットのトークンを設定してください（Discord Developer Portal の Bot → Token）"
                    .into(),
            ));
        };
        let Some(guild_id) = id("KYODO_GUILD_ID", ids.guild_id)? else {
            return Err(SettingsError::Missing(
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn read(ids: &DiscordIds, vars: &[(&str, &str)]) -> Result<DiscordSettings, SettingsError> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        DiscordSettings::read(ids, |name| vars.get(name).cloned())
    }

    #[test]
    fn the_environment_overrides_the_catalogue_and_the_token_never_prints() {
        let ids = DiscordIds {
            guild_id: Some(1),
            report_channel_id: Some(2),
            ..DiscordIds::default()
        };
        let settings = read(
            &ids,
            &[("DISCORD_TOKEN", " abc.def "), ("KYODO_REPORT_CHANNEL_ID", "7")],
        )
        .expect("settings");
        assert_eq!(settings.guild_id, 1);
        assert_eq!(settings.report_channel_id, Some(7));
        assert_eq!(settings.token.expose(), "abc.def");
        let printed = format!("{settings:?}");
        assert!(
            printed.contains("[secret]") && !printed.contains("abc.def"),
            "{printed}"
        );
    }

    #[test]
    fn missing_and_unreadable_settings_say_where_to_set_them() {
        let ids = DiscordIds::default();
        let message = |vars: &[(&str, &str)]| read(&ids, vars).err().map(|e| e.to_string());
        assert_eq!(
            message(&[]).as_deref(),
            Some("環境変数 DISCORD_TOKEN にボットのトークンを設定してください（Discord Developer Portal の Bot → Token）")
        );
        assert_eq!(
            message(&[("DISCORD_TOKEN", "t")]).as_deref(),
            Some("サーバーの ID を環境変数 KYODO_GUILD_ID か config の [discord] guild_id に設定してください")
        );
        assert_eq!(
            message(&[("DISCORD_TOKEN", "t"), ("KYODO_GUILD_ID", "komoro")]).as_deref(),
            Some("環境変数 KYODO_GUILD_ID「komoro」は Discord の ID（数字）ではありません")
        );
    }
}
