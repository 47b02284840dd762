//! Backups that are checked and rotated, restores that refuse while the bot runs, and upgrades
//! that can be undone — the real binary on real SQLite files (and, for the day's backup, the
//! library's job with an injected clock, as `scheduler.rs` drives the posts).

use crate::discord::{Bot, WAIT};
use crate::support::discord::Discord;
use crate::support::{jst, repo, Run, Workspace};
use chrono::NaiveDate;
use kyodo::backups::daily::Due;
use kyodo::backups::Daily;
use kyodo::domain::record::{Column, Facts};
use kyodo::domain::RecordType;
use kyodo::store::Store;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

/// `n` records (consultations on 1 June 2026), stored as an import.
fn seed(db: &Path, n: u32) {
    let facts = (0..n).map(|i| {
        (
            day(2026, 6, 1),
            Facts::new(RecordType::of("consultation")).number_of(Column::Count, u64::from(i + 1)),
        )
    });
    crate::support::seed(db, facts);
}

/// What a database file holds, read with plain SQLite: schema, records (id, type, date, count,
/// deleted), audit rows (id, record, action), tables.
#[derive(Debug, PartialEq, Eq)]
struct Contents {
    schema: i64,
    records: Vec<(i64, String, String, i64, bool)>,
    audit: Vec<(i64, i64, String)>,
    tables: Vec<String>,
}

fn contents(path: &Path) -> Contents {
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .expect("integrity_check");
    assert_eq!(integrity, "ok", "{}", path.display());
    let schema = conn
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .expect("version");
    let records = conn
        .prepare("SELECT id, record_type, occurred_on, count, deleted_at IS NOT NULL FROM records ORDER BY id")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("records");
    let audit = conn
        .prepare("SELECT id, record_id, action FROM audit ORDER BY id")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("audit");
    let tables = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("tables");
    Contents {
        schema,
        records,
        audit,
        tables,
    }
}

/// The names in a folder, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn arg(path: &Path) -> String {
    path.display().to_string()
}

/// Prints a command and what it printed (the transcripts in the report: `--nocapture`).
fn show(args: &[&str], run: &Run) {
    println!(
        "$ kyodo {}\n{}{}(exit {:?})\n",
        args.join(" "),
        run.stdout(),
        run.stderr(),
        run.code()
    );
}

fn kyodo(workspace: &Workspace, args: &[&str]) -> Run {
    let run = workspace.kyodo(args);
    show(args, &run);
    run
}

/// A copy of the shipped config (and baseline) in the workspace, with `[backup] keep = keep`.
fn config_keeping(workspace: &Workspace, keep: u32) -> PathBuf {
    let dir = workspace.path("config");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let shipped = std::fs::read_to_string(repo().join("config/kyodo.toml")).expect("config");
    assert_eq!(shipped.matches("keep = 14").count(), 1);
    std::fs::write(
        dir.join("kyodo.toml"),
        shipped.replacen("keep = 14", &format!("keep = {keep}"), 1),
    )
    .expect("write");
    std::fs::copy(repo().join("config/baseline.toml"), dir.join("baseline.toml")).expect("baseline");
    dir.join("kyodo.toml")
}

/// Overwrites the pages after the first two of a database file with garbage.
fn corrupt(path: &Path) {
    let mut bytes = std::fs::read(path).expect("read");
    assert!(
        bytes.len() > 6 * 4096,
        "a file of several pages ({} bytes)",
        bytes.len()
    );
    for b in &mut bytes[2 * 4096..6 * 4096] {
        *b = 0xA5;
    }
    std::fs::write(path, bytes).expect("write");
}

#[test]
fn a_verified_backup_says_what_it_checked_and_matches_the_database() {
    let workspace = Workspace::new();
    seed(&workspace.db(), 40);
    workspace.console(&["--user", "管理者"], "/records delete id:3\n").ok();
    let target = workspace.path("copy.sqlite3");
    let run = kyodo(&workspace, &["backup", "--output", &arg(&target), "--verify"]).ok();
    let out = run.stdout();
    assert!(
        out.contains(&format!("データベースを {} に書き出しました", target.display())),
        "{out}"
    );
    assert!(out.contains("整合性検査（integrity_check）ok"), "{out}");
    assert!(out.contains("記録 40件（うち削除済み 1件）、変更履歴 41件"), "{out}");
    assert!(out.contains("元のデータベース（コピーの時点まで）と一致"), "{out}");
    let copy = contents(&target);
    assert_eq!(copy, contents(&workspace.db()));
    assert_eq!(copy.records.len(), 40);
    // Recorded, and shown to administrators.
    let runs = workspace.rows("SELECT day IS NULL, file, status, records, audit FROM backup_runs");
    assert_eq!(
        runs,
        vec![vec![
            "1".to_string(),
            arg(&target),
            "done".into(),
            "40".into(),
            "41".into()
        ]]
    );
    let status = workspace.console(&["--role", "admin"], "/admin status\n").ok().stdout();
    assert!(
        status.contains(&format!("{}（記録 40件、変更履歴 41件、確認済み）", target.display())),
        "{status}"
    );
}

#[test]
fn a_corrupted_or_foreign_file_is_not_restored_and_the_database_is_unchanged() {
    let workspace = Workspace::new();
    seed(&workspace.db(), 200);
    let backup = workspace.path("copy.sqlite3");
    kyodo(&workspace, &["backup", "--output", &arg(&backup), "--verify"]).ok();
    corrupt(&backup);
    let before = std::fs::read(workspace.db()).expect("db");
    let listing = names(workspace.dir.path());

    let run = kyodo(&workspace, &["restore", "--from", &arg(&backup)]);
    assert_eq!(run.code(), Some(1));
    let err = run.stderr();
    assert!(err.contains(&format!("{} は壊れています", backup.display())), "{err}");
    assert!(err.contains("戻していません"), "{err}");

    // An SQLite file that is not kyodo's, and a file that is not SQLite at all.
    let foreign = workspace.path("other.sqlite3");
    Connection::open(&foreign)
        .expect("open")
        .execute_batch("CREATE TABLE notes (text TEXT); PRAGMA user_version = 1;")
        .expect("foreign");
    let run = kyodo(&workspace, &["restore", "--from", &arg(&foreign)]);
    assert_eq!(run.code(), Some(1));
    assert!(run
        .stderr()
        .contains("は kyodo のデータベースではありません（records・audit・baseline の表がありません）"));
    let text = workspace.path("notes.txt");
    std::fs::write(&text, "バックアップではありません".repeat(200)).expect("text");
    let run = kyodo(&workspace, &["restore", "--from", &arg(&text)]);
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stderr().contains("は SQLite のデータベースではありません"),
        "{}",
        run.stderr()
    );

    assert_eq!(
        std::fs::read(workspace.db()).expect("db"),
        before,
        "the database is unchanged"
    );
    let mut expected = listing;
    expected.extend(["other.sqlite3".to_string(), "notes.txt".into()]);
    expected.sort();
    assert_eq!(
        names(workspace.dir.path()),
        expected,
        "no database kept aside, no temporary file"
    );
}

#[test]
fn the_days_backup_is_taken_once_a_day_across_restarts_and_only_kyodos_old_ones_are_deleted() {
    let workspace = Workspace::new();
    seed(&workspace.db(), 5);
    let config = config_keeping(&workspace, 3);
    let settings = kyodo::config::load(&config).expect("config");
    let folder = workspace.path("backup");
    std::fs::create_dir(&folder).expect("backup folder");
    // Files kyodo did not name (or did not name as a day's backup), and one old day's backup.
    let foreign = [
        "notes.txt",
        "kyodo-before-v3.sqlite3",
        "my-kyodo-20261120.sqlite3",
        "kyodo-2026112.sqlite3",
        "kyodo-20261120.sqlite3.bak",
    ];
    for name in foreign {
        std::fs::write(folder.join(name), name).expect("foreign file");
    }
    std::fs::write(folder.join("kyodo-20261101.sqlite3"), "an old day's backup").expect("old");

    let taken = |due: Due, expected: NaiveDate| match due {
        Due::Taken { day, taken } => {
            assert_eq!(day, expected);
            assert_eq!(taken.checked.records, 5);
            assert_eq!(contents(&taken.file).records.len(), 5, "the file is a whole database");
            taken.removed
        }
        other => panic!("expected the backup of {expected}, got {other:?}"),
    };
    let file = |d: NaiveDate| folder.join(kyodo::backups::daily_name(d));

    let mut daily = Daily::open(&workspace.db(), &settings)
        .expect("open")
        .expect("[backup]");
    assert_eq!(daily.folder(), folder);
    assert_eq!(daily.next_due(jst(2026, 12, 1, 2, 0, 0)), jst(2026, 12, 1, 3, 0, 0));
    assert!(taken(
        daily.run_due(jst(2026, 12, 1, 3, 0, 0)).expect("1 Dec"),
        day(2026, 12, 1)
    )
    .is_empty());
    assert_eq!(
        daily.run_due(jst(2026, 12, 1, 3, 0, 30)).expect("again"),
        Due::Done {
            day: day(2026, 12, 1),
            file: file(day(2026, 12, 1))
        }
    );
    drop(daily);
    // A restart the same day takes none; nor one before 03:00 the next day.
    let mut daily = Daily::open(&workspace.db(), &settings)
        .expect("open")
        .expect("[backup]");
    assert!(matches!(
        daily.run_due(jst(2026, 12, 1, 10, 0, 0)).expect("restart"),
        Due::Done { .. }
    ));
    assert!(matches!(
        daily.run_due(jst(2026, 12, 2, 2, 59, 59)).expect("02:59"),
        Due::Done { .. }
    ));
    assert!(taken(
        daily.run_due(jst(2026, 12, 2, 3, 0, 0)).expect("2 Dec"),
        day(2026, 12, 2)
    )
    .is_empty());
    // Four of kyodo's day's backups with keep = 3: the oldest (1 November) goes.
    let removed = taken(
        daily.run_due(jst(2026, 12, 3, 3, 0, 5)).expect("3 Dec"),
        day(2026, 12, 3),
    );
    assert_eq!(removed, vec![folder.join("kyodo-20261101.sqlite3")]);
    let removed = taken(
        daily.run_due(jst(2026, 12, 4, 3, 10, 0)).expect("4 Dec"),
        day(2026, 12, 4),
    );
    assert_eq!(removed, vec![file(day(2026, 12, 1))]);
    drop(daily);
    // Down from 4 to 9 December: one backup at start, not one per day missed.
    let mut daily = Daily::open(&workspace.db(), &settings)
        .expect("open")
        .expect("[backup]");
    let removed = taken(
        daily.run_due(jst(2026, 12, 9, 10, 0, 0)).expect("9 Dec"),
        day(2026, 12, 9),
    );
    assert_eq!(removed, vec![file(day(2026, 12, 2))]);
    assert!(matches!(
        daily.run_due(jst(2026, 12, 9, 23, 0, 0)).expect("later"),
        Due::Done { .. }
    ));

    let mut expected: Vec<String> = foreign.iter().map(ToString::to_string).collect();
    expected.extend(
        [
            "kyodo-20261203.sqlite3",
            "kyodo-20261204.sqlite3",
            "kyodo-20261209.sqlite3",
        ]
        .map(String::from),
    );
    expected.sort();
    assert_eq!(names(&folder), expected, "kyodo's three newest and every foreign file");
    for name in foreign {
        assert_eq!(std::fs::read_to_string(folder.join(name)).expect("foreign"), name);
    }
    let runs = workspace.rows("SELECT day, status, attempts, records FROM backup_runs ORDER BY day");
    let days: Vec<&str> = runs.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        days,
        ["2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04", "2026-12-09"]
    );
    assert!(
        runs.iter().all(|r| r[1] == "done" && r[2] == "1" && r[3] == "5"),
        "{runs:?}"
    );
}

#[test]
fn a_days_backup_written_before_a_crash_is_checked_and_kept_not_written_twice() {
    let workspace = Workspace::new();
    seed(&workspace.db(), 5);
    let settings = kyodo::config::load(&config_keeping(&workspace, 14)).expect("config");
    let folder = workspace.path("backup");
    std::fs::create_dir(&folder).expect("folder");
    let file = folder.join("kyodo-20261205.sqlite3");
    {
        // The process stopped after the copy got its name, before it was recorded as done.
        let mut store = Store::open(&workspace.db()).expect("store");
        store
            .begin_backup(Some("2026-12-05"), &arg(&file), jst(2026, 12, 5, 3, 0, 0))
            .expect("begin");
        store.backup_to(&file).expect("copy");
    }
    let written = std::fs::metadata(&file).expect("file").modified().expect("mtime");
    let mut daily = Daily::open(&workspace.db(), &settings)
        .expect("open")
        .expect("[backup]");
    let Due::Taken { taken, .. } = daily.run_due(jst(2026, 12, 5, 8, 0, 0)).expect("run") else {
        panic!("not taken")
    };
    assert_eq!(taken.file, file);
    assert_eq!(taken.checked.records, 5);
    assert_eq!(
        std::fs::metadata(&file).expect("file").modified().expect("mtime"),
        written,
        "not rewritten"
    );
    assert_eq!(names(&folder), ["kyodo-20261205.sqlite3"]);
    assert_eq!(
        workspace.rows("SELECT status, attempts FROM backup_runs"),
        vec![vec!["done".to_string(), "2".into()]]
    );
}

#[test]
fn kyodo_backup_without_output_takes_todays_into_the_backup_folder_once() {
    let workspace = Workspace::new();
    seed(&workspace.db(), 7);
    let run = kyodo(&workspace, &["backup"]).ok();
    let folder = workspace.path("backup");
    let files = names(&folder);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(kyodo::backups::day_of(&files[0]).is_some(), "{files:?}");
    assert!(run.stdout().contains("（今日の分）"), "{}", run.stdout());
    assert!(run.stdout().contains("記録 7件"), "{}", run.stdout());
    let again = kyodo(&workspace, &["backup"]);
    assert_eq!(again.code(), Some(1));
    assert!(again.stderr().contains("はもう取ってあります"), "{}", again.stderr());
    assert_eq!(names(&folder), files);
}

#[tokio::test]
async fn kyodo_run_takes_the_days_backup_at_start_and_not_again_after_a_restart() {
    let workspace = Workspace::new();
    seed(&workspace.db(), 3);
    let discord = Discord::start().await;
    let bot = Bot::start(&workspace, &discord).await;
    bot.wait_log("daily backup written and checked", WAIT).await;
    let folder = workspace.path("backup");
    let files = names(&folder);
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(contents(&folder.join(&files[0])).records.len(), 3);
    drop(bot);
    let bot = Bot::start(&workspace, &discord).await;
    bot.wait_log("the day's backup is there already", WAIT).await;
    assert_eq!(names(&folder), files, "no second backup the same day");
    assert_eq!(
        workspace.rows("SELECT status, attempts FROM backup_runs"),
        vec![vec!["done".to_string(), "1".into()]]
    );
    drop(bot);
    discord.shutdown().await;
}

#[tokio::test]
async fn restore_is_refused_while_the_bot_runs_and_puts_the_backup_in_place_after_it_stops() {
    let workspace = Workspace::new();
    seed(&workspace.db(), 12);
    let backup = workspace.path("before.sqlite3");
    kyodo(&workspace, &["backup", "--output", &arg(&backup), "--verify"]).ok();
    // Records the backup does not have.
    seed(&workspace.db(), 20);
    let discord = Discord::start().await;
    let mut bot = Bot::start(&workspace, &discord).await;

    let args = ["restore", "--from", &arg(&backup)];
    let refused = kyodo(&workspace, &args);
    assert_eq!(refused.code(), Some(1));
    let err = refused.stderr();
    assert!(err.contains("kyodo run（ボット）が動いているため"), "{err}");
    assert!(err.contains("docker stop kyodo") && err.contains("Ctrl-C"), "{err}");
    assert!(err.contains("データベースは変えていません"), "{err}");
    assert!(!names(workspace.dir.path()).iter().any(|n| n.contains("before-restore")));
    assert_eq!(
        contents(&workspace.db()).records.len(),
        20,
        "untouched while the bot runs"
    );

    bot.signal("TERM");
    assert!(bot.wait_exit(Duration::from_secs(15)).await.success());
    let live = contents(&workspace.db());
    let run = kyodo(&workspace, &args).ok();
    let out = run.stdout();
    assert!(out.contains("記録 12件（うち削除済み 0件）"), "{out}");
    let kept: Vec<String> = names(workspace.dir.path())
        .into_iter()
        .filter(|n| n.starts_with("kyodo.sqlite3.before-restore-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(out.contains(&format!(
        "戻す前のデータベースを {} に残しました",
        workspace.path(&kept[0]).display()
    )));
    assert_eq!(
        contents(&workspace.path(&kept[0])),
        live,
        "the replaced database, whole"
    );
    assert_eq!(
        contents(&workspace.db()),
        contents(&backup),
        "the records of the backup"
    );
    for gone in ["kyodo.sqlite3-wal", "kyodo.sqlite3-shm"] {
        assert!(
            !workspace.path(gone).exists(),
            "{gone} left beside the restored database"
        );
    }
    assert!(!names(workspace.dir.path()).iter().any(|n| n.ends_with(".tmp")));
    // The bot starts on the restored database.
    let bot = Bot::start(&workspace, &discord).await;
    drop(bot);
    assert_eq!(contents(&workspace.db()).records.len(), 12);
    discord.shutdown().await;
}

/// A database of schema 2, as the kyodo of that time left it: the first two migrations, two
/// records with their audit rows.
fn schema_2_database(db: &Path) {
    let conn = Connection::open(db).expect("open");
    for name in ["0001_init.sql", "0002_tallies.sql"] {
        let sql = std::fs::read_to_string(repo().join("migrations").join(name)).expect("migration");
        conn.execute_batch(&sql).expect(name);
    }
    conn.execute_batch(
        "INSERT INTO records (record_type, occurred_on, count, reporter_id, reporter_name, source, source_id, created_at)
             VALUES ('match', '2026-06-01', 3, '1', '佐藤', 'console', 'a', '2026-06-01T00:00:00Z'),
                    ('consultation', '2026-06-02', 12, '1', '佐藤', 'console', 'b', '2026-06-02T00:00:00Z');
         INSERT INTO audit (record_id, action, actor_id, actor_name, at)
             VALUES (1, 'create', '1', '佐藤', '2026-06-01T00:00:00Z'), (2, 'create', '1', '佐藤', '2026-06-02T00:00:00Z');
         PRAGMA user_version = 2;",
    )
    .expect("schema 2 data");
}

#[test]
fn an_upgrade_writes_a_checked_snapshot_and_restoring_it_undoes_the_upgrade() {
    let workspace = Workspace::new();
    schema_2_database(&workspace.db());
    let old = contents(&workspace.db());
    assert_eq!(old.schema, 2);
    let latest = Store::latest_schema_version();
    let snapshot = workspace.path("backup").join(format!("kyodo-before-v{latest}.sqlite3"));

    // Start the new kyodo: the snapshot first, then the migrations.
    let export = workspace.path("june.csv");
    let args = [
        "export",
        "--from",
        "2026-06-01",
        "--to",
        "2026-06-30",
        "--format",
        "csv",
        "--output",
        &arg(&export),
    ];
    let run = kyodo(&workspace, &args).ok();
    assert!(run.stdout().contains("2件の記録"), "{}", run.stdout());
    let err = run.stderr();
    assert!(
        err.contains(&format!("スキーマ v2 から v{latest} に更新しました")),
        "{err}"
    );
    assert!(
        err.contains(&format!("kyodo restore --from {}", snapshot.display())),
        "{err}"
    );
    assert_eq!(
        contents(&snapshot),
        old,
        "the snapshot is the database before the upgrade"
    );
    let upgraded = contents(&workspace.db());
    assert_eq!(upgraded.schema, latest as i64);
    assert!(upgraded.tables.contains(&"backup_runs".to_string()));
    assert_eq!(upgraded.records, old.records);

    // Roll back as README says: stop, restore the snapshot, run the old kyodo.
    let args = ["restore", "--from", &arg(&snapshot)];
    let run = kyodo(&workspace, &args).ok();
    assert!(
        run.stdout().contains("このバックアップはスキーマ v2 です"),
        "{}",
        run.stdout()
    );
    assert_eq!(contents(&workspace.db()), old, "schema 2 again, records intact");

    // Upgrading again writes a new snapshot; the earlier one is kept under another name.
    let again = workspace.path("june-2.csv");
    let args = [
        "export",
        "--from",
        "2026-06-01",
        "--to",
        "2026-06-30",
        "--format",
        "csv",
        "--output",
        &arg(&again),
    ];
    let run = kyodo(&workspace, &args).ok();
    assert!(
        run.stderr().contains("前にあった同じ名前のスナップショットは"),
        "{}",
        run.stderr()
    );
    let snapshots = names(&workspace.path("backup"));
    assert_eq!(snapshots.len(), 2, "{snapshots:?}");
    assert!(snapshots
        .iter()
        .all(|n| n.starts_with(&format!("kyodo-before-v{latest}"))));
    assert_eq!(contents(&snapshot), old);
}

#[test]
fn an_upgrade_whose_snapshot_cannot_be_written_changes_nothing() {
    let workspace = Workspace::new();
    schema_2_database(&workspace.db());
    // A file where the backup folder should be.
    std::fs::write(workspace.path("backup"), "not a folder").expect("file");
    let before = std::fs::read(workspace.db()).expect("db");
    let run = kyodo(
        &workspace,
        &["export", "--format", "csv", "--output", &arg(&workspace.path("x.csv"))],
    );
    assert_eq!(run.code(), Some(1));
    let err = run.stderr();
    let latest = Store::latest_schema_version();
    assert!(
        err.contains(&format!(
            "kyodo-before-v{latest}.sqlite3 を書き出せなかったため、更新していません"
        )),
        "{err}"
    );
    assert!(err.contains("はフォルダではありません"), "{err}");
    assert_eq!(std::fs::read(workspace.db()).expect("db"), before, "unchanged");
    assert_eq!(contents(&workspace.db()).schema, 2);
}

#[test]
fn a_database_from_a_newer_kyodo_is_refused_with_both_versions_and_untouched() {
    let workspace = Workspace::new();
    seed(&workspace.db(), 2);
    let latest = Store::latest_schema_version();
    let newer = latest + 1;
    Connection::open(workspace.db())
        .expect("open")
        .pragma_update(None, "user_version", newer)
        .expect("version");
    let before = std::fs::read(workspace.db()).expect("db");
    let listing = names(workspace.dir.path());
    let run = kyodo(&workspace, &["console"]);
    assert_eq!(run.code(), Some(1));
    let err = run.stderr();
    assert!(
        err.contains(&format!("スキーマ v{newer} で、この kyodo は v{latest} までです")),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "kyodo-before-v{newer}.sqlite3 を kyodo restore --from で戻してください"
        )),
        "{err}"
    );
    assert!(err.contains("新しい kyodo を使うか"), "{err}");
    assert_eq!(std::fs::read(workspace.db()).expect("db"), before, "untouched");
    assert_eq!(names(workspace.dir.path()), listing, "nothing created beside it");
    // Nor is it restored.
    let copy = workspace.path("newer.sqlite3");
    std::fs::copy(workspace.db(), &copy).expect("copy");
    let run = kyodo(&workspace, &["restore", "--from", &arg(&copy)]);
    assert_eq!(run.code(), Some(1));
    assert!(run
        .stderr()
        .contains(&format!("スキーマ v{newer} で、この kyodo は v{latest} まで")));
}

#[test]
fn a_damaged_database_is_kept_aside_with_its_wal_and_replaced_by_the_backup() {
    let workspace = Workspace::new();
    seed(&workspace.db(), 200);
    let backup = workspace.path("good.sqlite3");
    kyodo(&workspace, &["backup", "--output", &arg(&backup), "--verify"]).ok();
    // The reason one restores: the database is damaged (SQLite cannot even read its header),
    // and a log is left beside it.
    let mut bytes = std::fs::read(workspace.db()).expect("db");
    bytes[..100].fill(0x5A);
    std::fs::write(workspace.db(), bytes).expect("damage");
    std::fs::write(workspace.path("kyodo.sqlite3-wal"), b"left by a crash").expect("wal");
    let damaged = std::fs::read(workspace.db()).expect("db");
    let run = kyodo(&workspace, &["restore", "--from", &arg(&backup)]).ok();
    let kept: Vec<String> = names(workspace.dir.path())
        .into_iter()
        .filter(|n| n.starts_with("kyodo.sqlite3.before-restore-"))
        .collect();
    assert_eq!(kept.len(), 2, "the database and its log: {kept:?}");
    assert!(kept[1].ends_with("-wal"), "{kept:?}");
    assert_eq!(std::fs::read(workspace.path(&kept[0])).expect("kept"), damaged);
    assert_eq!(
        std::fs::read(workspace.path(&kept[1])).expect("kept wal"),
        b"left by a crash"
    );
    assert!(
        !workspace.path("kyodo.sqlite3-wal").exists(),
        "the old log is not applied to the backup"
    );
    assert_eq!(contents(&workspace.db()), contents(&backup));
    assert!(run.stdout().contains("記録 200件"), "{}", run.stdout());
}

#[test]
fn restore_waits_for_other_programs_and_keeps_what_a_crash_left_in_the_log() {
    let workspace = Workspace::new();
    seed(&workspace.db(), 10);
    let backup = workspace.path("ten.sqlite3");
    kyodo(&workspace, &["backup", "--output", &arg(&backup), "--verify"]).ok();
    // Another program (a console, a replicator) has the database open, with changes still in
    // the log.
    let other = Connection::open(workspace.db()).expect("open");
    other
        .pragma_update(None, "wal_autocheckpoint", 0)
        .expect("no checkpoints");
    other
        .execute("UPDATE records SET count = count + 100 WHERE id <= 5", [])
        .expect("change");
    let listing = names(workspace.dir.path());
    assert!(listing.contains(&"kyodo.sqlite3-wal".to_string()), "{listing:?}");
    let run = kyodo(&workspace, &["restore", "--from", &arg(&backup)]);
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stderr()
            .contains("ほかのプログラム（kyodo console や litestream など）が開いている"),
        "{}",
        run.stderr()
    );
    let mut expected = listing.clone();
    expected.push("kyodo.sqlite3.lock".into());
    expected.sort();
    assert_eq!(
        names(workspace.dir.path()),
        expected,
        "nothing kept aside, nothing removed"
    );

    // What a crash leaves: the database and its log, no program attached.
    let crashed = Workspace::new();
    std::fs::copy(workspace.db(), crashed.db()).expect("db");
    std::fs::copy(workspace.path("kyodo.sqlite3-wal"), crashed.path("kyodo.sqlite3-wal")).expect("wal");
    drop(other);
    let with_log = contents(&workspace.db());
    assert!(with_log.records.iter().filter(|r| r.3 > 100).count() == 5);
    let run = kyodo(&crashed, &["restore", "--from", &arg(&backup)]).ok();
    assert!(run.stdout().contains("記録 10件"));
    let kept: Vec<String> = names(crashed.dir.path())
        .into_iter()
        .filter(|n| n.contains("before-restore"))
        .collect();
    assert_eq!(kept.len(), 1, "the log's pages are in the kept file: {kept:?}");
    assert_eq!(contents(&crashed.path(&kept[0])).records, with_log.records);
    assert!(!crashed.path("kyodo.sqlite3-wal").exists());
    assert_eq!(contents(&crashed.db()), contents(&backup));
}
