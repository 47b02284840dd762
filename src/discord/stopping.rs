//! Stopping without losing an answer: the work in flight is counted, a "stopping" flag turns
//! new work away, and `drain` waits (bounded) until the count is back to zero.
//!
//! Every interaction handler and every scheduler pass holds a [`Work`] while it runs. The
//! handler takes it first and checks [`Stopping::is_stopping`] second, so work that saw "not
//! stopping" is always counted before `drain` looks (both sides use `SeqCst`).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Notify;

#[derive(Debug, Default)]
pub struct Stopping {
    stopping: AtomicBool,
    /// Set when `drain` gave up: work that has not started its store call must not start it.
    abandoned: AtomicBool,
    in_flight: AtomicUsize,
    /// Notified when `stopping` is set and when the count falls to zero.
    changed: Notify,
}

/// One piece of work in flight; counted until dropped.
#[must_use = "the work is counted only while this is held"]
pub struct Work<'a>(&'a Stopping);

impl Drop for Work<'_> {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.changed.notify_waiters();
        }
    }
}

impl Stopping {
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one piece of work until the returned guard is dropped.
    pub fn begin(&self) -> Work<'_> {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        Work(self)
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Whether the drain gave up waiting: the process is about to exit.
    pub fn is_abandoned(&self) -> bool {
        self.abandoned.load(Ordering::SeqCst)
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// From now on no new work is taken.
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.changed.notify_waiters();
    }

    /// Completes once `stop` has been called.
    pub async fn stopped(&self) {
        self.wait_until(|| self.is_stopping()).await;
    }

    /// Waits until no work is in flight, at most `limit`. On timeout, marks the rest abandoned
    /// and returns how many were still running.
    pub async fn drain(&self, limit: Duration) -> Result<(), usize> {
        match tokio::time::timeout(limit, self.wait_until(|| self.in_flight() == 0)).await {
            Ok(()) => Ok(()),
            Err(_) => {
                self.abandoned.store(true, Ordering::SeqCst);
                Err(self.in_flight())
            }
        }
    }

    async fn wait_until(&self, done: impl Fn() -> bool) {
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if done() {
                return;
            }
            notified.await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Stopping;
    use std::sync::Arc;
    use std::time::Duration;

    #[tokio::test]
    async fn drain_waits_for_the_work_in_flight() {
        let stopping = Arc::new(Stopping::new());
        let (started, finish) = (
            Arc::new(tokio::sync::Notify::new()),
            Arc::new(tokio::sync::Notify::new()),
        );
        let worker = {
            let (stopping, started, finish) = (stopping.clone(), started.clone(), finish.clone());
            tokio::spawn(async move {
                let _work = stopping.begin();
                started.notify_one();
                finish.notified().await;
            })
        };
        started.notified().await;
        stopping.stop();
        assert!(stopping.is_stopping());
        assert_eq!(stopping.in_flight(), 1);
        let drain = {
            let stopping = stopping.clone();
            tokio::spawn(async move { stopping.drain(Duration::from_secs(60)).await })
        };
        for _ in 0..3 {
            tokio::task::yield_now().await;
        }
        assert!(!drain.is_finished(), "drained while work was in flight");
        finish.notify_one();
        worker.await.expect("worker");
        assert_eq!(drain.await.expect("drain"), Ok(()));
        assert!(!stopping.is_abandoned());
    }

    #[tokio::test]
    async fn drain_gives_up_after_the_limit() {
        let stopping = Stopping::new();
        let _work = stopping.begin();
        stopping.stop();
        assert_eq!(stopping.drain(Duration::from_millis(10)).await, Err(1));
        assert!(stopping.is_abandoned());
    }

    #[tokio::test]
    async fn stopped_completes_on_stop() {
        let stopping = Arc::new(Stopping::new());
        let waiter = {
            let stopping = stopping.clone();
            tokio::spawn(async move { stopping.stopped().await })
        };
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        stopping.stop();
        waiter.await.expect("stopped");
        assert_eq!(
            Stopping::new().drain(Duration::from_millis(10)).await,
            Ok(()),
            "nothing in flight"
        );
    }
}
