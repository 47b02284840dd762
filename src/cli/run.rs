//! `kyodo run`: the Discord bot (`kyodo::discord::run`) until SIGTERM or Ctrl-C, holding the
//! database's lock for its whole life (`kyodo restore` refuses meanwhile) and taking the daily
//! backups beside it, off the bot's thread.

use chrono::{DateTime, Utc};
use kyodo::app::App;
use kyodo::backups::lock::LockError;
use kyodo::backups::{Daily, RunLock};
use kyodo::discord::DiscordSettings;
use std::path::Path;
use std::process::ExitCode;

pub fn run(config: &Path, db: &Path, now: DateTime<Utc>) -> anyhow::Result<ExitCode> {
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
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let backups = daily.map(|daily| runtime.spawn(kyodo::backups::daily::run(daily, stopped)));
    let shutdown = async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    };
    let ended = runtime.block_on(kyodo::discord::run(discord, app, shutdown));
    if let Some(backups) = backups {
        if let Err(e) = runtime.block_on(backups) {
            tracing::error!(error = %e, "the daily backups ended abnormally");
        }
    }
    ended?;
    Ok(ExitCode::SUCCESS)
}

/// Completes on Ctrl-C or SIGTERM (what `docker stop` sends).
async fn shutdown_signal() {
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
