//! Benchmark: the bot through the local Discord stand-in (tests/support/discord/), on 10 fiscal
//! years × 20,000 records (every record type, edits and deletes: `support/seed.rs`), beside a
//! floor — a minimal serenity bot doing the same insert (`support/floor.rs`) — and, when
//! discord.py is installed, a discord.py bot doing the same (`support/peer.py`). Each bot with a
//! stand-in of its own, in this order:
//!
//! 1. `kyodo run` and the floor on copies of the seeded database, their `/report meeting`s in
//!    turn, one of kyodo's then one of the floor's (the other way round every other time), so
//!    that the machine's drift falls on both alike: latency (interaction sent by the stand-in's
//!    gateway → its callback received by the stand-in's REST side), WAL frames per report, the
//!    floor's peak memory;
//! 2. then kyodo alone: `/totals` — the first after the start (nothing remembered), then asked
//!    again and again, then each right after a report of today (this year's figures read
//!    again, the earlier years' remembered: `App::series`, `App::period_figures`); its peak
//!    memory (VmHWM) after the reports and the `/totals`, with where the memory is
//!    (`/proc/PID/status`);
//! 3. `kyodo run` serving the dashboard too (`KYODO_WEB_ADDR`): the same reports and `/totals`,
//!    then 200 dashboard pages and downloads; its peak memory beside stage 2's;
//! 4. `kyodo run` on an empty database: `/totals`, peak memory;
//! 5. the discord.py peer (skipped, with the reason, when `python3 -c "import discord"` fails).
//!
//!     cargo bench --bench interaction
//!
//! WAL frames per report: the database's WAL is checkpointed and truncated before the reports
//! (the bot idle) and one more report is sent untimed — the truncation, by another connection,
//! makes the bot's SQLite drop its page cache, so the first report after it read every page
//! again: each bot's slowest, which timed it was the stand-in's checkpoint, not the bot — then
//! after each callback the frame count the WAL index holds (the `-shm`
//! file's `mxFrame`) is read; the frames added over the reports ÷ their number. When no
//! checkpoint restarted the WAL meanwhile, that is exactly the WAL file's growth ÷ (page size
//! + 24), which is printed beside it.
//!
//! Prints figures; asserts nothing. Budgets (DESIGN.md, "Budgets"): p99 ≤ 2 × the floor's,
//! ≤ 5 WAL frames per report, `/totals` p50 ≤ 1.5 ms, peak memory ≤ 15.6 MiB.
//! `KYODO_BENCH_PYTHON` names the Python (default `python3`); `KYODO_BENCH_PROBE` is a shell
//! command run when a bot's peak memory is read, with its pid as `$0` and its name as `$1`
//! (`KYODO_BENCH_PROBE='cp /proc/$0/smaps /tmp/$1.smaps'`);
//! `KYODO_BENCH_WRAP="heaptrack -o <file>"` runs `kyodo run` under that command;
//! `KYODO_BENCH_KYODO=<path>` measures that kyodo binary instead of the one cargo built;
//! `KYODO_BENCH_TAIL=1` prints the 12 slowest of each series with their place in it (what makes
//! its p99).

#[path = "support/floor.rs"]
mod floor;
#[path = "support/seed.rs"]
mod seed;
#[path = "support/sign_in.rs"]
mod sign_in;
#[path = "../tests/support/mod.rs"]
#[allow(unused_imports)]
mod support;

use kyodo::domain::Catalogue;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::discord::payloads::{option, InteractionSpec, Source};
use support::discord::{Config, Discord};

const YEARS: i32 = 10;
const PER_YEAR: usize = 20_000;
/// Interactions before the timed ones (connections, caches, statements warmed).
const WARM_UP: usize = 20;
const REPORTS: usize = 300;
const TOTALS: usize = 100;
const STAFF_ROLE: u64 = 1_201_234_567_890_000_001;
/// Set on this binary run again as the floor bot: its database.
const FLOOR_DB: &str = "KYODO_BENCH_FLOOR_DB";

/// A `/proc/PID/status` field in KiB.
fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field) && l[field.len()..].starts_with(':'))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or("?".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// p50 and p99 of `samples`, printed with `name`.
fn show(name: &str, mut samples: Vec<Duration>) -> (Duration, Duration) {
    if std::env::var_os("KYODO_BENCH_TAIL").is_some() {
        let mut by_time: Vec<(usize, Duration)> = samples.iter().copied().enumerate().collect();
        by_time.sort_by_key(|(_, d)| std::cmp::Reverse(*d));
        let tail: Vec<String> = by_time
            .iter()
            .take(12)
            .map(|(i, d)| format!("{:.2} (#{i})", ms(*d)))
            .collect();
        println!("  {name} slowest: {}", tail.join(" "));
    }
    samples.sort();
    let (p50, p99) = (percentile(&samples, 0.50), percentile(&samples, 0.99));
    println!(
        "  {name}: n={} p50={:.2} ms p90={:.2} ms p99={:.2} ms max={:.2} ms",
        samples.len(),
        ms(p50),
        ms(percentile(&samples, 0.90)),
        ms(p99),
        ms(percentile(&samples, 1.0)),
    );
    (p50, p99)
}

/// A bot process, killed when dropped.
struct Bot(Child);

impl Drop for Bot {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The WAL index's frame count (`mxFrame` in the `-shm` file's header, native byte order).
fn wal_frames(db: &Path) -> Option<u32> {
    let shm = std::fs::read(shm_path(db)).ok()?;
    Some(u32::from_ne_bytes(shm.get(16..20)?.try_into().ok()?))
}

fn shm_path(db: &Path) -> PathBuf {
    PathBuf::from(format!("{}-shm", db.display()))
}

fn wal_path(db: &Path) -> PathBuf {
    PathBuf::from(format!("{}-wal", db.display()))
}

fn page_size(db: &Path) -> u64 {
    let header = std::fs::read(db).ok().and_then(|b| b.get(16..18).map(|s| [s[0], s[1]]));
    match header.map(u16::from_be_bytes) {
        Some(1) => 65_536,
        Some(n) if n > 0 => u64::from(n),
        _ => 4096,
    }
}

/// Checkpoints the WAL into the database and truncates it, while the bot is idle.
fn truncate_wal(db: &Path) {
    let conn = rusqlite::Connection::open(db).expect("open for the checkpoint");
    conn.busy_timeout(Duration::from_secs(5)).expect("busy timeout");
    let (busy, _, _): (i64, i64, i64) = conn
        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .expect("checkpoint");
    if busy != 0 {
        println!("  (the WAL could not be truncated: busy)");
    }
}

/// Frames written to the WAL by a run of reports, read after each one.
#[derive(Default)]
struct Wal {
    frames: u64,
    restarts: usize,
    last: u32,
}

impl Wal {
    fn start(db: &Path) -> Wal {
        Wal {
            last: wal_frames(db).unwrap_or(0),
            ..Wal::default()
        }
    }

    fn after_one(&mut self, db: &Path) {
        let now = wal_frames(db).unwrap_or(0);
        if now >= self.last {
            self.frames += u64::from(now - self.last);
        } else {
            // A checkpoint restarted the WAL: what is in it now came after.
            self.restarts += 1;
            self.frames += u64::from(now);
        }
        self.last = now;
    }

    fn show(&self, db: &Path, reports: usize, wal_before: u64) -> f64 {
        let per = self.frames as f64 / reports as f64;
        let page = page_size(db);
        let grown = std::fs::metadata(wal_path(db))
            .map_or(0, |m| m.len())
            .saturating_sub(wal_before);
        let by_size = grown.saturating_sub(if wal_before == 0 { 32 } else { 0 }) as f64 / (page + 24) as f64;
        if self.restarts == 0 {
            println!(
                "  WAL frames per report: {per:.2} ({} frames over {reports} reports; WAL file growth {grown} B ÷ (page {page} + 24) = {:.2} per report)",
                self.frames,
                by_size / reports as f64
            );
        } else {
            println!(
                "  WAL frames per report: {per:.2} ({} frames over {reports} reports, read from the WAL index; {} checkpoint restart(s) of the WAL, so its file growth does not count them)",
                self.frames, self.restarts
            );
        }
        per
    }
}

/// What one bot measured.
#[derive(Default)]
struct Figures {
    report_p50: Option<Duration>,
    report_p99: Option<Duration>,
    wal_per_report: Option<f64>,
    totals_p50: Option<Duration>,
    totals_p99: Option<Duration>,
    /// The first /totals after the start: nothing remembered (`App::series`, `App::period_figures`).
    totals_first: Option<Duration>,
    /// /totals right after a report of today: this year's figures read again, the earlier
    /// years' remembered.
    totals_after_report_p50: Option<Duration>,
    totals_after_report_p99: Option<Duration>,
    peak_kib: Option<u64>,
}

/// One bot's part in a run of timed reports: its stand-in and database, the frames its WAL
/// gains and its latencies.
struct Side<'a> {
    discord: &'a Discord,
    db: &'a Path,
    source: Source,
    wal: Wal,
    wal_before: u64,
    samples: Vec<Duration>,
}

impl<'a> Side<'a> {
    fn new(discord: &'a Discord, db: &'a Path) -> Side<'a> {
        Side {
            discord,
            db,
            source: Bench::source(discord),
            wal: Wal::default(),
            wal_before: 0,
            samples: Vec::with_capacity(REPORTS),
        }
    }

    async fn warm_up(&self) {
        for i in 0..WARM_UP {
            Bench::once(self.discord, &Bench::report_spec(&self.source, 1_000_000 + i)).await;
        }
    }

    /// The WAL truncated (the bot idle), one report untimed (its caches, dropped by the
    /// truncation, read again), then the WAL's size and frame count read.
    async fn begin(&mut self) {
        truncate_wal(self.db);
        Bench::once(self.discord, &Bench::report_spec(&self.source, 3_000_000)).await;
        self.wal_before = std::fs::metadata(wal_path(self.db)).map_or(0, |m| m.len());
        self.wal = Wal::start(self.db);
    }

    /// Timed report `i`, then the WAL's frames.
    async fn one(&mut self, i: usize) {
        let spec = Bench::report_spec(&self.source, i);
        self.samples.push(Bench::once(self.discord, &spec).await);
        self.wal.after_one(self.db);
    }

    fn finish(&mut self, name: &str, figures: &mut Figures) {
        let (p50, p99) = show(name, std::mem::take(&mut self.samples));
        figures.report_p50 = Some(p50);
        figures.report_p99 = Some(p99);
        figures.wal_per_report = Some(self.wal.show(self.db, REPORTS, self.wal_before));
    }
}

struct Bench {
    repo: PathBuf,
}

impl Bench {
    fn source(discord: &Discord) -> Source {
        let user = support::discord::payloads::user(7001, "sato", Some("佐藤"), false);
        Source::Guild {
            guild_id: discord.guild_id(),
            channel_id: discord.channel_id(),
            member: support::discord::payloads::member(user, &[STAFF_ROLE], support::discord::payloads::perm::MEMBER),
            guild_locale: "ja".into(),
        }
    }

    fn report_spec(source: &Source, i: usize) -> InteractionSpec {
        let options = vec![option::subcommand(
            "meeting",
            vec![
                option::string("area", "東部"),
                option::string("district", "荒町"),
                option::string("topic", &format!("打合せ{i}")),
            ],
        )];
        InteractionSpec::command("report", options, source.clone())
    }

    async fn once(discord: &Discord, spec: &InteractionSpec) -> Duration {
        let t0 = Instant::now();
        let sent = discord.inject_interaction(spec).await;
        let callback = discord.next_callback(&sent, Duration::from_secs(10)).await;
        let elapsed = t0.elapsed();
        assert_eq!(callback.kind, 4, "{:?}", callback.data);
        elapsed
    }

    /// Warm-up, then `REPORTS` timed `/report meeting`s with the WAL frames they write.
    async fn reports(discord: &Discord, db: &Path, figures: &mut Figures) {
        let mut side = Side::new(discord, db);
        side.warm_up().await;
        side.begin().await;
        for i in 0..REPORTS {
            side.one(i).await;
        }
        side.finish("/report meeting", figures);
    }

    /// The same as `reports` for two bots at once, taking turns report by report (kyodo first
    /// in even rounds, the floor first in odd ones): whatever the machine does meanwhile (its
    /// speed drifts by tens of percent within minutes) falls on both alike, so their ratio is
    /// the bots', not the minute's.
    async fn reports_in_turn(kyodo: &mut Side<'_>, floor: &mut Side<'_>) -> (Figures, Figures) {
        kyodo.warm_up().await;
        floor.warm_up().await;
        kyodo.begin().await;
        floor.begin().await;
        for i in 0..REPORTS {
            if i % 2 == 0 {
                kyodo.one(i).await;
                floor.one(i).await;
            } else {
                floor.one(i).await;
                kyodo.one(i).await;
            }
        }
        let (mut k, mut f) = (Figures::default(), Figures::default());
        kyodo.finish("kyodo /report meeting", &mut k);
        floor.finish("floor /report meeting", &mut f);
        (k, f)
    }

    async fn totals(discord: &Discord, figures: &mut Figures) {
        let spec = InteractionSpec::command("totals", Vec::<Value>::new(), Self::source(discord));
        let first = Self::once(discord, &spec).await;
        println!(
            "  first /totals after the start (nothing remembered): {:.2} ms",
            ms(first)
        );
        figures.totals_first = Some(first);
        for _ in 0..WARM_UP {
            Self::once(discord, &spec).await;
        }
        let mut samples = Vec::with_capacity(TOTALS);
        for _ in 0..TOTALS {
            samples.push(Self::once(discord, &spec).await);
        }
        let (p50, p99) = show("/totals", samples);
        figures.totals_p50 = Some(p50);
        figures.totals_p99 = Some(p99);
    }

    /// `/totals` right after each of `TOTALS` reports of today: the year to date read again.
    async fn totals_after_reports(discord: &Discord, figures: &mut Figures) {
        let source = Self::source(discord);
        let spec = InteractionSpec::command("totals", Vec::<Value>::new(), source.clone());
        let mut samples = Vec::with_capacity(TOTALS);
        for i in 0..TOTALS {
            Self::once(discord, &Self::report_spec(&source, 2_000_000 + i)).await;
            samples.push(Self::once(discord, &spec).await);
        }
        let (p50, p99) = show("/totals right after a report (this year read again)", samples);
        figures.totals_after_report_p50 = Some(p50);
        figures.totals_after_report_p99 = Some(p99);
    }

    fn stand_in() -> Config {
        // No OpenAPI validation here: it would time the stand-in, not the bot.
        Config {
            openapi_spec: None,
            ..Config::default()
        }
    }

    fn memory(pid: u32, name: &str, figures: &mut Figures) {
        figures.peak_kib = status_kib(pid, "VmHWM");
        if let Ok(probe) = std::env::var("KYODO_BENCH_PROBE") {
            let ran = Command::new("sh").args(["-c", &probe, &pid.to_string(), name]).status();
            if !ran.as_ref().is_ok_and(|s| s.success()) {
                println!("  (KYODO_BENCH_PROBE failed: {ran:?})");
            }
        }
        println!(
            "  memory: peak (VmHWM) {}, now (VmRSS) {} = anonymous {} + file-backed {} + shared {}; threads {}",
            mib(figures.peak_kib),
            mib(status_kib(pid, "VmRSS")),
            mib(status_kib(pid, "RssAnon")),
            mib(status_kib(pid, "RssFile")),
            mib(status_kib(pid, "RssShmem")),
            status_kib(pid, "Threads").map_or("?".into(), |n| n.to_string()),
        );
    }

    fn kyodo(&self, discord: &Discord, db: &Path) -> Bot {
        self.kyodo_with(discord, db, &[])
    }

    /// `kyodo run` with more environment (`KYODO_WEB_ADDR`).
    fn kyodo_with(&self, discord: &Discord, db: &Path, env: &[(&str, &str)]) -> Bot {
        // `KYODO_BENCH_WRAP="heaptrack -o /tmp/kyodo"` runs the bot under a profiler (then the
        // memory figures are the wrapper's, not the bot's).
        let wrap = std::env::var("KYODO_BENCH_WRAP").unwrap_or_default();
        let mut words = wrap.split_whitespace();
        let kyodo = std::env::var_os("KYODO_BENCH_KYODO").unwrap_or_else(|| env!("CARGO_BIN_EXE_kyodo").into());
        let mut command = match words.next() {
            Some(program) => {
                let mut command = Command::new(program);
                command.args(words).arg(&kyodo);
                command
            }
            None => Command::new(&kyodo),
        };
        command.envs(env.iter().copied());
        let child = command
            .arg("run")
            .current_dir(&self.repo)
            .env("KYODO_DATABASE", db)
            .env("DISCORD_TOKEN", discord.token())
            .env("KYODO_DISCORD_API", discord.base_url())
            .env("KYODO_GUILD_ID", discord.guild_id().to_string())
            .env("KYODO_STAFF_ROLE_ID", STAFF_ROLE.to_string())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start kyodo run");
        Bot(child)
    }

    /// The floor bot on `db` with a stand-in of its own, connected.
    async fn floor(db: &Path) -> (Discord, Bot) {
        let discord = Discord::start_with(Self::stand_in()).await;
        let child = Command::new(std::env::current_exe().expect("this bench"))
            .env(FLOOR_DB, db)
            .env("DISCORD_TOKEN", discord.token())
            .env("KYODO_DISCORD_API", discord.base_url())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the floor bot");
        let bot = Bot(child);
        discord.wait_ready(Duration::from_secs(30)).await;
        (discord, bot)
    }

    /// Waits until the bot's commands are registered and the daily backup it takes at start
    /// (`[backup]` in the config: the day's is due) is finished, so that the timed interactions
    /// do not share the machine with it. Its memory stays in the peak.
    async fn kyodo_ready(discord: &Discord, db: &Path) {
        discord
            .wait_for_requests("PUT", "/applications/*/guilds/*/commands", 1, Duration::from_secs(30))
            .await;
        let started = Instant::now();
        let finished = || -> Option<bool> {
            let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
            conn.query_row(
                "SELECT count(*) > 0 AND sum(status = 'pending') = 0 FROM backup_runs",
                [],
                |r| r.get(0),
            )
            .ok()
        };
        while finished() != Some(true) {
            if started.elapsed() > Duration::from_secs(120) {
                println!("  (the daily backup did not finish within 120 s; measuring anyway)");
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        println!(
            "  daily backup at start: finished {:.1} s after registration",
            started.elapsed().as_secs_f64()
        );
    }

    /// `kyodo run` and the floor, each on its own copy of the seeded database: their reports in
    /// turn (`reports_in_turn`), the floor's memory; then kyodo's `/totals` and its memory.
    async fn kyodo_seeded(&self, kyodo_db: &Path, floor_db: &Path) -> (Figures, Figures) {
        println!("kyodo run and the floor (a minimal serenity bot: one INSERT, a type-4 callback), seeded database, reports in turn:");
        let (floor_discord, floor_bot) = Self::floor(floor_db).await;
        let discord = Discord::start_with(Self::stand_in()).await;
        let bot = self.kyodo(&discord, kyodo_db);
        Self::kyodo_ready(&discord, kyodo_db).await;
        // The peak so far at each stage: what the start and its daily backup, the reports and
        // the /totals each add.
        let peak = |stage: &str| println!("  peak (VmHWM) {stage}: {}", mib(status_kib(bot.0.id(), "VmHWM")));
        peak("after the start and its daily backup");
        let (mut figures, mut floor) = Self::reports_in_turn(
            &mut Side::new(&discord, kyodo_db),
            &mut Side::new(&floor_discord, floor_db),
        )
        .await;
        peak("after the reports");
        Self::memory(floor_bot.0.id(), "floor", &mut floor);
        drop(floor_bot);
        floor_discord.shutdown().await;
        Self::totals(&discord, &mut figures).await;
        Self::totals_after_reports(&discord, &mut figures).await;
        Self::memory(bot.0.id(), "kyodo-seeded", &mut figures);
        drop(bot);
        discord.shutdown().await;
        (figures, floor)
    }

    /// `kyodo run` serving the dashboard beside the bot (`KYODO_WEB_ADDR`): the same reports and
    /// `/totals`, then every page of the dashboard 20 times, signed in by a `kyodo web-link`;
    /// its peak memory, to set beside `kyodo_seeded`'s.
    async fn kyodo_with_dashboard(&self, db: &Path) -> Option<u64> {
        println!("kyodo run serving the dashboard (KYODO_WEB_ADDR), seeded database:");
        let discord = Discord::start_with(Self::stand_in()).await;
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .to_string();
        let bot = self.kyodo_with(&discord, db, &[("KYODO_WEB_ADDR", &addr)]);
        Self::kyodo_ready(&discord, db).await;
        let mut figures = Figures::default();
        Self::reports(&discord, db, &mut figures).await;
        Self::totals(&discord, &mut figures).await;
        let (client, cookie) = sign_in::sign_in(&self.repo, db, &format!("http://{addr}"), "課長").await;
        let pages = [
            "/",
            "/?fy=2025",
            "/records",
            "/records?fy=2025&type=meeting&page=3",
            "/matrix",
            "/report",
            "/chart.svg",
            "/?fy=2025&format=xlsx",
            "/records?fy=2025&format=xlsx",
            "/matrix?fy=2025&format=png",
            "/chart.png",
        ];
        for _ in 0..20 {
            for page in pages {
                let response = client
                    .get(format!("http://{addr}{page}"))
                    .header("cookie", &cookie)
                    .send()
                    .await
                    .expect("page");
                assert!(response.status().is_success(), "{page}: {}", response.status());
                response.bytes().await.expect("body");
            }
        }
        Self::memory(bot.0.id(), "kyodo-dashboard", &mut figures);
        drop(bot);
        discord.shutdown().await;
        figures.peak_kib
    }

    async fn kyodo_empty(&self, db: &Path) -> Figures {
        println!("kyodo run, empty database:");
        let discord = Discord::start_with(Self::stand_in()).await;
        let bot = self.kyodo(&discord, db);
        Self::kyodo_ready(&discord, db).await;
        let mut figures = Figures::default();
        Self::totals(&discord, &mut figures).await;
        Self::memory(bot.0.id(), "kyodo-empty", &mut figures);
        drop(bot);
        discord.shutdown().await;
        figures
    }

    /// The discord.py peer, or why not.
    async fn peer(&self, db: &Path) -> Result<Figures, String> {
        let python = std::env::var("KYODO_BENCH_PYTHON").unwrap_or_else(|_| "python3".into());
        let probe = Command::new(&python)
            .args(["-c", "import discord; print(discord.__version__)"])
            .output()
            .map_err(|e| format!("{python} does not run: {e}"))?;
        if !probe.status.success() {
            return Err(format!(
                "discord.py is not installed for {python} (`pip install discord.py`): {}",
                String::from_utf8_lossy(&probe.stderr).lines().last().unwrap_or("")
            ));
        }
        let version = String::from_utf8_lossy(&probe.stdout).trim().to_string();
        println!("discord.py {version} (the same INSERT and callback), seeded database:");
        let discord = Discord::start_with(Self::stand_in()).await;
        let child = Command::new(&python)
            .arg(self.repo.join("benches/support/peer.py"))
            .env("KYODO_BENCH_DB", db)
            .env("DISCORD_TOKEN", discord.token())
            .env("KYODO_DISCORD_API", discord.base_url())
            .env("KYODO_DISCORD_GATEWAY", discord.gateway_url())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("the peer did not start: {e}"))?;
        let bot = Bot(child);
        discord.wait_ready(Duration::from_secs(30)).await;
        let mut figures = Figures::default();
        Self::reports(&discord, db, &mut figures).await;
        Self::memory(bot.0.id(), "discord-py", &mut figures);
        drop(bot);
        discord.shutdown().await;
        Ok(figures)
    }
}

fn main() {
    if let Some(db) = std::env::var_os(FLOOR_DB) {
        let token = std::env::var("DISCORD_TOKEN").expect("DISCORD_TOKEN");
        let api = std::env::var("KYODO_DISCORD_API").expect("KYODO_DISCORD_API");
        floor::run(Path::new(&db), &api, &token);
        return;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(run());
}

fn copy(from: &Path, to: &Path) {
    std::fs::copy(from, to).expect("copy the seeded database");
}

async fn run() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let catalogue =
        Catalogue::parse(&std::fs::read_to_string(repo.join("config/kyodo.toml")).expect("config")).expect("catalogue");
    let dir = tempfile::tempdir().expect("temp dir");
    let seeded_db = dir.path().join("seeded.sqlite3");
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    let started = Instant::now();
    let seeded = seed::seed(&seeded_db, &catalogue, YEARS, PER_YEAR, today);
    println!(
        "seeded {seeded} over {YEARS} fiscal years in {:.1} s ({:.1} MiB)",
        started.elapsed().as_secs_f64(),
        std::fs::metadata(&seeded_db).map_or(0.0, |m| m.len() as f64 / 1_048_576.0)
    );
    let bench = Bench { repo };
    // Each bot in a folder of its own (kyodo's daily backup goes beside its database).
    let own = |name: &str| {
        let folder = dir.path().join(name);
        std::fs::create_dir(&folder).expect("folder");
        folder.join("kyodo.sqlite3")
    };
    let (floor_db, kyodo_db, peer_db, empty_db) = (own("floor"), own("kyodo"), own("peer"), own("empty"));
    let dashboard_db = own("dashboard");
    copy(&seeded_db, &floor_db);
    copy(&seeded_db, &kyodo_db);
    copy(&seeded_db, &peer_db);
    copy(&seeded_db, &dashboard_db);

    let (kyodo, floor) = bench.kyodo_seeded(&kyodo_db, &floor_db).await;
    let dashboard = bench.kyodo_with_dashboard(&dashboard_db).await;
    let empty = bench.kyodo_empty(&empty_db).await;
    let peer = bench.peer(&peer_db).await;
    if let Err(why) = &peer {
        println!("discord.py: skipped — {why}");
    }

    let d = |d: Option<Duration>| d.map_or("?".into(), |d| format!("{:.2} ms", ms(d)));
    let ratio = |a: Option<Duration>, b: Option<Duration>| match (a, b) {
        (Some(a), Some(b)) if !b.is_zero() => format!("{:.2}×", a.as_secs_f64() / b.as_secs_f64()),
        _ => "?".into(),
    };
    println!();
    println!("summary (10 FY × 20,000 records; {REPORTS} reports, {TOTALS} /totals):");
    println!(
        "  /report p50: kyodo {} / floor {} = {}",
        d(kyodo.report_p50),
        d(floor.report_p50),
        ratio(kyodo.report_p50, floor.report_p50)
    );
    println!(
        "  /report p99: kyodo {} / floor {} = {}   (budget ≤ 2×, < 5 ms)",
        d(kyodo.report_p99),
        d(floor.report_p99),
        ratio(kyodo.report_p99, floor.report_p99)
    );
    let frames = |f: Option<f64>| f.map_or("?".into(), |f| format!("{f:.2}"));
    println!(
        "  WAL frames per report: kyodo {} / floor {}   (budget ≤ 5)",
        frames(kyodo.wal_per_report),
        frames(floor.wal_per_report)
    );
    println!(
        "  /totals: seeded p50 {} p99 {}; empty p50 {} p99 {}   (budget p50 ≤ 1.5 ms)",
        d(kyodo.totals_p50),
        d(kyodo.totals_p99),
        d(empty.totals_p50),
        d(empty.totals_p99)
    );
    println!(
        "  /totals seeded, first after the start {}; right after a report p50 {} p99 {}",
        d(kyodo.totals_first),
        d(kyodo.totals_after_report_p50),
        d(kyodo.totals_after_report_p99)
    );
    println!(
        "  peak memory (VmHWM): kyodo seeded {} (after the reports and /totals), kyodo empty {}, floor {}   (budget ≤ 15.6 MiB)",
        mib(kyodo.peak_kib),
        mib(empty.peak_kib),
        mib(floor.peak_kib)
    );
    println!(
        "  peak memory serving the dashboard too (KYODO_WEB_ADDR, 200 pages and downloads after the same reports and /totals): {} — {} more   (budget < 5 MiB more)",
        mib(dashboard),
        match (dashboard, kyodo.peak_kib) {
            (Some(with), Some(without)) => format!("{:.1} MiB", (with as f64 - without as f64) / 1024.0),
            _ => "?".into(),
        }
    );
    match &peer {
        Ok(peer) => println!(
            "  discord.py: peak memory {} (kyodo {:.2} of it), /report p50 {} p99 {}",
            mib(peer.peak_kib),
            match (kyodo.peak_kib, peer.peak_kib) {
                (Some(k), Some(p)) if p > 0 => k as f64 / p as f64,
                _ => f64::NAN,
            },
            d(peer.report_p50),
            d(peer.report_p99)
        ),
        Err(why) => println!("  discord.py: not measured — {why}"),
    }
}
