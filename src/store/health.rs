//! Looking without touching, and the bot's heartbeat: `kyodo health` opens the database
//! read-only (no migration, no file created), and `kyodo run` keeps its heartbeat as one row of
//! `meta` (JSON), written in autocommit.

use super::{Error, Result, Store, BUSY_TIMEOUT};
use crate::domain::health::Heartbeat;
use rusqlite::{Connection, OpenFlags};
use std::path::{Path, PathBuf};

/// The `meta` key of the heartbeat.
const HEARTBEAT_KEY: &str = "bot_heartbeat";

/// Why a database could not be opened read-only.
#[derive(Debug, thiserror::Error)]
pub enum ReadOnlyError {
    #[error("データベース {0} がありません")]
    Missing(PathBuf),
    #[error("データベース {path} を開けません（SQLite のデータベースではないか、読む権限がありません）")]
    Unreadable { path: PathBuf, reason: String },
}

impl Store {
    /// Opens the database at `path` for reading only: never creates it, its folder or, when no
    /// connection has it open, its `-wal` and `-shm` files; never migrates. Its schema is
    /// whatever [`Store::schema_version`] says.
    pub fn open_read_only(path: &Path) -> Result<Store, ReadOnlyError> {
        let unreadable = |reason: String| ReadOnlyError::Unreadable {
            path: path.to_path_buf(),
            reason,
        };
        if !path.is_file() {
            return match path.exists() {
                true => Err(unreadable("not a file".into())),
                false => Err(ReadOnlyError::Missing(path.to_path_buf())),
            };
        }
        let text = path.to_str().ok_or_else(|| unreadable("path is not UTF-8".into()))?;
        // While a writer has the database open its `-wal` exists and is read through as usual.
        // Without one, the file alone is the database: read it as immutable, so that SQLite
        // creates no `-wal`/`-shm` (a read-only connection could not remove them again, and
        // they would belong to whoever ran the check).
        let wal = PathBuf::from(format!("{text}-wal"));
        let mut uri = format!("file:{}?mode=ro", uri_path(text));
        if !wal.exists() {
            uri.push_str("&immutable=1");
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&uri, flags).map_err(|e| unreadable(e.to_string()))?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(|e| unreadable(e.to_string()))?;
        let store = Store {
            conn,
            subsidy: None,
            upgraded: None,
            tallied: None,
        };
        // A file that is not SQLite fails on its first read.
        store.schema_version().map_err(|e| unreadable(e.to_string()))?;
        Ok(store)
    }

    /// The heartbeat the bot last wrote, if any bot ever ran on this database.
    pub fn heartbeat(&self) -> Result<Option<Heartbeat>> {
        match self.meta(HEARTBEAT_KEY)? {
            None => Ok(None),
            Some(json) => serde_json::from_str(&json)
                .map(Some)
                .map_err(|e| Error::Corrupt(format!("ボットの心拍（meta の {HEARTBEAT_KEY}）: {e}"))),
        }
    }

    /// Replaces the heartbeat: one statement, in autocommit.
    pub fn write_heartbeat(&mut self, heartbeat: &Heartbeat) -> Result<()> {
        let json = serde_json::to_string(heartbeat).map_err(|e| Error::Corrupt(e.to_string()))?;
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [HEARTBEAT_KEY, &json],
        )?;
        Ok(())
    }
}

/// A path as the path part of an SQLite `file:` URI: `%`, `?` and `#` escaped.
fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        match c {
            '%' => out.push_str("%25"),
            '?' => out.push_str("%3f"),
            '#' => out.push_str("%23"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::health::{Gateway, Scheduler, Stopped};
    use chrono::{TimeZone, Utc};

    fn beat() -> Heartbeat {
        let at = |s: i64| Utc.timestamp_opt(1_780_000_000 + s, 0).single().expect("time");
        Heartbeat {
            pid: 77,
            started_at: at(0),
            updated_at: at(30),
            stopped: None,
            gateway: Gateway {
                connected: true,
                since: at(2),
            },
            scheduler: Scheduler {
                enabled: true,
                last_pass: Some(at(29)),
            },
        }
    }

    fn files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("read dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn the_heartbeat_is_one_meta_row_replaced_in_place() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut store = Store::open(&dir.path().join("k.sqlite3")).expect("open");
        assert_eq!(store.heartbeat().expect("read"), None);
        let mut b = beat();
        store.write_heartbeat(&b).expect("write");
        assert_eq!(store.heartbeat().expect("read"), Some(b.clone()));
        b.stopped = Some(Stopped {
            at: b.updated_at,
            asked: true,
        });
        store.write_heartbeat(&b).expect("write again");
        assert_eq!(store.heartbeat().expect("read"), Some(b));
        let rows: i64 = store
            .conn
            .query_row("SELECT count(*) FROM meta WHERE key = 'bot_heartbeat'", [], |r| {
                r.get(0)
            })
            .expect("count");
        assert_eq!(rows, 1);
        store
            .conn
            .execute("UPDATE meta SET value = '{' WHERE key = 'bot_heartbeat'", [])
            .expect("spoil");
        assert!(matches!(store.heartbeat(), Err(Error::Corrupt(_))));
    }

    #[test]
    fn read_only_creates_nothing_and_reads_what_a_writer_wrote() {
        let dir = tempfile::tempdir().expect("temp dir");
        let missing = dir.path().join("no/such/k.sqlite3");
        assert!(matches!(
            Store::open_read_only(&missing),
            Err(ReadOnlyError::Missing(_))
        ));
        assert!(!dir.path().join("no").exists(), "no folder created");

        let path = dir.path().join("k.sqlite3");
        Store::open(&path)
            .expect("create")
            .write_heartbeat(&beat())
            .expect("write");
        assert_eq!(
            files(dir.path()),
            ["k.sqlite3"],
            "the writer's -wal is gone once it closed"
        );
        let reader = Store::open_read_only(&path).expect("read-only");
        assert_eq!(
            reader.schema_version().expect("version"),
            Store::latest_schema_version()
        );
        assert_eq!(reader.heartbeat().expect("heartbeat"), Some(beat()));
        assert!(reader.conn.execute("DELETE FROM meta", []).is_err(), "cannot write");
        drop(reader);
        assert_eq!(files(dir.path()), ["k.sqlite3"], "no -wal or -shm left behind");

        // With a writer open, its latest commit is seen.
        let mut writer = Store::open(&path).expect("writer");
        let mut newer = beat();
        newer.pid = 78;
        writer.write_heartbeat(&newer).expect("write");
        let reader = Store::open_read_only(&path).expect("read-only beside a writer");
        assert_eq!(reader.heartbeat().expect("heartbeat").map(|b| b.pid), Some(78));
    }

    #[test]
    fn read_only_refuses_what_is_not_a_database() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("notes #1?.txt");
        std::fs::write(&path, "これはデータベースではありません。".repeat(100)).expect("write");
        assert!(matches!(
            Store::open_read_only(&path),
            Err(ReadOnlyError::Unreadable { .. })
        ));
        assert!(matches!(
            Store::open_read_only(dir.path()),
            Err(ReadOnlyError::Unreadable { .. })
        ));
        assert_eq!(files(dir.path()), ["notes #1?.txt"]);
    }

    #[test]
    fn uri_paths_escape_what_sqlite_would_read_as_query() {
        assert_eq!(uri_path("/d/a%b?c#d e"), "/d/a%25b%3fc%23d e");
    }
}
