//! The monthly digest and the annual summary, posted by the scheduler with an injected clock
//! to the local Discord stand-in through the bot's real REST client (proxy mode): on time and
//! not before, exactly once across restarts, crashes, 429s and 5xx, split within Discord's
//! limits, with the chart and the Excel-ready files attached.

use crate::support::discord::{Config, Discord, Failure};
use crate::support::{jst, repo, Workspace, QUICK};
use chrono::{DateTime, NaiveDate, Utc};
use kyodo::app::App;
use kyodo::discord::rest::{Proxy, Rest};
use kyodo::domain::record::{Column, Facts};
use kyodo::domain::RecordType;
use kyodo::domain::YearMonth;
use kyodo::scheduler::post::{post_job, retry_failed, run_due, Posted, Retry};
use kyodo::scheduler::Job;
use kyodo::store::{PostKind, PostStatus};
use serde_json::{json, Value};
use std::path::Path;
use std::sync::Mutex;

fn seed(db: &Path) {
    let date = |m, d| NaiveDate::from_ymd_opt(2026, m, d).expect("date");
    let facts = [
        (
            date(6, 15),
            Facts::new(RecordType::of("meeting"))
                .text_of(Column::Area, "東部")
                .text_of(Column::District, "荒町"),
        ),
        (
            date(10, 2),
            Facts::new(RecordType::of("meeting"))
                .text_of(Column::Area, "川辺")
                .text_of(Column::District, "氷"),
        ),
        (
            date(10, 9),
            Facts::new(RecordType::of("consultation")).number_of(Column::Count, 12),
        ),
        (
            date(7, 1),
            Facts::new(RecordType::of("subsidy"))
                .text_of(Column::Course, "チャレンジ")
                .text_of(Column::Group, "A会")
                .number_of(Column::Amount, 180_000)
                .text_of(Column::Status, "交付決定"),
        ),
    ];
    crate::support::seed(db, facts);
}

struct Setup {
    workspace: Workspace,
    discord: Discord,
    rest: Rest,
}

impl Setup {
    async fn new() -> Setup {
        let workspace = Workspace::new();
        seed(&workspace.db());
        let discord = Discord::start_with(Config::default()).await;
        let rest = Rest::Proxy(Proxy::new(discord.base_url(), discord.token()));
        Setup {
            workspace,
            discord,
            rest,
        }
    }

    /// A fresh start of the bot's core on the same database and config (a restart).
    fn app(&self, config: &Path, now: DateTime<Utc>) -> Mutex<App> {
        Mutex::new(App::start(config, &self.workspace.db(), now).expect("start"))
    }

    fn channel(&self) -> u64 {
        self.discord.channel_id()
    }

    fn messages(&self) -> Vec<Value> {
        self.discord.channel_messages(self.channel())
    }

    async fn run(
        &self,
        config: &Path,
        now: DateTime<Utc>,
        retry: Retry,
    ) -> Vec<(Job, Result<Posted, kyodo::scheduler::post::PostError>)> {
        let app = self.app(config, now);
        run_due(&app, &self.rest, self.channel(), retry, &|| now, &|| false)
            .await
            .expect("run_due")
    }
}

fn komoro() -> std::path::PathBuf {
    repo().join("config/kyodo.toml")
}

fn october() -> Job {
    Job::Digest(YearMonth::new(2026, 10).expect("month"))
}

#[tokio::test]
async fn the_digest_is_posted_at_nine_on_the_first_and_only_once() {
    let s = Setup::new().await;
    // The scheduler first runs on 20 October: nothing is due.
    assert!(s.run(&komoro(), jst(2026, 10, 20, 10, 0, 0), QUICK).await.is_empty());
    assert!(
        s.run(&komoro(), jst(2026, 11, 1, 8, 59, 59), QUICK).await.is_empty(),
        "not before 09:00"
    );
    let outcomes = s.run(&komoro(), jst(2026, 11, 1, 9, 0, 0), QUICK).await;
    assert_eq!(outcomes.len(), 1);
    assert_eq!(outcomes[0].0, october());
    assert!(matches!(&outcomes[0].1, Ok(Posted::Sent(ids)) if ids.len() == 1));
    // A restart at 09:00:30 posts nothing more.
    assert!(s.run(&komoro(), jst(2026, 11, 1, 9, 0, 30), QUICK).await.is_empty());
    let messages = s.messages();
    assert_eq!(messages.len(), 1);
    let embed = &messages[0]["embeds"][0];
    assert_eq!(embed["title"], "月次まとめ 2026年10月（令和8年度）");
    let text = messages[0].to_string();
    assert!(
        text.contains("②区と地区担当職員との連携: 10月 1回 ／ 年度累計 2回"),
        "{text}"
    );
    assert!(text.contains("③相談数: 10月 12件 ／ 年度累計 12件"), "{text}");
    // The chart goes with the message: a PNG of the size the renderer states.
    let posts = s.discord.requests_to("POST", "/channels/*/messages");
    assert_eq!(posts.len(), 1);
    let file = &posts[0].files[0];
    assert_eq!(file.filename, "kyodo-2026-10.png");
    let decoder = png::Decoder::new(std::io::Cursor::new(file.bytes.clone()));
    let info = decoder.read_info().expect("a PNG").info().clone();
    assert_eq!(
        (info.width, info.height),
        (kyodo::render::chart::WIDTH, kyodo::render::chart::HEIGHT)
    );
    let body = posts[0].json.clone().unwrap_or_default();
    assert_eq!(
        (body["nonce"].clone(), body["enforce_nonce"].clone()),
        (json!("kyodo-d-2026-10-0"), json!(true))
    );
    s.discord.shutdown().await;
}

#[tokio::test]
async fn a_digest_missed_while_down_is_posted_once_on_start() {
    let s = Setup::new().await;
    assert!(s.run(&komoro(), jst(2026, 10, 28, 17, 0, 0), QUICK).await.is_empty());
    // Down from the 28th to the 3rd: on start, the digest due on the 1st goes out once.
    let outcomes = s.run(&komoro(), jst(2026, 11, 3, 8, 15, 0), QUICK).await;
    assert_eq!(
        outcomes.iter().map(|(job, _)| *job).collect::<Vec<_>>(),
        vec![october()]
    );
    assert!(s.run(&komoro(), jst(2026, 11, 3, 8, 16, 0), QUICK).await.is_empty());
    assert_eq!(s.messages().len(), 1);
    s.discord.shutdown().await;
}

#[tokio::test]
async fn rate_limits_server_errors_and_retry() {
    let s = Setup::new().await;
    assert!(s.run(&komoro(), jst(2026, 10, 20, 10, 0, 0), QUICK).await.is_empty());
    // 429 then success: one message, after waiting retry_after.
    s.discord.fail_next(
        "POST",
        "/channels/*/messages",
        1,
        Failure::RateLimited {
            retry_after: 0.2,
            global: false,
        },
    );
    let outcomes = s.run(&komoro(), jst(2026, 11, 1, 9, 0, 0), QUICK).await;
    assert!(matches!(outcomes[0].1, Ok(Posted::Sent(_))));
    let statuses: Vec<u16> = s
        .discord
        .requests_to("POST", "/channels/*/messages")
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, vec![429, 200]);
    assert_eq!(s.messages().len(), 1);

    // 500 three times: recorded as failed, nothing posted, not tried again by the scheduler.
    s.discord
        .fail_next("POST", "/channels/*/messages", 3, Failure::ServerError);
    let outcomes = s.run(&komoro(), jst(2026, 12, 1, 9, 0, 0), QUICK).await;
    let error = outcomes[0]
        .1
        .as_ref()
        .err()
        .map(ToString::to_string)
        .unwrap_or_default();
    assert!(
        error.starts_with("2026年11月の月次まとめの投稿に失敗しました（3回試しました）"),
        "{error}"
    );
    assert_eq!(s.messages().len(), 1);
    let app = s.app(&komoro(), jst(2026, 12, 1, 9, 5, 0));
    let run = app
        .lock()
        .expect("app")
        .store
        .post_run(PostKind::Digest, "2026-11", &s.channel().to_string())
        .expect("run");
    assert_eq!(run.map(|r| (r.status, r.attempts)), Some((PostStatus::Failed, 1)));
    assert!(
        s.run(&komoro(), jst(2026, 12, 1, 9, 10, 0), QUICK).await.is_empty(),
        "a failed post waits for --retry"
    );

    // --retry posts it once; a second --retry finds nothing to do.
    let outcomes = retry_failed(&app, &s.rest, QUICK, &|| jst(2026, 12, 1, 9, 20, 0))
        .await
        .expect("retry");
    assert!(matches!(outcomes.as_slice(), [(_, Ok(Posted::Sent(_)))]));
    assert!(retry_failed(&app, &s.rest, QUICK, &|| jst(2026, 12, 1, 9, 21, 0))
        .await
        .expect("retry")
        .is_empty());
    assert_eq!(s.messages().len(), 2);
    s.discord.shutdown().await;
}

#[tokio::test]
async fn a_crash_between_sending_and_recording_makes_no_second_message() {
    let s = Setup::new().await;
    let now = jst(2026, 11, 1, 9, 0, 0);
    let app = s.app(&komoro(), now);
    // The bot recorded the run as pending and sent the message, then died before recording it.
    let (bodies, files) = {
        let mut app = app.lock().expect("app");
        app.store
            .begin_post(
                PostKind::Digest,
                "2026-10",
                &s.channel().to_string(),
                &october().nonce(),
                now,
            )
            .expect("begin");
        kyodo::scheduler::post::content(&app, october(), app.today(now)).expect("content")
    };
    let mut first = bodies[0].clone();
    first["nonce"] = json!("kyodo-d-2026-10-0");
    first["enforce_nonce"] = json!(true);
    s.rest
        .create_message(s.channel(), &first, &[])
        .await
        .expect("sent before the crash");
    drop(files);
    drop(app);
    // On restart the pending run is posted again with the same nonce: Discord returns the
    // message already created.
    let app = s.app(&komoro(), now);
    let outcome = post_job(&app, &s.rest, s.channel(), october(), QUICK, &|| now)
        .await
        .expect("post");
    assert!(matches!(outcome, Posted::Sent(_)));
    assert_eq!(
        s.discord.requests_to("POST", "/channels/*/messages").len(),
        2,
        "sent twice"
    );
    assert_eq!(s.messages().len(), 1, "one message");
    let run = app
        .lock()
        .expect("app")
        .store
        .post_run(PostKind::Digest, "2026-10", &s.channel().to_string())
        .expect("run");
    assert_eq!(run.map(|r| r.status), Some(PostStatus::Posted));
    s.discord.shutdown().await;
}

#[tokio::test]
async fn a_long_digest_is_split_in_order_within_discords_limits() {
    let s = Setup::new().await;
    // A city with many long-named districts: the list of districts without a meeting is long.
    let dir = s.workspace.path("config");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let mut config = std::fs::read_to_string(komoro()).expect("config");
    let extra: Vec<String> = (0..300)
        .map(|i| format!("\"とても長い名前の新しい区その{i:03}\""))
        .collect();
    config = config.replacen("\"諏訪山\"]", &format!("\"諏訪山\", {}]", extra.join(", ")), 1);
    std::fs::write(dir.join("kyodo.toml"), config).expect("write");
    std::fs::copy(repo().join("config/baseline.toml"), dir.join("baseline.toml")).expect("baseline");
    let config = dir.join("kyodo.toml");
    assert!(s.run(&config, jst(2026, 10, 20, 10, 0, 0), QUICK).await.is_empty());
    let outcomes = s.run(&config, jst(2026, 11, 1, 9, 0, 0), QUICK).await;
    let Ok(Posted::Sent(ids)) = &outcomes[0].1 else {
        panic!("{:?}", outcomes[0].1)
    };
    assert!(ids.len() >= 2, "split over {} messages", ids.len());
    let posts = s.discord.requests_to("POST", "/channels/*/messages");
    let mut all = String::new();
    for (i, post) in posts.iter().enumerate() {
        let body = post.json.clone().unwrap_or_default();
        assert_eq!(body["nonce"], json!(format!("kyodo-d-2026-10-{i}")), "in order");
        assert_eq!(
            post.files.len(),
            if i == 0 { 2 } else { 0 },
            "the chart and the heat map go with the first message"
        );
        let embeds = body["embeds"].as_array().cloned().unwrap_or_default();
        assert!(embeds.len() <= 10);
        let mut total = 0;
        for e in &embeds {
            let len = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
            assert!(len(&e["description"]) <= 4096);
            let fields = e["fields"].as_array().cloned().unwrap_or_default();
            assert!(fields.len() <= 25);
            total += len(&e["title"]) + len(&e["description"]);
            for f in fields {
                assert!(len(&f["value"]) <= 1024 && len(&f["name"]) <= 256);
                total += len(&f["value"]) + len(&f["name"]);
            }
        }
        assert!(total <= 6000, "{total} characters in message {i}");
        all.push_str(&body.to_string());
    }
    for i in 0..300 {
        assert!(
            all.contains(&format!("とても長い名前の新しい区その{i:03}")),
            "district {i} lost"
        );
    }
    s.discord.shutdown().await;
}

#[tokio::test]
async fn the_annual_summary_is_posted_in_april_with_excel_ready_files() {
    let s = Setup::new().await;
    assert!(s.run(&komoro(), jst(2027, 3, 20, 10, 0, 0), QUICK).await.is_empty());
    let outcomes = s.run(&komoro(), jst(2027, 4, 10, 9, 0, 0), QUICK).await;
    let jobs: Vec<String> = outcomes.iter().map(|(job, _)| job.label()).collect();
    assert_eq!(jobs, vec!["2027年3月の月次まとめ", "令和8年度の年次報告"]);
    assert!(outcomes.iter().all(|(_, o)| matches!(o, Ok(Posted::Sent(_)))));
    let posts = s.discord.requests_to("POST", "/channels/*/messages");
    let annual = posts
        .iter()
        .find(|p| p.files.len() == 3)
        .expect("the annual summary's message");
    let names: Vec<&str> = annual.files.iter().map(|f| f.filename.as_str()).collect();
    assert_eq!(
        names,
        [
            "kyodo-annual-2026.md",
            "kyodo-annual-2026.csv",
            "kyodo-annual-2026.xlsx"
        ]
    );
    let csv = &annual.files[1].bytes;
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "UTF-8 with BOM for Excel");
    let text = String::from_utf8_lossy(&csv[3..]).to_string();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.expect("row").iter().map(str::to_string).collect())
        .collect();
    let row = rows
        .iter()
        .find(|r| r.first().map(String::as_str) == Some("令和8年度") && r.len() == 4)
        .expect("FY2026 row of ①②");
    assert_eq!(row[2], "東南部0回 東部1回 中部0回 西部0回 北大井0回");
    assert_eq!(row[3], "大里0回 三岡0回 西小諸0回 南大井0回 川辺1回");
    let subsidy = rows
        .iter()
        .find(|r| r.first().map(String::as_str) == Some("令和8年度") && r.get(1).is_some_and(|c| c.contains("180,000")))
        .expect("FY2026 subsidy row");
    assert_eq!(subsidy[1], "180,000 (180,000・0)");
    // The XLSX opens and holds the same figures.
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(annual.files[2].bytes.clone())).expect("an XLSX");
    let found = book.sheet_names().iter().any(|name| {
        book.worksheet_range(name)
            .map(|range| range.rows().any(|r| r.iter().any(|c| *c == "180,000 (180,000・0)")))
            .unwrap_or(false)
    });
    assert!(found, "the subsidy figures are in the workbook");
    s.discord.shutdown().await;
}
