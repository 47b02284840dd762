//! Tests of the catalogue: the shipped Komoro file, and every kind of mistake a city employee
//! could make while editing it, each reported with its line.

use super::*;

const KOMORO: &str = include_str!("../../../config/kyodo.toml");

fn komoro() -> Catalogue {
    match Catalogue::parse(KOMORO) {
        Ok(c) => c,
        Err(problems) => panic!("shipped config has problems: {problems:?}"),
    }
}

/// The shipped file with `from` replaced by `to`, which must occur exactly once.
fn edited(from: &str, to: &str) -> String {
    assert_eq!(KOMORO.matches(from).count(), 1, "{from:?} must occur once");
    KOMORO.replacen(from, to, 1)
}

fn line_of(text: &str, needle: &str) -> usize {
    let offset = text.find(needle).expect("needle in text");
    text[..offset].matches('\n').count() + 1
}

/// The problems found in `text`, as `line: message` strings.
fn problems(text: &str) -> Vec<String> {
    match Catalogue::parse(text) {
        Ok(_) => panic!("the edited config was accepted"),
        Err(problems) => problems.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn typed_districts_find_the_catalogues_spelling() {
    let c = komoro();
    assert_eq!(c.district_spelled("東部", "荒　町"), Some("荒町"));
    assert_eq!(c.district_spelled("東部", " 荒町 "), Some("荒町"));
    assert_eq!(c.district_spelled("北大井", "ひばりヶ 丘"), Some("ひばりヶ丘"));
    assert_eq!(c.district_spelled("北大井", "四ツ谷"), Some("四ツ谷"));
    // Another area's district keeps its spelling, for the refusal that says where it is.
    assert_eq!(c.district_spelled("東部", "小 原"), Some("小原"));
    assert_eq!(c.district_spelled("東部", "北町"), None);
}

#[test]
fn komoro_has_ten_areas_and_sixty_eight_districts() {
    let c = komoro();
    assert_eq!(c.city, "小諸市");
    assert_eq!(c.time_zone, Tz::Asia__Tokyo);
    assert_eq!(c.fiscal_year_start, FiscalYearStart::APRIL_FIRST);
    assert_eq!(c.areas.len(), 10);
    assert_eq!(c.areas.iter().map(|a| a.districts.len()).sum::<usize>(), 68);
    assert_eq!(c.area("川辺").map(|a| a.districts.len()), Some(10));
    assert!(c
        .area("東部")
        .is_some_and(|a| a.districts.contains(&"荒町".to_string())));
    assert_eq!(c.initiatives.len(), 5);
    assert_eq!(c.indicators.len(), 9);
    let titles: Vec<String> = c.indicators.iter().map(Indicator::title).collect();
    assert_eq!(titles[0], "①区長会活動");
    assert_eq!(titles[8], "⑨各主体の実践の見える化");
    assert_eq!(c.course("チャレンジ").map(|c| c.cap), Some(200_000));
    assert_eq!(c.course("ステップアップ").map(|c| c.cap), Some(150_000));
    let council = c.record_type_keyed("council").expect("council");
    assert_eq!(
        council
            .field(crate::domain::record::Column::Status)
            .map(|f| f.choices[0].name.as_str()),
        Some("実施")
    );
    let publicity = c.record_type_keyed("publicity").expect("publicity");
    assert_eq!(c.routed(publicity, "4コマ"), Some(8));
    assert_eq!(c.routed(publicity, "区紹介"), Some(9));
    assert_eq!(
        c.report_tables,
        vec![vec![1, 2], vec![3], vec![4], vec![5], vec![6, 7], vec![8, 9]]
    );
}

#[test]
fn a_district_listed_twice_is_reported_with_its_line() {
    let text = edited("\"相生\", \"本町\"", "\"相生\", \"相生\"");
    let line = line_of(&text, "\"相生\", \"相生\"");
    assert_eq!(
        problems(&text),
        vec![format!("{line}行目: 区「相生」が2回書かれています")]
    );
}

#[test]
fn a_district_in_two_areas_is_reported() {
    let text = edited("\"芝生田\", \"井子\"", "\"芝生田\", \"荒町\"");
    let line = line_of(&text, "\"芝生田\", \"荒町\"");
    assert_eq!(
        problems(&text),
        vec![format!("{line}行目: 区「荒町」が東部地区と西小諸地区の両方にあります")]
    );
}

#[test]
fn an_indicator_without_a_name_is_reported() {
    let text = edited("name = \"情報共有機会\"", "name = \"\"");
    let line = line_of(&text, "name = \"\"\nrecords = [\"info\"]");
    assert_eq!(problems(&text), vec![format!("{line}行目: 指標の名前が空です")]);
    let text = edited("name = \"情報共有機会\"\n", "");
    let found = problems(&text);
    assert_eq!(found.len(), 1);
    assert!(found[0].ends_with("必要な項目「name」がありません"), "{found:?}");
}

#[test]
fn a_cap_that_is_not_a_positive_integer_is_reported() {
    for bad in ["0", "-5", "\"20万円\"", "150000.5"] {
        let text = edited("cap = 150000", &format!("cap = {bad}"));
        let line = line_of(&text, "{ name = \"ステップアップ\"");
        let found = problems(&text);
        assert_eq!(found.len(), 1, "{bad}: {found:?}");
        assert!(
            found[0].starts_with(&format!(
                "{line}行目: ステップアップコースの上限（cap）は正の整数（円）で書いてください"
            )),
            "{bad}: {found:?}"
        );
    }
}

#[test]
fn a_subsidy_group_that_may_be_left_out_is_reported() {
    let text = edited(
        "{ column = \"group\", name = \"団体\", type = \"name\", required = true,",
        "{ column = \"group\", name = \"団体\", type = \"name\", required = false,",
    );
    let line = line_of(&text, "fields = [\n  # cap: 上限額");
    let found = problems(&text);
    // (Discord also wants it after the required fields: the other problem.)
    assert!(
        found.contains(&format!(
            "{line}行目: rule = \"subsidy\" の「補助金の団体」（列 group）は required = true にしてください（この種類は団体ごとに数えます）"
        )),
        "{found:?}"
    );
}

#[test]
fn the_subsidy_lifecycle_has_five_distinct_states() {
    let c = komoro();
    assert_eq!(
        c.subsidy.statuses().map(String::as_str),
        ["申請", "交付決定", "不採択", "辞退", "実績報告"]
    );
    // A config without one of the states names what is missing.
    let text = edited("      { name = \"不採択\", stage = \"rejected\" },\n", "");
    let found = problems(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("補助金の状態には stage = \"rejected\" の状態がちょうど1つ要ります（0つあります）"),
        "{found:?}"
    );
    // Two states in one stage cannot be told apart.
    let text = edited(
        "{ name = \"実績報告\", stage = \"reported\" }",
        "{ name = \"実績報告\", stage = \"granted\" }",
    );
    let found = problems(&text);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0]
            .ends_with("補助金の状態 applied・granted・rejected・declined・reported はそれぞれ別の名前にしてください"),
        "{found:?}"
    );
}

#[test]
fn an_unknown_key_is_reported_with_its_line() {
    let text = edited(
        "unit = \"件\"\n\n[[indicators]]\nnumber = 4",
        "unit = \"件\"\ncolour = \"red\"\n\n[[indicators]]\nnumber = 4",
    );
    let line = line_of(&text, "colour");
    let found = problems(&text);
    assert_eq!(found.len(), 1);
    assert!(
        found[0].starts_with(&format!("{line}行目: 知らない項目「colour」があります")),
        "{found:?}"
    );
}

#[test]
fn a_time_zone_other_than_tokyos_is_refused_by_name() {
    // Built in are Asia/Tokyo and what links to it (.cargo/config.toml): a real zone of
    // another country is refused as a misspelt one is.
    for zone in ["America/New_York", "Europe/London"] {
        let found = problems(&edited(
            "time_zone = \"Asia/Tokyo\"",
            &format!("time_zone = \"{zone}\""),
        ));
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with(&format!(
                "9行目: time_zone「{zone}」は使えません。市の日付は Asia/Tokyo で数えます"
            )),
            "{found:?}"
        );
    }
    let japan = Catalogue::parse(&edited("time_zone = \"Asia/Tokyo\"", "time_zone = \"Japan\"")).map(|c| c.time_zone);
    assert_eq!(japan.ok(), Some(chrono_tz::Tz::Japan));
}

#[test]
fn several_problems_are_all_reported() {
    let text = edited("time_zone = \"Asia/Tokyo\"", "time_zone = \"Asia/Komoro\"");
    let text = text.replacen("fiscal_year_start = \"04-01\"", "fiscal_year_start = \"02-30\"", 1);
    let text = text.replacen(
        "tables = [[1, 2], [3], [4], [5], [6, 7], [8, 9]]",
        "tables = [[1, 2], [3], [4], [5], [6, 7], [8]]",
        1,
    );
    let found = problems(&text);
    assert_eq!(found.len(), 4, "{found:?}");
    assert!(
        found[0].starts_with("9行目: time_zone「Asia/Komoro」は使えません"),
        "{found:?}"
    );
    assert!(found[1].starts_with("11行目: fiscal_year_start「02-30」"));
    assert!(
        found[2].contains("この表は見出し（columns）が1列、中身が2列です"),
        "publicity fills two cells"
    );
    assert!(found[3].contains("指標⑨が report.tables のどの表にもありません"));
}

#[test]
fn table_columns_must_match_what_the_records_fill() {
    let text = edited("columns = [\"相談数\", \"マッチング数\"]", "columns = [\"相談数\"]");
    let found = problems(&text);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].contains("この表は見出し（columns）が1列、中身が2列です"),
        "{found:?}"
    );
}

#[test]
fn unknown_record_types_and_targets_are_reported() {
    let text = edited("records = [\"collab\"]", "records = [\"collaboration\"]");
    assert!(problems(&text)[0].contains("記録の種類「collaboration」はありません"));
    let text = edited(
        "records = [\"info\"]",
        "records = [\"info\"]\ntargets = { meeting = 3 }",
    );
    assert!(problems(&text)[0].contains("指標⑦の目標「meeting」は、この指標の records にありません"));
    let c = Catalogue::parse(&edited(
        "records = [\"info\"]",
        "records = [\"info\"]\ntargets = { info = 3 }",
    ))
    .expect("a valid target");
    assert_eq!(
        c.indicator(7).map(|i| i.targets.get(&RecordType::of("info")).copied()),
        Some(Some(3))
    );
}

#[test]
fn circled_numbers() {
    assert_eq!(circled(1), "①");
    assert_eq!(circled(9), "⑨");
    assert_eq!(circled(20), "⑳");
    assert_eq!(circled(21), "(21)");
}

#[test]
fn names_that_differ_only_by_invisible_or_width_variant_characters_are_refused() {
    // A zero-width space inside a district, next to the real one (TOML's \u escape).
    let text = edited("\"相生\", \"本町\"", "\"相生\", \"相\\u200B生\"");
    let line = line_of(&text, "\"相\\u200B生\"");
    assert_eq!(
        problems(&text),
        vec![format!(
            "{line}行目: 区「相<U+200B>生」は区「相生」と見分けがつきません（違いは見えない文字か全角・半角だけです）。同じものなら1つにし、別のものなら違う名前にしてください"
        )]
    );
    // The same look-alike in another area.
    let text = edited("\"芝生田\", \"井子\"", "\"芝生田\", \"\\uFEFF相生\"");
    let line = line_of(&text, "\"\\uFEFF相生\"");
    assert_eq!(
        problems(&text),
        vec![format!(
            "{line}行目: 区「<U+FEFF>相生」は中部地区の区「相生」と見分けがつきません（違いは見えない文字か全角・半角だけです）。同じものなら1つにし、別のものなら違う名前にしてください"
        )]
    );
    // Full-width and half-width forms (NFKC): media and publicity kinds.
    let text = edited(
        "\"広報こもろ\", \"ホームページ\", \"SNS\"",
        "\"広報こもろ\", \"ホームページ\", \"SNS\", \"ＳＮＳ\"",
    );
    assert_eq!(
        problems(&text),
        vec![format!(
            "{}行目: 広報の媒体「ＳＮＳ」は広報の媒体「SNS」と見分けがつきません（違いは見えない文字か全角・半角だけです）。同じものなら1つにし、別のものなら違う名前にしてください",
            line_of(&text, "\"ＳＮＳ\"")
        )]
    );
    let text = edited(
        "  { name = \"4コマ\", indicator = 8, report = \"4コマによる普及\" },",
        "  { name = \"4コマ\", indicator = 8, report = \"4コマによる普及\" },\n  { name = \"４ｺﾏ\", indicator = 8 },",
    );
    assert_eq!(
        problems(&text),
        vec![format!(
            "{}行目: 広報の種類「４ｺﾏ」は広報の種類「4コマ」と見分けがつきません（違いは見えない文字か全角・半角だけです）。同じものなら1つにし、別のものなら違う名前にしてください",
            line_of(&text, "\"４ｺﾏ\"")
        )]
    );
}

#[test]
fn names_are_stored_in_nfc_and_control_characters_are_refused_with_their_line() {
    // が written as か + U+3099 is the same district as the NFC name users type.
    let text = edited("\"相生\", \"本町\"", "\"相生\", \"本町\", \"か\\u3099く\"");
    let c = Catalogue::parse(&text).expect("accepted");
    assert!(c
        .area("中部")
        .is_some_and(|a| a.districts.contains(&"がく".to_string())));
    let text = edited("\"相生\", \"本町\"", "\"相生\", \"本\\u0000町\"");
    let line = line_of(&text, "\"本\\u0000町\"");
    assert_eq!(
        problems(&text),
        vec![format!(
            "{line}行目: 区「本<U+0000>町」: 2文字目に制御文字（U+0000）があります。使えません。その文字を消して入力し直してください"
        )]
    );
}

#[test]
fn the_daily_backup_is_read_from_its_table_and_absent_without_it() {
    let c = komoro();
    let plan = c.backup.expect("[backup] in the shipped file");
    assert_eq!(plan.folder, std::path::PathBuf::from("backup"));
    assert_eq!(plan.time, chrono::NaiveTime::from_hms_opt(3, 0, 0).expect("time"));
    assert_eq!(plan.keep, 14);
    let start = KOMORO.find("[backup]").expect("table");
    let end = start + KOMORO[start..].find("keep = 14\n").expect("keep") + "keep = 14\n".len();
    let without = format!("{}{}", &KOMORO[..start], &KOMORO[end..]);
    let c = Catalogue::parse(&without).expect("valid without [backup]");
    assert_eq!(c.backup, None, "no table, no daily backups");
    // Only the table: every key has its default.
    let bare = format!("{}[backup]\n{}", &KOMORO[..start], &KOMORO[end..]);
    assert_eq!(
        Catalogue::parse(&bare).expect("bare").backup,
        Some(BackupPlan::default())
    );
}

#[test]
fn backup_mistakes_are_reported_with_their_lines() {
    for (from, to, message) in [
        (
            "time = \"03:00\"",
            "time = \"3時\"",
            "[backup] time は \"03:00\" のように時:分で書いてください",
        ),
        (
            "keep = 14",
            "keep = 0",
            "[backup] keep（残すバックアップの数）は 1〜3650 の整数で書いてください（0）",
        ),
        ("folder = \"backup\"", "folder = \" \"", "[backup] folder が空です"),
    ] {
        let text = edited(from, to);
        let found = problems(&text);
        let line = line_of(&text, to);
        assert!(
            found.iter().any(|p| p.starts_with(&format!("{line}行目: {message}"))),
            "{found:?}"
        );
    }
    assert!(problems(&edited("keep = 14", "keep = 14\nevery = 2"))
        .iter()
        .any(|p| p.contains("every")));
}

#[test]
fn the_backup_folder_is_beside_the_database_unless_absolute() {
    use std::path::Path;
    let plan = BackupPlan::default();
    assert_eq!(
        backup_folder(Some(&plan), Path::new("data/kyodo.sqlite3")),
        Path::new("data/backup")
    );
    assert_eq!(
        backup_folder(None, Path::new("/data/kyodo.sqlite3")),
        Path::new("/data/backup")
    );
    assert_eq!(backup_folder(None, Path::new("kyodo.sqlite3")), Path::new("backup"));
    let elsewhere = BackupPlan {
        folder: "/mnt/nas/kyodo".into(),
        ..plan
    };
    assert_eq!(
        backup_folder(Some(&elsewhere), Path::new("/data/kyodo.sqlite3")),
        Path::new("/mnt/nas/kyodo")
    );
}

#[test]
fn the_reminder_is_read_from_the_schedule_and_monthly_types_from_their_descriptions() {
    let c = komoro();
    assert_eq!(c.schedule.remind_day, 25);
    assert_eq!(
        c.schedule.remind_time,
        chrono::NaiveTime::from_hms_opt(9, 0, 0).expect("time")
    );
    assert_eq!(c.schedule.stale_months, 6);
    assert_eq!(c.schedule, Schedule::default(), "the shipped times are the defaults");
    let monthly: Vec<&str> = c.record_types.iter().filter(|t| t.monthly).map(|t| t.key()).collect();
    assert_eq!(monthly, ["consultation", "match"]);
    assert!(c.areas.iter().all(|a| a.liaison.is_none()), "no one's id is shipped");
    // An area's liaison, as a string like every Discord id.
    let text = edited(
        "name = \"東部\"\n",
        "name = \"東部\"\nliaison = \"123456789012345678\"\n",
    );
    let c = Catalogue::parse(&text).expect("valid");
    assert_eq!(c.area("東部").and_then(|a| a.liaison), Some(123_456_789_012_345_678));
}

#[test]
fn reminder_and_liaison_mistakes_are_reported_with_their_lines() {
    for (from, to, message) in [
        (
            "remind_day = 25",
            "remind_day = 31",
            "[schedule] remind_day は 1〜28 の整数で書いてください",
        ),
        (
            "remind_time = \"09:00\"",
            "remind_time = \"9時\"",
            "[schedule] remind_time は \"09:00\" のように時:分で書いてください",
        ),
        (
            "stale_months = 6",
            "stale_months = 0",
            "[schedule] stale_months は 1〜120 の整数で書いてください",
        ),
        (
            "name = \"東部\"\n",
            "name = \"東部\"\nliaison = 123456789012345678\n",
            "東部地区の liaison（担当職員） は Discord の ID を \"123456789012345678\" のように文字列で書いてください",
        ),
        (
            "name = \"川辺\"\n",
            "name = \"川辺\"\nliaison = \"@tanaka\"\n",
            "川辺地区の liaison（担当職員） は Discord の ID を",
        ),
        (
            "monthly = true\nfields = [\n  { column = \"count\", name = \"件数\", type = \"count\", required = true, description_en = \"How many\" },\n  { column = \"side\"",
            "monthly = \"毎月\"\nfields = [\n  { column = \"count\", name = \"件数\", type = \"count\", required = true, description_en = \"How many\" },\n  { column = \"side\"",
            "相談の monthly（毎月報告する種類か）は true か false で書いてください",
        ),
    ] {
        let text = edited(from, to);
        let found = problems(&text);
        let needle = to.lines().last().filter(|l| l.contains("liaison")).unwrap_or(to);
        let line = line_of(&text, needle.lines().next().unwrap_or(needle));
        assert!(
            found.iter().any(|p| p.starts_with(&format!("{line}行目: {message}"))),
            "{to}: {found:?}"
        );
    }
}

#[test]
fn the_dashboards_place_is_read_from_web_and_checked_with_its_line() {
    assert_eq!(
        komoro().web,
        WebPlace::default(),
        "the shipped file has it commented out"
    );
    let text = format!(
        "{KOMORO}\n[web]\naddr = \"0.0.0.0:8080\"\npublic_url = \"https://kyodo.example.lg.jp/\"\ntrusted_proxy = true\n"
    );
    let web = Catalogue::parse(&text).expect("valid").web;
    assert_eq!(web.addr, "0.0.0.0:8080".parse().ok());
    assert_eq!(web.public_url.as_deref(), Some("https://kyodo.example.lg.jp"));
    assert!(web.trusted_proxy);
    let bad = format!("{KOMORO}\n[web]\naddr = \"localhost\"\npublic_url = \"kyodo.example.lg.jp\"\n");
    let found = problems(&bad);
    let (addr, url) = (
        line_of(&bad, "addr = \"localhost\""),
        line_of(&bad, "public_url = \"kyodo"),
    );
    assert!(
        found
            .iter()
            .any(|p| p.starts_with(&format!("{addr}行目: [web] addr は"))),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|p| p.starts_with(&format!("{url}行目: [web] public_url は"))),
        "{found:?}"
    );
}
