//! When the bot copies its WAL back into the database file (a checkpoint): after a reply, on a
//! connection of its own, so that no report waits for it.
//!
//! SQLite checkpoints in the commit that takes the WAL past 1,000 pages, before that commit
//! returns: so one report in about two hundred waited for it before its reply — for copying up
//! to 1,000 pages into the database file and an fsync of it: 0.3–0.5 ms more on the benchmark's
//! machine (`benches/interaction.rs`, its report #212), more on a slower disk, all charged to
//! whoever's report crossed the line. The bot's connection leaves that to SQLite only past `CAP` pages (`Store::checkpoint_after_replies`), so that the
//! WAL cannot grow without end, and the bot calls `Checkpointer::if_due` after each reply it
//! sent: once `DUE` pages are not yet copied back, a passive checkpoint, which waits for no
//! reader and no writer, through a second connection: the bot's own stays free for the next
//! report meanwhile. Nothing changes for what is durable: a commit is on disk in the WAL
//! (`synchronous = FULL`) before the reply either way.
//!
//! How many pages wait is read from the WAL index (the `-shm` file's header: the last valid
//! frame `mxFrame` at byte 16 and the frames copied back `nBackfill` at byte 96, in the
//! machine's byte order: <https://sqlite.org/walformat.html>), a read of 100 bytes that SQLite
//! keeps in shared memory.

use super::{Result, Store, BUSY_TIMEOUT};
use rusqlite::Connection;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Pages waiting in the WAL from which the bot checkpoints after a reply: SQLite's own default.
pub const DUE: u32 = 1_000;

/// Pages from which SQLite checkpoints in the commit itself on the bot's connection: only when
/// nothing checkpointed after the replies (a flood of writes that are not replies).
const CAP: u32 = 10_000;

/// A connection of its own to the bot's database, that copies the WAL back once it is due.
pub struct Checkpointer {
    conn: Connection,
    db: PathBuf,
}

impl Store {
    /// The bot's: a `Checkpointer` beside this connection, to which this connection leaves
    /// checkpoints up to `CAP` pages.
    pub fn checkpoint_after_replies(&self) -> Result<Checkpointer> {
        let db = PathBuf::from(self.conn.path().unwrap_or_default());
        let conn = Connection::open(&db)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        self.conn.pragma_update(None, "wal_autocheckpoint", CAP)?;
        Ok(Checkpointer { conn, db })
    }
}

impl Checkpointer {
    /// A passive checkpoint when `DUE` pages or more of the WAL are not yet copied back into
    /// the database; whether one ran.
    pub fn if_due(&self) -> Result<bool> {
        if wal_backlog(&self.db).is_none_or(|pages| pages < DUE) {
            return Ok(false);
        }
        self.conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(true)
    }
}

/// The frames of the WAL of the database at `db` not yet copied back into it, from its WAL
/// index; `None` when there is none to read (not in WAL mode, not opened yet).
pub fn wal_backlog(db: &Path) -> Option<u32> {
    let mut shm = std::fs::File::open(format!("{}-shm", db.display())).ok()?;
    let mut header = [0u8; 100];
    shm.read_exact(&mut header).ok()?;
    let word = |at: usize| {
        header
            .get(at..at + 4)
            .and_then(|bytes| bytes.try_into().ok())
            .map(u32::from_ne_bytes)
    };
    Some(word(16)?.saturating_sub(word(96)?))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{d, komoro, meeting, new, now, temp_store};
    use super::*;

    #[test]
    fn the_bots_commits_leave_the_wal_to_the_checkpoint_after_its_replies() {
        let (dir, mut store) = temp_store();
        let db = dir.path().join("kyodo.sqlite3");
        let c = komoro();
        let checkpointer = store.checkpoint_after_replies().expect("set");
        // Well past SQLite's own 1,000 pages: no commit copied the WAL back.
        let mut i = 0;
        while wal_backlog(&db).unwrap_or(0) < 2 * DUE {
            i += 1;
            store
                .insert(&new(&format!("r{i}"), d(2026, 5, 1), meeting(&c, i % 3, 0)), now())
                .expect("insert");
            assert!(i < 5_000, "a commit checkpointed: {:?} pages wait", wal_backlog(&db));
        }
        assert!(checkpointer.if_due().expect("checkpoint"), "due");
        assert_eq!(wal_backlog(&db), Some(0), "all copied back");
        // Below `DUE`: nothing to do.
        store
            .insert(&new("after", d(2026, 5, 1), meeting(&c, 0, 0)), now())
            .expect("insert");
        let waiting = wal_backlog(&db).expect("a WAL index");
        assert!(waiting > 0 && waiting < DUE, "{waiting}");
        assert!(!checkpointer.if_due().expect("checkpoint"));
        assert_eq!(wal_backlog(&db), Some(waiting));
    }

    #[test]
    fn other_connections_still_checkpoint_in_their_commits() {
        let (dir, mut store) = temp_store();
        let db = dir.path().join("kyodo.sqlite3");
        let c = komoro();
        for i in 0..400 {
            store
                .insert(&new(&format!("r{i}"), d(2026, 5, 1), meeting(&c, i % 3, 0)), now())
                .expect("insert");
            let waiting = wal_backlog(&db).expect("a WAL index");
            assert!(waiting <= DUE + 20, "report {i}: {waiting} pages wait");
        }
    }
}
