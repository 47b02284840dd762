//! The same numbers everywhere: a scripted fiscal year of records — every record type, several
//! areas, a held, a written and a cancelled council activity, grants applied for, granted and
//! declined, a record edited, one deleted, one undone — then every breakdown figure in
//! `/totals`, the monthly digest, the annual report, `kyodo totals` and the export, checked
//! against counts made by hand (in the comments).

use crate::support::Workspace;

const SCRIPT: &str = "\
/report meeting area:東部 district:荒町 date:2025-05-10
/report meeting area:東部 district:三和 date:2025-06-10
/report meeting area:川辺 district:氷 date:2025-07-10
/report meeting area:中部 district:本町 date:2025-08-10
/report council kind:役員会 date:2025-05-01
/report council kind:役員会 date:2025-09-01
/report council kind:総会 status:書面開催 date:2025-06-01
/report council kind:視察研修 status:中止 date:2025-10-01
/report consultation count:10 side:したい側 date:2025-05-20
/report consultation count:4 side:受けたい側 date:2025-11-20
/report match count:3 date:2025-12-01
/report subsidy course:チャレンジ group:\"A会\" status:申請 date:2025-05-01
/report subsidy course:チャレンジ group:\"A会\" status:交付決定 amount:150000 date:2025-06-01
/report subsidy course:チャレンジ group:\"B会\" status:申請 date:2025-05-02
/report subsidy course:チャレンジ group:\"B会\" status:辞退 date:2025-06-02
/report subsidy course:ステップアップ group:\"C会\" status:交付決定 amount:100000 date:2025-07-01
/report participation method:ワークショップ project:\"計画\" date:2025-09-01
/report participation method:パブリックコメント project:\"条例\" date:2025-10-01
/report collab title:\"交流会\" date:2025-11-01
/report info title:\"説明会\" date:2025-12-01
/report publicity kind:4コマ medium:広報こもろ date:2026-01-01
/report publicity kind:区紹介 medium:SNS date:2026-02-01
/report publicity kind:区紹介 medium:広報こもろ date:2026-02-15
/records delete id:4
/records edit id:10 field:count value:6
/records undo id:20
";

/// The line of `text` that starts (after its indent) with `start`.
fn line<'a>(text: &'a str, start: &str) -> &'a str {
    text.lines()
        .map(str::trim)
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("no line starting {start} in:\n{text}"))
}

#[test]
fn every_output_gives_the_same_figures_as_counted_by_hand() {
    let workspace = Workspace::new();
    let run = workspace.console(&["--user", "佐藤"], SCRIPT);
    assert_eq!(run.code(), Some(0), "every line accepted:\n{}", run.stdout());

    // /totals for the year: ① 2 役員会 + 1 書面開催 held, the cancelled one not; ② 3 meetings
    // (本町's deleted); ③ 10 + 6 (edited from 4); ④ A会 and C会 granted, B会 declined; ⑤ 2;
    // ⑥ 1; ⑦ 0 (undone); ⑧ 1 four-panel strip; ⑨ 2 district introductions.
    let totals = workspace.console(&[], "/totals fiscal_year:2025\n").stdout();
    assert!(
        line(&totals, "①区長会活動:").starts_with("①区長会活動: 3回"),
        "{totals}"
    );
    assert_eq!(
        line(&totals, "役員会"),
        "役員会 2回、総会（書面開催）、視察研修（中止）"
    );
    assert!(line(&totals, "②区と地区担当職員との連携:").starts_with("②区と地区担当職員との連携: 3回"));
    let areas = line(&totals, "東南部 0回");
    assert!(areas.contains("東部 2回（2/7区）"), "{areas}");
    assert!(areas.contains("中部 0回（0/5区）"), "{areas}");
    assert!(areas.contains("川辺 1回（1/10区）"), "{areas}");
    assert!(line(&totals, "③相談数:").starts_with("③相談数: 16件"));
    assert_eq!(line(&totals, "したい側"), "したい側 10件、受けたい側 6件");
    assert!(line(&totals, "③マッチング数:").starts_with("③マッチング数: 3件"));
    assert!(line(&totals, "④市民活動促進事業補助金:").starts_with("④市民活動促進事業補助金: 2件"));
    assert!(line(&totals, "④市民活動促進事業補助金:").contains("交付額 250,000円"));
    assert_eq!(
        line(&totals, "チャレンジコース"),
        "チャレンジコース（申請 2件・交付決定 1件・辞退 1件・交付額 150,000円・上限 200,000円まで 50,000円）、\
         ステップアップコース（申請 1件・交付決定 1件・辞退 0件・交付額 100,000円・上限 150,000円まで 50,000円）"
    );
    assert!(line(&totals, "⑤市民参加手続き:").starts_with("⑤市民参加手続き: 2件"));
    assert_eq!(
        line(&totals, "パブリックコメント"),
        "パブリックコメント 1件、審議会等 0件、ワークショップ 1件、アンケート 0件、説明会・意見交換会 0件、その他 0件"
    );
    assert!(line(&totals, "⑥区長会・市民活動連携:").starts_with("⑥区長会・市民活動連携: 1回"));
    assert_eq!(line(&totals, "最近:"), "最近: 「交流会」（11月1日）");
    assert!(line(&totals, "⑦情報共有機会:").starts_with("⑦情報共有機会: 0回"));
    assert!(line(&totals, "⑧条例理念の普及:").starts_with("⑧条例理念の普及: 1回"));
    assert_eq!(
        line(&totals, "4コマによる普及"),
        "4コマによる普及 1回（広報こもろ 1回）"
    );
    assert!(line(&totals, "⑨各主体の実践の見える化:").starts_with("⑨各主体の実践の見える化: 2回"));
    assert_eq!(
        line(&totals, "ぼらせんこもろ 0回"),
        "ぼらせんこもろ 0回、市民活動紹介 0回、区紹介 2回（広報こもろ 1回・SNS 1回）"
    );

    // The digest of the year's last month: the same year to date.
    let digest = workspace.console(&[], "/summary month month:2026-03\n").stdout();
    assert!(line(&digest, "①区長会活動:").contains("年度累計 3回"), "{digest}");
    assert!(line(&digest, "③相談数:").contains("年度累計 16件"));
    assert!(line(&digest, "④市民活動促進事業補助金:").contains("年度累計 2件"));
    assert!(line(&digest, "④市民活動促進事業補助金:").contains("年度累計 250,000円"));
    assert!(line(&digest, "⑨各主体の実践の見える化:").contains("年度累計 2回"));
    assert_eq!(
        line(&digest, "役員会"),
        "役員会 2回、総会（書面開催）、視察研修（中止）"
    );

    // The annual report, in the report's own wording.
    let report = workspace.kyodo(&["report", "--fiscal-year", "2025"]).ok().stdout();
    let row = line(&report, "| 令和7年度 | 役員会");
    assert_eq!(
        row,
        "| 令和7年度 | 役員会 年2回 総会（書面議決） 視察研修（中止） | 東南部0回 東部2回 中部0回 西部0回 北大井0回 | 大里0回 三岡0回 西小諸0回 南大井0回 川辺1回 |"
    );
    assert_eq!(line(&report, "| 令和7年度 | 16 |"), "| 令和7年度 | 16 | 3 |");
    assert_eq!(
        line(&report, "| 令和7年度 | 250,000"),
        "| 令和7年度 | 250,000 (150,000・100,000) | チャレンジ 1件(2) ステップアップ 1件(1) |"
    );
    assert_eq!(line(&report, "| 令和7年度 | 2件"), "| 令和7年度 | 2件 |");
    assert_eq!(line(&report, "| 令和7年度 | 1回 | 0回"), "| 令和7年度 | 1回 | 0回 |");
    assert_eq!(
        line(&report, "| 令和7年度 | ・ 4コマ"),
        "| 令和7年度 | ・ 4コマによる普及 ・ 区紹介 | 1回 2回 |"
    );

    // kyodo totals by area and by kind, as CSV.
    let csv = workspace.path("areas.csv");
    let csv_arg = csv.display().to_string();
    workspace
        .kyodo(&[
            "totals",
            "--fiscal-year",
            "2025",
            "--by",
            "area",
            "--format",
            "csv",
            "--output",
            &csv_arg,
        ])
        .ok();
    let text = std::fs::read_to_string(&csv).expect("csv");
    for (area, n) in [("東部", 2), ("中部", 0), ("川辺", 1)] {
        assert!(text.lines().any(|l| l == format!("{area},{n}")), "{area}: {text}");
    }
    let kinds = workspace
        .kyodo(&["totals", "--fiscal-year", "2025", "--by", "kind"])
        .ok()
        .stdout();
    assert_eq!(line(&kinds, "役員会:"), "役員会: ①区長会活動 2回");
    assert_eq!(line(&kinds, "視察研修:"), "視察研修: ①区長会活動 0回");
    assert_eq!(line(&kinds, "区紹介:"), "区紹介: ⑨各主体の実践の見える化 2回");

    // The export: every live record once — 23 reported, one deleted, one undone.
    let export = workspace.path("records.csv");
    let export_arg = export.display().to_string();
    workspace
        .kyodo(&[
            "export",
            "--from",
            "2025-04-01",
            "--to",
            "2026-03-31",
            "--format",
            "csv",
            "--output",
            &export_arg,
        ])
        .ok();
    let rows = std::fs::read_to_string(&export).expect("export").lines().count();
    assert_eq!(rows, 1 + 21, "a header and 21 records");
}
