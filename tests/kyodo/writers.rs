//! Two writers at once, with real processes on one SQLite file: two `kyodo console`s, an import
//! while a console writes, and `kyodo run` answering Discord while a console and an import
//! write. Every write waits for the others (BEGIN IMMEDIATE under the busy timeout): every
//! report answered as stored is stored, and nobody reads 「内部エラー」. Two consoles granting
//! the same groups grant each once (the rule holds in the write's transaction); a writer kept
//! waiting past the busy timeout is told so in Japanese and writes nothing.

use crate::discord::{report, s, staff, Bot, WAIT};
use crate::support::discord::payloads::InteractionSpec;
use crate::support::discord::{Discord, Injected};
use crate::support::Workspace;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc;

/// `kyodo console --user USER --role staff`, started, with its input and output piped (and
/// its log if `log`: then it must be read, or the console stops when the pipe is full).
fn console(workspace: &Workspace, user: &str, log: bool) -> Child {
    workspace
        .command(&["console", "--user", user, "--role", "staff"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(if log { Stdio::piped() } else { Stdio::null() })
        .spawn()
        .expect("start kyodo console")
}

/// `kyodo import --file FILE`, started.
fn import(workspace: &Workspace, file: &str) -> Child {
    workspace
        .command(&["import", "--file", file, "--user", "取り込み"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kyodo import")
}

/// `n` `/report` lines, each told apart by its note.
fn reports(who: &str, n: usize) -> String {
    (0..n)
        .map(|i| format!("/report consultation count:1 date:2026-06-01 note:{who}-{i}\n"))
        .collect()
}

/// A CSV with the export's headers: `n` distinct meetings.
fn csv(workspace: &Workspace, name: &str, n: usize) -> String {
    let mut text = String::from("日付,種類,地区,区,内容\n");
    for i in 0..n {
        text.push_str(&format!("2026-07-{:02},meeting,東部,荒町,取り込み{i}\n", i % 28 + 1));
    }
    let path = workspace.path(name);
    std::fs::write(&path, text).expect("write csv");
    path.display().to_string()
}

/// How many replies in a console's output say the report was stored, and the lines that were
/// refused or failed.
fn console_replies(stdout: &str) -> (usize, Vec<&str>) {
    let stored = stdout.lines().filter(|l| l.starts_with("記録しました（#")).count();
    let failed = stdout.lines().filter(|l| l.starts_with('✗')).collect();
    (stored, failed)
}

fn count(workspace: &Workspace, sql: &str) -> usize {
    workspace.rows(sql)[0][0].parse().expect("a number")
}

/// Creates and migrates the database, so that the writers below only write records.
fn prepared() -> Workspace {
    let workspace = Workspace::new();
    workspace.console(&["--user", "準備"], "").ok();
    workspace
}

/// Every record has its create line in the audit trail: nothing is half-written.
fn assert_whole(workspace: &Workspace) {
    assert_eq!(
        count(
            workspace,
            "SELECT COUNT(*) FROM records r WHERE NOT EXISTS \
             (SELECT 1 FROM audit a WHERE a.record_id = r.id AND a.action = 'create')"
        ),
        0,
        "records without their audit line"
    );
}

#[test]
fn two_consoles_at_once_store_all_their_reports() {
    let workspace = prepared();
    let mut children: Vec<(String, Child)> = ["佐藤", "鈴木"]
        .into_iter()
        .map(|user| (user.to_string(), console(&workspace, user, true)))
        .collect();
    // Both scripts are in the pipes before either console has read a line.
    for (user, child) in &mut children {
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(reports(user, 200).as_bytes()).expect("write script");
    }
    let outputs: Vec<(String, std::process::Output)> = children
        .into_iter()
        .map(|(user, child)| (user, child.wait_with_output().expect("run console")))
        .collect();
    let stored = count(&workspace, "SELECT COUNT(*) FROM records");
    let answered: Vec<(usize, usize)> = outputs
        .iter()
        .map(|(_, output)| {
            let stdout = String::from_utf8_lossy(&output.stdout);
            let (stored, failed) = console_replies(&stdout);
            (stored, failed.len())
        })
        .collect();
    println!(
        "two consoles × 200: 記録しました {} + {}, refused or failed {} + {}, stored {stored}/400",
        answered[0].0, answered[1].0, answered[0].1, answered[1].1
    );
    for ((user, output), (acknowledged, failed)) in outputs.iter().zip(&answered) {
        assert_eq!(
            *failed,
            0,
            "{user}: lines failed\nstderr:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            output.status.success(),
            "{user}: the console exited with {:?}",
            output.status
        );
        assert_eq!(*acknowledged, 200, "{user}: replies that say 記録しました");
        assert_eq!(
            count(
                &workspace,
                &format!("SELECT COUNT(*) FROM records WHERE reporter_name = '{user}'")
            ),
            200,
            "{user}'s records"
        );
    }
    assert_eq!(stored, 400);
    assert_whole(&workspace);
}

/// A console fed one line at a time, each after the reply to the one before, so that it goes
/// on writing for as long as the test likes.
struct PacedConsole {
    child: Child,
    stdin: ChildStdin,
    /// One message per reply: its title line.
    replies: mpsc::Receiver<String>,
    fed: usize,
    titles: Vec<String>,
}

impl PacedConsole {
    fn start(workspace: &Workspace, user: &str) -> PacedConsole {
        let mut child = console(workspace, user, false);
        let stdin = child.stdin.take().expect("stdin");
        let stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let (tx, replies) = mpsc::channel();
        std::thread::spawn(move || {
            // Each reply starts with the echoed line, then its title.
            let mut title_next = false;
            for line in stdout.lines() {
                let Ok(line) = line else { break };
                if title_next && tx.send(line.clone()).is_err() {
                    break;
                }
                title_next = line.starts_with("> ");
            }
        });
        PacedConsole {
            child,
            stdin,
            replies,
            fed: 0,
            titles: Vec::new(),
        }
    }

    /// Sends one report and waits for its reply.
    fn report(&mut self) {
        let line = format!("/report consultation count:1 date:2026-06-01 note:paced-{}\n", self.fed);
        self.stdin.write_all(line.as_bytes()).expect("write a line");
        self.fed += 1;
        let title = self.replies.recv().expect("the console's reply");
        self.titles.push(title);
    }

    /// Closes its input and waits for it to end; the titles of every reply.
    fn finish(self) -> (std::process::ExitStatus, Vec<String>) {
        drop(self.stdin);
        let mut child = self.child;
        let status = child.wait().expect("console ends");
        (status, self.titles)
    }
}

#[test]
fn an_import_while_a_console_writes_stores_every_row_and_every_report() {
    let workspace = prepared();
    let file = csv(&workspace, "rows.csv", 500);
    let mut console = PacedConsole::start(&workspace, "佐藤");
    for _ in 0..20 {
        console.report();
    }
    // The console writes for the import's whole life, and at least 200 reports.
    let importing = import(&workspace, &file);
    let import_done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let waiter = {
        let done = import_done.clone();
        std::thread::spawn(move || {
            let output = importing.wait_with_output().expect("run import");
            done.store(true, std::sync::atomic::Ordering::SeqCst);
            output
        })
    };
    while console.fed < 200 || !import_done.load(std::sync::atomic::Ordering::SeqCst) {
        console.report();
    }
    let output = waiter.join().expect("import thread");
    let (status, titles) = console.finish();
    let reports = titles.len();
    let acknowledged = titles.iter().filter(|t| t.starts_with("記録しました（#")).count();
    let failed: Vec<&String> = titles.iter().filter(|t| t.starts_with('✗')).collect();
    let stored = count(&workspace, "SELECT COUNT(*) FROM records");
    let imported = count(&workspace, "SELECT COUNT(*) FROM records WHERE source = 'import'");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!(
        "import of 500 during {reports} console reports: import {} (stored {imported}/500), \
         console 記録しました {acknowledged}/{reports}, stored {stored}/{}",
        if output.status.success() { "ok" } else { "failed" },
        500 + reports
    );
    assert!(
        output.status.success() && stdout.contains("500 行を取り込みました: 新しい記録 500件"),
        "the import failed:\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        failed.is_empty(),
        "{} console lines failed, e.g. {:?}",
        failed.len(),
        failed.first()
    );
    assert!(status.success(), "the console exited with {status:?}");
    assert_eq!(acknowledged, reports);
    assert!(reports >= 200);
    assert_eq!(imported, 500);
    assert_eq!(stored, 500 + reports);
    assert_whole(&workspace);
}

/// The title of the reply that ends `sent`: the callback's, or the deferred response's edit.
async fn final_title(discord: &Discord, sent: &Injected) -> String {
    let callback = discord.next_callback(sent, WAIT).await;
    let message = if callback.kind == 5 {
        discord
            .wait_for_request("PATCH", &format!("/webhooks/*/{}/messages/@original", sent.token), WAIT)
            .await;
        discord.original_message(sent).expect("the edited response")
    } else {
        callback.data
    };
    let title = message["embeds"][0]["title"].as_str().or(message["content"].as_str());
    title.unwrap_or_default().to_string()
}

#[tokio::test]
async fn the_bot_a_console_and_an_import_at_once_store_everything_they_answer() {
    let workspace = prepared();
    let file = csv(&workspace, "rows.csv", 300);
    let discord = Discord::start().await;
    let bot = Bot::start(&workspace, &discord).await;

    // The console's 200 reports and the import start together, then 100 reports from Discord.
    let mut admin = console(&workspace, "鈴木", true);
    let mut stdin = admin.stdin.take().expect("stdin");
    stdin.write_all(reports("鈴木", 200).as_bytes()).expect("write script");
    drop(stdin);
    let admin = std::thread::spawn(move || admin.wait_with_output().expect("run console"));
    let importing = import(&workspace, &file);
    let importing = std::thread::spawn(move || importing.wait_with_output().expect("run import"));
    let mut sent = Vec::new();
    for i in 0..100 {
        let options = report(
            "meeting",
            vec![
                s("area", "東部"),
                s("district", "荒町"),
                s("date", "2026-06-15"),
                s("topic", &format!("Discord-{i}")),
            ],
        );
        let spec = InteractionSpec::command("report", options, staff(&discord, 7001, "佐藤"));
        sent.push(discord.inject_interaction(&spec).await);
    }
    let mut titles = Vec::new();
    for interaction in &sent {
        titles.push(final_title(&discord, interaction).await);
    }
    let admin = admin.join().expect("console thread");
    let importing = importing.join().expect("import thread");

    let answered_stored = titles.iter().filter(|t| t.starts_with("記録しました（#")).count();
    let internal = titles.iter().filter(|t| t.contains("内部エラー")).count();
    let missing: Vec<&str> = sent
        .iter()
        .zip(&titles)
        .filter(|(_, t)| t.starts_with("記録しました（#"))
        .filter(|(i, _)| {
            count(
                &workspace,
                &format!(
                    "SELECT COUNT(*) FROM records WHERE source = 'discord' AND source_id = '{}'",
                    i.id
                ),
            ) != 1
        })
        .map(|(i, _)| i.id.as_str())
        .collect();
    let console_out = String::from_utf8_lossy(&admin.stdout).into_owned();
    let (console_stored, console_failed) = console_replies(&console_out);
    let import_out = String::from_utf8_lossy(&importing.stdout).into_owned();
    let import_err = String::from_utf8_lossy(&importing.stderr).into_owned();
    let stored = count(&workspace, "SELECT COUNT(*) FROM records");
    println!(
        "run + console + import: Discord 記録しました {answered_stored}/100 (内部エラー {internal}, \
         answered but not stored {}), console 記録しました {console_stored}/200, import {}, stored {stored}/600",
        missing.len(),
        if importing.status.success() { "ok" } else { "failed" },
    );
    assert!(missing.is_empty(), "answered as stored but not stored: {missing:?}");
    assert_eq!(internal, 0, "replies: {titles:?}");
    assert_eq!(answered_stored, 100, "replies: {titles:?}");
    assert!(
        console_failed.is_empty() && admin.status.success(),
        "console lines failed: {:?}",
        console_failed.first()
    );
    assert_eq!(console_stored, 200);
    assert!(
        importing.status.success() && import_out.contains("300 行を取り込みました: 新しい記録 300件"),
        "the import failed:\nstdout:\n{import_out}\nstderr:\n{import_err}"
    );
    assert_eq!(stored, 600);
    assert_whole(&workspace);
    let log = bot.log();
    assert!(!log.contains("command failed"), "the bot logged a failed command");
    drop(bot);
    discord.shutdown().await;
}

#[test]
fn two_consoles_granting_the_same_groups_grant_each_group_once() {
    let workspace = prepared();
    let grants: String = (0..100)
        .map(|i| {
            format!("/report subsidy course:チャレンジ group:団体{i} amount:100000 status:交付決定 date:2026-06-01\n")
        })
        .collect();
    let mut children: Vec<Child> = ["佐藤", "鈴木"]
        .into_iter()
        .map(|user| console(&workspace, user, true))
        .collect();
    for child in &mut children {
        let mut stdin = child.stdin.take().expect("stdin");
        stdin.write_all(grants.as_bytes()).expect("write script");
    }
    let outputs: Vec<String> = children
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().expect("run console");
            String::from_utf8_lossy(&output.stdout).into_owned()
        })
        .collect();
    let granted: usize = outputs.iter().map(|out| console_replies(out).0).sum();
    let failed: Vec<&str> = outputs.iter().flat_map(|out| console_replies(out).1).collect();
    let refused = failed.iter().filter(|l| l.contains("すでに受けています")).count();
    let stored = count(&workspace, "SELECT COUNT(*) FROM records WHERE record_type = 'subsidy'");
    let twice = count(
        &workspace,
        "SELECT COUNT(*) FROM (SELECT group_name FROM records WHERE record_type = 'subsidy' \
         AND deleted_at IS NULL GROUP BY course, group_name HAVING COUNT(*) > 1)",
    );
    println!(
        "two consoles × the same 100 grants: 記録しました {granted}, refused as granted {refused}, \
         other failures {}, stored {stored}/100, groups granted twice {twice}",
        failed.len() - refused
    );
    assert_eq!(twice, 0, "groups granted twice");
    assert_eq!(stored, 100);
    assert_eq!(granted, 100);
    assert_eq!(refused, 100, "every other line is the one-grant refusal: {failed:?}");
    assert_eq!(failed.len(), 100);
    assert_whole(&workspace);
}

/// The message of `store::Error::Busy`, as every adapter shows it.
const BUSY: &str = "ほかの操作がデータベースに書き込んでいるため、5秒待っても書き込めませんでした。少し待ってからもう一度試してください（記録は変更されていません）";

#[test]
fn a_writer_kept_waiting_past_the_timeout_is_told_so_in_japanese_and_nothing_changes() {
    use kyodo::commands::{self, Invocation, OptionValue, Request, Roles};
    use kyodo::domain::record::{Actor, Source, SourceKind};
    use kyodo::render::reply::Outcome;
    let workspace = prepared();
    let file = csv(&workspace, "rows.csv", 10);
    let mut app = kyodo::app::App::start(
        &crate::support::repo().join(kyodo::config::DEFAULT_CONFIG),
        &workspace.db(),
        chrono::Utc::now(),
    )
    .expect("start");
    // Another writer takes the write lock and keeps it for longer than the busy timeout.
    let other = rusqlite::Connection::open(workspace.db()).expect("open");
    other.execute_batch("BEGIN IMMEDIATE").expect("take the write lock");

    let importing = import(&workspace, &file);
    let invocation = Invocation::new("report", Some("consultation"))
        .with("count", OptionValue::Integer(1))
        .with("date", OptionValue::String("2026-06-01".into()));
    let request = Request {
        user: Actor {
            id: "console:佐藤".into(),
            name: "佐藤".into(),
        },
        roles: Roles {
            staff: true,
            admin: false,
        },
        guild_id: None,
        channel_id: None,
        source: Source {
            kind: SourceKind::Console,
            id: "busy-1".into(),
            origin: None,
        },
        now: chrono::Utc::now(),
        invocation,
    };
    let reply = commands::handle(&mut app, &request);
    let imported = importing.wait_with_output().expect("run import");
    other.execute_batch("ROLLBACK").expect("release the lock");

    // /report (the console and Discord): the reply says why and what to do, not 内部エラー.
    assert_eq!(reply.outcome, Outcome::Failed);
    assert_eq!(reply.title, BUSY);
    // kyodo import: the same words, and nothing imported.
    assert_eq!(imported.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&imported.stderr);
    assert_eq!(
        stderr.lines().last(),
        Some(format!("エラー: {BUSY}").as_str()),
        "{stderr}"
    );
    assert!(!stderr.contains("locked") && !stderr.contains("Error code"), "{stderr}");
    assert_eq!(count(&workspace, "SELECT COUNT(*) FROM records"), 0);
    assert_eq!(count(&workspace, "SELECT COUNT(*) FROM audit"), 0);

    // Once the other writer is done, the same report is stored.
    let reply = commands::handle(&mut app, &request);
    assert_eq!(reply.outcome, Outcome::Done, "{}", reply.title);
    assert_eq!(count(&workspace, "SELECT COUNT(*) FROM records"), 1);
}
