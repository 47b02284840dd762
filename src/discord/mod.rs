//! The Discord adapter: serenity glue only, and the only module that imports serenity.
//!
//! `run` connects to the gateway with non-privileged intents, registers the command set on
//! READY, and turns interactions into `commands::Request`s (`interaction.rs`), answering within
//! Discord's 3-second deadline (`handler.rs`). REST calls go through `rest.rs`, in Discord mode
//! (serenity's rate limiter) or proxy mode (`KYODO_DISCORD_API`: the bot honours 429s itself).

mod handler;
pub mod interaction;
pub mod rest;

pub use rest::Rest;

use crate::app::App;
use crate::commands::spec::{command_set, payload};
use crate::scheduler::{self, post::Retry};
use handler::Bot;
use rest::Proxy;
use serenity::all::ClientBuilder;
use serenity::all::{GatewayIntents, HttpBuilder};
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};
use thiserror::Error;

/// The bot token: printed and logged as `[secret]`, never as itself.
#[derive(Clone)]
pub struct Token(String);

impl Token {
    pub fn new(token: impl Into<String>) -> Self {
        Token(token.into())
    }

    /// The token itself, for the one place that sends it to Discord.
    fn expose(&self) -> &str {
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

#[derive(Debug, Error)]
pub enum DiscordError {
    #[error("Discord に接続できませんでした: {0}")]
    Client(String),
}

/// serenity's HTTP client for these settings: in proxy mode aimed at the proxy, with serenity's
/// rate limiter off (it would ignore the proxy).
fn http(settings: &DiscordSettings) -> serenity::http::Http {
    let token = settings.token.expose();
    match &settings.api_base {
        Some(base) => HttpBuilder::new(token)
            .proxy(base.trim_end_matches('/'))
            .ratelimiter_disabled(true)
            .build(),
        None => HttpBuilder::new(token).build(),
    }
}

/// The REST side for posting outside the gateway (`kyodo digest --post`).
pub fn rest_for(settings: &DiscordSettings) -> Rest {
    match &settings.api_base {
        Some(base) => Rest::Proxy(Proxy::new(base, settings.token.expose())),
        None => Rest::Discord(Arc::new(http(settings))),
    }
}

/// Runs the bot until `shutdown` completes or the connection fails for good.
pub async fn run(settings: DiscordSettings, app: App, shutdown: impl Future<Output = ()>) -> Result<(), DiscordError> {
    let commands = payload(&command_set(&app.settings.catalogue));
    let rest = Arc::new(OnceLock::new());
    let app = Arc::new(Mutex::new(app));
    let bot = Bot::new(app.clone(), Arc::new(settings.clone()), rest.clone(), commands);
    let mut client = ClientBuilder::new_with_http(http(&settings), GatewayIntents::non_privileged())
        .event_handler(bot)
        .await
        .map_err(|e| DiscordError::Client(e.to_string()))?;
    // Set before the gateway starts, so before any event: Discord mode shares the client's
    // HTTP client and with it serenity's rate limiter.
    let _ = rest.set(match &settings.api_base {
        Some(base) => Rest::Proxy(Proxy::new(base, settings.token.expose())),
        None => Rest::Discord(client.http.clone()),
    });
    match (settings.report_channel_id, rest.get()) {
        (Some(channel), Some(rest)) => {
            tokio::spawn(schedule(app, rest.clone(), channel));
        }
        _ => tracing::info!("no report channel (KYODO_REPORT_CHANNEL_ID): digests are not posted"),
    }
    let shards = client.shard_manager.clone();
    tracing::info!(
        guild = settings.guild_id,
        proxy = settings.api_base.is_some(),
        "connecting to Discord"
    );
    tokio::select! {
        result = client.start() => result.map_err(|e| DiscordError::Client(e.to_string())),
        () = shutdown => {
            tracing::info!("shutting down");
            shards.shutdown_all().await;
            Ok(())
        }
    }
}

/// Posts the digests and annual summaries as they fall due (and, at start, those missed while
/// the bot was down), then sleeps until the next one.
async fn schedule(app: Arc<Mutex<App>>, rest: Rest, channel: u64) {
    let clock = chrono::Utc::now;
    loop {
        match scheduler::post::run_due(&app, &rest, channel, Retry::default(), &clock).await {
            Ok(outcomes) => {
                for (job, outcome) in outcomes {
                    if let Err(e) = outcome {
                        tracing::error!(job = %job.label(), error = %e, "not posted; `kyodo digest --retry` tries again");
                    }
                }
            }
            Err(e) => tracing::error!(error = %e, "the scheduler could not read the database"),
        }
        let next = {
            let app = app.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let c = &app.settings.catalogue;
            scheduler::next_due(&c.schedule, c.time_zone, c.fiscal_year_start, clock())
        };
        let wait = (next - clock())
            .to_std()
            .unwrap_or_default()
            .min(std::time::Duration::from_secs(3600));
        tracing::debug!(next = %next, "next scheduled post");
        tokio::time::sleep(wait + std::time::Duration::from_secs(1)).await;
    }
}
