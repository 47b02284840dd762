//! The REST API under `/api/v10` (Discord docs: Application Commands; Receiving and Responding;
//! Webhook; Message resources).
//!
//! Every request is recorded, validated against the OpenAPI description if one is loaded (a
//! failing body is a violation and is answered 400 with code 50035 `Invalid Form Body`, as
//! Discord would), checked for `Authorization: Bot <token>` (not on the token-authenticated
//! `/interactions` and `/webhooks` routes), then offered to the injected failures and finally
//! answered. Errors are JSON with a numeric `code` and a `message`, as serenity needs to decode
//! them. Routes the stand-in does not know answer 404 and are recorded as violations.
//!
//! Served: `GET /gateway`, `GET /gateway/bot`, `GET /users/@me`, `GET /oauth2/applications/@me`, `GET|PUT|POST
//! /applications/{app}[/guilds/{guild}]/commands`, `POST /interactions/{id}/{token}/callback`,
//! `POST /webhooks/{app}/{token}` (follow-ups), `GET|PATCH|DELETE
//! /webhooks/{app}/{token}/messages/{@original|id}`, `POST /channels/{id}/messages` (JSON or
//! multipart with `payload_json` and `files[n]`).

use super::{payloads, Callback, Failure, RecordedRequest, Shared, State, UploadedFile};
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State as AxumState};
use axum::response::Response;
use axum::serve::ListenerExt;
use axum::Router;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Instant;
use tokio::net::TcpListener;

/// An answer: status, JSON body (none for 204) and extra headers.
struct Reply {
    status: u16,
    body: Option<Value>,
    headers: Vec<(&'static str, String)>,
}

fn ok(body: Value) -> Reply {
    Reply {
        status: 200,
        body: Some(body),
        headers: Vec::new(),
    }
}

fn no_content() -> Reply {
    Reply {
        status: 204,
        body: None,
        headers: Vec::new(),
    }
}

/// A Discord error: `{"message": ..., "code": ...}` (JSON error codes from Discord's docs).
fn error(status: u16, code: u64, message: &str) -> Reply {
    Reply {
        status,
        body: Some(json!({ "message": message, "code": code })),
        headers: Vec::new(),
    }
}

/// Serves the REST side forever, each response sent at once (`TCP_NODELAY`, as the gateway's).
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    let app = Router::new().fallback(handle).with_state(shared);
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let _ = axum::serve(listener, app).await;
}

async fn handle(AxumState(shared): AxumState<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, 64 << 20).await.unwrap_or_default();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let content_type = headers
        .iter()
        .find(|(n, _)| n == "content-type")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let method = parts.method.as_str().to_string();
    let path = parts.uri.path().to_string();
    let mut violations = Vec::new();
    let (media_type, json_body, files) = match parse_body(&content_type, &bytes) {
        Ok(parsed) => parsed,
        Err(problem) => {
            violations.push(format!("{method} {path}: {problem}"));
            (String::new(), None, Vec::new())
        }
    };
    let mut recorded = RecordedRequest {
        method: method.clone(),
        route: path.strip_prefix("/api/v10").unwrap_or(&path).to_string(),
        query: parts.uri.query().map(str::to_string),
        headers,
        json: json_body,
        files,
        status: 0,
        response: None,
    };
    let reply = {
        let mut state = shared.state();
        let reply = answer(&shared, &mut state, &path, &media_type, &recorded, &mut violations);
        recorded.status = reply.status;
        recorded.response = reply.body.clone();
        state.requests.push(recorded);
        state.violations.extend(violations);
        reply
    };
    shared.changed.notify_waiters();
    let mut response = Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        response = response.header(*name, value);
    }
    let body = match reply.body {
        Some(body) => {
            response = response.header("content-type", "application/json");
            Body::from(body.to_string())
        }
        None => Body::empty(),
    };
    response.body(body).expect("valid response")
}

fn answer(
    shared: &Shared,
    state: &mut State,
    path: &str,
    media_type: &str,
    request: &RecordedRequest,
    violations: &mut Vec<String>,
) -> Reply {
    let method = request.method.as_str();
    if !path.starts_with("/api/v10/") {
        violations.push(format!("{method} {path}: not under /api/v10"));
        return error(404, 0, "404: Not Found");
    }
    let route = request.route.as_str();
    if let (Some(spec), Some(body)) = (&shared.spec, &request.json) {
        if let Err(problem) = spec.check_request(method, route, media_type, body) {
            violations.push(problem.clone());
            let mut reply = error(400, 50035, "Invalid Form Body");
            // Discord's nested error format; serenity flattens it into `errors`.
            reply.body.as_mut().expect("body")["errors"] =
                json!({ "_errors": [{ "code": "STANDIN_OPENAPI", "message": problem }] });
            return reply;
        }
    }
    let token_route = route.starts_with("/interactions/") || route.starts_with("/webhooks/");
    let expected = format!("Bot {}", shared.config.token);
    if !token_route && request.header("authorization") != Some(expected.as_str()) {
        violations.push(format!("{method} {route}: missing or wrong Authorization header"));
        return error(401, 0, "401: Unauthorized");
    }
    if let Some(failure) = state.take_failure(method, route) {
        return failure_reply(&failure);
    }
    let segments: Vec<&str> = route.split('/').filter(|s| !s.is_empty()).collect();
    let app = shared.config.application_id.to_string();
    match (method, segments.as_slice()) {
        ("GET", ["gateway"]) => ok(json!({ "url": shared.gateway_url })),
        ("GET", ["gateway", "bot"]) => ok(json!({
            "url": shared.gateway_url,
            "shards": 1,
            "session_start_limit":
                { "total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1 },
        })),
        ("GET", ["users", "@me"]) => ok(payloads::user(
            shared.config.application_id,
            &shared.config.bot_username,
            None,
            true,
        )),
        // The bot's application, which discord.py reads when it logs in.
        ("GET", ["oauth2", "applications", "@me"]) => ok(json!({
            "id": app,
            "name": shared.config.bot_username,
            "description": "",
            "icon": null,
            "bot_public": false,
            "bot_require_code_grant": false,
            "verify_key": "0".repeat(64),
            "flags": 0,
            "owner": payloads::user(1, "owner", None, false),
            "team": null,
        })),
        (_, ["applications", a, "commands"]) if *a == app => commands(shared, state, request, None),
        (_, ["applications", a, "guilds", guild, "commands"]) if *a == app => match guild.parse() {
            Ok(guild) => commands(shared, state, request, Some(guild)),
            Err(_) => error(404, 10004, "Unknown Guild"),
        },
        (_, ["applications", ..]) => error(404, 10002, "Unknown Application"),
        ("POST", ["interactions", id, token, "callback"]) => callback(shared, state, request, id, token, violations),
        ("POST", ["webhooks", a, token]) if *a == app => followup(shared, state, request, token),
        (_, ["webhooks", a, token, "messages", message]) if *a == app => {
            webhook_message(state, request, token, message)
        }
        ("POST", ["channels", channel, "messages"]) => match channel.parse() {
            Ok(channel) => create_message(shared, state, request, channel),
            Err(_) => error(404, 10003, "Unknown Channel"),
        },
        _ => {
            violations.push(format!("{method} {route}: route not implemented by the stand-in"));
            error(404, 0, "404: Not Found")
        }
    }
}

fn failure_reply(failure: &Failure) -> Reply {
    match failure {
        Failure::RateLimited { retry_after, global } => {
            let mut headers = vec![
                ("retry-after", format!("{}", retry_after.ceil() as u64)),
                ("x-ratelimit-limit", "5".to_string()),
                ("x-ratelimit-remaining", "0".to_string()),
                (
                    "x-ratelimit-reset",
                    format!("{:.3}", payloads::now_ms() as f64 / 1000.0 + retry_after),
                ),
                ("x-ratelimit-reset-after", format!("{retry_after:.3}")),
                ("x-ratelimit-bucket", "standin0000000000000000000000000".to_string()),
                ("x-ratelimit-scope", if *global { "global" } else { "user" }.to_string()),
            ];
            if *global {
                headers.push(("x-ratelimit-global", "true".to_string()));
            }
            Reply {
                status: 429,
                body: Some(json!({
                    "message": "You are being rate limited.",
                    "retry_after": retry_after,
                    "global": global,
                    "code": 0,
                })),
                headers,
            }
        }
        Failure::ServerError => error(500, 0, "500: Internal Server Error"),
    }
}

/// `GET`/`PUT` (bulk overwrite)/`POST` (create or replace one) application commands.
fn commands(shared: &Shared, state: &mut State, request: &RecordedRequest, guild: Option<u64>) -> Reply {
    let stored = state.commands.entry(guild).or_default();
    match (request.method.as_str(), &request.json) {
        ("GET", _) => {
            let full = request
                .query
                .as_deref()
                .is_some_and(|q| q.contains("with_localizations=true"));
            let mut list = stored.clone();
            if !full {
                list.iter_mut().for_each(strip_localizations);
            }
            ok(Value::Array(list))
        }
        ("PUT", Some(Value::Array(items))) => {
            let previous = std::mem::take(stored);
            *stored = items
                .iter()
                .map(|c| command_object(shared, c, guild, &previous))
                .collect();
            ok(Value::Array(stored.clone()))
        }
        ("POST", Some(body @ Value::Object(_))) => {
            let command = command_object(shared, body, guild, stored);
            let existed = stored.iter().position(|c| same_command(c, &command));
            match existed {
                Some(i) => stored[i] = command.clone(),
                None => stored.push(command.clone()),
            }
            let mut reply = ok(command);
            reply.status = if existed.is_some() { 200 } else { 201 };
            reply
        }
        _ => error(400, 50035, "Invalid Form Body"),
    }
}

fn same_command(a: &Value, b: &Value) -> bool {
    a["name"] == b["name"] && a["type"] == b["type"]
}

/// The stored form of a command (schema `ApplicationCommandResponse`); an existing command of
/// the same name and type keeps its id.
fn command_object(shared: &Shared, request: &Value, guild: Option<u64>, existing: &[Value]) -> Value {
    let mut command = json!({
        "id": payloads::snowflake().to_string(),
        "application_id": shared.config.application_id.to_string(),
        "version": payloads::snowflake().to_string(),
        "default_member_permissions": request.get("default_member_permissions").cloned().unwrap_or(Value::Null),
        "type": request.get("type").cloned().filter(|t| !t.is_null()).unwrap_or(json!(1)),
        "name": request["name"],
        "name_localizations": request.get("name_localizations").cloned().unwrap_or(Value::Null),
        "description": request.get("description").cloned().filter(|d| !d.is_null()).unwrap_or(json!("")),
        "description_localizations": request.get("description_localizations").cloned().unwrap_or(Value::Null),
        "contexts": request.get("contexts").cloned().unwrap_or(Value::Null),
        "integration_types": request.get("integration_types").cloned().filter(|t| !t.is_null()).unwrap_or(json!([0])),
        "nsfw": request.get("nsfw").cloned().filter(|n| !n.is_null()).unwrap_or(json!(false)),
    });
    match guild {
        Some(guild) => command["guild_id"] = json!(guild.to_string()),
        None => {
            command["dm_permission"] = request
                .get("dm_permission")
                .cloned()
                .filter(|d| !d.is_null())
                .unwrap_or(json!(true));
        }
    }
    if let Some(options) = request
        .get("options")
        .and_then(Value::as_array)
        .filter(|o| !o.is_empty())
    {
        command["options"] = without_nulls(&Value::Array(options.clone()));
    }
    if let Some(old) = existing.iter().find(|c| same_command(c, &command)) {
        command["id"] = old["id"].clone();
    }
    command
}

fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

fn strip_localizations(value: &mut Value) {
    if let Some(map) = value.as_object_mut() {
        map.remove("name_localizations");
        map.remove("description_localizations");
        map.values_mut().for_each(strip_localizations);
    } else if let Some(items) = value.as_array_mut() {
        items.iter_mut().for_each(strip_localizations);
    }
}

/// Callback types allowed per interaction type (Discord docs: Interaction Callback Type).
fn callback_allowed(interaction_kind: u64, callback_kind: u64) -> bool {
    match interaction_kind {
        2 => matches!(callback_kind, 4 | 5 | 9 | 12),
        3 => matches!(callback_kind, 4 | 5 | 6 | 7 | 9 | 12),
        4 => callback_kind == 8,
        5 => (4..=7).contains(&callback_kind),
        _ => false,
    }
}

fn callback(
    shared: &Shared,
    state: &mut State,
    request: &RecordedRequest,
    id: &str,
    token: &str,
    violations: &mut Vec<String>,
) -> Reply {
    let body = request.json.clone().unwrap_or(Value::Null);
    let kind = body["type"].as_u64().unwrap_or(0);
    let Some(interaction) = state.interactions.get(token).filter(|i| i.id == id) else {
        return error(404, 10062, "Unknown interaction");
    };
    if interaction.callback.is_some() {
        return error(400, 40060, "Interaction has already been acknowledged.");
    }
    if !callback_allowed(interaction.kind, kind) {
        violations.push(format!(
            "callback type {kind} is not valid for interaction type {}",
            interaction.kind
        ));
        return error(400, 50035, "Invalid Form Body");
    }
    let data = body.get("data").cloned().unwrap_or(Value::Null);
    let channel_id = interaction.channel_id;
    let component_message = interaction.message.clone();
    let original = match kind {
        4 | 5 => {
            let mut message = message_from(shared, channel_id, &data, &request.files);
            message["type"] = json!(20);
            message["application_id"] = json!(shared.config.application_id.to_string());
            message["webhook_id"] = json!(shared.config.application_id.to_string());
            let payload = &interaction.payload;
            let user = payload.get("member").map_or(&payload["user"], |m| &m["user"]);
            message["interaction_metadata"] = json!({ "id": id, "type": interaction.kind,
                "user": user, "authorizing_integration_owners": payload["authorizing_integration_owners"] });
            if kind == 5 {
                // A deferred response shows "thinking" (LOADING, 1 << 7) until edited.
                let flags = data["flags"].as_u64().unwrap_or(0) | 128;
                message["flags"] = json!(flags);
                message["content"] = json!("");
            }
            Some(store_message(state, message, false))
        }
        6 | 7 => component_message.map(|mut message| {
            if kind == 7 {
                apply_edit(&mut message, &data);
                message["edited_timestamp"] = json!(payloads::iso8601(payloads::now_ms()));
            }
            store_message(state, message, false)
        }),
        _ => None,
    };
    let interaction = state.interactions.get_mut(token).expect("interaction exists");
    interaction.original = original.or(interaction.original);
    interaction.callback = Some(Callback {
        interaction_id: id.to_string(),
        token: token.to_string(),
        kind,
        data,
        files: request.files.clone(),
    });
    if request.query.as_deref().is_some_and(|q| {
        q.split('&')
            .any(|kv| kv == "with_response=true" || kv == "with_response=1")
    }) {
        let resource = original.and_then(|m| state.messages.get(&m).cloned());
        return ok(json!({
            "interaction": { "id": id, "type": state.interactions[token].kind },
            "resource": { "type": kind, "message": resource },
        }));
    }
    no_content()
}

fn followup(shared: &Shared, state: &mut State, request: &RecordedRequest, token: &str) -> Reply {
    let Some(interaction) = state.interactions.get(token).filter(|i| i.callback.is_some()) else {
        return error(404, 10015, "Unknown Webhook");
    };
    let channel_id = interaction.channel_id;
    let data = request.json.clone().unwrap_or(Value::Null);
    let mut message = message_from(shared, channel_id, &data, &request.files);
    message["application_id"] = json!(shared.config.application_id.to_string());
    message["webhook_id"] = json!(shared.config.application_id.to_string());
    let id = store_message(state, message, false);
    ok(state.messages[&id].clone())
}

fn webhook_message(state: &mut State, request: &RecordedRequest, token: &str, which: &str) -> Reply {
    let Some(interaction) = state.interactions.get(token) else {
        return error(404, 10015, "Unknown Webhook");
    };
    let id = if which == "@original" {
        interaction.original
    } else {
        which.parse().ok()
    };
    let Some(id) = id.filter(|id| state.messages.contains_key(id)) else {
        return error(404, 10008, "Unknown Message");
    };
    match request.method.as_str() {
        "GET" => ok(state.messages[&id].clone()),
        "DELETE" => {
            state.messages.remove(&id);
            no_content()
        }
        "PATCH" => {
            let data = request.json.clone().unwrap_or(Value::Null);
            let message = state.messages.get_mut(&id).expect("message exists");
            apply_edit(message, &data);
            message["edited_timestamp"] = json!(payloads::iso8601(payloads::now_ms()));
            let flags = message["flags"].as_u64().unwrap_or(0) & !128;
            message["flags"] = json!(flags);
            for file in &request.files {
                attach(message, file);
            }
            ok(message.clone())
        }
        _ => error(405, 0, "405: Method Not Allowed"),
    }
}

fn create_message(shared: &Shared, state: &mut State, request: &RecordedRequest, channel: u64) -> Reply {
    let data = request.json.clone().unwrap_or(Value::Null);
    let nonce = data.get("nonce").filter(|n| !n.is_null()).map(|n| match n {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    let enforce = data["enforce_nonce"] == json!(true);
    if let (Some(nonce), true) = (&nonce, enforce) {
        let window = shared.config.nonce_window;
        if let Some((id, when)) = state.nonces.get(&(channel, nonce.clone())) {
            if when.elapsed() < window {
                if let Some(existing) = state.messages.get(id) {
                    return ok(existing.clone());
                }
            }
        }
    }
    let empty = ["content", "embeds", "components", "sticker_ids", "poll"]
        .iter()
        .all(|k| {
            data.get(*k)
                .is_none_or(|v| v.is_null() || v == "" || v.as_array().is_some_and(Vec::is_empty))
        });
    if empty && request.files.is_empty() {
        return error(400, 50006, "Cannot send an empty message");
    }
    let mut message = message_from(shared, channel, &data, &request.files);
    if let Some(n) = data.get("nonce").filter(|n| !n.is_null()) {
        message["nonce"] = n.clone();
    }
    let id = store_message(state, message, true);
    if let (Some(nonce), true) = (nonce, enforce) {
        state.nonces.insert((channel, nonce), (id, Instant::now()));
    }
    ok(state.messages[&id].clone())
}

/// A new message by the bot from a create/execute body (content, embeds, components, flags)
/// and uploaded files.
fn message_from(shared: &Shared, channel_id: u64, data: &Value, files: &[UploadedFile]) -> Value {
    let author = payloads::user(shared.config.application_id, &shared.config.bot_username, None, true);
    let mut message = payloads::message(payloads::snowflake(), channel_id, author, "", json!([]));
    apply_edit(&mut message, data);
    message["flags"] = json!(data["flags"].as_u64().unwrap_or(0));
    for file in files {
        attach(&mut message, file);
    }
    message
}

/// Applies the fields of a create/edit body to `message`.
fn apply_edit(message: &mut Value, data: &Value) {
    for key in ["content", "embeds", "components"] {
        if let Some(value) = data.get(key).filter(|v| !v.is_null()) {
            message[key] = value.clone();
        }
    }
    number_components(&mut message["components"], &mut 0);
}

/// Gives every component without one a numeric `id`, as Discord does (1, 2, 3, ...).
fn number_components(components: &mut Value, next: &mut u64) {
    if let Some(items) = components.as_array_mut() {
        for item in items {
            *next += 1;
            if item.get("id").is_none() {
                item["id"] = json!(*next);
            }
            number_components(&mut item["components"], next);
        }
    }
}

fn attach(message: &mut Value, file: &UploadedFile) {
    let id = payloads::snowflake();
    let url = format!(
        "https://cdn.discordapp.com/attachments/{}/{id}/{}",
        message["channel_id"].as_str().unwrap_or("0"),
        file.filename
    );
    let mut attachment = json!({
        "id": id.to_string(),
        "filename": file.filename,
        "size": file.bytes.len(),
        "url": url,
        "proxy_url": url.replace("cdn.discordapp.com", "media.discordapp.net"),
    });
    if let Some(content_type) = &file.content_type {
        attachment["content_type"] = json!(content_type);
    }
    if let Some(list) = message["attachments"].as_array_mut() {
        list.push(attachment);
    }
}

fn store_message(state: &mut State, message: Value, channel_message: bool) -> u64 {
    let id = message["id"].as_str().and_then(|s| s.parse().ok()).expect("message id");
    if channel_message {
        state.message_order.push(id);
    }
    state.messages.insert(id, message);
    id
}

/// Splits a body into its media type, JSON (for multipart: `payload_json`) and files.
fn parse_body(content_type: &str, bytes: &[u8]) -> Result<(String, Option<Value>, Vec<UploadedFile>), String> {
    let media_type = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if bytes.is_empty() {
        return Ok((media_type, None, Vec::new()));
    }
    match media_type.as_str() {
        "application/json" => serde_json::from_slice(bytes)
            .map(|v| (media_type.clone(), Some(v), Vec::new()))
            .map_err(|e| format!("body is not JSON: {e}")),
        "multipart/form-data" => {
            let boundary = content_type
                .split(';')
                .find_map(|p| p.trim().strip_prefix("boundary="))
                .map(|b| b.trim_matches('"'))
                .ok_or("multipart body without boundary")?;
            let mut json_body = None;
            let mut files = Vec::new();
            for part in parse_multipart(bytes, boundary)? {
                match (part.name.as_str(), part.filename) {
                    ("payload_json", None) => {
                        json_body = Some(
                            serde_json::from_slice(&part.bytes)
                                .map_err(|e| format!("payload_json is not JSON: {e}"))?,
                        );
                    }
                    (_, Some(filename)) => files.push(UploadedFile {
                        field: part.name,
                        filename,
                        content_type: part.content_type,
                        bytes: part.bytes,
                    }),
                    (name, None) => return Err(format!("unexpected multipart field {name:?}")),
                }
            }
            Ok((media_type, json_body, files))
        }
        other => Err(format!("unsupported content type {other:?}")),
    }
}

struct Part {
    name: String,
    filename: Option<String>,
    content_type: Option<String>,
    bytes: Vec<u8>,
}

/// A small RFC 7578 `multipart/form-data` parser (enough for reqwest's encoder).
fn parse_multipart(body: &[u8], boundary: &str) -> Result<Vec<Part>, String> {
    let delimiter = format!("--{boundary}").into_bytes();
    let find = |from: usize| {
        body[from..]
            .windows(delimiter.len())
            .position(|w| w == delimiter.as_slice())
            .map(|i| i + from)
    };
    let mut parts = Vec::new();
    let mut at = find(0).ok_or("multipart body without delimiter")? + delimiter.len();
    while !body[at..].starts_with(b"--") {
        let next = find(at).ok_or("unterminated multipart body")?;
        let raw = body[at..next].strip_prefix(b"\r\n").ok_or("malformed multipart part")?;
        let raw = raw.strip_suffix(b"\r\n").ok_or("malformed multipart part")?;
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .ok_or("part without headers")?;
        let head = String::from_utf8_lossy(&raw[..split]);
        let mut part = Part {
            name: String::new(),
            filename: None,
            content_type: None,
            bytes: raw[split + 4..].to_vec(),
        };
        for line in head.lines() {
            let (name, value) = line.split_once(':').unwrap_or((line, ""));
            if name.eq_ignore_ascii_case("content-disposition") {
                for param in value.split(';').map(str::trim) {
                    if let Some(v) = param.strip_prefix("name=") {
                        part.name = v.trim_matches('"').to_string();
                    } else if let Some(v) = param.strip_prefix("filename=") {
                        part.filename = Some(v.trim_matches('"').to_string());
                    }
                }
            } else if name.eq_ignore_ascii_case("content-type") {
                part.content_type = Some(value.trim().to_string());
            }
        }
        parts.push(part);
        at = next + delimiter.len();
    }
    Ok(parts)
}
