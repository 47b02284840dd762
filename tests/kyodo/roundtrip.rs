//! Records that round-trip, with the real binary: `kyodo export` as CSV and XLSX, then
//! `kyodo import` of that file. An unchanged export of every record type (grants included)
//! changes nothing; edited cells become audited edits of their records, matched by 番号; a 番号
//! that is unknown, deleted or of another type is refused with its row; a row without 番号 is a
//! new record; a staff user cannot edit someone else's record; `--dry-run` lists the changes
//! and writes nothing; a file that cannot be read is said in Japanese. The subsidy rows of a file,
//! new and edited, are checked together with the stored records in date order, each refusal
//! naming its row; a new row under a look-alike spelling is stored under the known one. An
//! imported row's export names its file and row in 登録元 (its content id in 登録元ID), and
//! keeps them when the same rows are imported again from another file.

use crate::support::Workspace;
use calamine::{Data, Reader, Xlsx};
use std::path::{Path, PathBuf};

/// Every record type and every subsidy state (申請, 交付決定, 辞退, 不採択, 実績報告; amounts
/// typed as 0 for an application and a 辞退, as staff did, and left out), reported by 佐藤; a
/// formula-like note and a title that starts with an apostrophe (the CSV's guard taken off, an
/// XLSX text taken as it is), a record of the previous fiscal year.
const FIXTURE: &str = r#"/report meeting area:東部 district:荒町 date:2026-06-15 topic:"防災訓練の打合せ"
/report meeting area:東部 district:三和 date:2025-11-01
/report council kind:役員会 date:2026-05-10
/report council kind:総会 status:書面開催 date:2026-05-20 note:"書面で議決"
/report consultation count:12 side:したい側 date:2026-06-30 note:"電話で"
/report match count:3 date:2026-06-30 note:"-2+3"
/report subsidy course:チャレンジ group:"こもろ子ども食堂" amount:0 status:申請 date:2026-05-01
/report subsidy course:チャレンジ group:"こもろ子ども食堂" amount:200000 status:交付決定 date:2026-06-01
/report subsidy course:ステップアップ group:"A会" amount:0 status:申請 date:2026-05-02
/report subsidy course:ステップアップ group:"A会" amount:0 status:辞退 date:2026-07-02
/report subsidy course:チャレンジ group:"こもろ子ども食堂" status:実績報告 date:2026-11-20
/report subsidy course:ステップアップ group:"B会" amount:90000 status:申請 date:2026-05-03
/report subsidy course:ステップアップ group:"B会" status:不採択 date:2026-06-20
/report participation method:パブリックコメント project:"第6次基本構想" department:企画課 date:2026-07-15
/report collab title:"ボランティア交流集会" date:2026-08-01
/report info title:"補助金説明会" date:2026-04-20
/report publicity kind:4コマ medium:広報こもろ title:"今日もどう？協働" date:2026-09-01
/report publicity kind:区紹介 medium:ホームページ date:2026-10-01
/report collab title:「'=1+2」 date:2026-08-05
"#;

/// How many records `FIXTURE` stores.
const FIXTURE_RECORDS: usize = 19;

/// A workspace holding `FIXTURE`, reported by 佐藤 through the console, and one record of 鈴木's.
fn fixture() -> Workspace {
    let workspace = Workspace::new();
    let files = workspace.path("files").display().to_string();
    let run = workspace.console(&["--user", "佐藤", "--files", &files], FIXTURE).ok();
    assert_eq!(
        run.stdout().matches("記録しました").count(),
        FIXTURE_RECORDS,
        "{}",
        run.stdout()
    );
    workspace
        .console(
            &["--user", "鈴木", "--role", "staff", "--files", &files],
            "/report collab title:\"鈴木の交流会\" date:2026-08-02\n",
        )
        .ok();
    workspace
}

/// Every column of every record, and how many audit lines there are: what must not change.
fn everything(workspace: &Workspace) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
    (
        workspace.rows("SELECT * FROM records ORDER BY id"),
        workspace.rows("SELECT COUNT(*), MAX(id) FROM audit"),
    )
}

/// The figures as staff see them: the annual report and /totals of this fiscal year and the last.
fn figures(workspace: &Workspace) -> String {
    let report = workspace.kyodo(&["report", "--fiscal-year", "2026"]).ok().stdout();
    let files = workspace.path("files").display().to_string();
    let totals = workspace
        .console(
            &["--user", "佐藤", "--files", &files],
            "/totals fiscal_year:2026\n/totals fiscal_year:2025\n",
        )
        .ok()
        .stdout();
    format!("{report}\n{totals}")
}

fn export(workspace: &Workspace, format: &str, name: &str) -> PathBuf {
    let file = workspace.path(name);
    workspace
        .kyodo(&[
            "export",
            "--from",
            "R7.4.1",
            "--format",
            format,
            "--output",
            &file.display().to_string(),
        ])
        .ok();
    file
}

fn import(workspace: &Workspace, file: &Path, extra: &[&str]) -> crate::support::Run {
    let file = file.display().to_string();
    let mut args = vec!["import", "--file", file.as_str(), "--user", "佐藤"];
    args.extend_from_slice(extra);
    workspace.kyodo(&args)
}

/// The rows of a CSV export (UTF-8 with a BOM), the header first.
fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let bytes = std::fs::read(path).expect("csv");
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").expect("a BOM");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body)
        .records()
        .map(|r| r.expect("csv row").iter().map(String::from).collect())
        .collect()
}

fn write_csv(path: &Path, rows: &[Vec<String>]) {
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    for row in rows {
        writer.write_record(row).expect("row");
    }
    std::fs::write(path, writer.into_inner().expect("csv")).expect("write csv");
}

fn at(rows: &[Vec<String>], header: &str) -> usize {
    rows[0].iter().position(|h| h == header).expect("header")
}

/// The row (index) of the record whose `header` cell is `value`.
fn row_of(rows: &[Vec<String>], header: &str, value: &str) -> usize {
    let c = at(rows, header);
    rows.iter().position(|r| r[c] == value).expect("row")
}

/// The 番号 of `sql`'s one record.
fn id_of(workspace: &Workspace, sql: &str) -> String {
    let rows = workspace.rows(sql);
    assert_eq!(rows.len(), 1, "{sql}");
    rows[0][0].clone()
}

fn first_line(run: &crate::support::Run) -> String {
    run.stdout().lines().next().unwrap_or_default().to_string()
}

#[test]
fn an_unchanged_export_of_every_record_type_grants_included_imports_as_csv_and_xlsx_without_a_change() {
    let workspace = fixture();
    let (records, audit) = everything(&workspace);
    let figures_before = figures(&workspace);
    let csv = export(&workspace, "csv", "all.csv");
    let xlsx = export(&workspace, "xlsx", "all.xlsx");
    let total = FIXTURE_RECORDS + 1;
    assert_eq!(read_csv(&csv).len(), 1 + total);
    let granted = read_csv(&csv)
        .iter()
        .filter(|r| r.contains(&"交付決定".to_string()))
        .count();
    assert_eq!(granted, 1, "the export holds the grant");
    let rows = read_csv(&csv);
    let (kind, status) = (at(&rows, "記録の種類"), at(&rows, "状態"));
    let mut states: Vec<&str> = rows
        .iter()
        .filter(|r| r[kind] == "補助金")
        .map(|r| r[status].as_str())
        .collect();
    states.sort_unstable();
    states.dedup();
    assert_eq!(
        states,
        ["不採択", "交付決定", "実績報告", "申請", "辞退"],
        "every subsidy state"
    );

    for (file, what) in [(&csv, "csv"), (&xlsx, "xlsx")] {
        let run = import(&workspace, file, &["--dry-run"]).ok();
        assert_eq!(
            first_line(&run),
            format!(
                "{total} 行を確かめました。問題はありません（--dry-run のため何も書き込んでいません）。取り込むと: 新しい記録 0件、更新 0件、変更なし {total}件、前に取り込み済み 0件"
            ),
            "{what}"
        );
        let run = import(&workspace, file, &[]).ok();
        assert_eq!(
            first_line(&run),
            format!("{total} 行を取り込みました: 新しい記録 0件、更新 0件、変更なし {total}件、前に取り込み済み 0件"),
            "{what}"
        );
        assert!(
            run.stdout().contains("ファイルにない記録は削除していません"),
            "{}",
            run.stdout()
        );
        // Twice, and as staff (nothing to edit, so nothing refused).
        let run = import(&workspace, file, &["--role", "staff"]).ok();
        assert!(first_line(&run).contains("新しい記録 0件、更新 0件"), "{what}");
        assert_eq!(
            everything(&workspace),
            (records.clone(), audit.clone()),
            "{what}: nothing written"
        );
    }
    assert_eq!(
        figures(&workspace),
        figures_before,
        "/totals and the report are the same"
    );
    println!(
        "round trip: {total} records ({granted} grant) exported as CSV and XLSX and imported 3 times each: 0 new, 0 updated, {} records and {} audit lines unchanged",
        records.len(),
        audit[0][0]
    );
}

#[test]
fn the_export_with_its_grants_removed_imports_as_no_change_instead_of_doubling_the_totals() {
    let workspace = fixture();
    let figures_before = figures(&workspace);
    let csv = export(&workspace, "csv", "all.csv");
    let mut rows = read_csv(&csv);
    let status = at(&rows, "状態");
    rows.retain(|r| r[status] != "交付決定");
    let edited = workspace.path("no-grants.csv");
    write_csv(&edited, &rows);
    let run = import(&workspace, &edited, &[]).ok();
    assert!(
        first_line(&run).contains("新しい記録 0件、更新 0件"),
        "{}",
        run.stdout()
    );
    assert_eq!(
        workspace.rows("SELECT COUNT(*) FROM records WHERE deleted_at IS NULL"),
        vec![vec![(FIXTURE_RECORDS + 1).to_string()]],
        "the row left out deleted nothing, the others added nothing"
    );
    assert_eq!(figures(&workspace), figures_before);
}

/// The row (index) of the subsidy record of `group` in `status`.
fn subsidy_row(rows: &[Vec<String>], group: &str, status: &str) -> usize {
    let (g, s) = (at(rows, "団体"), at(rows, "状態"));
    rows.iter()
        .position(|r| r[g] == group && r[s] == status)
        .expect("subsidy row")
}

#[test]
fn subsidy_rows_new_and_edited_are_checked_together_with_the_stored_records_each_refusal_naming_its_row() {
    let workspace = fixture();
    let csv = export(&workspace, "csv", "all.csv");
    let rows = read_csv(&csv);
    let (number, date, status, amount, group) = (
        at(&rows, "番号"),
        at(&rows, "日付"),
        at(&rows, "状態"),
        at(&rows, "金額"),
        at(&rows, "団体"),
    );
    let id = |group: &str, state: &str| rows[subsidy_row(&rows, group, state)][number].clone();
    let (applied, granted, reported) = (
        id("こもろ子ども食堂", "申請"),
        id("こもろ子ども食堂", "交付決定"),
        id("こもろ子ども食堂", "実績報告"),
    );
    let declined = id("A会", "辞退");
    // A new row: A会's 実績報告, typed in full width.
    let new_report = |rows: &[Vec<String>]| {
        let mut row = rows[subsidy_row(rows, "A会", "辞退")].clone();
        row[number] = String::new();
        row[status] = "実績報告".into();
        row[group] = "Ａ会".into();
        row[date] = "2026-11-01".into();
        row
    };
    let file = workspace.path("subsidy.csv");
    let before = everything(&workspace);

    // 1. The report edited to before its grant, and a second grant added: both rows named, in
    //    line order, with the stored records they conflict with.
    let mut bad = rows.clone();
    let report_row = subsidy_row(&bad, "こもろ子ども食堂", "実績報告");
    bad[report_row][date] = "2026-05-15".into();
    let mut second_grant = bad[subsidy_row(&bad, "こもろ子ども食堂", "交付決定")].clone();
    second_grant[number] = String::new();
    second_grant[date] = "2026-09-01".into();
    bad.push(second_grant);
    write_csv(&file, &bad);
    let run = import(&workspace, &file, &["--dry-run"]);
    assert_eq!(run.code(), Some(1), "{}", run.stdout());
    let stderr = run.stderr();
    let problems = [
        format!(
            "{}行目（#{reported}）: 状態（status）: 『こもろ子ども食堂』はチャレンジコースの申請（#{applied}、令和8年5月1日）の後なので、実績報告には直せません。実績報告は交付決定の後に登録してください",
            report_row + 1
        ),
        format!(
            "{}行目: 団体（group）: 「こもろ子ども食堂」はチャレンジコースの交付をすでに受けています（#{granted}、",
            bad.len()
        ),
        "問題が2件あるため、何も取り込んでいません".to_string(),
    ];
    let mut from = 0;
    for problem in &problems {
        let at = stderr[from..].find(problem.as_str());
        assert!(at.is_some(), "{problem}\n{stderr}");
        from += at.unwrap_or(0);
    }
    assert_eq!(everything(&workspace), before, "a refused file changes nothing");

    // 2. The new report alone: A会 declined its application, so there is no grant to report.
    let mut alone = rows.clone();
    alone.push(new_report(&rows));
    write_csv(&file, &alone);
    let run = import(&workspace, &file, &[]);
    assert_eq!(run.code(), Some(1), "{}", run.stdout());
    assert!(
        run.stderr().contains(&format!(
            "{}行目: 状態（status）: 『A会』はステップアップコースの辞退（#{declined}、令和8年7月2日）の後なので、実績報告は登録できません",
            alone.len()
        )),
        "{}",
        run.stderr()
    );
    assert_eq!(everything(&workspace), before);

    // 3. With the 辞退 corrected to the grant it was, in the same file: both kept, whichever
    //    row comes first.
    let mut fixed = rows.clone();
    fixed.insert(1, new_report(&rows));
    let grant_row = subsidy_row(&fixed, "A会", "辞退");
    fixed[grant_row][status] = "交付決定".into();
    fixed[grant_row][amount] = "100000".into();
    write_csv(&file, &fixed);
    let run = import(&workspace, &file, &[]).ok();
    assert!(
        first_line(&run).contains("新しい記録 1件、更新 1件"),
        "{}",
        run.stdout()
    );
    // The edit and the new row in the one group: the new row under the known spelling, both
    // with the group's key.
    assert_eq!(
        workspace.rows(
            "SELECT id, group_name, group_key, status, amount FROM records \
             WHERE course = 'ステップアップ' AND group_key = 'a会' ORDER BY occurred_on"
        ),
        vec![
            vec![
                id("A会", "申請"),
                "A会".into(),
                "a会".into(),
                "申請".into(),
                "NULL".into()
            ],
            vec![
                declined.clone(),
                "A会".into(),
                "a会".into(),
                "交付決定".into(),
                "100000".into()
            ],
            vec![
                workspace.rows("SELECT MAX(id) FROM records")[0][0].clone(),
                "A会".into(),
                "a会".into(),
                "実績報告".into(),
                "NULL".into()
            ],
        ]
    );
    // Exported again and imported unchanged: nothing more.
    let again = export(&workspace, "csv", "again.csv");
    let run = import(&workspace, &again, &[]).ok();
    assert!(
        first_line(&run).contains("新しい記録 0件、更新 0件"),
        "{}",
        run.stdout()
    );
    println!(
        "subsidy rows: 2 refused in one file (an edit and a new row), 1 refused alone, an edit and a new row kept together"
    );
}

#[test]
fn three_cells_edited_in_the_csv_are_three_audited_edits_and_the_dry_run_lists_them_first() {
    let workspace = fixture();
    let csv = export(&workspace, "csv", "all.csv");
    let mut rows = read_csv(&csv);
    let consultation = row_of(&rows, "記録の種類", "相談");
    let meeting = row_of(&rows, "内容", "防災訓練の打合せ");
    let info = row_of(&rows, "名称", "補助金説明会");
    let (count, topic, date) = (at(&rows, "件数"), at(&rows, "内容"), at(&rows, "日付"));
    let number = at(&rows, "番号");
    let ids = [&rows[consultation][number], &rows[meeting][number], &rows[info][number]].map(|s| s.clone());
    assert_eq!(rows[consultation][count], "12");
    rows[consultation][count] = "15".into();
    rows[meeting][topic] = "防災訓練の打合せ（夜間）".into();
    assert_eq!(rows[info][date], "2026-04-20");
    // As Excel writes a date it was given.
    rows[info][date] = "2026/4/21".into();
    let edited = workspace.path("edited.csv");
    write_csv(&edited, &rows);
    let before = everything(&workspace);

    let run = import(&workspace, &edited, &["--dry-run"]).ok();
    let out = run.stdout();
    let total = FIXTURE_RECORDS + 1;
    assert!(
        out.starts_with(&format!(
            "{total} 行を確かめました。問題はありません（--dry-run のため何も書き込んでいません）。取り込むと: 新しい記録 0件、更新 3件、変更なし {}件",
            total - 3
        )),
        "{out}"
    );
    for change in [
        format!("#{} 件数: 12 → 15", ids[0]),
        format!("#{} 内容: 防災訓練の打合せ → 防災訓練の打合せ（夜間）", ids[1]),
        format!("#{} 日付: 2026-04-20 → 2026-04-21", ids[2]),
    ] {
        assert!(out.contains(&change), "{change}\n{out}");
    }
    assert_eq!(everything(&workspace), before, "a dry run writes nothing");

    let run = import(&workspace, &edited, &[]).ok();
    assert!(
        first_line(&run).starts_with(&format!("{total} 行を取り込みました: 新しい記録 0件、更新 3件")),
        "{}",
        run.stdout()
    );
    let mut edits = workspace.rows(
        "SELECT record_id, actor_name, json_extract(before_json, '$.facts.count'), json_extract(after_json, '$.facts.count'), \
                json_extract(before_json, '$.facts.topic'), json_extract(after_json, '$.facts.topic'), \
                json_extract(before_json, '$.date'), json_extract(after_json, '$.date') \
         FROM audit WHERE action = 'edit'",
    );
    edits.sort();
    let mut expected = vec![
        vec![
            ids[0].clone(),
            "佐藤".into(),
            "12".into(),
            "15".into(),
            "NULL".into(),
            "NULL".into(),
            "2026-06-30".into(),
            "2026-06-30".into(),
        ],
        vec![
            ids[1].clone(),
            "佐藤".into(),
            "NULL".into(),
            "NULL".into(),
            "防災訓練の打合せ".into(),
            "防災訓練の打合せ（夜間）".into(),
            "2026-06-15".into(),
            "2026-06-15".into(),
        ],
        vec![
            ids[2].clone(),
            "佐藤".into(),
            "NULL".into(),
            "NULL".into(),
            "NULL".into(),
            "NULL".into(),
            "2026-04-20".into(),
            "2026-04-21".into(),
        ],
    ];
    expected.sort();
    assert_eq!(edits, expected, "three edits, each with its before and after");
    // Nothing else changed: the other records are as they were, and the audit has 3 more lines.
    let (records_after, audit_after) = everything(&workspace);
    let untouched = |records: &[Vec<String>]| -> Vec<Vec<String>> {
        records.iter().filter(|r| !ids.contains(&r[0])).cloned().collect()
    };
    assert_eq!(untouched(&records_after), untouched(&before.0));
    assert_eq!(records_after.len(), before.0.len(), "no record added");
    assert_eq!(
        audit_after[0][0].parse::<i64>().expect("count"),
        before.1[0][0].parse::<i64>().expect("count") + 3
    );
    // The same file again: the records are as it says, so nothing more.
    let run = import(&workspace, &edited, &[]).ok();
    assert!(
        first_line(&run).contains("新しい記録 0件、更新 0件"),
        "{}",
        run.stdout()
    );
    assert_eq!(everything(&workspace).1, audit_after);
    println!(
        "csv: 3 cells edited → {} audited edits, {} records unchanged",
        edits.len(),
        total - 3
    );
}

/// A copy of the exported workbook with `edit` applied to its cells, written as Excel would:
/// dates as date cells, numbers as numbers, text as strings.
fn edited_xlsx(from: &Path, to: &Path, edit: impl Fn(u32, &str, &Data) -> Option<Data>) {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book: Xlsx<_> = calamine::open_workbook(from).expect("open the export");
    let range = book.worksheet_range("記録").expect("sheet");
    let headers: Vec<String> = (0..range.width() as u32)
        .map(|c| match range.get_value((0, c)) {
            Some(Data::String(s)) => s.clone(),
            other => panic!("header {other:?}"),
        })
        .collect();
    let mut out = Workbook::new();
    let sheet = out.add_worksheet();
    sheet.set_name("記録").expect("name");
    let date_format = Format::new().set_num_format("yyyy/m/d");
    for (r, cells) in range.rows().enumerate() {
        let r = r as u32;
        for (c, cell) in cells.iter().enumerate() {
            let cell = edit(r, &headers[c], cell).unwrap_or_else(|| cell.clone());
            let col = c as u16;
            match &cell {
                Data::String(s) => sheet.write_string(r, col, s).map(drop),
                Data::Float(f) => sheet.write_number(r, col, *f).map(drop),
                Data::DateTime(d) => {
                    let (y, m, day, ..) = d.to_ymd_hms_milli();
                    let date = ExcelDateTime::from_ymd(y, m, day).expect("date");
                    sheet.write_datetime_with_format(r, col, &date, &date_format).map(drop)
                }
                Data::Empty => Ok(()),
                other => panic!("a cell kyodo does not write: {other:?}"),
            }
            .expect("write cell");
        }
    }
    out.save(to).expect("save xlsx");
}

fn date_cell(y: u16, m: u8, d: u8) -> Data {
    let serial = rust_xlsxwriter::ExcelDateTime::from_ymd(y, m, d)
        .expect("date")
        .to_excel();
    Data::DateTime(calamine::ExcelDateTime::new(
        serial,
        calamine::ExcelDateTimeType::DateTime,
        false,
    ))
}

#[test]
fn three_cells_edited_in_the_xlsx_are_three_audited_edits() {
    let workspace = fixture();
    let xlsx = export(&workspace, "xlsx", "all.xlsx");
    let match_id = id_of(&workspace, "SELECT id FROM records WHERE record_type = 'match'");
    let meeting_id = id_of(&workspace, "SELECT id FROM records WHERE district = '荒町'");
    let collab_id = id_of(
        &workspace,
        "SELECT id FROM records WHERE title = 'ボランティア交流集会'",
    );
    // The rows of those records, by their 番号 (a number cell).
    let mut book: Xlsx<_> = calamine::open_workbook(&xlsx).expect("open");
    let range = book.worksheet_range("記録").expect("sheet");
    let row_of_id = |id: &str| -> u32 {
        (1..range.height() as u32)
            .find(|r| range.get_value((*r, 0)) == Some(&Data::Float(id.parse().expect("id"))))
            .expect("row of the record")
    };
    let (match_row, meeting_row, collab_row) = (row_of_id(&match_id), row_of_id(&meeting_id), row_of_id(&collab_id));
    assert!(
        matches!(range.get_value((match_row, 1)), Some(Data::DateTime(_))),
        "dates are date cells"
    );
    let edited = workspace.path("edited.xlsx");
    edited_xlsx(&xlsx, &edited, |row, header, cell| match (header, cell) {
        ("件数", Data::Float(f)) if row == match_row => {
            assert_eq!(*f, 3.0);
            Some(Data::Float(4.0))
        }
        ("内容", _) if row == meeting_row => Some(Data::String("防災訓練の振り返り".into())),
        ("日付", _) if row == collab_row => Some(date_cell(2026, 8, 3)),
        _ => None,
    });
    let before = everything(&workspace);
    let run = import(&workspace, &edited, &["--dry-run"]).ok();
    let out = run.stdout();
    for change in [
        format!("#{match_id} 件数: 3 → 4"),
        format!("#{meeting_id} 内容: 防災訓練の打合せ → 防災訓練の振り返り"),
        format!("#{collab_id} 日付: 2026-08-01 → 2026-08-03"),
    ] {
        assert!(out.contains(&change), "{change}\n{out}");
    }
    assert_eq!(everything(&workspace), before, "a dry run writes nothing");
    let run = import(&workspace, &edited, &[]).ok();
    assert!(
        first_line(&run).contains("新しい記録 0件、更新 3件"),
        "{}",
        run.stdout()
    );
    let mut edits = workspace.rows("SELECT record_id FROM audit WHERE action = 'edit'");
    edits.sort();
    let mut expected = vec![
        vec![match_id.clone()],
        vec![meeting_id.clone()],
        vec![collab_id.clone()],
    ];
    expected.sort();
    assert_eq!(edits, expected);
    assert_eq!(
        workspace.rows(&format!("SELECT count, note FROM records WHERE id = {match_id}")),
        vec![vec!["4".to_string(), "-2+3".into()]],
        "12.0 read as 12, the formula-like note kept as it was"
    );
    assert_eq!(
        workspace.rows(&format!("SELECT occurred_on FROM records WHERE id = {collab_id}")),
        vec![vec!["2026-08-03".to_string()]],
        "a date cell read as the date"
    );
    let (records_after, _) = everything(&workspace);
    let ids = [match_id, meeting_id, collab_id];
    let untouched = |records: &[Vec<String>]| -> Vec<Vec<String>> {
        records.iter().filter(|r| !ids.contains(&r[0])).cloned().collect()
    };
    assert_eq!(untouched(&records_after), untouched(&before.0), "nothing else changed");
    println!("xlsx: 3 cells edited → {} audited edits", edits.len());
}

#[test]
fn unknown_deleted_and_retyped_numbers_are_refused_with_their_rows_and_a_row_without_number_is_added() {
    let workspace = fixture();
    let csv = export(&workspace, "csv", "all.csv");
    let rows = read_csv(&csv);
    let number = at(&rows, "番号");
    let kind = at(&rows, "記録の種類");
    // A record deleted after the export.
    let info = row_of(&rows, "名称", "補助金説明会");
    let deleted = rows[info][number].clone();
    let files = workspace.path("files").display().to_string();
    workspace
        .console(
            &["--user", "佐藤", "--files", &files],
            &format!("/records delete id:{deleted}\n"),
        )
        .ok();
    let before = everything(&workspace);

    let mut bad = rows.clone();
    bad[1][number] = "999".into();
    let collab = row_of(&bad, "名称", "ボランティア交流集会");
    let collab_id = bad[collab][number].clone();
    bad[collab][kind] = "情報共有".into();
    let file = workspace.path("bad.csv");
    write_csv(&file, &bad);
    let run = import(&workspace, &file, &[]);
    assert_eq!(run.code(), Some(1));
    let stderr = run.stderr();
    for problem in [
        "2行目: 記録 #999 はありません。番号を確かめてください（新しい記録として取り込むときは番号を空にしてください）"
            .to_string(),
        format!("{}行目: 記録 #{deleted} は削除されています。直せません", info + 1),
        format!(
            "{}行目: 記録 #{collab_id} は連携機会の記録です（この行の記録の種類は情報共有）。記録の種類は変えられません",
            collab + 1
        ),
        "問題が3件あるため、何も取り込んでいません".to_string(),
    ] {
        assert!(stderr.contains(&problem), "{problem}\n{stderr}");
    }
    assert_eq!(everything(&workspace), before, "a refused file changes nothing");

    // Without the deleted record's row, and one new row without 番号: one record added.
    let mut good = rows.clone();
    good.remove(info);
    let mut new_row = good[1].clone();
    new_row[number] = String::new();
    new_row[kind] = "マッチング".into();
    for header in [
        "種類",
        "状態",
        "地区",
        "区",
        "相談者",
        "コース",
        "団体",
        "金額",
        "方法",
        "事業",
        "担当課",
        "媒体",
        "名称",
        "内容",
        "報告者",
    ] {
        new_row[at(&good, header)] = String::new();
    }
    new_row[at(&good, "日付")] = "2026-11-02".into();
    new_row[at(&good, "件数")] = "7".into();
    new_row[at(&good, "メモ")] = "取り込みで追加".into();
    good.push(new_row);
    write_csv(&file, &good);
    let total = FIXTURE_RECORDS + 1;
    let run = import(&workspace, &file, &[]).ok();
    assert_eq!(
        first_line(&run),
        format!(
            "{total} 行を取り込みました: 新しい記録 1件、更新 0件、変更なし {}件、前に取り込み済み 0件",
            total - 1
        )
    );
    assert_eq!(
        workspace.rows("SELECT count, note, reporter_name, source FROM records WHERE occurred_on = '2026-11-02'"),
        vec![vec![
            "7".to_string(),
            "取り込みで追加".into(),
            "佐藤".into(),
            "import".into()
        ]]
    );
    // Once only: the same file again adds nothing.
    let run = import(&workspace, &file, &[]).ok();
    assert_eq!(
        first_line(&run),
        format!(
            "{total} 行を取り込みました: 新しい記録 0件、更新 0件、変更なし {}件、前に取り込み済み 1件",
            total - 1
        )
    );
    assert_eq!(
        workspace.rows("SELECT COUNT(*) FROM records WHERE deleted_at IS NULL"),
        vec![vec![total.to_string()]],
        "the deleted record stays deleted, one added"
    );
}

#[test]
fn a_staff_import_edits_its_own_records_but_not_someone_elses() {
    let workspace = fixture();
    let csv = export(&workspace, "csv", "all.csv");
    let rows = read_csv(&csv);
    let title = at(&rows, "名称");
    let suzuki = row_of(&rows, "名称", "鈴木の交流会");
    let own = row_of(&rows, "名称", "ボランティア交流集会");
    let suzuki_id = rows[suzuki][at(&rows, "番号")].clone();
    let mut edited = rows.clone();
    edited[suzuki][title] = "鈴木の交流会（改）".into();
    edited[own][title] = "ボランティア交流集会（改）".into();
    let file = workspace.path("edited.csv");
    write_csv(&file, &edited);
    let before = everything(&workspace);
    let run = import(&workspace, &file, &["--role", "staff"]);
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stderr().contains(&format!(
            "{}行目（#{suzuki_id}）: 記録 #{suzuki_id} は鈴木さんの記録です。他の人の記録を直せるのは管理者だけです",
            suzuki + 1
        )),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("問題が1件あるため、何も取り込んでいません"),
        "{}",
        run.stderr()
    );
    assert_eq!(
        everything(&workspace),
        before,
        "refused: not even 佐藤's own edit is written"
    );

    // Without 鈴木's change, 佐藤 (staff) edits her own record, reported through the console.
    edited[suzuki][title] = "鈴木の交流会".into();
    write_csv(&file, &edited);
    let run = import(&workspace, &file, &["--role", "staff"]).ok();
    assert!(first_line(&run).contains("更新 1件"), "{}", run.stdout());
    // An admin (the default) may edit anyone's.
    edited[suzuki][title] = "鈴木の交流会（改）".into();
    write_csv(&file, &edited);
    let run = import(&workspace, &file, &[]).ok();
    assert!(first_line(&run).contains("更新 1件"), "{}", run.stdout());
    assert_eq!(
        workspace.rows(&format!(
            "SELECT title, reporter_name FROM records WHERE id = {suzuki_id}"
        )),
        vec![vec!["鈴木の交流会（改）".to_string(), "鈴木".into()]],
        "edited, still 鈴木's record"
    );
    assert_eq!(
        workspace.rows("SELECT actor_name FROM audit WHERE action = 'edit' ORDER BY id"),
        vec![vec!["佐藤".to_string()], vec!["佐藤".to_string()]]
    );
}

#[test]
fn a_changed_reporter_on_a_numbered_row_is_listed_and_not_taken() {
    let workspace = fixture();
    let csv = export(&workspace, "csv", "all.csv");
    let mut rows = read_csv(&csv);
    let row = row_of(&rows, "名称", "ボランティア交流集会");
    let id = rows[row][at(&rows, "番号")].clone();
    let reporter = at(&rows, "報告者");
    rows[row][reporter] = "鈴木".into();
    let file = workspace.path("edited.csv");
    write_csv(&file, &rows);
    let before = everything(&workspace);
    let run = import(&workspace, &file, &[]).ok();
    assert!(first_line(&run).contains("更新 0件"), "{}", run.stdout());
    assert!(
        run.stdout().contains(&format!(
            "{}行目（#{id}）: 報告者「鈴木」は取り込んでいません。番号のある行の報告者は変わりません",
            row + 1
        )),
        "{}",
        run.stdout()
    );
    assert_eq!(everything(&workspace), before);
}

#[test]
fn files_that_cannot_be_read_are_said_in_japanese() {
    let workspace = Workspace::new();
    let missing = workspace.path("none.csv");
    let run = workspace.kyodo(&["import", "--file", &missing.display().to_string()]);
    assert_eq!(run.code(), Some(1));
    let stderr = run.stderr();
    assert!(
        stderr.contains(&format!(
            "取り込むファイル {} がありません。ファイルの名前と場所（パス）を確かめてください",
            missing.display()
        )),
        "{stderr}"
    );
    assert!(
        !stderr.contains("os error") && !stderr.contains("No such file"),
        "{stderr}"
    );
    assert!(
        !workspace.db().exists(),
        "no database made for a file that is not there"
    );

    // 「日付,種類,件数」 and a row in Shift_JIS, as Excel's plain 「CSV」 saves it.
    let sjis = workspace.path("sjis.csv");
    std::fs::write(
        &sjis,
        b"\x93\xfa\x95\x74,\x8e\xed\x97\xde,\x8c\x8f\x90\x94\r\n2026-06-01,\x91\x8a\x92\x6b,2\r\n",
    )
    .expect("write");
    let run = workspace.kyodo(&["import", "--file", &sjis.display().to_string()]);
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stderr().contains("は UTF-8 の CSV でも Excel ブック（.xlsx）でもありません。Shift_JIS の CSV なら、Excel で「CSV UTF-8（コンマ区切り）」か「Excel ブック（*.xlsx）」で保存し直してください"),
        "{}",
        run.stderr()
    );

    // A row with a cell too many: the csv crate's English stays in the log.
    let ragged = workspace.path("ragged.csv");
    std::fs::write(&ragged, "日付,種類,件数\n2026-06-01,相談,2,余分\n").expect("write");
    let run = workspace.kyodo(&["import", "--file", &ragged.display().to_string()]);
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stderr()
            .contains("2行目: 列の数が見出しと違います（見出しは3列、この行は4列）"),
        "{}",
        run.stderr()
    );
    assert!(!run.stderr().contains("found record"), "{}", run.stderr());

    // A folder, and a zip that is no workbook.
    let run = workspace.kyodo(&["import", "--file", &workspace.path("").display().to_string()]);
    assert!(
        run.stderr()
            .contains("はフォルダです。取り込むファイル（.csv か .xlsx）を指定してください"),
        "{}",
        run.stderr()
    );
    let fake = workspace.path("fake.xlsx");
    std::fs::write(&fake, b"PK\x03\x04 not really a zip").expect("write");
    let run = workspace.kyodo(&["import", "--file", &fake.display().to_string()]);
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stderr().contains("は Excel ブック（.xlsx）として読めません"),
        "{}",
        run.stderr()
    );
}

/// The cells of `headers` in each data row of an export, the rows in the export's order.
fn cells_of(rows: &[Vec<String>], headers: &[&str]) -> Vec<Vec<String>> {
    let columns: Vec<usize> = headers.iter().map(|h| at(rows, h)).collect();
    rows[1..]
        .iter()
        .map(|r| columns.iter().map(|&c| r[c].clone()).collect())
        .collect()
}

#[test]
fn imported_rows_are_exported_with_their_file_and_row_and_imported_again_keep_the_first() {
    let workspace = Workspace::new();
    let files = workspace.path("files").display().to_string();
    workspace
        .console(
            &["--user", "佐藤", "--files", &files],
            "/report meeting area:東部 district:荒町 date:2026-06-01 topic:\"コンソールから\"\n",
        )
        .ok();
    // A CSV in a folder: row 3 empty (rows keep the spreadsheet's numbers), rows 4 and 5 alike.
    let folder = workspace.path("書類 R8");
    std::fs::create_dir_all(&folder).expect("folder");
    let csv = folder.join("jisseki-2026.csv");
    let header = ["日付", "記録の種類", "地区", "区", "内容"].map(String::from).to_vec();
    let row = |date: &str, district: &str, topic: &str| -> Vec<String> {
        [date, "地区連携", "東部", district, topic].map(String::from).to_vec()
    };
    let csv_rows = vec![
        header.clone(),
        row("2026-06-15", "荒町", "防災訓練の打合せ"),
        vec![String::new(); 5],
        row("2026-06-20", "三和", "夏祭りの相談"),
        row("2026-06-20", "三和", "夏祭りの相談"),
    ];
    write_csv(&csv, &csv_rows);
    // A workbook as Excel saves it: the header on row 1, rows 2 and 4 filled, row 3 empty.
    let xlsx = workspace.path("jisseki-2026.xlsx");
    {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("記録").expect("name");
        for (r, cells) in [
            (0, ["日付", "記録の種類", "種類", "メモ"]),
            (1, ["2026-07-10", "区長会", "役員会", "七月の役員会"]),
            (3, ["2026-07-20", "区長会", "総会", "七月の総会"]),
        ] {
            for (c, cell) in cells.iter().enumerate() {
                sheet.write_string(r, c as u16, *cell).expect("cell");
            }
        }
        book.save(&xlsx).expect("save");
    }
    for file in [&csv, &xlsx] {
        let run = import(&workspace, file, &[]).ok();
        assert!(first_line(&run).contains("新しい記録"), "{}", run.stdout());
    }

    let exported = read_csv(&export(&workspace, "csv", "all.csv"));
    let stored = workspace.rows("SELECT id, source_id FROM records WHERE source = 'import' ORDER BY id");
    assert_eq!(stored.len(), 5, "{stored:?}");
    let sources = cells_of(&exported, &["番号", "内容", "メモ", "登録元", "登録元ID"]);
    // The 登録元ID of the row with `text` whose 登録元 is `origin`: the content id the store
    // keys the record by, without the file.
    let id_of_row = |text: &str, origin: &str| -> String {
        let row = sources
            .iter()
            .find(|r| (r[1] == text || r[2] == text) && r[3] == origin)
            .unwrap_or_else(|| panic!("{text}: {origin} in {sources:?}"));
        let stored_id = stored.iter().find(|s| s[0] == row[0]).expect("stored")[1].clone();
        assert_eq!(row[4], stored_id, "{text}");
        assert!(!stored_id.contains("jisseki"), "{stored_id}");
        stored_id
    };
    let id = id_of_row("防災訓練の打合せ", "取り込み（jisseki-2026.csv 2行目）");
    assert!(id.starts_with("2026-06-15|meeting|"), "{id}");
    assert!(id_of_row("夏祭りの相談", "取り込み（jisseki-2026.csv 4行目）").ends_with("#1"));
    assert!(id_of_row("夏祭りの相談", "取り込み（jisseki-2026.csv 5行目）").ends_with("#2"));
    let id = id_of_row("七月の役員会", "取り込み（jisseki-2026.xlsx 2行目）");
    assert!(id.starts_with("2026-07-10|council|"), "{id}");
    let id = id_of_row("七月の総会", "取り込み（jisseki-2026.xlsx 4行目）");
    assert!(id.starts_with("2026-07-20|council|"), "{id}");
    let by_console = sources
        .iter()
        .find(|r| r[1] == "コンソールから")
        .expect("the console's record");
    assert_eq!(by_console[3], "コンソール");

    // The same rows again, in another order and under another name: nothing new, and the
    // records keep the file and rows they were first read from.
    let records = workspace.rows("SELECT * FROM records ORDER BY id");
    let mut again = vec![header];
    again.extend(csv_rows[1..].iter().rev().filter(|r| !r[0].is_empty()).cloned());
    let copy = workspace.path("jisseki-2026 のコピー.csv");
    write_csv(&copy, &again);
    let run = import(&workspace, &copy, &[]).ok();
    assert_eq!(
        first_line(&run),
        "3 行を取り込みました: 新しい記録 0件、更新 0件、変更なし 0件、前に取り込み済み 3件"
    );
    let run = import(&workspace, &xlsx, &[]).ok();
    assert!(first_line(&run).contains("新しい記録 0件"), "{}", run.stdout());
    assert_eq!(workspace.rows("SELECT * FROM records ORDER BY id"), records);
    let exported_again = read_csv(&export(&workspace, "csv", "again.csv"));
    assert_eq!(
        cells_of(&exported_again, &["番号", "登録元", "登録元ID"]),
        cells_of(&exported, &["番号", "登録元", "登録元ID"])
    );

    // An export imported back (登録元 and 登録元ID are not read) changes nothing.
    let file = export(&workspace, "xlsx", "all.xlsx");
    let run = import(&workspace, &file, &[]).ok();
    assert_eq!(
        first_line(&run),
        "6 行を取り込みました: 新しい記録 0件、更新 0件、変更なし 6件、前に取り込み済み 0件"
    );
    assert_eq!(workspace.rows("SELECT * FROM records ORDER BY id"), records);
    println!(
        "origin: {} imported rows exported as {:?}",
        stored.len(),
        cells_of(&exported, &["登録元"])
    );
}
