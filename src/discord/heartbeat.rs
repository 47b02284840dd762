//! The heartbeat `kyodo run` keeps in the database for `kyodo health` and `/admin status`:
//! the process, the gateway connection (connected or not, since when) and the scheduler's last
//! pass, written every 30 seconds and at once when the gateway's state changes; marked stopped
//! when the bot stops.
//!
//! The gateway's state is read from serenity's shard manager (a shard whose stage is
//! `Connected`), checked every second and whenever READY, RESUMED or a shard stage update
//! arrives ([`Liveness::gateway_changed`]). Each write is one statement in autocommit, made on
//! the blocking pool under the `App` lock, which is never held across an await.
//!
//! Each write is followed by the connection's WAL checkpoint (`store::checkpoint`): from
//! `start` on, the bot's reports leave their checkpoints to the heartbeat and none waits for one.

use crate::app::App;
use crate::domain::health::{Gateway, Heartbeat, Scheduler, Stopped, HEARTBEAT_EVERY};
use chrono::{DateTime, Utc};
use serenity::all::{ConnectionStage, ShardManager};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::{oneshot, Notify};
use tokio::task::JoinHandle;

/// How often the gateway's state is looked at between events.
const LOOK_EVERY: Duration = Duration::from_secs(1);
/// How long the last write, "stopped", may take while the bot stops.
const STOP_LIMIT: Duration = Duration::from_millis(500);

/// What the event handler and the scheduler tell the heartbeat.
#[derive(Debug)]
pub struct Liveness {
    scheduler_enabled: bool,
    last_pass: Mutex<Option<DateTime<Utc>>>,
    wake: Notify,
}

impl Liveness {
    /// `scheduler_enabled`: whether the scheduler runs (it needs a report channel).
    pub fn new(scheduler_enabled: bool) -> Self {
        Liveness {
            scheduler_enabled,
            last_pass: Mutex::new(None),
            wake: Notify::new(),
        }
    }

    /// The scheduler's loop is passing (starting or finishing a pass) at `at`.
    pub fn scheduler_pass(&self, at: DateTime<Utc>) {
        *self.last_pass.lock().unwrap_or_else(PoisonError::into_inner) = Some(at);
    }

    /// The gateway's state may have changed: look now.
    pub fn gateway_changed(&self) {
        self.wake.notify_one();
    }

    fn scheduler(&self) -> Scheduler {
        Scheduler {
            enabled: self.scheduler_enabled,
            last_pass: *self.last_pass.lock().unwrap_or_else(PoisonError::into_inner),
        }
    }
}

/// The running heartbeat task.
pub struct Beating {
    stop: oneshot::Sender<Stopped>,
    task: JoinHandle<()>,
}

/// Writes the first heartbeat and keeps writing until [`Beating::stop`].
pub fn start(app: Arc<Mutex<App>>, liveness: Arc<Liveness>, shards: Arc<ShardManager>) -> Beating {
    let beside = app
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .store
        .checkpoint_beside();
    if let Err(e) = beside {
        tracing::warn!(error = %e, "the WAL's checkpoints stay in the reports' commits");
    }
    let (stop, stopped) = oneshot::channel();
    let task = tokio::spawn(beat(app, liveness, shards, stopped));
    Beating { stop, task }
}

impl Beating {
    /// Marks the heartbeat stopped (`asked`: by SIGTERM or Ctrl-C) and ends the task; waits for
    /// that write at most `STOP_LIMIT`.
    pub async fn stop(self, asked: bool) {
        let _ = self.stop.send(Stopped { at: Utc::now(), asked });
        if tokio::time::timeout(STOP_LIMIT, self.task).await.is_err() {
            tracing::warn!("the heartbeat could not be marked stopped in time");
        }
    }
}

async fn beat(
    app: Arc<Mutex<App>>,
    liveness: Arc<Liveness>,
    shards: Arc<ShardManager>,
    mut stopped: oneshot::Receiver<Stopped>,
) {
    let started_at = Utc::now();
    let mut heartbeat = Heartbeat {
        pid: std::process::id(),
        started_at,
        updated_at: started_at,
        stopped: None,
        gateway: Gateway {
            connected: false,
            since: started_at,
        },
        scheduler: liveness.scheduler(),
    };
    let mut written: Option<Instant> = None;
    let every = HEARTBEAT_EVERY.to_std().unwrap_or(Duration::from_secs(30));
    loop {
        let connected = gateway_connected(&shards).await;
        let changed = connected != heartbeat.gateway.connected;
        if changed {
            heartbeat.gateway = Gateway {
                connected,
                since: Utc::now(),
            };
            tracing::info!(connected, "gateway state changed; writing the heartbeat");
        }
        if changed || written.is_none_or(|at| at.elapsed() >= every) {
            heartbeat.updated_at = Utc::now();
            heartbeat.scheduler = liveness.scheduler();
            write(&app, &heartbeat).await;
            written = Some(Instant::now());
        }
        tokio::select! {
            () = tokio::time::sleep(LOOK_EVERY) => {}
            () = liveness.wake.notified() => {}
            stop = &mut stopped => {
                let stop = stop.unwrap_or(Stopped { at: Utc::now(), asked: false });
                heartbeat.updated_at = stop.at;
                heartbeat.scheduler = liveness.scheduler();
                heartbeat.gateway = Gateway { connected: false, since: stop.at };
                heartbeat.stopped = Some(stop);
                write(&app, &heartbeat).await;
                tracing::info!("heartbeat marked stopped");
                return;
            }
        }
    }
}

/// Whether a shard is connected to the gateway.
async fn gateway_connected(shards: &ShardManager) -> bool {
    shards
        .runners
        .lock()
        .await
        .values()
        .any(|runner| runner.stage == ConnectionStage::Connected)
}

async fn write(app: &Arc<Mutex<App>>, heartbeat: &Heartbeat) {
    let (app, heartbeat) = (app.clone(), heartbeat.clone());
    let written = tokio::task::spawn_blocking(move || {
        let mut app = app.lock().unwrap_or_else(PoisonError::into_inner);
        app.store.write_heartbeat(&heartbeat)?;
        app.store.checkpoint()
    })
    .await;
    match written {
        Ok(Ok(checkpointed)) => tracing::debug!(?checkpointed, "heartbeat written, WAL checkpointed"),
        Ok(Err(e)) => tracing::warn!(error = %e, "the heartbeat or the WAL's checkpoint could not be written"),
        Err(e) => tracing::warn!(error = %e, "the heartbeat write stopped unexpectedly"),
    }
}
