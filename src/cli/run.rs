//! `kyodo run`: the Discord bot (`kyodo::discord::run`) until SIGTERM or Ctrl-C, holding the
//! database's lock for its whole life (`kyodo restore` refuses meanwhile) and taking the daily
//! backups beside it, off the bot's thread; and the dashboard (`kyodo::web`) beside them when
//! `KYODO_WEB_ADDR` or `[web] addr` is set, on its own connection to the database, stopped with
//! the bot.

use chrono::{DateTime, Utc};
use kyodo::app::App;
use kyodo::backups::lock::LockError;
use kyodo::backups::{Daily, RunLock};
use kyodo::discord::DiscordSettings;
use std::path::Path;
use std::process::ExitCode;

/// Heap that SQLite keeps for the whole process — the bot's connection, the daily backup's
/// and the copy it checks — mostly their page caches: past it SQLite reuses its cached pages
/// rather than allocating more (`sqlite3_soft_heap_limit64`). The pages it reads again come
/// from the operating system's file cache. Measured on 10 fiscal years × 20,000 records
/// (`benches/interaction.rs`): 768 KiB and 1 MiB leave reports and `/totals` as fast as no
/// limit does, and 768 KiB keeps the peak about 0.5 MiB lower; at 512 KiB the caches thrash (a
/// report's p50 2.5× slower); without a limit the daily backup's VACUUM INTO and check take
/// 6–7 MiB of page cache.
const SQLITE_HEAP: i64 = 768 << 10;

/// Allocations from this size up get pages of their own from the system, given back when
/// freed; the heap is trimmed when this much is free at its top. glibc's defaults start at
/// 128 KiB but raise the first to the largest block freed (up to 32 MiB), after which a file's
/// buffers (an XLSX's parts, the chart's pixels) stay in the heap, free but resident: measured
/// on `kyodo web` over 10 fiscal years × 20,000 records, two overview XLSX files left 3.3 MiB
/// more resident with the defaults, 0.3 MiB with 64 KiB fixed.
const MALLOC_OWN_PAGES: i32 = 64 << 10;

/// Sizes the process for one city's bot, before any thread starts: one malloc arena for all
/// threads (glibc otherwise gives each thread that allocates — the blocking pool's, running
/// the core and the backup — an arena of its own, each keeping what it freed), large blocks
/// given back when freed (`MALLOC_OWN_PAGES`), and SQLite's heap bounded by `SQLITE_HEAP`.
pub(super) fn size_for_one_city() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt changes glibc's malloc parameters; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
        libc::mallopt(libc::M_MMAP_THRESHOLD, MALLOC_OWN_PAGES);
        libc::mallopt(libc::M_TRIM_THRESHOLD, MALLOC_OWN_PAGES);
    }
    // SAFETY: sets a process-wide limit that SQLite reads under its own mutex; any time is safe.
    unsafe {
        rusqlite::ffi::sqlite3_soft_heap_limit64(SQLITE_HEAP);
    }
}

pub fn run(config: &Path, db: &Path, now: DateTime<Utc>) -> anyhow::Result<ExitCode> {
    size_for_one_city();
    let settings = kyodo::config::load(config)?;
    let discord = DiscordSettings::read(&settings.catalogue.discord, |name| std::env::var(name).ok())?;
    // Held until the bot ends: `kyodo restore` refuses while it is.
    let _lock = match RunLock::acquire(db) {
        Ok(lock) => Some(lock),
        Err(e @ LockError::Held { .. }) => return Err(e.into()),
        Err(e) => {
            tracing::warn!(error = %e, "running without the lock: kyodo restore cannot tell that the bot is running");
            None
        }
    };
    // The upgrade of a database, if any, is in the log (not said on stderr as by hand).
    let app = App::open(settings, db, now)?;
    let daily = Daily::open(db, &app.settings)?;
    if daily.is_none() {
        tracing::info!("no [backup] in the config: no daily backups");
    }
    let web_addr = match std::env::var("KYODO_WEB_ADDR").ok().filter(|a| !a.trim().is_empty()) {
        Some(addr) => Some(super::web::socket_addr(&addr).map_err(|e| anyhow::anyhow!("KYODO_WEB_ADDR: {e}"))?),
        None => app.settings.catalogue.web.addr,
    };
    // The dashboard's own connection: its requests never wait for the bot's.
    let web_app = match web_addr {
        Some(_) => Some(App::open(app.settings.clone(), db, now)?),
        None => None,
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let web = match (web_addr, web_app) {
        (Some(addr), Some(web_app)) => {
            let listener = runtime.block_on(super::web::bind(addr))?;
            let mut stopped = stopped.clone();
            let until_stopped = async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            };
            Some(runtime.spawn(kyodo::web::serve(web_app, listener, until_stopped)))
        }
        _ => None,
    };
    let backups = daily.map(|daily| runtime.spawn(kyodo::backups::daily::run(daily, stopped)));
    let stop = std::sync::Arc::new(stop);
    let signalled = stop.clone();
    let shutdown = async move {
        shutdown_signal().await;
        let _ = signalled.send(true);
    };
    let ended = runtime.block_on(kyodo::discord::run(discord, app, shutdown));
    if let Some(backups) = backups {
        if let Err(e) = runtime.block_on(backups) {
            tracing::error!(error = %e, "the daily backups ended abnormally");
        }
    }
    // The bot has stopped: so does the dashboard, once its requests under way are answered.
    let _ = stop.send(true);
    if let Some(web) = web {
        match runtime.block_on(web) {
            Ok(Ok(())) => tracing::info!("the dashboard stopped"),
            Ok(Err(e)) => tracing::error!(error = %e, "the dashboard ended abnormally"),
            Err(e) => tracing::error!(error = %e, "the dashboard ended abnormally"),
        }
    }
    ended?;
    Ok(ExitCode::SUCCESS)
}

/// Completes on Ctrl-C or SIGTERM (what `docker stop` sends).
pub(super) async fn shutdown_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(term) => term,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
