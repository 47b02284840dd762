//! The floor: the least a serenity bot can do for a `/report` — one INSERT, then a type-4
//! callback. `benches/interaction.rs` runs it (its own binary run again with
//! `KYODO_BENCH_FLOOR_DB` set) through the same local Discord stand-in as `kyodo run`, so that
//! kyodo's latency and memory are read beside it in the same run.
//!
//! Honest by construction: the same serenity 0.12.5 with the same features (the crate's), the
//! same client set-up (`HttpBuilder::proxy` with serenity's rate limiter off, non-privileged
//! intents), the same tokio runtime (current-thread), the same SQLite (rusqlite, bundled) with
//! the same pragmas (WAL, `synchronous = FULL`, busy timeout), on a copy of the same seeded
//! database; one INSERT per interaction in its own transaction, committed before the reply.
//! It does nothing else: no validation, no totals, no audit, no embeds.

use rusqlite::{params, Connection};
use serenity::all::{
    ClientBuilder, Context, CreateInteractionResponse, CreateInteractionResponseMessage, EventHandler, GatewayIntents,
    HttpBuilder, Interaction,
};
use serenity::async_trait;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

struct Floor {
    /// The one connection; locked for the INSERT only, never across an await.
    conn: Mutex<Connection>,
}

#[async_trait]
impl EventHandler for Floor {
    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let Interaction::Command(command) = interaction else {
            return;
        };
        let options = serde_json::to_string(&command.data.options).unwrap_or_default();
        let stored = {
            let conn = self.conn.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            conn.execute(
                "INSERT INTO floor_reports (interaction_id, user_id, channel_id, command, options, received_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                params![
                    command.id.get() as i64,
                    command.user.id.get() as i64,
                    command.channel_id.get() as i64,
                    command.data.name,
                    options
                ],
            )
        };
        let content = match stored {
            Ok(_) => "記録しました",
            Err(_) => "記録できませんでした",
        };
        let reply = CreateInteractionResponse::Message(CreateInteractionResponseMessage::new().content(content));
        if let Err(e) = command.create_response(&ctx.http, reply).await {
            eprintln!("floor: callback failed: {e}");
        }
    }
}

/// Runs the floor bot until it is killed.
pub fn run(db: &Path, api: &str, token: &str) {
    let conn = Connection::open(db).expect("open the floor's database");
    conn.busy_timeout(Duration::from_secs(5)).expect("busy timeout");
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))
        .expect("WAL");
    assert!(mode.eq_ignore_ascii_case("wal"), "journal mode {mode}");
    conn.pragma_update(None, "synchronous", "FULL").expect("synchronous");
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS floor_reports (
            id INTEGER PRIMARY KEY,
            interaction_id INTEGER NOT NULL UNIQUE,
            user_id INTEGER NOT NULL,
            channel_id INTEGER NOT NULL,
            command TEXT NOT NULL,
            options TEXT NOT NULL,
            received_at TEXT NOT NULL
        )",
    )
    .expect("table");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let http = HttpBuilder::new(token)
            .proxy(api.trim_end_matches('/'))
            .ratelimiter_disabled(true)
            .build();
        let mut client = ClientBuilder::new_with_http(http, GatewayIntents::non_privileged())
            .event_handler(Floor { conn: Mutex::new(conn) })
            .await
            .expect("client");
        if let Err(e) = client.start().await {
            eprintln!("floor: gateway ended: {e}");
        }
    });
}
