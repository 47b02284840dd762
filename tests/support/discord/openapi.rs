//! Validation of REST bodies against Discord's published OpenAPI 3.1 description.
//!
//! The description (`openapi.json` from `discord/discord-api-spec`) is loaded once per process
//! and per path. A request is mapped to its operation by matching the request path against the
//! description's path templates (a literal segment beats a `{param}` segment, so
//! `/webhooks/{id}/{token}/messages/@original` wins over `.../messages/{message_id}`), then its
//! body is validated against that operation's request-body schema for the media type received
//! (`application/json`, or for `multipart/form-data` the `payload_json` part against the
//! multipart schema). OpenAPI 3.1 schemas are JSON Schema 2020-12: each schema is compiled by
//! the `jsonschema` crate inside a document that also carries the description's `components`,
//! so `#/components/schemas/...` references resolve locally; nothing is fetched from a network.
//!
//! Two rules from Discord's documentation that the OpenAPI description does not encode are
//! added: application-command names (see [`command_name_problems`]), and `allowed_mentions`
//! naming users (or roles) both by `parse` and by list (see [`allowed_mentions_problems`]).

use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// A parsed OpenAPI description with lazily compiled, cached validators.
pub struct Spec {
    doc: Value,
    templates: Vec<(Vec<String>, String)>,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

/// The operation a request maps to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    /// `operationId`, e.g. `bulk_set_guild_application_commands`.
    pub id: String,
    /// Path template from the description, e.g. `/channels/{channel_id}/messages`.
    pub template: String,
    /// Lower-case HTTP method, as keyed in the description.
    pub method: String,
}

impl Spec {
    /// Loads (or returns the already loaded) description at `path`. Panics if unreadable.
    pub fn load(path: &Path) -> Arc<Spec> {
        static CACHE: OnceLock<Mutex<HashMap<PathBuf, Arc<Spec>>>> = OnceLock::new();
        let mut cache = CACHE.get_or_init(Default::default).lock().expect("spec cache lock");
        cache
            .entry(path.to_path_buf())
            .or_insert_with(|| {
                let text = std::fs::read_to_string(path)
                    .unwrap_or_else(|e| panic!("cannot read OpenAPI description {path:?}: {e}"));
                let doc: Value = serde_json::from_str(&text).expect("OpenAPI description is JSON");
                Arc::new(Spec::from_value(doc))
            })
            .clone()
    }

    /// Builds a spec from an already parsed description.
    pub fn from_value(doc: Value) -> Spec {
        let templates = doc["paths"]
            .as_object()
            .expect("OpenAPI description has paths")
            .keys()
            .map(|k| (segments(k), k.clone()))
            .collect();
        Spec {
            doc,
            templates,
            validators: Mutex::default(),
        }
    }

    /// Finds the operation for `method` and `path` (the path after `/api/v10`, no query).
    pub fn operation(&self, method: &str, path: &str) -> Option<Operation> {
        let method = method.to_ascii_lowercase();
        let parts = segments(path);
        self.templates
            .iter()
            .filter(|(t, _)| t.len() == parts.len() && t.iter().zip(&parts).all(|(t, p)| t.starts_with('{') || t == p))
            .filter(|(_, key)| self.doc["paths"][key.as_str()].get(&method).is_some())
            .max_by_key(|(t, _)| t.iter().filter(|s| !s.starts_with('{')).count())
            .map(|(_, key)| Operation {
                id: self.doc["paths"][key.as_str()][&method]["operationId"]
                    .as_str()
                    .unwrap_or("?")
                    .to_string(),
                template: key.clone(),
                method: method.clone(),
            })
    }

    /// Validates a request body. `media_type` is `application/json` or `multipart/form-data`.
    /// Returns the operation on success, or a description of every problem found.
    pub fn check_request(&self, method: &str, path: &str, media_type: &str, body: &Value) -> Result<Operation, String> {
        let op = self
            .operation(method, path)
            .ok_or_else(|| format!("{method} {path}: no operation in the OpenAPI description"))?;
        let pointer = format!(
            "/paths/{}/{}/requestBody/content/{}/schema",
            escape(&op.template),
            op.method,
            escape(media_type)
        );
        if self.doc.pointer(&pointer).is_none() {
            return Err(format!("{method} {path} ({}): no {media_type} request body", op.id));
        }
        let mut problems = self.errors_at(&pointer, &lenient(body));
        if op.id.contains("application_command") {
            problems.extend(command_name_problems(body));
        }
        problems.extend(allowed_mentions_problems(body));
        if problems.is_empty() {
            Ok(op)
        } else {
            Err(format!("{method} {path} ({}): {}", op.id, problems.join("; ")))
        }
    }

    /// Validates a response body against the operation's schema for `status`
    /// (used to check that the stand-in itself answers like Discord).
    pub fn check_response(&self, method: &str, path: &str, status: u16, body: &Value) -> Result<(), String> {
        let op = self
            .operation(method, path)
            .ok_or_else(|| format!("no operation for {path}"))?;
        let pointer = format!(
            "/paths/{}/{}/responses/{status}/content/application~1json/schema",
            escape(&op.template),
            op.method
        );
        if self.doc.pointer(&pointer).is_none() {
            return Err(format!("{} has no JSON {status} response", op.id));
        }
        let problems = self.errors_at(&pointer, body);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!("{} {status} response: {}", op.id, problems.join("; ")))
        }
    }

    /// Validates a value against `#/components/schemas/{name}`.
    pub fn check_schema(&self, name: &str, value: &Value) -> Result<(), String> {
        let pointer = format!("/components/schemas/{name}");
        assert!(self.doc.pointer(&pointer).is_some(), "no schema named {name}");
        let problems = self.errors_at(&pointer, value);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!("{name}: {}", problems.join("; ")))
        }
    }

    fn errors_at(&self, pointer: &str, value: &Value) -> Vec<String> {
        self.validator(pointer)
            .iter_errors(value)
            .map(|e| format!("at '{}': {}", e.instance_path(), e))
            .collect()
    }

    fn validator(&self, pointer: &str) -> Arc<jsonschema::Validator> {
        let mut cache = self.validators.lock().expect("validator cache lock");
        cache
            .entry(pointer.to_string())
            .or_insert_with(|| {
                // The schema sits inside a document that also holds the description's component
                // schemas, so its `#/components/schemas/...` references resolve within it.
                let target = self.doc.pointer(pointer).expect("schema exists").clone();
                let schema = json!({
                    "$schema": "https://json-schema.org/draft/2020-12/schema",
                    "components": { "schemas": self.doc["components"]["schemas"] },
                    "allOf": [target],
                });
                let validator = jsonschema::options()
                    .with_draft(jsonschema::Draft::Draft202012)
                    .build(&schema)
                    .unwrap_or_else(|e| panic!("cannot compile schema at {pointer}: {e}"));
                Arc::new(validator)
            })
            .clone()
    }
}

/// The one known difference between the description and what Discord documents and accepts:
/// `attachments[].id` of a new upload is the index `n` of its `files[n]` part, written as an
/// integer in Discord's "Uploading Files" reference (and sent so by serenity), while the
/// description types it as a snowflake string. Integer ids are turned into strings before
/// validating; everything else is validated as described.
fn lenient(body: &Value) -> std::borrow::Cow<'_, Value> {
    let has_integer_id = body["attachments"]
        .as_array()
        .is_some_and(|items| items.iter().any(|a| a["id"].is_u64()));
    if !has_integer_id {
        return std::borrow::Cow::Borrowed(body);
    }
    let mut body = body.clone();
    for attachment in body["attachments"].as_array_mut().into_iter().flatten() {
        if let Some(id) = attachment["id"].as_u64() {
            attachment["id"] = json!(id.to_string());
        }
    }
    std::borrow::Cow::Owned(body)
}

fn segments(path: &str) -> Vec<String> {
    path.split('/').filter(|s| !s.is_empty()).map(str::to_string).collect()
}

fn escape(s: &str) -> String {
    s.replace('~', "~0").replace('/', "~1")
}

/// Discord's documented rule for `CHAT_INPUT` command and option names (and their
/// localisations), which the OpenAPI description does not carry: they must match
/// `^[-_'\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$` and use the lower-case variant of any letter
/// that has one. Letters/numbers are approximated with `char::is_alphanumeric` (which also admits
/// the Devanagari/Thai combining marks that are `Alphabetic`).
pub fn command_name_problems(body: &Value) -> Vec<String> {
    fn name_ok(name: &str) -> bool {
        let n = name.chars().count();
        (1..=32).contains(&n)
            && name.chars().all(|c| {
                (c == '-' || c == '_' || c == '\'' || c.is_alphanumeric()) && c.to_lowercase().eq(std::iter::once(c))
            })
    }
    fn walk(v: &Value, path: &str, chat_input: bool, out: &mut Vec<String>) {
        if chat_input {
            if let Some(name) = v["name"].as_str() {
                if !name_ok(name) {
                    out.push(format!("at '{path}/name': {name:?} breaks the command-name rule"));
                }
            }
            if let Some(locs) = v["name_localizations"].as_object() {
                for (locale, name) in locs {
                    if !name.as_str().is_some_and(name_ok) {
                        out.push(format!(
                            "at '{path}/name_localizations/{locale}': {name} breaks the \
                             command-name rule"
                        ));
                    }
                }
            }
        }
        if let Some(options) = v["options"].as_array() {
            for (i, o) in options.iter().enumerate() {
                walk(o, &format!("{path}/options/{i}"), chat_input, out);
            }
        }
    }
    let mut out = Vec::new();
    let commands = match body {
        Value::Array(items) => items.iter().collect::<Vec<_>>(),
        other => vec![other],
    };
    for (i, command) in commands.iter().enumerate() {
        let chat_input = command.get("type").and_then(Value::as_u64).unwrap_or(1) == 1;
        let path = if body.is_array() {
            format!("/{i}")
        } else {
            String::new()
        };
        walk(command, &path, chat_input, &mut out);
    }
    out
}

/// Discord's documented rule for `allowed_mentions`, which the OpenAPI description does not
/// carry: `parse: ["users"]` and a `users` list are mutually exclusive (Discord answers 400),
/// and so are `parse: ["roles"]` and `roles`. Checked on any body that has `allowed_mentions`
/// (a message, a follow-up, an interaction response's `data`).
pub fn allowed_mentions_problems(body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (path, mentions) in [
        ("/allowed_mentions", &body["allowed_mentions"]),
        ("/data/allowed_mentions", &body["data"]["allowed_mentions"]),
    ] {
        let parse: Vec<&str> = mentions["parse"]
            .as_array()
            .map(|p| p.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for kind in ["users", "roles"] {
            let listed = mentions[kind].as_array().is_some_and(|l| !l.is_empty());
            if listed && parse.contains(&kind) {
                out.push(format!(
                    "at '{path}': parse {kind:?} and a {kind} list are mutually exclusive"
                ));
            }
        }
    }
    out
}
