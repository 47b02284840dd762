//! serenity's event handler: registers the commands on READY and answers interactions —
//! slash commands through the command core, autocomplete with suggestions, the undo button.
//!
//! Each interaction is answered exactly once: a replayed interaction id is ignored, and a
//! command whose work may pass Discord's 3-second deadline is deferred (type 5) and its
//! original response edited afterwards.

use super::interaction::{actor, invocation, place_refusal, request};
use super::rest::{File, Rest};
use super::DiscordSettings;
use crate::app::App;
use crate::commands::autocomplete::{suggest, MAX_SUGGESTIONS};
use crate::commands::{self, Invocation, OptionValue, Outcome, Reply, Request, Visibility};
use crate::render::discord::{messages, notice, parse_undo_custom_id, EPHEMERAL};
use serde_json::{json, Value};
use serenity::all::{CommandInteraction, ComponentInteraction, Context, EventHandler, Interaction, Ready};
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

pub struct Bot {
    /// The core: settings and database. Locked only inside `spawn_blocking`, never across an await.
    app: Arc<Mutex<App>>,
    settings: Arc<DiscordSettings>,
    /// Set by `run` once the client exists, before any event arrives.
    rest: Arc<OnceLock<Rest>>,
    /// From READY; needed for command registration and webhook routes.
    application_id: AtomicU64,
    /// The registration payload.
    commands: Value,
    /// Recently seen interaction ids, oldest first.
    seen: Mutex<(HashSet<u64>, VecDeque<u64>)>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Bot {
    pub fn new(
        app: Arc<Mutex<App>>,
        settings: Arc<DiscordSettings>,
        rest: Arc<OnceLock<Rest>>,
        commands: Value,
    ) -> Self {
        Bot {
            app,
            settings,
            rest,
            application_id: AtomicU64::new(0),
            commands,
            seen: Mutex::new((HashSet::new(), VecDeque::new())),
        }
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

    /// Runs a request through the core on the blocking pool.
    fn spawn_core(&self, request: Request) -> tokio::task::JoinHandle<Reply> {
        let app = self.app.clone();
        tokio::task::spawn_blocking(move || commands::handle(&mut lock(&app), &request))
    }

    async fn register(&self) {
        let Some(rest) = self.rest() else { return };
        let app = self.application_id.load(Ordering::Relaxed);
        let guild = self.settings.guild_id;
        let empty = json!([]);
        // The scope not in use is emptied, so switching leaves no stale commands behind.
        let (global, in_guild) = if self.settings.global_commands {
            (&self.commands, &empty)
        } else {
            (&empty, &self.commands)
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

    async fn command(&self, rest: &Rest, c: CommandInteraction) {
        let started = Instant::now();
        let id = c.id.get();
        if let Some(refusal) = place_refusal(c.guild_id, &self.settings) {
            self.respond(rest, id, &c.token, CHANNEL_MESSAGE, notice(refusal)).await;
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
        // Summaries read years of figures and draw a chart, exports write files: may be slow,
        // so they are deferred at once.
        let defer_at_once = name == "summary" || request.invocation.subcommand.as_deref() == Some("export");
        let personal = matches!(name.as_str(), "records" | "help");
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
                if let Some(first) = bodies.next() {
                    self.respond(rest, id, &c.token, CHANNEL_MESSAGE, first).await;
                }
                self.follow_up(rest, &c.token, bodies).await;
                if !reply.files.is_empty() {
                    let flags = if reply.visibility == Visibility::Ephemeral {
                        EPHEMERAL
                    } else {
                        0
                    };
                    let body =
                        json!({ "content": "添付ファイル", "flags": flags, "allowed_mentions": { "parse": [] } });
                    self.send_follow_up(rest, &c.token, &body, &files(&reply)).await;
                }
                reply.outcome
            }
            None => {
                let flags = if personal { EPHEMERAL } else { 0 };
                self.respond(rest, id, &c.token, DEFERRED_CHANNEL_MESSAGE, json!({ "flags": flags }))
                    .await;
                let reply = work.await.unwrap_or_else(|e| internal(&e));
                self.finish_deferred(rest, &c.token, &reply, personal).await;
                reply.outcome
            }
        };
        tracing::info!(
            command = %name,
            user = c.user.id.get(),
            ?outcome,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "interaction answered"
        );
    }

    /// Replaces a deferred response with the reply. A private reply under a public deferral
    /// goes as a private follow-up, leaving a short note in the public message.
    async fn finish_deferred(&self, rest: &Rest, token: &str, reply: &Reply, deferred_private: bool) {
        let app = self.application_id.load(Ordering::Relaxed);
        let mut bodies = messages(reply).into_iter();
        let files = files(reply);
        let private = reply.visibility == Visibility::Ephemeral;
        if private && !deferred_private {
            let note = json!({ "content": "（ご本人だけに返信しました）", "allowed_mentions": { "parse": [] } });
            if let Err(e) = rest.edit_original(app, token, &note, &[]).await {
                tracing::error!(error = %e, "editing the deferred response failed");
            }
            if let Some(first) = bodies.next() {
                self.send_follow_up(rest, token, &first, &files).await;
            }
            self.follow_up(rest, token, bodies).await;
            return;
        }
        if let Some(mut first) = bodies.next() {
            if let Some(map) = first.as_object_mut() {
                map.remove("flags");
            }
            if let Err(e) = rest.edit_original(app, token, &first, &files).await {
                tracing::error!(error = %e, "editing the deferred response failed");
            }
        }
        self.follow_up(rest, token, bodies).await;
    }

    async fn respond(&self, rest: &Rest, id: u64, token: &str, kind: u8, data: Value) {
        let body = json!({ "type": kind, "data": data });
        if let Err(e) = rest.respond(id, token, &body).await {
            tracing::error!(error = %e, interaction = id, "answering the interaction failed");
        }
    }

    async fn follow_up(&self, rest: &Rest, token: &str, bodies: impl Iterator<Item = Value>) {
        for body in bodies {
            self.send_follow_up(rest, token, &body, &[]).await;
        }
    }

    async fn send_follow_up(&self, rest: &Rest, token: &str, body: &Value, files: &[File]) {
        let app = self.application_id.load(Ordering::Relaxed);
        if let Err(e) = rest.follow_up(app, token, body, files).await {
            tracing::error!(error = %e, "a follow-up message failed; the reply is incomplete");
        }
    }

    async fn autocomplete(&self, rest: &Rest, c: CommandInteraction) {
        let choices: Vec<Value> = if place_refusal(c.guild_id, &self.settings).is_some() {
            Vec::new()
        } else {
            let inv = invocation(&c);
            let (focused, typed) = c
                .data
                .autocomplete()
                .map(|o| (o.name.to_string(), o.value.to_string()))
                .unwrap_or_default();
            let app = self.app.clone();
            let suggestions = tokio::task::spawn_blocking(move || suggest(&lock(&app), &inv, &focused, &typed))
                .await
                .unwrap_or_default();
            suggestions
                .into_iter()
                .take(MAX_SUGGESTIONS)
                .map(|s| json!({ "name": s.name, "value": s.value }))
                .collect()
        };
        self.respond(
            rest,
            c.id.get(),
            &c.token,
            AUTOCOMPLETE_RESULT,
            json!({ "choices": choices }),
        )
        .await;
    }

    async fn component(&self, rest: &Rest, c: ComponentInteraction) {
        let id = c.id.get();
        if let Some(refusal) = place_refusal(c.guild_id, &self.settings) {
            self.respond(rest, id, &c.token, CHANNEL_MESSAGE, notice(refusal)).await;
            return;
        }
        let Some(record) = parse_undo_custom_id(&c.data.custom_id) else {
            self.respond(
                rest,
                id,
                &c.token,
                CHANNEL_MESSAGE,
                notice("このボタンは使えなくなりました"),
            )
            .await;
            return;
        };
        let undo = Invocation::new("records", Some("undo")).with("id", OptionValue::Integer(record));
        let request = request(
            &self.settings,
            c.id,
            &c.user,
            c.member.as_ref(),
            c.guild_id,
            c.channel_id,
            undo,
        );
        let reply = self.spawn_core(request).await.unwrap_or_else(|e| internal(&e));
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
            self.respond(rest, id, &c.token, UPDATE_MESSAGE, data).await;
        } else {
            let body = messages(&reply)
                .into_iter()
                .next()
                .unwrap_or_else(|| notice(&reply.title));
            self.respond(rest, id, &c.token, CHANNEL_MESSAGE, body).await;
        }
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
        self.register().await;
    }

    async fn interaction_create(&self, _ctx: Context, interaction: Interaction) {
        let Some(rest) = self.rest() else { return };
        if !self.first_time(interaction.id().get()) {
            tracing::warn!(
                interaction = interaction.id().get(),
                "replayed interaction ignored (already answered)"
            );
            return;
        }
        match interaction {
            Interaction::Command(c) => self.command(rest, c).await,
            Interaction::Autocomplete(c) => self.autocomplete(rest, c).await,
            Interaction::Component(c) => self.component(rest, c).await,
            _ => {}
        }
    }
}
