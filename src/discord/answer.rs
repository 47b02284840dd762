//! Sending an interaction's answer so that it arrives.
//!
//! The callback, the edit of a deferred reply and follow-up messages are tried again when
//! Discord answers 5xx, times out or drops the connection (429s are waited out in `rest.rs`, or
//! by serenity's rate limiter in Discord mode). Edits and follow-ups use the policy of the
//! scheduled posts (`post::Retry::default()`: 3 tries, 2 s then 4 s apart); an edit that still
//! fails is sent as a follow-up instead, so a deferred reply is not left on 「考え中」 for want
//! of one request. The callback is tried again sooner, and only while Discord's 3-second
//! deadline lasts; a 40060 ("already acknowledged") on a later try means an earlier one got
//! through.

use super::rest::{File, Rest, RestError};
use crate::render::discord::EPHEMERAL;
use crate::scheduler::post::Retry;
use serde_json::{json, Value};
use std::future::Future;
use std::time::{Duration, Instant};

/// Discord's deadline for the callback, from when the interaction arrived.
const CALLBACK_DEADLINE: Duration = Duration::from_secs(3);
/// The callback's retries: quick, to fit in the deadline.
const CALLBACK_RETRY: Retry = Retry {
    tries: 3,
    backoff: Duration::from_millis(250),
};

/// One interaction's answer channel: its callback and its webhook.
pub struct Answer<'a> {
    rest: &'a Rest,
    application_id: u64,
    interaction_id: u64,
    token: &'a str,
    /// When the callback must have been sent.
    deadline: Instant,
}

impl<'a> Answer<'a> {
    /// `received`: when the interaction arrived.
    pub fn new(rest: &'a Rest, application_id: u64, interaction_id: u64, token: &'a str, received: Instant) -> Self {
        Answer {
            rest,
            application_id,
            interaction_id,
            token,
            deadline: received + CALLBACK_DEADLINE,
        }
    }

    /// Answers the interaction (`kind` is the callback type); whether Discord took it.
    pub async fn respond(&self, kind: u8, data: Value) -> bool {
        let body = json!({ "type": kind, "data": data });
        let result = retried(self, "the answer", CALLBACK_RETRY, Some(self.deadline), |attempt| {
            let body = &body;
            async move {
                match self.rest.respond(self.interaction_id, self.token, body).await {
                    Err(e) if attempt > 1 && e.is_already_acknowledged() => Ok(()),
                    other => other,
                }
            }
        })
        .await;
        result.is_ok()
    }

    /// Replaces the deferred reply; whether Discord took it.
    pub async fn edit_original(&self, body: &Value, files: &[File]) -> bool {
        retried(self, "the edit of the deferred reply", Retry::default(), None, |_| {
            self.rest.edit_original(self.application_id, self.token, body, files)
        })
        .await
        .is_ok()
    }

    /// Sends one more message; whether Discord took it.
    pub async fn follow_up(&self, body: &Value, files: &[File]) -> bool {
        retried(self, "a follow-up message", Retry::default(), None, |_| {
            self.rest.follow_up(self.application_id, self.token, body, files)
        })
        .await
        .is_ok()
    }

    /// Replaces the deferred reply with `body`; if the edit fails for good, sends `body` as a
    /// follow-up (private if the deferral was). Whether the answer arrived either way.
    pub async fn replace_deferred(&self, body: &Value, files: &[File], private: bool) -> bool {
        if self.edit_original(body, files).await {
            return true;
        }
        tracing::warn!(
            interaction = self.interaction_id,
            "the deferred reply could not be edited; sending the answer as a follow-up"
        );
        let mut body = body.clone();
        body["flags"] = json!(if private { EPHEMERAL } else { 0 });
        self.follow_up(&body, files).await
    }
}

/// Runs `call` (given the attempt number, from 1) until it succeeds, fails for good, runs out
/// of tries, or the next try would start after `deadline`. Logs each failure.
async fn retried<F, Fut>(
    answer: &Answer<'_>,
    what: &str,
    retry: Retry,
    deadline: Option<Instant>,
    mut call: F,
) -> Result<(), RestError>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<(), RestError>>,
{
    let tries = retry.tries.max(1);
    let mut attempt = 1;
    loop {
        let error = match call(attempt).await {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        let wait = retry.backoff * 2u32.saturating_pow(attempt - 1);
        let in_time = deadline.is_none_or(|d| Instant::now() + wait < d);
        if attempt >= tries || !error.is_transient() || !in_time {
            tracing::error!(interaction = answer.interaction_id, what, attempt, error = %error, "Discord did not take the answer; giving up");
            return Err(error);
        }
        tracing::warn!(
            interaction = answer.interaction_id,
            what,
            attempt,
            error = %error,
            wait_ms = wait.as_millis() as u64,
            "Discord did not take the answer; trying again"
        );
        tokio::time::sleep(wait).await;
        attempt += 1;
    }
}
