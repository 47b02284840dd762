//! `/records history group:… [course:…]`: a group's subsidy records, oldest first, per course:
//! state, date, amount, number. The group is found by its name's key (`text::name_key`), so
//! every spelling of it is one group; a record typed differently shows its spelling. Each
//! course ends with where the group stands, as the lifecycle reads it (`domain::subsidy`); a
//! record the lifecycle leaves out of the figures (stored before the rule was kept) says why.
//! `removal_note`: after a delete or undo of an application, the decision that now stands
//! without one.

use super::spec::{label, subsidy_type};
use super::{Failure, Request};
use crate::app::App;
use crate::domain::number::group_thousands;
use crate::domain::record::{Column, Record};
use crate::domain::subsidy::{self, Conflict, Outcome, SubsidyEvent};
use crate::domain::validate::UserError;
use crate::domain::{era_date_label, FiscalYear};
use crate::render::reply::{Reply, Section, Visibility};

/// `/records history`, seen as `shown`.
pub(super) fn handle(app: &App, request: &Request, shown: Visibility) -> Result<Reply, Failure> {
    let inv = &request.invocation;
    let group = inv.required_text("group")?;
    let course = inv.text("course");
    let catalogue = &app.settings.catalogue;
    // The type that keeps the lifecycle, by its label.
    let what = subsidy_type(catalogue).map_or("", |t| t.label.as_str());
    let events = app
        .store
        .subsidy_history(catalogue.subsidy.record_type, &group, course.as_deref())?;
    // The group's spelling: its first record's (the one later entries are stored under).
    let Some(spelled) = events.iter().min_by_key(|e| e.id).map(|e| e.group.clone()) else {
        let scope = course.map(|c| format!("{c}コースの")).unwrap_or_default();
        return Err(UserError::field(
            label("group"),
            format!(
                "「{group}」の{scope}{what}の記録はありません。団体名を確かめてください（入力中に登録済みの団体が候補に出ます）"
            ),
        )
        .into());
    };
    let mut courses: Vec<&str> = catalogue.subsidy.courses.iter().map(|c| c.name.as_str()).collect();
    // A course no longer in the catalogue still shows its records, after the others.
    for e in &events {
        if !courses.contains(&e.course.as_str()) {
            courses.push(&e.course);
        }
    }
    let sections = courses
        .into_iter()
        .filter_map(|name| {
            let records: Vec<SubsidyEvent> = events.iter().filter(|e| e.course == name).cloned().collect();
            if records.is_empty() {
                return None;
            }
            let steps = subsidy::read(&catalogue.subsidy, &records);
            let mut lines: Vec<String> = steps
                .iter()
                .map(|step| {
                    let e = step.event;
                    let mut line = format!("{}　{}", e.status, era_date_label(e.date));
                    if let Some(amount) = e.amount {
                        line.push_str(&format!("　{}円", group_thousands(amount)));
                    }
                    line.push_str(&format!("　#{}", e.id));
                    if e.group != spelled {
                        line.push_str(&format!("（表記「{}」）", e.group));
                    }
                    match step.outcome {
                        Outcome::Counted { .. } => {}
                        Outcome::Conflict(conflict) => line.push_str(&left_out(&catalogue.subsidy, &conflict)),
                        Outcome::UnknownStatus => {
                            line.push_str(&format!("　※状態「{}」は設定にないため集計に入りません", e.status))
                        }
                    }
                    line
                })
                .collect();
            let now = match subsidy::standing(&steps) {
                Some(e) => format!("現在: {}（#{}）", e.status, e.id),
                None => "現在: —".to_string(),
            };
            lines.push(now);
            Some(Section::new(format!("{name}コース"), lines))
        })
        .collect();
    Ok(Reply::done(
        shown,
        format!("「{spelled}」の{what}の経過（古い順）"),
        sections,
    ))
}

/// Why a record is left out of the figures, in the catalogue's names of the states:
/// `　※集計に入りません（{granted} #12 の後の{applied}）`.
fn left_out(s: &crate::domain::catalogue::Subsidy, conflict: &Conflict<'_>) -> String {
    let status = &conflict.record.status;
    let why = match conflict.because {
        Some(b) => format!("{} #{} の後の{status}", b.status, b.id),
        None => format!("{}の前の{status}", s.granted),
    };
    format!("　※集計に入りません（{why}）")
}

/// After `record` was deleted (`done`: 「削除した」) or undone: when it was an application and
/// the decision after it (granted, rejected or declined) now stands with no application, a
/// line saying so.
/// The store allows that delete (the decision counts for its application, so the figures stay
/// the same — but for the year counted in, when the two fall in different fiscal years — and a
/// mistaken application must stay removable); the line says how to put the application back if
/// the delete was the mistake.
pub(super) fn removal_note(app: &App, record: &Record, done: &str) -> Result<Option<String>, Failure> {
    let s = &app.settings.catalogue.subsidy;
    if record.facts.record_type != s.record_type {
        return Ok(None);
    }
    let text = |column| record.facts.text(column).unwrap_or_default().to_string();
    let (course, group, status) = (text(Column::Course), text(Column::Group), text(Column::Status));
    let removed = SubsidyEvent {
        id: record.id,
        date: record.date,
        course: course.clone(),
        group: group.clone(),
        status: status.clone(),
        amount: record.facts.number(Column::Amount),
    };
    let remaining = app.store.subsidy_history(s.record_type, &group, Some(&course))?;
    let start = app.settings.catalogue.fiscal_year_start;
    Ok(subsidy::left_without_application(s, &remaining, &removed).map(|decision| {
        // The decision counts as the application in its own fiscal year: the removed one's
        // year loses one and the decision's gains one when the two years differ.
        let (was, now) = (
            FiscalYear::containing(record.date, start),
            FiscalYear::containing(decision.date, start),
        );
        let count = if was == now {
            format!("{status}の数は変わりません")
        } else {
            format!("{status}は{}の数から{}の数に移ります", was.label(), now.label())
        };
        format!(
            "#{id} の{status}を{done}ので、『{group}』の{course}コースの{decided}（#{did}、{when}）は{status}の記録がないまま残ります（集計ではこの{decided}が{status}も兼ねるので、{count}）。誤りだったときは、{status}をもう一度報告してください（日付は{when}より前）",
            id = record.id,
            decided = decision.status,
            did = decision.id,
            when = era_date_label(decision.date),
        )
    }))
}
