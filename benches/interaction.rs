//! Benchmark: an interaction received by the stand-in's gateway → its callback received by the
//! stand-in's REST side, through the real serenity client in the release `kyodo run`, with 10
//! fiscal years × 20,000 records in the database; and the bot's resident memory, connected and
//! idle. Budgets (DESIGN.md): p99 < 5 ms, RSS < 30 MB.
//!
//!     cargo bench --bench interaction
//!
//! Prints figures; asserts nothing (budgets are read, not enforced, here).

#[path = "support/seed.rs"]
mod seed;
#[path = "../tests/support/mod.rs"]
#[allow(unused_imports)]
mod support;

use kyodo::domain::Catalogue;
use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::discord::payloads::{option, InteractionSpec};
use support::discord::{Config, Discord};

const YEARS: i32 = 10;
const PER_YEAR: usize = 20_000;
const INTERACTIONS: usize = 1_000;
const STAFF_ROLE: u64 = 1_201_234_567_890_000_001;

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name}: n={} p50={:.2} ms p90={:.2} ms p99={:.2} ms max={:.2} ms",
        samples.len(),
        ms(percentile(&samples, 0.50)),
        ms(percentile(&samples, 0.90)),
        ms(percentile(&samples, 0.99)),
        ms(percentile(&samples, 1.0)),
    );
}

struct Bot(Child);

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}

async fn run() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let catalogue =
        Catalogue::parse(&std::fs::read_to_string(repo.join("config/kyodo.toml")).expect("config")).expect("catalogue");
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bench.sqlite3");
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    let started = Instant::now();
    let seeded = seed::seed(&db, &catalogue, YEARS, PER_YEAR, today);
    println!(
        "seeded {seeded} records over {YEARS} fiscal years in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    // No OpenAPI validation here: it would time the stand-in, not the bot.
    let discord = Discord::start_with(Config {
        openapi_spec: None,
        ..Config::default()
    })
    .await;
    let child = Command::new(env!("CARGO_BIN_EXE_kyodo"))
        .arg("run")
        .current_dir(repo)
        .env("KYODO_DATABASE", &db)
        .env("DISCORD_TOKEN", discord.token())
        .env("KYODO_DISCORD_API", discord.base_url())
        .env("KYODO_GUILD_ID", discord.guild_id().to_string())
        .env("KYODO_STAFF_ROLE_ID", STAFF_ROLE.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start kyodo run");
    let pid = child.id();
    let _bot = Bot(child);
    discord
        .wait_for_requests("PUT", "/applications/*/guilds/*/commands", 1, Duration::from_secs(30))
        .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_before = rss_kib(pid);

    let user = support::discord::payloads::user(7001, "sato", Some("佐藤"), false);
    let source = support::discord::payloads::Source::Guild {
        guild_id: discord.guild_id(),
        channel_id: discord.channel_id(),
        member: support::discord::payloads::member(user, &[STAFF_ROLE], support::discord::payloads::perm::MEMBER),
        guild_locale: "ja".into(),
    };
    let report_spec = |i: usize| {
        let options = vec![option::subcommand(
            "meeting",
            vec![
                option::string("area", "東部"),
                option::string("district", "荒町"),
                option::string("topic", &format!("打合せ{i}")),
            ],
        )];
        InteractionSpec::command("report", options, source.clone())
    };
    let totals_spec = InteractionSpec::command("totals", Vec::<Value>::new(), source.clone());

    let run = |spec: InteractionSpec| {
        let discord = &discord;
        async move {
            let t0 = Instant::now();
            let sent = discord.inject_interaction(&spec).await;
            let callback = discord.next_callback(&sent, Duration::from_secs(10)).await;
            assert_eq!(callback.kind, 4, "{:?}", callback.data);
            t0.elapsed()
        }
    };
    for i in 0..50 {
        run(report_spec(100_000 + i)).await;
    }
    let mut reports = Vec::with_capacity(INTERACTIONS);
    for i in 0..INTERACTIONS {
        reports.push(run(report_spec(i)).await);
    }
    let mut totals = Vec::with_capacity(200);
    for _ in 0..200 {
        totals.push(run(totals_spec.clone()).await);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_after = rss_kib(pid);
    report("/report meeting (write + fiscal-year total)", reports);
    report("/totals (two periods over 20,000 records each)", totals);
    println!(
        "resident memory of kyodo run, connected and idle: {} KiB before, {} KiB after the interactions",
        idle_before.map_or("?".into(), |k| k.to_string()),
        idle_after.map_or("?".into(), |k| k.to_string())
    );
    discord.shutdown().await;
}
