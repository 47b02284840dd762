//! Benchmark: every dashboard page (and its downloads) served by the real `kyodo web` over
//! HTTP/1 on 127.0.0.1, signed in through a link from `kyodo web-link`, over 10 fiscal years ×
//! 20,000 records (`support/seed.rs`). Budget (DESIGN.md, "Budgets"; issue 16): every page
//! renders in under 50 ms p99. Also prints the peak resident memory of the `kyodo web`
//! process (VmHWM) after all the requests: an upper bound of what serving the dashboard adds,
//! since it has everything `kyodo web` needs to start (settings, SQLite, the runtime).
//!
//!     cargo bench --bench dashboard
//!
//! Prints figures; asserts nothing.

#[path = "support/seed.rs"]
mod seed;
#[path = "support/sign_in.rs"]
mod sign_in;

use chrono::Utc;
use kyodo::app::App;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const YEARS: i32 = 10;
const PER_YEAR: usize = 20_000;
/// Requests per page.
const RUNS: usize = 200;

fn main() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("bench.sqlite3");
    let now = Utc::now();
    let app = App::start(&repo.join("config/kyodo.toml"), &db, now).expect("start");
    let today = app.today(now);
    let started = Instant::now();
    let seeded = seed::seed(&db, &app.settings.catalogue, YEARS, PER_YEAR, today);
    println!(
        "seeded {seeded} over {YEARS} fiscal years in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    drop(app);
    let kyodo = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kyodo"));
        command
            .args(args)
            .current_dir(repo)
            .env("KYODO_DATABASE", &db)
            .env_remove("KYODO_CONFIG")
            .env("RUST_LOG", "warn");
        command
    };
    let mut web = kyodo(&["web", "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("start kyodo web");
    let mut line = String::new();
    BufReader::new(web.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("listening");
    let base = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .map(|addr| format!("http://{addr}"))
        .expect("its address");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let (client, cookie) = sign_in::sign_in(repo, &db, &base, "bench").await;
        let fy = (kyodo::domain::FiscalYear::containing(today, kyodo::domain::FiscalYearStart::APRIL_FIRST)
            .start_year()
            - 1)
        .to_string();
        let pages = [
            "/".to_string(),
            format!("/?fy={fy}"),
            "/records".to_string(),
            format!("/records?fy={fy}&type=meeting&page=3"),
            format!("/records?fy={fy}&area=%E6%9D%B1%E9%83%A8"),
            "/records?page=20".to_string(),
            "/records?page=3900".to_string(),
            "/records?type=subsidy".to_string(),
            format!("/records?from={fy}-06-15&to={fy}-09-03"),
            "/matrix".to_string(),
            format!("/report?fy={fy}"),
            format!("/?fy={fy}&format=xlsx"),
            format!("/matrix?fy={fy}&format=png"),
            format!("/report?fy={fy}&format=xlsx"),
            "/chart.svg".to_string(),
            "/chart.png".to_string(),
        ];
        println!("page: n={RUNS} p50 / p99 / max (budget: p99 < 50 ms)");
        for page in &pages {
            let mut samples = Vec::with_capacity(RUNS);
            let mut bytes = 0;
            for i in 0..=RUNS {
                let t = Instant::now();
                let response = client
                    .get(format!("{base}{page}"))
                    .header("cookie", &cookie)
                    .send()
                    .await
                    .expect("GET");
                let status = response.status();
                let body = response.bytes().await.expect("body");
                let elapsed = t.elapsed();
                assert!(status.is_success(), "{page}: {status}");
                bytes = body.len();
                if i > 0 {
                    samples.push(elapsed); // the first warms the caches
                }
            }
            samples.sort();
            let ms = |d: Duration| d.as_secs_f64() * 1000.0;
            let p99 = samples[samples.len() * 99 / 100];
            println!(
                "{page}: {:.2} / {:.2} / {:.2} ms ({bytes} bytes){}",
                ms(samples[samples.len() / 2]),
                ms(p99),
                ms(samples[samples.len() - 1]),
                if p99 < Duration::from_millis(50) {
                    ""
                } else {
                    "  OVER BUDGET"
                }
            );
        }
    });
    let status = std::fs::read_to_string(format!("/proc/{}/status", web.id())).unwrap_or_default();
    for key in ["VmHWM", "VmRSS"] {
        if let Some(line) = status.lines().find(|l| l.starts_with(key)) {
            println!("kyodo web {line}");
        }
    }
    let _ = web.kill();
    let _ = web.wait();
}
