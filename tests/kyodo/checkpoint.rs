//! `kyodo run` copies its WAL back into the database after its replies, never in the commit
//! of a report (`store::checkpoint`): through the local Discord stand-in, the reports that take
//! the WAL past SQLite's 1,000 pages are answered while those pages still wait, and the bot
//! then copies them back, so that the WAL does not grow with every report.

use crate::discord::{report, s, send, staff, Bot};
use crate::support::discord::Discord;
use crate::support::Workspace;
use kyodo::store::checkpoint::{wal_backlog, DUE};
use std::time::{Duration, Instant};

#[tokio::test]
async fn the_wal_is_copied_back_after_the_replies_not_before_them() {
    let workspace = Workspace::new();
    let discord = Discord::start().await;
    let _bot = Bot::start(&workspace, &discord).await;
    discord.wait_ready(crate::discord::WAIT).await;
    let db = workspace.db();
    // The most pages seen waiting right after a reply, and the reports sent.
    let (mut most, mut sent) = (0, 0);
    while sent < 600 && most < DUE {
        sent += 1;
        let options = report(
            "meeting",
            vec![
                s("area", "東部"),
                s("district", "荒町"),
                s("topic", &format!("打合せ{sent}")),
            ],
        );
        let (_, data, kind) = send(&discord, "report", options, staff(&discord, 7001, "佐藤")).await;
        assert_eq!(kind, 4, "report {sent}: {data}");
        most = most.max(wal_backlog(&db).unwrap_or(0));
    }
    assert!(
        most >= DUE,
        "after {sent} reports at most {most} pages waited right after a reply: a commit copied them back before replying"
    );
    // Then the bot copies them back by itself.
    let started = Instant::now();
    while wal_backlog(&db).unwrap_or(u32::MAX) >= DUE {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?} pages still wait",
            wal_backlog(&db)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        workspace.rows("SELECT COUNT(*) FROM records")[0][0],
        sent.to_string(),
        "every report stored"
    );
}
