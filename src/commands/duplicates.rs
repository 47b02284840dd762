//! Double reports (`domain::doubles`), said where they show: under a report that looks like
//! one already stored (`notice`, its section of the reply, the undo button under it), and
//! `/records duplicates [fiscal_year]`, the pairs of a fiscal year for an admin to resolve.
//! Never merged, never refused: the words come from the record type's description (its label,
//! the district, name, title or choice it is about), the decision is the people's.

use super::{today, Failure, Request};
use crate::app::App;
use crate::domain::dates::parse_fiscal_year;
use crate::domain::doubles::{minutes_apart, pairs, what};
use crate::domain::record::Record;
use crate::domain::validate::UserError;
use crate::domain::{date_label, FiscalYear};
use crate::render::reply::{Reply, Section, Visibility};

/// How many of a report's look-alikes its reply names; the rest are counted.
pub(super) const NAMED: usize = 3;

/// The heading of a report's section on its look-alikes.
const HEADING: &str = "二重の報告かもしれません";

/// The section under a report that looks like records already stored: `named`, the newest of
/// them (`doubled` in all), by whom and what each is
/// (「同じ日に{name}さんが{district}区の{label}を記録しています（#12）。…」), and how many more
/// there are; `None` when it looks like none.
pub fn notice(app: &App, record: &Record, named: &[Record], doubled: usize, more: bool) -> Option<Section> {
    let spec = app.settings.catalogue.record_type(record.facts.record_type())?;
    if named.is_empty() {
        return None;
    }
    let mut lines: Vec<String> = named
        .iter()
        .take(NAMED)
        .map(|other| {
            let thing = what(spec, &other.facts);
            if other.reporter.id == record.reporter.id {
                let when = match minutes_apart(record, other) {
                    Some(m) if m >= 1 => format!("{m}分前に"),
                    _ => "さきほど".to_string(),
                };
                format!(
                    "{when}も同じ日の{thing}を記録しています（#{}）。同じものなら取り消してください",
                    other.id
                )
            } else {
                format!(
                    "同じ日に{}さんが{thing}を記録しています（#{}）。同じものなら取り消してください",
                    other.reporter.name, other.id
                )
            }
        })
        .collect();
    if doubled > named.len() {
        // Past the day's newest records read, there may be more than counted.
        let at_least = if more { "以上" } else { "" };
        lines.push(format!(
            "ほかにも{}件{at_least}あります（/records duplicates で一覧できます）",
            doubled - named.len()
        ));
    }
    Some(Section::new(HEADING, lines))
}

/// `/records duplicates [fiscal_year]` (admins): the pairs of live records of the fiscal year
/// (this one unless said) that look like one thing reported twice, oldest first.
pub(super) fn list(app: &App, request: &Request, shown: Visibility) -> Result<Reply, Failure> {
    let catalogue = &app.settings.catalogue;
    let start = catalogue.fiscal_year_start;
    let current = FiscalYear::containing(today(app, request), start);
    let year = match request.invocation.text("fiscal_year") {
        Some(text) => parse_fiscal_year(&text).map_err(|e| UserError::field("年度（fiscal_year）", e.to_string()))?,
        None => current,
    };
    if year > current {
        return Err(UserError::field(
            "年度（fiscal_year）",
            format!("{}はまだ始まっていません（今は{}です）", year.label(), current.label()),
        )
        .into());
    }
    let records = app.store.records_between(year.first_day(start), year.last_day(start))?;
    let found = pairs(&records, |r| catalogue.record_type(r.facts.record_type()));
    if found.is_empty() {
        return Ok(Reply::done(
            shown,
            format!("{}に二重の報告かもしれない記録はありません", year.label()),
            Vec::new(),
        ));
    }
    let lines: Vec<String> = found
        .iter()
        .map(|(a, b)| {
            let thing = catalogue
                .record_type(a.facts.record_type())
                .map_or_else(|| a.facts.record_type().to_string(), |spec| what(spec, &a.facts));
            let who = if a.reporter.id == b.reporter.id {
                let apart = minutes_apart(*a, *b).map_or(String::new(), |m| format!("、{m}分差"));
                format!("#{} と #{}（どちらも{}さん{apart}）", a.id, b.id, a.reporter.name)
            } else {
                format!(
                    "#{}（{}さん）と #{}（{}さん）",
                    a.id, a.reporter.name, b.id, b.reporter.name
                )
            };
            format!("{who}: {} {thing}", date_label(a.date))
        })
        .collect();
    Ok(Reply::done(
        shown,
        format!("{}の二重の報告かもしれない記録（{}組）", year.label(), found.len()),
        vec![
            Section::lines(lines),
            Section::lines(vec![
                "同じものなら /records delete id:番号 で片方を削除してください。別のものならそのままで構いません（まとめたり消したりはしません）"
                    .to_string(),
            ]),
        ],
    ))
}
