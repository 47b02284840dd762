//! `/records mine | edit id field value | delete id | undo id | export [from] [to] [format]`: a reporter's own records, and
//! fixing them. Anyone's record may be edited or deleted by an admin; a reporter may edit or
//! delete their own, and undo it (the button under a report) within 15 minutes. Deletes are
//! soft and every change goes to the audit trail.
//!
//! An edit names one field (`field:note` or `field:メモ`: the spec's choices) of the record's
//! `/report` options, or `place`, a meeting's area and district at once (`{area}/{district}`); a
//! district alone moves the meeting to that district's area, and says so. `value:なし` (or
//! `-`) clears an optional field. The edited record is checked as `/report` checks one, and the
//! reply shows it before and after, with the new fiscal-year total.
//!
//! `export` builds its file in `export_file`, which `kyodo export` uses too (through
//! `commands::export`): one export, whichever way it is asked for.

use super::invocation::{check_value, Invocation, OptionValue};
use super::report::{facts_from, options_of, record_date, total_line, UNDO_MINUTES};
use super::spec::{self, command_set, label, option_label, Command, OptionSpec, CLEAR_VALUES, PLACE, PLACE_PARTS};
use super::{today, Failure, Request};
use crate::app::App;
use crate::domain::dates::parse_date;
use crate::domain::record::{Facts, Record};
use crate::domain::text::excerpt;
use crate::domain::validate::{validate, UserError};
use crate::domain::FiscalYear;
use crate::domain::RecordType;
use crate::domain::{date_label, Catalogue};
use crate::render::csv::records_csv;
use crate::render::record::{describe_with_indicator, list_line};
use crate::render::reply::{Attachment, Reply, Section, Visibility};
use crate::render::xlsx::records_xlsx;
use crate::store::AuditAction;
use chrono::NaiveDate;
use chrono::{DateTime, Duration, Utc};

/// How many records `/records mine` lists.
const MINE_LIMIT: usize = 10;

/// How many characters of a refused value a refusal quotes.
const QUOTED: usize = 40;

/// What may stand between area and district in `field:place value:{area}/{district}`; white
/// space too.
const PLACE_SEPARATORS: [char; 3] = ['/', '／', '・'];

/// The words replies put after an area and a district (`{area}地区 {district}区`), allowed
/// after them in a place as typed.
const AREA_SUFFIX: &str = "地区";
const DISTRICT_SUFFIX: char = '区';

/// `/records mine`, seen as `shown` (every handler here: staff only, `commands::handle` has checked).
pub(super) fn mine(app: &App, request: &Request, shown: Visibility) -> Result<Reply, Failure> {
    let records = app.store.records_of(&request.user.id, MINE_LIMIT)?;
    let catalogue = &app.settings.catalogue;
    let lines = if records.is_empty() {
        vec!["まだ記録がありません。/report で報告できます".to_string()]
    } else {
        records.iter().map(|r| list_line(catalogue, r)).collect()
    };
    Ok(Reply::done(
        shown,
        format!("{}さんの最近の記録（新しい順、最大{MINE_LIMIT}件）", request.user.name),
        vec![Section::lines(lines)],
    ))
}

/// The live record `id`, if the user may change it (their own, or any for an admin).
fn changeable(app: &App, request: &Request) -> Result<Record, Failure> {
    let id = request.invocation.required_integer("id")?;
    let record = app.store.record(id)?.ok_or_else(|| {
        UserError::field(
            label("id"),
            format!("記録 #{id} はありません。/records mine で番号を確かめてください"),
        )
    })?;
    if record.deleted_at.is_some() {
        return Err(UserError::field(label("id"), format!("記録 #{id} は削除されています")).into());
    }
    if record.reporter.id != request.user.id && !request.roles.admin {
        return Err(UserError::new(format!(
            "記録 #{id} は{}さんの記録です。他の人の記録を直したり削除したりできるのは管理者だけです",
            record.reporter.name
        ))
        .into());
    }
    Ok(record)
}

/// The `/report` of a record's type: what reports it again, with its options as the spec has them.
fn report_of(record_type: RecordType) -> Command {
    Command::Report { record_type }
}

/// The fields a record of this type has: `/report`'s options, with their limits.
fn fields_of(catalogue: &Catalogue, record: &Record) -> Vec<OptionSpec> {
    spec::options(&command_set(catalogue), report_of(record.facts.record_type())).to_vec()
}

/// The `/report` invocation that would report `facts` again: `facts_from` reads it back.
fn report_again(catalogue: &Catalogue, facts: &Facts) -> Invocation {
    let report = spec::invocation(&command_set(catalogue), report_of(facts.record_type()));
    Invocation {
        options: options_of(catalogue, facts),
        ..report.unwrap_or_default()
    }
}

/// The field an edit names: one of the record's `/report` options, or `place` (a meeting's
/// area and district at once).
enum Field<'a> {
    One(&'a OptionSpec),
    Place {
        area: &'a OptionSpec,
        district: &'a OptionSpec,
    },
}

impl Field<'_> {
    /// `メモ（note）`, `題名（title）`: by the record type's own Japanese name.
    fn label(&self) -> String {
        match self {
            Field::One(spec) => spec.label(),
            Field::Place { .. } => label(PLACE.0),
        }
    }
}

/// What an edit does: the options it sets (`None` clears one), and what it changed beyond the
/// field the user named.
struct Change {
    set: Vec<(String, Option<OptionValue>)>,
    also: Option<String>,
}

/// The field `name` (canonical: the spec has read `field:メモ` as `note`) of `record`.
fn field_of<'a>(
    catalogue: &Catalogue,
    record: &Record,
    fields: &'a [OptionSpec],
    name: &str,
) -> Result<Field<'a>, UserError> {
    let find = |n: &str| fields.iter().find(|f| f.name == n);
    let place = match (find(PLACE_PARTS[0]), find(PLACE_PARTS[1])) {
        (Some(area), Some(district)) => Some(Field::Place { area, district }),
        _ => None,
    };
    let mut names: Vec<String> = fields.iter().map(OptionSpec::label).collect();
    if place.is_some() {
        names.insert(0, label(PLACE.0));
    }
    let found = if name == PLACE.0 {
        place
    } else {
        find(name).map(Field::One)
    };
    found.ok_or_else(|| {
        UserError::field(
            label("field"),
            format!(
                "#{} の記録に「{}」はありません。直せる項目: {}",
                record.id,
                option_label(catalogue, name),
                names.join("、")
            ),
        )
    })
}

/// The record's current value of the option `name`, as text.
fn current(catalogue: &Catalogue, record: &Record, name: &str) -> Option<String> {
    options_of(catalogue, &record.facts)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| match v {
            OptionValue::String(s) => s,
            OptionValue::Integer(n) => n.to_string(),
        })
}

/// What setting `field` of `record` to `value` changes: a clear (`value:なし`), a place, a
/// district (moving the meeting to the district's area), an area (only with its district), or
/// one field, each value held to its own option's limits (`value` itself allows any field's).
fn change_of(catalogue: &Catalogue, record: &Record, field: &Field, value: &str) -> Result<Change, UserError> {
    if CLEAR_VALUES.contains(&value) {
        return clear(catalogue, record, field);
    }
    let spec = match field {
        Field::Place { area, district } => return place(catalogue, record, area, district, value),
        Field::One(spec) => *spec,
    };
    let checked = check_value(spec, &OptionValue::String(value.to_string()))?;
    let mut change = Change {
        set: vec![(spec.name.clone(), Some(checked.clone()))],
        also: None,
    };
    let (OptionValue::String(new), Some(area_now), Some(district_now)) = (
        &checked,
        current(catalogue, record, PLACE_PARTS[0]),
        current(catalogue, record, PLACE_PARTS[1]),
    ) else {
        return Ok(change);
    };
    let area_of = |district: &str| {
        catalogue
            .areas
            .iter()
            .find(|a| a.districts.iter().any(|d| d == district))
    };
    if spec.name == PLACE_PARTS[1] {
        // A district alone moves the meeting to the district's area (district names are unique
        // across areas: the catalogue refuses one in two areas).
        if let Some(area) = area_of(new).filter(|a| a.name != area_now) {
            change
                .set
                .push((PLACE_PARTS[0].to_string(), Some(OptionValue::String(area.name.clone()))));
            change.also = Some(moved(new, &area_now, &area.name));
        }
    } else if spec.name == PLACE_PARTS[0] && *new != area_now {
        let districts = catalogue
            .areas
            .iter()
            .find(|a| a.name == *new)
            .map(|a| a.districts.clone())
            .unwrap_or_default();
        if !districts.contains(&district_now) {
            let example = districts.first().cloned().unwrap_or_default();
            return Err(UserError::field(
                spec.label(),
                format!(
                    "{district_now}区は{area_now}地区の区なので、地区だけを{new}地区に変えることはできません。\
                     区も一緒に直してください（例: /records edit id:{} field:{} value:{new}/{example}）。{new}地区の区: {}",
                    record.id,
                    PLACE.0,
                    districts.join("、")
                ),
            ));
        }
    }
    Ok(change)
}

/// `「{district}」は{to}地区の区なので、地区も{from}地区から{to}地区に移しました`: what an edit
/// naming a district alone says besides.
fn moved(district: &str, from: &str, to: &str) -> String {
    format!("「{district}」は{to}地区の区なので、地区も{from}地区から{to}地区に移しました")
}

/// `{area}/{district}` (or `／`, `・`, a space between; `{area}地区/{district}区`), or a
/// district alone: the meeting's new area and district.
fn place(
    catalogue: &Catalogue,
    record: &Record,
    area: &OptionSpec,
    district: &OptionSpec,
    value: &str,
) -> Result<Change, UserError> {
    let separator = |c: char| PLACE_SEPARATORS.contains(&c) || c.is_whitespace();
    let split = catalogue.areas.iter().find_map(|a| {
        let rest = value.strip_prefix(a.name.as_str())?;
        let rest = match rest.strip_prefix(separator) {
            Some(rest) => rest,
            None => rest.strip_prefix(AREA_SUFFIX)?.strip_prefix(separator)?,
        };
        let named = rest.trim_start_matches(separator).trim();
        let named = match named.strip_suffix(DISTRICT_SUFFIX) {
            Some(d) if !a.districts.iter().any(|x| x == named) && a.districts.iter().any(|x| x == d) => d,
            _ => named,
        };
        Some((a.name.clone(), named.to_string())).filter(|(_, d)| !d.is_empty())
    });
    // A district alone (`{district}`, `{district}区`): its area, district names being unique
    // across areas.
    let lone = || {
        [Some(value), value.strip_suffix(DISTRICT_SUFFIX)]
            .into_iter()
            .flatten()
            .find_map(|named| {
                catalogue
                    .areas
                    .iter()
                    .find(|a| a.districts.iter().any(|d| d == named))
                    .map(|a| (a.name.clone(), named.to_string()))
            })
    };
    let alone = split.is_none();
    let Some((area_name, district_name)) = split.or_else(lone) else {
        let bare = value.trim_end_matches(separator);
        let bare = bare.strip_suffix(AREA_SUFFIX).unwrap_or(bare);
        let message = match catalogue.areas.iter().find(|a| a.name == bare) {
            Some(a) => format!(
                "区も書いてください。地区/区 の形です（例: {}/{}）。{}地区の区: {}",
                a.name,
                a.districts.first().map_or("", String::as_str),
                a.name,
                a.districts.join("、")
            ),
            None => {
                let areas: Vec<&str> = catalogue.areas.iter().map(|a| a.name.as_str()).collect();
                match value.split_once(separator) {
                    // `X/{district}`: an area that is not one, and where the district is, if it is one.
                    Some((named, rest)) if !named.is_empty() => {
                        let named = named.strip_suffix(AREA_SUFFIX).unwrap_or(named);
                        let district = rest.trim_matches(separator);
                        let district = district.strip_suffix(DISTRICT_SUFFIX).unwrap_or(district);
                        let hint = catalogue
                            .areas
                            .iter()
                            .find(|a| a.districts.iter().any(|d| d == district))
                            .map(|a| format!("「{district}」は{}地区の区です（例: {}/{district}）。", a.name, a.name))
                            .unwrap_or_default();
                        format!(
                            "「{}」という地区はありません。{hint}地区: {}",
                            excerpt(named, QUOTED),
                            areas.join("、")
                        )
                    }
                    _ => {
                        let example = catalogue
                            .areas
                            .first()
                            .and_then(|a| a.districts.first().map(|d| format!("{}/{d}", a.name)))
                            .unwrap_or_default();
                        format!(
                            "「{}」は地区の名前でも区の名前でもありません。地区/区 の形で書いてください（例: {example}）。地区: {}",
                            excerpt(value, QUOTED),
                            areas.join("、")
                        )
                    }
                }
            }
        };
        return Err(UserError::field(label(PLACE.0), message));
    };
    Ok(Change {
        set: vec![
            (
                area.name.clone(),
                Some(check_value(area, &OptionValue::String(area_name.clone()))?),
            ),
            (
                district.name.clone(),
                Some(check_value(district, &OptionValue::String(district_name.clone()))?),
            ),
        ],
        also: match current(catalogue, record, PLACE_PARTS[0]) {
            Some(now) if alone && now != area_name => Some(moved(&district_name, &now, &area_name)),
            _ => None,
        },
    })
}

/// Clears `field` if the record stays whole without it; otherwise says which fields it must keep.
fn clear(catalogue: &Catalogue, record: &Record, field: &Field) -> Result<Change, UserError> {
    let fields = fields_of(catalogue, record);
    if let Field::One(spec) = field {
        if clearable(catalogue, record, &spec.name) {
            return Ok(Change {
                set: vec![(spec.name.clone(), None)],
                also: None,
            });
        }
    }
    let (can, cannot): (Vec<&OptionSpec>, Vec<&OptionSpec>) =
        fields.iter().partition(|f| clearable(catalogue, record, &f.name));
    let names = |specs: &[&OptionSpec]| specs.iter().map(|f| f.label()).collect::<Vec<_>>().join("、");
    let clearable_ones = if can.is_empty() {
        "この記録に空にできる項目はありません".to_string()
    } else {
        format!("空にできるのは {}", names(&can))
    };
    Err(UserError::field(
        field.label(),
        format!(
            "必須の項目なので空にできません。#{} の記録の必須の項目: {}（{clearable_ones}）",
            record.id,
            names(&cannot)
        ),
    ))
}

/// Whether `record` stays whole without the option `name`: not its date, not a required
/// option, nor one a default fills in again (a council's 状態).
fn clearable(catalogue: &Catalogue, record: &Record, name: &str) -> bool {
    if name == "date" {
        return false;
    }
    let mut without = report_again(catalogue, &record.facts);
    without.options.retain(|(n, _)| n != name);
    facts_from(catalogue, record.facts.record_type(), &without)
        .is_ok_and(|facts| !options_of(catalogue, &facts).iter().any(|(n, _)| n == name))
}

pub(super) fn edit(app: &mut App, request: &Request, shown: Visibility) -> Result<Reply, Failure> {
    let record = changeable(app, request)?;
    let inv = &request.invocation;
    let name = inv.required_text("field")?;
    let Some(value) = inv.text("value") else {
        return Err(UserError::field(
            label("value"),
            format!(
                "新しい値を入力してください（必須）。項目を空にするときは value:{} と書きます",
                CLEAR_VALUES[0]
            ),
        )
        .into());
    };
    let catalogue = &app.settings.catalogue;
    let fields = fields_of(catalogue, &record);
    let field = field_of(catalogue, &record, &fields, &name)?;
    let change = change_of(catalogue, &record, &field, &value)?;
    let cleared = change.set.iter().all(|(_, v)| v.is_none());
    let mut changed = report_again(catalogue, &record.facts);
    changed
        .options
        .retain(|(n, _)| !change.set.iter().any(|(set, _)| set == n));
    changed.options.extend(
        change
            .set
            .iter()
            .filter_map(|(n, v)| v.clone().map(|v| (n.to_string(), v))),
    );
    // A subsidy state that takes no amount (a withdrawal …) leaves the amount behind; the reply
    // shows it.
    let amountless = change.set.iter().any(|(n, v)| {
        *n == "status"
            && matches!(v, Some(OptionValue::String(status))
                if !crate::domain::subsidy::takes_amount(&catalogue.subsidy, status))
    });
    if amountless {
        changed.options.retain(|(name, _)| name != "amount");
    }
    if !change.set.iter().any(|(n, _)| *n == "date") {
        changed
            .options
            .push(("date".into(), OptionValue::String(record.date.to_string())));
    }
    let date = record_date(app, &changed, today(app, request))?;
    let facts = facts_from(catalogue, record.facts.record_type(), &changed)?;
    validate(catalogue, &facts)?;
    let what = field.label();
    if facts == record.facts && date == record.date {
        let message = if cleared {
            format!("#{} の{what}はもう空です", record.id)
        } else {
            format!("#{} の{what}はすでに「{value}」です", record.id)
        };
        return Err(UserError::field(label("value"), message).into());
    }
    let after = app.store.edit(record.id, date, &facts, &request.user, request.now)?;
    let catalogue = &app.settings.catalogue;
    let mut lines: Vec<String> = change.also.into_iter().collect();
    lines.push(format!(
        "前: {} {}",
        date_label(record.date),
        describe_with_indicator(catalogue, &record.facts)
    ));
    lines.push(format!(
        "後: {} {}",
        date_label(after.date),
        describe_with_indicator(catalogue, &after.facts)
    ));
    lines.extend(total_line(app, &after)?);
    let done = if cleared {
        "空にしました"
    } else {
        "直しました"
    };
    Ok(Reply::done(
        shown,
        format!("記録 #{} の{what}を{done}", record.id),
        vec![Section::lines(lines)],
    ))
}

pub(super) fn delete(app: &mut App, request: &Request, shown: Visibility) -> Result<Reply, Failure> {
    let record = changeable(app, request)?;
    app.store
        .delete(record.id, AuditAction::Delete, &request.user, request.now)?;
    let mut lines = vec![
        list_line(&app.settings.catalogue, &record),
        "集計から外しました。履歴（監査記録）には残ります".to_string(),
    ];
    lines.extend(super::history::removal_note(app, &record, "削除した")?);
    Ok(Reply::done(
        shown,
        format!("記録 #{} を削除しました", record.id),
        vec![Section::lines(lines)],
    ))
}

pub(super) fn undo(app: &mut App, request: &Request, shown: Visibility) -> Result<Reply, Failure> {
    let id = request.invocation.required_integer("id")?;
    let Some(record) = app.store.record(id)? else {
        return Err(UserError::field(label("id"), format!("記録 #{id} はありません")).into());
    };
    if record.reporter.id != request.user.id {
        return Err(UserError::new(format!(
            "この取り消しは報告した{}さんだけが使えます。直す必要があれば{}さんか管理者に伝えてください",
            record.reporter.name, record.reporter.name
        ))
        .into());
    }
    if record.deleted_at.is_some() {
        return Err(UserError::new(format!("記録 #{id} はすでに取り消されています")).into());
    }
    let created = DateTime::parse_from_rfc3339(&record.created_at)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| crate::store::Error::Corrupt(format!("記録 {id} の登録日時")))?;
    if request.now - created > Duration::minutes(UNDO_MINUTES) {
        return Err(UserError::new(format!(
            "取り消せるのは報告から{UNDO_MINUTES}分以内です。削除するときは /records delete id:{id} を使ってください"
        ))
        .into());
    }
    app.store.delete(id, AuditAction::Undo, &request.user, request.now)?;
    let mut lines = vec![list_line(&app.settings.catalogue, &record)];
    lines.extend(super::history::removal_note(app, &record, "取り消した")?);
    Ok(Reply::done(
        shown,
        format!("報告 #{id} を取り消しました"),
        vec![Section::lines(lines)],
    ))
}

/// A period's live records as a file: what `/records export` attaches and `kyodo export` writes.
#[derive(Debug)]
pub struct Export {
    /// The first and last day of the period.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// How many records the file holds.
    pub count: usize,
    pub file: Attachment,
}

/// `/records export [from] [to] [format]`: every live record of a period as CSV or XLSX.
pub(super) fn export(app: &App, request: &Request, shown: Visibility) -> Result<Reply, Failure> {
    let export = export_file(app, request)?;
    let mut reply = Reply::done(
        shown,
        format!(
            "記録の書き出し（{}〜{}、{}件）",
            date_label(export.from),
            date_label(export.to),
            export.count
        ),
        vec![Section::lines(vec![format!(
            "ファイル: {}（削除した記録は含みません）",
            export.file.name
        )])],
    );
    reply.files.push(export.file);
    Ok(reply)
}

/// The file of `/records export` (the options read and checked, the records read), shared by
/// the command and `kyodo export` (`commands::export`).
pub(super) fn export_file(app: &App, request: &Request) -> Result<Export, Failure> {
    let inv = &request.invocation;
    let today = today(app, request);
    let catalogue = &app.settings.catalogue;
    let date = |name: &str, default: NaiveDate| -> Result<NaiveDate, UserError> {
        match inv.text(name) {
            Some(text) => parse_date(&text, today).map_err(|e| UserError::field(label(name), e.to_string())),
            None => Ok(default),
        }
    };
    let from = date(
        "from",
        FiscalYear::containing(today, catalogue.fiscal_year_start).first_day(catalogue.fiscal_year_start),
    )?;
    let to = date("to", today)?;
    if from > to {
        return Err(UserError::field(label("to"), "終了日は開始日より後にしてください").into());
    }
    let records = app.store.records_between(from, to)?;
    let format = inv.text("format").unwrap_or_else(|| "xlsx".to_string());
    let name = format!("kyodo-records-{from}_{to}.{format}");
    let bytes = match format.as_str() {
        "csv" => records_csv(catalogue, &records),
        "xlsx" => records_xlsx(
            catalogue,
            &records,
            app.store.contact_matrix(catalogue, from, to)?.as_ref(),
        )
        .map_err(|e| {
            tracing::error!(error = %e, "XLSX export failed");
            Failure::User(UserError::new(
                "Excel ファイルを作れませんでした。format:csv を試してください",
            ))
        })?,
        other => {
            return Err(UserError::field(
                label("format"),
                format!("「{other}」は選べません。選べるもの: xlsx、csv"),
            )
            .into());
        }
    };
    Ok(Export {
        from,
        to,
        count: records.len(),
        file: Attachment { name, bytes },
    })
}
