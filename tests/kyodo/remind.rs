//! The monthly reminder, end to end.
//!
//! The reminder is posted by the scheduler with an injected clock to the local Discord stand-in
//! through the bot's real REST client: on the 25th and not before, exactly once per month and
//! channel across restarts, after downtime only the current month's, with the liaison officers
//! mentioned through `allowed_mentions` (validated against the vendored OpenAPI description
//! and Discord's documented rule) and one who turned mentions off (`/remind off`, through the
//! same core the Discord adapter calls) not mentioned from the next post on. `kyodo remind`
//! shows and posts it.

use crate::support::discord::{Config, Discord};
use crate::support::{jst, repo, Workspace, QUICK};
use chrono::{DateTime, NaiveDate, Utc};
use kyodo::app::App;
use kyodo::commands::{self, Invocation, Request, Roles};
use kyodo::discord::rest::{Proxy, Rest};
use kyodo::domain::record::{Actor, Column, Facts, Source, SourceKind};
use kyodo::domain::RecordType;
use kyodo::domain::YearMonth;
use kyodo::render::reply::Outcome;
use kyodo::scheduler::post::{run_due, Posted};
use kyodo::scheduler::Job;
use kyodo::store::{PostKind, PostStatus};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Mutex;

/// The liaison officers the test's config names: 東部 and 中部 share one, 川辺 has its own.
const EAST_AND_CENTRE: &str = "3001";
const RIVERSIDE: &str = "3002";

fn month(y: i32, m: u32) -> YearMonth {
    YearMonth::new(y, m).expect("month")
}

/// The shipped config with liaison officers for three areas, in the workspace.
fn config_with_liaisons(workspace: &Workspace) -> PathBuf {
    let shipped = std::fs::read_to_string(repo().join("config/kyodo.toml")).expect("config");
    let mut text = shipped;
    for (area, id) in [
        ("東部", EAST_AND_CENTRE),
        ("中部", EAST_AND_CENTRE),
        ("川辺", RIVERSIDE),
    ] {
        let name = format!("name = \"{area}\"\n");
        assert_eq!(text.matches(&name).count(), 1);
        text = text.replacen(&name, &format!("{name}liaison = \"{id}\"\n"), 1);
    }
    let path = workspace.path("kyodo.toml");
    std::fs::write(&path, text).expect("write config");
    std::fs::write(
        workspace.path("baseline.toml"),
        std::fs::read_to_string(repo().join("config/baseline.toml")).expect("baseline"),
    )
    .expect("write baseline");
    path
}

/// Every district of every area met on 2 October 2026 but for 東部 (none this month) and
/// 川辺's 氷 (last met in December 2025); a consultation in October (monthly), no matching.
fn seed(workspace: &Workspace, config: &std::path::Path) {
    let catalogue = kyodo::config::load(config).expect("config").catalogue;
    let mut records = Vec::new();
    for area in &catalogue.areas {
        for district in &area.districts {
            let date = match (area.name.as_str(), district.as_str()) {
                ("東部", _) => NaiveDate::from_ymd_opt(2026, 9, 3),
                ("川辺", "氷") => NaiveDate::from_ymd_opt(2025, 12, 1),
                _ => NaiveDate::from_ymd_opt(2026, 10, 2),
            }
            .expect("date");
            let facts = Facts::new(RecordType::of("meeting"))
                .text_of(Column::Area, &area.name)
                .text_of(Column::District, district);
            records.push((date, facts));
        }
    }
    records.push((
        NaiveDate::from_ymd_opt(2026, 10, 9).expect("date"),
        Facts::new(RecordType::of("consultation")).number_of(Column::Count, 12),
    ));
    crate::support::seed(&workspace.db(), records);
}

struct Setup {
    workspace: Workspace,
    config: PathBuf,
    discord: Discord,
    rest: Rest,
}

impl Setup {
    async fn new() -> Setup {
        let workspace = Workspace::new();
        let config = config_with_liaisons(&workspace);
        seed(&workspace, &config);
        let discord = Discord::start_with(Config::default()).await;
        let rest = Rest::Proxy(Proxy::new(discord.base_url(), discord.token()));
        Setup {
            workspace,
            config,
            discord,
            rest,
        }
    }

    fn app(&self, now: DateTime<Utc>) -> Mutex<App> {
        Mutex::new(App::start(&self.config, &self.workspace.db(), now).expect("start"))
    }

    /// One pass of the scheduler at `now`, as after a (re)start.
    async fn run(&self, now: DateTime<Utc>) -> Vec<Job> {
        let app = self.app(now);
        let outcomes = run_due(&app, &self.rest, self.discord.channel_id(), QUICK, &|| now, &|| false)
            .await
            .expect("run_due");
        for (job, outcome) in &outcomes {
            assert!(matches!(outcome, Ok(Posted::Sent(_))), "{job:?}: {outcome:?}");
        }
        outcomes.into_iter().map(|(job, _)| job).collect()
    }

    /// The bodies the bot sent to the channel, oldest first.
    fn posted(&self) -> Vec<Value> {
        self.discord
            .requests_to("POST", "/channels/*/messages")
            .into_iter()
            .filter_map(|r| r.json)
            .collect()
    }

    /// `/remind off` or `on` typed by the Discord user `user`, through the commands' core.
    fn remind(&self, user: &str, subcommand: &str, now: DateTime<Utc>) {
        let mut app = App::start(&self.config, &self.workspace.db(), now).expect("start");
        let request = Request {
            user: Actor {
                id: user.into(),
                name: "担当".into(),
            },
            roles: Roles::default(),
            guild_id: Some(self.discord.guild_id().to_string()),
            channel_id: Some(self.discord.channel_id().to_string()),
            source: Source {
                kind: SourceKind::Discord,
                id: format!("{user}-{subcommand}-{}", now.timestamp()),
                origin: None,
            },
            now,
            invocation: Invocation::new("remind", Some(subcommand)),
        };
        let reply = commands::handle(&mut app, &request);
        assert_eq!(reply.outcome, Outcome::Done, "{}", reply.title);
    }
}

/// The users a body pings: its `allowed_mentions.users`, each of which its content mentions.
fn pinged(body: &Value) -> Vec<String> {
    assert_eq!(
        body["allowed_mentions"]["parse"],
        json!([]),
        "nothing pings by parsing: {body}"
    );
    let users: Vec<String> = body["allowed_mentions"]["users"]
        .as_array()
        .map(|u| u.iter().filter_map(|v| v.as_str().map(String::from)).collect())
        .unwrap_or_default();
    let content = body["content"].as_str().unwrap_or_default();
    for user in &users {
        assert!(
            content.contains(&format!("<@{user}>")),
            "{user} allowed but not in the content: {body}"
        );
    }
    // Every mention in the content is allowed; no mention hides in an embed.
    for piece in content.split("<@").skip(1) {
        let id: String = piece.chars().take_while(char::is_ascii_digit).collect();
        assert!(users.contains(&id), "<@{id}> in the content but not allowed: {body}");
    }
    assert!(
        !body["embeds"].to_string().contains("<@"),
        "a mention in an embed: {body}"
    );
    users
}

#[tokio::test]
async fn the_reminder_is_posted_on_the_25th_once_mentioning_the_liaisons() {
    let s = Setup::new().await;
    assert!(
        s.run(jst(2026, 10, 20, 10, 0, 0)).await.is_empty(),
        "first run: nothing due"
    );
    assert!(s.run(jst(2026, 10, 25, 8, 59, 59)).await.is_empty(), "not before 09:00");
    assert_eq!(
        s.run(jst(2026, 10, 25, 9, 0, 0)).await,
        vec![Job::Remind(month(2026, 10))]
    );
    // A restart at 09:00:30, and the next day: nothing more.
    assert!(s.run(jst(2026, 10, 25, 9, 0, 30)).await.is_empty());
    assert!(s.run(jst(2026, 10, 26, 9, 0, 0)).await.is_empty());
    let posted = s.posted();
    assert_eq!(posted.len(), 1);
    let body = &posted[0];
    assert_eq!(
        (body["nonce"].clone(), body["enforce_nonce"].clone()),
        (json!("kyodo-r-2026-10-0"), json!(true))
    );
    // The liaisons of 東部 (no meeting in October; shared with 中部, which had them all) and
    // 川辺 (氷 not met for six months), each once with their areas.
    assert_eq!(pinged(body), vec![EAST_AND_CENTRE.to_string(), RIVERSIDE.to_string()]);
    assert_eq!(
        body["content"],
        format!("<@{EAST_AND_CENTRE}> 担当: 東部地区\n<@{RIVERSIDE}> 担当: 川辺地区")
    );
    let embed = &body["embeds"][0];
    assert_eq!(embed["title"], "リマインド 2026年10月（令和8年度）");
    assert_eq!(
        embed["description"],
        "2026年10月25日までの記録で、2026年10月にまだないものです"
    );
    let fields: Vec<(String, String)> = embed["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap_or_default().to_string(),
                f["value"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        fields[..3],
        [
            (
                "2026年10月に地区連携の記録がない地区（1/10）".to_string(),
                "東部地区".to_string()
            ),
            (
                "6か月以上地区連携の記録がない区（古い順）".to_string(),
                "川辺地区 氷区: 最後は2025年12月1日".to_string()
            ),
            (
                "毎月の報告で2026年10月の記録がまだないもの".to_string(),
                "マッチング（/report match）".to_string()
            ),
        ]
    );
    let run = s
        .workspace
        .rows("SELECT kind, period, status FROM post_runs ORDER BY kind, period");
    assert_eq!(run, vec![vec!["remind".to_string(), "2026-10".into(), "posted".into()]]);
    s.discord.shutdown().await;
}

#[tokio::test]
async fn one_who_turned_mentions_off_is_not_mentioned_from_the_next_post_on() {
    let s = Setup::new().await;
    assert!(s.run(jst(2026, 10, 20, 10, 0, 0)).await.is_empty());
    // 川辺's liaison turns mentions off before the 25th: honoured at once.
    s.remind(RIVERSIDE, "off", jst(2026, 10, 24, 17, 0, 0));
    assert_eq!(
        s.run(jst(2026, 10, 25, 9, 0, 0)).await,
        vec![Job::Remind(month(2026, 10))]
    );
    let body = &s.posted()[0];
    assert_eq!(pinged(body), vec![EAST_AND_CENTRE.to_string()]);
    assert!(!body.to_string().contains(RIVERSIDE), "not named at all: {body}");
    // Off for the next month too (the digest of October goes out on the 1st meanwhile); on
    // again before December's.
    assert_eq!(
        s.run(jst(2026, 11, 25, 9, 0, 0)).await,
        vec![Job::Digest(month(2026, 10)), Job::Remind(month(2026, 11))]
    );
    let november = s.posted().pop().expect("posted");
    assert!(!pinged(&november).contains(&RIVERSIDE.to_string()));
    s.remind(RIVERSIDE, "on", jst(2026, 12, 1, 8, 0, 0));
    assert_eq!(
        s.run(jst(2026, 12, 25, 9, 0, 0)).await,
        vec![Job::Digest(month(2026, 11)), Job::Remind(month(2026, 12))]
    );
    let december = s.posted().pop().expect("posted");
    assert_eq!(
        pinged(&december),
        vec![EAST_AND_CENTRE.to_string(), RIVERSIDE.to_string()]
    );
    s.discord.shutdown().await;
}

#[tokio::test]
async fn after_downtime_only_the_current_months_reminder_is_posted() {
    let s = Setup::new().await;
    assert!(s.run(jst(2026, 10, 20, 10, 0, 0)).await.is_empty());
    // Down from 20 October to 3 November: October's digest goes out late, October's reminder
    // does not.
    assert_eq!(
        s.run(jst(2026, 11, 3, 8, 0, 0)).await,
        vec![Job::Digest(month(2026, 10))]
    );
    // Down over the 25th of November until the 27th: November's reminder, once.
    assert_eq!(
        s.run(jst(2026, 11, 27, 12, 0, 0)).await,
        vec![Job::Remind(month(2026, 11))]
    );
    // Down from 28 November to 27 January: the digests of November and December, and only
    // January's reminder — December's is not sent late.
    assert_eq!(
        s.run(jst(2027, 1, 27, 12, 0, 0)).await,
        vec![
            Job::Digest(month(2026, 11)),
            Job::Digest(month(2026, 12)),
            Job::Remind(month(2027, 1))
        ]
    );
    assert!(s.run(jst(2027, 1, 27, 12, 5, 0)).await.is_empty());
    let runs = s
        .workspace
        .rows("SELECT kind, period FROM post_runs WHERE status = 'posted' ORDER BY kind, period");
    let runs: Vec<(String, String)> = runs.into_iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    let pair = |k: &str, p: &str| (k.to_string(), p.to_string());
    assert_eq!(
        runs,
        vec![
            pair("digest", "2026-10"),
            pair("digest", "2026-11"),
            pair("digest", "2026-12"),
            pair("remind", "2026-11"),
            pair("remind", "2027-01"),
        ]
    );
    {
        let app = s.app(jst(2027, 1, 27, 12, 5, 0));
        let store = &app.lock().expect("app").store;
        assert_eq!(
            store
                .post_run(PostKind::Remind, "2026-10", &s.discord.channel_id().to_string())
                .expect("read"),
            None
        );
        assert_eq!(
            store
                .post_run(PostKind::Remind, "2027-01", &s.discord.channel_id().to_string())
                .expect("read")
                .map(|r| r.status),
            Some(PostStatus::Posted)
        );
    }
    s.discord.shutdown().await;
}

#[test]
fn the_validator_knows_discords_allowed_mentions_rule() {
    let path = Config::default().openapi_spec.expect("vendored description");
    let spec = crate::support::discord::openapi::Spec::load(&path);
    let route = "/channels/1201234567890123456/messages";
    let ok = json!({ "content": "<@3001> x", "allowed_mentions": { "parse": [], "users": ["3001"] } });
    assert!(spec.check_request("POST", route, "application/json", &ok).is_ok());
    for broken in [
        json!({ "content": "<@3001> x", "allowed_mentions": { "parse": ["users"], "users": ["3001"] } }),
        json!({ "content": "<@3001> x", "allowed_mentions": { "parse": [], "users": [3001] } }),
        json!({ "content": "<@3001> x", "allowed_mentions": { "parse": [], "users": ["@tanaka"] } }),
    ] {
        assert!(
            spec.check_request("POST", route, "application/json", &broken).is_err(),
            "{broken}"
        );
    }
}

#[test]
fn kyodo_remind_shows_a_month_and_refuses_one_to_come() {
    let workspace = Workspace::new();
    let config = config_with_liaisons(&workspace);
    seed(&workspace, &config);
    let config = config.display().to_string();
    let run = workspace
        .kyodo(&["--config", &config, "remind", "--month", "2026-10"])
        .ok();
    let out = run.stdout();
    assert!(
        out.starts_with("リマインド 2026年10月（令和8年度）\n2026年10月の記録で、なかったものです\n"),
        "{out}"
    );
    assert!(
        out.contains("■ 2026年10月に地区連携の記録がない地区（1/10）\n  東部地区\n"),
        "{out}"
    );
    assert!(out.contains("  川辺地区 氷区: 最後は2025年12月1日\n"), "{out}");
    assert!(
        out.ends_with(&format!(
            "<@{EAST_AND_CENTRE}> 担当: 東部地区\n<@{RIVERSIDE}> 担当: 川辺地区\n"
        )),
        "{out}"
    );
    let run = workspace.kyodo(&["--config", &config, "remind", "--month", "2099-01"]);
    assert_eq!(run.code(), Some(1));
    assert!(run.stderr().contains("2099年1月はまだ来ていません"), "{}", run.stderr());
    let run = workspace.kyodo(&["--config", &config, "remind", "--month", "2020-10"]);
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stderr()
            .contains("令和2年度は年度の合計（基準データ）しかないため、リマインドは作れません"),
        "{}",
        run.stderr()
    );
}

#[tokio::test]
async fn kyodo_remind_posts_once_through_the_stand_in() {
    let workspace = Workspace::new();
    let config = config_with_liaisons(&workspace);
    seed(&workspace, &config);
    let discord = Discord::start_with(Config::default()).await;
    let config = config.display().to_string();
    // The binary runs off the runtime's thread, which serves the stand-in meanwhile.
    let post = || {
        let mut command = workspace.command(&["--config", &config, "remind", "--month", "2026-10", "--post"]);
        command
            .env("DISCORD_TOKEN", discord.token())
            .env("KYODO_DISCORD_API", discord.base_url())
            .env("KYODO_GUILD_ID", discord.guild_id().to_string())
            .env("KYODO_REPORT_CHANNEL_ID", discord.channel_id().to_string());
        tokio::task::spawn_blocking(move || crate::support::Run(command.output().expect("run kyodo")))
    };
    let first = post().await.expect("ran").ok();
    assert_eq!(
        first.stdout().trim(),
        "2026年10月のリマインドを投稿しました（メッセージ 1件）"
    );
    let again = post().await.expect("ran").ok();
    assert_eq!(
        again.stdout().trim(),
        "2026年10月のリマインドはすでに投稿済みです（二重には投稿しません）"
    );
    let posted: Vec<Value> = discord
        .requests_to("POST", "/channels/*/messages")
        .into_iter()
        .filter_map(|r| r.json)
        .collect();
    assert_eq!(posted.len(), 1);
    assert_eq!(
        pinged(&posted[0]),
        vec![EAST_AND_CENTRE.to_string(), RIVERSIDE.to_string()]
    );
    discord.shutdown().await;
}

#[test]
fn the_digest_lists_the_reminders_stale_districts_and_draws_their_heat_map() {
    let workspace = Workspace::new();
    let config = config_with_liaisons(&workspace);
    seed(&workspace, &config);
    let config = config.display().to_string();
    let heatmap = workspace.path("districts.png");
    let run = workspace
        .kyodo(&[
            "--config",
            &config,
            "digest",
            "--month",
            "2026-10",
            "--heatmap",
            &heatmap.display().to_string(),
        ])
        .ok();
    let out = run.stdout();
    // The same section as the reminder's, under the digest's figures: 氷 last met in December.
    assert!(
        out.contains("■ 6か月以上地区連携の記録がない区（古い順）\n  川辺地区 氷区: 最後は2025年12月1日\n"),
        "{out}"
    );
    assert!(out.contains("区×月: 区ごと月ごとの地区連携の数（添付の画像）"), "{out}");
    assert!(out.contains("区×月のヒートマップを"), "{out}");
    let png = std::fs::read(&heatmap).expect("heat map written");
    let decoder = png::Decoder::new(std::io::Cursor::new(png));
    let info = decoder.read_info().expect("a PNG").info().clone();
    // One row per area and district (10 + 68) under the title and the header.
    assert!(info.height > 78 * 20, "{} pixels high", info.height);
    assert!(info.width > info.height / 4, "{} pixels wide", info.width);
}
