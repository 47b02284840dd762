//! `/help`: every command in Japanese, with an example; each record type's example from its
//! description, every name in the others from the catalogue. `report_example` is also the
//! console's greeting.

use super::spec::{subsidy_type, CLEAR_VALUES, PLACE};
use crate::app::App;
use crate::domain::catalogue::Catalogue;
use crate::domain::record::Column;
use crate::domain::record_type::{FieldKind, RecordTypeSpec};
use crate::render::reply::{Reply, Section, Visibility};

/// The catalogue's first area and its first district, the place every example uses.
fn first_place(c: &Catalogue) -> (&str, &str) {
    let area = c.areas.first();
    let district = area.and_then(|a| a.districts.first()).map_or("", String::as_str);
    (area.map_or("", |a| a.name.as_str()), district)
}

/// `/report <key> <options> — <what it is for>`: the type's `/help` example, its `{area}` and
/// `{district}` filled with the catalogue's first area and district.
pub fn report_example(c: &Catalogue, t: &RecordTypeSpec) -> String {
    format!("/report {} {}", t.key(), c.example(t))
}

/// The help, seen as `shown`.
pub(super) fn handle(app: &App, shown: Visibility) -> Reply {
    let c = &app.settings.catalogue;
    let area = c.areas.first();
    let (area_name, district) = first_place(c);
    let (place, [clear, dash, _]) = (PLACE.0, CLEAR_VALUES);
    let report: Vec<String> = c.record_types.iter().map(|t| report_example(c, t)).collect();
    let another_district = area.and_then(|a| a.districts.get(1)).map_or(district, String::as_str);
    let note = c
        .record_types
        .iter()
        .find_map(|t| t.field(Column::Note))
        .map_or("", |f| f.name.as_str());
    // The type that keeps the subsidy lifecycle: its group's example and first course.
    let subsidy = subsidy_type(c);
    let group = subsidy.and_then(|t| t.field(Column::Group));
    let course = subsidy.and_then(|t| t.field(Column::Course));
    // The first type with a place: its name, and how its options read in Japanese.
    let placed_type = c.record_types.iter().find_map(|t| {
        let area_field = t.field_of_kind(FieldKind::Area)?;
        let district_field = t.field_of_kind(FieldKind::District)?;
        Some((t, area_field, district_field))
    });
    let placed = placed_type.map(|(t, area_field, district_field)| {
        format!(
            "/報告 {} {}:{area_name} {}:{district}",
            t.name, area_field.name, district_field.name
        )
    });
    let placed_name = placed_type.map_or("", |(t, ..)| t.name.as_str());
    let read = vec![
        "/totals — 今年度の累計（前年同期・目標と比較）。/totals fiscal_year:R7 initiative:1 のように年度や取り組みで絞れます".to_string(),
        "/summary month month:2026-10 — 月次まとめ（その月・年度累計・前年同期・目標、連携がまだない地区と区、グラフ）".to_string(),
        "/summary year fiscal_year:2025 — 年次報告（報告書と同じ表、その年度と前の2年度）".to_string(),
    ];
    let records = vec![
        "/records mine — 自分の最近の記録と番号".to_string(),
        format!("/records edit id:12 field:district value:{another_district} — 記録の項目を1つ直す（他の人の記録は管理者だけ）"),
        format!("/records edit id:12 field:{place} value:{area_name}/{district} — {placed_name}の地区と区を一緒に直す（/ ／ ・ 空白のどれで区切っても同じ。区だけ直すと、地区もその区の地区に移ります）"),
        format!("/records edit id:12 field:note value:{clear} — 必須でない項目（{note}など）を空にする（value:{dash} でも同じ）"),
        format!("/記録 修正 番号:12 項目:{note} 値:\"電話で受付\" — 項目名は日本語でも使えます（項目:{note} は field:note と同じ）"),
        "/records delete id:12 — 記録を削除（履歴は残ります）".to_string(),
        "/records undo id:12 — 自分の報告を取り消す（15分以内。報告の下のボタンと同じ）".to_string(),
        "/records export from:R8.4.1 to:今日 format:xlsx — 期間のすべての記録を Excel（または CSV）で".to_string(),
    ];
    let mut records = records;
    if let (Some(subsidy), Some(group), Some(course)) = (subsidy, group, course) {
        records.push(format!(
            "/records history group:\"{}\" — {}の{}の経過（古い順。course:{} で{}を絞れます）",
            group.example.as_deref().unwrap_or(&group.name),
            group.name,
            subsidy.label,
            course.choices.first().map_or("", |c| c.name.as_str()),
            course.name
        ));
    }
    let admin = vec!["/admin status — データベース・ボットの稼働（Discord との接続・自動投稿）・基準データ・投稿とバックアップの状況と失敗（管理者だけ）".to_string()];
    let notes: Vec<String> =
        vec!["日付は 2026-06-15、6/15、R8.6.15、令和8年6月15日、今日、昨日 のどれでも。省くと今日です".to_string()]
            .into_iter()
            .chain(placed.map(|p| format!("オプション名は日本語でも使えます（例: {p}）")))
            .collect();
    Reply::done(
        shown,
        "kyodo（協働）の使い方",
        vec![
            Section::new("報告する", report),
            Section::new("見る", read),
            Section::new("記録を直す", records),
            Section::new("管理", admin),
            Section::new("入力のしかた", notes),
        ],
    )
}
