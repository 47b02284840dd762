//! The subsidy lifecycle end to end, with the real binary on a real database: a scripted console
//! session with its exact replies; every transition, allowed and refused, typed into the console
//! and imported from a CSV file (rows of one file, and rows after a first import); totals that do
//! not depend on the order of entry; look-alike group names (and districts); records stored
//! before the rule; an application deleted under its decision.

use crate::support::{repo, seed, Workspace};
use chrono::NaiveDate;
use kyodo::domain::record::{Column, Facts};
use kyodo::domain::RecordType;

/// Fails with the first differing line, so that a changed reply is easy to read.
fn assert_same_lines(actual: &str, expected: &str) {
    for (i, (a, e)) in actual.lines().zip(expected.lines()).enumerate() {
        assert_eq!(a, e, "line {} differs", i + 1);
    }
    assert_eq!(actual.lines().count(), expected.lines().count(), "number of lines");
}

fn strings(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|row| row.iter().map(|v| v.to_string()).collect())
        .collect()
}

#[test]
fn the_lifecycle_session_replies_as_expected() {
    let workspace = Workspace::new();
    let dir = repo().join("tests/kyodo/sessions");
    let script = std::fs::read_to_string(dir.join("subsidy_lifecycle.txt")).expect("script");
    let expected = std::fs::read_to_string(dir.join("subsidy_lifecycle.expected")).expect("expected");
    let run = workspace.console(&["--user", "佐藤"], &script);
    assert_eq!(run.code(), Some(1), "refused lines make the exit status non-zero");
    assert_same_lines(&run.stdout(), &expected);
    assert!(run.stderr().is_empty(), "{}", run.stderr());
    let out = run.stdout();
    let (stored, refused) = (out.matches("記録しました（#").count(), out.matches("\n✗ ").count());
    println!("subsidy session: {stored} reports stored, {refused} lines refused");
    assert_eq!((stored, refused), (14, 21));

    // What is stored: only what was accepted, look-alikes under the known spelling (#5), the
    // spelling an edit typed kept (#7) with its key.
    assert_eq!(
        workspace.rows(
            "SELECT id, course, group_name, group_key, status, amount, deleted_at IS NOT NULL FROM records ORDER BY id"
        ),
        strings(&[
            &[
                "1",
                "チャレンジ",
                "こもろ子ども食堂",
                "こもろ子ども食堂",
                "申請",
                "NULL",
                "1"
            ],
            &[
                "2",
                "チャレンジ",
                "こもろ子ども食堂",
                "こもろ子ども食堂",
                "交付決定",
                "130000",
                "0"
            ],
            &["3", "チャレンジ", "A会", "a会", "交付決定", "150000", "1"],
            &["4", "チャレンジ", "B会", "b会", "交付決定", "150000", "0"],
            &[
                "5",
                "ステップアップ",
                "こもろ子ども食堂",
                "こもろ子ども食堂",
                "申請",
                "NULL",
                "0"
            ],
            &[
                "6",
                "ステップアップ",
                "こもろ子ども食堂",
                "こもろ子ども食堂",
                "不採択",
                "NULL",
                "0"
            ],
            &[
                "7",
                "ステップアップ",
                "こもろ 子ども食堂",
                "こもろ子ども食堂",
                "申請",
                "NULL",
                "0"
            ],
            &[
                "8",
                "ステップアップ",
                "こもろ子ども食堂",
                "こもろ子ども食堂",
                "辞退",
                "NULL",
                "0"
            ],
            &[
                "9",
                "ステップアップ",
                "ＮＰＯ法人こもろ",
                "npo法人こもろ",
                "交付決定",
                "150000",
                "0"
            ],
            &["10", "チャレンジ", "B会", "b会", "辞退", "NULL", "0"],
            &["11", "チャレンジ", "A会", "a会", "実績報告", "NULL", "1"],
            &["12", "チャレンジ", "D会", "d会", "辞退", "NULL", "0"],
            &["13", "チャレンジ", "D会", "d会", "申請", "NULL", "0"],
            &["14", "チャレンジ", "E会", "e会", "申請", "200000", "0"],
        ])
    );
    // Every change is in the audit trail; refusals left none.
    assert_eq!(
        workspace.rows("SELECT action, COUNT(*) FROM audit GROUP BY action ORDER BY action"),
        strings(&[&["create", "14"], &["delete", "2"], &["edit", "3"], &["undo", "1"]])
    );
}

/// `statuses` as lines of `/report subsidy` for チャレンジ and 「こもろ子ども食堂」, on 1 May, 2 May …
fn reports(statuses: &[&str]) -> String {
    statuses
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let amount = if *s == "交付決定" { " amount:150000" } else { "" };
            format!(
                "/report subsidy course:チャレンジ group:\"こもろ子ども食堂\" status:{s}{amount} date:2026-05-{:02}\n",
                i + 1
            )
        })
        .collect()
}

/// `statuses` as CSV rows of the same records, without the header.
fn rows(statuses: &[&str], first_day: usize) -> String {
    statuses
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let amount = if *s == "交付決定" { "150000" } else { "" };
            format!(
                "2026-05-{:02},補助金,チャレンジ,こもろ子ども食堂,{amount},{s}\n",
                first_day + i
            )
        })
        .collect()
}

const HEADER: &str = "日付,種類,コース,団体,金額,状態\n";

/// Every transition: the statuses before, the new one, and the start of its refusal (or
/// `None` when it is allowed).
const TRANSITIONS: [(&[&str], &str, Option<&str>); 24] = [
    (&[], "申請", None),
    (&[], "交付決定", None),
    (&[], "不採択", None),
    (&[], "辞退", None),
    (&["申請"], "交付決定", None),
    (&["申請"], "不採択", None),
    (&["申請"], "辞退", None),
    (&["申請", "交付決定"], "辞退", None),
    (&["申請", "交付決定"], "実績報告", None),
    (&["申請", "不採択"], "申請", None),
    (&["申請", "辞退"], "申請", None),
    (&["申請", "不採択", "申請"], "交付決定", None),
    (
        &["申請"],
        "申請",
        Some("状態（status）: 『こもろ子ども食堂』はチャレンジコースの申請（"),
    ),
    (
        &["申請", "交付決定"],
        "申請",
        Some("状態（status）: 『こもろ子ども食堂』はチャレンジコースの交付決定（"),
    ),
    (
        &["申請", "交付決定"],
        "不採択",
        Some("状態（status）: 『こもろ子ども食堂』はチャレンジコースの交付決定（"),
    ),
    (
        &["申請", "交付決定"],
        "交付決定",
        Some("団体（group）: 「こもろ子ども食堂」はチャレンジコースの交付をすでに受けています（"),
    ),
    (
        &["申請", "交付決定", "辞退"],
        "交付決定",
        Some("団体（group）: 「こもろ子ども食堂」はチャレンジコースの交付をすでに受けています（"),
    ),
    (
        &["申請", "交付決定", "辞退"],
        "申請",
        Some("状態（status）: 『こもろ子ども食堂』はチャレンジコースの交付決定（"),
    ),
    (
        &["申請", "交付決定", "辞退"],
        "実績報告",
        Some("状態（status）: 『こもろ子ども食堂』はチャレンジコースの辞退（"),
    ),
    (
        &["申請", "交付決定", "実績報告"],
        "辞退",
        Some("状態（status）: 『こもろ子ども食堂』はチャレンジコースの実績報告（"),
    ),
    (
        &["申請", "交付決定", "実績報告"],
        "実績報告",
        Some("状態（status）: 『こもろ子ども食堂』はチャレンジコースの実績報告（"),
    ),
    (
        &[],
        "実績報告",
        Some(
            "状態（status）: 『こもろ子ども食堂』はチャレンジコースの交付決定がまだないので、実績報告は登録できません",
        ),
    ),
    (
        &["申請", "不採択"],
        "交付決定",
        Some("状態（status）: 『こもろ子ども食堂』はチャレンジコースの不採択（"),
    ),
    (
        &["申請", "辞退"],
        "不採択",
        Some("状態（status）: 『こもろ子ども食堂』はチャレンジコースの辞退（"),
    ),
];

fn stored(workspace: &Workspace) -> usize {
    workspace.rows("SELECT COUNT(*) FROM records")[0][0]
        .parse()
        .expect("a count")
}

#[test]
fn every_transition_through_the_console() {
    let (mut allowed, mut refused) = (0, 0);
    for (before, status, refusal) in TRANSITIONS {
        let workspace = Workspace::new();
        let mut all = before.to_vec();
        all.push(status);
        let run = workspace.console(&["--user", "佐藤"], &reports(&all));
        let out = run.stdout();
        let last = out.trim_end().rsplit("\n\n").next().unwrap_or_default();
        let case = format!("{before:?} then {status}: {out}");
        match refusal {
            None => {
                assert_eq!(run.code(), Some(0), "{case}");
                assert!(last.contains("記録しました（#"), "{case}");
                assert_eq!(stored(&workspace), all.len(), "{case}");
                allowed += 1;
            }
            Some(start) => {
                assert_eq!(run.code(), Some(1), "{case}");
                let answer = last.lines().nth(1).unwrap_or_default();
                assert!(answer.starts_with(&format!("✗ {start}")), "{case}");
                assert_eq!(out.matches("✗").count(), 1, "only the last line refused: {case}");
                assert_eq!(stored(&workspace), before.len(), "{case}");
                refused += 1;
            }
        }
    }
    println!("console: {allowed} transitions allowed, {refused} refused");
    assert_eq!((allowed, refused), (12, 12));
}

#[test]
fn every_transition_through_import_in_one_file_and_after_an_earlier_import() {
    let (mut allowed, mut refused) = (0, 0);
    for (before, status, refusal) in TRANSITIONS {
        // The whole history in one file, the new row first: rows are read in date order.
        let one_file = Workspace::new();
        let file = one_file.path("rows.csv");
        let new_row = rows(&[status], 1 + before.len());
        std::fs::write(&file, format!("{HEADER}{new_row}{}", rows(before, 1))).expect("write");
        let run = one_file.kyodo(&["import", "--file", &file.display().to_string()]);
        let case = format!("{before:?} then {status}: {}{}", run.stdout(), run.stderr());
        match refusal {
            None => {
                assert_eq!(run.code(), Some(0), "{case}");
                assert_eq!(stored(&one_file), before.len() + 1, "{case}");
            }
            Some(start) => {
                assert_eq!(run.code(), Some(1), "{case}");
                // The new row is line 2; it names the file's row it conflicts with by its line.
                assert!(run.stderr().contains(&format!("2行目: {start}")), "{case}");
                assert!(
                    run.stderr().contains("このファイルの") || run.stderr().contains("交付決定がまだない"),
                    "{case}"
                );
                assert!(
                    run.stderr().contains("問題が1件あるため、何も取り込んでいません"),
                    "{case}"
                );
                assert_eq!(stored(&one_file), 0, "{case}");
            }
        }
        // The history imported first, the new row in a second file: named by its number.
        let two_files = Workspace::new();
        let first = two_files.path("first.csv");
        std::fs::write(&first, format!("{HEADER}{}", rows(before, 1))).expect("write");
        if !before.is_empty() {
            two_files
                .kyodo(&["import", "--file", &first.display().to_string()])
                .ok();
        }
        let second = two_files.path("second.csv");
        std::fs::write(&second, format!("{HEADER}{new_row}")).expect("write");
        let run = two_files.kyodo(&["import", "--file", &second.display().to_string()]);
        let case = format!(
            "{before:?} then {status} (second file): {}{}",
            run.stdout(),
            run.stderr()
        );
        match refusal {
            None => {
                assert_eq!(run.code(), Some(0), "{case}");
                assert_eq!(stored(&two_files), before.len() + 1, "{case}");
                allowed += 1;
            }
            Some(start) => {
                assert_eq!(run.code(), Some(1), "{case}");
                let stderr = run.stderr();
                let line = stderr.lines().find(|l| l.contains("2行目: ")).unwrap_or_default();
                assert!(line.contains(&format!("2行目: {start}")), "{case}");
                assert!(line.contains("（#") || line.contains("交付決定がまだない"), "{case}");
                assert_eq!(stored(&two_files), before.len(), "{case}");
                refused += 1;
            }
        }
    }
    println!("import: {allowed} transitions allowed, {refused} refused, each in one file and after an import");
    assert_eq!((allowed, refused), (12, 12));
}

#[test]
fn an_import_names_every_row_that_breaks_the_lifecycle() {
    let workspace = Workspace::new();
    let file = workspace.path("rows.csv");
    std::fs::write(
        &file,
        format!(
            "{HEADER}\
             2026-06-01,補助金,チャレンジ,こもろ子ども食堂,120000,交付決定\n\
             2026-05-01,補助金,チャレンジ,こもろ子ども食堂,,申請\n\
             2026-07-01,補助金,チャレンジ,こもろ　子ども食堂,100000,交付決定\n\
             2026-07-02,補助金,チャレンジ,こもろ 子ども食堂,,申請\n\
             2026-05-01,補助金,ステップアップ,A会,,申請\n\
             2026-05-02,補助金,ステップアップ,Ａ会,,申請\n\
             2026-06-01,補助金,ステップアップ,B会,0,交付決定\n\
             2026-06-01,補助金,ステップアップ,C会,,交付決定\n\
             2026-06-01,補助金,ステップアップ,D会,,辞退\n\
             2026-06-01,補助金,ステップアップ,E会,5000,辞退\n"
        ),
    )
    .expect("write");
    let run = workspace.kyodo(&["import", "--file", &file.display().to_string()]);
    assert_eq!(run.code(), Some(1));
    let stderr = run.stderr();
    for expected in [
        "4行目: 団体（group）: 「こもろ子ども食堂」はチャレンジコースの交付をすでに受けています（このファイルの2行目、令和8年6月1日）。補助金は1団体各コース1回までです",
        "5行目: 状態（status）: 『こもろ子ども食堂』はチャレンジコースの交付決定（このファイルの2行目、令和8年6月1日）の後なので、申請は登録できません",
        "7行目: 状態（status）: 『A会』はステップアップコースの申請（このファイルの6行目、令和8年5月1日）の後なので、申請は登録できません",
        "8行目: 金額（amount）: 交付決定の交付額は1円以上です",
        "9行目: 金額（amount）: 交付決定には交付額が必要です",
        "11行目: 金額（amount）: 辞退には金額を記録しません",
        "問題が6件あるため、何も取り込んでいません",
    ] {
        assert!(stderr.contains(expected), "{expected}\n---\n{stderr}");
    }
    assert!(
        !stderr.contains("3行目"),
        "the earlier application after its grant is fine: {stderr}"
    );
    assert!(!stderr.contains("10行目"), "a 辞退 without an amount is fine: {stderr}");
    assert_eq!(stored(&workspace), 0);

    // A grant imported, then a look-alike's grant in another file: refused naming the first.
    std::fs::write(
        &file,
        format!("{HEADER}2026-06-01,補助金,ステップアップ,NPO法人こもろ,150000,交付決定\n"),
    )
    .expect("write");
    workspace.kyodo(&["import", "--file", &file.display().to_string()]).ok();
    for typed in ["ＮＰＯ法人 こもろ", "npo法人こもろ", "NPO法人　こもろ"] {
        std::fs::write(
            &file,
            format!("{HEADER}2026-07-01,補助金,ステップアップ,{typed},100000,交付決定\n"),
        )
        .expect("write");
        let run = workspace.kyodo(&["import", "--file", &file.display().to_string()]);
        assert_eq!(run.code(), Some(1), "{typed}");
        assert!(
            run.stderr().contains(
                "2行目: 団体（group）: 「NPO法人こもろ」はステップアップコースの交付をすでに受けています（#1、2026年6月1日（令和8年6月1日））"
            ),
            "{typed}: {}",
            run.stderr()
        );
    }
    assert_eq!(stored(&workspace), 1);
}

/// The annual report of FY2026 as text.
fn report(workspace: &Workspace) -> String {
    workspace
        .kyodo(&["report", "--fiscal-year", "2026", "--format", "text"])
        .ok()
        .stdout()
}

#[test]
fn the_totals_do_not_depend_on_the_order_of_entry() {
    // One group's application and grant, and a grant declined; entered in two orders.
    let lines = [
        "/report subsidy course:チャレンジ group:\"こもろ子ども食堂\" status:申請 date:2026-05-01",
        "/report subsidy course:チャレンジ group:\"こもろ子ども食堂\" status:交付決定 amount:120000 date:2026-06-01",
        "/report subsidy course:ステップアップ group:\"A会\" status:申請 date:2026-05-10",
        "/report subsidy course:ステップアップ group:\"A会\" status:交付決定 amount:100000 date:2026-06-10",
        "/report subsidy course:ステップアップ group:\"A会\" status:辞退 date:2026-07-10",
        "/report subsidy course:ステップアップ group:\"B会\" status:交付決定 amount:150000 date:2026-06-11",
    ];
    let in_order = Workspace::new();
    in_order.console(&["--user", "佐藤"], &(lines.join("\n") + "\n")).ok();
    // The grants before their (earlier) applications.
    let reordered = Workspace::new();
    let order = [1, 0, 3, 2, 4, 5];
    let script: String = order.iter().map(|&i| format!("{}\n", lines[i])).collect();
    let run = reordered.console(&["--user", "佐藤"], &script).ok();
    assert_eq!(run.stdout().matches("記録しました（#").count(), 6, "{}", run.stdout());
    let (a, b) = (report(&in_order), report(&reordered));
    assert_eq!(a, b, "the same report whatever the order of entry");
    // The figures: チャレンジ 1 grant of 120,000 yen (1 application), ステップアップ 1 grant of
    // 150,000 yen (A会 declined), 2 applications (B会's grant stands for its own).
    let figures = |w: &Workspace| {
        let store = kyodo::store::Store::open(&w.db()).expect("open");
        let catalogue = kyodo::domain::Catalogue::parse(
            &std::fs::read_to_string(repo().join("config/kyodo.toml")).expect("config"),
        )
        .expect("catalogue");
        let from = NaiveDate::from_ymd_opt(2026, 4, 1).expect("day");
        let to = NaiveDate::from_ymd_opt(2027, 3, 31).expect("day");
        let figures = store.figures_between(&catalogue, from, to).expect("figures");
        figures
            .subsidy
            .iter()
            .map(|(course, c)| {
                format!(
                    "{course}: 申請{:?} 交付{:?} {:?}円 辞退{:?} 不採択{:?}",
                    c.applications.value(),
                    c.grants.value(),
                    c.amount.value(),
                    c.declines.value(),
                    c.rejections.value()
                )
            })
            .collect::<Vec<_>>()
    };
    let expected = [
        "ステップアップ: 申請Some(2) 交付Some(1) Some(150000)円 辞退Some(1) 不採択Some(0)",
        "チャレンジ: 申請Some(1) 交付Some(1) Some(120000)円 辞退Some(0) 不採択Some(0)",
    ];
    assert_eq!(figures(&in_order), expected);
    assert_eq!(figures(&reordered), expected);
    println!("entry order: {} report lines equal; {expected:?}", a.lines().count());
}

#[test]
fn records_stored_before_the_rule_are_read_by_the_lifecycle_and_shown() {
    // The database: three grants (420,000 yen), then an application entered after one
    // group's grant, which cancelled it (2件, 300,000円) before the lifecycle.
    let workspace = Workspace::new();
    let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).expect("day");
    let subsidy = |group: &str, status: &str, amount: Option<u64>| {
        Facts::new(RecordType::of("subsidy"))
            .text_of(Column::Course, "チャレンジ")
            .text_of(Column::Group, group)
            .maybe(Column::Amount, amount)
            .text_of(Column::Status, status)
    };
    seed(
        &workspace.db(),
        [
            (day(5, 1), subsidy("こもろ子ども食堂", "申請", None)),
            (day(6, 1), subsidy("こもろ子ども食堂", "交付決定", Some(120_000))),
            (day(6, 2), subsidy("A会", "交付決定", Some(150_000))),
            (day(6, 3), subsidy("B会", "交付決定", Some(150_000))),
            (day(7, 1), subsidy("こもろ子ども食堂", "申請", None)),
        ],
    );
    let run = workspace.console(
        &["--user", "佐藤"],
        "/records history group:\"こもろ子ども食堂\"\n\
         /report subsidy course:ステップアップ group:\"C会\" status:申請 date:2026-07-05\n\
         /records delete id:5\n",
    );
    let out = run.ok().stdout();
    assert!(
        out.contains("  申請　令和8年7月1日　#5　※集計に入りません（交付決定 #2 の後の申請）\n  現在: 交付決定（#2）"),
        "{out}"
    );
    assert!(
        out.contains("令和8年度の合計（④市民活動促進事業補助金）: 3件（交付額 420,000円）"),
        "the stray application no longer cancels the grant: {out}"
    );
    assert!(out.contains("記録 #5 を削除しました"), "{out}");
}

#[test]
fn an_application_deleted_in_the_year_before_its_grant_says_the_count_moves_between_years() {
    // Applied in March (令和7年度), granted in May (令和8年度): with the application deleted, the
    // grant stands for it in its own year, so last year's applications go down by one and this
    // year's up by one. The note says so, not that the count stays.
    let workspace = Workspace::new();
    let run = workspace.console(
        &["--user", "佐藤"],
        "/report subsidy course:チャレンジ group:\"A会\" status:申請 date:2026-03-10\n\
         /report subsidy course:チャレンジ group:\"A会\" status:交付決定 amount:120000 date:2026-05-10\n\
         /records delete id:1\n",
    );
    let out = run.ok().stdout();
    let said = "#1 の申請を削除したので、『A会』のチャレンジコースの交付決定（#2、令和8年5月10日）は申請の記録がないまま残ります\
                （集計ではこの交付決定が申請も兼ねるので、申請は令和7年度の数から令和8年度の数に移ります）。\
                誤りだったときは、申請をもう一度報告してください（日付は令和8年5月10日より前）";
    assert!(out.contains(said), "{said}\n---\n{out}");
    let line = |year: &str, starting: &str| {
        let out = workspace.kyodo(&["totals", "--fiscal-year", year]).ok().stdout();
        out.lines()
            .map(str::trim)
            .find(|l| l.starts_with(starting))
            .map(str::to_string)
            .unwrap_or_else(|| panic!("no line starting {starting} in {out}"))
    };
    // 令和7年度 has no record left: its figure is unknown, not one application.
    assert!(
        line("2025", "④").starts_with("④市民活動促進事業補助金: —"),
        "{}",
        line("2025", "④")
    );
    let course = |year: &str| line(year, "チャレンジコース（");
    assert!(
        course("2026").starts_with("チャレンジコース（申請 1件・交付決定 1件"),
        "{}",
        course("2026")
    );
}

#[test]
fn an_application_deleted_or_undone_under_its_decision_is_allowed_and_said() {
    let workspace = Workspace::new();
    let run = workspace.console(
        &["--user", "佐藤"],
        "/report subsidy course:チャレンジ group:\"A会\" status:申請 date:2026-05-01\n\
         /report subsidy course:チャレンジ group:\"A会\" status:交付決定 amount:120000 date:2026-06-01\n\
         /report subsidy course:ステップアップ group:\"B会\" status:申請 date:2026-05-02\n\
         /report subsidy course:ステップアップ group:\"B会\" status:不採択 date:2026-06-02\n",
    );
    assert_eq!(run.ok().stdout().matches("記録しました（#").count(), 4);
    let before = report(&workspace);
    let run = workspace
        .console(&["--user", "佐藤"], "/records delete id:1\n/records undo id:3\n")
        .ok();
    let out = run.stdout();
    for said in [
        "記録 #1 を削除しました",
        "#1 の申請を削除したので、『A会』のチャレンジコースの交付決定（#2、令和8年6月1日）は申請の記録がないまま残ります（集計ではこの交付決定が申請も兼ねるので、申請の数は変わりません）。誤りだったときは、申請をもう一度報告してください（日付は令和8年6月1日より前）",
        "報告 #3 を取り消しました",
        "#3 の申請を取り消したので、『B会』のステップアップコースの不採択（#4、令和8年6月2日）は申請の記録がないまま残ります",
    ] {
        assert!(out.contains(said), "{said}\n---\n{out}");
    }
    // The decisions stand for their applications: the report is the same.
    assert_eq!(report(&workspace), before, "the figures do not change");
    // The application put back (before its grant) fits; the history shows it, oldest first.
    let run = workspace
        .console(
            &["--user", "佐藤"],
            "/report subsidy course:チャレンジ group:\"A会\" status:申請 date:2026-05-03\n\
             /records history group:\"a会\"\n",
        )
        .ok();
    let out = run.stdout();
    assert!(
        out.contains(
            "■ チャレンジコース\n  申請　令和8年5月3日　#5\n  交付決定　令和8年6月1日　120,000円　#2\n  現在: 交付決定（#2）"
        ),
        "{out}"
    );
    assert_eq!(report(&workspace), before);
    println!(
        "deletes under a decision: 2 allowed with a note, report unchanged ({} lines)",
        before.lines().count()
    );
}

#[test]
fn districts_typed_with_spaces_or_in_full_width_are_stored_in_the_catalogues_spelling() {
    let workspace = Workspace::new();
    let run = workspace.console(
        &["--user", "佐藤"],
        "/report meeting area:東部 district:\"荒　町\" date:2026-06-01\n\
         /report meeting area:北大井 district:\"ひばりヶ 丘\" date:2026-06-02\n\
         /report meeting area:東部 district:\"小 原\" date:2026-06-03\n",
    );
    assert_eq!(run.code(), Some(1), "the last line is refused");
    let out = run.stdout();
    assert!(out.contains("②区と地区担当職員との連携: 東部地区 荒町区"), "{out}");
    assert!(
        out.contains("②区と地区担当職員との連携: 北大井地区 ひばりヶ丘区"),
        "{out}"
    );
    assert!(
        out.contains("✗ 区（district）: 東部地区に「小原」区はありません。「小原」は東南部地区の区です。"),
        "{out}"
    );
    let file = workspace.path("meetings.csv");
    std::fs::write(
        &file,
        "日付,種類,地区,区\n2026-06-04,地区連携,東部,荒 町\n2026-06-05,地区連携,中部,ＡＢＣ\n",
    )
    .expect("write");
    let run = workspace.kyodo(&["import", "--file", &file.display().to_string()]);
    assert_eq!(run.code(), Some(1), "{}", run.stderr());
    // A name that is no district is refused as typed; nothing of the file is stored.
    assert!(
        run.stderr().contains(
            "3行目: 区（district）: 中部地区に「ＡＢＣ」区はありません。中部地区の区: 相生、本町、六供、田町、大手"
        ),
        "{}",
        run.stderr()
    );
    std::fs::write(&file, "日付,種類,地区,区\n2026-06-04,地区連携,東部,荒 町\n").expect("write");
    workspace.kyodo(&["import", "--file", &file.display().to_string()]).ok();
    assert_eq!(
        workspace.rows("SELECT area, district FROM records WHERE record_type = 'meeting' ORDER BY id"),
        strings(&[&["東部", "荒町"], &["北大井", "ひばりヶ丘"], &["東部", "荒町"]])
    );
}
