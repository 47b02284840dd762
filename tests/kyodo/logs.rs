//! Logs for a log shipper: `KYODO_LOG_FORMAT=json` makes `kyodo run` write one JSON object per
//! line, with the interaction's id, the command and how long the answer took, and never the
//! token or what the user typed.

use crate::discord::{report, s, send, staff, Bot};
use crate::support::discord::Discord;
use crate::support::Workspace;
use serde_json::Value;

#[tokio::test]
async fn json_logs_carry_ids_commands_and_durations_but_no_secrets() {
    let workspace = Workspace::new();
    let discord = Discord::start().await;
    let bot = Bot::start_with_env(
        &workspace,
        &discord,
        &[("KYODO_LOG_FORMAT", "json"), ("RUST_LOG", "info")],
    )
    .await;
    let topic = "防災訓練の打合せ（秘）";
    let (sent, data, _) = send(
        &discord,
        "report",
        report(
            "meeting",
            vec![s("area", "東部"), s("district", "荒町"), s("topic", topic)],
        ),
        staff(&discord, 7001, "佐藤"),
    )
    .await;
    assert!(data.to_string().contains("記録しました"), "{data}");
    bot.wait_log("interaction answered", crate::discord::WAIT).await;
    let log = bot.log();
    let lines: Vec<Value> = log
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect();
    assert!(lines.len() >= 2, "{log}");
    assert!(lines
        .iter()
        .all(|l| l["level"].is_string() && l["timestamp"].is_string()));
    let answered = lines
        .iter()
        .find(|l| l["message"] == "interaction answered")
        .expect("the answer is logged");
    assert_eq!(
        answered["interaction"].as_u64().map(|i| i.to_string()),
        Some(sent.id.clone())
    );
    assert_eq!(answered["command"], "report");
    assert!(answered["elapsed_ms"].is_u64(), "{answered}");
    assert!(!log.contains(discord.token()), "the token was logged");
    assert!(!log.contains(topic), "what the user typed was logged");
    discord.shutdown().await;
}
