//! Checking a record against the catalogue before it is stored: the area exists and the
//! district belongs to it, kinds and statuses are the configured ones, counts are positive,
//! a grant has an amount above 0 and within its course's cap, an application at most the cap,
//! the other subsidy states none. Each refusal names the field and the rule in Japanese.
//!
//! Rules that need the group's other records (the subsidy lifecycle, `subsidy.rs`) are checked
//! by the store inside the write's transaction.

use super::catalogue::Catalogue;
use super::record::{Column, Facts};
use super::record_type::{FieldKind, Rule};
use super::subsidy::Stage;
use std::fmt;

/// A refusal to show the user: the field it is about and what is wrong, in Japanese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserError {
    /// The option as the user sees it, e.g. `区（district）`.
    pub field: Option<String>,
    pub message: String,
}

impl UserError {
    pub fn new(message: impl Into<String>) -> Self {
        UserError {
            field: None,
            message: message.into(),
        }
    }

    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        UserError {
            field: Some(field.into()),
            message: message.into(),
        }
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{field}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for UserError {}

/// The largest count one consultation or matching record may carry: a guard against typos.
pub const MAX_COUNT: u32 = 10_000;

/// Checks every name and number of `facts` against the catalogue, field by field as the
/// record type's description says, then the type's own rule.
pub fn validate(catalogue: &Catalogue, facts: &Facts) -> Result<(), UserError> {
    let Some(spec) = catalogue.record_type(facts.record_type) else {
        return Err(UserError::new(format!(
            "記録の種類「{}」は設定（config/kyodo.toml の [[record_types]]）にありません",
            facts.record_type
        )));
    };
    for field in &spec.fields {
        let Some(column) = field.column() else { continue };
        let label = field.label();
        let Some(value) = facts.values.get(column) else {
            if field.required {
                return Err(UserError::field(label, "入力してください（必須）"));
            }
            continue;
        };
        let text = value.as_text();
        match (field.kind, text) {
            (FieldKind::Choice, Some(text)) => one_of(text, &field.choice_names(), &label, &field.called)?,
            (FieldKind::Area, Some(text)) => {
                let names: Vec<String> = catalogue.areas.iter().map(|a| a.name.clone()).collect();
                one_of(text, &names, &label, &field.called)?;
            }
            (FieldKind::District, Some(district)) => {
                let area = spec
                    .field_of_kind(FieldKind::Area)
                    .and_then(|a| a.column())
                    .and_then(|c| facts.text(c));
                if let Some(area) = area {
                    district_in_area(catalogue, area, district, &label)?;
                }
            }
            (FieldKind::Text | FieldKind::Name, Some(text)) if field.required => not_blank(text, &label)?,
            (FieldKind::Count, _) => positive_count(value.as_number().unwrap_or(0), &label)?,
            _ => {}
        }
    }
    match spec.rule {
        Some(Rule::Subsidy) => {
            let course = facts.text(Column::Course).unwrap_or_default();
            let status = facts.text(Column::Status).unwrap_or_default();
            subsidy_amount(catalogue, course, status, facts.number(Column::Amount))
        }
        None => Ok(()),
    }
}

/// Refuses a district that is not one of `area`'s, saying where it is if it is another's.
fn district_in_area(catalogue: &Catalogue, area: &str, district: &str, label: &str) -> Result<(), UserError> {
    let Some(found) = catalogue.area(area) else {
        return Ok(());
    };
    if found.districts.iter().any(|d| d == district) {
        return Ok(());
    }
    let elsewhere = catalogue
        .areas
        .iter()
        .find(|a| a.districts.iter().any(|d| d == district))
        .map(|a| format!("「{district}」は{}地区の区です。", a.name))
        .unwrap_or_default();
    Err(UserError::field(
        label,
        format!(
            "{area}地区に「{district}」区はありません。{elsewhere}{area}地区の区: {}",
            found.districts.join("、")
        ),
    ))
}

/// The amount a subsidy record in `status` may carry: a grant's is required, above 0 and within
/// the course's cap; an application's optional and within the cap; the other states take none.
fn subsidy_amount(catalogue: &Catalogue, course: &str, status: &str, amount: Option<u64>) -> Result<(), UserError> {
    let field = "金額（amount）";
    let s = &catalogue.subsidy;
    let over_cap = |amount: u64| {
        catalogue.course(course).filter(|c| amount > c.cap).map(|c| {
            UserError::field(
                field,
                format!(
                    "{}コースの上限は{}円です",
                    c.name,
                    super::number::group_thousands(c.cap)
                ),
            )
        })
    };
    match (super::subsidy::stage(s, status), amount) {
        (Some(Stage::Granted), None) => Err(UserError::field(
            field,
            format!(
                "{}には交付額が必要です。amount に円で入力してください（例: amount:150000）",
                s.granted
            ),
        )),
        (Some(Stage::Granted), Some(0)) => Err(UserError::field(
            field,
            format!("{}の交付額は1円以上です。交付額を円で入力してください", s.granted),
        )),
        (Some(Stage::Granted | Stage::Applied), Some(amount)) => over_cap(amount).map_or(Ok(()), Err),
        (_, Some(amount)) if amount > 0 => Err(UserError::field(
            field,
            format!(
                "{status}には金額を記録しません。amount を外してください（金額を記録するのは{}と{}です）",
                s.applied, s.granted
            ),
        )),
        _ => Ok(()),
    }
}

fn one_of(value: &str, allowed: &[String], field: &str, what: &str) -> Result<(), UserError> {
    if allowed.iter().any(|a| a == value) {
        Ok(())
    } else {
        Err(UserError::field(
            field,
            format!("{what}「{value}」はありません。選べるもの: {}", allowed.join("、")),
        ))
    }
}

fn positive_count(count: u64, label: &str) -> Result<(), UserError> {
    if count == 0 || count > u64::from(MAX_COUNT) {
        Err(UserError::field(
            label,
            out_of_range(Some(1), Some(i64::from(MAX_COUNT))),
        ))
    } else {
        Ok(())
    }
}

/// The one refusal of a number outside its bounds, whichever path finds it (the command
/// spec's check, a record's check, an import's cell): `1以上10,000以下で入力してください`.
pub fn out_of_range(min: Option<i64>, max: Option<i64>) -> String {
    let shown = |n: i64| match u64::try_from(n) {
        Ok(n) => super::number::group_thousands(n),
        Err(_) => n.to_string(),
    };
    match (min, max) {
        (Some(min), Some(max)) => format!("{}以上{}以下で入力してください", shown(min), shown(max)),
        (Some(min), None) => format!("{}以上で入力してください", shown(min)),
        (None, Some(max)) => format!("{}以下で入力してください", shown(max)),
        (None, None) => "数を入力してください".to_string(),
    }
}

fn not_blank(value: &str, field: &str) -> Result<(), UserError> {
    if value.trim().is_empty() {
        Err(UserError::field(field, "空にはできません"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::RecordType;

    fn komoro() -> Catalogue {
        Catalogue::parse(include_str!("../../config/kyodo.toml")).expect("shipped config")
    }

    fn check(facts: Facts, expected: Result<(), &str>) {
        let got = validate(&komoro(), &facts).map_err(|e| e.to_string());
        assert_eq!(got, expected.map_err(str::to_string), "{facts:?}");
    }

    fn meeting(area: &str, district: &str) -> Facts {
        Facts::new(RecordType::of("meeting"))
            .text_of(Column::Area, area)
            .text_of(Column::District, district)
    }

    fn subsidy(course: &str, amount: Option<u64>, status: &str) -> Facts {
        Facts::new(RecordType::of("subsidy"))
            .text_of(Column::Course, course)
            .text_of(Column::Group, "こもろ子ども食堂")
            .maybe(Column::Amount, amount)
            .text_of(Column::Status, status)
    }

    #[test]
    fn districts_must_belong_to_their_area() {
        check(meeting("東部", "荒町"), Ok(()));
        check(
            meeting("川辺", "荒町"),
            Err("区（district）: 川辺地区に「荒町」区はありません。「荒町」は東部地区の区です。川辺地区の区: 大久保、氷、鴇久保、西浦、上ノ平、久保、大杭、宮沢、御牧ヶ原、諏訪山"),
        );
        check(
            meeting("三岡", "銀座"),
            Err("区（district）: 三岡地区に「銀座」区はありません。三岡地区の区: 市、耳取、森山"),
        );
        check(
            meeting("北部", "荒町"),
            Err("地区（area）: 地区「北部」はありません。選べるもの: 東南部、東部、中部、西部、北大井、大里、三岡、西小諸、南大井、川辺"),
        );
    }

    #[test]
    fn grants_are_within_their_caps() {
        check(subsidy("ステップアップ", Some(150_000), "交付決定"), Ok(()));
        check(subsidy("チャレンジ", Some(200_000), "申請"), Ok(()));
        check(
            subsidy("ステップアップ", Some(150_001), "交付決定"),
            Err("金額（amount）: ステップアップコースの上限は150,000円です"),
        );
        check(
            subsidy("チャレンジ", Some(200_001), "申請"),
            Err("金額（amount）: チャレンジコースの上限は200,000円です"),
        );
        check(
            subsidy("チャレンジ", Some(1), "保留"),
            Err("状態（status）: 補助金の状態「保留」はありません。選べるもの: 申請、交付決定、不採択、辞退、実績報告"),
        );
    }

    #[test]
    fn a_grant_needs_an_amount_and_only_an_application_may_have_one_besides() {
        check(
            subsidy("チャレンジ", None, "交付決定"),
            Err("金額（amount）: 交付決定には交付額が必要です。amount に円で入力してください（例: amount:150000）"),
        );
        check(
            subsidy("チャレンジ", Some(0), "交付決定"),
            Err("金額（amount）: 交付決定の交付額は1円以上です。交付額を円で入力してください"),
        );
        check(subsidy("チャレンジ", None, "申請"), Ok(()));
        for status in ["辞退", "不採択", "実績報告"] {
            check(subsidy("チャレンジ", None, status), Ok(()));
            check(
                subsidy("チャレンジ", Some(50_000), status),
                Err(format!("金額（amount）: {status}には金額を記録しません。amount を外してください（金額を記録するのは申請と交付決定です）").as_str()),
            );
        }
    }

    #[test]
    fn counts_are_positive_and_sane() {
        let consultation = |count| Facts::new(RecordType::of("consultation")).number_of(Column::Count, count);
        check(consultation(1), Ok(()));
        check(consultation(0), Err("件数（count）: 1以上10,000以下で入力してください"));
        check(
            Facts::new(RecordType::of("match")).number_of(Column::Count, 10_001),
            Err("件数（count）: 1以上10,000以下で入力してください"),
        );
    }

    #[test]
    fn kinds_and_titles_are_checked() {
        check(
            Facts::new(RecordType::of("council")).text_of(Column::Kind, "懇親会").text_of(Column::Status, "実施"),
            Err("種類（kind）: 区長会の種類「懇親会」はありません。選べるもの: 役員会、新任区長研修会、総会、視察研修、全体研修会"),
        );
        check(
            Facts::new(RecordType::of("collab")).text_of(Column::Title, "  "),
            Err("名称（title）: 空にはできません"),
        );
        check(
            Facts::new(RecordType::of("publicity"))
                .text_of(Column::Kind, "4コマ")
                .text_of(Column::Medium, "ラジオ"),
            Err("媒体（medium）: 広報の媒体「ラジオ」はありません。選べるもの: 広報こもろ、ホームページ、SNS"),
        );
    }
}
