//! Builders for Discord objects the stand-in sends, shaped after Discord's documentation
//! (Interactions → Receiving and Responding → Interaction Object; Users; Guild Members;
//! Messages) and checked in the tests against the OpenAPI description's response schemas
//! (`UserResponse`, `GuildMemberResponse`, `MessageResponse`, `ApplicationCommandResponse`).
//!
//! Interactions are described with [`InteractionSpec`] and turned into the gateway
//! `INTERACTION_CREATE` payload by [`InteractionSpec::build`]; the stand-in fills in the id,
//! token and application id when it injects one (see `Discord::inject_interaction`).

use serde_json::{json, Map, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds of the Discord epoch (2015-01-01T00:00:00Z), used in snowflakes.
pub const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// Permission bits (Discord docs, Permissions → Bitwise Permission Flags) used below.
pub mod perm {
    pub const ADD_REACTIONS: u64 = 1 << 6;
    pub const VIEW_CHANNEL: u64 = 1 << 10;
    pub const SEND_MESSAGES: u64 = 1 << 11;
    pub const EMBED_LINKS: u64 = 1 << 14;
    pub const ATTACH_FILES: u64 = 1 << 15;
    pub const READ_MESSAGE_HISTORY: u64 = 1 << 16;
    pub const USE_EXTERNAL_EMOJIS: u64 = 1 << 18;
    pub const CONNECT: u64 = 1 << 20;
    pub const USE_APPLICATION_COMMANDS: u64 = 1 << 31;
    pub const SEND_MESSAGES_IN_THREADS: u64 = 1 << 38;
    /// What `@everyone` typically has in a community server.
    pub const MEMBER: u64 = ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | USE_EXTERNAL_EMOJIS
        | CONNECT
        | USE_APPLICATION_COMMANDS
        | SEND_MESSAGES_IN_THREADS;
}

/// Returns a fresh snowflake (current time, process-wide increment).
pub fn snowflake() -> u64 {
    static INCREMENT: AtomicU64 = AtomicU64::new(0);
    let ms = now_ms().saturating_sub(DISCORD_EPOCH_MS);
    (ms << 22) | (INCREMENT.fetch_add(1, Ordering::Relaxed) & 0xfff)
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// ISO 8601 timestamp as Discord writes them, e.g. `2026-11-28T07:36:28.123000+00:00`.
pub fn iso8601(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil-from-days.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}000+00:00",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        unix_ms % 1000
    )
}

/// A user object (Discord docs: Users → User Object; schema `UserResponse`).
pub fn user(id: u64, username: &str, global_name: Option<&str>, bot: bool) -> Value {
    let mut u = json!({
        "id": id.to_string(),
        "username": username,
        "global_name": global_name,
        "discriminator": "0",
        "avatar": null,
        "avatar_decoration_data": null,
        "collectibles": null,
        "primary_guild": null,
        "public_flags": 0,
        "flags": 0,
        "banner": null,
        "accent_color": null,
    });
    if bot {
        u["bot"] = json!(true);
        u["discriminator"] = json!("4321");
        u["global_name"] = Value::Null;
    }
    u
}

/// A guild member as sent inside an interaction: a guild member object (schema
/// `GuildMemberResponse`) plus `permissions`, the member's total permissions in the channel.
pub fn member(user: Value, roles: &[u64], permissions: u64) -> Value {
    json!({
        "user": user,
        "nick": null,
        "avatar": null,
        "banner": null,
        "roles": roles.iter().map(u64::to_string).collect::<Vec<_>>(),
        "joined_at": "2024-04-01T09:00:00.000000+00:00",
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "communication_disabled_until": null,
        "unusual_dm_activity_until": null,
        "permissions": permissions.to_string(),
    })
}

/// A message object (Discord docs: Messages → Message Object; schema `MessageResponse`).
pub fn message(id: u64, channel_id: u64, author: Value, content: &str, components: Value) -> Value {
    json!({
        "type": 0,
        "content": content,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "timestamp": iso8601(snowflake_ms(id)),
        "edited_timestamp": null,
        "flags": 0,
        "components": components,
        "id": id.to_string(),
        "channel_id": channel_id.to_string(),
        "author": author,
        "pinned": false,
        "mention_everyone": false,
        "tts": false,
    })
}

/// The Unix time in milliseconds encoded in a snowflake.
pub fn snowflake_ms(id: u64) -> u64 {
    (id >> 22) + DISCORD_EPOCH_MS
}

/// An action row holding one button (component types 1 and 2; schema `ActionRowComponentResponse`).
pub fn button_row(custom_id: &str, label: &str) -> Value {
    json!([{
        "type": 1,
        "id": 1,
        "components": [{ "type": 2, "id": 2, "style": 1, "label": label, "custom_id": custom_id }],
    }])
}

/// Command-interaction option values (Interactions → Application Command Data Option Structure).
pub mod option {
    use serde_json::{json, Value};

    /// A `SUB_COMMAND` (type 1) with its options.
    pub fn subcommand(name: &str, options: Vec<Value>) -> Value {
        json!({ "name": name, "type": 1, "options": options })
    }
    /// A `SUB_COMMAND_GROUP` (type 2) holding subcommands.
    pub fn group(name: &str, subcommands: Vec<Value>) -> Value {
        json!({ "name": name, "type": 2, "options": subcommands })
    }
    /// A `STRING` (type 3) value.
    pub fn string(name: &str, value: &str) -> Value {
        json!({ "name": name, "type": 3, "value": value })
    }
    /// An `INTEGER` (type 4) value.
    pub fn integer(name: &str, value: i64) -> Value {
        json!({ "name": name, "type": 4, "value": value })
    }
    /// A `BOOLEAN` (type 5) value.
    pub fn boolean(name: &str, value: bool) -> Value {
        json!({ "name": name, "type": 5, "value": value })
    }
    /// The option being typed in an autocomplete interaction: `focused: true`, and the value is
    /// the user's partial input as a string.
    pub fn focused(name: &str, kind: u8, partial: &str) -> Value {
        json!({ "name": name, "type": kind, "value": partial, "focused": true })
    }
}

/// Where an interaction comes from.
#[derive(Clone, Debug)]
pub enum Source {
    /// A guild text channel; `member` is built with [`member`].
    Guild {
        guild_id: u64,
        channel_id: u64,
        member: Value,
        guild_locale: String,
    },
    /// The bot's DM with `user` (no `guild_id`, no `member`).
    Dm { channel_id: u64, user: Value },
}

/// Description of one interaction (Interactions → Interaction Object).
#[derive(Clone, Debug)]
pub struct InteractionSpec {
    /// 2 application command, 3 message component, 4 autocomplete.
    pub kind: u8,
    /// The interaction's `data`; for commands `id` is filled in by the stand-in if absent.
    pub data: Value,
    /// For component interactions: the message the component is attached to.
    pub message: Option<Value>,
    pub source: Source,
    /// The invoking user's client language, e.g. `ja`.
    pub locale: String,
    /// Permissions of the app in the channel (`app_permissions`).
    pub app_permissions: u64,
    /// Upload limit in bytes (`attachment_size_limit`).
    pub attachment_size_limit: u64,
}

impl InteractionSpec {
    /// A `CHAT_INPUT` slash command (interaction type 2, command type 1).
    pub fn command(name: &str, options: Vec<Value>, source: Source) -> Self {
        let data = json!({ "name": name, "type": 1, "options": options });
        Self::new(2, data, source)
    }

    /// An autocomplete interaction (type 4); one of `options` (possibly nested in a
    /// subcommand) should be [`option::focused`].
    pub fn autocomplete(name: &str, options: Vec<Value>, source: Source) -> Self {
        let data = json!({ "name": name, "type": 1, "options": options });
        Self::new(4, data, source)
    }

    /// A button click (type 3, component type 2) on `message`.
    pub fn button(custom_id: &str, message: Value, source: Source) -> Self {
        let data = json!({ "custom_id": custom_id, "component_type": 2, "id": 2 });
        let mut spec = Self::new(3, data, source);
        spec.message = Some(message);
        spec
    }

    fn new(kind: u8, data: Value, source: Source) -> Self {
        InteractionSpec {
            kind,
            data,
            message: None,
            source,
            locale: "ja".into(),
            app_permissions: perm::MEMBER,
            attachment_size_limit: 10 * 1024 * 1024,
        }
    }

    /// Sets the invoking user's `locale`.
    pub fn locale(mut self, locale: &str) -> Self {
        self.locale = locale.into();
        self
    }

    /// The user who triggered the interaction.
    pub fn user(&self) -> &Value {
        match &self.source {
            Source::Guild { member, .. } => &member["user"],
            Source::Dm { user, .. } => user,
        }
    }

    /// The channel the interaction comes from.
    pub fn channel_id(&self) -> u64 {
        match &self.source {
            Source::Guild { channel_id, .. } | Source::Dm { channel_id, .. } => *channel_id,
        }
    }

    /// The message this slash command's reply became (type 20 `CHAT_INPUT_COMMAND`, sent by
    /// the app through the interaction webhook) carrying `components`: use it as the `message`
    /// of a later [`InteractionSpec::button`] click.
    pub fn reply_message(&self, application_id: u64, bot_user: Value, content: &str, components: Value) -> Value {
        let interaction_id = snowflake().to_string();
        let mut m = message(snowflake(), self.channel_id(), bot_user, content, components);
        let owners = match &self.source {
            Source::Guild { guild_id, .. } => json!({ "0": guild_id.to_string() }),
            Source::Dm { .. } => json!({ "0": "0" }),
        };
        m["type"] = json!(20);
        m["application_id"] = json!(application_id.to_string());
        m["webhook_id"] = json!(application_id.to_string());
        m["interaction_metadata"] = json!({
            "id": interaction_id, "type": 2, "user": self.user(),
            "authorizing_integration_owners": owners,
        });
        m["interaction"] = json!({
            "id": interaction_id, "type": 2, "name": self.data["name"], "user": self.user(),
        });
        m
    }

    /// The `INTERACTION_CREATE` payload (`d` of the dispatch).
    pub fn build(&self, id: u64, token: &str, application_id: u64) -> Value {
        let mut d = Map::new();
        d.insert("id".into(), json!(id.to_string()));
        d.insert("application_id".into(), json!(application_id.to_string()));
        d.insert("type".into(), json!(self.kind));
        let mut data = self.data.clone();
        if self.kind != 3 && data.get("id").is_none() {
            data["id"] = json!(snowflake().to_string());
        }
        d.insert("data".into(), data);
        d.insert("token".into(), json!(token));
        d.insert("version".into(), json!(1));
        d.insert("locale".into(), json!(self.locale));
        d.insert("app_permissions".into(), json!(self.app_permissions.to_string()));
        d.insert("entitlements".into(), json!([]));
        d.insert("attachment_size_limit".into(), json!(self.attachment_size_limit));
        match &self.source {
            Source::Guild {
                guild_id,
                channel_id,
                member,
                guild_locale,
            } => {
                d.insert("guild_id".into(), json!(guild_id.to_string()));
                d.insert(
                    "guild".into(),
                    json!({ "id": guild_id.to_string(), "locale": guild_locale,
                            "features": ["COMMUNITY", "NEWS"] }),
                );
                d.insert("guild_locale".into(), json!(guild_locale));
                d.insert("channel_id".into(), json!(channel_id.to_string()));
                d.insert(
                    "channel".into(),
                    json!({
                        "id": channel_id.to_string(), "type": 0, "guild_id": guild_id.to_string(),
                        "name": "general", "position": 0, "parent_id": null, "topic": null,
                        "nsfw": false, "last_message_id": null, "rate_limit_per_user": 0,
                        "flags": 0, "permissions": member["permissions"],
                    }),
                );
                d.insert("member".into(), member.clone());
                d.insert(
                    "authorizing_integration_owners".into(),
                    json!({ "0": guild_id.to_string() }),
                );
                d.insert("context".into(), json!(0));
            }
            Source::Dm { channel_id, user } => {
                d.insert("channel_id".into(), json!(channel_id.to_string()));
                d.insert(
                    "channel".into(),
                    json!({ "id": channel_id.to_string(), "type": 1, "last_message_id": null,
                            "flags": 0, "recipients": [user] }),
                );
                d.insert("user".into(), user.clone());
                // A guild-installed app used in the bot's DM: the GUILD_INSTALL key maps to "0".
                d.insert("authorizing_integration_owners".into(), json!({ "0": "0" }));
                d.insert("context".into(), json!(1));
            }
        }
        if let Some(message) = &self.message {
            d.insert("message".into(), message.clone());
        }
        Value::Object(d)
    }
}
