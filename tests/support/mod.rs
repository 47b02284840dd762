//! Helpers shared by the end-to-end tests: a temporary workspace with its own database, and
//! running the real `kyodo` binary in it.

#![allow(dead_code)]

pub mod browser;
pub mod discord;

/// `y-m-d h:min:s` in Komoro (Japan Standard Time), as UTC.
pub fn jst(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    chrono_tz::Asia::Tokyo
        .with_ymd_and_hms(y, m, d, h, min, s)
        .single()
        .expect("valid time")
        .with_timezone(&chrono::Utc)
}

/// Retries quick enough for a test: three tries, 20 ms apart.
pub const QUICK: kyodo::scheduler::post::Retry = kyodo::scheduler::post::Retry {
    tries: 3,
    backoff: std::time::Duration::from_millis(20),
};

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use tempfile::TempDir;

/// The rows of a CSV file kyodo wrote (UTF-8 with a BOM), every cell as text.
pub fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    csv_rows_of(&std::fs::read(path).expect("csv written"))
}

/// The rows of CSV bytes kyodo made (UTF-8 with a BOM), every cell as text.
pub fn csv_rows_of(bytes: &[u8]) -> Vec<Vec<String>> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").expect("a BOM");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body)
        .records()
        .map(|r| r.expect("valid CSV").iter().map(String::from).collect())
        .collect()
}

/// Stores records reported by 佐藤 (as an import), one per `(date, facts)`, in the database at `db`.
pub fn seed(db: &Path, records: impl IntoIterator<Item = (chrono::NaiveDate, kyodo::domain::record::Facts)>) {
    use kyodo::domain::record::{Actor, NewRecord, Source, SourceKind};
    let mut store = kyodo::store::Store::open(db).expect("open store");
    let records: Vec<NewRecord> = records
        .into_iter()
        .enumerate()
        .map(|(i, (date, facts))| NewRecord {
            date,
            facts,
            reporter: Actor {
                id: "1".into(),
                name: "佐藤".into(),
            },
            source: Source {
                kind: SourceKind::Import,
                id: format!("seed-{i}"),
                origin: None,
            },
        })
        .collect();
    store.insert_batch(&records, chrono::Utc::now()).expect("seed records");
}

/// The repository root (where `config/` is).
pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A temporary folder holding a test's database and any files it writes.
pub struct Workspace {
    pub dir: TempDir,
}

impl Workspace {
    pub fn new() -> Self {
        Workspace {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("kyodo.sqlite3")
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `kyodo ARGS`, not started, with this workspace's database and the shipped config, from the repository.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kyodo"));
        command
            .args(args)
            .current_dir(repo())
            .env("KYODO_DATABASE", self.db())
            .env_remove("KYODO_CONFIG")
            .env_remove("DISCORD_TOKEN")
            .env("RUST_LOG", "warn");
        command
    }

    /// Runs `kyodo ARGS` to its end.
    pub fn kyodo(&self, args: &[&str]) -> Run {
        Run(self.command(args).output().expect("run kyodo"))
    }

    /// Runs `kyodo console ARGS` with `script` piped into it.
    pub fn console(&self, args: &[&str], script: &str) -> Run {
        use std::io::Write;
        let mut all = vec!["console"];
        all.extend_from_slice(args);
        let mut child = self
            .command(&all)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start kyodo console");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(script.as_bytes())
            .expect("write script");
        Run(child.wait_with_output().expect("run kyodo console"))
    }

    /// The rows of a query on this workspace's database, every value as text.
    pub fn rows(&self, sql: &str) -> Vec<Vec<String>> {
        let conn = rusqlite::Connection::open(self.db()).expect("open db");
        let mut stmt = conn.prepare(sql).expect("prepare");
        let columns = stmt.column_count();
        let rows = stmt
            .query_map([], |row| {
                (0..columns)
                    .map(|i| {
                        let v: rusqlite::types::Value = row.get(i)?;
                        Ok(match v {
                            rusqlite::types::Value::Null => "NULL".to_string(),
                            rusqlite::types::Value::Integer(n) => n.to_string(),
                            rusqlite::types::Value::Real(f) => f.to_string(),
                            rusqlite::types::Value::Text(t) => t,
                            rusqlite::types::Value::Blob(_) => "<blob>".to_string(),
                        })
                    })
                    .collect()
            })
            .expect("query");
        rows.map(|r| r.expect("row")).collect()
    }
}

/// What a run of the binary printed, and how it ended.
pub struct Run(pub Output);

impl Run {
    pub fn success(&self) -> bool {
        self.0.status.success()
    }

    pub fn code(&self) -> Option<i32> {
        self.0.status.code()
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }

    /// Panics with both outputs unless the run succeeded.
    pub fn ok(self) -> Self {
        assert!(
            self.success(),
            "kyodo failed ({:?})\nstdout:\n{}\nstderr:\n{}",
            self.code(),
            self.stdout(),
            self.stderr()
        );
        self
    }
}
