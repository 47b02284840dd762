//! Files all or nothing, with the real binary writing real files: a write cut short by a
//! file-size limit (`prlimit --fsize`) or by a full file system (a small tmpfs in a private mount
//! namespace, `unshare`), a missing, read-only or forbidden folder. Each leaves no file under the
//! asked name and no temporary file beside it, says why in Japanese, and a rerun succeeds.
//! Also: config files that are not regular files, or too large, are refused at once.

use crate::support::{repo, Run, Workspace};
use kyodo::domain::record::{Column, Facts};
use kyodo::domain::RecordType;
use std::ffi::OsString;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Records seeded: enough that every output (CSV 54 KB, backup 280 KB, report XLSX 11 KB) is
/// larger than [`LIMIT`].
const RECORDS: u32 = 300;
/// The file-size limit of a cut-short run, in bytes.
const LIMIT: u64 = 4096;

fn seeded() -> Workspace {
    let workspace = Workspace::new();
    let date = chrono::NaiveDate::from_ymd_opt(2025, 5, 1).expect("date");
    crate::support::seed(
        &workspace.db(),
        (1..=RECORDS).map(|count| {
            (
                date,
                Facts::new(RecordType::of("consultation")).number_of(Column::Count, u64::from(count)),
            )
        }),
    );
    // Loads the baseline, so that later runs only read the database.
    kyodo::app::App::start(&repo().join("config/kyodo.toml"), &workspace.db(), chrono::Utc::now()).expect("start");
    std::fs::create_dir(workspace.path("out")).expect("out folder");
    workspace
}

/// `kyodo ARGS` as `Workspace::command` builds it, run through `prefix` (a wrapper command).
fn wrapped(workspace: &Workspace, prefix: &[&str], args: &[&str]) -> Command {
    let inner = workspace.command(args);
    let mut command = Command::new(prefix[0]);
    command
        .args(&prefix[1..])
        .arg(inner.get_program())
        .args(inner.get_args());
    if let Some(dir) = inner.get_current_dir() {
        command.current_dir(dir);
    }
    for (key, value) in inner.get_envs() {
        match value {
            Some(value) => command.env(key, value),
            None => command.env_remove(key),
        };
    }
    command
}

fn output(mut command: Command) -> Run {
    Run(command.output().expect("run"))
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

fn is_root() -> bool {
    std::fs::metadata("/proc/self").expect("/proc/self").uid() == 0
}

/// Asserts a refusal: exit 1, `words` in the one Japanese line on stderr, the file named, no
/// OS or SQLite English.
fn assert_refused(run: &Run, file: &str, words: &str) {
    let stderr = run.stderr();
    assert_eq!(run.code(), Some(1), "stdout:\n{}\nstderr:\n{stderr}", run.stdout());
    assert!(stderr.contains(words), "{stderr}");
    assert!(stderr.contains(file), "names {file}: {stderr}");
    for english in ["os error", "error", "No such", "denied", "disk", "I/O"] {
        assert!(
            !stderr.contains(english),
            "English ({english}) reaches the user: {stderr}"
        );
    }
}

/// A run of `args` under a file-size limit: refused with its message, nothing left in `out/`;
/// then the same run without the limit writes the whole file. Returns the file's path.
fn cut_short_then_rerun(args: &[&str], file: &str) -> (Workspace, std::path::PathBuf) {
    let workspace = seeded();
    let out = workspace.path("out");
    let target = out.join(file);
    let target_text = target.display().to_string();
    let mut args: Vec<&str> = args.to_vec();
    args.extend(["--output", &target_text]);
    // SQLite sizes the database's shared-memory file (32 KiB) when it opens it; with it already
    // open here, the limited run writes only the file it is asked for.
    let holder = rusqlite::Connection::open(workspace.db()).expect("open db");
    let count: u32 = holder
        .query_row("SELECT count(*) FROM records", [], |row| row.get(0))
        .expect("count");
    assert_eq!(count, RECORDS);

    let limit = format!("--fsize={LIMIT}");
    let cut = output(wrapped(&workspace, &["prlimit", &limit, "--"], &args));
    assert_refused(
        &cut,
        &target_text,
        "ファイルの大きさの上限を超えるため書き出せませんでした（書きかけのファイルは残していません）",
    );
    assert_eq!(names(&out), Vec::<String>::new(), "no file and no temporary file");
    drop(holder);

    let rerun = workspace.kyodo(&args).ok();
    assert!(rerun.stdout().contains("書き出しました"), "{}", rerun.stdout());
    assert_eq!(names(&out), [file]);
    let size = std::fs::metadata(&target).expect("written").len();
    assert!(size > LIMIT, "the whole file ({size} bytes) was written");
    (workspace, target)
}

#[test]
fn an_export_cut_short_by_a_file_size_limit_leaves_nothing_and_a_rerun_succeeds() {
    let (_workspace, target) = cut_short_then_rerun(
        &[
            "export",
            "--from",
            "2025-04-01",
            "--to",
            "2025-06-30",
            "--format",
            "csv",
        ],
        "records.csv",
    );
    let text = String::from_utf8(std::fs::read(&target).expect("csv")).expect("utf-8");
    assert_eq!(text.lines().count(), 1 + RECORDS as usize, "heading and every record");
}

#[test]
fn a_report_cut_short_by_a_file_size_limit_leaves_nothing_and_a_rerun_succeeds() {
    let (_workspace, target) = cut_short_then_rerun(
        &["report", "--fiscal-year", "2020", "--format", "xlsx"],
        "kyodo-2020.xlsx",
    );
    let bytes = std::fs::read(&target).expect("xlsx");
    assert!(bytes.starts_with(b"PK"), "a zip");
    // A zip is whole when its end-of-central-directory record ends it.
    let tail = &bytes[bytes.len() - 22..];
    assert_eq!(&tail[..4], b"PK\x05\x06", "the zip is complete");
}

#[test]
fn a_backup_cut_short_by_a_file_size_limit_leaves_nothing_and_a_rerun_is_a_whole_database() {
    let (workspace, target) = cut_short_then_rerun(&["backup"], "kyodo-backup.sqlite3");
    let backup = rusqlite::Connection::open(&target).expect("open backup");
    let check: String = backup
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .expect("integrity_check");
    assert_eq!(check, "ok");
    let count: u32 = backup
        .query_row("SELECT count(*) FROM records", [], |row| row.get(0))
        .expect("count");
    assert_eq!(count, RECORDS);
    assert_eq!(
        workspace.rows("SELECT count(*) FROM records"),
        vec![vec![RECORDS.to_string()]]
    );
}

/// Runs `kyodo ARGS` twice in a private mount namespace where `out/` is a tmpfs of `size`: first
/// as it is, then after `prepare_rerun` (a shell command). Prints `@@first=CODE`, `@@left=NAMES`,
/// `@@second=CODE`, `@@after=NAMES` between kyodo's own output; the rerun's files are copied to
/// `saved/`. Not root: a user namespace maps the user to root inside (as `unshare -r`).
fn in_scratch_fs(workspace: &Workspace, mount: &str, prepare_rerun: &str, args: &[&str]) -> Run {
    std::fs::create_dir(workspace.path("saved")).expect("saved folder");
    let script = format!(
        r#"out="$KYODO_TEST_OUT"
{mount} || {{ echo "@@cannot-mount"; exit 97; }}
"$@"; echo "@@first=$?"
echo "@@left=$(ls -A "$out" | tr '\n' ' ')"
{prepare_rerun}
"$@"; echo "@@second=$?"
echo "@@after=$(ls -A "$out" | tr '\n' ' ')"
cp -- "$out"/* "$KYODO_TEST_SAVED"/ 2>/dev/null
exit 0"#
    );
    let mut prefix = vec!["unshare", "--mount"];
    if !is_root() {
        prefix.extend(["--user", "--map-root-user"]);
    }
    prefix.extend(["sh", "-c", &script, "sh"]);
    let mut command = wrapped(workspace, &prefix, args);
    command
        .env("KYODO_TEST_OUT", workspace.path("out"))
        .env("KYODO_TEST_SAVED", workspace.path("saved"));
    let run = output(command);
    assert!(
        run.success() && !run.stdout().contains("@@cannot-mount"),
        "this test mounts a tmpfs in a private mount namespace (needs root, or unprivileged user namespaces)\nstdout:\n{}\nstderr:\n{}",
        run.stdout(),
        run.stderr()
    );
    run
}

/// The value of `@@key=` in the script's output.
fn marker(run: &Run, key: &str) -> String {
    let prefix = format!("@@{key}=");
    run.stdout()
        .lines()
        .find_map(|line| line.strip_prefix(&prefix).map(|v| v.trim().to_string()))
        .unwrap_or_else(|| panic!("no {prefix} in\n{}", run.stdout()))
}

#[test]
fn a_full_disk_has_its_own_message_leaves_nothing_and_a_rerun_after_freeing_space_succeeds() {
    for (args, file, check) in [
        (
            vec![
                "export",
                "--from",
                "2025-04-01",
                "--to",
                "2025-06-30",
                "--format",
                "csv",
            ],
            "records.csv",
            "書き出しました",
        ),
        (vec!["backup"], "kyodo.sqlite3", "データベースを"),
    ] {
        let workspace = seeded();
        let target = workspace.path("out").join(file).display().to_string();
        let mut args = args.clone();
        args.extend(["--output", &target]);
        let run = in_scratch_fs(
            &workspace,
            r#"mount -t tmpfs -o size=32k kyodo-full "$out""#,
            r#"mount -o remount,size=16m "$out""#,
            &args,
        );
        assert_eq!(marker(&run, "first"), "1", "{}", run.stderr());
        let message = format!(
            "エラー: ディスクがいっぱいで {target} を書き出せませんでした（書きかけのファイルは残していません）。空きを作ってからもう一度実行してください"
        );
        assert_eq!(run.stderr().trim(), message);
        assert_eq!(
            marker(&run, "left"),
            "",
            "no file and no temporary file on the full disk"
        );
        assert_eq!(marker(&run, "second"), "0", "{}", run.stderr());
        assert!(run.stdout().contains(check), "{}", run.stdout());
        assert_eq!(marker(&run, "after"), file);
        let saved = workspace.path("saved").join(file);
        assert!(std::fs::metadata(&saved).expect("saved").len() > 32 * 1024);
        if file.ends_with(".sqlite3") {
            let backup = rusqlite::Connection::open(&saved).expect("open backup");
            let check: String = backup
                .query_row("PRAGMA integrity_check", [], |row| row.get(0))
                .expect("integrity_check");
            assert_eq!(check, "ok");
        }
    }
}

#[test]
fn a_read_only_folder_has_its_own_message_and_nothing_is_written() {
    let workspace = seeded();
    let target = workspace.path("out").join("records.xlsx").display().to_string();
    let run = in_scratch_fs(
        &workspace,
        r#"mount --bind "$out" "$out" && mount -o remount,bind,ro "$out""#,
        r#"mount -o remount,bind,rw "$out""#,
        &[
            "export",
            "--from",
            "2025-04-01",
            "--to",
            "2025-06-30",
            "--output",
            &target,
        ],
    );
    assert_eq!(marker(&run, "first"), "1");
    let out = workspace.path("out").display().to_string();
    assert_eq!(
        run.stderr().trim(),
        format!("エラー: フォルダ {out}/ は読み取り専用の場所にあるため {target} を書き出せませんでした。書き込めるフォルダを指定してもう一度実行してください")
    );
    assert_eq!(marker(&run, "left"), "");
    assert_eq!(marker(&run, "second"), "0", "{}", run.stderr());
    assert_eq!(marker(&run, "after"), "records.xlsx");
}

/// `command` run so that a folder with mode 0555 really cannot be written: as the user running
/// the tests, or, for root (who ignores modes), as `nobody`, with the workspace opened to it.
fn unprivileged(workspace: &Workspace, mut command: Command) -> Command {
    if is_root() {
        use std::os::unix::process::CommandExt;
        let open = |path: &Path, mode: u32| {
            if path.exists() {
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
            }
        };
        open(workspace.dir.path(), 0o777);
        for suffix in ["", "-wal", "-shm"] {
            let mut name = OsString::from(workspace.db());
            name.push(suffix);
            open(Path::new(&name), 0o666);
        }
        command.uid(65534).gid(65534);
    }
    command
}

#[test]
fn missing_and_forbidden_folders_have_their_own_messages() {
    let workspace = seeded();
    let missing = workspace.path("backup");
    let target = missing.join("kyodo.sqlite3").display().to_string();
    let run = workspace.kyodo(&["backup", "--output", &target]);
    assert_refused(&run, &target, "");
    assert_eq!(
        run.stderr().trim(),
        format!(
            "エラー: フォルダ {}/ がありません。作成してからもう一度実行してください（{target} は書き出していません）",
            missing.display()
        )
    );
    assert!(!missing.exists());

    let report = missing.join("report.csv").display().to_string();
    let run = workspace.kyodo(&[
        "report",
        "--fiscal-year",
        "2020",
        "--format",
        "csv",
        "--output",
        &report,
    ]);
    assert_refused(&run, &report, "がありません。作成してから");

    let locked = workspace.path("locked");
    std::fs::create_dir(&locked).expect("locked folder");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    for (args, file) in [
        (
            vec!["export", "--from", "2025-04-01", "--to", "2025-06-30"],
            "records.xlsx",
        ),
        (vec!["backup"], "kyodo.sqlite3"),
        (
            vec!["report", "--fiscal-year", "2020", "--format", "xlsx"],
            "report.xlsx",
        ),
    ] {
        let target = locked.join(file).display().to_string();
        let mut args = args.clone();
        args.extend(["--output", &target]);
        let run = output(unprivileged(&workspace, workspace.command(&args)));
        assert_refused(&run, &target, "");
        assert_eq!(
            run.stderr().trim(),
            format!(
                "エラー: フォルダ {}/ に書き込む権限がないため {target} を書き出せませんでした。書き込めるフォルダを指定するか、権限を付けてからもう一度実行してください",
                locked.display()
            )
        );
        assert_eq!(names(&locked), Vec::<String>::new());
    }
}

#[test]
fn an_existing_file_is_never_overwritten_and_says_so() {
    let workspace = seeded();
    let target = workspace.path("out").join("records.csv");
    std::fs::write(&target, "前からあるファイル").expect("existing");
    let text = target.display().to_string();
    for args in [
        vec![
            "export",
            "--from",
            "2025-04-01",
            "--to",
            "2025-06-30",
            "--format",
            "csv",
            "--output",
        ],
        vec!["backup", "--output"],
        vec!["report", "--fiscal-year", "2020", "--format", "csv", "--output"],
        vec!["digest", "--month", "2025-05", "--chart"],
    ] {
        let mut args = args.clone();
        args.push(&text);
        let run = workspace.kyodo(&args);
        assert_refused(&run, &text, "");
        assert_eq!(
            run.stderr().trim(),
            format!("エラー: {text} はすでにあります（上書きはしません）。別の名前を指定するか、要らなければ消してからもう一度実行してください")
        );
        assert_eq!(std::fs::read_to_string(&target).expect("kept"), "前からあるファイル");
        assert_eq!(names(&workspace.path("out")), ["records.csv"]);
    }
}

#[test]
fn console_files_into_a_missing_or_forbidden_folder_are_refused_in_japanese() {
    let workspace = seeded();
    let script = "/records export from:2025-04-01 to:2025-06-30 format:csv\n";
    let missing = workspace.path("nowhere");
    let files = missing.join("exports");
    let run = workspace.console(&["--user", "佐藤", "--files", &files.display().to_string()], script);
    assert_eq!(run.code(), Some(1), "a file not saved fails the script");
    let stdout = run.stdout();
    let line = stdout
        .lines()
        .find(|l| l.starts_with('✗'))
        .unwrap_or_else(|| panic!("no refusal in\n{stdout}"));
    assert_eq!(
        line,
        format!(
            "✗ 保存できませんでした: フォルダ {}/ がありません。作成してからもう一度実行してください（{}/kyodo-records-2025-04-01_2025-06-30.csv は書き出していません）",
            missing.display(),
            files.display()
        )
    );
    assert!(!missing.exists(), "a mistyped path is not built");

    let locked = workspace.path("locked");
    std::fs::create_dir(&locked).expect("locked folder");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    let mut command = workspace.command(&["console", "--user", "佐藤", "--files", &locked.display().to_string()]);
    command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = unprivileged(&workspace, command).spawn().expect("console");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(script.as_bytes())
        .expect("script");
    let run = Run(child.wait_with_output().expect("console"));
    assert_eq!(run.code(), Some(1));
    let stdout = run.stdout();
    assert!(
        stdout.contains(&format!(
            "✗ 保存できませんでした: フォルダ {}/ に書き込む権限がないため {}/kyodo-records-2025-04-01_2025-06-30.csv を書き出せませんでした。",
            locked.display(),
            locked.display()
        )),
        "{stdout}"
    );
    assert!(!stdout.contains("os error"), "{stdout}");
    assert_eq!(names(&locked), Vec::<String>::new());

    // The folder itself is made (one level), as `exports/` is by default.
    let made = workspace.path("made");
    let run = workspace
        .console(&["--user", "佐藤", "--files", &made.display().to_string()], script)
        .ok();
    assert!(run.stdout().contains("保存しました:"), "{}", run.stdout());
    assert_eq!(names(&made), ["kyodo-records-2025-04-01_2025-06-30.csv"]);
}

/// `kyodo ARGS` to its end, killed (and the test failed) if it has not ended after `limit`: a
/// regression that hangs fails instead of hanging the suite. Its address space is capped at
/// 1 GiB, so that a regression reading `/dev/zero` fails fast instead of eating the machine.
fn within(workspace: &Workspace, limit: Duration, args: &[&str]) -> Run {
    let mut child = wrapped(workspace, &["prlimit", "--as=1073741824", "--"], args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kyodo");
    let started = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return Run(child.wait_with_output().expect("output"));
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("kyodo {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn check_config_refuses_devices_fifos_folders_and_huge_files_at_once() {
    let workspace = Workspace::new();
    let fifo = workspace.path("pipe.toml");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    // Generous for a shared machine; what it catches is a hang (today: reading /dev/zero forever).
    let limit = Duration::from_secs(10);
    for path in [
        "/dev/zero".to_string(),
        fifo.display().to_string(),
        workspace.dir.path().display().to_string(),
    ] {
        let run = within(&workspace, limit, &["check-config", &path]);
        assert_eq!(run.code(), Some(1));
        assert_eq!(
            run.stderr().trim(),
            format!("設定ファイル {path} はふつうのファイルではありません（フォルダや /dev/zero のような装置は読みません）。TOML の設定ファイルを指定してください")
        );
    }

    // The shipped config, valid, padded with comments to 2 MiB.
    let huge = workspace.path("kyodo.toml");
    let mut text = std::fs::read_to_string(repo().join("config/kyodo.toml")).expect("config");
    while text.len() < 2 * 1024 * 1024 {
        text.push_str("# コメント ------------------------------------------------------------\n");
    }
    std::fs::write(&huge, text).expect("huge");
    std::fs::write(
        workspace.path("baseline.toml"),
        std::fs::read(repo().join("config/baseline.toml")).expect("baseline"),
    )
    .expect("baseline");
    let path = huge.display().to_string();
    let run = within(&workspace, limit, &["check-config", &path]);
    assert_eq!(run.code(), Some(1));
    assert_eq!(
        run.stderr().trim(),
        format!("設定ファイル {path} は大きすぎます（1 MiB を超えています）。TOML の設定ファイルを指定しているか確かめてください")
    );
}

#[test]
fn a_baseline_that_is_a_device_is_refused_wherever_the_config_is_loaded() {
    let workspace = Workspace::new();
    let config = workspace.path("kyodo.toml");
    let shipped = std::fs::read_to_string(repo().join("config/kyodo.toml")).expect("config");
    assert!(shipped.contains("baseline = \"baseline.toml\""));
    std::fs::write(
        &config,
        shipped.replace("baseline = \"baseline.toml\"", "baseline = \"/dev/zero\""),
    )
    .expect("write");
    let config = config.display().to_string();
    let message = "設定ファイル /dev/zero はふつうのファイルではありません（フォルダや /dev/zero のような装置は読みません）。TOML の設定ファイルを指定してください";
    let limit = Duration::from_secs(10);
    let run = within(&workspace, limit, &["check-config", &config]);
    assert_eq!(run.code(), Some(1));
    assert_eq!(run.stderr().trim(), message);
    let run = within(
        &workspace,
        limit,
        &["--config", &config, "report", "--fiscal-year", "2020"],
    );
    assert_eq!(run.code(), Some(1));
    assert_eq!(run.stderr().trim(), format!("エラー: {message}"));
}
