//! `kyodo health` (what the Docker HEALTHCHECK runs, with `--bot`), the real binary: a missing
//! database, a fresh one, older and newer schemas, a file that is not a database, heartbeats the
//! test writes (stale, a stuck scheduler), and `kyodo run` against the stand-in — connected,
//! its gateway gone for good and back, stopped by SIGTERM. `/admin status` shows the same facts,
//! from the console and from Discord.

use crate::discord::{member_source, Bot, ADMIN_ROLE, WAIT};
use crate::support::discord::payloads::{option, InteractionSpec};
use crate::support::discord::Discord;
use crate::support::{repo, Run, Workspace};
use chrono::{DateTime, Duration, Utc};
use kyodo::domain::health::{Gateway, Heartbeat, Scheduler};
use kyodo::store::Store;
use std::time::Instant;

/// How long a state the bot reaches on its own (connected, disconnected, reconnected) may take
/// to show; generous for a loaded machine. Not a measurement: only reaching it is asserted.
const REACH: std::time::Duration = std::time::Duration::from_secs(60);

fn health(workspace: &Workspace, bot: bool) -> Run {
    workspace.kyodo(if bot { &["health", "--bot"] } else { &["health"] })
}

/// Runs `kyodo health [--bot]` off the test's runtime (the stand-in keeps serving) until it
/// exits with `success` and prints `text`; panics with the last output after `REACH`.
async fn health_until(workspace: &Workspace, bot: bool, success: bool, text: &str) -> Run {
    let deadline = Instant::now() + REACH;
    loop {
        let mut command = workspace.command(if bot { &["health", "--bot"] } else { &["health"] });
        let run = Run(tokio::task::spawn_blocking(move || command.output())
            .await
            .expect("join")
            .expect("run kyodo health"));
        if run.success() == success && run.stdout().contains(text) {
            return run;
        }
        assert!(
            Instant::now() < deadline,
            "kyodo health{} never exited {} with {text:?}; last ({:?}):\n{}{}",
            if bot { " --bot" } else { "" },
            if success { 0 } else { 1 },
            run.code(),
            run.stdout(),
            run.stderr()
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

fn user_version(workspace: &Workspace) -> i64 {
    workspace.rows("PRAGMA user_version")[0][0].parse().expect("a number")
}

fn files(workspace: &Workspace) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(workspace.dir.path())
        .expect("read workspace")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A running bot's heartbeat as the test writes it: started an hour before `now`, connected
/// since then, last beating and passing at the given times.
fn heartbeat(now: DateTime<Utc>, beat: Duration, pass: Duration) -> Heartbeat {
    Heartbeat {
        pid: 31_337,
        started_at: now - Duration::hours(1),
        updated_at: now - beat,
        stopped: None,
        gateway: Gateway {
            connected: true,
            since: now - Duration::hours(1),
        },
        scheduler: Scheduler {
            enabled: true,
            last_pass: Some(now - pass),
        },
    }
}

#[test]
fn a_missing_database_fails_and_is_not_created() {
    let workspace = Workspace::new();
    for bot in [false, true] {
        let run = health(&workspace, bot);
        assert_eq!(run.code(), Some(1), "{}", run.stdout());
        assert_eq!(
            run.stdout(),
            format!(
                "✗ データベース {}: ファイルがありません。KYODO_DATABASE（または --db）が kyodo run と同じファイルを指しているか確かめてください（初めてなら kyodo run を起動すると作られます）\n",
                workspace.db().display()
            )
        );
    }
    // Nor its folder.
    let nested = workspace.path("data/kyodo.sqlite3");
    let run = workspace.kyodo(&["--db", nested.to_str().expect("utf-8"), "health"]);
    assert_eq!(run.code(), Some(1));
    assert!(run.stdout().contains("ファイルがありません"), "{}", run.stdout());
    assert_eq!(files(&workspace), Vec::<String>::new(), "nothing created");
}

#[test]
fn a_fresh_database_is_healthy_and_without_a_bot_fails_only_with_bot() {
    let latest = Store::latest_schema_version();
    let workspace = Workspace::new();
    drop(Store::open(&workspace.db()).expect("create and migrate"));
    let before = files(&workspace);

    let run = health(&workspace, false).ok();
    let db = workspace.db().display().to_string();
    assert_eq!(
        run.stdout(),
        format!(
            "✓ データベース {db}: 開けます（スキーマ {latest}、この kyodo と同じ）\n✓ ボット: 動いていません（このデータベースで kyodo run が動いた記録はありません）\n"
        )
    );
    let run = health(&workspace, true);
    assert_eq!(run.code(), Some(1));
    assert_eq!(
        run.stdout(),
        format!(
            "✓ データベース {db}: 開けます（スキーマ {latest}、この kyodo と同じ）\n✗ ボット: 動いていません（このデータベースで kyodo run が動いた記録はありません）。kyodo run で起動してください（KYODO_DATABASE が kyodo run と同じファイルか確かめてください）\n"
        )
    );
    assert_eq!(files(&workspace), before, "no -wal or -shm left behind");
}

#[test]
fn an_older_or_newer_schema_fails_with_both_versions_and_is_left_as_it_was() {
    let latest = Store::latest_schema_version();
    let newer = latest + 1;
    // A real version-2 database: the first two migrations, as kyodo 0.1 before digests left it.
    let workspace = Workspace::new();
    {
        let conn = rusqlite::Connection::open(workspace.db()).expect("create");
        for file in ["0001_init.sql", "0002_tallies.sql"] {
            let sql = std::fs::read_to_string(repo().join("migrations").join(file)).expect("migration");
            conn.execute_batch(&sql).expect("apply");
        }
        conn.pragma_update(None, "user_version", 2).expect("version");
    }
    for bot in [false, true] {
        let run = health(&workspace, bot);
        assert_eq!(run.code(), Some(1));
        assert_eq!(
            run.stdout(),
            format!(
                "✗ データベース {}: スキーマ 2 は古い版です（この kyodo はスキーマ {latest}）。kyodo run を起動すると更新されます\n",
                workspace.db().display()
            )
        );
    }
    assert_eq!(user_version(&workspace), 2, "not migrated");
    assert_eq!(
        workspace.rows("SELECT count(*) FROM sqlite_master WHERE name IN ('post_runs', 'meta')"),
        [["0"]]
    );

    // A database from a newer kyodo.
    let workspace = Workspace::new();
    drop(Store::open(&workspace.db()).expect("create"));
    rusqlite::Connection::open(workspace.db())
        .expect("open")
        .pragma_update(None, "user_version", newer as i64)
        .expect("version");
    let run = health(&workspace, false);
    assert_eq!(run.code(), Some(1));
    assert_eq!(
        run.stdout(),
        format!(
            "✗ データベース {}: スキーマ {newer} はこの kyodo（スキーマ {latest} まで）より新しい版で作られています。新しい版の kyodo を使ってください\n",
            workspace.db().display()
        )
    );
    assert_eq!(user_version(&workspace), newer as i64);
}

#[test]
fn a_file_that_is_not_a_database_fails_in_japanese() {
    let workspace = Workspace::new();
    std::fs::write(workspace.db(), "区,人数\n荒町,12\n".repeat(200)).expect("write");
    let run = health(&workspace, true);
    assert_eq!(run.code(), Some(1));
    assert_eq!(
        run.stdout(),
        format!(
            "✗ データベース {}: 開けません（SQLite のデータベースではないか、読む権限がありません）。ファイルとその権限を確かめてください\n",
            workspace.db().display()
        )
    );
    assert!(!run.stdout().contains("file is not a database"), "no SQLite text");
    assert_eq!(files(&workspace), ["kyodo.sqlite3"]);
}

#[test]
fn a_stale_heartbeat_or_a_stuck_scheduler_fails() {
    let workspace = Workspace::new();
    let mut store = Store::open(&workspace.db()).expect("create");
    let now = Utc::now();

    // Beating 20 s ago, passing 40 s ago: well, with or without --bot.
    store
        .write_heartbeat(&heartbeat(now, Duration::seconds(20), Duration::seconds(40)))
        .expect("write");
    for bot in [false, true] {
        let out = health(&workspace, bot).ok().stdout();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 4, "{out}");
        assert!(
            lines[1].starts_with("✓ ボット: 動いています（プロセス 31337、1時間0分前に起動、心拍は"),
            "{out}"
        );
        assert!(
            lines[2].starts_with("✓ Discord との接続: つながっています（1時間0分前から）"),
            "{out}"
        );
        assert!(lines[3].starts_with("✓ 自動投稿: 動いています（最後の確認は"), "{out}");
    }

    // Its last heartbeat 10 minutes ago (hung, or killed with -9): a failure even without --bot.
    store
        .write_heartbeat(&heartbeat(now, Duration::minutes(10), Duration::minutes(10)))
        .expect("write");
    for bot in [false, true] {
        let run = health(&workspace, bot);
        assert_eq!(run.code(), Some(1));
        let out = run.stdout();
        assert!(
            out.contains("✗ ボット: 心拍が10分前から途絶えています（プロセス 31337、30秒ごとのはずが2分を超えました）。kyodo run が固まったか強制終了されました"),
            "{out}"
        );
        assert_eq!(out.lines().count(), 2, "{out}");
    }

    // Beating, but the scheduler's loop has not passed for 10 minutes.
    store
        .write_heartbeat(&heartbeat(now, Duration::seconds(5), Duration::minutes(10)))
        .expect("write");
    let run = health(&workspace, true);
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stdout()
            .contains("✗ 自動投稿: 10分前から確認していません（1分ごとのはずが5分を超えました）"),
        "{}",
        run.stdout()
    );

    // What `/admin status` shows for the same heartbeat, from the console.
    let out = workspace.console(&["--role", "admin"], "/admin status\n").ok().stdout();
    let section: Vec<&str> = out
        .lines()
        .skip_while(|l| *l != "■ ボット")
        .skip(1)
        .take_while(|l| !l.starts_with('■'))
        .collect();
    assert_eq!(section.len(), 3, "{out}");
    assert!(
        section[0].starts_with("  ✓ ボット: 動いています（プロセス 31337、1時間0分前に起動、心拍は"),
        "{out}"
    );
    assert_eq!(section[1], "  ✓ Discord との接続: つながっています（1時間0分前から）");
    assert!(
        section[2].starts_with("  ✗ 自動投稿: 10分前から確認していません"),
        "{out}"
    );
}

#[tokio::test]
async fn a_running_bot_is_healthy_until_its_gateway_is_gone_and_after_sigterm_is_stopped() {
    let workspace = Workspace::new();
    let discord = Discord::start().await;
    let mut bot = Bot::start(&workspace, &discord).await;

    // Connected: every fact holds, the heartbeat names this process.
    let run = health_until(&workspace, true, true, "✓ Discord との接続: つながっています").await;
    let out = run.stdout();
    assert!(
        out.contains(&format!("✓ ボット: 動いています（プロセス {}、", bot.pid())),
        "{out}"
    );
    assert!(out.contains("✓ 自動投稿: "), "{out}");
    assert_eq!(out.lines().count(), 4, "{out}");
    assert!(!out.contains('✗'), "{out}");

    // `/admin status` from Discord: the bot shows the same facts about itself.
    let sent = discord
        .inject_interaction(&InteractionSpec::command(
            "admin",
            vec![option::subcommand("status", vec![])],
            member_source(&discord, 7006, "課長", &[ADMIN_ROLE]),
        ))
        .await;
    let status = discord.next_callback(&sent, WAIT).await.data.to_string();
    assert!(status.contains("✓ Discord との接続: つながっています"), "{status}");
    assert!(
        status.contains(&format!("✓ ボット: 動いています（プロセス {}、", bot.pid())),
        "{status}"
    );

    // The gateway goes away for good: the bot stays up, health fails with or without --bot.
    assert!(discord.gateway_gone());
    let gone = Instant::now();
    let run = health_until(&workspace, true, false, "✗ Discord との接続: 切れています").await;
    assert!(run.stdout().contains("✓ ボット: 動いています"), "{}", run.stdout());
    let run = health(&workspace, false);
    assert_eq!(run.code(), Some(1), "{}", run.stdout());
    assert!(
        run.stdout().contains("✗ Discord との接続: 切れています"),
        "{}",
        run.stdout()
    );

    // It comes back: serenity identifies again and health passes again.
    let down_for = gone.elapsed();
    let identifies = discord.identifies().len();
    discord.gateway_back();
    let back = Instant::now();
    health_until(&workspace, true, true, "✓ Discord との接続: つながっています").await;
    eprintln!(
        "gateway gone: health failed after {down_for:?}; back: health passed after {:?}; {} connections refused",
        back.elapsed(),
        discord.gateway_stats().refused
    );
    assert!(discord.identifies().len() > identifies, "a new session");
    assert!(
        discord.gateway_stats().refused > 0,
        "reconnections were refused meanwhile"
    );

    // SIGTERM: a clean stop, marked in the heartbeat.
    bot.signal("TERM");
    let status = bot.wait_exit(WAIT).await;
    assert!(status.success(), "{status:?}\n{}", bot.log());
    let run = health(&workspace, true);
    assert_eq!(run.code(), Some(1));
    let out = run.stdout();
    assert!(
        out.contains("✗ ボット: 停止しています（")
            && out.contains("停止の指示（SIGTERM か Ctrl-C）で止まりました）。kyodo run で起動してください"),
        "{out}"
    );
    let out = health(&workspace, false).ok().stdout();
    assert!(out.contains("✓ ボット: 停止しています（"), "{out}");
    let beat = Store::open_read_only(&workspace.db())
        .expect("read")
        .heartbeat()
        .expect("heartbeat")
        .expect("written");
    assert_eq!(beat.pid, bot.pid());
    assert!(beat.stopped.as_ref().is_some_and(|s| s.asked), "{beat:?}");
    assert!(!beat.gateway.connected);
    discord.shutdown().await;
}
