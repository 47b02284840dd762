//! Every transition of the lifecycle, allowed and refused, with the refusal's words; entry
//! order; edits, deletes and records that broke the rules before the check existed.

use super::*;
use crate::domain::Catalogue;

fn komoro() -> Subsidy {
    Catalogue::parse(include_str!("../../../config/kyodo.toml"))
        .expect("shipped config")
        .subsidy
}

fn at(id: i64, month: u32, day: u32, status: &str) -> SubsidyEvent {
    SubsidyEvent {
        id,
        date: NaiveDate::from_ymd_opt(2026, month, day).expect("valid day"),
        course: "チャレンジ".into(),
        group: "こもろ子ども食堂".into(),
        status: status.into(),
        amount: (status == "交付決定").then_some(150_000),
    }
}

/// The statuses of a history, one a month from April, ids 1, 2, 3 …
fn history(statuses: &[&str]) -> Vec<SubsidyEvent> {
    statuses
        .iter()
        .enumerate()
        .map(|(i, s)| at(i as i64 + 1, 4 + i as u32, 1, s))
        .collect()
}

/// Adding `new` (id 100) to `before`.
fn add(before: &[SubsidyEvent], new: SubsidyEvent) -> Result<(), Refusal> {
    let mut after = before.to_vec();
    let id = new.id;
    after.push(new);
    check(&Check {
        subsidy: &komoro(),
        before,
        after: &after,
        change: Change::Add(&[id]),
        unstored: &[],
    })
}

/// Adding a record in `status` after every record of `statuses`: Ok, or the refusal as shown.
fn then(statuses: &[&str], status: &str) -> Result<(), String> {
    add(&history(statuses), at(100, 12, 1, status)).map_err(|r| r.to_string())
}

#[test]
fn every_transition_allowed() {
    let allowed: [(&[&str], &str); 16] = [
        (&[], "申請"),
        // A decision with nothing before it stands for its application (entered later, or a
        // backfill of grants alone).
        (&[], "交付決定"),
        (&[], "不採択"),
        (&[], "辞退"),
        (&["申請"], "交付決定"),
        (&["申請"], "不採択"),
        (&["申請"], "辞退"),
        (&["申請", "交付決定"], "辞退"),
        (&["申請", "交付決定"], "実績報告"),
        (&["交付決定"], "実績報告"),
        // After a 不採択 or a withdrawn application the group may apply again.
        (&["申請", "不採択"], "申請"),
        (&["申請", "辞退"], "申請"),
        (&["申請", "不採択", "申請"], "交付決定"),
        (&["不採択", "申請"], "交付決定"),
        (&["申請", "辞退", "申請"], "不採択"),
        (&["申請", "不採択", "申請", "不採択"], "申請"),
    ];
    for (before, status) in allowed {
        assert_eq!(then(before, status), Ok(()), "{before:?} then {status}");
    }
}

#[test]
fn every_transition_refused_names_the_record_it_conflicts_with() {
    let refused: [(&[&str], &str, &str); 17] = [
        (
            &["申請"],
            "申請",
            "状態（status）: 『こもろ子ども食堂』はチャレンジコースの申請（#1、令和8年4月1日）の後なので、申請は登録できません。同じコースの申請は、結果（交付決定・不採択・辞退）を登録するまで二重には登録できません",
        ),
        (
            &["申請", "交付決定"],
            "申請",
            "状態（status）: 『こもろ子ども食堂』はチャレンジコースの交付決定（#2、令和8年5月1日）の後なので、申請は登録できません。交付決定の後に登録できるのは辞退か実績報告だけです。申請が交付決定より前なら、日付（date）にその日を入れてください",
        ),
        (
            &["申請", "交付決定"],
            "不採択",
            "状態（status）: 『こもろ子ども食堂』はチャレンジコースの交付決定（#2、令和8年5月1日）の後なので、不採択は登録できません。交付決定の後に登録できるのは辞退か実績報告だけです",
        ),
        (
            &["申請", "交付決定"],
            "交付決定",
            "団体（group）: 「こもろ子ども食堂」はチャレンジコースの交付をすでに受けています（#2、2026年5月1日（令和8年5月1日））。補助金は1団体各コース1回までです",
        ),
        // One grant ever: declining it does not free the course.
        (
            &["申請", "交付決定", "辞退"],
            "交付決定",
            "団体（group）: 「こもろ子ども食堂」はチャレンジコースの交付をすでに受けています（#2、2026年5月1日（令和8年5月1日））。補助金は1団体各コース1回までです",
        ),
        (
            &["申請", "交付決定", "辞退"],
            "申請",
            "状態（status）: 『こもろ子ども食堂』はチャレンジコースの交付決定（#2、令和8年5月1日）の後なので、申請は登録できません。交付決定の後に登録できるのは辞退か実績報告だけです。申請が交付決定より前なら、日付（date）にその日を入れてください",
        ),
        (
            &["申請", "交付決定", "実績報告"],
            "交付決定",
            "団体（group）: 「こもろ子ども食堂」はチャレンジコースの交付をすでに受けています（#2、2026年5月1日（令和8年5月1日））。補助金は1団体各コース1回までです",
        ),
        (
            &["申請", "交付決定", "実績報告"],
            "不採択",
            "状態（status）: 『こもろ子ども食堂』はチャレンジコースの交付決定（#2、令和8年5月1日）の後なので、不採択は登録できません。交付決定の後に登録できるのは辞退か実績報告だけです",
        ),
        (
            &["申請", "交付決定", "実績報告"],
            "辞退",
            "状態（status）: 『こもろ子ども食堂』はチャレンジコースの実績報告（#3、令和8年6月1日）の後なので、辞退は登録できません。実績報告の後に登録できるものはありません",
        ),
        (
            &["申請", "交付決定", "実績報告"],
            "実績報告",
            "状態（status）: 『こもろ子ども食堂』はチャレンジコースの実績報告（#3、令和8年6月1日）の後なので、実績報告は登録できません。実績報告の後に登録できるものはありません",
        ),
        (
            &["申請", "交付決定", "辞退"],
            "辞退",
            "状態（status）: 『こもろ子ども食堂』はチャレンジコースの辞退（#3、令和8年6月1日）の後なので、辞退は登録できません。交付決定の後の辞退に続けて登録できるものはありません",
        ),
        (
            &["申請", "交付決定", "辞退"],
            "実績報告",
            "状態（status）: 『こもろ子ども食堂』はチャレンジコースの辞退（#3、令和8年6月1日）の後なので、実績報告は登録できません。交付決定の後の辞退に続けて登録できるものはありません",
        ),
        (
            &[],
            "実績報告",
            "状態（status）: 『こもろ子ども食堂』はチャレンジコースの交付決定がまだないので、実績報告は登録できません。実績報告は交付決定の後に登録してください",
        ),
        (
            &["申請"],
            "実績報告",
            "状態（status）: 『こもろ子ども食堂』はチャレンジコースの申請（#1、令和8年4月1日）の後なので、実績報告は登録できません。実績報告は交付決定の後に登録してください",
        ),
        (
            &["申請", "不採択"],
            "交付決定",
            "状態（status）: 『こもろ子ども食堂』はチャレンジコースの不採択（#2、令和8年5月1日）の後なので、交付決定は登録できません。もう一度申請したときは、先にその申請を登録してください",
        ),
        (
            &["申請", "辞退"],
            "不採択",
            "状態（status）: 『こもろ子ども食堂』はチャレンジコースの辞退（#2、令和8年5月1日）の後なので、不採択は登録できません。もう一度申請したときは、先にその申請を登録してください",
        ),
        (
            &["申請", "不採択"],
            "辞退",
            "状態（status）: 『こもろ子ども食堂』はチャレンジコースの不採択（#2、令和8年5月1日）の後なので、辞退は登録できません。もう一度申請したときは、先にその申請を登録してください",
        ),
    ];
    for (before, status, message) in refused {
        assert_eq!(
            then(before, status),
            Err(message.to_string()),
            "{before:?} then {status}"
        );
    }
}

#[test]
fn the_issues_example_is_worded_as_asked() {
    let grant = SubsidyEvent {
        id: 12,
        ..at(12, 6, 1, "交付決定")
    };
    let refusal = add(&[grant], at(13, 7, 1, "申請")).expect_err("an application after the grant");
    assert!(
        refusal.message.starts_with(
            "『こもろ子ども食堂』はチャレンジコースの交付決定（#12、令和8年6月1日）の後なので、申請は登録できません"
        ),
        "{refusal}"
    );
    assert_eq!(
        (refusal.rule, refusal.existing, refusal.changed),
        (Rule::AfterGrant, Some(12), Some(13))
    );
}

#[test]
fn order_is_by_date_not_entry() {
    // The grant entered first, its (earlier) application after: allowed, and read in date order.
    let grant = vec![at(1, 6, 1, "交付決定")];
    assert_eq!(add(&grant, at(2, 5, 1, "申請")), Ok(()));
    let both = [at(1, 6, 1, "交付決定"), at(2, 5, 1, "申請")];
    let steps = read(&komoro(), &both);
    let order: Vec<i64> = steps.iter().map(|s| s.event.id).collect();
    assert_eq!(order, [2, 1]);
    assert!(steps.iter().all(|s| matches!(s.outcome, Outcome::Counted { .. })));
    // An application dated after the grant is not.
    assert!(add(&grant, at(3, 6, 2, "申請")).is_err());
    // On one day, the id decides: a grant and then its 辞退 entered the same day.
    let same_day = vec![at(1, 6, 1, "申請"), at(2, 6, 1, "交付決定")];
    assert_eq!(add(&same_day, at(3, 6, 1, "辞退")), Ok(()));
    // A grant dated before an existing application conflicts with it; the refusal names it.
    let applied = vec![at(1, 5, 1, "申請")];
    let refusal = add(&applied, at(2, 4, 1, "交付決定")).expect_err("grant before the application");
    assert_eq!(
        refusal.to_string(),
        "状態（status）: 『こもろ子ども食堂』はチャレンジコースに申請（#1、令和8年5月1日）があるので、それより前の日付（令和8年4月1日）で交付決定は登録できません。日付を確かめてください"
    );
    assert_eq!((refusal.existing, refusal.changed), (Some(1), Some(2)));
    // A second grant dated before the first names the first.
    let granted = vec![at(1, 6, 1, "交付決定")];
    let refusal = add(&granted, at(2, 5, 1, "交付決定")).expect_err("two grants");
    assert_eq!((refusal.rule, refusal.existing), (Rule::OneGrant, Some(1)));
}

/// Deleting the record `id` of `statuses`' history.
fn remove(statuses: &[&str], id: i64) -> Result<(), String> {
    let before = history(statuses);
    let gone = before.iter().find(|e| e.id == id).expect("in the history").clone();
    let after: Vec<SubsidyEvent> = before.iter().filter(|e| e.id != id).cloned().collect();
    check(&Check {
        subsidy: &komoro(),
        before: &before,
        after: &after,
        change: Change::Remove(&gone),
        unstored: &[],
    })
    .map_err(|r| r.to_string())
}

#[test]
fn deletes_that_leave_the_others_in_order_are_allowed() {
    // The application under a grant may go: the grant stands for it (a mistaken or doubled
    // application must stay removable, and the figures do not change).
    assert_eq!(remove(&["申請", "交付決定"], 1), Ok(()));
    assert_eq!(remove(&["申請", "交付決定", "辞退"], 3), Ok(()));
    assert_eq!(remove(&["申請", "交付決定", "実績報告"], 3), Ok(()));
    assert_eq!(remove(&["申請", "交付決定"], 2), Ok(()));
    // The grant under its report may not; nor the application between a 不採択 and a grant.
    assert_eq!(
        remove(&["申請", "交付決定", "実績報告"], 2),
        Err("『こもろ子ども食堂』のチャレンジコースで、交付決定（#2、令和8年5月1日）を削除すると、実績報告（#3、令和8年6月1日）の前に交付決定がなくなるので、削除できません。先に #3 を直すか削除してください".to_string())
    );
    assert_eq!(
        remove(&["申請", "不採択", "申請", "交付決定"], 3),
        Err("『こもろ子ども食堂』のチャレンジコースで、申請（#3、令和8年6月1日）を削除すると、交付決定（#4、令和8年7月1日）の前の申請がなくなるので、削除できません。先に #4 を直すか削除してください".to_string())
    );
    assert_eq!(
        remove(&["申請", "不採択", "申請"], 2),
        Err("『こもろ子ども食堂』のチャレンジコースで、不採択（#2、令和8年5月1日）を削除すると、申請（#3、令和8年6月1日）が申請（#1、令和8年4月1日）に続く二重の申請になるので、削除できません。先に #3 を直すか削除してください".to_string())
    );
}

/// What stands without an application once the record `id` of `statuses`' history is gone.
fn orphan(statuses: &[&str], id: i64) -> Option<i64> {
    let before = history(statuses);
    let gone = before.iter().find(|e| e.id == id).expect("in the history").clone();
    let after: Vec<SubsidyEvent> = before.iter().filter(|e| e.id != id).cloned().collect();
    left_without_application(&komoro(), &after, &gone).map(|e| e.id)
}

#[test]
fn a_deleted_application_says_which_decision_stands_without_one() {
    assert_eq!(orphan(&["申請", "交付決定"], 1), Some(2));
    assert_eq!(orphan(&["申請", "交付決定", "実績報告"], 1), Some(2));
    assert_eq!(orphan(&["申請", "不採択"], 1), Some(2));
    assert_eq!(orphan(&["申請", "辞退"], 1), Some(2));
    // The first of two applications: its 不採択 stands alone, the later grant has its own.
    assert_eq!(orphan(&["申請", "不採択", "申請", "交付決定"], 1), Some(2));
    assert_eq!(orphan(&["申請", "辞退", "申請"], 1), Some(2));
    // Nothing after it, or not an application.
    assert_eq!(orphan(&["申請"], 1), None);
    assert_eq!(orphan(&["申請", "辞退", "申請"], 3), None);
    assert_eq!(orphan(&["申請", "交付決定"], 2), None);
    assert_eq!(orphan(&["申請", "交付決定", "辞退"], 3), None);
}

#[test]
fn an_edit_is_checked_where_the_record_ends_up() {
    let before = history(&["申請", "交付決定"]);
    // The grant's date moved before its application's.
    let mut after = before.clone();
    after[1].date = NaiveDate::from_ymd_opt(2026, 3, 1).expect("day");
    let edit = |after: &[SubsidyEvent], id| {
        check(&Check {
            subsidy: &komoro(),
            before: &before,
            after,
            change: Change::Edit(id),
            unstored: &[],
        })
    };
    let refusal = edit(&after, 2).expect_err("a grant moved before its application");
    assert_eq!(
        refusal.to_string(),
        "状態（status）: 『こもろ子ども食堂』はチャレンジコースに申請（#1、令和8年4月1日）があるので、それより前の日付（令和8年3月1日）の交付決定には直せません。日付を確かめてください"
    );
    assert_eq!(refusal.existing, Some(1));
    // On the application's own day it is fine: the application was entered first.
    after[1].date = NaiveDate::from_ymd_opt(2026, 4, 1).expect("day");
    assert_eq!(edit(&after, 2), Ok(()));
    // The application edited into a grant: a second grant.
    let mut after = before.clone();
    after[0].status = "交付決定".into();
    let refusal = edit(&after, 1).expect_err("two grants");
    assert_eq!(refusal.rule, Rule::OneGrant);
    assert!(refusal.message.contains("（#2、"), "{refusal}");
    // The grant edited into a 不採択: allowed.
    let mut after = before.clone();
    after[1].status = "不採択".into();
    assert_eq!(edit(&after, 2), Ok(()));
    // An edit that breaks nothing, e.g. the grant's amount.
    let mut after = before.clone();
    after[1].amount = Some(120_000);
    assert_eq!(edit(&after, 2), Ok(()));
}

#[test]
fn records_that_broke_the_rules_before_do_not_block_other_changes() {
    // The issue's data: an application entered after the grant, before the check existed.
    let before = history(&["申請", "交付決定", "申請"]);
    let steps = read(&komoro(), &before);
    assert!(matches!(
        steps[2].outcome,
        Outcome::Conflict(Conflict {
            rule: Rule::AfterGrant,
            ..
        })
    ));
    // Its 実績報告 may still be entered; and the stray application deleted.
    assert_eq!(add(&before, at(100, 12, 1, "実績報告")), Ok(()));
    assert_eq!(remove(&["申請", "交付決定", "申請"], 3), Ok(()));
    // Editing the stray record must make it fit.
    let mut after = before.clone();
    after[2].amount = Some(10_000);
    assert!(check(&Check {
        subsidy: &komoro(),
        before: &before,
        after: &after,
        change: Change::Edit(3),
        unstored: &[],
    })
    .is_err());
}

#[test]
fn rows_not_stored_yet_are_named_by_their_label() {
    // Two applications in one file.
    let rows = [at(100, 5, 1, "申請"), at(101, 5, 2, "申請")];
    let labels = [
        (100, "このファイルの2行目".to_string()),
        (101, "このファイルの3行目".to_string()),
    ];
    let refusal = check(&Check {
        subsidy: &komoro(),
        before: &[],
        after: &rows,
        change: Change::Add(&[100, 101]),
        unstored: &labels,
    })
    .expect_err("two applications");
    assert!(
        refusal.message.starts_with(
            "『こもろ子ども食堂』はチャレンジコースの申請（このファイルの2行目、令和8年5月1日）の後なので"
        ),
        "{refusal}"
    );
    assert_eq!((refusal.existing, refusal.changed), (None, Some(101)));
    // Two grants in one file.
    let rows = [at(100, 6, 1, "交付決定"), at(101, 6, 2, "交付決定")];
    let refusal = check(&Check {
        subsidy: &komoro(),
        before: &[],
        after: &rows,
        change: Change::Add(&[100, 101]),
        unstored: &labels,
    })
    .expect_err("two grants");
    assert_eq!(
        refusal.to_string(),
        "団体（group）: 「こもろ子ども食堂」はチャレンジコースの交付をすでに受けています（このファイルの2行目、令和8年6月1日）。補助金は1団体各コース1回までです"
    );
    assert_eq!(refusal.changed, Some(101));
}

#[test]
fn an_import_checks_its_new_rows_and_edits_together_and_words_each_as_what_it_does() {
    // Stored: an application (#1) entered as a grant by mistake, and a report (#2).
    let before = [at(1, 5, 1, "交付決定"), at(2, 9, 1, "実績報告")];
    let labels = [(100, "このファイルの3行目".to_string())];
    let import = |after: &[SubsidyEvent]| {
        check(&Check {
            subsidy: &komoro(),
            before: &before,
            after,
            change: Change::Import {
                added: &[100],
                edited: &[1],
            },
            unstored: &labels,
        })
    };
    // #1 corrected to 申請 and its grant added in the same file: allowed (either alone would be
    // refused: the report without a grant, or a second grant).
    let mut fixed = vec![at(1, 5, 1, "申請"), at(2, 9, 1, "実績報告"), at(100, 6, 1, "交付決定")];
    assert_eq!(import(&fixed), Ok(()));
    // The new row an application instead: refused as an entry …
    fixed[2] = at(100, 5, 2, "申請");
    let refusal = import(&fixed).expect_err("a second application");
    assert_eq!(refusal.changed, Some(100));
    assert_eq!(
        refusal.to_string(),
        "状態（status）: 『こもろ子ども食堂』はチャレンジコースの申請（#1、令和8年5月1日）の後なので、申請は登録できません。同じコースの申請は、結果（交付決定・不採択・辞退）を登録するまで二重には登録できません"
    );
    // The grant moved after its report (and a 辞退 added): the stored report is left out of
    // order, which neither row is; the import is refused as a whole.
    let after = [
        at(1, 10, 1, "交付決定"),
        at(2, 9, 1, "実績報告"),
        at(100, 11, 1, "辞退"),
    ];
    let refusal = import(&after).expect_err("a report with no grant");
    assert_eq!(refusal.changed, None);
    assert_eq!(
        refusal.to_string(),
        "状態（status）: 『こもろ子ども食堂』のチャレンジコースで、この取り込みをすると、実績報告（#2、令和8年9月1日）の前に交付決定がなくなるので、取り込めません。先に #2 を直すか削除してください"
    );
    // The edited record refused as an edit, naming the new row by its label.
    let after = [at(1, 5, 1, "実績報告"), at(2, 9, 1, "実績報告"), at(100, 4, 1, "申請")];
    let refusal = import(&after).expect_err("a report with no grant");
    assert_eq!(refusal.changed, Some(1));
    assert_eq!(
        refusal.to_string(),
        "状態（status）: 『こもろ子ども食堂』はチャレンジコースの申請（このファイルの3行目、令和8年4月1日）の後なので、実績報告には直せません。実績報告は交付決定の後に登録してください"
    );
}

#[test]
fn amounts_are_for_grants_and_applications() {
    let s = komoro();
    assert!(takes_amount(&s, "交付決定"));
    assert!(takes_amount(&s, "申請"));
    for status in ["辞退", "不採択", "実績報告", "保留"] {
        assert!(!takes_amount(&s, status), "{status}");
    }
    assert_eq!(stage(&s, "実績報告"), Some(Stage::Reported));
    assert_eq!(stage(&s, "保留"), None);
}

#[test]
fn counts_at_month_ends_are_the_tallies_of_the_records_up_to_each() {
    use chrono::Datelike;
    // Three groups over a year: one applies, is granted and declines; one is granted without
    // an application and granted again after a rejection in another course; one applies late.
    let mut events = history(&["申請", "交付決定", "", "辞退"]);
    events.retain(|e| !e.status.is_empty());
    let mut other = |id: i64, month: u32, course: &str, group: &str, status: &str| {
        let mut e = at(id, month, 10, status);
        e.course = course.into();
        e.group = group.into();
        events.push(e);
    };
    other(10, 5, "チャレンジ", "ＫＯＭＯＲＯ 食堂", "交付決定");
    other(11, 6, "ステップアップ", "komoro 食堂", "不採択");
    other(12, 9, "ステップアップ", "ＫＯＭＯＲＯ食堂", "交付決定");
    other(13, 2, "チャレンジ", "三岡の会", "申請");
    other(14, 3, "チャレンジ", "三岡の会", "申請");
    for e in &mut events {
        if e.date.month() < 4 {
            e.date = e.date.with_year(2027).expect("date");
        }
    }
    let since = NaiveDate::from_ymd_opt(2026, 4, 1).expect("date");
    let ends: Vec<NaiveDate> = (0..12)
        .map(|i| {
            let first = since + chrono::Months::new(i + 1);
            first.pred_opt().expect("date")
        })
        .collect();
    let subsidy = komoro();
    let at_ends = tally_counted(&counted_in_groups(&subsidy, &events), since, &ends);
    assert_eq!(at_ends.len(), 12);
    for (end, counts) in ends.iter().zip(&at_ends) {
        let up_to: Vec<SubsidyEvent> = events.iter().filter(|e| e.date <= *end).cloned().collect();
        assert_eq!(counts, &tally(&subsidy, &up_to, since), "at {end}");
    }
    // And it moves: nothing granted at April's end, the first grant counted by May's.
    let grants = |m: &BTreeMap<String, Counts>| m.values().map(|c| c.grants).sum::<u64>();
    assert_eq!(grants(&at_ends[0]), 0);
    assert!(grants(&at_ends[1]) > 0);
    assert!(at_ends[11].values().map(|c| c.declines).sum::<u64>() > 0);
}
