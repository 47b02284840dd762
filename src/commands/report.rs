//! `/report <kind> …`: store one record, right after it happened.
//!
//! `/report meeting area:東部 district:荒町 date:R8.6.15 topic:"防災訓練の打合せ"`
//!
//! Parse the options into `Facts` (`facts_from`), check them against the catalogue and the
//! database (dates, the baseline years), store them once per source — the store keeps the
//! subsidy lifecycle (one grant per group and course, no application after the grant …) in the
//! insert's own transaction — and reply with what was stored and the new fiscal-year total,
//! saying so when the date falls in another fiscal year than today's
//! (「令和7年度の記録として登録しました」). A subsidy group typed differently from a known group
//! with the same name key (a space, full width, case) is stored under the known spelling, and
//! the reply says so.

use super::invocation::{Invocation, OptionValue};
use super::{require_staff, today, Failure, Request};
use crate::app::App;
use crate::domain::dates::parse_date;
use crate::domain::number::group_thousands;
use crate::domain::record::{Facts, NewRecord, Record};
use crate::domain::totals::{measures, Measure};
use crate::domain::validate::{validate, UserError};
use crate::domain::{date_label, Catalogue, FiscalYear, RecordType};
use crate::render::record::{describe_with_indicator, indicator_of};
use crate::render::reply::{Reply, Section, Visibility};
use crate::store::Stored;
use chrono::NaiveDate;

/// How long the reporter may undo a report with the button.
pub const UNDO_MINUTES: i64 = 15;

pub(super) fn handle(app: &mut App, request: &Request) -> Result<Reply, Failure> {
    require_staff(request)?;
    let inv = &request.invocation;
    let Some(record_type) = inv.subcommand.as_deref().and_then(|s| s.parse::<RecordType>().ok()) else {
        return Err(
            UserError::new("報告の種類を選んでください（例: /report meeting）。/help で一覧を確かめられます").into(),
        );
    };
    let catalogue = &app.settings.catalogue;
    let date = record_date(app, inv, today(app, request))?;
    let facts = facts_from(catalogue, record_type, inv)?;
    validate(catalogue, &facts)?;
    let new = NewRecord {
        date,
        facts,
        reporter: request.user.clone(),
        source: request.source.clone(),
    };
    let stored = app.store.insert(&new, request.now)?;
    let mut reply = reply(app, &stored, today(app, request))?;
    if let (Facts::Subsidy { group: typed, .. }, Facts::Subsidy { group: known, .. }) =
        (&new.facts, &stored.record().facts)
    {
        if typed != known {
            if let Some(section) = reply.sections.first_mut() {
                section.lines.push(format!(
                    "団体（group）: 「{typed}」は登録済みの団体「{known}」と同じ名前（空白・全角半角・大文字小文字の違いだけ）なので、「{known}」として記録しました。別の団体なら名前を変えて報告し直してください"
                ));
            }
        }
    }
    Ok(reply)
}

/// The record's date: the `date` option read in every form, or today; refused in the future
/// and in a fiscal year whose figures come from the baseline.
pub(super) fn record_date(app: &App, inv: &Invocation, today: NaiveDate) -> Result<NaiveDate, Failure> {
    let date = match inv.text("date") {
        Some(text) => parse_date(&text, today).map_err(|e| UserError::field("日付（date）", e.to_string()))?,
        None => today,
    };
    let year = FiscalYear::containing(date, app.settings.catalogue.fiscal_year_start);
    if app.store.baseline_year(year)?.is_some() {
        return Err(UserError::field(
            "日付（date）",
            format!(
                "{}の実績は基準データ（config/baseline.toml）で確定しています。直すときは基準データを書き換えてください",
                year.label()
            ),
        )
        .into());
    }
    Ok(date)
}

/// The facts of a record of `record_type` from the options (names and numbers unchecked).
pub(crate) fn facts_from(catalogue: &Catalogue, record_type: RecordType, inv: &Invocation) -> Result<Facts, UserError> {
    let count = |inv: &Invocation| -> Result<u32, UserError> {
        let n = inv.required_integer("count")?;
        u32::try_from(n).map_err(|_| UserError::field("件数（count）", "1以上の数を入力してください"))
    };
    Ok(match record_type {
        RecordType::Council => Facts::Council {
            kind: inv.required_text("kind")?,
            status: match inv.text("status") {
                Some(status) => status,
                None => catalogue
                    .council
                    .statuses
                    .first()
                    .map(|s| s.name.clone())
                    .unwrap_or_default(),
            },
            note: inv.text("note"),
        },
        RecordType::Meeting => {
            // A district typed with a space, in full width …: the catalogue's spelling
            // (`validate` then checks it belongs to the area).
            let area = inv.required_text("area")?;
            let district = inv.required_text("district")?;
            let district = catalogue
                .district_spelled(&area, &district)
                .map_or(district, str::to_string);
            Facts::Meeting {
                area,
                district,
                topic: inv.text("topic"),
            }
        }
        RecordType::Consultation => Facts::Consultation {
            count: count(inv)?,
            side: inv.text("side"),
            note: inv.text("note"),
        },
        RecordType::Match => Facts::Match {
            count: count(inv)?,
            note: inv.text("note"),
        },
        RecordType::Subsidy => {
            let status = inv.required_text("status")?;
            let amount = inv
                .integer("amount")?
                .map(|a| u64::try_from(a).map_err(|_| UserError::field("金額（amount）", "0円以上で入力してください")))
                .transpose()?;
            // 0 yen is no amount, except for a grant, which must have one (`validate`): staff
            // typed `amount:0` for an application or a 辞退 while the option was required.
            let amount = amount.filter(|a| *a > 0 || status == catalogue.subsidy.granted);
            Facts::Subsidy {
                course: inv.required_text("course")?,
                group: inv.required_text("group")?,
                amount,
                status,
            }
        }
        RecordType::Participation => Facts::Participation {
            method: inv.required_text("method")?,
            project: inv.required_text("project")?,
            department: inv.text("department"),
        },
        RecordType::Collab => Facts::Collab {
            title: inv.required_text("title")?,
        },
        RecordType::Info => Facts::Info {
            title: inv.required_text("title")?,
        },
        RecordType::Publicity => Facts::Publicity {
            kind: inv.required_text("kind")?,
            medium: inv.text("medium"),
            title: inv.text("title"),
        },
    })
}

/// The options that would report `facts` again: the inverse of `facts_from`.
pub(crate) fn options_of(facts: &Facts) -> Vec<(String, OptionValue)> {
    let text = |name: &str, value: &str| Some((name.to_string(), OptionValue::String(value.to_string())));
    let maybe = |name: &str, value: &Option<String>| value.as_ref().and_then(|v| text(name, v));
    let number = |name: &str, value: i64| Some((name.to_string(), OptionValue::Integer(value)));
    let options = match facts {
        Facts::Council { kind, status, note } => vec![text("kind", kind), text("status", status), maybe("note", note)],
        Facts::Meeting { area, district, topic } => {
            vec![text("area", area), text("district", district), maybe("topic", topic)]
        }
        Facts::Consultation { count, side, note } => {
            vec![
                number("count", i64::from(*count)),
                maybe("side", side),
                maybe("note", note),
            ]
        }
        Facts::Match { count, note } => {
            vec![number("count", i64::from(*count)), maybe("note", note)]
        }
        Facts::Subsidy {
            course,
            group,
            amount,
            status,
        } => vec![
            text("course", course),
            text("group", group),
            amount.and_then(|a| number("amount", i64::try_from(a).unwrap_or(i64::MAX))),
            text("status", status),
        ],
        Facts::Participation {
            method,
            project,
            department,
        } => vec![
            text("method", method),
            text("project", project),
            maybe("department", department),
        ],
        Facts::Collab { title } | Facts::Info { title } => vec![text("title", title)],
        Facts::Publicity { kind, medium, title } => {
            vec![text("kind", kind), maybe("medium", medium), maybe("title", title)]
        }
    };
    options.into_iter().flatten().collect()
}

/// The measure a record counts toward.
pub(super) fn measure_of(catalogue: &Catalogue, facts: &Facts) -> Option<Measure> {
    let indicator = indicator_of(catalogue, facts)?;
    measures(catalogue, None)
        .into_iter()
        .find(|m| m.indicator == indicator.number && m.record_type == facts.record_type())
}

/// What was stored and the fiscal year's new total; a record dated in another fiscal year than
/// `today`'s (`date:12/3` typed on 2 December is last year's 3 December) says which year it
/// counts in.
fn reply(app: &App, stored: &Stored, today: NaiveDate) -> Result<Reply, Failure> {
    let catalogue = &app.settings.catalogue;
    let record = stored.record();
    let start = catalogue.fiscal_year_start;
    let year = FiscalYear::containing(record.date, start);
    let current = FiscalYear::containing(today, start);
    let title = match stored {
        Stored::New(r) => format!("記録しました（#{}・{}）", r.id, year.label()),
        Stored::Existing(r) => format!(
            "この報告はすでに記録されています（#{}・{}）。二重には記録していません",
            r.id,
            year.label()
        ),
    };
    let mut lines = vec![format!("日付: {}", date_label(record.date))];
    if year != current {
        lines.push(format!(
            "{}の記録として登録しました（今年度は{}です。日付が違うときは /records edit id:{} field:date で直してください）",
            year.label(),
            current.label(),
            record.id
        ));
    }
    lines.push(describe_with_indicator(catalogue, &record.facts));
    lines.extend(total_line(app, record)?);
    let mut reply = Reply::done(Visibility::Public, title, vec![Section::lines(lines)]);
    if matches!(stored, Stored::New(_)) {
        reply.undo = Some(record.id);
    }
    Ok(reply)
}

/// `令和8年度の合計（②…）: 2回（東部地区 1回）`: the fiscal-year total of the measure `record`
/// counts toward, as it is now; `None` if it counts toward none.
pub(super) fn total_line(app: &App, record: &Record) -> Result<Option<String>, Failure> {
    let catalogue = &app.settings.catalogue;
    let start = catalogue.fiscal_year_start;
    let year = FiscalYear::containing(record.date, start);
    let (from, to) = (year.first_day(start), year.last_day(start));
    let figures = app
        .store
        .figures_of_type(catalogue, record.facts.record_type(), from, to)?;
    let Some(measure) = measure_of(catalogue, &record.facts) else {
        return Ok(None);
    };
    let total = measure.value(catalogue, &figures).value().unwrap_or(0);
    let mut line = format!("{}の合計（{}）: {}{}", year.label(), measure.label, total, measure.unit);
    match &record.facts {
        Facts::Meeting { area, .. } => {
            let n = figures.meetings.get(area).and_then(|f| f.value()).unwrap_or(0);
            line.push_str(&format!("（{area}地区 {n}{}）", measure.unit));
        }
        Facts::Subsidy { .. } => {
            let amount: u64 = figures.subsidy.values().filter_map(|c| c.amount.value()).sum();
            line.push_str(&format!("（交付額 {}円）", group_thousands(amount)));
        }
        _ => {}
    }
    if let Some(target) = measure.target {
        line.push_str(&format!("／目標 {target}{}", measure.unit));
    }
    Ok(Some(line))
}
