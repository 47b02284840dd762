//! A record in one line of Japanese, as replies and lists show it:
//! `<indicator>: <the line>` — the line from the `line` template of the record type's
//! description (`{area}地区 {district}区[「{topic}」]` gives `…地区 …区「…」`).

use crate::domain::catalogue::{Catalogue, Indicator};
use crate::domain::date_label;
use crate::domain::number::group_thousands;
use crate::domain::record::{Column, Facts, Record, Value};

/// The indicator a record counts toward: the one its choice names where the type feeds several
/// (a publicity kind's), else the one that lists its type.
pub fn indicator_of<'a>(catalogue: &'a Catalogue, facts: &Facts) -> Option<&'a Indicator> {
    let record_type = facts.record_type();
    let routed = catalogue.record_type(record_type).and_then(|spec| {
        spec.columns().find_map(|(column, field)| {
            let chosen = facts.text(column)?;
            field.choice(chosen).and_then(|c| c.indicator)
        })
    });
    catalogue
        .indicators
        .iter()
        .find(|i| i.records.contains(&record_type) && routed.is_none_or(|n| i.number == n))
}

/// A value as a line shows it: numbers (amounts, counts) with thousands separators.
fn shown(value: &Value) -> String {
    match value {
        Value::Text(t) => t.clone(),
        Value::Number(n) => group_thousands(*n),
    }
}

/// `template` with each `{column}` replaced by the value of `facts`; a `[…]` part is left out
/// when a value in it is missing.
fn fill(template: &str, facts: &Facts) -> String {
    let mut out = String::new();
    // The optional part being filled, and whether all its values were there.
    let mut optional: Option<(String, bool)> = None;
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        rest = &rest[c.len_utf8()..];
        let piece = match c {
            '[' => {
                optional = Some((String::new(), true));
                continue;
            }
            ']' => {
                if let Some((part, complete)) = optional.take() {
                    if complete {
                        out.push_str(&part);
                    }
                }
                continue;
            }
            '{' => {
                let (name, after) = rest.split_once('}').unwrap_or((rest, ""));
                rest = after;
                let value = Column::parse(name).and_then(|column| facts.values.get(column).map(shown));
                if value.is_none() {
                    if let Some((_, complete)) = optional.as_mut() {
                        *complete = false;
                    }
                }
                value.unwrap_or_default()
            }
            c => c.to_string(),
        };
        match optional.as_mut() {
            Some((part, _)) => part.push_str(&piece),
            None => out.push_str(&piece),
        }
    }
    out
}

/// What happened, without the indicator: the type's `line` template filled with the facts.
pub fn describe(catalogue: &Catalogue, facts: &Facts) -> String {
    match catalogue.record_type(facts.record_type()) {
        Some(spec) => fill(&spec.line, facts),
        None => facts.record_type().to_string(),
    }
}

/// `<indicator's title>: <what happened>` (`describe`).
pub fn describe_with_indicator(catalogue: &Catalogue, facts: &Facts) -> String {
    match indicator_of(catalogue, facts) {
        Some(indicator) => format!("{}: {}", indicator.title(), describe(catalogue, facts)),
        None => describe(catalogue, facts),
    }
}

/// `#12 2026年6月15日（令和8年6月15日） <indicator>: <what happened>`.
pub fn list_line(catalogue: &Catalogue, record: &Record) -> String {
    format!(
        "#{} {} {}",
        record.id,
        date_label(record.date),
        describe_with_indicator(catalogue, &record.facts)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fixtures::{komoro, sample_records};

    #[test]
    fn each_type_reads_as_its_line_says_leaving_out_what_is_missing() {
        let catalogue = komoro();
        let lines: Vec<String> = sample_records()
            .iter()
            .map(|r| describe(&catalogue, &r.facts))
            .collect();
        assert!(lines.iter().all(|l| !l.contains(['{', '}', '[', ']'])), "{lines:?}");
        let subsidy = Facts::new(crate::domain::RecordType::of("subsidy"))
            .text_of(Column::Course, "チャレンジ")
            .text_of(Column::Group, "こもろ子ども食堂")
            .text_of(Column::Status, "申請");
        assert_eq!(
            describe(&catalogue, &subsidy),
            "チャレンジコース「こもろ子ども食堂」申請"
        );
        let subsidy = subsidy.number_of(Column::Amount, 150_000);
        assert_eq!(
            describe(&catalogue, &subsidy),
            "チャレンジコース「こもろ子ども食堂」150,000円 申請"
        );
    }
}
