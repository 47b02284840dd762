//! A local stand-in for Discord, for end-to-end tests of a serenity 0.12 bot.
//!
//! [`Discord::start`] binds two servers on `127.0.0.1:0`: a REST API under `/api/v10` (see
//! [`rest`]) and a gateway WebSocket (see [`gateway`]). Point serenity at it with
//! [`Discord::http`] (which sets `HttpBuilder::proxy(base_url)` together with
//! `ratelimiter_disabled(true)`: serenity 0.12.5 builds requests with no proxy while its rate
//! limiter is on, see `src/http/ratelimiting.rs`), then `ClientBuilder::new_with_http`.
//!
//! Every REST request is recorded ([`RecordedRequest`]) and, when an OpenAPI description is
//! configured ([`Config::openapi_spec`]; by default the file named by `DISCORD_OPENAPI_SPEC`,
//! else the copy vendored in `tests/fixtures/discord-openapi/`), its body is
//! validated (see [`openapi`]). Problems are collected as violations; [`Discord::shutdown`],
//! [`Discord::assert_no_violations`] and dropping the handle fail the test if there are any.
//!
//! ```ignore
//! let discord = Discord::start().await;
//! let mut client = discord.client_builder(GatewayIntents::non_privileged())
//!     .event_handler(MyHandler).await.expect("client");
//! tokio::spawn(async move { client.start().await });
//! discord.wait_ready(Duration::from_secs(10)).await;
//! let sent = discord.inject_interaction(&InteractionSpec::command("kyodo", vec![], discord.guild_source(1))).await;
//! let callback = discord.next_callback(&sent, Duration::from_secs(5)).await;
//! assert_eq!(callback.kind, 4);
//! discord.shutdown().await;
//! ```
#![allow(dead_code)]

pub mod gateway;
pub mod openapi;
pub mod payloads;
pub mod rest;

use payloads::{InteractionSpec, Source};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// Settings of a stand-in; `Config::default()` suits most tests.
#[derive(Clone, Debug)]
pub struct Config {
    /// The bot token the stand-in accepts (REST `Authorization: Bot <token>`, gateway IDENTIFY).
    pub token: String,
    /// Application id; the bot user has the same id, as for bots created since 2019.
    pub application_id: u64,
    pub bot_username: String,
    /// The guild in READY (as unavailable; no GUILD_CREATE is sent) and for guild interactions.
    pub guild_id: u64,
    /// Default text channel for guild interactions.
    pub channel_id: u64,
    /// HELLO's `heartbeat_interval` in milliseconds (Discord sends about 41250).
    pub heartbeat_interval_ms: u64,
    /// How long a `nonce` sent with `enforce_nonce: true` is remembered.
    pub nonce_window: Duration,
    /// Discord's `openapi.json`; `None` turns validation off.
    pub openapi_spec: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        let application_id = 1_301_234_567_890_123_456;
        Config {
            token: format!(
                "{}.GsTand.{}",
                base64_digits(application_id),
                "k0m0r0-standin-token-not-a-real-one-xx"
            ),
            application_id,
            bot_username: "kyodo".into(),
            guild_id: 1_201_234_567_890_123_456,
            channel_id: 1_201_234_567_890_123_999,
            heartbeat_interval_ms: 41_250,
            nonce_window: Duration::from_secs(5 * 60),
            openapi_spec: default_spec_path(),
        }
    }
}

/// The copy of Discord's description vendored in the repository (see its README).
pub const VENDORED_SPEC: &str = "tests/fixtures/discord-openapi/openapi.json";

/// `DISCORD_OPENAPI_SPEC` if set (empty = off), else the copy vendored in the repository.
fn default_spec_path() -> Option<PathBuf> {
    match std::env::var_os("DISCORD_OPENAPI_SPEC") {
        Some(p) if p.is_empty() => None,
        Some(p) => Some(PathBuf::from(p)),
        None => Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(VENDORED_SPEC)),
    }
}

/// Standard base64 of the id's decimal digits, like the first part of a real token.
fn base64_digits(id: u64) -> String {
    const ABC: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = id.to_string().into_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(ABC[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// One file part of a multipart request.
#[derive(Clone, Debug)]
pub struct UploadedFile {
    /// Form field name, e.g. `files[0]`.
    pub field: String,
    pub filename: String,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

/// One REST request as received, with the status the stand-in answered.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    pub method: String,
    /// The path after `/api/v10`, e.g. `/channels/123/messages`.
    pub route: String,
    pub query: Option<String>,
    /// Header names are lower case.
    pub headers: Vec<(String, String)>,
    /// The JSON body, or the `payload_json` part of a multipart body.
    pub json: Option<Value>,
    pub files: Vec<UploadedFile>,
    pub status: u16,
    /// The JSON the stand-in answered with (if any).
    pub response: Option<Value>,
}

impl RecordedRequest {
    /// The first header called `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
    /// Whether `method` and the route pattern match (see [`route_matches`]).
    pub fn is(&self, method: &str, pattern: &str) -> bool {
        self.method.eq_ignore_ascii_case(method) && route_matches(pattern, &self.route)
    }
}

/// Whether `route` matches `pattern`: segments compare literally, `*` matches one segment and
/// a final `**` any remainder. E.g. `/interactions/*/*/callback`.
pub fn route_matches(pattern: &str, route: &str) -> bool {
    let p: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    let r: Vec<&str> = route.split('/').filter(|s| !s.is_empty()).collect();
    if p.last() == Some(&"**") {
        return r.len() >= p.len() - 1 && p[..p.len() - 1].iter().zip(&r).all(|(p, r)| *p == "*" || p == r);
    }
    p.len() == r.len() && p.iter().zip(&r).all(|(p, r)| *p == "*" || p == r)
}

/// An injected failure answer.
#[derive(Clone, Debug)]
pub enum Failure {
    /// 429 with Discord's rate-limit body and headers; `retry_after` in seconds.
    RateLimited { retry_after: f64, global: bool },
    /// 500 with a JSON error body.
    ServerError,
}

#[derive(Debug)]
struct FailureRule {
    method: String,
    pattern: String,
    remaining: usize,
    failure: Failure,
}

/// An interaction callback the stand-in accepted.
#[derive(Clone, Debug)]
pub struct Callback {
    pub interaction_id: String,
    pub token: String,
    /// Callback type: 4 message, 5 deferred message, 6 deferred update, 7 update, 8 autocomplete
    /// result, 9 modal.
    pub kind: u64,
    /// `data` of the callback (`null` if absent).
    pub data: Value,
    pub files: Vec<UploadedFile>,
}

/// An interaction the stand-in injected.
#[derive(Clone, Debug)]
pub struct Injected {
    pub id: String,
    pub token: String,
    /// Gateway sequence number of its dispatch.
    pub seq: u64,
    /// The full `INTERACTION_CREATE` payload (`d`).
    pub payload: Value,
}

#[derive(Debug, Default)]
pub(crate) struct InteractionState {
    pub id: String,
    /// Interaction type (2 command, 3 component, 4 autocomplete).
    pub kind: u64,
    pub channel_id: u64,
    /// For component interactions, the message the component is on.
    pub message: Option<Value>,
    /// The `INTERACTION_CREATE` payload.
    pub payload: Value,
    pub callback: Option<Callback>,
    /// Id of the original response message, once there is one.
    pub original: Option<u64>,
}

/// Everything the stand-in keeps; locked briefly, never across an `.await`.
#[derive(Default)]
pub(crate) struct State {
    pub requests: Vec<RecordedRequest>,
    pub violations: Vec<String>,
    failures: Vec<FailureRule>,
    /// Application commands by guild (`None` = global).
    pub commands: HashMap<Option<u64>, Vec<Value>>,
    /// Interactions by token.
    pub interactions: HashMap<String, InteractionState>,
    /// Every message created, by id.
    pub messages: HashMap<u64, Value>,
    /// Channel message ids in creation order.
    pub message_order: Vec<u64>,
    /// `(channel, nonce)` → `(message id, when)`.
    pub nonces: HashMap<(u64, String), (u64, Instant)>,
    pub gateway: gateway::GatewayState,
}

impl State {
    /// Takes one injected failure for this request, if a rule matches.
    fn take_failure(&mut self, method: &str, route: &str) -> Option<Failure> {
        let rule = self
            .failures
            .iter_mut()
            .find(|r| r.remaining > 0 && r.method.eq_ignore_ascii_case(method) && route_matches(&r.pattern, route))?;
        rule.remaining -= 1;
        Some(rule.failure.clone())
    }
}

/// What the REST and gateway servers share with the test's handle.
pub(crate) struct Shared {
    pub config: Config,
    pub spec: Option<Arc<openapi::Spec>>,
    pub base_url: String,
    pub gateway_url: String,
    state: Mutex<State>,
    /// Notified after every change of `state`.
    pub changed: Notify,
}

impl Shared {
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until `check` returns `Some`, re-checking after every change; panics after
    /// `timeout` with `what` in the message.
    pub async fn wait_for<T>(&self, what: &str, timeout: Duration, mut check: impl FnMut(&State) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(found) = check(&self.state()) {
                return found;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("timed out after {timeout:?} waiting for {what}");
            }
        }
    }
}

/// Handle to a running stand-in. Dropping it stops the servers (and fails the test if
/// violations were recorded and not yet reported).
pub struct Discord {
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
    checked: bool,
}

impl Discord {
    /// Starts a stand-in with [`Config::default`].
    pub async fn start() -> Discord {
        Self::start_with(Config::default()).await
    }

    /// Starts a stand-in with `config`.
    pub async fn start_with(config: Config) -> Discord {
        let spec = config.openapi_spec.as_deref().map(openapi::Spec::load);
        let rest_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind REST listener");
        let gateway_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind gateway listener");
        let base_url = format!("http://{}", rest_listener.local_addr().expect("REST address"));
        let gateway_url = format!("ws://{}", gateway_listener.local_addr().expect("gateway address"));
        let shared = Arc::new(Shared {
            config,
            spec,
            base_url,
            gateway_url,
            state: Mutex::default(),
            changed: Notify::new(),
        });
        let tasks = vec![
            tokio::spawn(rest::serve(rest_listener, shared.clone())),
            tokio::spawn(gateway::serve(gateway_listener, shared.clone())),
        ];
        Discord {
            shared,
            tasks,
            checked: false,
        }
    }

    /// `http://127.0.0.1:PORT`; serenity requests `{base_url}/api/v10/...`.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }
    /// `ws://127.0.0.1:PORT`, what `GET /gateway` answers.
    pub fn gateway_url(&self) -> &str {
        &self.shared.gateway_url
    }
    pub fn config(&self) -> &Config {
        &self.shared.config
    }
    pub fn token(&self) -> &str {
        &self.shared.config.token
    }
    pub fn application_id(&self) -> u64 {
        self.shared.config.application_id
    }
    pub fn guild_id(&self) -> u64 {
        self.shared.config.guild_id
    }
    pub fn channel_id(&self) -> u64 {
        self.shared.config.channel_id
    }
    /// The OpenAPI description in use, if any.
    pub fn spec(&self) -> Option<Arc<openapi::Spec>> {
        self.shared.spec.clone()
    }

    /// The bot's user object.
    pub fn bot_user(&self) -> Value {
        payloads::user(self.application_id(), &self.shared.config.bot_username, None, true)
    }

    /// A serenity `Http` aimed at the stand-in (proxy + rate limiter disabled), with the
    /// application id already set (a `Client` would otherwise learn it from READY).
    pub fn http(&self) -> serenity::http::Http {
        serenity::http::HttpBuilder::new(self.token())
            .application_id(self.application_id().into())
            .proxy(self.base_url())
            .ratelimiter_disabled(true)
            .build()
    }

    /// A serenity `ClientBuilder` using [`Discord::http`].
    pub fn client_builder(&self, intents: serenity::model::gateway::GatewayIntents) -> serenity::client::ClientBuilder {
        serenity::client::ClientBuilder::new_with_http(self.http(), intents)
    }

    /// A guild member of the configured guild (with `permissions`), with one role.
    pub fn member(&self, user_id: u64, username: &str) -> Value {
        let user = payloads::user(user_id, username, Some(username), false);
        payloads::member(user, &[self.guild_id() + 1], payloads::perm::MEMBER)
    }

    /// Interaction source: member `user_id` in the configured guild and channel, guild
    /// locale `ja`.
    pub fn guild_source(&self, user_id: u64) -> Source {
        Source::Guild {
            guild_id: self.guild_id(),
            channel_id: self.channel_id(),
            member: self.member(user_id, &format!("komoro_{user_id}")),
            guild_locale: "ja".into(),
        }
    }

    /// Interaction source: `user_id` in a DM with the bot.
    pub fn dm_source(&self, user_id: u64) -> Source {
        Source::Dm {
            channel_id: user_id + 7,
            user: payloads::user(user_id, &format!("komoro_{user_id}"), Some("小諸 太郎"), false),
        }
    }

    // ----- gateway -----

    /// Waits until the bot has identified and been sent READY.
    pub async fn wait_ready(&self, timeout: Duration) {
        self.shared
            .wait_for("READY to be sent", timeout, |s| s.gateway.session.as_ref().map(|_| ()))
            .await;
    }

    /// The `d` of every IDENTIFY received.
    pub fn identifies(&self) -> Vec<Value> {
        self.shared.state().gateway.identifies.clone()
    }
    /// The `d` of every RESUME received.
    pub fn resumes(&self) -> Vec<Value> {
        self.shared.state().gateway.resumes.clone()
    }
    /// Gateway counters and the URLs clients connected with.
    pub fn gateway_stats(&self) -> gateway::GatewayStats {
        self.shared.state().gateway.stats.clone()
    }

    /// Waits until the gateway counters satisfy `check`.
    pub async fn wait_gateway(
        &self,
        what: &str,
        timeout: Duration,
        check: impl Fn(&gateway::GatewayStats) -> bool,
    ) -> gateway::GatewayStats {
        self.shared
            .wait_for(what, timeout, |s| {
                check(&s.gateway.stats).then(|| s.gateway.stats.clone())
            })
            .await
    }

    /// Sends dispatch `event` with data `d` (replayed after a RESUME if the socket is down);
    /// waits up to 10 s for a session. Returns its sequence number.
    pub async fn dispatch(&self, event: &str, d: Value) -> u64 {
        self.wait_ready(Duration::from_secs(10)).await;
        gateway::dispatch(&self.shared, event, d)
    }

    /// Injects an `INTERACTION_CREATE` built from `spec` with a fresh id and token. For
    /// commands without `data.id`, the id of the registered command of that name is used
    /// (a fresh one if none is registered).
    pub async fn inject_interaction(&self, spec: &InteractionSpec) -> Injected {
        self.inject_interaction_with(spec, |_| {}).await
    }

    /// Like [`Discord::inject_interaction`], with `edit` applied to the payload just before it
    /// is dispatched (to send one Discord's client would not, e.g. a malformed one).
    pub async fn inject_interaction_with(&self, spec: &InteractionSpec, edit: impl FnOnce(&mut Value)) -> Injected {
        let id = payloads::snowflake();
        let token = format!("aW50ZXJhY3Rpb246{id}:standin-interaction-token");
        let mut payload = spec.build(id, &token, self.application_id());
        if spec.kind != 3 && spec.data.get("id").is_none() {
            let guild = payload["guild_id"].as_str().and_then(|g| g.parse().ok());
            let name = payload["data"]["name"].clone();
            // The registered command's id and guild only: cloning its whole definition (the
            // bot's `/report`, every option and choice) took the benchmark's injection from 0.04
            // to 0.11 ms, timed as the bot's (`benches/interaction.rs`).
            let known = {
                let state = self.shared.state();
                let find = |scope: Option<u64>| {
                    let command = state.commands.get(&scope)?.iter().find(|c| c["name"] == name)?;
                    Some((command["id"].clone(), command.get("guild_id").cloned()))
                };
                guild.and_then(|g| find(Some(g))).or_else(|| find(None))
            };
            match known {
                Some((id, guild_id)) => {
                    payload["data"]["id"] = id;
                    if let Some(guild_id) = guild_id {
                        payload["data"]["guild_id"] = guild_id;
                    }
                }
                None => payload["data"]["id"] = json!(payloads::snowflake().to_string()),
            }
        }
        edit(&mut payload);
        self.shared.state().interactions.insert(
            token.clone(),
            InteractionState {
                id: id.to_string(),
                kind: u64::from(spec.kind),
                channel_id: spec.channel_id(),
                message: spec.message.clone(),
                payload: payload.clone(),
                ..Default::default()
            },
        );
        let seq = self.dispatch("INTERACTION_CREATE", payload.clone()).await;
        Injected {
            id: id.to_string(),
            token,
            seq,
            payload,
        }
    }

    /// Closes the bot's gateway socket abruptly (no close frame). Returns whether one was open.
    pub fn drop_gateway(&self) -> bool {
        gateway::drop_connection(&self.shared)
    }

    /// The gateway goes away until [`Discord::gateway_back`]: the live socket is dropped and
    /// every new connection is closed before its handshake. Returns whether a socket was open.
    pub fn gateway_gone(&self) -> bool {
        self.shared.state().gateway.refusing = true;
        gateway::drop_connection(&self.shared)
    }

    /// The gateway accepts connections again.
    pub fn gateway_back(&self) {
        self.shared.state().gateway.refusing = false;
        self.shared.changed.notify_waiters();
    }

    // ----- REST -----

    /// Every request so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.state().requests.clone()
    }

    /// Requests matching `method` and route `pattern` (see [`route_matches`]).
    pub fn requests_to(&self, method: &str, pattern: &str) -> Vec<RecordedRequest> {
        self.shared
            .state()
            .requests
            .iter()
            .filter(|r| r.is(method, pattern))
            .cloned()
            .collect()
    }

    /// Waits for the `n`-th (1-based) request matching `method` and `pattern`.
    pub async fn wait_for_requests(&self, method: &str, pattern: &str, n: usize, timeout: Duration) -> RecordedRequest {
        let what = format!("request #{n} to {method} {pattern}");
        self.shared
            .wait_for(&what, timeout, |s| {
                s.requests.iter().filter(|r| r.is(method, pattern)).nth(n - 1).cloned()
            })
            .await
    }

    /// Waits for the first request matching `method` and `pattern`.
    pub async fn wait_for_request(&self, method: &str, pattern: &str, timeout: Duration) -> RecordedRequest {
        self.wait_for_requests(method, pattern, 1, timeout).await
    }

    /// Waits for the accepted callback of `interaction`.
    pub async fn next_callback(&self, interaction: &Injected, timeout: Duration) -> Callback {
        let what = format!("a callback for interaction {}", interaction.id);
        self.shared
            .wait_for(&what, timeout, |s| {
                s.interactions.get(&interaction.token)?.callback.clone()
            })
            .await
    }

    /// Waits until at least `n` of `interactions` have an accepted callback; returns how many have.
    pub async fn wait_for_callbacks(&self, interactions: &[Injected], n: usize, timeout: Duration) -> usize {
        let what = format!("{n} callbacks of {} interactions", interactions.len());
        self.shared
            .wait_for(&what, timeout, |s| {
                let answered = interactions
                    .iter()
                    .filter(|i| s.interactions.get(&i.token).is_some_and(|i| i.callback.is_some()))
                    .count();
                (answered >= n).then_some(answered)
            })
            .await
    }

    /// Every callback POST for `interaction`, accepted or not.
    pub fn callback_requests(&self, interaction: &Injected) -> Vec<RecordedRequest> {
        self.requests_to("POST", &format!("/interactions/{}/*/callback", interaction.id))
    }

    /// The current original response message of `interaction`, if any.
    pub fn original_message(&self, interaction: &Injected) -> Option<Value> {
        let state = self.shared.state();
        let id = state.interactions.get(&interaction.token)?.original?;
        state.messages.get(&id).cloned()
    }

    /// Application commands as stored (`None` = global, `Some(guild)`).
    pub fn commands(&self, guild: Option<u64>) -> Vec<Value> {
        self.shared.state().commands.get(&guild).cloned().unwrap_or_default()
    }

    /// Messages created in `channel_id` (not interaction responses), oldest first.
    pub fn channel_messages(&self, channel_id: u64) -> Vec<Value> {
        let state = self.shared.state();
        state
            .message_order
            .iter()
            .filter_map(|id| state.messages.get(id))
            .filter(|m| m["channel_id"] == json!(channel_id.to_string()))
            .cloned()
            .collect()
    }

    /// The next `times` requests matching `method` and route `pattern` get `failure`.
    pub fn fail_next(&self, method: &str, pattern: &str, times: usize, failure: Failure) {
        self.shared.state().failures.push(FailureRule {
            method: method.into(),
            pattern: pattern.into(),
            remaining: times,
            failure,
        });
    }

    // ----- violations -----

    /// Violations so far: bodies that fail the OpenAPI description, unknown routes, bad auth.
    pub fn violations(&self) -> Vec<String> {
        self.shared.state().violations.clone()
    }

    /// Returns and clears the violations (for tests that provoke them on purpose).
    pub fn take_violations(&self) -> Vec<String> {
        std::mem::take(&mut self.shared.state().violations)
    }

    /// Panics listing the violations, if any.
    pub fn assert_no_violations(&self) {
        let violations = self.violations();
        assert!(
            violations.is_empty(),
            "Discord stand-in violations:\n  {}",
            violations.join("\n  ")
        );
    }

    /// Stops the servers and fails the test if there were violations.
    pub async fn shutdown(mut self) {
        self.checked = true;
        for task in &self.tasks {
            task.abort();
        }
        gateway::drop_connection(&self.shared);
        self.assert_no_violations();
    }
}

impl Drop for Discord {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
        gateway::drop_connection(&self.shared);
        if !self.checked && !std::thread::panicking() {
            self.checked = true;
            self.assert_no_violations();
        }
    }
}

/// Whether a serenity error is Discord's 429. With the rate limiter disabled (as needed to use
/// the stand-in) serenity 0.12.5 does not retry a 429: it returns
/// `Error::Http(HttpError::UnsuccessfulRequest(ErrorResponse { status_code: 429, error:
/// DiscordJsonError { code: 0, message: "You are being rate limited.", .. }, .. }))` after one
/// request. The body's `retry_after` is not kept in that error.
pub fn is_rate_limited(error: &serenity::Error) -> bool {
    matches!(
        error,
        serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(response))
            if response.status_code.as_u16() == 429
    )
}

/// Runs `call` up to `attempts` times while it fails with a 429, sleeping `delay` in between;
/// the shape of the retry a bot needs when serenity's own rate limiter is off.
pub async fn retry_rate_limited<T, F, Fut>(attempts: usize, delay: Duration, mut call: F) -> serenity::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = serenity::Result<T>>,
{
    let mut tries = 1;
    loop {
        match call().await {
            Err(e) if is_rate_limited(&e) && tries < attempts => {
                tries += 1;
                tokio::time::sleep(delay).await;
            }
            other => return other,
        }
    }
}
