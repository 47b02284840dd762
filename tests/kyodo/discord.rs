//! `kyodo run`, the real binary with the unmodified serenity client, against the local Discord
//! stand-in (tests/support/discord) in proxy mode: registration on READY, every `/report`
//! kind, refusals, replays, DMs and other servers, roles, autocomplete, the undo button, a
//! dropped gateway, 429s, 5xx on answers (retried, then a follow-up), an interaction serenity
//! cannot read, and a token that never reaches a log line. Every REST body the bot
//! sends is validated against Discord's OpenAPI description where one is available.

use crate::support::discord::payloads::{self, option, InteractionSpec, Source};
use crate::support::discord::{Discord, Failure, Injected};
use crate::support::Workspace;
use serde_json::{json, Value};
use std::io::Read;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(crate) const WAIT: Duration = Duration::from_secs(10);
const STAFF_ROLE: u64 = 1_201_234_567_890_000_001;
pub(crate) const ADMIN_ROLE: u64 = 1_201_234_567_890_000_002;

/// A running `kyodo run`, killed when dropped; its log is collected.
pub(crate) struct Bot {
    child: Child,
    log: Arc<Mutex<String>>,
}

impl Bot {
    pub(crate) async fn start(workspace: &Workspace, discord: &Discord) -> Bot {
        Bot::start_with_env(workspace, discord, &[]).await
    }

    /// `start`, with these environment variables set (after the defaults, so they win).
    pub(crate) async fn start_with_env(workspace: &Workspace, discord: &Discord, env: &[(&str, &str)]) -> Bot {
        let registrations = discord.requests_to("PUT", "/applications/*/guilds/*/commands").len();
        let mut child = workspace
            .command(&["run"])
            .env("DISCORD_TOKEN", discord.token())
            .env("KYODO_DISCORD_API", discord.base_url())
            .env("KYODO_GUILD_ID", discord.guild_id().to_string())
            .env("KYODO_REPORT_CHANNEL_ID", discord.channel_id().to_string())
            .env("KYODO_STAFF_ROLE_ID", STAFF_ROLE.to_string())
            .env("KYODO_ADMIN_ROLE_ID", ADMIN_ROLE.to_string())
            .env("RUST_LOG", "trace")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start kyodo run");
        let log = Arc::new(Mutex::new(String::new()));
        for stream in [
            child.stderr.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
            child.stdout.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let log = log.clone();
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut buf = [0u8; 8192];
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    log.lock().expect("log").push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            });
        }
        // Ready once this process has registered the commands (after its own READY).
        discord
            .wait_for_requests("PUT", "/applications/*/guilds/*/commands", registrations + 1, WAIT)
            .await;
        discord
            .wait_for_requests("PUT", "/applications/*/commands", registrations + 1, WAIT)
            .await;
        Bot { child, log }
    }

    /// The process id of `kyodo run`.
    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the bot logged so far, without the terminal colour codes.
    pub(crate) fn log(&self) -> String {
        let log = self.log.lock().expect("log").clone();
        let mut plain = String::with_capacity(log.len());
        let mut rest = log.as_str();
        while let Some(at) = rest.find("\x1b[") {
            plain.push_str(&rest[..at]);
            rest = &rest[at..];
            rest = rest.find('m').map_or("", |end| &rest[end + 1..]);
        }
        plain.push_str(rest);
        plain
    }

    /// Sends the process `signal` (`TERM`, `INT`) with kill(1), as `docker stop` or Ctrl-C would.
    pub(crate) fn signal(&self, signal: &str) {
        let status = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} failed");
    }

    /// Waits until the log contains `text`; panics after `timeout`.
    pub(crate) async fn wait_log(&self, text: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.log().contains(text) {
            assert!(
                Instant::now() < deadline,
                "no log line with {text:?} within {timeout:?}:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Waits for the process to exit; panics (the bot is killed on drop) if it is still running
    /// after `limit`. Returns its exit status.
    pub(crate) async fn wait_exit(&mut self, limit: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for kyodo run") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "kyodo run still running {limit:?} after the signal:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A member of the configured server with these roles.
pub(crate) fn member_source(discord: &Discord, user_id: u64, name: &str, roles: &[u64]) -> Source {
    let user = payloads::user(user_id, &format!("user{user_id}"), Some(name), false);
    Source::Guild {
        guild_id: discord.guild_id(),
        channel_id: discord.channel_id(),
        member: payloads::member(user, roles, payloads::perm::MEMBER),
        guild_locale: "ja".into(),
    }
}

pub(crate) fn staff(discord: &Discord, user_id: u64, name: &str) -> Source {
    member_source(discord, user_id, name, &[STAFF_ROLE])
}

pub(crate) fn report(sub: &str, options: Vec<Value>) -> Vec<Value> {
    vec![option::subcommand(sub, options)]
}

pub(crate) fn s(name: &str, value: &str) -> Value {
    option::string(name, value)
}

pub(crate) async fn send(discord: &Discord, name: &str, options: Vec<Value>, source: Source) -> (Injected, Value, u64) {
    let sent = discord
        .inject_interaction(&InteractionSpec::command(name, options, source))
        .await;
    let callback = discord.next_callback(&sent, WAIT).await;
    (sent, callback.data, callback.kind)
}

pub(crate) fn count(workspace: &Workspace, sql: &str) -> i64 {
    workspace.rows(sql)[0][0].parse().expect("a number")
}

#[tokio::test]
async fn registration_reports_refusals_and_replays() {
    let workspace = Workspace::new();
    let discord = Discord::start().await;
    let bot = Bot::start(&workspace, &discord).await;

    // READY: the guild's commands are overwritten with `kyodo commands --json`; global emptied.
    let expected: Value =
        serde_json::from_str(&workspace.kyodo(&["commands", "--json"]).ok().stdout()).expect("payload");
    let put = discord.requests_to("PUT", "/applications/*/guilds/*/commands");
    let _ = discord.wait_ready(WAIT).await;
    assert_eq!(put.len(), 1);
    assert_eq!(put[0].json.as_ref(), Some(&expected));
    assert_eq!(
        discord.requests_to("PUT", "/applications/*/commands")[0].json,
        Some(json!([]))
    );
    assert_eq!(discord.commands(Some(discord.guild_id())).len(), 8);
    let identify = &discord.identifies()[0];
    assert_eq!(
        identify["intents"]
            .as_u64()
            .map(|i| i & ((1 << 1) | (1 << 8) | (1 << 15))),
        Some(0),
        "no privileged intents"
    );

    // Every /report kind: one callback (type 4, public, with the undo button) and one row.
    let kinds: Vec<(&str, Vec<Value>)> = vec![
        (
            "meeting",
            vec![
                s("area", "東部"),
                s("district", "荒町"),
                s("date", "2026-06-15"),
                s("topic", "防災訓練の打合せ"),
            ],
        ),
        (
            "council",
            vec![s("kind", "総会"), s("status", "書面開催"), s("date", "R8.5.20")],
        ),
        (
            "consultation",
            vec![
                option::integer("count", 12),
                s("side", "したい側"),
                s("date", "2026-06-30"),
            ],
        ),
        ("match", vec![option::integer("count", 3), s("date", "2026-06-30")]),
        (
            "subsidy",
            vec![
                s("course", "チャレンジ"),
                s("group", "こもろ子ども食堂"),
                option::integer("amount", 200_000),
                s("status", "交付決定"),
                s("date", "2026-06-01"),
            ],
        ),
        (
            "participation",
            vec![
                s("method", "アンケート"),
                s("project", "公共交通の見直し"),
                s("date", "2026-07-15"),
            ],
        ),
        (
            "collab",
            vec![s("title", "ボランティア交流集会"), s("date", "2026-08-01")],
        ),
        ("info", vec![s("title", "補助金説明会"), s("date", "2026-04-20")]),
        (
            "publicity",
            vec![s("kind", "4コマ"), s("medium", "広報こもろ"), s("date", "2026-09-01")],
        ),
    ];
    for (i, (kind, options)) in kinds.into_iter().enumerate() {
        let (sent, data, callback) =
            send(&discord, "report", report(kind, options), staff(&discord, 7001, "佐藤")).await;
        assert_eq!(callback, 4, "{kind}");
        let id = i + 1;
        assert_eq!(data["flags"], 0, "{kind}: a report is public");
        let title = data["embeds"][0]["title"].as_str().unwrap_or_default();
        assert!(
            title.starts_with(&format!("記録しました（#{id}・令和8年度")),
            "{kind}: {title}"
        );
        assert_eq!(
            data["components"][0]["components"][0]["custom_id"],
            format!("undo:{id}")
        );
        let rows = workspace.rows(&format!(
            "SELECT record_type, source, source_id, reporter_name FROM records WHERE id = {id}"
        ));
        assert_eq!(
            rows,
            vec![vec![kind.to_string(), "discord".into(), sent.id.clone(), "佐藤".into()]]
        );
        assert_eq!(discord.callback_requests(&sent).len(), 1, "{kind}: answered once");
    }
    assert_eq!(count(&workspace, "SELECT COUNT(*) FROM records"), 9);

    // Refusals are ephemeral and store nothing.
    let refusals: Vec<(Vec<Value>, &str)> = vec![
        (
            report("meeting", vec![s("area", "川辺"), s("district", "荒町")]),
            "川辺地区に「荒町」区はありません",
        ),
        (
            // Discord's client keeps min_value 1; a crafted request is held to it by the bot.
            report("consultation", vec![option::integer("count", 0)]),
            "件数（count）: 1以上10,000以下で入力してください",
        ),
        (
            report(
                "subsidy",
                vec![
                    s("course", "ステップアップ"),
                    s("group", "A会"),
                    option::integer("amount", 150_001),
                    s("status", "交付決定"),
                ],
            ),
            "ステップアップコースの上限は150,000円です",
        ),
        (
            report(
                "subsidy",
                vec![
                    s("course", "チャレンジ"),
                    s("group", "こもろ子ども食堂"),
                    option::integer("amount", 1000),
                    s("status", "交付決定"),
                ],
            ),
            "すでに受けています",
        ),
        (
            report("collab", vec![s("title", "交流会"), s("date", "2099-01-01")]),
            "未来の日付",
        ),
    ];
    for (options, message) in refusals {
        let (_, data, callback) = send(&discord, "report", options, staff(&discord, 7001, "佐藤")).await;
        assert_eq!(callback, 4);
        assert_eq!(data["flags"], 64, "refusals are ephemeral: {data}");
        assert!(data["content"].as_str().unwrap_or_default().contains(message), "{data}");
    }
    assert_eq!(count(&workspace, "SELECT COUNT(*) FROM records"), 9);

    // A replayed INTERACTION_CREATE is not answered twice and stores nothing more.
    let (sent, _, _) = send(
        &discord,
        "report",
        report("match", vec![option::integer("count", 2)]),
        staff(&discord, 7001, "佐藤"),
    )
    .await;
    discord.dispatch("INTERACTION_CREATE", sent.payload.clone()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(discord.callback_requests(&sent).len(), 1);
    assert_eq!(count(&workspace, "SELECT COUNT(*) FROM records"), 10);

    // Even after a restart (no memory of it), the database stores it once.
    drop(bot);
    let bot = Bot::start(&workspace, &discord).await;
    discord.dispatch("INTERACTION_CREATE", sent.payload.clone()).await;
    discord
        .wait_for_requests("POST", &format!("/interactions/{}/*/callback", sent.id), 2, WAIT)
        .await;
    assert_eq!(count(&workspace, "SELECT COUNT(*) FROM records"), 10);

    // The token appears in no log line, even at trace level.
    let log = bot.log();
    assert!(
        log.contains("interaction answered") || log.contains("connected to Discord"),
        "the bot logs: {log}"
    );
    assert!(!log.contains(discord.token()), "the token was logged");
    drop(bot);
    discord.shutdown().await;
}

#[tokio::test]
async fn crafted_requests_are_refused_as_the_spec_says_and_display_names_are_cleaned() {
    let workspace = Workspace::new();
    let discord = Discord::start().await;
    let _bot = Bot::start(&workspace, &discord).await;

    // What Discord's client would not send (max_length, min/max, choices, required, unknown
    // options, control characters) is refused privately, in one message, and stores nothing.
    let crafted: Vec<(Vec<Value>, &str)> = vec![
        (
            report(
                "consultation",
                vec![option::integer("count", 1), s("note", &"長".repeat(6000))],
            ),
            "メモ（note）: 200文字までです（6000文字あります）。短くしてください",
        ),
        (
            report(
                "meeting",
                vec![s("area", "東部"), s("district", "荒町"), s("topic", "防災\u{0}訓練")],
            ),
            "内容（topic）: 3文字目に制御文字（U+0000）があります。使えません。その文字を消して入力し直してください",
        ),
        (
            report("info", vec![s("title", "学習会\n2回目")]),
            "名称（title）: 4文字目に改行（U+000A）があります。使えません。1行で入力してください",
        ),
        (
            report("consultation", vec![option::integer("count", 20_000)]),
            "件数（count）: 1以上10,000以下で入力してください",
        ),
        (
            report("meeting", vec![s("area", "北部"), s("district", "荒町")]),
            "地区（area）: 「北部」は選べません。選べるもの: 東南部、",
        ),
        (
            report("meeting", vec![s("area", "東部")]),
            "区（district）: 入力してください（必須）",
        ),
        (
            report("match", vec![option::integer("count", 1), s("color", "red")]),
            "/report match に「color」というオプションはありません",
        ),
        (
            report("collab", vec![s("title", "交流会"), s("date", &"1".repeat(41))]),
            "日付（date）: 40文字までです（41文字あります）",
        ),
    ];
    let answered = crafted.len();
    for (options, message) in crafted {
        let (sent, data, callback) = send(&discord, "report", options, staff(&discord, 7001, "佐藤")).await;
        assert_eq!((callback, data["flags"].clone()), (4, json!(64)), "ephemeral: {data}");
        let content = data["content"].as_str().unwrap_or_default();
        assert!(
            content.contains(message),
            "{message}
{content}"
        );
        assert!(
            content.chars().count() < 400,
            "a refusal does not repeat the value: {content}"
        );
        assert_eq!(discord.callback_requests(&sent).len(), 1);
    }
    assert_eq!(count(&workspace, "SELECT COUNT(*) FROM records"), 0);
    assert!(
        discord.requests_to("POST", "/webhooks/*/*").is_empty(),
        "no follow-up messages"
    );
    assert!(
        discord.channel_messages(discord.channel_id()).is_empty(),
        "nothing posted"
    );

    // A hostile nickname is stored normalised: no control characters, at most 64 characters.
    let nick = format!("\u{0}=1+2\u{202E}{}", "長".repeat(100));
    let mut source = staff(&discord, 7002, "佐藤");
    if let Source::Guild { member, .. } = &mut source {
        member["nick"] = json!(nick);
    }
    let (_, data, callback) = send(
        &discord,
        "report",
        report("match", vec![option::integer("count", 2), s("note", "か\u{3099}")]),
        source,
    )
    .await;
    assert_eq!((callback, data["flags"].clone()), (4, json!(0)), "{data}");
    let stored = workspace.rows("SELECT reporter_id, reporter_name, note FROM records");
    assert_eq!(
        stored,
        vec![vec![
            "7002".to_string(),
            format!("=1+2{}", "長".repeat(60)),
            "が".to_string()
        ]]
    );
    println!(
        "discord: {answered} crafted requests answered ephemerally, {} stored (the clean one)",
        stored.len()
    );
    discord.assert_no_violations();
}

#[tokio::test]
async fn places_and_roles_are_checked() {
    let workspace = Workspace::new();
    let discord = Discord::start().await;
    let _bot = Bot::start(&workspace, &discord).await;
    let meeting = || {
        report(
            "meeting",
            vec![s("area", "東部"), s("district", "荒町"), s("date", "2026-06-15")],
        )
    };

    let (_, data, _) = send(&discord, "report", meeting(), discord.dm_source(7002)).await;
    assert_eq!(data["flags"], 64);
    assert!(
        data["content"]
            .as_str()
            .unwrap_or_default()
            .contains("DM では使えません"),
        "{data}"
    );
    let other = Source::Guild {
        guild_id: discord.guild_id() + 10,
        channel_id: discord.channel_id() + 10,
        member: payloads::member(
            payloads::user(7003, "x", None, false),
            &[STAFF_ROLE],
            payloads::perm::MEMBER,
        ),
        guild_locale: "ja".into(),
    };
    let (_, data, _) = send(&discord, "report", meeting(), other).await;
    assert!(
        data["content"]
            .as_str()
            .unwrap_or_default()
            .contains("設定されたサーバーの中でだけ"),
        "{data}"
    );
    let (_, data, _) = send(
        &discord,
        "report",
        meeting(),
        member_source(&discord, 7004, "通りすがり", &[]),
    )
    .await;
    assert!(
        data["content"]
            .as_str()
            .unwrap_or_default()
            .contains("このコマンドを使えるのは職員だけです"),
        "{data}"
    );
    assert_eq!(count(&workspace, "SELECT COUNT(*) FROM records"), 0);

    // Reading needs no role.
    let (_, data, kind) = send(
        &discord,
        "totals",
        vec![],
        member_source(&discord, 7004, "通りすがり", &[]),
    )
    .await;
    assert_eq!(kind, 4);
    assert!(
        data["embeds"][0]["title"]
            .as_str()
            .unwrap_or_default()
            .contains("の累計"),
        "{data}"
    );

    // Staff report; another staff member may not delete it; an admin may.
    send(&discord, "report", meeting(), staff(&discord, 7001, "佐藤")).await;
    let delete = vec![option::subcommand("delete", vec![option::integer("id", 1)])];
    let (_, data, _) = send(&discord, "records", delete.clone(), staff(&discord, 7005, "田中")).await;
    assert!(
        data["content"]
            .as_str()
            .unwrap_or_default()
            .contains("佐藤さんの記録です"),
        "{data}"
    );
    assert_eq!(
        count(&workspace, "SELECT COUNT(*) FROM records WHERE deleted_at IS NULL"),
        1
    );
    let (_, data, _) = send(
        &discord,
        "records",
        delete,
        member_source(&discord, 7006, "課長", &[ADMIN_ROLE]),
    )
    .await;
    assert_eq!(data["flags"], 64);
    assert!(
        data["embeds"][0]["title"]
            .as_str()
            .unwrap_or_default()
            .contains("記録 #1 を削除しました"),
        "{data}"
    );
    assert_eq!(
        count(&workspace, "SELECT COUNT(*) FROM records WHERE deleted_at IS NULL"),
        0
    );
    assert_eq!(
        workspace.rows("SELECT actor_name FROM audit WHERE action = 'delete'"),
        vec![vec!["課長".to_string()]]
    );
    discord.shutdown().await;
}

#[tokio::test]
async fn a_meeting_moves_to_another_area_in_one_edit() {
    let workspace = Workspace::new();
    let discord = Discord::start().await;
    let _bot = Bot::start(&workspace, &discord).await;

    // The edit's field choices, as Discord shows them: Japanese names, `place` among them.
    let records = discord
        .commands(Some(discord.guild_id()))
        .into_iter()
        .find(|c| c["name"] == "records")
        .expect("/records registered");
    let edit = records["options"]
        .as_array()
        .and_then(|subs| subs.iter().find(|o| o["name"] == "edit"))
        .cloned()
        .expect("/records edit");
    let choices = edit["options"][1]["choices"].as_array().cloned().unwrap_or_default();
    assert!(
        choices.contains(&json!({ "name": "メモ（note）", "value": "note" })),
        "{choices:?}"
    );
    assert!(
        choices.contains(&json!({ "name": "場所（place）", "value": "place" })),
        "{choices:?}"
    );

    let meeting = vec![
        s("area", "東部"),
        s("district", "荒町"),
        s("date", "2026-06-15"),
        s("topic", "防災訓練の打合せ"),
    ];
    send(
        &discord,
        "report",
        report("meeting", meeting),
        staff(&discord, 7001, "佐藤"),
    )
    .await;
    let place = vec![option::subcommand(
        "edit",
        vec![option::integer("id", 1), s("field", "place"), s("value", "中部／本町")],
    )];
    let (_, data, kind) = send(&discord, "records", place, staff(&discord, 7001, "佐藤")).await;
    assert_eq!((kind, data["flags"].clone()), (4, json!(64)), "{data}");
    let embed = &data["embeds"][0];
    assert_eq!(embed["title"], "記録 #1 の場所（place）を直しました", "{data}");
    let text = embed["description"].as_str().unwrap_or_default();
    for line in [
        "前: 2026年6月15日（令和8年6月15日） ②区と地区担当職員との連携: 東部地区 荒町区「防災訓練の打合せ」",
        "後: 2026年6月15日（令和8年6月15日） ②区と地区担当職員との連携: 中部地区 本町区「防災訓練の打合せ」",
        "令和8年度の合計（②区と地区担当職員との連携）: 1回（中部地区 1回）",
    ] {
        assert!(text.contains(line), "{line} not in {text}");
    }
    assert_eq!(
        workspace.rows("SELECT area, district, topic FROM records"),
        vec![vec!["中部".to_string(), "本町".into(), "防災訓練の打合せ".into()]]
    );
    // One edit in the audit trail, with both fields before and after.
    let audit = workspace.rows("SELECT actor_name, before_json, after_json FROM audit WHERE action = 'edit'");
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0][0], "佐藤");
    assert!(audit[0][1].contains(r#""area":"東部","district":"荒町""#), "{audit:?}");
    assert!(audit[0][2].contains(r#""area":"中部","district":"本町""#), "{audit:?}");
    discord.assert_no_violations();
    discord.shutdown().await;
}

#[tokio::test]
async fn autocomplete_and_the_undo_button() {
    let workspace = Workspace::new();
    let discord = Discord::start().await;
    let _bot = Bot::start(&workspace, &discord).await;

    let suggest = |options: Vec<Value>| InteractionSpec::autocomplete("report", options, staff(&discord, 7001, "佐藤"));
    let sent = discord
        .inject_interaction(&suggest(report(
            "meeting",
            vec![s("area", "三岡"), option::focused("district", 3, "")],
        )))
        .await;
    let callback = discord.next_callback(&sent, WAIT).await;
    assert_eq!(callback.kind, 8);
    assert_eq!(
        callback.data["choices"],
        json!([{ "name": "市", "value": "市" }, { "name": "耳取", "value": "耳取" }, { "name": "森山", "value": "森山" }])
    );
    let sent = discord
        .inject_interaction(&suggest(report("meeting", vec![option::focused("district", 3, "")])))
        .await;
    let choices = discord.next_callback(&sent, WAIT).await.data["choices"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(choices.len(), 25, "68 districts, at most 25 suggestions");
    assert_eq!(choices[0], json!({ "name": "小原（東南部）", "value": "小原" }));

    let subsidy = report(
        "subsidy",
        vec![
            s("course", "チャレンジ"),
            s("group", "こもろ子ども食堂"),
            option::integer("amount", 0),
            s("status", "申請"),
            s("date", "2026-05-01"),
        ],
    );
    send(&discord, "report", subsidy, staff(&discord, 7001, "佐藤")).await;
    let sent = discord
        .inject_interaction(&suggest(report(
            "subsidy",
            vec![s("course", "ステップアップ"), option::focused("group", 3, "子ども")],
        )))
        .await;
    assert_eq!(
        discord.next_callback(&sent, WAIT).await.data["choices"],
        json!([{ "name": "こもろ子ども食堂", "value": "こもろ子ども食堂" }])
    );
    // Groups match by name key: a space of either width, as in /records history.
    for (command, sub, typed) in [
        ("report", "subsidy", "こもろ 子ども"),
        ("records", "history", "こもろ　子ども"),
    ] {
        let spec = InteractionSpec::autocomplete(
            command,
            report(sub, vec![option::focused("group", 3, typed)]),
            staff(&discord, 7001, "佐藤"),
        );
        let sent = discord.inject_interaction(&spec).await;
        assert_eq!(
            discord.next_callback(&sent, WAIT).await.data["choices"],
            json!([{ "name": "こもろ子ども食堂", "value": "こもろ子ども食堂" }]),
            "/{command} {sub} {typed}"
        );
    }

    // The undo button under a report: someone else is told politely; the reporter undoes it.
    let spec = InteractionSpec::command(
        "report",
        report("match", vec![option::integer("count", 4)]),
        staff(&discord, 7001, "佐藤"),
    );
    let sent = discord.inject_interaction(&spec).await;
    let reply = discord.next_callback(&sent, WAIT).await.data;
    let custom_id = reply["components"][0]["components"][0]["custom_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(custom_id, "undo:2");
    let message = spec.reply_message(
        discord.application_id(),
        discord.bot_user(),
        "",
        reply["components"].clone(),
    );
    let click = |user: Source| InteractionSpec::button(&custom_id, message.clone(), user);
    let sent = discord.inject_interaction(&click(staff(&discord, 7005, "田中"))).await;
    let callback = discord.next_callback(&sent, WAIT).await;
    assert_eq!((callback.kind, callback.data["flags"].clone()), (4, json!(64)));
    assert!(
        callback.data["content"]
            .as_str()
            .unwrap_or_default()
            .contains("報告した佐藤さんだけが使えます"),
        "{:?}",
        callback.data
    );
    assert_eq!(
        count(
            &workspace,
            "SELECT COUNT(*) FROM records WHERE id = 2 AND deleted_at IS NULL"
        ),
        1
    );
    let sent = discord.inject_interaction(&click(staff(&discord, 7001, "佐藤"))).await;
    let callback = discord.next_callback(&sent, WAIT).await;
    assert_eq!(callback.kind, 7, "the report's message is updated");
    assert_eq!(callback.data["components"], json!([]), "and loses its button");
    assert!(
        callback.data["content"]
            .as_str()
            .unwrap_or_default()
            .contains("報告 #2 を取り消しました"),
        "{:?}",
        callback.data
    );
    assert_eq!(
        count(
            &workspace,
            "SELECT COUNT(*) FROM records WHERE id = 2 AND deleted_at IS NOT NULL"
        ),
        1
    );
    assert_eq!(
        workspace.rows("SELECT action FROM audit WHERE record_id = 2 ORDER BY id"),
        vec![vec!["create".to_string()], vec!["undo".to_string()]]
    );
    discord.shutdown().await;
}

#[tokio::test]
async fn deferral_resume_and_rate_limits() {
    let workspace = Workspace::new();
    let discord = Discord::start().await;
    let _bot = Bot::start(&workspace, &discord).await;

    // The annual summary is deferred (type 5), then the original response is edited.
    let (sent, _, kind) = send(
        &discord,
        "summary",
        vec![option::subcommand("year", vec![s("fiscal_year", "2020")])],
        staff(&discord, 7001, "佐藤"),
    )
    .await;
    assert_eq!(kind, 5);
    discord
        .wait_for_request("PATCH", "/webhooks/*/*/messages/@original", WAIT)
        .await;
    let original = discord.original_message(&sent).expect("original response");
    let title = original["embeds"][0]["title"].as_str().unwrap_or_default().to_string();
    assert_eq!(title, "小諸市自治基本条例 実績（平成30年度から令和2年度）");
    let text = original.to_string();
    assert!(
        text.contains("役員会 年5回 新任区長研修会（中止） 総会（書面議決） 視察研修（中止） 全体研修会"),
        "{text}"
    );

    // The monthly digest comes with its chart; an export with its file, privately.
    let patches = |d: &Discord| d.requests_to("PATCH", "/webhooks/*/*/messages/@original");
    let before = patches(&discord).len();
    let (_, _, kind) = send(
        &discord,
        "summary",
        vec![option::subcommand("month", vec![s("month", "2026-10")])],
        staff(&discord, 7001, "佐藤"),
    )
    .await;
    assert_eq!(kind, 5);
    discord
        .wait_for_requests("PATCH", "/webhooks/*/*/messages/@original", before + 1, WAIT)
        .await;
    let patch = patches(&discord).pop().expect("the digest");
    assert_eq!(
        patch.files.iter().map(|f| f.filename.clone()).collect::<Vec<_>>(),
        ["kyodo-2026-10.png", "kyodo-2026-10-districts.png"]
    );
    assert!(patch.files.iter().all(|f| f.bytes.starts_with(b"\x89PNG")));
    let title = patch
        .json
        .as_ref()
        .map(|j| j["embeds"][0]["title"].clone())
        .unwrap_or_default();
    assert_eq!(title, "月次まとめ 2026年10月（令和8年度）");
    let (_, data, kind) = send(
        &discord,
        "records",
        vec![option::subcommand(
            "export",
            vec![s("from", "2026-04-01"), s("format", "csv")],
        )],
        staff(&discord, 7001, "佐藤"),
    )
    .await;
    assert_eq!(
        (kind, data["flags"].clone()),
        (5, json!(64)),
        "an export is deferred privately"
    );
    discord
        .wait_for_requests("PATCH", "/webhooks/*/*/messages/@original", before + 2, WAIT)
        .await;
    let patch = patches(&discord).pop().expect("the export");
    assert!(
        patch.files[0].filename.starts_with("kyodo-records-2026-04-01_"),
        "{:?}",
        patch.files[0].filename
    );
    assert!(patch.files[0].bytes.starts_with(b"\xEF\xBB\xBF"));

    // A dropped gateway: serenity resumes and the interaction sent meanwhile is answered.
    assert!(discord.drop_gateway());
    let spec = InteractionSpec::command(
        "report",
        report("match", vec![option::integer("count", 5), s("date", "2026-07-01")]),
        staff(&discord, 7001, "佐藤"),
    );
    let sent = discord.inject_interaction(&spec).await;
    let callback = discord.next_callback(&sent, WAIT).await;
    assert_eq!(callback.kind, 4);
    assert_eq!(discord.resumes().len(), 1, "resumed, not re-identified");
    assert_eq!(discord.identifies().len(), 1);
    assert_eq!(count(&workspace, "SELECT COUNT(*) FROM records"), 1);

    // 429 on the callback: the bot waits retry_after and answers once.
    discord.fail_next(
        "POST",
        "/interactions/*/*/callback",
        1,
        Failure::RateLimited {
            retry_after: 0.3,
            global: false,
        },
    );
    let started = Instant::now();
    let (sent, _, kind) = send(
        &discord,
        "report",
        report("match", vec![option::integer("count", 1)]),
        staff(&discord, 7001, "佐藤"),
    )
    .await;
    assert_eq!(kind, 4);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "retry_after was honoured"
    );
    let statuses: Vec<u16> = discord.callback_requests(&sent).iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![429, 204]);
    assert_eq!(count(&workspace, "SELECT COUNT(*) FROM records"), 2);

    // 429 twice on a follow-up (a private refusal after a public deferral): one follow-up.
    discord.fail_next(
        "POST",
        "/webhooks/*/*",
        2,
        Failure::RateLimited {
            retry_after: 0.2,
            global: false,
        },
    );
    let before = discord.requests_to("POST", "/webhooks/*/*").len();
    let (_, _, kind) = send(
        &discord,
        "summary",
        vec![option::subcommand("year", vec![s("fiscal_year", "2099")])],
        staff(&discord, 7001, "佐藤"),
    )
    .await;
    assert_eq!(kind, 5);
    discord
        .wait_for_requests("POST", "/webhooks/*/*", before + 3, WAIT)
        .await;
    let followups = discord.requests_to("POST", "/webhooks/*/*");
    let statuses: Vec<u16> = followups[before..].iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![429, 429, 200]);
    let last = followups.last().and_then(|r| r.json.clone()).unwrap_or_default();
    assert_eq!(last["flags"], 64);
    assert!(
        last["content"]
            .as_str()
            .unwrap_or_default()
            .contains("令和81年度はまだ始まっていません"),
        "{last}"
    );
    discord.shutdown().await;
}

#[tokio::test]
async fn the_running_bot_posts_the_digests_it_missed_when_it_starts() {
    let workspace = Workspace::new();
    {
        // The scheduler last started 40 days ago: at least one 1st-of-the-month 09:00 since.
        let mut store = kyodo::store::Store::open(&workspace.db()).expect("open");
        let then = chrono::Utc::now() - chrono::Duration::days(40);
        store
            .meta_or_insert("scheduler_first_run", &then.to_rfc3339())
            .expect("meta");
    }
    let discord = Discord::start().await;
    let _bot = Bot::start(&workspace, &discord).await;
    discord.wait_for_requests("POST", "/channels/*/messages", 1, WAIT).await;
    let posts = discord.requests_to("POST", "/channels/*/messages");
    let first = posts[0].json.clone().unwrap_or_default();
    assert!(
        first["embeds"][0]["title"]
            .as_str()
            .unwrap_or_default()
            .starts_with("月次まとめ"),
        "{first}"
    );
    assert_eq!(posts[0].files[0].filename.rsplit('.').next(), Some("png"));
    // Wait until every due post is recorded as posted, then compare with what arrived.
    let deadline = std::time::Instant::now() + WAIT;
    while count(&workspace, "SELECT COUNT(*) FROM post_runs WHERE status <> 'posted'") > 0
        || count(&workspace, "SELECT COUNT(*) FROM post_runs") == 0
    {
        assert!(std::time::Instant::now() < deadline, "posts not recorded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let recorded: i64 = workspace
        .rows("SELECT message_ids FROM post_runs")
        .iter()
        .map(|r| serde_json::from_str::<Vec<String>>(&r[0]).map_or(0, |ids| ids.len() as i64))
        .sum();
    assert_eq!(discord.channel_messages(discord.channel_id()).len() as i64, recorded);
    discord.shutdown().await;
}

/// Long enough for the answer retries' backoff (2 s, then 4 s) on a loaded machine.
const RETRIES: Duration = Duration::from_secs(30);

#[tokio::test]
async fn failed_answers_are_retried_then_followed_up() {
    let workspace = Workspace::new();
    let discord = Discord::start().await;
    let _bot = Bot::start(&workspace, &discord).await;
    let month = || vec![option::subcommand("month", vec![s("month", "2026-10")])];
    let statuses = |requests: Vec<crate::support::discord::RecordedRequest>| -> Vec<u16> {
        requests.iter().map(|r| r.status).collect()
    };

    // One 500 on the edit of the deferred reply: the edit is tried again and the reply, no
    // longer "thinking", is the digest with its chart.
    discord.fail_next("PATCH", "/webhooks/*/*/messages/@original", 1, Failure::ServerError);
    let (sent, _, kind) = send(&discord, "summary", month(), staff(&discord, 7001, "佐藤")).await;
    assert_eq!(kind, 5);
    let edits = format!("/webhooks/*/{}/messages/@original", sent.token);
    discord.wait_for_requests("PATCH", &edits, 2, RETRIES).await;
    assert_eq!(statuses(discord.requests_to("PATCH", &edits)), vec![500, 200]);
    let original = discord.original_message(&sent).expect("the reply");
    assert_eq!(original["embeds"][0]["title"], "月次まとめ 2026年10月（令和8年度）");
    assert_eq!(original["flags"].as_u64().map(|f| f & 128), Some(0), "not thinking");
    assert_eq!(original["attachments"][0]["filename"], "kyodo-2026-10.png");

    // A 500 on every edit: after the last try the answer comes as a follow-up message.
    discord.fail_next("PATCH", "/webhooks/*/*/messages/@original", 100, Failure::ServerError);
    let (sent, _, kind) = send(&discord, "summary", month(), staff(&discord, 7001, "佐藤")).await;
    assert_eq!(kind, 5);
    let follow_up = discord
        .wait_for_request("POST", &format!("/webhooks/*/{}", sent.token), RETRIES)
        .await;
    let edits = format!("/webhooks/*/{}/messages/@original", sent.token);
    assert_eq!(statuses(discord.requests_to("PATCH", &edits)), vec![500, 500, 500]);
    assert_eq!(follow_up.status, 200);
    let body = follow_up.json.clone().unwrap_or_default();
    assert_eq!(body["embeds"][0]["title"], "月次まとめ 2026年10月（令和8年度）");
    assert_eq!(follow_up.files[0].filename, "kyodo-2026-10.png");

    // A 500 on the callback of a report: tried again, answered once, stored once.
    discord.fail_next("POST", "/interactions/*/*/callback", 1, Failure::ServerError);
    let (sent, data, kind) = send(
        &discord,
        "report",
        report("match", vec![option::integer("count", 2)]),
        staff(&discord, 7001, "佐藤"),
    )
    .await;
    assert_eq!(kind, 4);
    assert!(
        data["embeds"][0]["title"]
            .as_str()
            .unwrap_or_default()
            .starts_with("記録しました（#1・"),
        "{data}"
    );
    assert_eq!(statuses(discord.callback_requests(&sent)), vec![500, 204]);
    assert_eq!(count(&workspace, "SELECT COUNT(*) FROM records"), 1);
    discord.shutdown().await;
}

#[tokio::test]
async fn an_unreadable_interaction_is_logged_and_answered() {
    let workspace = Workspace::new();
    let discord = Discord::start().await;
    let bot = Bot::start(&workspace, &discord).await;
    let spec = InteractionSpec::command(
        "report",
        report("match", vec![option::integer("count", 1)]),
        staff(&discord, 7001, "佐藤"),
    );
    // `data` is not an object: serenity cannot read the interaction.
    let sent = discord
        .inject_interaction_with(&spec, |payload| payload["data"] = json!("壊れた"))
        .await;
    let callback = discord.next_callback(&sent, WAIT).await;
    assert_eq!((callback.kind, callback.data["flags"].clone()), (4, json!(64)));
    let content = callback.data["content"].as_str().unwrap_or_default();
    assert!(content.contains("読み取れませんでした"), "{content}");
    assert!(content.contains("何も記録していません"), "{content}");
    bot.wait_log(&format!("interaction={}", sent.id), WAIT).await;
    let log = bot.log();
    let line = log
        .lines()
        .find(|l| l.contains(&format!("interaction={}", sent.id)))
        .unwrap_or_default();
    assert!(line.contains("WARN") && line.contains("kind=2"), "{line}");
    eprintln!("the warning: {line}");
    assert!(!log.contains(&sent.token), "the interaction's token was logged:\n{log}");
    assert_eq!(count(&workspace, "SELECT COUNT(*) FROM records"), 0);
    discord.shutdown().await;
}

#[tokio::test]
async fn a_long_list_turns_its_pages_with_buttons() {
    let workspace = Workspace::new();
    let discord = Discord::start().await;
    let _bot = Bot::start(&workspace, &discord).await;
    for day in 1..=12 {
        let options = report(
            "match",
            vec![option::integer("count", 1), s("date", &format!("2026-05-{day:02}"))],
        );
        send(&discord, "report", options, staff(&discord, 7001, "佐藤")).await;
    }
    // Issue 15, item 13: before, ten records in entry order and no way to the rest.
    let spec = InteractionSpec::command("records", report("mine", vec![]), staff(&discord, 7001, "佐藤"));
    let sent = discord.inject_interaction(&spec).await;
    let reply = discord.next_callback(&sent, WAIT).await.data;
    let first_page = reply.to_string();
    assert!(first_page.contains("2026年5月12日"), "newest date first: {first_page}");
    assert!(first_page.contains("1/2ページ（全12件中 1〜10件目）"), "{first_page}");
    let next = reply["components"][0]["components"][0].clone();
    assert_eq!(
        (next["label"].clone(), next["custom_id"].clone()),
        (json!("次の10件"), json!("page:2:mine"))
    );
    let message = spec.reply_message(
        discord.application_id(),
        discord.bot_user(),
        "",
        reply["components"].clone(),
    );
    let press = InteractionSpec::button("page:2:mine", message, staff(&discord, 7001, "佐藤"));
    let sent = discord.inject_interaction(&press).await;
    let callback = discord.next_callback(&sent, WAIT).await;
    assert_eq!(callback.kind, 7, "the list's message shows the next page");
    let second_page = callback.data.to_string();
    assert!(
        second_page.contains("2/2ページ（全12件中 11〜12件目）"),
        "{second_page}"
    );
    assert!(second_page.contains("2026年5月1日"), "{second_page}");
    assert_eq!(
        callback.data["components"][0]["components"][0]["custom_id"],
        json!("page:1:mine"),
        "and a button back"
    );
    // /records list suggests the districts of the area chosen, as /report does.
    let sent = discord
        .inject_interaction(&InteractionSpec::autocomplete(
            "records",
            report("list", vec![s("area", "三岡"), option::focused("district", 3, "")]),
            staff(&discord, 7001, "佐藤"),
        ))
        .await;
    assert_eq!(
        discord.next_callback(&sent, WAIT).await.data["choices"],
        json!([{ "name": "市", "value": "市" }, { "name": "耳取", "value": "耳取" }, { "name": "森山", "value": "森山" }])
    );
    discord.assert_no_violations();
    discord.shutdown().await;
}
