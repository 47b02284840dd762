//! serenity's event handler: registers the commands on READY and answers interactions —
//! slash commands through the command core, autocomplete with suggestions, the undo button.
//!
//! Each interaction is answered exactly once: a replayed interaction id is ignored, and a
//! command whose work may pass Discord's 3-second deadline is deferred (type 5) and its
//! original response edited afterwards (`answer.rs` retries and falls back to a follow-up).
//!
//! Each interaction is counted as work in flight from its first line (`stopping.rs`); once the
//! bot is stopping, a new one is declined with a short private message and nothing is done.
//! An interaction serenity cannot read reaches `Unreadable` (a raw event handler) instead: it
//! is logged and answered that nothing was recorded.

use super::answer::Answer;
use super::heartbeat::Liveness;
use super::interaction::{actor, invocation, place_refusal, request, wording};
use super::rest::{File, Rest};
use super::stopping::Stopping;
use super::DiscordSettings;
use crate::app::App;
use crate::commands::autocomplete::{suggest, MAX_SUGGESTIONS};
use crate::commands::records::page_request;
use crate::commands::spec::{action_of, command_set, invocation as invocation_of, payload, CommandSpec};
use crate::commands::{self, Command, OptionValue, Request};
use crate::render::discord::{messages, notice, parse_page_custom_id, parse_undo_custom_id, EPHEMERAL};
use crate::render::reply::{Outcome, Reply, Visibility};
use serde_json::{json, Value};
use serenity::all::{
    CommandInteraction, ComponentInteraction, Context, Event, EventHandler, Interaction, RawEventHandler, Ready,
    ResumedEvent, ShardStageUpdateEvent,
};
use serenity::async_trait;
use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// Work that takes longer than this is deferred: Discord's deadline is 3 seconds.
const DEFER_AFTER: Duration = Duration::from_millis(2000);
/// How many recent interaction ids are remembered to ignore replays.
const REMEMBERED: usize = 4096;

/// Interaction callback types.
const CHANNEL_MESSAGE: u8 = 4;
const DEFERRED_CHANNEL_MESSAGE: u8 = 5;
const UPDATE_MESSAGE: u8 = 7;
const AUTOCOMPLETE_RESULT: u8 = 8;

/// The answer to an interaction that arrives while the bot stops.
const DECLINED: &str =
    "kyodo は停止（再起動）の途中のため、この操作を受け付けませんでした。何も記録していません。1分ほど待ってから、もう一度送ってください";
/// The answer to an interaction serenity could not read.
const UNREADABLE: &str = "Discord から届いた操作を読み取れませんでした。何も記録していません。もう一度送り、続くときは管理者に連絡してください";

pub struct Bot {
    /// The core: settings and database. Locked only inside `spawn_blocking`, never across an await.
    app: Arc<Mutex<App>>,
    settings: Arc<DiscordSettings>,
    /// Set by `run` once the client exists, before any event arrives.
    rest: Arc<OnceLock<Rest>>,
    /// From READY; needed for command registration and webhook routes.
    application_id: AtomicU64,
    /// The command set: what an interaction runs, whether it is deferred and whom it shows;
    /// shared with the core's blocking tasks, which check each request against it.
    commands: Arc<Vec<CommandSpec>>,
    /// The catalogue's city, named when a DM is refused.
    city: String,
    /// The registration payload, from `commands`.
    payload: Value,
    /// Recently seen interaction ids, oldest first.
    seen: Mutex<(HashSet<u64>, VecDeque<u64>)>,
    /// Shared with `run` and the scheduler: the work in flight, and whether the bot is stopping.
    stopping: Arc<Stopping>,
    /// Told of gateway changes, for the heartbeat.
    liveness: Arc<Liveness>,
}

/// The reply to a request that reached the core after the bot gave up waiting for its work:
/// nothing is stored, since the answer could not be sent.
fn declined() -> Reply {
    Reply {
        visibility: Visibility::Ephemeral,
        outcome: Outcome::Refused,
        title: DECLINED.into(),
        sections: Vec::new(),
        undo: None,
        pages: None,
        files: Vec::new(),
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Bot {
    pub fn new(
        app: Arc<Mutex<App>>,
        settings: Arc<DiscordSettings>,
        rest: Arc<OnceLock<Rest>>,
        stopping: Arc<Stopping>,
        liveness: Arc<Liveness>,
    ) -> Self {
        // Read once: the catalogue does not change while the bot runs.
        let (commands, city) = {
            let app = lock(&app);
            let catalogue = &app.settings.catalogue;
            (command_set(catalogue), catalogue.city.clone())
        };
        Bot {
            app,
            settings,
            rest,
            application_id: AtomicU64::new(0),
            payload: payload(&commands),
            commands: Arc::new(commands),
            city,
            seen: Mutex::new((HashSet::new(), VecDeque::new())),
            stopping,
            liveness,
        }
    }

    /// Where the answer to interaction `id` goes.
    fn answer<'a>(&self, rest: &'a Rest, id: u64, token: &'a str, received: Instant) -> Answer<'a> {
        Answer::new(rest, self.application_id.load(Ordering::Relaxed), id, token, received)
    }

    fn rest(&self) -> Option<&Rest> {
        let rest = self.rest.get();
        if rest.is_none() {
            tracing::error!("REST client not set; event ignored");
        }
        rest
    }

    /// Whether this interaction id is new (and remembers it).
    fn first_time(&self, id: u64) -> bool {
        let mut seen = lock(&self.seen);
        let (set, order) = &mut *seen;
        if !set.insert(id) {
            return false;
        }
        order.push_back(id);
        if order.len() > REMEMBERED {
            if let Some(old) = order.pop_front() {
                set.remove(&old);
            }
        }
        true
    }

    /// Runs a request through the core on the blocking pool. (A blocking task outlives the
    /// runtime, its answer does not: once the bot has given up waiting, it stores nothing.)
    fn spawn_core(&self, request: Request) -> tokio::task::JoinHandle<Reply> {
        let app = self.app.clone();
        let stopping = self.stopping.clone();
        let commands = self.commands.clone();
        tokio::task::spawn_blocking(move || {
            let mut app = lock(&app);
            if stopping.is_abandoned() {
                return declined();
            }
            commands::handle_with(&mut app, &commands, &request)
        })
    }

    /// Runs `invocation` on the core as whoever pressed the button of `c`.
    async fn run_pressed(&self, c: &ComponentInteraction, invocation: crate::commands::Invocation) -> Reply {
        let request = request(
            &self.settings,
            c.id,
            &c.user,
            c.member.as_ref(),
            c.guild_id,
            c.channel_id,
            invocation,
        );
        self.spawn_core(request).await.unwrap_or_else(|e| internal(&e))
    }

    async fn register(&self) {
        let Some(rest) = self.rest() else { return };
        let app = self.application_id.load(Ordering::Relaxed);
        let guild = self.settings.guild_id;
        let empty = json!([]);
        // The scope not in use is emptied, so switching leaves no stale commands behind.
        let (global, in_guild) = if self.settings.global_commands {
            (&self.payload, &empty)
        } else {
            (&empty, &self.payload)
        };
        match rest.overwrite_guild_commands(app, guild, in_guild).await {
            Ok(()) => tracing::info!(
                guild,
                commands = in_guild.as_array().map_or(0, Vec::len),
                "guild commands registered"
            ),
            Err(e) => tracing::error!(error = %e, guild, "registering guild commands failed"),
        }
        match rest.overwrite_global_commands(app, global).await {
            Ok(()) => tracing::info!(
                commands = global.as_array().map_or(0, Vec::len),
                "global commands registered"
            ),
            Err(e) => tracing::error!(error = %e, "registering global commands failed"),
        }
    }

    async fn command(&self, rest: &Rest, c: CommandInteraction, started: Instant) {
        let id = c.id.get();
        let answer = self.answer(rest, id, &c.token, started);
        if let Some(refusal) = place_refusal(c.guild_id, &self.settings, &self.city) {
            answer.respond(CHANNEL_MESSAGE, notice(&refusal)).await;
            return;
        }
        let request = request(
            &self.settings,
            c.id,
            &c.user,
            c.member.as_deref(),
            c.guild_id,
            c.channel_id,
            invocation(&c),
        );
        let name = request.invocation.command.clone();
        // The spec says which commands are slow (deferred at once, not after `DEFER_AFTER`) and
        // whose replies are private (so is the deferral). An invocation the spec does not know
        // is neither; the core refuses it.
        let action = action_of(&self.commands, &request.invocation);
        let defer_at_once = action.is_some_and(|a| a.defers);
        let private = action.is_some_and(|a| a.private);
        let mut work = self.spawn_core(request);
        let finished = if defer_at_once {
            None
        } else {
            tokio::time::timeout(DEFER_AFTER, &mut work).await.ok()
        };
        let outcome = match finished {
            Some(joined) => {
                let reply = joined.unwrap_or_else(|e| internal(&e));
                let mut bodies = messages(&reply).into_iter();
                let answered = match bodies.next() {
                    Some(first) => answer.respond(CHANNEL_MESSAGE, first).await,
                    None => true,
                };
                if answered {
                    for body in bodies {
                        answer.follow_up(&body, &[]).await;
                    }
                    if !reply.files.is_empty() {
                        let flags = if reply.visibility == Visibility::Ephemeral {
                            EPHEMERAL
                        } else {
                            0
                        };
                        let body =
                            json!({ "content": "添付ファイル", "flags": flags, "allowed_mentions": { "parse": [] } });
                        answer.follow_up(&body, &files(&reply)).await;
                    }
                } else {
                    unanswered(id, &reply);
                }
                reply.outcome
            }
            None => {
                let flags = if private { EPHEMERAL } else { 0 };
                let deferred = answer
                    .respond(DEFERRED_CHANNEL_MESSAGE, json!({ "flags": flags }))
                    .await;
                let reply = work.await.unwrap_or_else(|e| internal(&e));
                if deferred {
                    finish_deferred(&answer, &reply, private).await;
                } else {
                    unanswered(id, &reply);
                }
                reply.outcome
            }
        };
        tracing::info!(
            interaction = id,
            command = %name,
            user = c.user.id.get(),
            ?outcome,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "interaction answered"
        );
    }

    async fn autocomplete(&self, rest: &Rest, c: CommandInteraction, received: Instant) {
        let choices: Vec<Value> = if place_refusal(c.guild_id, &self.settings, &self.city).is_some() {
            Vec::new()
        } else {
            let inv = invocation(&c);
            let command = action_of(&self.commands, &inv).map(|a| a.command);
            let (focused, typed) = c
                .data
                .autocomplete()
                .map(|o| (o.name.to_string(), o.value.to_string()))
                .unwrap_or_default();
            let app = self.app.clone();
            let suggestions = match command {
                Some(command) => {
                    tokio::task::spawn_blocking(move || suggest(&lock(&app), command, &inv, &focused, &typed))
                        .await
                        .unwrap_or_default()
                }
                None => Vec::new(),
            };
            suggestions
                .into_iter()
                .take(MAX_SUGGESTIONS)
                .map(|s| json!({ "name": s.name, "value": s.value }))
                .collect()
        };
        self.answer(rest, c.id.get(), &c.token, received)
            .respond(AUTOCOMPLETE_RESULT, json!({ "choices": choices }))
            .await;
    }

    async fn component(&self, rest: &Rest, c: ComponentInteraction, received: Instant) {
        let id = c.id.get();
        let answer = self.answer(rest, id, &c.token, received);
        if let Some(refusal) = place_refusal(c.guild_id, &self.settings, &self.city) {
            answer.respond(CHANNEL_MESSAGE, notice(&refusal)).await;
            return;
        }
        if let Some((page, key)) = parse_page_custom_id(&c.data.custom_id) {
            self.page(&answer, &c, page, key).await;
            return;
        }
        let undo = invocation_of(&self.commands, Command::RecordsUndo);
        let (Some(record), Some(undo)) = (parse_undo_custom_id(&c.data.custom_id), undo) else {
            answer
                .respond(CHANNEL_MESSAGE, notice("このボタンは使えなくなりました"))
                .await;
            return;
        };
        let undo = undo.with("id", OptionValue::Integer(record)).worded(wording(&c.locale));
        let reply = self.run_pressed(&c, undo).await;
        if reply.outcome == Outcome::Done {
            // The report's message now says it was undone, and loses its button.
            let mut content = format!(
                "~~{}~~",
                c.message
                    .embeds
                    .first()
                    .and_then(|e| e.title.clone())
                    .unwrap_or_default()
            );
            content.push_str(&format!(
                "\n{}（{}）",
                reply.title,
                actor(&c.user, c.member.as_ref()).name
            ));
            let data =
                json!({ "content": content, "embeds": [], "components": [], "allowed_mentions": { "parse": [] } });
            answer.respond(UPDATE_MESSAGE, data).await;
        } else {
            answer.respond(CHANNEL_MESSAGE, first_message(&reply)).await;
        }
    }

    /// A page button under a list (`/records mine`, `/records list`): the same list's page
    /// `page`, run as the user who pressed it and held to the spec like a typed command,
    /// replaces the message; a refusal is said privately.
    async fn page(&self, answer: &Answer<'_>, c: &ComponentInteraction, page: u32, key: &str) {
        let Some(invocation) = page_request(&self.commands, key, page) else {
            answer
                .respond(CHANNEL_MESSAGE, notice("このボタンは使えなくなりました"))
                .await;
            return;
        };
        let reply = self.run_pressed(c, invocation.worded(wording(&c.locale))).await;
        let first = first_message(&reply);
        if reply.outcome == Outcome::Done {
            let mut body = first;
            if let Some(map) = body.as_object_mut() {
                // The message keeps who sees it; an update does not set it.
                map.remove("flags");
                map.entry("components").or_insert_with(|| json!([]));
            }
            answer.respond(UPDATE_MESSAGE, body).await;
        } else {
            answer.respond(CHANNEL_MESSAGE, first).await;
        }
    }

    /// Answers an interaction that arrived while stopping: nothing is done.
    async fn decline(&self, rest: &Rest, interaction: &Interaction, received: Instant) {
        let (kind, data) = match interaction {
            Interaction::Autocomplete(_) => (AUTOCOMPLETE_RESULT, json!({ "choices": [] })),
            Interaction::Command(_) | Interaction::Component(_) | Interaction::Modal(_) => {
                (CHANNEL_MESSAGE, notice(DECLINED))
            }
            _ => return,
        };
        let id = interaction.id().get();
        tracing::info!(interaction = id, "interaction declined: the bot is stopping");
        self.answer(rest, id, interaction.token(), received)
            .respond(kind, data)
            .await;
    }

    /// An INTERACTION_CREATE serenity could not read (`Event::Unknown`): logged with its id and
    /// type (never its token) and, when it has an id and a token, answered that nothing was
    /// recorded. Other unknown events are new to serenity 0.12.5 and ignored.
    async fn unreadable(&self, event: &str, value: &Value) {
        if event != "INTERACTION_CREATE" {
            tracing::debug!(event, "a gateway event serenity does not know; ignored");
            return;
        }
        let received = Instant::now();
        let _work = self.stopping.begin();
        let error = serde_json::from_value::<Interaction>(value.clone())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        tracing::warn!(
            interaction = %value["id"].as_str().unwrap_or("(none)"),
            kind = %value["type"],
            %error,
            "an interaction from Discord could not be read"
        );
        let (Some(id), Some(token), Some(rest)) = (
            value["id"].as_str().and_then(|id| id.parse::<u64>().ok()),
            value["token"].as_str(),
            self.rest(),
        ) else {
            return;
        };
        let (kind, data) = match value["type"].as_u64() {
            Some(2 | 3 | 5) => (CHANNEL_MESSAGE, notice(UNREADABLE)),
            Some(4) => (AUTOCOMPLETE_RESULT, json!({ "choices": [] })),
            _ => return,
        };
        if self.first_time(id) {
            self.answer(rest, id, token, received).respond(kind, data).await;
        }
    }
}

/// Replaces a deferred response with the reply. A private reply under a public deferral goes
/// as a private follow-up, leaving a short note in the public message.
async fn finish_deferred(answer: &Answer<'_>, reply: &Reply, deferred_private: bool) {
    let mut bodies = messages(reply).into_iter();
    let files = files(reply);
    let private = reply.visibility == Visibility::Ephemeral;
    if private && !deferred_private {
        let note = json!({ "content": "（ご本人だけに返信しました）", "allowed_mentions": { "parse": [] } });
        answer.edit_original(&note, &[]).await;
        if let Some(first) = bodies.next() {
            answer.follow_up(&first, &files).await;
        }
    } else if let Some(mut first) = bodies.next() {
        if let Some(map) = first.as_object_mut() {
            map.remove("flags");
        }
        if !answer.replace_deferred(&first, &files, deferred_private).await {
            tracing::error!("the reply could not be delivered; it stays on 「考え中」");
        }
    }
    for body in bodies {
        answer.follow_up(&body, &[]).await;
    }
}

/// Logs an answer that could not be sent, naming the record it was about, if any.
fn unanswered(interaction: u64, reply: &Reply) {
    match reply.undo.as_ref().map(|u| u.id) {
        Some(record) => tracing::error!(
            interaction,
            record,
            "the record was stored but its answer could not be sent"
        ),
        None => tracing::error!(interaction, "the answer could not be sent"),
    }
}

/// The reply's attachments as files to upload.
fn files(reply: &Reply) -> Vec<File> {
    reply
        .files
        .iter()
        .map(|f| File {
            name: f.name.clone(),
            bytes: f.bytes.clone(),
        })
        .collect()
}

/// The first message of `reply` as a callback body (its title alone if it has none).
fn first_message(reply: &Reply) -> Value {
    messages(reply)
        .into_iter()
        .next()
        .unwrap_or_else(|| notice(&reply.title))
}

fn internal(error: &tokio::task::JoinError) -> Reply {
    tracing::error!(%error, "the command core stopped unexpectedly");
    Reply::internal_error()
}

#[async_trait]
impl EventHandler for Bot {
    async fn ready(&self, ctx: Context, ready: Ready) {
        self.application_id.store(ready.application.id.get(), Ordering::Relaxed);
        ctx.http.set_application_id(ready.application.id);
        tracing::info!(user = %ready.user.name, guilds = ready.guilds.len(), "connected to Discord (READY)");
        self.liveness.gateway_changed();
        self.register().await;
    }

    async fn resume(&self, _ctx: Context, _event: ResumedEvent) {
        tracing::info!("reconnected to Discord (RESUMED)");
        self.liveness.gateway_changed();
    }

    async fn shard_stage_update(&self, _ctx: Context, event: ShardStageUpdateEvent) {
        tracing::info!(old = %event.old, new = %event.new, "gateway connection stage changed");
        self.liveness.gateway_changed();
    }

    async fn interaction_create(&self, _ctx: Context, interaction: Interaction) {
        let received = Instant::now();
        // Counted before "stopping" is checked, so `drain` waits for whatever passed the check.
        let _work = self.stopping.begin();
        let Some(rest) = self.rest() else { return };
        if !self.first_time(interaction.id().get()) {
            tracing::warn!(
                interaction = interaction.id().get(),
                "replayed interaction ignored (already answered)"
            );
            return;
        }
        if self.stopping.is_stopping() {
            self.decline(rest, &interaction, received).await;
            return;
        }
        match interaction {
            Interaction::Command(c) => self.command(rest, c, received).await,
            Interaction::Autocomplete(c) => self.autocomplete(rest, c, received).await,
            Interaction::Component(c) => self.component(rest, c, received).await,
            other => tracing::warn!(
                interaction = other.id().get(),
                kind = ?other.kind(),
                "an interaction of a kind the bot does not serve; not answered"
            ),
        }
    }
}

/// Hears the events serenity could not turn into models, which the `EventHandler` never sees:
/// serenity 0.12.5 reads a dispatch whose `d` does not deserialise as `Event::Unknown` (the
/// untagged fallback of `Event`), and `dispatch_model` drops it with a debug line only.
pub struct Unreadable(pub Arc<Bot>);

#[async_trait]
impl RawEventHandler for Unreadable {
    async fn raw_event(&self, _ctx: Context, event: Event) {
        if let Event::Unknown(unknown) = event {
            self.0.unreadable(&unknown.kind, &unknown.value).await;
        }
    }
}
