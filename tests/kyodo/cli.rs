//! The command line as a city employee uses it: checking the config, and the annual report from
//! the baseline and from records — and what happens when a file is wrong or missing.

use crate::support::{repo, Workspace};
use chrono::Utc;
use kyodo::domain::record::{Column, Facts};
use kyodo::domain::RecordType;
use kyodo::domain::{FiscalYear, FiscalYearStart};
use kyodo::store::Store;

fn shipped(name: &str) -> String {
    std::fs::read_to_string(repo().join("config").join(name)).expect("shipped config")
}

/// A copy of the shipped config in the workspace, with `edit` applied to kyodo.toml.
fn broken_config(workspace: &Workspace, edit: impl Fn(String) -> String) -> String {
    std::fs::write(workspace.path("kyodo.toml"), edit(shipped("kyodo.toml"))).expect("write config");
    std::fs::write(workspace.path("baseline.toml"), shipped("baseline.toml")).expect("write baseline");
    workspace.path("kyodo.toml").display().to_string()
}

#[test]
fn the_shipped_config_passes_the_check() {
    let run = Workspace::new().kyodo(&["check-config"]).ok();
    assert_eq!(
        run.stdout().trim(),
        "config/kyodo.toml: 問題はありません（取り組み5、指標9、地区10、区68、基準データ3年度）"
    );
}

#[test]
fn a_broken_config_is_reported_with_file_line_and_reason() {
    let workspace = Workspace::new();
    let path = broken_config(&workspace, |text| {
        text.replacen("\"相生\", \"本町\"", "\"相生\", \"相生\"", 1)
            .replacen("cap = 150000", "cap = 0", 1)
    });
    let run = workspace.kyodo(&["check-config", &path]);
    assert_eq!(run.code(), Some(1));
    let stderr = run.stderr();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{stderr}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&path) && l.ends_with("行目: 区「相生」が2回書かれています")),
        "{stderr}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("行目: ステップアップコースの上限（cap）は正の整数（円）で書いてください")),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));

    // The same check stops every other command, and nothing is written.
    let run = workspace.kyodo(&["--config", &path, "report", "--fiscal-year", "2020"]);
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stderr().contains("区「相生」が2回書かれています"),
        "{}",
        run.stderr()
    );
    assert!(run.stdout().is_empty());
    assert!(!workspace.db().exists(), "no database was created from a bad config");
}

#[test]
fn an_unknown_key_and_a_bad_baseline_figure_are_reported() {
    let workspace = Workspace::new();
    let path = broken_config(&workspace, |text| {
        text.replacen("[schedule]\n", "[schedule]\ncolor = 1\n", 1)
    });
    let run = workspace.kyodo(&["check-config", &path]);
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stderr().contains("知らない項目「color」があります"),
        "{}",
        run.stderr()
    );

    let path = broken_config(&workspace, |text| text);
    let baseline = shipped("baseline.toml").replacen("match = 558", "match = \"558件\"", 1);
    std::fs::write(workspace.path("baseline.toml"), baseline).expect("write baseline");
    let run = workspace.kyodo(&["check-config", &path]);
    assert_eq!(run.code(), Some(1));
    let stderr = run.stderr();
    assert!(
        stderr.contains(&format!("{} ", workspace.path("baseline.toml").display())),
        "{stderr}"
    );
    assert!(stderr.contains("行目: 「558件」は数値ではありません"), "{stderr}");
}

#[test]
fn missing_files_are_named() {
    let workspace = Workspace::new();
    let missing = workspace.path("nothing.toml").display().to_string();
    let run = workspace.kyodo(&["--config", &missing, "report", "--fiscal-year", "2020"]);
    assert_eq!(run.code(), Some(1));
    assert_eq!(
        run.stderr().trim(),
        format!("エラー: 設定ファイル {missing} を読めません（ファイルがありません）")
    );

    let not_a_db = workspace.path("kyodo.sqlite3");
    std::fs::write(&not_a_db, "ただのメモ".repeat(400)).expect("write");
    let run = workspace.kyodo(&["report", "--fiscal-year", "2020"]);
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stderr()
            .starts_with(&format!("エラー: データベース {} を開けません", not_a_db.display())),
        "{}",
        run.stderr()
    );
    assert_eq!(
        std::fs::read_to_string(&not_a_db).expect("read"),
        "ただのメモ".repeat(400)
    );
}

#[test]
fn fiscal_years_are_read_in_every_calendar_and_the_future_is_refused() {
    let workspace = Workspace::new();
    let western = workspace.kyodo(&["report", "--fiscal-year", "2020"]).ok().stdout();
    let japanese = workspace.kyodo(&["report", "--fiscal-year", "令和2年度"]).ok().stdout();
    assert_eq!(western, japanese);
    let run = workspace.kyodo(&["report", "--fiscal-year", "2099"]);
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stderr().contains("令和81年度はまだ始まっていません"),
        "{}",
        run.stderr()
    );
    let run = workspace.kyodo(&["report", "--fiscal-year", "来年"]);
    assert_eq!(run.code(), Some(2));
    assert!(
        run.stderr().contains("「来年」は年度として読めません"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_year_with_records_is_computed_and_years_without_are_unknown() {
    let workspace = Workspace::new();
    let today = Utc::now().with_timezone(&chrono_tz::Asia::Tokyo).date_naive();
    let current = FiscalYear::containing(today, FiscalYearStart::APRIL_FIRST);
    let fy_start = current.first_day(FiscalYearStart::APRIL_FIRST);
    let fy = current.start_year().to_string();
    {
        let facts = [
            Facts::new(RecordType::of("council"))
                .text_of(Column::Kind, "役員会")
                .text_of(Column::Status, "実施"),
            Facts::new(RecordType::of("council"))
                .text_of(Column::Kind, "役員会")
                .text_of(Column::Status, "実施"),
            Facts::new(RecordType::of("council"))
                .text_of(Column::Kind, "総会")
                .text_of(Column::Status, "中止"),
            Facts::new(RecordType::of("meeting"))
                .text_of(Column::Area, "東部")
                .text_of(Column::District, "荒町"),
            Facts::new(RecordType::of("consultation")).number_of(Column::Count, 12),
            Facts::new(RecordType::of("consultation")).number_of(Column::Count, 30),
            Facts::new(RecordType::of("match")).number_of(Column::Count, 4),
            Facts::new(RecordType::of("subsidy"))
                .text_of(Column::Course, "チャレンジ")
                .text_of(Column::Group, "A会")
                .text_of(Column::Status, "申請"),
            Facts::new(RecordType::of("subsidy"))
                .text_of(Column::Course, "チャレンジ")
                .text_of(Column::Group, "B会")
                .text_of(Column::Status, "申請"),
            Facts::new(RecordType::of("subsidy"))
                .text_of(Column::Course, "チャレンジ")
                .text_of(Column::Group, "A会")
                .number_of(Column::Amount, 180_000)
                .text_of(Column::Status, "交付決定"),
            Facts::new(RecordType::of("participation"))
                .text_of(Column::Method, "アンケート")
                .text_of(Column::Project, "公共交通"),
            Facts::new(RecordType::of("publicity")).text_of(Column::Kind, "区紹介"),
        ];
        crate::support::seed(&workspace.db(), facts.into_iter().map(|facts| (fy_start, facts)));
    }
    let markdown = workspace.kyodo(&["report", "--fiscal-year", &fy]).ok().stdout();
    let label = current.label();
    let row = |header: &str| -> String {
        let table_start = markdown
            .find(header)
            .unwrap_or_else(|| panic!("{header} in {markdown}"));
        markdown[table_start..]
            .lines()
            .find(|l| l.starts_with(&format!("| {label} |")))
            .unwrap_or_else(|| panic!("{label} row under {header}"))
            .to_string()
    };
    assert_eq!(
        row("| 実施年度 | ①区長会活動"),
        format!("| {label} | 役員会 年2回 総会（中止） | 東南部0回 東部1回 中部0回 西部0回 北大井0回 | 大里0回 三岡0回 西小諸0回 南大井0回 川辺0回 |")
    );
    assert_eq!(row("| 実施年度 | 相談数"), format!("| {label} | 42 | 4 |"));
    assert_eq!(
        row("| 実施年度 | 補助金額"),
        format!("| {label} | 180,000 (180,000・0) | チャレンジ 1件(2) ステップアップ 0件(0) |")
    );
    assert_eq!(row("| 実施年度 | ⑤市民参加手続き"), format!("| {label} | 1件 |"));
    assert_eq!(row("| 実施年度 | ⑥区長会"), format!("| {label} | 0回 | 0回 |"));
    assert_eq!(
        row("| 実施年度 | ⑧条例理念の普及"),
        format!("| {label} | ・ 区紹介 | 1回 |")
    );
    // The year before has neither records nor baseline: unknown, never 0.
    let before = current.previous().label();
    assert!(
        markdown.contains(&format!(
            "| {before} | — | 東南部— 東部— 中部— 西部— 北大井— | 大里— 三岡— 西小諸— 南大井— 川辺— |"
        )),
        "{markdown}"
    );
    assert!(markdown.contains(&format!("| {before} | — | — |")));

    let text = workspace
        .kyodo(&["report", "--fiscal-year", &fy, "--format", "text"])
        .ok()
        .stdout();
    assert!(text.contains("      相談数: 42\n"), "{text}");
    assert!(
        text.contains("      ②区と地区担当職員との連携（年間）: 東南部0回 東部1回 中部0回 西部0回 北大井0回 大里0回"),
        "{text}"
    );
}

#[test]
fn run_names_what_is_missing_and_never_echoes_the_token() {
    let workspace = Workspace::new();
    let run = workspace.kyodo(&["run"]);
    assert_eq!(run.code(), Some(1));
    assert_eq!(
        run.stderr().trim(),
        "エラー: 環境変数 DISCORD_TOKEN にボットのトークンを設定してください（Discord Developer Portal の Bot → Token）"
    );
    let secret = "MTIzNDU2Nzg5MDEyMzQ1Njc4.secret-token-value";
    let output = workspace
        .command(&["run"])
        .env("DISCORD_TOKEN", secret)
        .env("KYODO_GUILD_ID", "komoro")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        stderr.trim(),
        "エラー: 環境変数 KYODO_GUILD_ID「komoro」は Discord の ID（数字）ではありません"
    );
    assert!(!stderr.contains(secret) && !String::from_utf8_lossy(&output.stdout).contains(secret));
    let output = workspace
        .command(&["run"])
        .env("DISCORD_TOKEN", secret)
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&output.stderr).contains("KYODO_GUILD_ID か config の [discord] guild_id"));
}

#[test]
fn a_backup_is_a_whole_database_and_never_overwrites() {
    let workspace = Workspace::new();
    workspace
        .console(&["--user", "佐藤"], "/report match count:3 date:2026-06-01\n")
        .ok();
    let backup = workspace.path("backup.sqlite3");
    let target = backup.display().to_string();
    let run = workspace.kyodo(&["backup", "--output", &target]).ok();
    assert!(run.stdout().contains("書き出しました"));
    let store = Store::open(&backup).expect("the backup opens");
    assert_eq!(store.records_of("console:佐藤", 10).expect("records").len(), 1);
    let run = workspace.kyodo(&["backup", "--output", &target]);
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stderr().contains("はすでにあります（上書きはしません）"),
        "{}",
        run.stderr()
    );
}

#[test]
fn reports_and_exports_are_written_as_files() {
    let workspace = Workspace::new();
    workspace
        .console(&["--user", "佐藤"], "/report consultation count:12 date:2026-06-01\n")
        .ok();
    let csv = workspace.path("report.csv");
    workspace
        .kyodo(&[
            "report",
            "--fiscal-year",
            "2020",
            "--format",
            "csv",
            "--output",
            &csv.display().to_string(),
        ])
        .ok();
    let bytes = std::fs::read(&csv).expect("csv");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"));
    assert!(String::from_utf8_lossy(&bytes).contains("\"368,000 (266,000・102,000)\""));
    let run = workspace.kyodo(&["report", "--fiscal-year", "2020", "--format", "xlsx"]);
    assert!(
        run.stderr().contains("--output で書き出すファイルを指定してください"),
        "{}",
        run.stderr()
    );
    let export = workspace.path("records.xlsx");
    let run = workspace
        .kyodo(&[
            "export",
            "--from",
            "R8.4.1",
            "--to",
            "2026-06-30",
            "--output",
            &export.display().to_string(),
        ])
        .ok();
    assert!(run.stdout().starts_with("1件の記録を"), "{}", run.stdout());
    assert!(
        std::fs::read(&export).expect("xlsx").starts_with(b"PK"),
        "an XLSX (zip) file"
    );
}

#[test]
fn an_export_imports_into_another_database_once_and_bad_rows_change_nothing() {
    let source = Workspace::new();
    let script = std::fs::read_to_string(repo().join("tests/kyodo/sessions/every_command.txt")).expect("script");
    let files = source.path("files").display().to_string();
    source.console(&["--user", "佐藤", "--files", &files], &script);
    let export = source.path("all.csv");
    source
        .kyodo(&[
            "export",
            "--from",
            "2025-04-01",
            "--format",
            "csv",
            "--output",
            &export.display().to_string(),
        ])
        .ok();
    let live = |w: &Workspace| {
        w.rows(
            "SELECT record_type, occurred_on, count, kind, status, area, district, course, group_name, amount, title, topic, note \
             FROM records WHERE deleted_at IS NULL ORDER BY occurred_on, record_type, count",
        )
    };

    // Into another database: the export's 番号 are the first database's records, so the
    // column is emptied and every row is a new record.
    let moved = source.path("moved.csv");
    let bytes = std::fs::read(&export).expect("csv");
    let mut reader = csv::Reader::from_reader(bytes.strip_prefix(b"\xEF\xBB\xBF").expect("a BOM"));
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(reader.headers().expect("headers"))
        .expect("headers");
    assert_eq!(&reader.headers().expect("headers")[0], "番号");
    for row in reader.records() {
        let row = row.expect("row");
        writer
            .write_record(std::iter::once("").chain(row.iter().skip(1)))
            .expect("row");
    }
    std::fs::write(&moved, writer.into_inner().expect("csv")).expect("write");
    let target = Workspace::new();
    let file = moved.display().to_string();
    let run = target.kyodo(&["import", "--file", &file]).ok();
    assert_eq!(
        run.stdout().lines().next().unwrap_or_default(),
        "13 行を取り込みました: 新しい記録 13件、更新 0件、変更なし 0件、前に取り込み済み 0件"
    );
    assert_eq!(live(&target), live(&source), "the same facts, dates and counts");
    assert_eq!(
        target.rows("SELECT DISTINCT reporter_name, source FROM records"),
        vec![vec!["佐藤".to_string(), "import".into()]]
    );
    // The same file again stores nothing new.
    let run = target.kyodo(&["import", "--file", &file]).ok();
    assert_eq!(
        run.stdout().lines().next().unwrap_or_default(),
        "13 行を取り込みました: 新しい記録 0件、更新 0件、変更なし 0件、前に取り込み済み 13件"
    );

    // One bad row and nothing is stored; every problem is named with its line.
    let bad = target.path("bad.csv");
    std::fs::write(
        &bad,
        "日付,種類,地区,区,件数,コース,団体,金額,状態\n\
         2026-06-01,地区連携,川辺,荒町,,,,,\n\
         2026-06-02,相談,,,12,,,,\n\
         2099-01-01,マッチング,,,3,,,,\n\
         2026-06-03,補助金,,,,ステップアップ,B会,150001,交付決定\n\
         2026-06-04,見学,,,,,,,\n",
    )
    .expect("write");
    let run = target.kyodo(&["import", "--file", &bad.display().to_string()]);
    assert_eq!(run.code(), Some(1));
    let stderr = run.stderr();
    assert!(
        stderr.contains("2行目: 区（district）: 川辺地区に「荒町」区はありません"),
        "{stderr}"
    );
    assert!(stderr.contains("4行目: 日付（date）: 未来の日付"), "{stderr}");
    assert!(
        stderr.contains("5行目: 金額（amount）: ステップアップコースの上限は150,000円です"),
        "{stderr}"
    );
    assert!(stderr.contains("6行目: 記録の種類「見学」はありません"), "{stderr}");
    assert!(stderr.contains("問題が4件あるため、何も取り込んでいません"), "{stderr}");
    assert_eq!(
        target.rows("SELECT COUNT(*) FROM records"),
        vec![vec!["13".to_string()]]
    );
    std::fs::write(&bad, "日付,種類,地域\n2026-06-01,相談,東部\n").expect("write");
    let run = target.kyodo(&["import", "--file", &bad.display().to_string()]);
    assert!(
        run.stderr().contains("1行目: 知らない列「地域」があります"),
        "{}",
        run.stderr()
    );
}
