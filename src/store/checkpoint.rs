//! WAL checkpoints beside the reports, not in them: `kyodo run` leaves its connection's
//! checkpoints to its heartbeat (`discord::heartbeat`, every 30 seconds), so that no report waits
//! while SQLite copies the WAL back into the database.
//!
//! SQLite checkpoints by itself in the commit that takes the WAL past 1,000 pages: with a
//! report's 4.6 pages, one report in about 215 waited for it (0.3–0.6 ms more on this machine,
//! its `benches/interaction.rs` slowest but one). A checkpoint every 30 seconds copies only what
//! was written since, and a report that arrives meanwhile waits for the `App` lock as it would
//! for any other write. Past `SAFETY_NET` pages the connection checkpoints in a commit again,
//! should the heartbeat stop. Done through SQLite (`PRAGMA`), never by touching its `-wal` or
//! `-shm` files: closing a descriptor of them would drop the process's POSIX locks on them.

use super::{Result, Store};

/// WAL pages past which a connection whose checkpoints are taken beside its writes still
/// checkpoints in a commit (about 40 MiB).
pub const SAFETY_NET: i64 = 10_000;

/// What a checkpoint did (`PRAGMA wal_checkpoint`'s row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpointed {
    /// Pages in the WAL.
    pub in_wal: i64,
    /// Of them, copied into the database (now or before).
    pub copied: i64,
}

impl Store {
    /// Leaves this connection's checkpoints to `checkpoint`, up to `SAFETY_NET` pages.
    pub fn checkpoint_beside(&self) -> Result<()> {
        self.conn.pragma_update(None, "wal_autocheckpoint", SAFETY_NET)?;
        Ok(())
    }

    /// Copies the WAL's pages into the database as far as no reader still needs them (a passive
    /// checkpoint: it never waits for a reader or a writer); the next write then starts the
    /// WAL from its beginning again.
    pub fn checkpoint(&self) -> Result<Checkpointed> {
        let (in_wal, copied) = self.conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
            Ok((row.get(1)?, row.get(2)?))
        })?;
        Ok(Checkpointed { in_wal, copied })
    }
}
