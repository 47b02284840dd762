//! The Discord adapter: serenity glue only, and the only module that imports serenity.
//!
//! `run` connects to the gateway with non-privileged intents, registers the command set on
//! READY, and turns interactions into `commands::Request`s (`interaction.rs`), answering within
//! Discord's 3-second deadline (`handler.rs`). REST calls go through `rest.rs`, in Discord mode
//! (serenity's rate limiter) or proxy mode (`KYODO_DISCORD_API`: the bot honours 429s itself).
//!
//! Stopping (`shutdown` completes: SIGTERM or Ctrl-C): new interactions are declined, the
//! scheduler starts no new post, the work in flight — answers and a post that has started — is
//! waited for up to `DRAIN_LIMIT`, then the gateway is closed and the heartbeat marked stopped.
//!
//! While it runs, the bot keeps a heartbeat in the database (`heartbeat.rs`) for `kyodo health`.
//!
//! Its settings — the token, the server, channel and role ids — are read in `settings.rs`.

mod answer;
mod handler;
mod heartbeat;
pub mod interaction;
pub mod rest;
pub mod settings;
mod stopping;

pub use rest::Rest;
pub use settings::{DiscordSettings, SettingsError};

use crate::app::App;
use crate::domain::schedule::next_due;
use crate::scheduler::{self, post::Retry};
use handler::{Bot, Unreadable};
use heartbeat::Liveness;
use rest::Proxy;
use serenity::all::ClientBuilder;
use serenity::all::{GatewayIntents, HttpBuilder};
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use stopping::Stopping;
use thiserror::Error;

/// How long stopping waits for the work in flight. `docker stop` sends SIGKILL 10 s after
/// SIGTERM; this leaves time to close the gateway before it.
const DRAIN_LIMIT: Duration = Duration::from_secs(8);
/// How long closing the gateway may take after the drain.
const CLOSE_LIMIT: Duration = Duration::from_secs(1);

#[derive(Debug, Error)]
pub enum DiscordError {
    #[error("Discord に接続できませんでした: {0}")]
    Client(String),
}

/// serenity's HTTP client for these settings, sending with `client` (`rest::http_client`): in
/// proxy mode aimed at the proxy, with serenity's rate limiter off (it would ignore the proxy).
fn http(settings: &DiscordSettings, client: reqwest::Client) -> serenity::http::Http {
    let builder = HttpBuilder::new(settings.token.expose()).client(client);
    match &settings.api_base {
        Some(base) => builder
            .proxy(base.trim_end_matches('/'))
            .ratelimiter_disabled(true)
            .build(),
        None => builder.build(),
    }
}

/// The REST side for posting outside the gateway (`kyodo digest --post`).
pub fn rest_for(settings: &DiscordSettings) -> Rest {
    let client = rest::http_client();
    match &settings.api_base {
        Some(base) => Rest::Proxy(Proxy::with_client(client, base, settings.token.expose())),
        None => Rest::Discord(Arc::new(http(settings, client))),
    }
}

/// Runs the bot until `shutdown` completes or the connection fails for good; then stops as the
/// module documentation says.
pub async fn run(settings: DiscordSettings, app: App, shutdown: impl Future<Output = ()>) -> Result<(), DiscordError> {
    let rest = Arc::new(OnceLock::new());
    let app = Arc::new(Mutex::new(app));
    let stopping = Arc::new(Stopping::new());
    let liveness = Arc::new(Liveness::new(settings.report_channel_id.is_some()));
    let bot = Arc::new(Bot::new(
        app.clone(),
        Arc::new(settings.clone()),
        rest.clone(),
        stopping.clone(),
        liveness.clone(),
    ));
    // One HTTP client for the process: serenity's (the gateway's REST calls, Discord mode) and
    // proxy mode's.
    let http_client = rest::http_client();
    let mut client =
        ClientBuilder::new_with_http(http(&settings, http_client.clone()), GatewayIntents::non_privileged())
            .event_handler_arc(bot.clone())
            .raw_event_handler(Unreadable(bot))
            .await
            .map_err(|e| DiscordError::Client(e.to_string()))?;
    // Set before the gateway starts, so before any event: Discord mode shares the client's
    // HTTP client and with it serenity's rate limiter.
    let _ = rest.set(match &settings.api_base {
        Some(base) => Rest::Proxy(Proxy::with_client(http_client, base, settings.token.expose())),
        None => Rest::Discord(client.http.clone()),
    });
    let beating = heartbeat::start(app.clone(), liveness.clone(), client.shard_manager.clone());
    match (settings.report_channel_id, rest.get()) {
        (Some(channel), Some(rest)) => {
            tokio::spawn(schedule(app, rest.clone(), channel, stopping.clone(), liveness));
        }
        _ => tracing::info!("no report channel (KYODO_REPORT_CHANNEL_ID): digests are not posted"),
    }
    let shards = client.shard_manager.clone();
    tracing::info!(
        guild = settings.guild_id,
        proxy = settings.api_base.is_some(),
        "connecting to Discord"
    );
    // The gateway runs in its own task, so that it keeps delivering (and the bot keeps
    // declining) interactions while the work in flight is finished.
    let mut gateway = tokio::spawn(async move { client.start().await });
    let ended = tokio::select! {
        ended = &mut gateway => Some(ended),
        () = shutdown => None,
    };
    stopping.stop();
    tracing::info!(
        in_flight = stopping.in_flight(),
        "shutting down: new interactions are declined; finishing the work in flight"
    );
    match stopping.drain(DRAIN_LIMIT).await {
        Ok(()) => tracing::info!("the work in flight is finished"),
        Err(left) => tracing::error!(
            left,
            limit_s = DRAIN_LIMIT.as_secs(),
            "work still unfinished at the limit; stopping without it"
        ),
    }
    shards.shutdown_all().await;
    beating.stop(ended.is_none()).await;
    let ended = match ended {
        Some(ended) => ended,
        None => match tokio::time::timeout(CLOSE_LIMIT, gateway).await {
            Ok(ended) => ended,
            Err(_) => return Ok(()),
        },
    };
    tracing::info!("gateway closed");
    match ended {
        Ok(result) => result.map_err(|e| DiscordError::Client(e.to_string())),
        Err(e) => Err(DiscordError::Client(e.to_string())),
    }
}

/// Posts the digests and annual summaries as they fall due (and, at start, those missed while
/// the bot was down), then sleeps until the next one, waking at least once a minute so that the
/// heartbeat shows it alive. Once stopping, it starts no new post; a pass that is posting
/// counts as work in flight.
async fn schedule(app: Arc<Mutex<App>>, rest: Rest, channel: u64, stopping: Arc<Stopping>, liveness: Arc<Liveness>) {
    let clock = chrono::Utc::now;
    let stop = || stopping.is_stopping();
    loop {
        {
            let _work = stopping.begin();
            if stop() {
                break;
            }
            liveness.scheduler_pass(clock());
            match scheduler::post::run_due(&app, &rest, channel, Retry::default(), &clock, &stop).await {
                Ok(outcomes) => {
                    for (job, outcome) in outcomes {
                        if let Err(e) = outcome {
                            tracing::error!(job = %job.label(), error = %e, "not posted; `kyodo digest --retry` tries again");
                        }
                    }
                }
                Err(e) => tracing::error!(error = %e, "the scheduler could not read the database"),
            }
        }
        let next = {
            let app = app.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let c = &app.settings.catalogue;
            next_due(&c.schedule, c.time_zone, c.fiscal_year_start, clock())
        };
        liveness.scheduler_pass(clock());
        let wait = scheduler::sleep_before_next_pass(next, clock());
        tracing::debug!(next = %next, "next scheduled post");
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = stopping.stopped() => break,
        }
    }
    tracing::info!("scheduler stopped");
}
