//! A record in one line of Japanese, as replies and lists show it:
//! `②区と地区担当職員との連携: 東部地区 荒町区「防災訓練の打合せ」`.

use crate::domain::catalogue::{Catalogue, Indicator};
use crate::domain::number::group_thousands;
use crate::domain::record::{Facts, Record};
use crate::domain::{date_label, RecordType};

/// The indicator a record counts toward (for publicity, the one its kind feeds).
pub fn indicator_of<'a>(catalogue: &'a Catalogue, facts: &Facts) -> Option<&'a Indicator> {
    let record_type = facts.record_type();
    let publicity_indicator = match facts {
        Facts::Publicity { kind, .. } => catalogue.publicity_kind(kind).map(|k| k.indicator),
        _ => None,
    };
    catalogue.indicators.iter().find(|i| {
        i.records.contains(&record_type)
            && (record_type != RecordType::Publicity || Some(i.number) == publicity_indicator)
    })
}

fn quoted(text: &Option<String>) -> String {
    text.as_ref().map(|t| format!("「{t}」")).unwrap_or_default()
}

fn parenthesised(text: &Option<String>) -> String {
    text.as_ref().map(|t| format!("（{t}）")).unwrap_or_default()
}

/// What happened, without the indicator: `東部地区 荒町区「防災訓練の打合せ」`.
pub fn describe(facts: &Facts) -> String {
    match facts {
        Facts::Council { kind, status, note } => format!("{kind}（{status}）{}", quoted(note)),
        Facts::Meeting { area, district, topic } => format!("{area}地区 {district}区{}", quoted(topic)),
        Facts::Consultation { count, side, note } => {
            format!("相談 {count}件{}{}", parenthesised(side), quoted(note))
        }
        Facts::Match { count, note } => format!("マッチング {count}件{}", quoted(note)),
        Facts::Subsidy {
            course,
            group,
            amount,
            status,
        } => match amount {
            Some(amount) => format!("{course}コース「{group}」{}円 {status}", group_thousands(*amount)),
            None => format!("{course}コース「{group}」{status}"),
        },
        Facts::Participation {
            method,
            project,
            department,
        } => format!("{method}「{project}」{}", parenthesised(department)),
        Facts::Collab { title } | Facts::Info { title } => format!("「{title}」"),
        Facts::Publicity { kind, medium, title } => format!("{kind}{}{}", parenthesised(medium), quoted(title)),
    }
}

/// `②区と地区担当職員との連携: 東部地区 荒町区「防災訓練の打合せ」`.
pub fn describe_with_indicator(catalogue: &Catalogue, facts: &Facts) -> String {
    match indicator_of(catalogue, facts) {
        Some(indicator) => format!("{}: {}", indicator.title(), describe(facts)),
        None => describe(facts),
    }
}

/// `#12 2026年6月15日（令和8年6月15日） ②区と…: 東部地区 荒町区`, with the reporter when asked.
pub fn list_line(catalogue: &Catalogue, record: &Record) -> String {
    format!(
        "#{} {} {}",
        record.id,
        date_label(record.date),
        describe_with_indicator(catalogue, &record.facts)
    )
}
