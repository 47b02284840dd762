//! Every REST call the bot makes, with JSON bodies built by `render::discord`, in one of two
//! modes:
//!
//! - **Discord** (default): serenity's `Http` with its rate limiter, which reads Discord's
//!   rate-limit headers and waits before a request would be refused.
//! - **Proxy** (`KYODO_DISCORD_API` set): requests go to that base URL. serenity 0.12.5 ignores a
//!   proxy while its rate limiter is on (`src/http/ratelimiting.rs` builds requests without
//!   it), so serenity's limiter is off there and this module honours a 429 itself: it waits
//!   the `retry_after` Discord sends and tries again, a bounded number of times, and reports
//!   the failure when the tries run out (never silently).

use crate::render::reply::Attachment;
use crate::scheduler::post::Poster;
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use serenity::all::{ChannelId, CreateAttachment, GuildId, Http, InteractionId};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;

/// How many times a rate-limited request is sent in all.
pub const MAX_ATTEMPTS: u32 = 5;
/// How long one request may take before it counts as failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest wait the bot accepts for one retry; a longer `retry_after` is capped to it.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

#[derive(Debug, Error)]
pub enum RestError {
    #[error("Discord answered {status} (code {code}): {message}")]
    Status { status: u16, code: i64, message: String },
    #[error("Discord kept answering 429 (rate limited) after {MAX_ATTEMPTS} tries")]
    RateLimited,
    #[error("request to Discord failed: {0}")]
    Transport(String),
}

impl RestError {
    /// Whether trying again may succeed: Discord's 5xx, a timeout or a broken connection. (429s
    /// are waited out below, or by serenity's rate limiter in Discord mode; 4xx are final.)
    pub fn is_transient(&self) -> bool {
        match self {
            RestError::Status { status, .. } => *status >= 500,
            RestError::Transport(_) => true,
            RestError::RateLimited => false,
        }
    }

    /// Discord's 40060 "Interaction has already been acknowledged": on a retried callback, the
    /// earlier try went through although its answer was lost.
    pub fn is_already_acknowledged(&self) -> bool {
        matches!(self, RestError::Status { code: 40060, .. })
    }
}

/// A file attached to a message.
#[derive(Debug, Clone)]
pub struct File {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The REST side of the bot, in Discord or proxy mode.
#[derive(Clone)]
pub enum Rest {
    Discord(Arc<Http>),
    Proxy(Proxy),
}

/// Proxy mode: a plain HTTP client aimed at `base`.
#[derive(Clone)]
pub struct Proxy {
    client: reqwest::Client,
    /// `http://127.0.0.1:8080/api/v10`.
    api: String,
    /// `Bot <token>`; sent as the Authorization header, never logged.
    authorization: String,
}

enum Body<'a> {
    Json(&'a Value),
    Multipart(&'a Value, &'a [File]),
}

impl<'a> Body<'a> {
    fn new(json: &'a Value, files: &'a [File]) -> Self {
        if files.is_empty() {
            Body::Json(json)
        } else {
            Body::Multipart(json, files)
        }
    }
}

/// The body with an `attachments` entry naming each file by its index (`files[n]`), as
/// Discord's multipart uploads expect.
fn with_attachments(body: &Value, files: &[File]) -> Value {
    let mut body = body.clone();
    if !files.is_empty() {
        body["attachments"] = Value::Array(
            files
                .iter()
                .enumerate()
                .map(|(i, f)| serde_json::json!({ "id": i, "filename": f.name }))
                .collect(),
        );
    }
    body
}

fn attachments(files: &[File]) -> Vec<CreateAttachment> {
    files
        .iter()
        .map(|f| CreateAttachment::bytes(f.bytes.clone(), f.name.clone()))
        .collect()
}

/// The process's one HTTP client (connection pool, TLS configuration and root certificates):
/// serenity's `Http` is built with it (`HttpBuilder::client`) and proxy mode sends with it, so
/// that there are not two of each. Built as serenity builds its own (rustls, no default
/// timeout); proxy mode sets `REQUEST_TIMEOUT` on each of its requests.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .use_rustls_tls()
        .build()
        .unwrap_or_else(|_| reqwest::Client::new())
}

impl Proxy {
    /// Proxy mode aimed at `base`, with an HTTP client of its own.
    pub fn new(base: &str, token: &str) -> Proxy {
        Proxy::with_client(http_client(), base, token)
    }

    /// Proxy mode aimed at `base`, sending with `client` (`http_client`, shared with serenity).
    pub fn with_client(client: reqwest::Client, base: &str, token: &str) -> Proxy {
        Proxy {
            client,
            api: format!("{}/api/v10", base.trim_end_matches('/')),
            authorization: format!("Bot {}", token.trim_start_matches("Bot ")),
        }
    }

    async fn send(&self, method: reqwest::Method, path: &str, body: Body<'_>) -> Result<Option<Value>, RestError> {
        for attempt in 1..=MAX_ATTEMPTS {
            let mut request = self
                .client
                .request(method.clone(), format!("{}{path}", self.api))
                .timeout(REQUEST_TIMEOUT)
                .header("Authorization", &self.authorization);
            request = match &body {
                Body::Json(json) => request.json(json),
                Body::Multipart(json, files) => {
                    let mut form = Form::new().text("payload_json", json.to_string());
                    for (i, file) in files.iter().enumerate() {
                        form = form.part(
                            format!("files[{i}]"),
                            Part::bytes(file.bytes.clone()).file_name(file.name.clone()),
                        );
                    }
                    request.multipart(form)
                }
            };
            let response = request
                .send()
                .await
                .map_err(|e| RestError::Transport(e.without_url().to_string()))?;
            let status = response.status().as_u16();
            let header_wait = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<f64>().ok());
            let text = response
                .text()
                .await
                .map_err(|e| RestError::Transport(e.without_url().to_string()))?;
            let json: Option<Value> = serde_json::from_str(&text).ok();
            if (200..300).contains(&status) {
                return Ok(json);
            }
            if status == 429 {
                let seconds = json
                    .as_ref()
                    .and_then(|j| j["retry_after"].as_f64())
                    .or(header_wait)
                    .unwrap_or(1.0);
                let wait = Duration::try_from_secs_f64(seconds.max(0.0))
                    .unwrap_or(MAX_RETRY_AFTER)
                    .min(MAX_RETRY_AFTER);
                tracing::warn!(path = %redact(path), attempt, wait_ms = wait.as_millis() as u64, "rate limited by Discord; waiting retry_after");
                if attempt < MAX_ATTEMPTS {
                    tokio::time::sleep(wait).await;
                }
                continue;
            }
            let code = json.as_ref().and_then(|j| j["code"].as_i64()).unwrap_or(0);
            let message = json
                .as_ref()
                .and_then(|j| j["message"].as_str())
                .unwrap_or("")
                .to_string();
            return Err(RestError::Status { status, code, message });
        }
        Err(RestError::RateLimited)
    }
}

/// A path with interaction and webhook tokens blanked, for logs.
fn redact(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let after_token_holder = i >= 2 && matches!(parts[i - 2], "interactions" | "webhooks");
            if after_token_holder {
                "…"
            } else {
                p
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn from_serenity(error: serenity::Error) -> RestError {
    match error {
        serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(response)) => RestError::Status {
            status: response.status_code.as_u16(),
            code: response.error.code as i64,
            message: response.error.message,
        },
        other => RestError::Transport(other.to_string()),
    }
}

impl Rest {
    /// Overwrites the commands of one guild (`PUT /applications/{app}/guilds/{guild}/commands`).
    pub async fn overwrite_guild_commands(
        &self,
        application_id: u64,
        guild_id: u64,
        body: &Value,
    ) -> Result<(), RestError> {
        match self {
            Rest::Discord(http) => http
                .create_guild_commands(GuildId::new(guild_id), body)
                .await
                .map(drop)
                .map_err(from_serenity),
            Rest::Proxy(p) => p
                .send(
                    reqwest::Method::PUT,
                    &format!("/applications/{application_id}/guilds/{guild_id}/commands"),
                    Body::Json(body),
                )
                .await
                .map(drop),
        }
    }

    /// Overwrites the global commands (`PUT /applications/{app}/commands`).
    pub async fn overwrite_global_commands(&self, application_id: u64, body: &Value) -> Result<(), RestError> {
        match self {
            Rest::Discord(http) => http.create_global_commands(body).await.map(drop).map_err(from_serenity),
            Rest::Proxy(p) => p
                .send(
                    reqwest::Method::PUT,
                    &format!("/applications/{application_id}/commands"),
                    Body::Json(body),
                )
                .await
                .map(drop),
        }
    }

    /// Answers an interaction (`POST /interactions/{id}/{token}/callback`); exactly once per interaction.
    pub async fn respond(&self, interaction_id: u64, token: &str, body: &Value) -> Result<(), RestError> {
        match self {
            Rest::Discord(http) => http
                .create_interaction_response(InteractionId::new(interaction_id), token, body, Vec::new())
                .await
                .map_err(from_serenity),
            Rest::Proxy(p) => p
                .send(
                    reqwest::Method::POST,
                    &format!("/interactions/{interaction_id}/{token}/callback"),
                    Body::Json(body),
                )
                .await
                .map(drop),
        }
    }

    /// Replaces a deferred response (`PATCH /webhooks/{app}/{token}/messages/@original`),
    /// with files if any.
    pub async fn edit_original(
        &self,
        application_id: u64,
        token: &str,
        body: &Value,
        files: &[File],
    ) -> Result<(), RestError> {
        let body = &with_attachments(body, files);
        match self {
            Rest::Discord(http) => http
                .edit_original_interaction_response(token, body, attachments(files))
                .await
                .map(drop)
                .map_err(from_serenity),
            Rest::Proxy(p) => {
                let path = format!("/webhooks/{application_id}/{token}/messages/@original");
                p.send(reqwest::Method::PATCH, &path, Body::new(body, files))
                    .await
                    .map(drop)
            }
        }
    }

    /// Sends one more message for an interaction (`POST /webhooks/{app}/{token}`), with files if any.
    pub async fn follow_up(
        &self,
        application_id: u64,
        token: &str,
        body: &Value,
        files: &[File],
    ) -> Result<(), RestError> {
        let body = &with_attachments(body, files);
        match self {
            Rest::Discord(http) => http
                .create_followup_message(token, body, attachments(files))
                .await
                .map(drop)
                .map_err(from_serenity),
            Rest::Proxy(p) => {
                let path = format!("/webhooks/{application_id}/{token}");
                p.send(reqwest::Method::POST, &path, Body::new(body, files))
                    .await
                    .map(drop)
            }
        }
    }

    /// Posts a message to a channel, with files as attachments (`POST /channels/{id}/messages`);
    /// returns the created message.
    pub async fn create_message(
        &self,
        channel_id: u64,
        body: &Value,
        files: &[File],
    ) -> Result<Option<Value>, RestError> {
        let body = &with_attachments(body, files);
        match self {
            Rest::Discord(http) => {
                let message = http
                    .send_message(ChannelId::new(channel_id), attachments(files), body)
                    .await
                    .map_err(from_serenity)?;
                Ok(serde_json::to_value(message).ok())
            }
            Rest::Proxy(p) => {
                let path = format!("/channels/{channel_id}/messages");
                p.send(reqwest::Method::POST, &path, Body::new(body, files)).await
            }
        }
    }
}

impl Poster for Rest {
    fn post_message(
        &self,
        channel_id: u64,
        body: &Value,
        files: &[Attachment],
    ) -> impl Future<Output = Result<Option<Value>, String>> + Send {
        let files: Vec<File> = files
            .iter()
            .map(|f| File {
                name: f.name.clone(),
                bytes: f.bytes.clone(),
            })
            .collect();
        async move {
            self.create_message(channel_id, body, &files)
                .await
                .map_err(|e| e.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn tokens_never_reach_a_log_line() {
        assert_eq!(
            redact("/interactions/123/secret-token/callback"),
            "/interactions/123/…/callback"
        );
        assert_eq!(
            redact("/webhooks/1/secret-token/messages/@original"),
            "/webhooks/1/…/messages/@original"
        );
        assert_eq!(redact("/channels/5/messages"), "/channels/5/messages");
    }
}
