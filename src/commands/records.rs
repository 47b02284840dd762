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
use super::spec::{
    self, command_set, label, label_in, option_label, Command, OptionSpec, CLEAR_VALUES, PLACE, PLACE_PARTS,
};
use super::{period_day, today, Failure, Hints, Request};
use crate::app::App;
use crate::domain::dates::parse_fiscal_year;
use crate::domain::number::group_thousands;
use crate::domain::record::{Facts, Record, RecordFilter};
use crate::domain::record_type::FieldKind;
use crate::domain::text::excerpt;
use crate::domain::validate::{validate, UserError};
use crate::domain::FiscalYear;
use crate::domain::RecordType;
use crate::domain::{date_label, Catalogue};
use crate::render::csv::RecordsCsv;
use crate::render::record::{describe_with_indicator, list_line};
use crate::render::reply::{Attachment, Pages, Reply, Section, Visibility};
use crate::render::xlsx::{RecordsXlsx, XlsxError};
use crate::store::{AuditAction, Order};
use chrono::NaiveDate;
use chrono::{DateTime, Duration, Utc};
use std::io::Cursor;

/// How many records a page of `/records mine` and `/records list` shows.
const PAGE_SIZE: usize = 10;

/// How a page key (`Pages::key`) separates and writes its parts: `list;area=…;type=…`.
const KEY_SEPARATOR: char = ';';

/// How many characters of a refused value a refusal quotes.
const QUOTED: usize = 40;

/// What may stand between area and district in `field:place value:{area}/{district}`; white
/// space too.
const PLACE_SEPARATORS: [char; 3] = ['/', '／', '・'];

/// The words replies put after an area and a district (`{area}地区 {district}区`), allowed
/// after them in a place as typed.
const AREA_SUFFIX: &str = "地区";
const DISTRICT_SUFFIX: char = '区';

/// `/records mine [page]`, seen as `shown` (every handler here: staff only, `commands::handle`
/// has checked): the user's records, the latest date first, a page at a time.
pub(super) fn mine(app: &App, request: &Request, shown: Visibility, hints: &Hints) -> Result<Reply, Failure> {
    let filter = RecordFilter {
        reporter_id: Some(request.user.id.clone()),
        ..RecordFilter::default()
    };
    let empty = format!(
        "まだ記録がありません。{} で報告できます",
        hints.command(
            Command::Report {
                record_type: first_type(app)
            },
            &[]
        )
    );
    let title = format!("{}さんの記録（日付の新しい順）", request.user.name);
    paged(app, request, hints, shown, &filter, &title, empty)
}

/// `/records list [filters] [page]` (admins: `commands::handle` has checked): everyone's
/// records that the filters select — a fiscal year or a period, a type, an area, a district,
/// part of a reporter's name — the latest date first, a page at a time.
pub(super) fn list(app: &App, request: &Request, shown: Visibility, hints: &Hints) -> Result<Reply, Failure> {
    let inv = &request.invocation;
    let catalogue = &app.settings.catalogue;
    let today = today(app, request);
    let mut filter = RecordFilter::default();
    let mut said = Vec::new();
    if let Some(text) = inv.text("fiscal_year") {
        let year = parse_fiscal_year(&text).map_err(|e| UserError::field(label("fiscal_year"), e.to_string()))?;
        let start = catalogue.fiscal_year_start;
        filter.from = Some(year.first_day(start));
        filter.to = Some(year.last_day(start));
        said.push(year.label());
    }
    let day = |name: &str| -> Result<Option<NaiveDate>, UserError> {
        inv.text(name)
            .map(|text| period_day(&text, today, &label_in(name, inv.wording)))
            .transpose()
    };
    if let Some(from) = day("from")? {
        filter.from = Some(filter.from.map_or(from, |f| f.max(from)));
        said.push(format!("{}から", date_label(from)));
    }
    if let Some(to) = day("to")? {
        filter.to = Some(filter.to.map_or(to, |t| t.min(to)));
        said.push(format!("{}まで", date_label(to)));
    }
    if let (Some(from), Some(to)) = (filter.from, filter.to) {
        if from > to {
            return Err(UserError::field(label("to"), "終了日は開始日より後にしてください").into());
        }
    }
    if let Some(key) = inv.text("type") {
        let spec = catalogue.record_types.iter().find(|t| t.key() == key);
        filter.record_type = spec.map(|t| t.record_type);
        said.push(spec.map_or(key, |t| t.name.clone()));
    }
    if let Some(t) = catalogue.area_type() {
        for kind in [FieldKind::Area, FieldKind::District] {
            let Some((column, field)) = t.field_of_kind(kind).and_then(|f| Some((f.column()?, f))) else {
                continue;
            };
            if let Some(value) = inv.text(column.key()) {
                let value = match kind {
                    FieldKind::District => catalogue
                        .areas
                        .iter()
                        .find_map(|a| catalogue.district_spelled(&a.name, &value))
                        .map_or(value, str::to_string),
                    _ => value,
                };
                said.push(format!("{}: {value}", field.name));
                filter.values.push((column, value));
            }
        }
    }
    if let Some(name) = inv.text("reporter") {
        said.push(format!("報告者: {name}"));
        filter.reporter_name = Some(name);
    }
    let title = if said.is_empty() {
        "記録の一覧（すべて、日付の新しい順）".to_string()
    } else {
        format!("記録の一覧（{}、日付の新しい順）", said.join("・"))
    };
    paged(
        app,
        request,
        hints,
        shown,
        &filter,
        &title,
        "条件に合う記録はありません".to_string(),
    )
}

/// The first record type, whose `/report` an empty list suggests.
fn first_type(app: &App) -> RecordType {
    app.settings
        .catalogue
        .record_types
        .first()
        .map_or_else(|| RecordType::of("report"), |t| t.record_type)
}

/// The page of the records `filter` selects that the request's `page` asks for (the first
/// if none), one line each, titled `title` with where the page is, and how to ask for the
/// next and the one before (`page:2`; Discord's buttons carry `Pages`).
fn paged(
    app: &App,
    request: &Request,
    hints: &Hints,
    shown: Visibility,
    filter: &RecordFilter,
    title: &str,
    empty: String,
) -> Result<Reply, Failure> {
    let inv = &request.invocation;
    let page = inv.integer("page")?.unwrap_or(1).max(1);
    let page = usize::try_from(page).unwrap_or(usize::MAX);
    let offset = (page - 1).saturating_mul(PAGE_SIZE);
    let (records, total) = app.store.records_page(filter, offset, PAGE_SIZE)?;
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    if total == 0 {
        return Ok(Reply::done(shown, title.to_string(), vec![Section::lines(vec![empty])]));
    }
    if page > pages {
        return Err(UserError::field(
            label_in("page", inv.wording),
            format!("{page}ページ目はありません（全{total}件、{pages}ページまで）"),
        )
        .into());
    }
    let catalogue = &app.settings.catalogue;
    let mut lines: Vec<String> = records.iter().map(|r| list_line(catalogue, r)).collect();
    if pages > 1 {
        let command = if inv.subcommand.as_deref() == Some("list") {
            Command::RecordsList
        } else {
            Command::RecordsMine
        };
        let mut options: Vec<(String, String)> = inv
            .options
            .iter()
            .filter(|(name, _)| name != "page")
            .map(|(name, value)| (name.clone(), value_text(value)))
            .collect();
        let mut turn = Vec::new();
        for (word, to) in [
            ("前", page.checked_sub(1).filter(|p| *p >= 1)),
            ("次", Some(page + 1).filter(|p| *p <= pages)),
        ] {
            let Some(to) = to else { continue };
            options.push(("page".to_string(), to.to_string()));
            let pairs: Vec<(&str, &str)> = options.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            turn.push(format!("{word}の{PAGE_SIZE}件: {}", hints.command(command, &pairs)));
            options.pop();
        }
        lines.push(format!(
            "{page}/{pages}ページ（全{}件中 {}〜{}件目）。{}",
            group_thousands(total as u64),
            offset + 1,
            offset + records.len(),
            turn.join("　")
        ));
    }
    let mut reply = Reply::done(shown, title.to_string(), vec![Section::lines(lines)]);
    if pages > 1 {
        reply.pages = Some(Pages {
            page: u32::try_from(page).unwrap_or(u32::MAX),
            pages: u32::try_from(pages).unwrap_or(u32::MAX),
            key: page_key(inv),
        });
    }
    Ok(reply)
}

fn value_text(value: &OptionValue) -> String {
    match value {
        OptionValue::String(s) => s.clone(),
        OptionValue::Integer(n) => n.to_string(),
    }
}

/// `%`, `;` and `=` written as `%25`, `%3B`, `%3D` in a page key.
fn escape(text: &str) -> String {
    text.replace('%', "%25").replace(';', "%3B").replace('=', "%3D")
}

fn unescape(text: &str) -> String {
    text.replace("%3D", "=").replace("%3B", ";").replace("%25", "%")
}

/// The key that asks for another page of the same list: the subcommand and its options but
/// the page (`list;area=…`).
fn page_key(inv: &Invocation) -> String {
    let mut key = inv.subcommand.clone().unwrap_or_default();
    for (name, value) in inv.options.iter().filter(|(name, _)| name != "page") {
        key.push(KEY_SEPARATOR);
        key.push_str(&format!("{}={}", escape(name), escape(&value_text(value))));
    }
    key
}

/// The request for page `page` of the list `key` (`Pages::key`) names, to be checked like any
/// other; `None` if the key is not one.
pub fn page_request(commands: &[spec::CommandSpec], key: &str, page: u32) -> Option<Invocation> {
    let mut parts = key.split(KEY_SEPARATOR);
    let sub = parts.next()?;
    let command = [Command::RecordsMine, Command::RecordsList]
        .into_iter()
        .find(|c| spec::invocation(commands, *c).is_some_and(|inv| inv.subcommand.as_deref() == Some(sub)))?;
    let mut inv = spec::invocation(commands, command)?;
    for part in parts {
        let (name, value) = part.split_once('=')?;
        inv = inv.with(&unescape(name), OptionValue::String(unescape(value)));
    }
    Some(inv.with("page", OptionValue::Integer(i64::from(page))))
}

/// The live record `id`, if the user may change it (their own, or any for an admin).
fn changeable(app: &App, request: &Request, hints: &Hints) -> Result<Record, Failure> {
    let id = request.invocation.required_integer("id")?;
    let record = app.store.record(id)?.ok_or_else(|| {
        UserError::field(
            label("id"),
            format!(
                "記録 #{id} はありません。{} で番号を確かめてください",
                hints.command(Command::RecordsMine, &[])
            ),
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
fn change_of(
    catalogue: &Catalogue,
    record: &Record,
    field: &Field,
    value: &str,
    hints: &Hints,
) -> Result<Change, UserError> {
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
            let example = hints.command(
                Command::RecordsEdit,
                &[
                    ("id", &record.id.to_string()),
                    ("field", PLACE.0),
                    ("value", &format!("{new}/{example}")),
                ],
            );
            return Err(UserError::field(
                spec.label(),
                format!(
                    "{district_now}区は{area_now}地区の区なので、地区だけを{new}地区に変えることはできません。\
                     区も一緒に直してください（例: {example}）。{new}地区の区: {}",
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

pub(super) fn edit(app: &mut App, request: &Request, shown: Visibility, hints: &Hints) -> Result<Reply, Failure> {
    let record = changeable(app, request, hints)?;
    let inv = &request.invocation;
    let name = inv.required_text("field")?;
    let Some(value) = inv.text("value") else {
        let id = record.id.to_string();
        let clear = hints.command(
            Command::RecordsEdit,
            &[("id", &id), ("field", &name), ("value", CLEAR_VALUES[0])],
        );
        return Err(UserError::field(
            label("value"),
            format!("新しい値を入力してください（必須）。項目を空にするときは {clear} と書きます"),
        )
        .into());
    };
    let catalogue = &app.settings.catalogue;
    let fields = fields_of(catalogue, &record);
    let field = field_of(catalogue, &record, &fields, &name)?;
    let change = change_of(catalogue, &record, &field, &value, hints)?;
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

pub(super) fn delete(app: &mut App, request: &Request, shown: Visibility, hints: &Hints) -> Result<Reply, Failure> {
    let record = changeable(app, request, hints)?;
    app.store
        .delete(record.id, AuditAction::Delete, &request.user, request.now)?;
    let mut lines = vec![
        list_line(&app.settings.catalogue, &record),
        "集計から外しました。履歴（監査記録）には残ります".to_string(),
    ];
    lines.extend(super::history::removal_note(app, &record, "削除した")?);
    lines.extend(total_line(app, &record)?);
    Ok(Reply::done(
        shown,
        format!("記録 #{} を削除しました", record.id),
        vec![Section::lines(lines)],
    ))
}

pub(super) fn undo(app: &mut App, request: &Request, shown: Visibility, hints: &Hints) -> Result<Reply, Failure> {
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
        let delete = hints.command(Command::RecordsDelete, &[("id", &id.to_string())]);
        return Err(UserError::new(format!(
            "取り消せるのは報告から{UNDO_MINUTES}分以内です。削除するときは {delete} を使ってください"
        ))
        .into());
    }
    app.store.delete(id, AuditAction::Undo, &request.user, request.now)?;
    let mut lines = vec![list_line(&app.settings.catalogue, &record)];
    lines.extend(super::history::removal_note(app, &record, "取り消した")?);
    lines.extend(total_line(app, &record)?);
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
pub(super) fn export(app: &App, request: &Request, shown: Visibility, hints: &Hints) -> Result<Reply, Failure> {
    let export = export_file(app, request, hints)?;
    let mut reply = Reply::done(
        shown,
        format!(
            "記録の書き出し（{}〜{}、{}件）",
            date_label(export.from),
            date_label(export.to),
            group_thousands(export.count as u64)
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
pub(super) fn export_file(app: &App, request: &Request, hints: &Hints) -> Result<Export, Failure> {
    let inv = &request.invocation;
    let today = today(app, request);
    let catalogue = &app.settings.catalogue;
    let date = |name: &str, default: NaiveDate| -> Result<NaiveDate, UserError> {
        match inv.text(name) {
            Some(text) => period_day(&text, today, &label_in(name, inv.wording)),
            None => Ok(default),
        }
    };
    let from = date(
        "from",
        FiscalYear::containing(today, catalogue.fiscal_year_start).first_day(catalogue.fiscal_year_start),
    )?;
    let to = date("to", today)?;
    if from > to {
        return Err(UserError::field(label_in("to", inv.wording), "終了日は開始日より後にしてください").into());
    }
    let format = inv.text("format").unwrap_or_else(|| "xlsx".to_string());
    let name = format!("kyodo-records-{from}_{to}.{format}");
    let filter = RecordFilter {
        from: Some(from),
        to: Some(to),
        ..RecordFilter::default()
    };
    let (bytes, count) = match format.as_str() {
        "csv" => {
            // Written into memory, which does not fail but for want of memory.
            let failed = |e: std::io::Error| {
                tracing::error!(error = %e, "CSV export failed");
                Failure::User(UserError::new("CSV ファイルを作れませんでした。もう一度お試しください"))
            };
            let mut csv = RecordsCsv::new(catalogue, Vec::new()).map_err(failed)?;
            let count = app.store.each_record(&filter, Order::OldestFirst, |r| csv.push(&r))?;
            (csv.finish().map_err(failed)?, count)
        }
        "xlsx" => {
            let failed = |e: XlsxError| {
                tracing::error!(error = %e, "XLSX export failed");
                let csv = hints.command(Command::RecordsExport, &[("format", "csv")]);
                Failure::User(UserError::new(format!(
                    "Excel ファイルを作れませんでした。CSV で書き出してください（{csv}）"
                )))
            };
            let mut xlsx = RecordsXlsx::new(catalogue).map_err(failed)?;
            let count = app.store.each_record(&filter, Order::OldestFirst, |r| xlsx.push(&r))?;
            let mut bytes = Cursor::new(Vec::new());
            xlsx.finish(app.store.contact_matrix(catalogue, from, to)?.as_ref(), &mut bytes)
                .map_err(failed)?;
            (bytes.into_inner(), count)
        }
        other => {
            return Err(UserError::field(
                label_in("format", inv.wording),
                format!("「{other}」は選べません。選べるもの: xlsx、csv"),
            )
            .into());
        }
    };
    Ok(Export {
        from,
        to,
        count,
        file: Attachment { name, bytes },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_key_asks_for_the_same_list_again() {
        let catalogue = crate::domain::Catalogue::parse(include_str!("../../config/kyodo.toml")).expect("config");
        let commands = command_set(&catalogue);
        let asked = Invocation::new("records", Some("list"))
            .with("reporter", OptionValue::String("佐藤;a=b%".into()))
            .with("page", OptionValue::Integer(2));
        let key = page_key(&asked);
        assert_eq!(key, "list;reporter=佐藤%3Ba%3Db%25");
        let again = page_request(&commands, &key, 3).expect("a request");
        assert_eq!(
            again,
            Invocation::new("records", Some("list"))
                .with("reporter", OptionValue::String("佐藤;a=b%".into()))
                .with("page", OptionValue::Integer(3))
        );
        assert_eq!(
            page_request(&commands, "mine", 2),
            Some(Invocation::new("records", Some("mine")).with("page", OptionValue::Integer(2)))
        );
        assert_eq!(page_request(&commands, "delete;id=1", 2), None, "only lists have pages");
        assert_eq!(page_request(&commands, "list;broken", 2), None);
    }
}
