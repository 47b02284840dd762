//! Stopping `kyodo run` with SIGTERM (what `docker stop` sends) while it works: every
//! interaction in flight is finished and answered, one that arrives while stopping is declined
//! and stores nothing, a scheduled post that has started is finished and recorded, and the
//! process exits 0. The real binary against the stand-in, in proxy mode.

use crate::discord::{count, report, s, staff, Bot, WAIT};
use crate::support::discord::payloads::{option, InteractionSpec};
use crate::support::discord::{Discord, Failure, Injected};
use crate::support::Workspace;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How long the bot may take to stop: its drain limit (8 s) and closing the gateway, with room
/// for a loaded machine. Not a measurement: the test only fails if the bot never stops.
const EXIT_LIMIT: Duration = Duration::from_secs(15);
/// What the bot answers to an interaction that arrives while it stops.
const DECLINED: &str = "何も記録していません";

/// The message an interaction ended with (its callback's, edited if it was deferred), as text.
fn answer(discord: &Discord, sent: &Injected) -> Option<String> {
    discord.original_message(sent).map(|m| m.to_string())
}

fn report_spec(discord: &Discord, n: i64) -> InteractionSpec {
    InteractionSpec::command(
        "report",
        report("match", vec![option::integer("count", n), s("date", "2026-07-01")]),
        staff(discord, 7001, "佐藤"),
    )
}

#[derive(Debug, Default)]
struct Round {
    stored: usize,
    answered_stored: usize,
    declined: usize,
    unanswered: usize,
    exit: Duration,
}

#[tokio::test]
async fn sigterm_under_load_answers_every_stored_report() {
    let mut rounds = Vec::new();
    // Three rounds with SIGTERM (`docker stop`), a fourth with SIGINT (Ctrl-C).
    for round in 1..=4 {
        let signal = if round == 4 { "INT" } else { "TERM" };
        let workspace = Workspace::new();
        let discord = Discord::start().await;
        let mut bot = Bot::start(&workspace, &discord).await;

        // A deferred summary in flight across the signal: the first edit of its reply fails
        // (500) and is tried again after the retry's backoff, so the bot is still stopping when
        // the late interactions below arrive.
        discord.fail_next("PATCH", "/webhooks/*/*/messages/@original", 1, Failure::ServerError);
        let summary = discord
            .inject_interaction(&InteractionSpec::command(
                "summary",
                vec![option::subcommand("month", vec![s("month", "2026-10")])],
                staff(&discord, 7001, "佐藤"),
            ))
            .await;
        let mut reports = Vec::new();
        for n in 1..=20 {
            reports.push(discord.inject_interaction(&report_spec(&discord, n)).await);
        }
        let answered_before = discord.wait_for_callbacks(&reports, 8, WAIT).await;
        let signalled = Instant::now();
        bot.signal(signal);
        bot.wait_log("shutting down", WAIT).await;
        let mut late = Vec::new();
        for n in 21..=23 {
            late.push(discord.inject_interaction(&report_spec(&discord, n)).await);
        }
        let status = bot.wait_exit(EXIT_LIMIT).await;
        let exit = signalled.elapsed();
        assert!(status.success(), "round {round}: {status:?}\n{}", bot.log());
        let log = bot.log();
        let in_flight = log
            .lines()
            .find(|l| l.contains("shutting down"))
            .and_then(|l| l.split("in_flight=").nth(1))
            .and_then(|n| n.split_whitespace().next())
            .unwrap_or("?")
            .to_string();

        let stored: HashMap<String, String> = workspace
            .rows("SELECT source_id, id FROM records")
            .into_iter()
            .map(|r| (r[0].clone(), r[1].clone()))
            .collect();
        let mut figures = Round {
            stored: stored.len(),
            exit,
            ..Round::default()
        };
        for sent in reports.iter().chain(&late) {
            let answer = answer(&discord, sent);
            let text = answer.clone().unwrap_or_default();
            match stored.get(&sent.id) {
                Some(id) => {
                    assert!(
                        text.contains(&format!("記録しました（#{id}・")),
                        "round {round}: record #{id} was stored but its interaction was answered {answer:?}"
                    );
                    figures.answered_stored += 1;
                }
                None => {
                    assert!(
                        !text.contains("記録しました"),
                        "round {round}: answered as stored but not in the database: {text}"
                    );
                    if text.contains(DECLINED) {
                        assert!(text.contains("もう一度送ってください"), "{text}");
                        figures.declined += 1;
                    } else {
                        figures.unanswered += 1;
                    }
                }
            }
        }
        // Everything in flight was finished: no interaction went unanswered, the late ones were
        // declined, the summary's reply was edited with the digest.
        assert_eq!(figures.unanswered, 0, "round {round}: {figures:?}");
        for sent in &late {
            let text = answer(&discord, sent).unwrap_or_default();
            assert!(text.contains(DECLINED), "round {round}: a late interaction: {text}");
            assert!(!stored.contains_key(&sent.id));
        }
        let digest = answer(&discord, &summary).unwrap_or_default();
        assert!(digest.contains("月次まとめ 2026年10月"), "round {round}: {digest}");
        let patches = discord.requests_to("PATCH", &format!("/webhooks/*/{}/messages/@original", summary.token));
        assert_eq!(
            patches.iter().map(|r| r.status).collect::<Vec<_>>(),
            vec![500, 200],
            "round {round}"
        );
        eprintln!(
            "round {round}: {} reports before the signal ({answered_before} answered when it was sent, {in_flight} interactions in flight when the bot saw it), 3 after; stored {}, answered as stored {}, declined {}, unanswered {}; exited {:.2} s after SIG{signal}",
            reports.len(),
            figures.stored,
            figures.answered_stored,
            figures.declined,
            figures.unanswered,
            figures.exit.as_secs_f64()
        );
        rounds.push(figures);
        discord.shutdown().await;
    }
    assert_eq!(rounds.len(), 4);
}

#[tokio::test]
async fn sigterm_lets_a_started_post_finish_and_starts_no_new_one() {
    let workspace = Workspace::new();
    {
        // The scheduler last started 70 days ago: at least two digests are due.
        let mut store = kyodo::store::Store::open(&workspace.db()).expect("open");
        let then = chrono::Utc::now() - chrono::Duration::days(70);
        store
            .meta_or_insert("scheduler_first_run", &then.to_rfc3339())
            .expect("meta");
    }
    let discord = Discord::start().await;
    // The first post's first message fails once: it is tried again after the backoff (2 s).
    discord.fail_next("POST", "/channels/*/messages", 1, Failure::ServerError);
    let mut bot = Bot::start(&workspace, &discord).await;
    let failed = discord.wait_for_request("POST", "/channels/*/messages", WAIT).await;
    assert_eq!(failed.status, 500);
    let signalled = Instant::now();
    bot.signal("TERM");
    let status = bot.wait_exit(EXIT_LIMIT).await;
    assert!(status.success(), "{status:?}\n{}", bot.log());
    eprintln!(
        "scheduled post: exited {:.2} s after SIGTERM",
        signalled.elapsed().as_secs_f64()
    );

    // The post that had started was sent and recorded as posted; no other was started.
    let runs = workspace.rows("SELECT status, message_ids FROM post_runs");
    assert_eq!(runs.len(), 1, "{runs:?}\n{}", bot.log());
    assert_eq!(runs[0][0], "posted", "{runs:?}");
    let ids: Vec<String> = serde_json::from_str(&runs[0][1]).expect("message ids");
    let posts = discord.requests_to("POST", "/channels/*/messages");
    assert_eq!(
        posts.iter().filter(|r| r.status == 200).count(),
        ids.len(),
        "every message sent is recorded"
    );
    assert_eq!(discord.channel_messages(discord.channel_id()).len(), ids.len());
    drop(bot);

    // The next start posts the rest.
    let _bot = Bot::start(&workspace, &discord).await;
    let deadline = Instant::now() + WAIT;
    while count(&workspace, "SELECT COUNT(*) FROM post_runs WHERE status = 'posted'") < 2 {
        assert!(Instant::now() < deadline, "the remaining digests were not posted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    discord.shutdown().await;
}
