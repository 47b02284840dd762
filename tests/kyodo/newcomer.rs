//! A newcomer's first day (issue 15): every item as a new member of the section meets it, with
//! the message before the fix in a comment and the message after in the assertion — the
//! console session `sessions/newcomer.txt` with its exact replies, the command line's help and
//! errors in Japanese, and a walk over everything a scripted session and the command line show
//! that fails on an English word.

use crate::support::{csv_rows, repo, Run, Workspace};
use std::collections::BTreeSet;
use std::io::Write;
use std::process::Stdio;

fn session(name: &str) -> (String, String) {
    let dir = repo().join("tests/kyodo/sessions");
    let read = |ext: &str| std::fs::read_to_string(dir.join(format!("{name}.{ext}"))).expect("session file");
    (read("txt"), read("expected"))
}

fn assert_same_lines(actual: &str, expected: &str) {
    for (i, (a, e)) in actual.lines().zip(expected.lines()).enumerate() {
        assert_eq!(a, e, "line {} differs", i + 1);
    }
    assert_eq!(actual.lines().count(), expected.lines().count(), "number of lines");
}

/// The line of `out` that follows the echo of `typed` (the reply's first line).
fn reply_to<'a>(out: &'a str, typed: &str) -> &'a str {
    let echo = format!("> {typed}");
    let mut lines = out.lines();
    while let Some(line) = lines.next() {
        if line == echo {
            return lines.next().unwrap_or_default();
        }
    }
    panic!("no reply to {typed} in:\n{out}")
}

#[test]
fn the_newcomer_session_replies_as_expected() {
    let workspace = Workspace::new();
    let (script, expected) = session("newcomer");
    let files = workspace.path("files").display().to_string();
    let run = workspace.console(&["--user", "佐藤", "--files", &files], &script);
    assert_eq!(run.code(), Some(1), "refused lines make the exit status non-zero");
    let out = run.stdout();
    assert_same_lines(&out, &expected);
    assert!(run.stderr().is_empty(), "{}", run.stderr());

    // 3, 10: before, a cancelled 区長会 activity said only 「令和8年度の合計: 0回」.
    assert!(out.contains("「中止」は記録しましたが、①区長会活動の回数には数えません（報告書では「中止」と書きます）"));
    // 5: before, 「金額（amount）: 0以上200000以下で入力してください」 from /report, the cap from the edit.
    assert_eq!(
        out.matches("✗ 金額（amount）: チャレンジコースの上限は200,000円です")
            .count(),
        2,
        "/report and /records edit say the same"
    );
    assert!(!out.contains("0以上200000以下"));
    // 6: before, `area: 東部` gave 「地区（area）: 「」は選べません」; now stored.
    assert_eq!(
        workspace.rows("SELECT area, district FROM records WHERE id = 3"),
        vec![vec!["東部".to_string(), "荒町".to_string()]]
    );
    assert_eq!(
        reply_to(&out, "/report consultation count:99999999999999999999"),
        // Before: 「「99999999999999999999」は整数ではありません（例: 12）」.
        "✗ 件数（count）: 「99999999999999999999」は大きすぎます。10,000以下で入力してください"
    );
    assert!(out.contains("✗ 名称（title）: 200文字までです（201文字あります）。短くしてください"));
    // 7: before, 「「/reprot」というコマンドはありません。使えるもの: …」 with no suggestion.
    assert!(reply_to(&out, "/reprot meeting").contains("もしかして /report？"));
    assert!(reply_to(&out, "/report meetng area:東部").contains("もしかして meeting？"));
    assert!(reply_to(&out, "/report meeting aera:東部").contains("もしかして area:？"));
    // 8: before, `/help report` answered 「「report」は「名前:値」の形ではありません。/help のオプション: 」.
    assert_eq!(
        reply_to(&out, "/help report council"),
        "/report council（/報告 区長会）の使い方"
    );
    assert!(
        out.contains("  kind（種類）（必須） — 種類。選べるもの: 役員会、新任区長研修会、総会、視察研修、全体研修会")
    );
    assert!(out.contains("  状態が「中止」のものは記録しますが、数えません（報告書では「中止」と書きます）"));
    assert!(out.contains("  削除（/records delete id:12）: いつでも。自分の記録か、管理者なら誰の記録でも"));
    // 9: before, a report typed in Japanese was told `/records undo id:4`, a month of the
    // baseline `/summary year` whatever the words.
    assert!(out.contains("取り消すとき（15分以内）: /記録 取り消し 番号:4"));
    assert!(reply_to(&out, "/まとめ 月次 月:2019-04").ends_with("/まとめ 年次 年度:2019 を使ってください"));
    assert!(reply_to(&out, "/summary month month:2019-04").ends_with("/summary year fiscal_year:2019 を使ってください"));
    // 10: before, undo and delete said nothing of the total.
    assert!(out.contains(
        "#4 2026年7月1日（令和8年7月1日） ②区と地区担当職員との連携: 東部地区 三和区\n令和8年度の合計（②区と地区担当職員との連携）: 1回（東部地区 1回）"
    ));
    // 13: before, at most 10 records in entry order and no way further.
    assert!(out.contains("1/2ページ（全14件中 1〜10件目）。次の10件: /records mine page:2"));
    assert!(out.contains("2/2ページ（全14件中 11〜14件目）。前の10件: /records mine page:1"));
    assert!(out.contains("次の10件: /記録 一覧 記録の種類:マッチング ページ:2"));
    // 14 (counts as amounts are): before, 「マッチング 2500件」.
    assert!(out.contains("③ぼらせん相談・マッチング: マッチング 2,500件"));
    assert!(out.contains("令和8年度の合計（③マッチング数）: 2,508件"));
    // 3: one name for a title; before, 題名 for publicity and 名称 elsewhere.
    assert_eq!(
        reply_to(&out, "/records edit id:17 field:題名 value:\"荒町区のいま\""),
        "記録 #17 の名称（title）を直しました"
    );
}

/// `kyodo ARGS` with this workspace.
fn kyodo(workspace: &Workspace, args: &[&str]) -> Run {
    workspace.kyodo(args)
}

/// Every subcommand of `kyodo --help`'s list.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| *l != "コマンド:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

#[test]
fn the_command_line_helps_and_refuses_in_japanese() {
    let workspace = Workspace::new();
    // 1: before, 「Usage: kyodo [OPTIONS] <COMMAND> … Options: … -h, --help  Print help」.
    let help = kyodo(&workspace, &["--help"]).ok().stdout();
    assert!(help.contains("\n使い方: kyodo [オプション] <コマンド>\n"), "{help}");
    assert!(help.contains("\nコマンド:\n"), "{help}");
    assert!(help.contains("\nオプション:\n"), "{help}");
    assert!(help.contains("  -h, --help "), "{help}");
    assert!(help.contains("この使い方を表示する"), "{help}");
    assert!(help.contains("  -V, --version "), "{help}");
    let subs = subcommands(&help);
    assert!(subs.len() >= 12, "{subs:?}");
    for sub in &subs {
        let run = kyodo(&workspace, &[sub, "--help"]).ok();
        let out = run.stdout();
        assert!(out.contains(&format!("使い方: kyodo {sub}")), "{sub}: {out}");
        for english in [
            "Usage",
            "Options",
            "Arguments",
            "Print help",
            "[default",
            "[possible",
            "[env",
        ] {
            assert!(!out.contains(english), "{sub}: {english} in {out}");
        }
        assert_eq!(kyodo(&workspace, &["help", sub]).ok().stdout(), out, "kyodo help {sub}");
    }
    let report = kyodo(&workspace, &["report", "--help"]).ok().stdout();
    assert!(
        report.contains("使い方: kyodo report [オプション] --fiscal-year <年度>"),
        "{report}"
    );
    assert!(
        report
            .contains("（csv と xlsx は --output が必要。選べるもの: markdown、text、csv、xlsx。省略すると markdown）"),
        "{report}"
    );
    assert_eq!(
        kyodo(&workspace, &["-V"]).ok().stdout(),
        format!("kyodo {}\n", env!("CARGO_PKG_VERSION"))
    );

    // Before: 「error: unrecognized subcommand 'reprot' … tip: … For more information, try '--help'.」
    let run = kyodo(&workspace, &["reprot"]);
    assert_eq!(run.code(), Some(2));
    assert!(
        run.stderr()
            .starts_with("エラー: 「reprot」というコマンドはありません。もしかして: report"),
        "{}",
        run.stderr()
    );
    assert!(run
        .stderr()
        .contains("使い方: kyodo [オプション] <コマンド>\n詳しくは: kyodo --help"));
    // Before: 「error: invalid value 'abc' for '--fiscal-year <FISCAL_YEAR>': …」.
    let run = kyodo(&workspace, &["report", "--fiscal-year", "abc"]);
    assert_eq!(run.code(), Some(2));
    assert!(
        run.stderr().starts_with(
            "エラー: --fiscal-year <年度>: 「abc」は年度として読めません。2026、2026年度、R8、令和8年度 のように入力してください\n"
        ),
        "{}",
        run.stderr()
    );
    let run = kyodo(&workspace, &["report", "--fiscal-year", "2020", "--format", "pdf"]);
    assert!(
        run.stderr()
            .starts_with("エラー: --format <形式> に「pdf」は使えません。選べるもの: markdown、text、csv、xlsx"),
        "{}",
        run.stderr()
    );
    let run = kyodo(&workspace, &["report", "--fiscal", "2020"]);
    assert!(run.stderr().contains("もしかして: --fiscal-year？"), "{}", run.stderr());
    let run = kyodo(&workspace, &["report"]);
    assert!(
        run.stderr()
            .starts_with("エラー: --fiscal-year <年度> を指定してください（必須です）"),
        "{}",
        run.stderr()
    );
    let run = kyodo(&workspace, &["digest", "--retry", "--post"]);
    assert!(
        run.stderr().starts_with("エラー: --retry と --post は一緒に使えません"),
        "{}",
        run.stderr()
    );
    let run = kyodo(&workspace, &["help", "reprot"]);
    assert!(run.stderr().contains("もしかして: report"), "{}", run.stderr());
}

#[test]
fn os_errors_are_said_in_japanese_and_a_closed_pipe_ends_quietly() {
    let workspace = Workspace::new();
    // 2: before, 「Broken pipe (os error 32)」 when the output went to `head`.
    let script = "/help\n".repeat(200);
    let mut child = workspace
        .command(&["console", "--user", "佐藤"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("console");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(script.as_bytes());
    });
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 64];
    std::io::Read::read_exact(&mut stdout, &mut first).expect("the first reply");
    drop(stdout);
    let out = child.wait_with_output().expect("ends");
    let _ = writer.join();
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    let run = kyodo(&workspace, &["report", "--fiscal-year", "2020"]);
    assert!(run.success());

    // Before: 「…17行目: 知らない項目「years」があります（使える項目: one of city, report, …）」.
    let run = kyodo(&workspace, &["check-config", "config/baseline.toml"]);
    assert_eq!(run.code(), Some(1));
    assert_eq!(
        run.stderr().trim(),
        "config/baseline.toml は基準データのファイルです。設定ファイル（config/kyodo.toml など）を指定してください。基準データは設定ファイルの [city] baseline に書いた名前で読み、設定と一緒に確かめます（kyodo check-config config/kyodo.toml）"
    );
    let broken = workspace.path("broken.toml");
    let shipped = std::fs::read_to_string(repo().join("config/kyodo.toml")).expect("config");
    std::fs::write(&broken, shipped.replacen("[schedule]\n", "[schedule]\ncolour = 1\n", 1)).expect("write");
    let run = kyodo(&workspace, &["check-config", &broken.display().to_string()]);
    assert!(
        run.stderr()
            .contains("知らない項目「colour」があります（使える項目: digest_day、digest_time、annual_month、annual_day、annual_time、remind_day、remind_time、stale_months）"),
        "{}",
        run.stderr()
    );
    // The README's backup to a folder that is not there: one Japanese line saying what to do.
    let run = kyodo(
        &workspace,
        &["backup", "--output", "/nonexistent-nas/kyodo.sqlite3", "--verify"],
    );
    assert_eq!(run.code(), Some(1));
    assert_eq!(
        run.stderr().trim(),
        "エラー: フォルダ /nonexistent-nas/ がありません。作成してからもう一度実行してください（/nonexistent-nas/kyodo.sqlite3 は書き出していません）"
    );
}

#[test]
fn the_console_records_the_os_user_or_asks_for_one() {
    let workspace = Workspace::new();
    // 4: before, 「consoleさん」.
    let run = Run(workspace
        .command(&["console"])
        .env("USER", "tanaka")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            child.stdin.take().expect("stdin").write_all(b"/records mine\n")?;
            child.wait_with_output()
        })
        .expect("console"));
    assert_eq!(
        reply_to(&run.stdout(), "/records mine"),
        "tanakaさんの記録（日付の新しい順）"
    );
    let run = kyodo(&workspace, &["console", "--user", " "]);
    assert_eq!(run.code(), Some(1));
    assert_eq!(
        run.stderr().trim(),
        "エラー: --user の名前が空です。記録の報告者になる名前を書いてください（例: kyodo console --user 佐藤）"
    );
    let help = kyodo(&workspace, &["console", "--help"]).ok().stdout();
    assert!(help.contains("省略すると OS のユーザー名"), "{help}");
}

#[test]
fn command_line_errors_name_the_command_line() {
    let workspace = Workspace::new();
    // 9: before, 「… /summary year を使ってください」 to someone at the command line.
    let run = kyodo(&workspace, &["digest", "--month", "2019-04"]);
    assert_eq!(
        run.stderr().trim(),
        "エラー: 月（month）: 令和元年度は年度の合計（基準データ）しかないため、月次まとめは作れません。kyodo report --fiscal-year 2019 を使ってください"
    );
    // 3: before, 「開始日（from）: 未来の日付（…）は登録できません」 for an export.
    let out = workspace.path("out.xlsx").display().to_string();
    let run = kyodo(&workspace, &["export", "--from", "2099-01-01", "--output", &out]);
    assert!(
        run.stderr()
            .starts_with("エラー: 開始日（--from）: 2099年1月1日（令和81年1月1日）はまだ来ていません。今日（"),
        "{}",
        run.stderr()
    );
    // The same pattern in `kyodo totals`, through the same command core.
    let run = kyodo(&workspace, &["totals", "--from", "2099-01-01"]);
    assert!(
        run.stderr()
            .starts_with("✗ 開始日（--from）: 2099年1月1日（令和81年1月1日）はまだ来ていません。"),
        "{}",
        run.stderr()
    );
    let run = kyodo(&workspace, &["totals", "--from", "2020-06-01"]);
    assert!(
        run.stderr()
            .contains("kyodo totals --fiscal-year 2020 か kyodo report --fiscal-year 2020 を使ってください"),
        "{}",
        run.stderr()
    );
}

#[test]
fn admin_status_says_when_nothing_will_be_posted() {
    use chrono::{Duration, Utc};
    use kyodo::domain::health::{Gateway, Heartbeat, Scheduler};
    let workspace = Workspace::new();
    // 11: before, 「次の投稿: 2027年1月1日 09:00」 with no bot and no report channel.
    let out = workspace.console(&["--user", "佐藤"], "/admin status\n").ok().stdout();
    assert!(
        out.contains("  ボット（kyodo run）が動いていないため、自動投稿はしていません。"),
        "{out}"
    );
    assert!(out.contains("KYODO_REPORT_CHANNEL_ID"), "{out}");
    assert!(!out.contains("次の投稿:"), "{out}");
    // A running bot without a report channel, then with one.
    let now = Utc::now();
    let beat = |enabled: bool| Heartbeat {
        pid: 4242,
        started_at: now - Duration::minutes(5),
        updated_at: now,
        stopped: None,
        gateway: Gateway {
            connected: true,
            since: now - Duration::minutes(5),
        },
        scheduler: Scheduler {
            enabled,
            last_pass: Some(now),
        },
    };
    let mut store = kyodo::store::Store::open(&workspace.db()).expect("open");
    store.write_heartbeat(&beat(false)).expect("beat");
    let out = workspace.console(&["--user", "佐藤"], "/admin status\n").ok().stdout();
    assert!(
        out.contains("  報告チャンネルが設定されていないため、自動投稿はしていません。投稿するには、チャンネルの ID を環境変数 KYODO_REPORT_CHANNEL_ID か config の [discord] report_channel_id に書いて、ボット（kyodo run）を起動し直してください"),
        "{out}"
    );
    store.write_heartbeat(&beat(true)).expect("beat");
    let out = workspace.console(&["--user", "佐藤"], "/admin status\n").ok().stdout();
    assert!(out.contains("  次の投稿: "), "{out}");
    // Staff may not list everyone's records; the refusal says who may, once.
    let run = workspace.console(&["--user", "佐藤", "--role", "staff"], "/records list\n");
    assert_eq!(
        reply_to(&run.stdout(), "/records list"),
        // Before: 「このコマンドは管理者（管理者のロール）だけが使えます」.
        "✗ このコマンドを使えるのは管理者だけです（Discord では管理者のロールが、コンソールでは --role admin が要ります）"
    );
}

#[test]
fn exports_are_readable_and_older_exports_still_import() {
    use calamine::Reader;
    let workspace = Workspace::new();
    workspace
        .console(
            &["--user", "佐藤"],
            "/report council kind:総会 date:2026-05-10\n/report publicity kind:4コマ title:\"協働の4コマ\" date:2026-05-11\n/report consultation count:1200 date:2026-05-12\n",
        )
        .ok();
    let csv = workspace.path("all.csv");
    kyodo(
        &workspace,
        &[
            "export",
            "--from",
            "2026-04-01",
            "--format",
            "csv",
            "--output",
            &csv.display().to_string(),
        ],
    )
    .ok();
    let rows = csv_rows(&csv);
    let header = rows[0].clone();
    let at = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("{name} in {header:?}"))
    };
    // 3: before, 種類 for the type beside 区分/種類 for its kind, and 区長会活動 for 区長会.
    assert!(!header.iter().any(|h| h.starts_with("区分/")), "{header:?}");
    assert_eq!(rows[1][at("記録の種類")], "区長会");
    assert_eq!(rows[1][at("種類")], "総会");
    assert_eq!(rows[2][at("名称")], "協働の4コマ");
    // 14: before, 「コンソール（20261202T135334…-12562:1）」 in one column.
    assert_eq!(rows[1][at("登録元")], "コンソール");
    assert!(rows[1][at("登録元ID")].ends_with(":1"), "{:?}", rows[1]);
    let xlsx = workspace.path("all.xlsx");
    kyodo(
        &workspace,
        &[
            "export",
            "--from",
            "2026-04-01",
            "--output",
            &xlsx.display().to_string(),
        ],
    )
    .ok();
    let mut book = calamine::open_workbook_auto(&xlsx).expect("xlsx");
    let range = book.worksheet_range("記録").expect("sheet");
    let xlsx_header: Vec<String> = range
        .rows()
        .next()
        .expect("header")
        .iter()
        .map(ToString::to_string)
        .collect();
    let stored = xlsx_header.iter().position(|h| h == "登録日時").expect("登録日時");
    assert!(
        matches!(range.rows().nth(1).map(|r| &r[stored]), Some(calamine::Data::DateTime(d)) if d.is_datetime()),
        "登録日時 is a date-time cell"
    );

    // An export as kyodo wrote it before: the old headers and type label, 登録元 with its id.
    let old: Vec<Vec<String>> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            row.iter()
                .enumerate()
                .filter(|(c, _)| *c != at("登録元ID"))
                .map(|(c, cell)| match (i, header[c].as_str()) {
                    (0, "記録の種類") => "種類".to_string(),
                    (0, "種類") => "区分/種類".to_string(),
                    (0, "名称") => "名称・題名".to_string(),
                    (_, "記録の種類") if cell == "区長会" => "区長会活動".to_string(),
                    (_, "登録元") if i > 0 => format!("{cell}（{}）", row[at("登録元ID")]),
                    _ => cell.clone(),
                })
                .collect()
        })
        .collect();
    let old_file = workspace.path("old.csv");
    let mut writer = csv::Writer::from_path(&old_file).expect("csv");
    for row in &old {
        writer.write_record(row).expect("row");
    }
    writer.flush().expect("flush");
    let run = kyodo(
        &workspace,
        &["import", "--file", &old_file.display().to_string(), "--dry-run"],
    )
    .ok();
    assert!(
        run.stdout()
            .contains("取り込むと: 新しい記録 0件、更新 0件、変更なし 3件"),
        "{}",
        run.stdout()
    );
    // 12: an Excel workbook imports (before: 「UTF-8 のテキストではありません」); an old .xls is told how to save.
    let run = kyodo(
        &workspace,
        &["import", "--file", &xlsx.display().to_string(), "--dry-run"],
    )
    .ok();
    assert!(run.stdout().contains("変更なし 3件"), "{}", run.stdout());
    let xls = workspace.path("old.xls");
    std::fs::write(&xls, b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 old excel").expect("write");
    let run = kyodo(&workspace, &["import", "--file", &xls.display().to_string()]);
    assert!(
        run.stderr().contains("は古い Excel 形式（.xls）のファイルです。Excel で「Excel ブック（*.xlsx）」として保存し直してから取り込んでください"),
        "{}",
        run.stderr()
    );
}

/// Words made of ASCII letters that a user may read: names of commands, subcommands and
/// options (the command set's; the command line's, with their choices and defaults, from its
/// `helps`), choices, units and the names of things (Discord, Excel …), and the config's own
/// words.
fn allowed_words(helps: &[String]) -> BTreeSet<String> {
    let catalogue =
        kyodo::domain::Catalogue::parse(&std::fs::read_to_string(repo().join("config/kyodo.toml")).expect("config"))
            .expect("catalogue");
    let mut words: BTreeSet<String> = [
        // Products, formats and units people know by these names.
        "kyodo",
        "Discord",
        "Excel",
        "CSV",
        "XLSX",
        "xlsx",
        "csv",
        "xls",
        "UTF",
        "BOM",
        "PNG",
        "SQLite",
        "TOML",
        "JSON",
        "Markdown",
        "MiB",
        "OS",
        "ID",
        "API",
        "ok",
        "Ctrl",
        "exit",
        "Shift",
        "JIS",
        "WAL",
        "SNS",
        "HEALTHCHECK",
        "Docker",
        "Litestream",
        "integrity",
        "check",
        "sqlite",
        "toml",
        "png",
        "txt",
        "md",
        "USER",
        // The config's tables and keys a message names.
        "city",
        "baseline",
        "discord",
        "report",
        "channel",
        "id",
        "backup",
        "keep",
        "folder",
        "time",
        "schedule",
        "digest",
        "day",
        "annual",
        "month",
        "record",
        "types",
        "fields",
        "years",
        "grades",
        // The grades of the city's progress sheets, as the pace line writes them.
        "S",
        "A",
        "B",
        "C",
        // Era letters of dates (R8.6.15, H31), a schema's version (v6).
        "R",
        "H",
        "v",
    ]
    .into_iter()
    .map(str::to_string)
    .collect();
    for c in kyodo::commands::spec::command_set(&catalogue) {
        words.insert(c.name.to_string());
        for o in c.options.iter().chain(c.subcommands().flat_map(|s| &s.options)) {
            words.extend(ascii_words(&o.name));
            words.extend(o.choices.iter().flat_map(|ch| ascii_words(&ch.name)));
            words.extend(o.choices.iter().flat_map(|ch| match &ch.value {
                kyodo::commands::spec::ChoiceValue::String(v) => ascii_words(v),
                kyodo::commands::spec::ChoiceValue::Integer(_) => Vec::new(),
            }));
        }
    }
    // The command line's subcommands and options, their choices and defaults, as its help
    // lists them.
    for help in helps {
        for line in help.lines() {
            for word in line.split_whitespace() {
                if let Some(long) = word.strip_prefix("--") {
                    words.extend(ascii_words(long));
                }
            }
            for note in ["選べるもの: ", "省略すると "] {
                for (_, rest) in line.match_indices(note).map(|(at, n)| (at, &line[at + n.len()..])) {
                    let value = rest.split(['。', '）']).next().unwrap_or_default();
                    words.extend(ascii_words(value));
                }
            }
        }
        words.extend(subcommands(help).iter().flat_map(|s| ascii_words(s)));
    }
    words
}

/// The runs of ASCII letters in `text`.
fn ascii_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The English words in `shown`: runs of ASCII letters that are not `allowed`, leaving out what
/// is not prose — what the user typed (the echo `> …` of a script's line, a value quoted back
/// in 「…」 or a name in 『…』), paths and file names, `--options`, environment variables.
fn english(shown: &str, allowed: &BTreeSet<String>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    if shown.starts_with("> ") {
        return found;
    }
    let mut prose = String::new();
    let mut quoted = 0usize;
    for c in shown.chars() {
        match c {
            '「' | '『' => quoted += 1,
            '」' | '』' => quoted = quoted.saturating_sub(1),
            c if quoted == 0 => prose.push(c),
            _ => {}
        }
    }
    for chunk in prose.split(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '（' | '）' | '「' | '」' | '、' | '。' | '・' | '：' | '『' | '』' | '〜' | '／' | '…'
            )
    }) {
        let chunk = chunk.trim_matches(|c: char| matches!(c, '(' | ')' | '"' | '`' | ',' | '[' | ']' | '<' | '>'));
        let not_prose = chunk.contains(['/', '\\', '.', '_', '=', '@'])
            || chunk.starts_with('-')
            || chunk
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                && chunk.contains('_');
        if not_prose {
            continue;
        }
        for word in ascii_words(chunk) {
            if !allowed.contains(&word) {
                found.insert(word);
            }
        }
    }
    found
}

#[test]
fn the_english_finder_finds_english_and_passes_names() {
    let allowed: BTreeSet<String> = ["report", "area", "Discord"].into_iter().map(str::to_string).collect();
    assert_eq!(
        english("Usage: kyodo [OPTIONS]\nerror: Broken pipe (os error 32)", &allowed),
        ["Broken", "OPTIONS", "Usage", "error", "kyodo", "os", "pipe"]
            .into_iter()
            .map(str::to_string)
            .collect()
    );
    assert!(english(
        "/report meeting area:東部 は Discord で（data/kyodo.sqlite3、--fiscal-year、KYODO_DATABASE）",
        &allowed
    )
    .contains("meeting"));
    assert!(english(
        "/report area:東部 は Discord で（data/kyodo.sqlite3、--fiscal-year、KYODO_DATABASE）",
        &allowed
    )
    .is_empty());
}

#[test]
fn no_english_word_reaches_the_user() {
    let workspace = Workspace::new();
    let help = kyodo(&workspace, &["--help"]).ok().stdout();
    let mut helps = vec![help.clone()];
    for sub in subcommands(&help) {
        helps.push(kyodo(&workspace, &[&sub, "--help"]).stdout());
    }
    let allowed = allowed_words(&helps);
    // Every help of the command line, and its refusals.
    let mut shown = helps.clone();
    for args in [
        vec!["reprot"],
        vec!["report", "--fiscal-year", "abc"],
        vec!["report", "--fiscal-year", "2020", "--format", "pdf"],
        vec!["report", "--fiscal", "2020"],
        vec!["report"],
        vec!["report", "2020"],
        vec!["digest", "--retry", "--post"],
        vec!["digest", "--month", "2019-04"],
        vec!["check-config", "config/baseline.toml"],
        vec!["import", "--file", "missing.csv"],
        vec!["restore", "--from", "missing.sqlite3"],
        vec!["export", "--from", "2099-01-01", "--output", "x.xlsx"],
        vec!["report", "--fiscal-year", "2020", "--format", "csv"],
        vec!["report", "--fiscal-year", "2020", "--format", "text"],
        vec!["commands"],
        vec!["totals"],
        vec!["totals", "--by", "area"],
        vec!["health", "--bot"],
        vec!["backup", "--output", "copy.sqlite3", "--verify"],
        vec!["backup", "--output", "copy.sqlite3"],
    ] {
        let run = kyodo(&workspace, &args);
        shown.push(run.stdout());
        shown.push(run.stderr());
    }
    // The scripted sessions' replies: every command, every refusal.
    let files = workspace.path("files").display().to_string();
    for name in ["newcomer", "every_command", "edits", "subsidy_lifecycle"] {
        let (script, _) = session(name);
        let run = workspace.console(&["--user", "佐藤", "--files", &files], &script);
        shown.push(run.stdout());
        shown.push(run.stderr());
    }
    let extra = "/help\n/help records edit\n/help totals\n/help records list\n/help admin status\n/help summary month\n/help records export\n/help records history\n/admin status\n/records mine\n/totals\n/summary year fiscal_year:2020\n/records history group:\"こもろ子ども食堂\"\n/ヘルプ 報告 補助金\n";
    let run = workspace.console(&["--user", "佐藤", "--files", &files], extra);
    shown.push(run.stdout());
    let mut found: Vec<String> = Vec::new();
    for text in &shown {
        for line in text.lines() {
            let words = english(line, &allowed);
            if !words.is_empty() {
                found.push(format!("{words:?} in: {line}"));
            }
        }
    }
    assert!(found.is_empty(), "English shown to the user:\n{}", found.join("\n"));
}
