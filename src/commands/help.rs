//! `/help`: every command in Japanese, with an example.

use super::spec::{CLEAR_VALUES, PLACE};
use crate::app::App;
use crate::render::reply::{Reply, Section, Visibility};

pub(super) fn handle(app: &App) -> Reply {
    let c = &app.settings.catalogue;
    let area = c.areas.first();
    let area_name = area.map_or("東部", |a| a.name.as_str());
    let district = area.and_then(|a| a.districts.first()).map_or("荒町", String::as_str);
    let (place, [clear, dash, _]) = (PLACE.0, CLEAR_VALUES);
    let report = vec![
        format!("/report meeting area:{area_name} district:{district} date:今日 topic:\"防災訓練の打合せ\" — ② 地区担当職員と区の連携"),
        "/report council kind:役員会 status:実施 date:R8.6.1 — ① 区長会の活動（状態を省くと実施）".to_string(),
        "/report consultation count:12 side:したい側 — ③ ぼらせんこもろの相談（件数）".to_string(),
        "/report match count:3 — ③ マッチング（件数）".to_string(),
        format!(
            "/report subsidy course:チャレンジ group:\"こもろ子ども食堂\" status:{granted} amount:200000 — ④ 補助金（{applied} → {granted}・{rejected}・{declined}、{granted} → {declined}・{reported}。{granted}は1団体各コース1回まで、金額は{granted}に必須）",
            applied = c.subsidy.applied,
            granted = c.subsidy.granted,
            rejected = c.subsidy.rejected,
            declined = c.subsidy.declined,
            reported = c.subsidy.reported,
        ),
        "/report participation method:パブリックコメント project:\"第6次基本構想\" department:企画課 — ⑤ 市民参加手続き".to_string(),
        "/report collab title:\"ボランティア交流集会\" — ⑥ 区長会と市民活動の連携".to_string(),
        "/report info title:\"補助金説明会\" — ⑦ 情報共有の機会".to_string(),
        "/report publicity kind:区紹介 medium:広報こもろ — ⑧⑨ 広報".to_string(),
    ];
    let read = vec![
        "/totals — 今年度の累計（前年同期・目標と比較）。/totals fiscal_year:R7 initiative:1 のように年度や取り組みで絞れます".to_string(),
        "/summary month month:2026-10 — 月次まとめ（その月・年度累計・前年同期・目標、連携がまだない地区と区、グラフ）".to_string(),
        "/summary year fiscal_year:2025 — 年次報告（報告書と同じ表、その年度と前の2年度）".to_string(),
    ];
    let records = vec![
        "/records mine — 自分の最近の記録と番号".to_string(),
        "/records edit id:12 field:district value:三和 — 記録の項目を1つ直す（他の人の記録は管理者だけ）".to_string(),
        format!("/records edit id:12 field:{place} value:{area_name}/{district} — 地区連携の地区と区を一緒に直す（/ ／ ・ 空白のどれで区切っても同じ。区だけ直すと、地区もその区の地区に移ります）"),
        format!("/records edit id:12 field:note value:{clear} — 必須でない項目（メモ・内容など）を空にする（value:{dash} でも同じ）"),
        "/記録 修正 番号:12 項目:メモ 値:\"電話で受付\" — 項目名は日本語でも使えます（項目:メモ は field:note と同じ）".to_string(),
        "/records delete id:12 — 記録を削除（履歴は残ります）".to_string(),
        "/records undo id:12 — 自分の報告を取り消す（15分以内。報告の下のボタンと同じ）".to_string(),
        "/records export from:R8.4.1 to:今日 format:xlsx — 期間のすべての記録を Excel（または CSV）で".to_string(),
        "/records history group:\"こもろ子ども食堂\" — 団体の補助金の経過（古い順。course:チャレンジ でコースを絞れます）".to_string(),
    ];
    let admin = vec!["/admin status — データベース・ボットの稼働（Discord との接続・自動投稿）・基準データ・投稿とバックアップの状況と失敗（管理者だけ）".to_string()];
    let notes = vec![
        "日付は 2026-06-15、6/15、R8.6.15、令和8年6月15日、今日、昨日 のどれでも。省くと今日です".to_string(),
        "オプション名は日本語でも使えます（例: /報告 地区連携 地区:東部 区:荒町）".to_string(),
    ];
    Reply::done(
        Visibility::Ephemeral,
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
