//! The monthly reminder and `/remind off | on`.
//!
//! `build` says, for a month as of a day, what is missing (`domain::remind`): the areas with
//! no record of the catalogue's area type in the month, the districts with none for the
//! `[schedule] stale_months` months up to it, and the record types reported monthly with no
//! record in the month yet; and whom to mention — each listed area's liaison officer
//! (`[[areas]] liaison`), unless they turned mentions off. The scheduler posts it on the
//! `remind_day` (`scheduler::post`, the mentions through Discord's `allowed_mentions`), and
//! `kyodo remind` shows or posts it.
//!
//! `/remind off` and `/remind on` turn the mentions off and on for the user who types it,
//! stored in the database and read when the next reminder is built.

use super::{Failure, Request};
use crate::app::App;
use crate::domain::remind::{mentions, missing, places, Mention, Missing, Stale};
use crate::domain::Catalogue;
use crate::domain::{FiscalYear, YearMonth};
use crate::render::reply::{Reply, Section, Visibility};
use crate::store;
use chrono::{Datelike, NaiveDate};
use std::collections::HashSet;

/// A month's reminder: what to say, and whom to mention with what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub month: YearMonth,
    pub reply: Reply,
    /// Each user to mention with the line their mention starts (`担当: …地区`).
    pub mentions: Vec<(u64, String)>,
}

impl Reminder {
    /// The reminder as plain text (the console, `kyodo remind`): the reply, then each mention
    /// as Discord writes it (`<@id> 担当: …`).
    pub fn text(&self) -> String {
        let mut out = crate::render::reply::text(&self.reply);
        for (user, line) in &self.mentions {
            out.push_str(&format!("<@{user}> {line}\n"));
        }
        out
    }
}

fn short_date(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// The reminder of `month` as of `today` (a month still running is read up to today, which the
/// reply says; the records of a month are never dated after today).
pub fn build(app: &App, month: YearMonth, today: NaiveDate) -> Result<Reminder, store::Error> {
    let catalogue = &app.settings.catalogue;
    let end = month.last_day().min(today);
    let running = end < month.last_day();
    let area_type = catalogue.area_type();
    let (met, last) = match area_type {
        Some(spec) => {
            let met: HashSet<String> = app
                .store
                .districts_met(spec.record_type, month.first_day(), month.last_day())?
                .into_iter()
                .map(|(area, _)| area)
                .collect();
            (
                met,
                app.store
                    .last_days(spec.record_type, month.last_day(), &places(catalogue))?,
            )
        }
        None => Default::default(),
    };
    let mut reported = HashSet::new();
    for spec in catalogue.record_types.iter().filter(|t| t.monthly) {
        if app
            .store
            .has_records(spec.record_type, month.first_day(), month.last_day())?
        {
            reported.insert(spec.record_type);
        }
    }
    let missing = missing(catalogue, month, &met, &last, &reported);
    let off = app.store.reminded_off()?;
    let mentioned = mentions(catalogue, &missing, &off);
    let year = FiscalYear::containing(month.first_day(), catalogue.fiscal_year_start);
    let title = format!("リマインド {}（{}）", month.label(), year.label());
    let as_of = if running {
        format!("{}までの記録で、{}にまだないものです", short_date(end), month.label())
    } else {
        format!("{}の記録で、なかったものです", month.label())
    };
    let mut sections = vec![Section::lines(vec![as_of])];
    sections.extend(sections_of(app, month, &missing));
    let liaisons = catalogue.areas.iter().any(|a| a.liaison.is_some());
    if liaisons {
        let mut lines = Vec::new();
        if !mentioned.is_empty() {
            lines.push("記録のない地区の担当の方をメンションしています".to_string());
        }
        lines.push("メンションされたくないときは /remind off（戻すときは /remind on）".to_string());
        sections.push(Section::lines(lines));
    }
    Ok(Reminder {
        month,
        reply: Reply::done(Visibility::Public, title, sections),
        mentions: mentioned.iter().map(mention_line).collect(),
    })
}

/// `担当: {area}地区・{area}地区`.
fn mention_line(mention: &Mention) -> (u64, String) {
    let areas: Vec<String> = mention.areas.iter().map(|a| format!("{a}地区")).collect();
    (mention.user, format!("担当: {}", areas.join("・")))
}

/// The reminder's sections: areas, stale districts, monthly types; each says when nothing is
/// missing.
fn sections_of(app: &App, month: YearMonth, missing: &Missing) -> Vec<Section> {
    let catalogue = &app.settings.catalogue;
    let mut sections = Vec::new();
    if let Some(spec) = catalogue.area_type() {
        let heading = format!(
            "{}に{}の記録がない地区（{}/{}）",
            month.label(),
            spec.label,
            missing.areas.len(),
            catalogue.areas.len()
        );
        let lines = if missing.areas.is_empty() {
            vec!["すべての地区に記録があります".to_string()]
        } else {
            missing.areas.iter().map(|a| format!("{a}地区")).collect()
        };
        sections.push(Section::new(heading, lines));
        sections.push(stale_section(catalogue, &spec.label, &missing.stale));
    }
    let monthly: Vec<_> = catalogue.record_types.iter().filter(|t| t.monthly).collect();
    if !monthly.is_empty() {
        let heading = format!("毎月の報告で{}の記録がまだないもの", month.label());
        let lines = if missing.monthly.is_empty() {
            vec!["すべて記録があります".to_string()]
        } else {
            monthly
                .iter()
                .filter(|t| missing.monthly.contains(&t.record_type))
                .map(|t| format!("{}（/report {}）", t.label, t.key()))
                .collect()
        };
        sections.push(Section::new(heading, lines));
    }
    sections
}

/// `{N}か月以上{label}の記録がない区（古い順）`: the districts never met, one line per area,
/// then the others oldest first with their last day; says so when there are none. The reminder
/// and the monthly digest both list them.
pub(super) fn stale_section(catalogue: &Catalogue, label: &str, stale: &[Stale]) -> Section {
    let months = catalogue.schedule.stale_months;
    let heading = format!("{months}か月以上{label}の記録がない区（古い順）");
    let mut lines = Vec::new();
    // Never met: one line per area, in the catalogue's order.
    for area in &catalogue.areas {
        let never: Vec<String> = stale
            .iter()
            .filter(|s| s.last.is_none() && s.area == area.name)
            .map(|s| format!("{}区", s.district))
            .collect();
        if !never.is_empty() {
            lines.push(format!("{}地区（記録なし）: {}", area.name, never.join("・")));
        }
    }
    for district in stale {
        if let Some(last) = district.last {
            lines.push(format!(
                "{}地区 {}区: 最後は{}",
                district.area,
                district.district,
                short_date(last)
            ));
        }
    }
    if lines.is_empty() {
        lines.push(format!("ありません（どの区も{months}か月以内に記録があります）"));
    }
    Section::new(heading, lines)
}

/// The areas whose liaison officer the user is, `{area}地区・…`; `None` for none.
fn areas_of(app: &App, request: &Request) -> Option<String> {
    let areas: Vec<String> = app
        .settings
        .catalogue
        .areas
        .iter()
        .filter(|a| a.liaison.is_some_and(|id| id.to_string() == request.user.id))
        .map(|a| format!("{}地区", a.name))
        .collect();
    (!areas.is_empty()).then(|| areas.join("・"))
}

fn whose(app: &App, request: &Request) -> String {
    match areas_of(app, request) {
        Some(areas) => format!("あなたが担当の地区（設定の liaison）: {areas}"),
        None => "設定（config の [[areas]] の liaison）にあなたが担当の地区はないため、いまはメンションされません"
            .to_string(),
    }
}

/// `/remind off`: the user's mentions in the reminder off, at once.
pub(super) fn off(app: &mut App, request: &Request, shown: Visibility) -> Result<Reply, Failure> {
    let changed = app.store.remind_off(&request.user, request.now)?;
    let title = if changed {
        "リマインドであなたをメンションしないようにしました"
    } else {
        "リマインドのメンションはすでにオフです"
    };
    Ok(Reply::done(
        shown,
        title,
        vec![Section::lines(vec![
            whose(app, request),
            "戻すときは /remind on".to_string(),
        ])],
    ))
}

/// `/remind on`: the user's mentions in the reminder on again, at once.
pub(super) fn on(app: &mut App, request: &Request, shown: Visibility) -> Result<Reply, Failure> {
    let changed = app.store.remind_on(&request.user.id)?;
    let title = if changed {
        "リマインドであなたをまたメンションするようにしました"
    } else {
        "リマインドのメンションはオンになっています"
    };
    Ok(Reply::done(
        shown,
        title,
        vec![Section::lines(vec![
            whose(app, request),
            "止めるときは /remind off".to_string(),
        ])],
    ))
}

/// Refuses a month still to come, and one whose fiscal year is known only as totals (the
/// baseline, which has no records to remind of).
pub fn check_month(app: &App, month: YearMonth, today: NaiveDate) -> Result<(), Failure> {
    let field = "月（month）";
    if month > YearMonth::of(today) {
        return Err(crate::domain::validate::UserError::field(
            field,
            format!(
                "{}はまだ始まっていません（今日は{}です）",
                month.label(),
                short_date(today)
            ),
        )
        .into());
    }
    let year = FiscalYear::containing(month.first_day(), app.settings.catalogue.fiscal_year_start);
    if app.store.baseline_year(year)?.is_some() {
        return Err(crate::domain::validate::UserError::field(
            field,
            format!(
                "{}は年度の合計（基準データ）しかないため、リマインドは作れません",
                year.label()
            ),
        )
        .into());
    }
    Ok(())
}
