//! The gateway WebSocket (Discord docs: Gateway; Gateway Events; Opcodes and Status Codes).
//!
//! On connect the stand-in sends HELLO (op 10). IDENTIFY (op 2) with the configured token
//! (accepted with or without serenity's `Bot ` prefix) starts a new session: READY is dispatched
//! as sequence 1. HEARTBEAT (op 1) is answered with HEARTBEAT_ACK (op 11). RESUME (op 6) with the
//! current `session_id` replays every dispatch after the client's `seq`, in order and with its
//! original sequence number, then dispatches RESUMED; an unknown session gets INVALID_SESSION
//! (op 9, `d: false`). A wrong token closes the socket with 4004.
//!
//! Dispatches are kept per session, so one injected while the socket is down is delivered by the
//! replay after the client resumes. [`drop_connection`] closes the socket with no close frame;
//! while [`GatewayState::refusing`] is set, every new connection is closed before the WebSocket
//! handshake (Discord's gateway unreachable).

use super::{payloads, Shared};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::Message;

/// A gateway session (created by IDENTIFY).
#[derive(Debug)]
pub struct Session {
    pub id: String,
    /// Last sequence number used.
    pub seq: u64,
    /// Every dispatch of the session as `(seq, frame text)`.
    history: Vec<(u64, String)>,
}

/// Counters and logs of the gateway.
#[derive(Clone, Debug, Default)]
pub struct GatewayStats {
    /// WebSocket connections accepted.
    pub connections: usize,
    /// Request URIs of those connections (e.g. `/?v=10`).
    pub uris: Vec<String>,
    pub heartbeats: usize,
    /// Sockets dropped by [`drop_connection`].
    pub dropped: usize,
    /// Connections closed unanswered while refusing.
    pub refused: usize,
    /// Successful RESUMEs.
    pub resumed: usize,
    /// Sequence numbers replayed after RESUMEs.
    pub replayed: Vec<u64>,
    /// Opcodes received other than 1, 2 and 6.
    pub other_ops: Vec<u64>,
}

enum Command {
    Send(String),
    Drop,
    Close(u16, &'static str),
}

#[derive(Default)]
pub(crate) struct GatewayState {
    pub session: Option<Session>,
    /// The authenticated (identified or resumed) connection.
    live: Option<(u64, mpsc::UnboundedSender<Command>)>,
    pub identifies: Vec<Value>,
    pub resumes: Vec<Value>,
    pub stats: GatewayStats,
    /// New connections are closed at once.
    pub refusing: bool,
}

/// Accepts gateway connections forever. Each sends at once (`TCP_NODELAY`), as Discord's
/// gateway does: with Nagle's algorithm a dispatch written while the one before was not yet
/// acknowledged waited for the bot's delayed ACK, 40 ms (benches/interaction.rs met it on
/// kyodo's third timed report in every run, and counted it as kyodo's).
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    while let Ok((stream, _)) = listener.accept().await {
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(stream, shared.clone()));
    }
}

/// Sends a dispatch in the current session (panics without one); returns its sequence number.
pub(crate) fn dispatch(shared: &Shared, event: &str, d: Value) -> u64 {
    let seq = {
        let mut state = shared.state();
        let gateway = &mut state.gateway;
        let session = gateway.session.as_mut().expect("no gateway session: bot not connected");
        session.seq += 1;
        let frame = json!({ "op": 0, "t": event, "s": session.seq, "d": d }).to_string();
        session.history.push((session.seq, frame.clone()));
        if let Some((_, tx)) = &gateway.live {
            let _ = tx.send(Command::Send(frame));
        }
        session.seq
    };
    shared.changed.notify_waiters();
    seq
}

/// Drops the live socket without a close frame; returns whether there was one.
pub(crate) fn drop_connection(shared: &Shared) -> bool {
    let mut state = shared.state();
    match state.gateway.live.take() {
        Some((_, tx)) => {
            state.gateway.stats.dropped += 1;
            tx.send(Command::Drop).is_ok()
        }
        None => false,
    }
}

async fn connection(stream: TcpStream, shared: Arc<Shared>) {
    static IDS: AtomicU64 = AtomicU64::new(1);
    let conn_id = IDS.fetch_add(1, Ordering::Relaxed);
    {
        let mut state = shared.state();
        if state.gateway.refusing {
            state.gateway.stats.refused += 1;
            drop(state);
            shared.changed.notify_waiters();
            return;
        }
    }
    let mut uri = String::new();
    // The error type is tungstenite's; the closure never fails.
    #[allow(clippy::result_large_err)]
    let record_uri = |req: &Request, resp: Response| {
        uri = req.uri().to_string();
        Ok(resp)
    };
    let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, record_uri).await else {
        return;
    };
    {
        let mut state = shared.state();
        state.gateway.stats.connections += 1;
        state.gateway.stats.uris.push(uri);
    }
    shared.changed.notify_waiters();
    let (tx, mut rx) = mpsc::unbounded_channel();
    let hello = json!({ "op": 10, "s": null, "t": null,
        "d": { "heartbeat_interval": shared.config.heartbeat_interval_ms } });
    if ws.send(Message::Text(hello.to_string())).await.is_err() {
        return;
    }
    loop {
        tokio::select! {
            command = rx.recv() => match command {
                Some(Command::Send(text)) => {
                    if ws.send(Message::Text(text)).await.is_err() {
                        break;
                    }
                }
                // Dropping the stream closes the TCP connection without a close frame.
                Some(Command::Drop) | None => return,
                Some(Command::Close(code, reason)) => {
                    let frame = CloseFrame { code: CloseCode::from(code), reason: Cow::Borrowed(reason) };
                    let _ = ws.close(Some(frame)).await;
                    break;
                }
            },
            message = ws.next() => match message {
                Some(Ok(Message::Text(text))) => {
                    let reply = receive(&shared, conn_id, &tx, &text);
                    shared.changed.notify_waiters();
                    if let Some(reply) = reply {
                        if ws.send(Message::Text(reply)).await.is_err() {
                            break;
                        }
                    }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
    let mut state = shared.state();
    if state.gateway.live.as_ref().is_some_and(|(id, _)| *id == conn_id) {
        state.gateway.live = None;
    }
}

/// Handles one client frame; returns a frame to send back at once, if any.
fn receive(shared: &Shared, conn_id: u64, tx: &mpsc::UnboundedSender<Command>, text: &str) -> Option<String> {
    let Ok(frame) = serde_json::from_str::<Value>(text) else {
        shared
            .state()
            .violations
            .push(format!("gateway: frame is not JSON: {text}"));
        let _ = tx.send(Command::Close(4002, "Error while decoding payload."));
        return None;
    };
    let d = &frame["d"];
    let token_ok = |t: &Value| {
        let t = t.as_str().unwrap_or_default();
        t.strip_prefix("Bot ").unwrap_or(t) == shared.config.token
    };
    let mut state = shared.state();
    match frame["op"].as_u64() {
        Some(1) => {
            state.gateway.stats.heartbeats += 1;
            Some(json!({ "op": 11, "s": null, "t": null, "d": null }).to_string())
        }
        Some(2) => {
            state.gateway.identifies.push(d.clone());
            if !token_ok(&d["token"]) {
                state.violations.push("gateway: IDENTIFY with a wrong token".into());
                let _ = tx.send(Command::Close(4004, "Authentication failed."));
                return None;
            }
            let session_id = format!("{:032x}", payloads::snowflake() as u128 * 0x9e37_79b9);
            state.gateway.session = Some(Session {
                id: session_id.clone(),
                seq: 0,
                history: Vec::new(),
            });
            state.gateway.live = Some((conn_id, tx.clone()));
            drop(state);
            dispatch(shared, "READY", ready(shared, &session_id, &d["shard"]));
            None
        }
        Some(6) => {
            state.gateway.resumes.push(d.clone());
            let gateway = &mut state.gateway;
            let resumable =
                token_ok(&d["token"]) && gateway.session.as_ref().is_some_and(|s| d["session_id"] == json!(s.id));
            let Some(session) = gateway.session.as_ref().filter(|_| resumable) else {
                return Some(json!({ "op": 9, "s": null, "t": null, "d": false }).to_string());
            };
            let after = d["seq"].as_u64().unwrap_or(0);
            for (seq, frame) in session.history.iter().filter(|(seq, _)| *seq > after) {
                gateway.stats.replayed.push(*seq);
                let _ = tx.send(Command::Send(frame.clone()));
            }
            gateway.stats.resumed += 1;
            gateway.live = Some((conn_id, tx.clone()));
            drop(state);
            dispatch(shared, "RESUMED", json!({}));
            None
        }
        Some(op) => {
            state.gateway.stats.other_ops.push(op);
            None
        }
        None => {
            state.violations.push(format!("gateway: frame without op: {text}"));
            None
        }
    }
}

/// READY (Discord docs: Gateway Events → Ready).
fn ready(shared: &Shared, session_id: &str, shard: &Value) -> Value {
    let config = &shared.config;
    let mut user = payloads::user(config.application_id, &config.bot_username, None, true);
    user["verified"] = json!(true);
    user["mfa_enabled"] = json!(false);
    user["email"] = Value::Null;
    let mut ready = json!({
        "v": 10,
        "user": user,
        "guilds": [{ "id": config.guild_id.to_string(), "unavailable": true }],
        "session_id": session_id,
        "resume_gateway_url": shared.gateway_url,
        // GATEWAY_MESSAGE_CONTENT_LIMITED (1 << 19) | APPLICATION_COMMAND_BADGE (1 << 23)
        "application": { "id": config.application_id.to_string(), "flags": (1 << 19) | (1 << 23) },
    });
    if shard.is_array() {
        ready["shard"] = shard.clone();
    }
    ready
}
