//! Discord interactions as the command core's terms: options → `Invocation` (as sent: the core
//! checks it against the command spec, as the console's parser does, since a crafted request
//! need not keep what Discord's client enforces), the member's roles → `Roles`, the member →
//! `Actor` with a normalised display name. Also which interactions are refused outright (DMs and
//! servers other than the configured one).

use super::DiscordSettings;
use crate::commands::spec::LOCALE;
use crate::commands::{Invocation, OptionValue, Request, Roles, Wording};
use crate::domain::record::{Actor, Source, SourceKind};
use crate::domain::text::display_name;
use serenity::all::{
    ChannelId, CommandDataOption, CommandDataOptionValue, CommandInteraction, GuildId, InteractionId, Member, User,
};

/// The options of a slash command (or autocomplete) as an invocation; the subcommand, if any,
/// is the first option of type subcommand. A user whose Discord is in Japanese sees the
/// commands' Japanese names, so the replies' hints use them too.
pub fn invocation(command: &CommandInteraction) -> Invocation {
    let mut invocation = Invocation::new(&command.data.name, None).worded(wording(&command.locale));
    let mut options: &[CommandDataOption] = &command.data.options;
    if let Some(CommandDataOption {
        name,
        value: CommandDataOptionValue::SubCommand(inner),
        ..
    }) = options.first()
    {
        invocation.subcommand = Some(name.clone());
        options = inner;
    }
    for option in options {
        let value = match &option.value {
            CommandDataOptionValue::String(s) => OptionValue::String(s.clone()),
            CommandDataOptionValue::Integer(n) => OptionValue::Integer(*n),
            CommandDataOptionValue::Autocomplete { value, .. } => OptionValue::String(value.clone()),
            _ => continue,
        };
        invocation.options.push((option.name.clone(), value));
    }
    invocation
}

/// How a user whose Discord client is in `locale` reads the commands: in Japanese for `ja`.
pub fn wording(locale: &str) -> Wording {
    if locale.starts_with(LOCALE) {
        Wording::Japanese
    } else {
        Wording::Slash
    }
}

/// Why an interaction is refused before it reaches the command core; `city` is the
/// catalogue's, whose staff the server is for.
pub fn place_refusal(guild_id: Option<GuildId>, settings: &DiscordSettings, city: &str) -> Option<String> {
    match guild_id {
        None => Some(format!(
            "このボットは{city}の職員用サーバーの中でだけ使えます（DM では使えません）"
        )),
        Some(g) if g.get() != settings.guild_id => Some("このボットは設定されたサーバーの中でだけ使えます".into()),
        Some(_) => None,
    }
}

/// The user as the records will name them: their server nickname, else display name, else
/// username — the first that is not empty once normalised (`text::display_name`: NFC, no
/// control characters, at most 64 characters); `ユーザー<id>` if none is.
pub fn actor(user: &User, member: Option<&Member>) -> Actor {
    let id = user.id.get().to_string();
    let name = [
        member.and_then(|m| m.nick.as_deref()),
        user.global_name.as_deref(),
        Some(user.name.as_str()),
    ]
    .into_iter()
    .flatten()
    .map(display_name)
    .find(|name| !name.is_empty())
    .unwrap_or_else(|| format!("ユーザー{id}"));
    Actor { id, name }
}

/// The core's request for an interaction by `user` (a `member` of a server, or not).
pub fn request(
    settings: &DiscordSettings,
    id: InteractionId,
    user: &User,
    member: Option<&Member>,
    guild_id: Option<GuildId>,
    channel_id: ChannelId,
    invocation: Invocation,
) -> Request {
    Request {
        user: actor(user, member),
        roles: roles(member, settings),
        guild_id: guild_id.map(|g| g.get().to_string()),
        channel_id: Some(channel_id.get().to_string()),
        source: Source {
            kind: SourceKind::Discord,
            id: id.get().to_string(),
            origin: None,
        },
        now: chrono::Utc::now(),
        invocation,
    }
}

/// What the member may do. Without a configured staff role every member of the server is
/// staff; without a configured admin role the server's administrators are admins.
pub fn roles(member: Option<&Member>, settings: &DiscordSettings) -> Roles {
    let Some(member) = member else {
        return Roles::default();
    };
    let has = |role: Option<u64>| role.is_some_and(|r| member.roles.iter().any(|m| m.get() == r));
    let admin = match settings.admin_role_id {
        Some(_) => has(settings.admin_role_id),
        None => member.permissions.is_some_and(|p| p.administrator()),
    };
    let staff = admin
        || match settings.staff_role_id {
            Some(_) => has(settings.staff_role_id),
            None => true,
        };
    Roles { staff, admin }
}
