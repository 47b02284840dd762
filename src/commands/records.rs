//! `/records mine | edit id field value | delete id | undo id | export [from] [to] [format]`: a reporter's own records, and
//! fixing them. Anyone's record may be edited or deleted by an admin; a reporter may edit or
//! delete their own, and undo it (the button under a report) within 15 minutes. Deletes are
//! soft and every change goes to the audit trail.

use super::invocation::{check_value, Invocation, OptionValue};
use super::report::{facts_from, options_of, record_date, UNDO_MINUTES};
use super::spec::{command_set, label, OptionSpec, EDITABLE_FIELDS};
use super::{require_staff, today, Attachment, Failure, Reply, Request, Section, Visibility};
use crate::app::App;
use crate::domain::dates::parse_date;
use crate::domain::record::Record;
use crate::domain::validate::{validate, UserError};
use crate::domain::FiscalYear;
use crate::domain::{date_label, Catalogue};
use crate::render::csv::records_csv;
use crate::render::record::{describe_with_indicator, list_line};
use crate::render::xlsx::records_xlsx;
use crate::store::AuditAction;
use chrono::NaiveDate;
use chrono::{DateTime, Duration, Utc};

/// How many records `/records mine` lists.
const MINE_LIMIT: usize = 10;

pub(super) fn handle(app: &mut App, request: &Request) -> Result<Reply, Failure> {
    require_staff(request)?;
    match request.invocation.subcommand.as_deref() {
        Some("mine") => mine(app, request),
        Some("edit") => edit(app, request),
        Some("delete") => delete(app, request),
        Some("undo") => undo(app, request),
        Some("export") => export(app, request),
        Some("history") => super::history::handle(app, request),
        _ => Err(UserError::new("mine・edit・delete・undo のどれかを選んでください（例: /records mine）").into()),
    }
}

fn mine(app: &App, request: &Request) -> Result<Reply, Failure> {
    let records = app.store.records_of(&request.user.id, MINE_LIMIT)?;
    let catalogue = &app.settings.catalogue;
    let lines = if records.is_empty() {
        vec!["まだ記録がありません。/report で報告できます".to_string()]
    } else {
        records.iter().map(|r| list_line(catalogue, r)).collect()
    };
    Ok(Reply::done(
        Visibility::Ephemeral,
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

/// The fields a record of this type has: `/report`'s options, with their limits.
fn fields_of(catalogue: &Catalogue, record: &Record) -> Vec<OptionSpec> {
    let key = record.facts.record_type().key();
    command_set(catalogue)
        .into_iter()
        .filter(|c| c.name == "report")
        .flat_map(|c| c.options)
        .filter(|sub| sub.name == key)
        .flat_map(|sub| sub.options)
        .collect()
}

fn edit(app: &mut App, request: &Request) -> Result<Reply, Failure> {
    let record = changeable(app, request)?;
    let inv = &request.invocation;
    let field_input = inv.required_text("field")?;
    let value = inv.required_text("value")?;
    let catalogue = &app.settings.catalogue;
    let fields = fields_of(catalogue, &record);
    let found = EDITABLE_FIELDS
        .iter()
        .find(|(name, ja)| *name == field_input || *ja == field_input)
        .and_then(|(name, _)| fields.iter().find(|f| f.name == *name).map(|spec| (name, spec)));
    let Some((field, spec)) = found else {
        let names: Vec<String> = fields.iter().map(|f| label(f.name)).collect();
        return Err(UserError::field(
            label("field"),
            format!(
                "#{} の記録に「{field_input}」はありません。直せる項目: {}",
                record.id,
                names.join("、")
            ),
        )
        .into());
    };
    let mut changed = Invocation::new("report", Some(record.facts.record_type().key()));
    changed.options = options_of(&record.facts);
    changed.options.retain(|(name, _)| name != field);
    // A subsidy state that takes no amount (辞退 …) leaves the amount behind; the reply shows it.
    if *field == "status" && !crate::domain::subsidy::takes_amount(&catalogue.subsidy, &value) {
        changed.options.retain(|(name, _)| name != "amount");
    }
    // The new value is held to the field's own limits (`value` itself allows any field's).
    let checked = check_value(spec, &OptionValue::String(value.clone()))?;
    changed.options.push((field.to_string(), checked));
    if *field != "date" {
        changed
            .options
            .push(("date".into(), OptionValue::String(record.date.to_string())));
    }
    let date = record_date(app, &changed, today(app, request))?;
    let facts = facts_from(catalogue, record.facts.record_type(), &changed)?;
    validate(catalogue, &facts)?;
    if facts == record.facts && date == record.date {
        return Err(UserError::field(
            label("value"),
            format!("#{} の{}はすでに「{value}」です", record.id, label(field)),
        )
        .into());
    }
    let after = app.store.edit(record.id, date, &facts, &request.user, request.now)?;
    let catalogue = &app.settings.catalogue;
    Ok(Reply::done(
        Visibility::Ephemeral,
        format!("記録 #{} を直しました", record.id),
        vec![Section::lines(vec![
            format!(
                "前: {} {}",
                date_label(record.date),
                describe_with_indicator(catalogue, &record.facts)
            ),
            format!(
                "後: {} {}",
                date_label(after.date),
                describe_with_indicator(catalogue, &after.facts)
            ),
        ])],
    ))
}

fn delete(app: &mut App, request: &Request) -> Result<Reply, Failure> {
    let record = changeable(app, request)?;
    app.store
        .delete(record.id, AuditAction::Delete, &request.user, request.now)?;
    let mut lines = vec![
        list_line(&app.settings.catalogue, &record),
        "集計から外しました。履歴（監査記録）には残ります".to_string(),
    ];
    lines.extend(super::history::removal_note(app, &record, "削除した")?);
    Ok(Reply::done(
        Visibility::Ephemeral,
        format!("記録 #{} を削除しました", record.id),
        vec![Section::lines(lines)],
    ))
}

fn undo(app: &mut App, request: &Request) -> Result<Reply, Failure> {
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
        Visibility::Ephemeral,
        format!("報告 #{id} を取り消しました"),
        vec![Section::lines(lines)],
    ))
}

/// `/records export [from] [to] [format]`: every live record of a period as CSV or XLSX.
fn export(app: &App, request: &Request) -> Result<Reply, Failure> {
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
        "xlsx" => records_xlsx(catalogue, &records).map_err(|e| {
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
    let mut reply = Reply::done(
        Visibility::Ephemeral,
        format!(
            "記録の書き出し（{}〜{}、{}件）",
            date_label(from),
            date_label(to),
            records.len()
        ),
        vec![Section::lines(vec![format!(
            "ファイル: {name}（削除した記録は含みません）"
        )])],
    );
    reply.files.push(Attachment { name, bytes });
    Ok(reply)
}
