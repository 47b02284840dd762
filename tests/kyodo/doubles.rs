//! Double reports, as staff meet them: a report that looks like one already stored — by
//! another reporter, or by the same one a moment ago — is stored all the same and its reply
//! names the other record, with the undo; `/records duplicates` lists a year's pairs for an
//! admin. A scripted console session with its exact replies (`sessions/doubles.*`).

use crate::support::{repo, Workspace};

/// Fails with the first differing line.
fn assert_same_lines(actual: &str, expected: &str) {
    for (i, (a, e)) in actual.lines().zip(expected.lines()).enumerate() {
        assert_eq!(a, e, "line {} differs", i + 1);
    }
    assert_eq!(actual.lines().count(), expected.lines().count(), "number of lines");
}

#[test]
fn double_reports_are_stored_said_and_listed_never_merged_or_refused() {
    let workspace = Workspace::new();
    workspace
        .console(
            &["--user", "田中", "--role", "staff"],
            "/report meeting area:東部 district:荒町 date:R8.6.15\n\
             /report collab title:\"ボランティア交流集会\" date:2026-08-01\n\
             /report council kind:総会 date:2026-05-10\n\
             /report match count:2 date:2026-06-30\n",
        )
        .ok();
    let dir = repo().join("tests/kyodo/sessions");
    let script = std::fs::read_to_string(dir.join("doubles.txt")).expect("script");
    let expected = std::fs::read_to_string(dir.join("doubles.expected")).expect("expected");
    let run = workspace.console(&["--user", "佐藤"], &script);
    assert_eq!(run.code(), Some(1), "the year to come is refused");
    assert_same_lines(&run.stdout(), &expected);
    // Every report stored (the one undone, softly): 4 by 田中, 6 by 佐藤.
    assert_eq!(
        workspace.rows("SELECT COUNT(*) FROM records"),
        vec![vec!["10".to_string()]]
    );
    assert_eq!(
        workspace.rows("SELECT id FROM records WHERE deleted_at IS NOT NULL"),
        vec![vec!["6".to_string()]]
    );
    // Only admins list the pairs; a staff member is told so, in Japanese.
    let run = workspace.console(&["--user", "田中", "--role", "staff"], "/records duplicates\n");
    assert_eq!(run.code(), Some(1));
    assert!(
        run.stdout().contains("✗ このコマンドを使えるのは管理者だけです"),
        "{}",
        run.stdout()
    );
}

#[test]
fn a_busy_days_reply_names_three_and_counts_the_rest_it_read() {
    let workspace = Workspace::new();
    let reports = |n: usize| "/report meeting area:東部 district:荒町 date:2026-06-15\n".repeat(n);
    // Tanaka reports `n` meetings of the day, then Sato one more: Sato's reply.
    let after = |n: usize| {
        workspace
            .console(&["--user", "田中", "--role", "staff"], &reports(n))
            .ok();
        workspace.console(&["--user", "佐藤"], &reports(1))
    };
    let run = after(10);
    assert!(
        run.stdout()
            .contains("ほかにも7件あります（/records duplicates で一覧できます）"),
        "{}",
        run.stdout()
    );
    // Past the newest 50 of the day's meetings (store::doubles::SAME_DAY_READ), not all are
    // read: the reply says so.
    let run = after(42);
    assert!(
        run.stdout()
            .contains("ほかにも47件以上あります（/records duplicates で一覧できます）"),
        "{}",
        run.stdout()
    );
    assert_eq!(
        workspace.rows("SELECT COUNT(*) FROM records WHERE deleted_at IS NULL"),
        vec![vec!["54".to_string()]],
        "every report stored"
    );
}

#[test]
fn a_reports_total_counts_a_record_entered_since_in_an_earlier_month() {
    // One console process: the months before a report's own are remembered between reports
    // (`App::figures_of_type`), and a record entered into one of them since is counted.
    let workspace = Workspace::new();
    let run = workspace.console(
        &["--user", "田中", "--role", "staff"],
        "/report meeting area:東部 district:荒町 date:2026-06-10\n\
         /report meeting area:東部 district:荒町 date:2026-06-11\n\
         /report meeting area:東部 district:荒町 date:2026-05-10\n\
         /report meeting area:東部 district:荒町 date:2026-06-12\n\
         /report meeting area:西部 district:古城 date:2026-04-20\n\
         /report meeting area:東部 district:荒町 date:2026-06-13\n",
    );
    let stdout = run.stdout();
    let totals: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.split_once("の合計"))
        .filter_map(|(_, rest)| rest.rsplit_once(": "))
        .map(|(_, figure)| figure.trim())
        .collect();
    assert_eq!(
        totals,
        [
            "1回（東部地区 1回）",
            "2回（東部地区 2回）",
            "3回（東部地区 3回）",
            "4回（東部地区 4回）",
            "5回（西部地区 1回）",
            "6回（東部地区 5回）",
        ],
        "{stdout}"
    );
}
