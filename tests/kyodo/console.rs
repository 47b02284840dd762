//! Scripted console sessions: every command and every refusal with the exact replies, checked
//! against the database; permissions between users; a process killed mid-script loses nothing
//! it acknowledged.

use crate::support::{repo, Workspace};
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

fn session(name: &str) -> (String, String) {
    let dir = repo().join("tests/kyodo/sessions");
    let read = |ext: &str| std::fs::read_to_string(dir.join(format!("{name}.{ext}"))).expect("session file");
    (read("txt"), read("expected"))
}

/// Fails with the first differing line, so that a changed reply is easy to read.
fn assert_same_lines(actual: &str, expected: &str) {
    for (i, (a, e)) in actual.lines().zip(expected.lines()).enumerate() {
        assert_eq!(a, e, "line {} differs", i + 1);
    }
    assert_eq!(actual.lines().count(), expected.lines().count(), "number of lines");
}

#[test]
fn every_command_and_every_refusal_replies_as_expected() {
    let workspace = Workspace::new();
    let (script, expected) = session("every_command");
    let files = workspace.path("files");
    let files_arg = files.display().to_string();
    let run = workspace.console(&["--user", "佐藤", "--files", &files_arg], &script);
    assert_eq!(run.code(), Some(1), "refused lines make the exit status non-zero");
    assert_same_lines(&run.stdout().replace(&files_arg, "<files>"), &expected);
    // The digest's chart, its heat map and the export were saved where asked.
    for name in ["kyodo-2026-10.png", "kyodo-2026-10-districts.png"] {
        let png = std::fs::read(files.join(name)).expect("picture saved");
        assert!(png.starts_with(b"\x89PNG"), "{name} is a PNG");
    }
    let csv = std::fs::read_to_string(files.join("kyodo-records-2026-04-01_2026-10-31.csv")).expect("export saved");
    assert!(csv.starts_with('\u{feff}'), "with a BOM for Excel");
    assert_eq!(
        csv.lines().count(),
        1 + 11,
        "a header and the 11 live records of 2026-04-01..10-31: {csv}"
    );
    assert!(run.stderr().is_empty(), "{}", run.stderr());

    // 15 reports stored, none of the refused ones; #2 undone and #3 deleted, softly.
    let live =
        workspace.rows("SELECT record_type, COUNT(*) FROM records WHERE deleted_at IS NULL GROUP BY 1 ORDER BY 1");
    let live: Vec<(String, String)> = live.into_iter().map(|r| (r[0].clone(), r[1].clone())).collect();
    let expect = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        live,
        expect(&[
            ("collab", "1"),
            ("consultation", "2"),
            ("council", "1"),
            ("info", "1"),
            ("match", "1"),
            ("meeting", "2"),
            ("participation", "1"),
            ("publicity", "2"),
            ("subsidy", "2")
        ])
    );
    assert_eq!(
        workspace.rows("SELECT COUNT(*) FROM records"),
        vec![vec!["15".to_string()]]
    );
    assert_eq!(
        workspace.rows("SELECT id FROM records WHERE deleted_at IS NOT NULL ORDER BY id"),
        vec![vec!["2".to_string()], vec!["3".to_string()]]
    );
    assert_eq!(
        workspace.rows("SELECT area, district, topic, reporter_name, source FROM records WHERE id = 1"),
        vec![vec!["東部", "三和", "防災訓練の打合せ", "佐藤", "console"]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>()]
    );
    assert_eq!(
        workspace.rows("SELECT record_id, action, actor_name FROM audit WHERE action <> 'create' ORDER BY id"),
        vec![
            vec!["1".to_string(), "edit".into(), "佐藤".into()],
            vec!["2".to_string(), "undo".into(), "佐藤".into()],
            vec!["3".to_string(), "delete".into(), "佐藤".into()],
        ]
    );
    assert_eq!(
        workspace.rows("SELECT COUNT(*) FROM audit WHERE action = 'create'"),
        vec![vec!["15".to_string()]]
    );
    let before = workspace.rows("SELECT before_json FROM audit WHERE action = 'edit'");
    assert!(before[0][0].contains("\"district\":\"荒町\""), "{before:?}");
}

#[test]
fn a_clean_script_exits_zero_and_a_future_date_is_refused() {
    let workspace = Workspace::new();
    let run = workspace.console(&[], "# comment\n\n/report match count:2 date:昨日\n/totals\n");
    assert_eq!(run.code(), Some(0), "{}", run.stdout());
    assert!(run.stdout().contains("令和"), "{}", run.stdout());
    let run = workspace.console(&[], "/report match count:2 date:2099-01-01\n");
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stdout()
            .contains("✗ 日付（date）: 未来の日付（2099年1月1日（令和81年1月1日））は登録できません。今日は"),
        "{}",
        run.stdout()
    );
    assert_eq!(
        workspace.rows("SELECT COUNT(*) FROM records"),
        vec![vec!["1".to_string()]]
    );
}

#[test]
fn only_admins_change_other_peoples_records_and_only_reporters_undo() {
    let workspace = Workspace::new();
    workspace
        .console(
            &["--user", "佐藤", "--role", "staff"],
            "/report collab title:\"駅のお掃除\" date:2026-05-01\n",
        )
        .ok();
    let run = workspace.console(
        &["--user", "田中", "--role", "staff"],
        "/records edit id:1 field:title value:\"駅前清掃\"\n/records delete id:1\n/records undo id:1\n",
    );
    assert_eq!(run.code(), Some(1));
    let out = run.stdout();
    assert_eq!(
        out.matches("✗ 記録 #1 は佐藤さんの記録です。他の人の記録を直したり削除したりできるのは管理者だけです")
            .count(),
        2,
        "{out}"
    );
    assert!(
        out.contains(
            "✗ この取り消しは報告した佐藤さんだけが使えます。直す必要があれば佐藤さんか管理者に伝えてください"
        ),
        "{out}"
    );
    assert_eq!(
        workspace.rows("SELECT title, deleted_at FROM records"),
        vec![vec!["駅のお掃除".to_string(), "NULL".into()]]
    );

    workspace
        .console(
            &["--user", "管理者", "--role", "admin"],
            "/records edit id:1 field:title value:\"駅前清掃\"\n/records delete id:1\n",
        )
        .ok();
    assert_eq!(
        workspace.rows("SELECT title, deleted_at IS NOT NULL FROM records"),
        vec![vec!["駅前清掃".to_string(), "1".into()]]
    );
    assert_eq!(
        workspace.rows("SELECT action, actor_name FROM audit ORDER BY id"),
        vec![
            vec!["create".to_string(), "佐藤".into()],
            vec!["edit".to_string(), "管理者".into()],
            vec!["delete".to_string(), "管理者".into()],
        ]
    );
}

#[test]
fn admin_status_is_for_admins_only() {
    let workspace = Workspace::new();
    let run = workspace.console(&["--role", "staff"], "/admin status\n");
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stdout()
            .contains("✗ このコマンドを使えるのは管理者だけです（Discord では管理者のロールが、コンソールでは --role admin が要ります）"),
        "{}",
        run.stdout()
    );
    let run = workspace
        .console(
            &["--role", "admin"],
            "/report match count:2 date:2026-06-01\n/admin status\n",
        )
        .ok();
    let out = run.stdout();
    let latest = kyodo::store::Store::latest_schema_version();
    assert!(
        out.contains(&format!("スキーマ {latest}（この kyodo は {latest} まで）")),
        "{out}"
    );
    assert!(out.contains("確かめたバックアップはまだありません"), "{out}");
    assert!(
        out.contains("毎日 03:00 にフォルダ backup へ（14回分を残します）"),
        "{out}"
    );
    assert!(
        out.contains("記録 1件（削除済み 0件は集計に入りません）、変更履歴 1件"),
        "{out}"
    );
    assert!(out.contains("平成30年度〜令和2年度（3年度分）"), "{out}");
    assert!(out.contains("月次まとめ: 毎月1日 09:00（前の月の分）"), "{out}");
}

#[test]
fn a_process_killed_at_any_moment_loses_no_acknowledged_record() {
    let workspace = Workspace::new();
    let mut child = workspace
        .command(&["console", "--user", "佐藤", "--role", "staff"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start console");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    // Feed reports as fast as the console takes them, and kill it while it is writing.
    let writer = std::thread::spawn(move || {
        for i in 0..5_000 {
            if writeln!(stdin, "/report consultation count:{} date:2026-06-01", i % 9 + 1).is_err() {
                break;
            }
        }
    });
    let mut acknowledged = Vec::new();
    let started = Instant::now();
    for line in stdout.lines() {
        let Ok(line) = line else { break };
        if let Some(rest) = line.strip_prefix("記録しました（#") {
            let id: i64 = rest.split('・').next().and_then(|n| n.parse().ok()).expect("record id");
            acknowledged.push(id);
            if acknowledged.len() == 200 || started.elapsed() > Duration::from_secs(20) {
                child.kill().expect("kill -9");
                break;
            }
        }
    }
    let _ = child.wait();
    let _ = writer.join();
    assert!(
        acknowledged.len() >= 50,
        "only {} reports acknowledged",
        acknowledged.len()
    );
    let stored: Vec<i64> = workspace
        .rows("SELECT id FROM records ORDER BY id")
        .into_iter()
        .map(|r| r[0].parse().expect("id"))
        .collect();
    let lost: Vec<&i64> = acknowledged.iter().filter(|id| !stored.contains(id)).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    // Every stored record is whole, with its audit line: nothing half-written.
    let orphans = workspace
        .rows("SELECT COUNT(*) FROM records r WHERE NOT EXISTS (SELECT 1 FROM audit a WHERE a.record_id = r.id)");
    assert_eq!(orphans, vec![vec!["0".to_string()]]);
}

#[test]
fn the_registration_payload_is_printed_as_discord_takes_it() {
    let run = Workspace::new().kyodo(&["commands", "--json"]).ok();
    let payload: serde_json::Value = serde_json::from_str(&run.stdout()).expect("JSON");
    let commands = payload.as_array().expect("an array of application commands");
    let names: Vec<&str> = commands.iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(
        names,
        [
            "report",
            "totals",
            "summary",
            "records",
            "remind",
            "admin",
            "dashboard",
            "help"
        ]
    );
    assert!(commands.iter().all(|c| c["name_localizations"]["ja"].is_string()));
}

#[test]
fn the_registration_payload_validates_against_discords_openapi_description() {
    // The vendored description (tests/fixtures/discord-openapi/), or DISCORD_OPENAPI_SPEC.
    let path = crate::support::discord::Config::default()
        .openapi_spec
        .expect("the OpenAPI description is vendored; DISCORD_OPENAPI_SPEC must not be empty here");
    let spec = crate::support::discord::openapi::Spec::load(&path);
    let run = Workspace::new().kyodo(&["commands", "--json"]).ok();
    let payload: serde_json::Value = serde_json::from_str(&run.stdout()).expect("JSON");
    let route = "/applications/1301234567890123456/guilds/1201234567890123456/commands";
    if let Err(problems) = spec.check_request("PUT", route, "application/json", &payload) {
        panic!("the payload breaks Discord's OpenAPI description: {problems}");
    }
    let global = "/applications/1301234567890123456/commands";
    assert!(spec.check_request("PUT", global, "application/json", &payload).is_ok());
    // And the validator is not blind: an upper-case name is caught.
    let mut broken = payload.clone();
    broken[0]["name"] = serde_json::json!("Report");
    assert!(spec.check_request("PUT", route, "application/json", &broken).is_err());
}

/// The audit trail's `(before, after)` facts of record `id`'s edits, in order.
fn edits_of(workspace: &Workspace, id: i64) -> Vec<(serde_json::Value, serde_json::Value)> {
    let facts = |json: &str| -> serde_json::Value {
        let record: serde_json::Value = serde_json::from_str(json).expect("audit JSON");
        let mut facts = record["facts"].clone();
        facts["date"] = record["date"].clone();
        facts
    };
    workspace
        .rows(&format!(
            "SELECT before_json, after_json FROM audit WHERE record_id = {id} AND action = 'edit' ORDER BY id"
        ))
        .iter()
        .map(|row| (facts(&row[0]), facts(&row[1])))
        .collect()
}

#[test]
fn edits_move_a_meeting_clear_fields_and_take_japanese_field_names() {
    let workspace = Workspace::new();
    let (script, expected) = session("edits");
    let run = workspace.console(&["--user", "佐藤"], &script);
    assert_eq!(run.code(), Some(1), "refused lines make the exit status non-zero");
    assert_same_lines(&run.stdout(), &expected);
    assert!(run.stderr().is_empty(), "{}", run.stderr());

    // The meeting moved from 東部/荒町 to 中部/本町 in one edit: one audit line with both fields.
    let meeting = edits_of(&workspace, 1);
    assert_eq!(
        meeting.len(),
        8,
        "7 moves and 1 clear; no refused edit wrote anything: {meeting:?}"
    );
    let (before, after) = &meeting[0];
    assert_eq!((&before["area"], &before["district"]), (&"東部".into(), &"荒町".into()));
    assert_eq!((&after["area"], &after["district"]), (&"中部".into(), &"本町".into()));
    assert_eq!(before["topic"], after["topic"], "only the place changed");
    // A district alone moved it to the district's area, in one edit as well.
    let (before, after) = &meeting[4];
    assert_eq!((&before["area"], &before["district"]), (&"東部".into(), &"荒町".into()));
    assert_eq!((&after["area"], &after["district"]), (&"中部".into(), &"本町".into()));
    // A district alone as the place (`荒町区`): back to 東部, in one edit.
    let (before, after) = &meeting[5];
    assert_eq!((&before["area"], &before["district"]), (&"中部".into(), &"本町".into()));
    assert_eq!((&after["area"], &after["district"]), (&"東部".into(), &"荒町".into()));
    // The topic cleared: kept in the audit trail's before, gone after.
    let (before, after) = &meeting[7];
    assert_eq!(before["topic"], "防災訓練の打合せ");
    assert!(after["topic"].is_null(), "{after}");
    assert_eq!(
        workspace.rows("SELECT area, district, topic FROM records WHERE id = 1"),
        vec![vec!["中部".to_string(), "本町".into(), "NULL".into()]]
    );
    // The running tallies follow the move: 中部 has both meetings, 東部 none.
    assert_eq!(
        workspace.rows("SELECT dimension, SUM(count) FROM tallies WHERE record_type = 'meeting' GROUP BY 1 ORDER BY 1"),
        vec![vec!["中部".to_string(), "2".into()]]
    );

    // The cancelled council: note set and cleared, date moved; its status kept.
    let council = edits_of(&workspace, 3);
    assert_eq!(council.len(), 3, "{council:?}");
    assert_eq!(council[0].1["note"], "延期の連絡");
    assert!(council[1].1["note"].is_null());
    assert_eq!(council[2].1["date"], "2026-05-21");
    assert_eq!(
        workspace.rows("SELECT status, note, occurred_on FROM records WHERE id = 3"),
        vec![vec!["中止".to_string(), "NULL".into(), "2026-05-21".into()]]
    );
    // The consultation's note and side cleared, its count changed; the publicity's title cleared.
    assert_eq!(edits_of(&workspace, 4).len(), 4);
    assert_eq!(
        workspace.rows("SELECT count, side, note FROM records WHERE id = 4"),
        vec![vec!["15".to_string(), "NULL".into(), "NULL".into()]]
    );
    assert_eq!(
        workspace.rows("SELECT kind, medium, title FROM records WHERE id = 5"),
        vec![vec!["4コマ".to_string(), "広報こもろ".into(), "NULL".into()]]
    );
    // The grant's amount changed; the application was not made a second grant.
    assert_eq!(edits_of(&workspace, 6).len(), 1);
    assert!(edits_of(&workspace, 7).is_empty());
    assert_eq!(
        workspace.rows("SELECT id, amount, status FROM records WHERE record_type = 'subsidy' ORDER BY id"),
        vec![
            vec!["6".to_string(), "180000".into(), "交付決定".into()],
            // `amount:0` on an application means no amount (the subsidy lifecycle).
            vec!["7".to_string(), "NULL".into(), "申請".into()],
        ]
    );
    // The other meeting was never touched.
    assert!(edits_of(&workspace, 2).is_empty());
    assert_eq!(
        workspace.rows("SELECT COUNT(*) FROM audit WHERE action = 'edit'"),
        vec![vec!["18".to_string()]]
    );
}
