//! End-to-end tests of the Discord stand-in with an unmodified serenity 0.12.5 client.
//!
//! A tiny slash-command bot (`TestBot`) runs against the stand-in; it reports what it saw and
//! what serenity returned over a channel, and the tests assert on both that and what the
//! stand-in recorded. Every stand-in validates request bodies against Discord's OpenAPI
//! description (the tests insist that one is configured).

use crate::support::discord::payloads::{self, option, InteractionSpec};
use crate::support::discord::{self as standin, Config, Discord, Failure};
use serde_json::{json, Value};
use serenity::all::{
    AutocompleteChoice, ChannelId, Command, CommandDataOption, CommandDataOptionValue, CommandOptionType, Context,
    CreateActionRow, CreateAttachment, CreateAutocompleteResponse, CreateButton, CreateCommand, CreateCommandOption,
    CreateInteractionResponse, CreateInteractionResponseFollowup, CreateInteractionResponseMessage, CreateMessage,
    EditInteractionResponse, EventHandler, GatewayIntents, GuildId, Interaction, Nonce, Ready,
};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

const WAIT: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// The bot under test.

struct TestBot {
    guild_id: GuildId,
    report: mpsc::UnboundedSender<String>,
}

impl TestBot {
    fn say(&self, line: String) {
        let _ = self.report.send(line);
    }
}

/// Discord error code of a failed serenity call, or "ok".
fn outcome<T>(result: &serenity::Result<T>) -> String {
    match result {
        Ok(_) => "ok".into(),
        Err(serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(e))) => {
            format!(
                "http {} code {} {}",
                e.status_code.as_u16(),
                e.error.code,
                e.error.message
            )
        }
        Err(other) => format!("error {other}"),
    }
}

fn kyodo_command() -> CreateCommand {
    CreateCommand::new("kyodo")
        .description("Komoro City community events")
        .name_localized("ja", "きょうどう")
        .description_localized("ja", "小諸市の地域イベント")
        .add_option(
            CreateCommandOption::new(CommandOptionType::SubCommand, "event", "Show an event")
                .name_localized("ja", "イベント")
                .description_localized("ja", "イベントを表示する")
                .add_sub_option(
                    CreateCommandOption::new(CommandOptionType::String, "name", "Event name")
                        .name_localized("ja", "名前")
                        .description_localized("ja", "イベント名")
                        .required(true)
                        .set_autocomplete(true),
                ),
        )
        .add_option(CreateCommandOption::new(
            CommandOptionType::SubCommand,
            "secret",
            "Only you can see the answer",
        ))
        .add_option(CreateCommandOption::new(
            CommandOptionType::SubCommand,
            "slow",
            "Deferred",
        ))
        .add_option(CreateCommandOption::new(
            CommandOptionType::SubCommand,
            "notify",
            "Notify",
        ))
}

fn sub_value<'a>(options: &'a [CommandDataOption], name: &str) -> Option<&'a str> {
    options.iter().find_map(|o| match &o.value {
        CommandDataOptionValue::SubCommand(inner) => {
            inner.iter().find(|i| i.name == name).and_then(|i| i.value.as_str())
        }
        _ => None,
    })
}

#[serenity::async_trait]
impl EventHandler for TestBot {
    async fn ready(&self, ctx: Context, ready: Ready) {
        self.say(format!("ready {} app {}", ready.user.name, ready.application.id));
        let result = self.guild_id.set_commands(&ctx.http, vec![kyodo_command()]).await;
        self.say(format!("set_commands {}", outcome(&result)));
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        match interaction {
            Interaction::Command(cmd) => {
                let sub = cmd.data.options.first().map(|o| o.name.clone()).unwrap_or_default();
                let who = cmd.member.as_ref().map_or("dm".to_string(), |m| {
                    format!("member {} roles {}", m.user.id, m.roles.len())
                });
                self.say(format!(
                    "command {} {sub} from {who} locale {}",
                    cmd.data.name, cmd.locale
                ));
                match sub.as_str() {
                    "event" => {
                        let name = sub_value(&cmd.data.options, "name").unwrap_or("?").to_string();
                        let button = CreateButton::new(format!("rsvp:{name}")).label("参加する");
                        let message = CreateInteractionResponseMessage::new()
                            .content(format!("{name} は 5月3日 です"))
                            .components(vec![CreateActionRow::Buttons(vec![button])]);
                        let first = cmd
                            .create_response(&ctx.http, CreateInteractionResponse::Message(message))
                            .await;
                        self.say(format!("first response {}", outcome(&first)));
                        let again = CreateInteractionResponseMessage::new().content("again");
                        let second = cmd
                            .create_response(&ctx.http, CreateInteractionResponse::Message(again))
                            .await;
                        self.say(format!("second response {}", outcome(&second)));
                    }
                    "secret" => {
                        let message = CreateInteractionResponseMessage::new().content("内緒").ephemeral(true);
                        let r = cmd
                            .create_response(&ctx.http, CreateInteractionResponse::Message(message))
                            .await;
                        self.say(format!("secret response {}", outcome(&r)));
                    }
                    "slow" => {
                        let deferred = cmd.defer(&ctx.http).await;
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        let edit = EditInteractionResponse::new().content("集計が終わりました");
                        let edited = cmd.edit_response(&ctx.http, edit).await;
                        self.say(format!("slow {} {}", outcome(&deferred), outcome(&edited)));
                    }
                    "notify" => {
                        let _ = cmd.defer(&ctx.http).await;
                        let followup = CreateInteractionResponseFollowup::new().content("お知らせ");
                        let f = cmd.create_followup(&ctx.http, followup).await;
                        self.say(format!("followup {}", outcome(&f)));
                        let m = cmd.channel_id.say(&ctx.http, "お知らせ (channel)").await;
                        self.say(format!("channel message {}", outcome(&m)));
                    }
                    _ => self.say(format!("unknown subcommand {sub}")),
                }
            }
            Interaction::Autocomplete(ac) => {
                let typed = ac.data.autocomplete().map(|f| f.value.to_string()).unwrap_or_default();
                self.say(format!("autocomplete {typed}"));
                let choices: Vec<AutocompleteChoice> = (1..=30)
                    .map(|i| AutocompleteChoice::new(format!("{typed}祭り {i}"), format!("fest-{i}")))
                    .take(25)
                    .collect();
                let r = ac
                    .create_response(
                        &ctx.http,
                        CreateInteractionResponse::Autocomplete(CreateAutocompleteResponse::new().set_choices(choices)),
                    )
                    .await;
                self.say(format!("autocomplete response {}", outcome(&r)));
            }
            Interaction::Component(c) => {
                self.say(format!(
                    "component {} on message {} by {}",
                    c.data.custom_id, c.message.id, c.user.id
                ));
                let update = CreateInteractionResponseMessage::new()
                    .content("参加登録しました")
                    .components(vec![]);
                let r = c
                    .create_response(&ctx.http, CreateInteractionResponse::UpdateMessage(update))
                    .await;
                self.say(format!("component response {}", outcome(&r)));
            }
            other => self.say(format!("other interaction {:?}", other.kind())),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Harness.

struct Harness {
    discord: Discord,
    reports: mpsc::UnboundedReceiver<String>,
    seen: Vec<String>,
    shards: Arc<serenity::gateway::ShardManager>,
}

impl Harness {
    /// Starts a stand-in (with the OpenAPI description) and the bot; waits for READY.
    async fn start(config: Config) -> Harness {
        assert!(
            config.openapi_spec.is_some(),
            "the OpenAPI description is vendored in tests/fixtures/discord-openapi/ (DISCORD_OPENAPI_SPEC must not be empty here)"
        );
        let discord = Discord::start_with(config).await;
        let (tx, reports) = mpsc::unbounded_channel();
        let bot = TestBot {
            guild_id: GuildId::new(discord.guild_id()),
            report: tx,
        };
        let mut client = discord
            .client_builder(GatewayIntents::non_privileged())
            .event_handler(bot)
            .await
            .expect("serenity client builds");
        let shards = client.shard_manager.clone();
        tokio::spawn(async move { client.start().await });
        discord.wait_ready(WAIT).await;
        let mut harness = Harness {
            discord,
            reports,
            seen: Vec::new(),
            shards,
        };
        assert_eq!(harness.expect("set_commands").await, "set_commands ok");
        harness
    }

    /// Waits for the bot's next report starting with `prefix` (earlier ones are kept).
    async fn expect(&mut self, prefix: &str) -> String {
        if let Some(i) = self.seen.iter().position(|l| l.starts_with(prefix)) {
            return self.seen.remove(i);
        }
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let line = tokio::time::timeout_at(deadline, self.reports.recv())
                .await
                .unwrap_or_else(|_| panic!("bot never reported {prefix:?}; saw {:?}", self.seen))
                .expect("bot alive");
            if line.starts_with(prefix) {
                return line;
            }
            self.seen.push(line);
        }
    }

    async fn finish(self) {
        self.shards.shutdown_all().await;
        self.discord.shutdown().await;
    }
}

fn spec_of(discord: &Discord) -> Arc<standin::openapi::Spec> {
    discord.spec().expect("OpenAPI description loaded")
}

fn event_command(discord: &Discord, user: u64, name: &str) -> InteractionSpec {
    let options = vec![option::subcommand("event", vec![option::string("name", name)])];
    InteractionSpec::command("kyodo", options, discord.guild_source(user))
}

// ---------------------------------------------------------------------------------------------
// 1. Connect, IDENTIFY, READY, heartbeats, command registration.

#[tokio::test]
async fn serenity_identifies_gets_ready_and_registers_commands() {
    let config = Config {
        heartbeat_interval_ms: 250,
        ..Config::default()
    };
    let mut h = Harness::start(config).await;
    let ready = h.expect("ready").await;
    let d = &h.discord;
    assert_eq!(ready, format!("ready kyodo app {}", d.application_id()));

    let identify = d.identifies().pop().expect("IDENTIFY received");
    assert_eq!(identify["token"], json!(format!("Bot {}", d.token())));
    assert_eq!(identify["intents"], json!(GatewayIntents::non_privileged().bits()));
    let stats = d.gateway_stats();
    assert!(stats.uris[0].contains("v=10"), "gateway URL {:?}", stats.uris);
    assert!(
        d.requests_to("GET", "/gateway").len() == 1,
        "serenity asks GET /gateway"
    );

    let put = d
        .wait_for_request("PUT", "/applications/*/guilds/*/commands", WAIT)
        .await;
    assert_eq!(
        put.route,
        format!("/applications/{}/guilds/{}/commands", d.application_id(), d.guild_id())
    );
    assert_eq!(put.header("authorization"), Some(format!("Bot {}", d.token()).as_str()));
    assert_eq!(put.status, 200);
    let body = put.json.as_ref().expect("JSON body");
    assert_eq!(body[0]["name"], "kyodo");
    assert_eq!(body[0]["name_localizations"]["ja"], "きょうどう");
    assert_eq!(body[0]["description_localizations"]["ja"], "小諸市の地域イベント");
    assert_eq!(body[0]["options"][0]["type"], 1);
    assert_eq!(body[0]["options"][0]["options"][0]["name_localizations"]["ja"], "名前");
    let spec = spec_of(d);
    spec.check_request("PUT", &put.route, "application/json", body)
        .expect("valid per OpenAPI");
    // The stand-in's answer is shaped like Discord's (ApplicationCommandResponse[]).
    let answer = put.response.as_ref().expect("response body");
    spec.check_response("PUT", &put.route, 200, answer)
        .expect("response valid per OpenAPI");
    let stored = d.commands(Some(d.guild_id()));
    assert_eq!(stored.len(), 1);
    assert!(stored[0]["id"].as_str().is_some_and(|id| id.parse::<u64>().is_ok()));
    // serenity also parses it back into its Command model.
    let parsed: Vec<Command> = serde_json::from_value(answer.clone()).expect("serenity parses");
    assert_eq!(parsed[0].name, "kyodo");

    // Global bulk overwrite and the GET of both lists, through serenity's Http.
    let http = d.http();
    let global = Command::set_global_commands(&http, vec![kyodo_command()])
        .await
        .expect("PUT");
    assert_eq!(global[0].name, "kyodo");
    assert_eq!(
        global[0]
            .name_localizations
            .as_ref()
            .and_then(|l| l.get("ja"))
            .map(String::as_str),
        Some("きょうどう")
    );
    let listed = Command::get_global_commands(&http).await.expect("GET global");
    assert_eq!(listed[0].id, global[0].id, "ids are kept");
    let listed = GuildId::new(d.guild_id()).get_commands(&http).await.expect("GET guild");
    assert_eq!(
        listed.iter().map(|c| c.id.get()).collect::<Vec<_>>(),
        vec![parsed[0].id.get()]
    );
    let bot_gateway = http.get_bot_gateway().await.expect("GET /gateway/bot");
    assert_eq!((bot_gateway.url.as_str(), bot_gateway.shards), (d.gateway_url(), 1));

    // Heartbeats are acknowledged: several beats on the one connection, no reconnect.
    d.wait_gateway("3 heartbeats", WAIT, |s| s.heartbeats >= 3).await;
    assert_eq!(d.gateway_stats().connections, 1);
    assert_eq!(d.identifies().len(), 1);
    h.finish().await;
}

// 2. Slash command → type 4 with a button; duplicate callback → 40060; ephemeral from a DM.

#[tokio::test]
async fn slash_command_is_answered_once_with_a_button() {
    let mut h = Harness::start(Config::default()).await;
    let sent = h
        .discord
        .inject_interaction(&event_command(&h.discord, 42, "懐古園桜まつり"))
        .await;
    let guild_commands = h.discord.commands(Some(h.discord.guild_id()));
    assert_eq!(
        sent.payload["data"]["id"], guild_commands[0]["id"],
        "uses the registered id"
    );

    assert_eq!(
        h.expect("command").await,
        "command kyodo event from member 42 roles 1 locale ja"
    );
    let callback = h.discord.next_callback(&sent, WAIT).await;
    assert_eq!(callback.kind, 4);
    assert_eq!(callback.data["content"], "懐古園桜まつり は 5月3日 です");
    let button = &callback.data["components"][0]["components"][0];
    assert_eq!(button["type"], 2);
    assert_eq!(button["custom_id"], "rsvp:懐古園桜まつり");
    assert_eq!(h.expect("first response").await, "first response ok");
    assert_eq!(
        h.expect("second response").await,
        "second response http 400 code 40060 Interaction has already been acknowledged."
    );
    let posts = h.discord.callback_requests(&sent);
    assert_eq!(
        posts.iter().filter(|r| r.status == 204).count(),
        1,
        "exactly one accepted"
    );
    assert_eq!(posts.len(), 2);
    let original = h.discord.original_message(&sent).expect("original message");
    spec_of(&h.discord)
        .check_schema("MessageResponse", &original)
        .expect("message shape");

    // From a DM (user, no guild_id, no member), answered ephemerally (flags 64).
    let options = vec![option::subcommand("secret", vec![])];
    let dm = InteractionSpec::command("kyodo", options, h.discord.dm_source(77)).locale("en-US");
    let sent = h.discord.inject_interaction(&dm).await;
    assert!(sent.payload.get("guild_id").is_none() && sent.payload.get("member").is_none());
    assert_eq!(
        h.expect("command kyodo secret").await,
        "command kyodo secret from dm locale en-US"
    );
    let callback = h.discord.next_callback(&sent, WAIT).await;
    assert_eq!((callback.kind, callback.data["flags"].as_u64()), (4, Some(64)));
    assert_eq!(callback.data["content"], "内緒");
    assert_eq!(h.expect("secret response").await, "secret response ok");
    h.finish().await;
}

// 3. Deferred response, then PATCH @original.

#[tokio::test]
async fn deferred_response_then_edit_original() {
    let mut h = Harness::start(Config::default()).await;
    let spec = InteractionSpec::command(
        "kyodo",
        vec![option::subcommand("slow", vec![])],
        h.discord.guild_source(43),
    );
    let sent = h.discord.inject_interaction(&spec).await;
    let callback = h.discord.next_callback(&sent, WAIT).await;
    assert_eq!(callback.kind, 5);
    assert_eq!(h.expect("slow").await, "slow ok ok");
    let patch = h
        .discord
        .wait_for_request("PATCH", &format!("/webhooks/*/{}/messages/@original", sent.token), WAIT)
        .await;
    assert_eq!(
        patch.route,
        format!(
            "/webhooks/{}/{}/messages/@original",
            h.discord.application_id(),
            sent.token
        )
    );
    assert_eq!(patch.json.as_ref().expect("body")["content"], "集計が終わりました");
    let original = h.discord.original_message(&sent).expect("original");
    assert_eq!(original["content"], "集計が終わりました");
    assert_eq!(original["flags"].as_u64().expect("flags") & 128, 0, "no longer loading");
    assert!(original["edited_timestamp"].is_string());
    h.finish().await;
}

// 4. Autocomplete → type 8 with at most 25 choices.

#[tokio::test]
async fn autocomplete_is_answered_with_at_most_25_choices() {
    let mut h = Harness::start(Config::default()).await;
    let options = vec![option::subcommand("event", vec![option::focused("name", 3, "懐古")])];
    let spec = InteractionSpec::autocomplete("kyodo", options, h.discord.guild_source(44));
    let sent = h.discord.inject_interaction(&spec).await;
    assert_eq!(h.expect("autocomplete ").await, "autocomplete 懐古");
    let callback = h.discord.next_callback(&sent, WAIT).await;
    assert_eq!(callback.kind, 8);
    let choices = callback.data["choices"].as_array().expect("choices");
    assert!(!choices.is_empty() && choices.len() <= 25, "{} choices", choices.len());
    assert_eq!(choices[0], json!({ "name": "懐古祭り 1", "value": "fest-1" }));
    assert_eq!(h.expect("autocomplete response").await, "autocomplete response ok");
    h.finish().await;
}

// 5. Button click on a message → deserialised with its message, answered with an update.

#[tokio::test]
async fn button_click_with_full_message_is_answered() {
    let mut h = Harness::start(Config::default()).await;
    let d = &h.discord;
    let command = event_command(d, 45, "小諸ドカンショ");
    let message = command.reply_message(
        d.application_id(),
        d.bot_user(),
        "小諸ドカンショ は 8月 です",
        payloads::button_row("rsvp:dokansho", "参加する"),
    );
    spec_of(d)
        .check_schema("MessageResponse", &message)
        .expect("message per OpenAPI");
    let message_id = message["id"].as_str().expect("id").to_string();
    let click = InteractionSpec::button("rsvp:dokansho", message, d.guild_source(46));
    let sent = d.inject_interaction(&click).await;
    assert_eq!(
        h.expect("component").await,
        format!("component rsvp:dokansho on message {message_id} by 46")
    );
    let callback = h.discord.next_callback(&sent, WAIT).await;
    assert_eq!(callback.kind, 7);
    assert_eq!(callback.data["content"], "参加登録しました");
    assert_eq!(h.expect("component response").await, "component response ok");
    let updated = h.discord.original_message(&sent).expect("updated message");
    assert_eq!(updated["id"], json!(message_id));
    assert_eq!(updated["content"], "参加登録しました");
    h.finish().await;
}

// 6. Dropped socket → RESUME → missed dispatch replayed, nothing lost.

#[tokio::test]
async fn dropped_gateway_resumes_and_loses_nothing() {
    let mut h = Harness::start(Config::default()).await;
    let before = h
        .discord
        .inject_interaction(&event_command(&h.discord, 47, "before"))
        .await;
    h.discord.next_callback(&before, WAIT).await;
    let session_seq = before.seq;

    assert!(h.discord.drop_gateway(), "a socket was open");
    // Injected while the socket is down: only a replay after RESUME can deliver it.
    let during = h
        .discord
        .inject_interaction(&event_command(&h.discord, 48, "during"))
        .await;
    assert_eq!(during.seq, session_seq + 1);
    let callback = h.discord.next_callback(&during, WAIT).await;
    assert_eq!(callback.data["content"], "during は 5月3日 です");

    let resume = h.discord.resumes().pop().expect("RESUME received");
    assert_eq!(resume["token"], json!(format!("Bot {}", h.discord.token())));
    assert_eq!(resume["seq"], json!(session_seq));
    let stats = h.discord.gateway_stats();
    assert_eq!((stats.connections, stats.dropped, stats.resumed), (2, 1, 1));
    assert_eq!(stats.replayed, vec![during.seq]);
    assert_eq!(h.discord.identifies().len(), 1, "resumed, not re-identified");

    let after = h
        .discord
        .inject_interaction(&event_command(&h.discord, 49, "after"))
        .await;
    assert_eq!(after.seq, during.seq + 2, "RESUMED took one sequence number");
    h.discord.next_callback(&after, WAIT).await;
    for who in ["from member 47", "from member 48", "from member 49"] {
        let line = h.expect("command kyodo event").await;
        assert!(line.contains(who), "{line} (expected {who})");
    }
    h.finish().await;
}

// 7. 429 (and 500) with serenity's rate limiter disabled.

#[tokio::test]
async fn rate_limited_followup_and_channel_message_return_errors_once() {
    let mut h = Harness::start(Config::default()).await;
    let limited = Failure::RateLimited {
        retry_after: 0.2,
        global: false,
    };
    h.discord.fail_next("POST", "/webhooks/*/*", 1, limited.clone());
    h.discord.fail_next("POST", "/channels/*/messages", 1, limited.clone());
    let spec = InteractionSpec::command(
        "kyodo",
        vec![option::subcommand("notify", vec![])],
        h.discord.guild_source(50),
    );
    h.discord.inject_interaction(&spec).await;
    let rate_limited = "http 429 code 0 You are being rate limited.";
    assert_eq!(h.expect("followup").await, format!("followup {rate_limited}"));
    assert_eq!(
        h.expect("channel message").await,
        format!("channel message {rate_limited}")
    );
    tokio::time::sleep(Duration::from_millis(600)).await; // > retry_after: no silent retry
    let followups = h.discord.requests_to("POST", "/webhooks/*/*");
    assert_eq!(followups.iter().map(|r| r.status).collect::<Vec<_>>(), vec![429]);
    let posts = h.discord.requests_to("POST", "/channels/*/messages");
    assert_eq!(posts.iter().map(|r| r.status).collect::<Vec<_>>(), vec![429]);
    assert_eq!(posts[0].response.as_ref().expect("body")["retry_after"], json!(0.2));

    // The bot must retry itself; the support helper does it.
    h.discord.fail_next("POST", "/channels/*/messages", 1, limited);
    let http = h.discord.http();
    let channel = ChannelId::new(h.discord.channel_id());
    let sent = standin::retry_rate_limited(3, Duration::from_millis(200), || channel.say(&http, "再送"))
        .await
        .expect("second attempt succeeds");
    assert_eq!(sent.content, "再送");
    let statuses: Vec<u16> = h
        .discord
        .requests_to("POST", "/channels/*/messages")
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, vec![429, 429, 200]);

    // A 500 is likewise returned once, not retried.
    h.discord
        .fail_next("POST", "/channels/*/messages", 1, Failure::ServerError);
    let err = channel.say(&http, "x").await.expect_err("500 surfaces");
    assert_eq!(outcome::<()>(&Err(err)), "http 500 code 0 500: Internal Server Error");
    assert_eq!(h.discord.requests_to("POST", "/channels/*/messages").len(), 4);
    h.finish().await;
}

// 8. Multipart channel message with a PNG.

/// A valid 1×1 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49,
    0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d,
    0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

#[tokio::test]
async fn multipart_message_records_png_bytes() {
    let h = Harness::start(Config::default()).await;
    let http = h.discord.http();
    let channel = ChannelId::new(h.discord.channel_id());
    let message = CreateMessage::new()
        .content("会場の地図")
        .add_file(CreateAttachment::bytes(PNG, "map.png"));
    let sent = channel.send_message(&http, message).await.expect("message sent");
    assert_eq!(sent.attachments.len(), 1);
    assert_eq!(sent.attachments[0].filename, "map.png");
    assert_eq!(sent.attachments[0].size as usize, PNG.len());

    let post = h.discord.wait_for_request("POST", "/channels/*/messages", WAIT).await;
    assert!(post
        .header("content-type")
        .is_some_and(|c| c.starts_with("multipart/form-data")));
    assert_eq!(post.json.as_ref().expect("payload_json")["content"], "会場の地図");
    assert_eq!(post.files.len(), 1);
    assert_eq!(post.files[0].field, "files[0]");
    assert_eq!(post.files[0].filename, "map.png");
    assert_eq!(post.files[0].content_type.as_deref(), Some("image/png"));
    assert_eq!(post.files[0].bytes, PNG);
    spec_of(&h.discord)
        .check_response("POST", &post.route, 200, post.response.as_ref().expect("body"))
        .expect("message response per OpenAPI");
    h.finish().await;
}

// 9. nonce + enforce_nonce: a repeated post returns the first message.

#[tokio::test]
async fn enforced_nonce_deduplicates_messages() {
    let h = Harness::start(Config::default()).await;
    let http = h.discord.http();
    let channel = ChannelId::new(h.discord.channel_id());
    let post = || {
        let message = CreateMessage::new()
            .content("ごみ収集日のお知らせ")
            .nonce(Nonce::String("kyodo-2026-11-28".into()))
            .enforce_nonce(true);
        channel.send_message(&http, message)
    };
    let first = post().await.expect("first post");
    let second = post().await.expect("second post");
    assert_eq!(first.id, second.id);
    assert_eq!(h.discord.requests_to("POST", "/channels/*/messages").len(), 2);
    assert_eq!(h.discord.channel_messages(h.discord.channel_id()).len(), 1);
    // Without enforce_nonce the same nonce makes a new message.
    let third = channel
        .send_message(
            &http,
            CreateMessage::new()
                .content("x")
                .nonce(Nonce::String("kyodo-2026-11-28".into())),
        )
        .await
        .expect("third post");
    assert_ne!(third.id, first.id);
    h.finish().await;
}

// ---------------------------------------------------------------------------------------------
// The validator and the payload builders themselves.

fn spec() -> Arc<standin::openapi::Spec> {
    let path = Config::default().openapi_spec.expect("OpenAPI description configured");
    standin::openapi::Spec::load(&path)
}

#[test]
fn validator_accepts_valid_and_rejects_invalid_bodies() {
    let spec = spec();
    let guild_commands = "/applications/1/guilds/2/commands";
    let op = spec.operation("PUT", guild_commands).expect("operation");
    assert_eq!(op.id, "bulk_set_guild_application_commands");
    let good = json!([{ "name": "kyodo", "description": "Events", "type": 1,
        "name_localizations": { "ja": "きょうどう" },
        "options": [{ "type": 1, "name": "event", "description": "Show",
            "options": [{ "type": 3, "name": "name", "description": "Name", "required": true }] }] }]);
    spec.check_request("PUT", guild_commands, "application/json", &good)
        .expect("valid");
    let mut upper = good.clone();
    upper[0]["name"] = json!("Kyodo");
    assert!(spec
        .check_request("PUT", guild_commands, "application/json", &upper)
        .is_err());
    let mut long = good.clone();
    long[0]["name"] = json!("a".repeat(33));
    let err = spec
        .check_request("PUT", guild_commands, "application/json", &long)
        .unwrap_err();
    assert!(err.contains("bulk_set_guild_application_commands"), "{err}");
    let mut bad_option = good.clone();
    bad_option[0]["options"][0]["options"][0]["type"] = json!(42);
    assert!(spec
        .check_request("PUT", guild_commands, "application/json", &bad_option)
        .is_err());

    let callback = "/interactions/1/tok/callback";
    assert_eq!(
        spec.operation("POST", callback).expect("op").id,
        "create_interaction_response"
    );
    let ok = json!({ "type": 4, "data": { "content": "hi", "flags": 64 } });
    spec.check_request("POST", callback, "application/json", &ok)
        .expect("valid callback");
    let bad = json!({ "type": 99, "data": { "content": "hi" } });
    assert!(spec.check_request("POST", callback, "application/json", &bad).is_err());
    let autocomplete = json!({ "type": 8, "data": { "choices": [{ "name": "a", "value": "b" }] } });
    spec.check_request("POST", callback, "application/json", &autocomplete)
        .expect("type 8");

    let original = "/webhooks/1/tok/messages/@original";
    assert_eq!(
        spec.operation("PATCH", original).expect("op").id,
        "update_original_webhook_message"
    );
    assert_eq!(
        spec.operation("PATCH", "/webhooks/1/tok/messages/9").expect("op").id,
        "update_webhook_message"
    );
    assert_eq!(
        spec.operation("POST", "/webhooks/1/tok").expect("op").id,
        "execute_webhook"
    );
    let messages = "/channels/5/messages";
    assert_eq!(spec.operation("POST", messages).expect("op").id, "create_message");
    // The description allows 4000 characters (Discord's docs say 2000).
    let long_content = json!({ "content": "x".repeat(4001) });
    assert!(spec
        .check_request("POST", messages, "application/json", &long_content)
        .is_err());
    let with_file = json!({ "content": "map", "attachments": [{ "id": 0, "filename": "map.png" }] });
    spec.check_request("POST", messages, "multipart/form-data", &with_file)
        .expect("multipart");
    assert!(spec
        .check_request("GET", "/nope", "application/json", &json!({}))
        .is_err());
}

#[tokio::test]
async fn invalid_bodies_sent_through_serenity_become_violations() {
    let discord = Discord::start_with(Config::default()).await;
    let http = discord.http();
    let bad = CreateCommand::new("Kyodo_With_Uppercase").description("bad");
    let err = GuildId::new(discord.guild_id())
        .set_commands(&http, vec![bad])
        .await
        .expect_err("stand-in rejects like Discord");
    assert_eq!(outcome::<()>(&Err(err)), "http 400 code 50035 Invalid Form Body");
    let violations = discord.violations();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(violations[0].contains("Kyodo_With_Uppercase"), "{violations:?}");
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| discord.assert_no_violations()));
    assert!(caught.is_err(), "assert_no_violations fails the test");
    // An unknown route is a violation too.
    let _ = http.get_guild(GuildId::new(discord.guild_id())).await;
    assert_eq!(discord.violations().len(), 2);
    assert_eq!(discord.take_violations().len(), 2);
    discord.shutdown().await; // passes now that they were taken
}

#[test]
fn payload_builders_match_discord_schemas() {
    let spec = spec();
    let user = payloads::user(80_351_110_224_678_912, "komoro", Some("小諸"), false);
    spec.check_schema("UserResponse", &user).expect("user");
    let bot = payloads::user(1, "kyodo", None, true);
    spec.check_schema("UserResponse", &bot).expect("bot user");
    let member = payloads::member(user.clone(), &[5], payloads::perm::MEMBER);
    spec.check_schema("GuildMemberResponse", &member).expect("member");
    let message = payloads::message(9, 10, bot.clone(), "hi", payloads::button_row("x", "X"));
    spec.check_schema("MessageResponse", &message).expect("message");
    let source = payloads::Source::Dm {
        channel_id: 3,
        user: user.clone(),
    };
    let spec_reply = InteractionSpec::command("kyodo", vec![], source).reply_message(1, bot, "x", json!([]));
    spec.check_schema("MessageResponse", &spec_reply)
        .expect("reply message");
    assert_eq!(payloads::iso8601(0), "1970-01-01T00:00:00.000000+00:00");
    assert_eq!(payloads::iso8601(1_764_315_388_123), "2025-11-28T07:36:28.123000+00:00");
}

#[tokio::test]
async fn interaction_payloads_deserialize_in_serenity() {
    let discord = Discord::start_with(Config::default()).await;
    let guild = discord.guild_source(1);
    let dm = discord.dm_source(2);
    let command = event_command(&discord, 1, "x");
    let message = command.reply_message(1, discord.bot_user(), "x", payloads::button_row("b", "B"));
    let cases = [
        command.build(11, "t", 1),
        InteractionSpec::command("kyodo", vec![], dm.clone()).build(12, "t", 1),
        InteractionSpec::autocomplete("kyodo", vec![option::focused("name", 3, "k")], guild.clone()).build(13, "t", 1),
        InteractionSpec::button("b", message.clone(), guild).build(14, "t", 1),
        InteractionSpec::button("b", message, dm).build(15, "t", 1),
    ];
    let kinds: Vec<_> = cases
        .iter()
        .map(|p| {
            let interaction: Interaction = serde_json::from_value(p.clone()).unwrap_or_else(|e| panic!("{e}: {p}"));
            interaction.kind()
        })
        .collect();
    use serenity::all::InteractionType as T;
    assert_eq!(
        kinds,
        vec![T::Command, T::Command, T::Autocomplete, T::Component, T::Component]
    );
    let guild_payload: Value = cases[0].clone();
    for key in [
        "locale",
        "guild_locale",
        "app_permissions",
        "entitlements",
        "authorizing_integration_owners",
        "context",
        "attachment_size_limit",
        "member",
        "guild_id",
    ] {
        assert!(guild_payload.get(key).is_some(), "{key} missing");
    }
    let member_fields = ["user", "roles", "permissions"];
    assert!(member_fields.iter().all(|k| guild_payload["member"].get(*k).is_some()));
    assert!(cases[1].get("guild_id").is_none() && cases[1].get("user").is_some());
    discord.shutdown().await;
}
