//! Checkpoints beside the writes, on a real SQLite file: a connection that leaves them to
//! `Store::checkpoint` lets its WAL grow past SQLite's 1,000 pages without copying it back in a
//! commit, and one checkpoint then copies all of it; the next write starts the WAL again.

use super::checkpoint::Checkpointed;
use super::test_support::*;
use super::Store;
use tempfile::TempDir;

/// The WAL's pages once `reports` meetings are stored one by one (each its own commit), and
/// the store, on a new file; `beside`: checkpoints left to `Store::checkpoint`.
fn after_reports(reports: usize, beside: bool) -> (TempDir, Store, u64) {
    let (dir, mut store) = temp_store();
    if beside {
        store.checkpoint_beside().expect("checkpoints beside");
    }
    let c = komoro();
    for i in 0..reports {
        let facts = meeting(&c, i % 3, 0);
        store
            .insert(&new(&format!("r{i}"), d(2026, 6, 1 + (i % 28) as u32), facts), now())
            .expect("insert");
    }
    let wal = std::fs::metadata(dir.path().join("kyodo.sqlite3-wal")).map_or(0, |m| m.len());
    (dir, store, wal / (4096 + 24))
}

#[test]
fn checkpoints_beside_the_writes_leave_every_commit_its_own_and_copy_the_whole_wal_at_once() {
    // SQLite's own: the WAL is copied back in a commit and starts again, so it stays near
    // 1,000 pages however much is written.
    let (_dir, _store, by_itself) = after_reports(600, false);
    assert!(by_itself < 1_100, "SQLite checkpointed in a commit: {by_itself} pages");
    // Beside: no commit copies it; the WAL holds every page written.
    let (_dir, mut store, beside) = after_reports(600, true);
    assert!(beside > 1_500, "no commit checkpointed: {beside} pages");
    let Checkpointed { in_wal, copied } = store.checkpoint().expect("checkpoint");
    assert_eq!(copied, in_wal, "nothing reads: every page copied");
    assert!(in_wal as u64 > 1_500);
    // The next write starts the WAL from its beginning.
    let c = komoro();
    store
        .insert(&new("after", d(2026, 6, 2), meeting(&c, 0, 0)), now())
        .expect("insert");
    let next = store.checkpoint().expect("checkpoint");
    assert!(next.in_wal < 20, "the WAL started again: {next:?}");
}
