//! A record type and an indicator added by the catalogue alone: the shipped config with an 11th
//! record type, 「出前講座」 counted per format (its `by` field), feeding a 10th indicator in a
//! table of its own — then run through the console, the store, `/totals`, the monthly digest,
//! the annual report, an export and an import of that export edited, with no code change.

use crate::support::{csv_rows, repo, Workspace};

/// The 11th record type and the 10th indicator, as a city would add them to `kyodo.toml`.
const LECTURE: &str = r#"
[[indicators]]
number = 10
initiative = 5
name = "出前講座"
records = ["lecture"]
columns = ["⑩出前講座（形式ごと）"]
unit = "回"

[[record_types]]
key = "lecture"
name = "出前講座"
description = "⑩ 出前講座（職員が地域に出向いて条例を説明）"
description_en = "⑩ An outreach lecture on the ordinance"
help = 'medium:対面 title:"自治基本条例のはなし" — ⑩ 出前講座'
line = "{medium}「{title}」"
by = "medium"
report = "values"
fields = [
  { column = "medium", name = "形式", type = "choice", required = true, description_en = "Format", choices = ["対面", "オンライン"] },
  { column = "title", name = "演題", type = "text", required = true, description_en = "Title" },
  { column = "date" },
  { column = "note", name = "メモ", type = "text", multiline = true, description_en = "A note" },
]
"#;

/// The shipped config with the lecture added (and its indicator in a table of its own), beside
/// the shipped baseline; the path to pass as `--config`.
fn config_with_lectures(workspace: &Workspace) -> String {
    let shipped = |name: &str| std::fs::read_to_string(repo().join("config").join(name)).expect("shipped config");
    let tables = "tables = [[1, 2], [3], [4], [5], [6, 7], [8, 9]]";
    let kyodo = shipped("kyodo.toml");
    assert_eq!(kyodo.matches(tables).count(), 1, "the shipped tables line");
    let kyodo = kyodo.replacen(tables, "tables = [[1, 2], [3], [4], [5], [6, 7], [8, 9], [10]]", 1) + LECTURE;
    std::fs::write(workspace.path("kyodo.toml"), kyodo).expect("write config");
    std::fs::write(workspace.path("baseline.toml"), shipped("baseline.toml")).expect("write baseline");
    workspace.path("kyodo.toml").display().to_string()
}

#[test]
fn an_eleventh_record_type_and_a_tenth_indicator_work_from_the_config_alone() {
    let workspace = Workspace::new();
    let config = config_with_lectures(&workspace);
    let with = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["--config".to_string(), config.clone()];
        all.extend(args.iter().map(|a| a.to_string()));
        all
    };
    let kyodo = |args: &[&str]| {
        let args = with(args);
        workspace.kyodo(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };

    let check = kyodo(&["check-config"]).ok();
    assert!(check.stdout().contains("指標10"), "{}", check.stdout());

    // The console: the new subcommand by either name, its choices held to the description.
    let files = workspace.path("files").display().to_string();
    // `console` comes first (`Workspace::console`); `--config` is global.
    let console_args = ["--config".to_string(), config.clone(), "--files".into(), files];
    let run = workspace.console(
        &console_args.iter().map(String::as_str).collect::<Vec<_>>(),
        "/report lecture medium:対面 title:\"自治基本条例のはなし\" date:2026-06-10\n\
         /報告 出前講座 形式:オンライン 演題:\"協働のまちづくり\" 日付:2026-07-01\n\
         /report lecture medium:対面 title:\"地区の集い\" date:2026-07-15\n\
         /report lecture medium:ラジオ title:\"x\"\n\
         /report lecture medium:対面\n\
         /totals initiative:5\n\
         /summary month month:2026-07\n\
         /help\n",
    );
    let out = run.stdout();
    assert_eq!(run.code(), Some(1), "two lines were refused: {out}");
    assert!(out.contains("⑩出前講座: 対面「自治基本条例のはなし」"), "{out}");
    assert!(out.contains("⑩出前講座: オンライン「協働のまちづくり」"), "{out}");
    assert!(out.contains("令和8年度の合計（⑩出前講座）: 3回"), "{out}");
    assert!(
        out.contains("✗ 形式（medium）: 「ラジオ」は選べません。選べるもの: 対面、オンライン"),
        "{out}"
    );
    assert!(out.contains("✗ 演題（title）: 入力してください（必須）"), "{out}");
    // /totals and the digest count it toward ⑩, the digest's month and year to date apart.
    assert!(out.contains("  ⑩出前講座: 3回（前年同期 —）"), "{out}");
    assert!(
        out.contains("  ⑩出前講座: 7月 2回 ／ 年度累計 3回（前年同期 —）"),
        "{out}"
    );
    assert!(
        out.contains("/report lecture medium:対面 title:\"自治基本条例のはなし\" — ⑩ 出前講座"),
        "/help shows the type's example: {out}"
    );
    let stored = workspace.rows("SELECT record_type, medium, title FROM records ORDER BY id");
    assert_eq!(
        stored,
        [
            ["lecture", "対面", "自治基本条例のはなし"],
            ["lecture", "オンライン", "協働のまちづくり"],
            ["lecture", "対面", "地区の集い"],
        ]
    );

    // The annual report: the 10th indicator in its own table, per format.
    let report = kyodo(&["report", "--fiscal-year", "2026"]).ok().stdout();
    assert!(report.contains("### ⑩出前講座"), "{report}");
    assert!(report.contains("| 令和8年度 | 対面2回 オンライン1回 |"), "{report}");
    // Years before the bot did not count lectures: unknown, not 0.
    assert!(report.contains("| 令和7年度 | 対面— オンライン— |"), "{report}");

    // Export, edit one cell, import: one audited edit; the unchanged file again: nothing.
    let export = workspace.path("lectures.csv");
    let export_arg = export.display().to_string();
    kyodo(&[
        "export",
        "--from",
        "2026-04-01",
        "--format",
        "csv",
        "--output",
        &export_arg,
    ])
    .ok();
    let mut rows = csv_rows(&export);
    let header = rows[0].clone();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name} in {header:?}"))
    };
    assert_eq!(rows[1][column("記録の種類")], "出前講座");
    assert_eq!(rows[1][column("指標")], "⑩出前講座");
    assert_eq!(rows[1][column("媒体・形式")], "対面");
    let title = column("名称・演題");
    rows[2][title] = "協働のまちづくり（改訂）".into();
    // And a new lecture, a row without 番号.
    let mut new = vec![String::new(); header.len()];
    new[column("日付")] = "2026-08-01".into();
    new[column("記録の種類")] = "出前講座".into();
    new[column("媒体・形式")] = "オンライン".into();
    new[title] = "補助金のしくみ".into();
    rows.push(new);
    let edited = workspace.path("edited.csv");
    let mut writer = csv::Writer::from_path(&edited).expect("write csv");
    for row in &rows {
        writer.write_record(row).expect("row");
    }
    writer.flush().expect("flush");
    let edited_arg = edited.display().to_string();
    let import = kyodo(&["import", "--file", &edited_arg]).ok().stdout();
    assert!(import.contains("新しい記録 1件、更新 1件、変更なし 2件"), "{import}");
    assert!(
        import.contains("#2 名称・演題: 協働のまちづくり → 協働のまちづくり（改訂）"),
        "{import}"
    );
    let again = kyodo(&["import", "--file", &edited_arg]).ok().stdout();
    assert!(
        again.contains("新しい記録 0件、更新 0件、変更なし 3件、前に取り込み済み 1件"),
        "{again}"
    );
    assert_eq!(
        workspace.rows("SELECT COUNT(*) FROM audit WHERE action = 'edit'"),
        [["1"]]
    );
    let totals = workspace.console(&["--config", &config], "/totals initiative:5\n");
    assert!(totals.stdout().contains("  ⑩出前講座: 4回"), "{}", totals.stdout());
}

#[test]
fn every_record_types_example_is_a_report_that_is_stored_as_its_description_says() {
    let text = std::fs::read_to_string(repo().join("config/kyodo.toml")).expect("shipped config");
    let catalogue = kyodo::domain::Catalogue::parse(&text).expect("shipped config parses");
    let script: String = catalogue
        .record_types
        .iter()
        .map(|t| format!("{}\n", catalogue.sample_line(t)))
        .collect();
    let workspace = Workspace::new();
    let run = workspace.console(&[], &script);
    assert_eq!(run.code(), Some(0), "every example is accepted: {}", run.stdout());
    let stored = workspace.rows("SELECT record_type FROM records ORDER BY id");
    let keys: Vec<Vec<String>> = catalogue
        .record_types
        .iter()
        .map(|t| vec![t.key().to_string()])
        .collect();
    assert_eq!(stored, keys, "one record of every type, in the catalogue's order");
    // Each reply shows the record in its type's own line, under an indicator the type feeds.
    for t in &catalogue.record_types {
        let circled: Vec<char> = catalogue
            .indicators
            .iter()
            .filter(|i| i.records.contains(&t.record_type))
            .filter_map(|i| i.title().chars().next())
            .collect();
        assert!(!circled.is_empty(), "{} feeds an indicator", t.key());
        let replies = format!("\n{}", run.stdout());
        let reply = replies
            .split("\n> ")
            .find(|block| block.starts_with(&format!("/report {} ", t.key())))
            .unwrap_or_else(|| panic!("{}: {replies}", t.key()));
        assert!(
            reply
                .lines()
                .any(|l| l.starts_with(circled.as_slice()) && l.contains(": ")),
            "{}: {reply}",
            t.key()
        );
    }
}
