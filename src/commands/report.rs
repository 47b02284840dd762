//! `/report <kind> …`: store one record, right after it happened.
//!
//! `/report <type> <field>:<value> … date:R8.6.15`, each type's fields as the catalogue
//! describes them (`/report meeting area:{area} district:{district} topic:"…"`).
//!
//! Parse the options into `Facts` (`facts_from`), check them against the catalogue and the
//! database (dates, the baseline years), store them once per source — the store keeps the
//! subsidy lifecycle (one grant per group and course, no application after the grant …) in the
//! insert's own transaction — and reply with what was stored and the new fiscal-year total,
//! saying so when the date falls in another fiscal year than today's
//! (「令和7年度の記録として登録しました」). A report that looks like one already stored (same
//! type and day, the same place or name … by someone else, or by the same reporter within
//! minutes: `domain::doubles`) is stored all the same, and the reply names the other record
//! above the undo button (`duplicates::notice`). A subsidy group typed differently from a known group
//! with the same name key (a space, full width, case) is stored under the known spelling, and
//! the reply says so.

use super::invocation::{Invocation, OptionValue};
use super::spec::Command;
use super::{duplicates, today, Failure, Hints, Request};
use crate::app::App;
use crate::domain::dates::parse_date;
use crate::domain::doubles::{doubled_that_day, Told};
use crate::domain::number::group_thousands;
use crate::domain::record::{Column, Facts, NewRecord, Record, Value};
use crate::domain::record_type::{FieldKind, Rule};
use crate::domain::totals::{measures, Measure};
use crate::domain::validate::{out_of_range, validate, UserError};
use crate::domain::{date_label, Catalogue, FiscalYear, RecordType};
use crate::render::record::{describe_with_indicator, indicator_of};
use crate::render::reply::{Reply, Section, Undo, Visibility};
use crate::store::{LookAlikes, Stored};
use chrono::NaiveDate;

/// How long the reporter may undo a report with the button.
pub const UNDO_MINUTES: i64 = 15;

/// Stores a record of `record_type` (the spec's, from the subcommand), replying as `shown`.
pub(super) fn handle(
    app: &mut App,
    request: &Request,
    record_type: RecordType,
    shown: Visibility,
    hints: &Hints,
) -> Result<Reply, Failure> {
    let inv = &request.invocation;
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
    // Told by the type's description; the look-alikes the reply names are read in full.
    let spec = catalogue.record_type(record_type);
    let doubled = |record: &Record, other: &dyn Told| spec.is_some_and(|spec| doubled_that_day(spec, record, other));
    let look = LookAlikes {
        doubled: &doubled,
        named: duplicates::NAMED,
    };
    let reported = app.store.report(&new, request.now, &look)?;
    let stored = reported.stored;
    let mut reply = reply(app, &stored, today(app, request), shown, hints)?;
    // Stored, and said: a report that looks like one already stored names it, above the undo.
    if let Stored::New(record) = &stored {
        reply.sections.extend(duplicates::notice(
            app,
            record,
            &reported.doubles,
            reported.doubled,
            reported.more_same_day,
        ));
    }
    // A name typed differently from a known one with the same name key is stored under the
    // known spelling: said, so that another group is reported under a name of its own.
    let name = catalogue
        .record_type(record_type)
        .and_then(|t| t.field_of_kind(FieldKind::Name))
        .and_then(|f| Some((f.label(), f.column()?)));
    if let Some((label, column)) = name {
        if let (Some(typed), Some(known)) = (new.facts.text(column), stored.record().facts.text(column)) {
            if typed != known {
                if let Some(section) = reply.sections.first_mut() {
                    section.lines.push(format!(
                        "{label}: 「{typed}」は登録済みの団体「{known}」と同じ名前（空白・全角半角・大文字小文字の違いだけ）なので、「{known}」として記録しました。別の団体なら名前を変えて報告し直してください"
                    ));
                }
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

/// The facts of a record of `record_type` from the options, field by field as its description
/// says (names and numbers checked by `validate`): a default where an option is left out, a
/// district in the catalogue's spelling, and for the subsidy rule 0 yen as no amount.
pub(crate) fn facts_from(catalogue: &Catalogue, record_type: RecordType, inv: &Invocation) -> Result<Facts, UserError> {
    let Some(spec) = catalogue.record_type(record_type) else {
        return Err(UserError::new(format!(
            "記録の種類「{record_type}」は設定（config/kyodo.toml の [[record_types]]）にありません"
        )));
    };
    let mut facts = Facts::new(record_type);
    for (column, field) in spec.columns() {
        let label = field.label();
        let value = match field.kind {
            FieldKind::Count | FieldKind::Amount => match inv.integer_of(column.key(), &label)? {
                Some(n) => {
                    Some(Value::Number(u64::try_from(n).map_err(|_| {
                        UserError::field(&label, out_of_range(field.min, field.max))
                    })?))
                }
                None => None,
            },
            _ => inv.text(column.key()).map(Value::Text),
        };
        let value = value.or_else(|| field.default.clone().map(Value::Text));
        if value.is_none() && field.required {
            return Err(UserError::field(label, "入力してください（必須）"));
        }
        if value.is_some() || column != Column::Count {
            facts.values.set(column, value);
        }
    }
    // A district typed with a space, in full width …: the catalogue's spelling (`validate` then
    // checks it belongs to the area).
    let place = (
        spec.field_of_kind(FieldKind::Area),
        spec.field_of_kind(FieldKind::District),
    );
    if let (Some(area), Some(district)) = (place.0.and_then(|f| f.column()), place.1.and_then(|f| f.column())) {
        if let (Some(a), Some(d)) = (facts.text(area), facts.text(district)) {
            if let Some(spelled) = catalogue.district_spelled(a, d) {
                let spelled = spelled.to_string();
                facts.values.set(district, Some(Value::Text(spelled)));
            }
        }
    }
    if spec.rule == Some(Rule::Subsidy) {
        // 0 yen is no amount, except for a grant, which must have one (`validate`): staff
        // typed `amount:0` for an application or a withdrawal while the option was required.
        let granted = facts.text(Column::Status) == Some(catalogue.subsidy.granted.as_str());
        if facts.number(Column::Amount) == Some(0) && !granted {
            facts.values.set(Column::Amount, None);
        }
    }
    Ok(facts)
}

/// The options that would report `facts` again: the inverse of `facts_from`.
pub(crate) fn options_of(catalogue: &Catalogue, facts: &Facts) -> Vec<(String, OptionValue)> {
    let Some(spec) = catalogue.record_type(facts.record_type()) else {
        return Vec::new();
    };
    spec.columns()
        .filter_map(|(column, _)| {
            let value = match facts.values.get(column)? {
                Value::Text(t) => OptionValue::String(t.clone()),
                Value::Number(n) => OptionValue::Integer(i64::try_from(*n).unwrap_or(i64::MAX)),
            };
            Some((column.key().to_string(), value))
        })
        .collect()
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
fn reply(app: &App, stored: &Stored, today: NaiveDate, shown: Visibility, hints: &Hints) -> Result<Reply, Failure> {
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
    let id = record.id.to_string();
    let mut lines = vec![format!("日付: {}", date_label(record.date))];
    if year != current {
        lines.push(format!(
            "{}の記録として登録しました（今年度は{}です。日付が違うときは {} で直してください）",
            year.label(),
            current.label(),
            hints.command(Command::RecordsEdit, &[("id", &id), ("field", "date")])
        ));
    }
    lines.push(describe_with_indicator(catalogue, &record.facts));
    lines.extend(not_counted(catalogue, &record.facts));
    lines.extend(total_line(app, record)?);
    let mut reply = Reply::done(shown, title, vec![Section::lines(lines)]);
    if matches!(stored, Stored::New(_)) {
        reply.undo = Some(Undo {
            id: record.id,
            command: hints.command(Command::RecordsUndo, &[("id", &id)]),
        });
    }
    Ok(reply)
}

/// `「<choice>」は記録しましたが、①…には数えません（報告書では「<report>」と書きます）`: said
/// when a record's choice does not count toward its indicator (`counts = false`).
pub(super) fn not_counted(catalogue: &Catalogue, facts: &Facts) -> Option<String> {
    let spec = catalogue.record_type(facts.record_type())?;
    let (_, field) = spec.columns().find(|(column, field)| {
        facts
            .text(*column)
            .and_then(|chosen| field.choice(chosen))
            .is_some_and(|choice| !choice.counts)
    })?;
    let column = field.column()?;
    let choice = field.choice(facts.text(column)?)?;
    let indicator = indicator_of(catalogue, facts).map_or_else(String::new, |i| i.title());
    Some(format!(
        "「{}」は記録しましたが、{indicator}の回数には数えません（報告書では「{}」と書きます）",
        choice.name,
        choice.report_name()
    ))
}

/// `令和8年度の合計（②…）: 2回（{area}地区 1回）`: the fiscal-year total of the measure `record`
/// counts toward, as it is now; `None` if it counts toward none.
pub(super) fn total_line(app: &App, record: &Record) -> Result<Option<String>, Failure> {
    let catalogue = &app.settings.catalogue;
    let start = catalogue.fiscal_year_start;
    let year = FiscalYear::containing(record.date, start);
    let (from, to) = (year.first_day(start), year.last_day(start));
    let figures = app.figures_of_type(record.facts.record_type(), (from, to), record.date)?;
    let Some(measure) = measure_of(catalogue, &record.facts) else {
        return Ok(None);
    };
    let total = measure.value(catalogue, &figures).value().unwrap_or(0);
    let mut line = format!(
        "{}の合計（{}）: {}{}",
        year.label(),
        measure.label,
        group_thousands(total),
        measure.unit
    );
    let spec = catalogue.record_type(record.facts.record_type());
    let area = spec
        .and_then(|t| t.field_of_kind(FieldKind::Area))
        .and_then(|f| f.column())
        .and_then(|c| record.facts.text(c));
    if let Some(area) = area {
        let n = figures
            .of(catalogue, record.facts.record_type(), area)
            .value()
            .unwrap_or(0);
        line.push_str(&format!("（{area}地区 {}{}）", group_thousands(n), measure.unit));
    } else if spec.is_some_and(|t| t.rule == Some(Rule::Subsidy)) {
        let amount: u64 = figures.subsidy.values().filter_map(|c| c.amount.value()).sum();
        line.push_str(&format!("（交付額 {}円）", group_thousands(amount)));
    }
    if let Some(target) = measure.target {
        line.push_str(&format!("／目標 {}{}", group_thousands(target), measure.unit));
    }
    Ok(Some(line))
}
