//! Discord's documented limits on application commands, checked on the payload that
//! `kyodo commands --json` prints (the same one registered on READY).

use super::invocation as spec_invocation;
use super::*;
use serde_json::Value;
use std::collections::HashSet;

/// Discord's locales (https://discord.com/developers/docs/reference#locales).
const LOCALES: [&str; 34] = [
    "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl", "no", "pl", "pt-BR",
    "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th", "zh-CN", "ja", "zh-TW", "ko", "he",
    "ar",
];

fn komoro_payload() -> Value {
    let catalogue = Catalogue::parse(include_str!("../../../config/kyodo.toml")).expect("config");
    payload(&command_set(&catalogue))
}

fn chars(v: &Value, key: &str) -> usize {
    v.get(key).and_then(Value::as_str).map_or(0, |s| s.chars().count())
}

fn check_name(name: &str, at: &str, problems: &mut Vec<String>) {
    let n = name.chars().count();
    let allowed = name.chars().all(|c| c.is_alphanumeric() || "-_'".contains(c));
    if !(1..=32).contains(&n) || !allowed || name.to_lowercase() != name {
        problems.push(format!(
            "{at}: name {name:?} breaks 1–32 chars of ^[-_'\\p{{L}}\\p{{N}}]$ lowercase"
        ));
    }
}

fn check_localizations(v: &Value, key: &str, max: usize, at: &str, problems: &mut Vec<String>, names: bool) -> usize {
    let mut total = 0;
    if let Some(map) = v.get(key).and_then(Value::as_object) {
        for (locale, text) in map {
            if !LOCALES.contains(&locale.as_str()) {
                problems.push(format!("{at}: locale {locale:?} is not one of Discord's"));
            }
            let text = text.as_str().unwrap_or_default();
            let n = text.chars().count();
            total += n;
            if names {
                check_name(text, &format!("{at} [{locale}]"), problems);
            } else if !(1..=max).contains(&n) {
                problems.push(format!("{at} [{locale}]: {key} is {n} characters (1–{max})"));
            }
        }
    }
    total
}

/// Checks one option or subcommand; returns the characters it adds to the command's total.
fn check_option(o: &Value, at: &str, problems: &mut Vec<String>) -> usize {
    let name = o["name"].as_str().unwrap_or_default();
    let at = format!("{at} {name}");
    check_name(name, &at, problems);
    let description = chars(o, "description");
    if !(1..=100).contains(&description) {
        problems.push(format!("{at}: description is {description} characters (1–100)"));
    }
    let mut total = name.chars().count() + description;
    total += check_localizations(o, "name_localizations", 32, &at, problems, true);
    total += check_localizations(o, "description_localizations", 100, &at, problems, false);
    let choices = o
        .get("choices")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    if choices.len() > 25 {
        problems.push(format!("{at}: {} choices (at most 25)", choices.len()));
    }
    if !choices.is_empty() && o.get("autocomplete") == Some(&Value::Bool(true)) {
        problems.push(format!("{at}: autocomplete together with choices"));
    }
    let mut seen = HashSet::new();
    for choice in choices {
        let n = chars(choice, "name");
        total += n;
        if !(1..=100).contains(&n) {
            problems.push(format!("{at}: choice name of {n} characters (1–100)"));
        }
        if let Some(value) = choice["value"].as_str() {
            total += value.chars().count();
            if value.chars().count() > 100 {
                problems.push(format!("{at}: choice value over 100 characters"));
            }
        }
        if !seen.insert(choice["name"].to_string()) {
            problems.push(format!("{at}: choice {} twice", choice["name"]));
        }
    }
    total + check_options(o, &at, problems)
}

/// Checks the options under `v`: count, unique names (canonical and Japanese), required first.
fn check_options(v: &Value, at: &str, problems: &mut Vec<String>) -> usize {
    let options = v
        .get("options")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    if options.len() > 25 {
        problems.push(format!("{at}: {} options (at most 25)", options.len()));
    }
    let mut names = HashSet::new();
    let mut localized = HashSet::new();
    let mut optional_seen = false;
    let mut total = 0;
    for o in options {
        if !names.insert(o["name"].to_string()) {
            problems.push(format!("{at}: two options named {}", o["name"]));
        }
        if !localized.insert(o["name_localizations"][LOCALE].to_string()) {
            problems.push(format!(
                "{at}: two options localised {}",
                o["name_localizations"][LOCALE]
            ));
        }
        match o.get("required").and_then(Value::as_bool) {
            Some(true) if optional_seen => {
                problems.push(format!("{at}: required {} after an optional option", o["name"]))
            }
            Some(true) => {}
            _ if o["type"] != 1 => optional_seen = true,
            _ => {}
        }
        total += check_option(o, at, problems);
    }
    total
}

#[test]
fn the_payload_keeps_discords_limits() {
    let payload = komoro_payload();
    let commands = payload.as_array().expect("an array of commands");
    let mut problems = Vec::new();
    let mut names = HashSet::new();
    for command in commands {
        let name = command["name"].as_str().unwrap_or_default();
        assert!(names.insert(name.to_string()), "two commands named {name}");
        assert_eq!(command["type"], 1, "{name} is a chat-input command");
        check_name(name, name, &mut problems);
        let description = chars(command, "description");
        if !(1..=100).contains(&description) {
            problems.push(format!("{name}: description is {description} characters"));
        }
        let mut total = name.chars().count() + description;
        total += check_localizations(command, "name_localizations", 32, name, &mut problems, true);
        total += check_localizations(command, "description_localizations", 100, name, &mut problems, false);
        total += check_options(command, name, &mut problems);
        assert!(total <= 8000, "{name} has {total} characters in all (at most 8,000)");
    }
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(
        names,
        HashSet::from(
            [
                "report",
                "totals",
                "summary",
                "records",
                "remind",
                "admin",
                "dashboard",
                "help"
            ]
            .map(String::from)
        )
    );
}

#[test]
fn the_checks_catch_broken_payloads() {
    let mut problems = Vec::new();
    let broken = serde_json::json!({
        "options": [
            { "type": 3, "name": "Area", "description": "", "required": false,
              "name_localizations": { "ja": "地区", "jp": "地区" },
              "choices": [{ "name": "東部", "value": "東部" }], "autocomplete": true },
            { "type": 3, "name": "district", "description": "x", "required": true,
              "name_localizations": { "ja": "地区" } },
        ]
    });
    check_options(&broken, "t", &mut problems);
    let text = problems.join("\n");
    for expected in [
        "name \"Area\"",
        "description is 0",
        "locale \"jp\"",
        "autocomplete together",
        "required \"district\" after",
        "two options localised",
    ] {
        assert!(text.contains(expected), "{expected} not caught in:\n{text}");
    }
}

#[test]
fn every_report_kind_is_a_subcommand_with_japanese_names() {
    let payload = komoro_payload();
    let report = payload
        .as_array()
        .and_then(|a| a.iter().find(|c| c["name"] == "report"))
        .expect("/report");
    let subs: Vec<(&str, &str)> = report["options"]
        .as_array()
        .expect("subcommands")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or_default(),
                s["name_localizations"]["ja"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        subs,
        [
            ("meeting", "地区連携"),
            ("council", "区長会"),
            ("consultation", "相談"),
            ("match", "マッチング"),
            ("subsidy", "補助金"),
            ("participation", "市民参加"),
            ("collab", "連携機会"),
            ("info", "情報共有"),
            ("publicity", "広報")
        ]
    );
    let meeting = &report["options"][0]["options"];
    assert_eq!(
        meeting[0]["choices"].as_array().map(Vec::len),
        Some(10),
        "10 areas as choices"
    );
    assert_eq!(meeting[1]["autocomplete"], true, "districts autocomplete");
    // The subsidy's status before its amount, which is optional (required for a grant only).
    let subsidy = &report["options"][4]["options"];
    assert_eq!(subsidy[2]["choices"][1]["value"], "交付決定");
    assert_eq!(subsidy[2]["choices"].as_array().map(Vec::len), Some(5));
    assert_eq!(
        (&subsidy[3]["name"], &subsidy[3]["required"]),
        (&json!("amount"), &json!(false))
    );
}

#[test]
fn the_edit_fields_come_from_reports_options_with_their_japanese_names() {
    let catalogue = Catalogue::parse(include_str!("../../../config/kyodo.toml")).expect("config");
    let commands = command_set(&catalogue);
    let find = |command: &str, sub: &str| -> OptionSpec {
        commands
            .iter()
            .find(|c| c.name == command)
            .and_then(|c| c.options.iter().find(|o| o.name == sub))
            .cloned()
            .expect("subcommand")
    };
    let edit = find("records", "edit");
    let field = edit.options.iter().find(|o| o.name == "field").expect("field");
    let choices: Vec<(&str, String)> = field
        .choices
        .iter()
        .map(|c| match &c.value {
            ChoiceValue::String(v) => (c.name.as_str(), v.clone()),
            ChoiceValue::Integer(v) => (c.name.as_str(), v.to_string()),
        })
        .collect();
    assert_eq!(
        choices[..3],
        [
            ("場所（place）", "place".into()),
            ("地区（area）", "area".into()),
            ("区（district）", "district".into())
        ]
    );
    assert!(choices.contains(&("メモ（note）", "note".into())), "{choices:?}");
    // One name for one thing: 名称 for every type's title; its former name 題名 still accepted.
    let title = field
        .choices
        .iter()
        .find(|c| c.value == ChoiceValue::String("title".into()));
    assert_eq!(
        title.map(|c| (c.name.as_str(), c.also.clone())),
        Some(("名称（title）", vec!["名称".to_string(), "題名".into()]))
    );
    // Every option of every /report kind is a choice once, and `label` names it.
    let report = commands.iter().find(|c| c.name == "report").expect("/report");
    for option in report.options.iter().flat_map(|sub| &sub.options) {
        let choice = field
            .choices
            .iter()
            .find(|c| c.value == ChoiceValue::String(option.name.to_string()))
            .unwrap_or_else(|| panic!("{} is not a field to edit", option.name));
        assert!(
            choice.also.contains(&option.name_ja),
            "{}: {:?}",
            option.name,
            choice.also
        );
        assert!(
            option_label(&catalogue, &option.name).ends_with(&format!("（{}）", option.name)),
            "{}",
            option.name
        );
    }
    assert_eq!(field.choices.len(), 18);
    // The value's help shows how to clear a field and how to write a place.
    let value = edit.options.iter().find(|o| o.name == "value").expect("value");
    assert_eq!(
        value.description_ja,
        "新しい値（なし か - で空に。場所は 東南部/小原 のように地区/区）"
    );
}

#[test]
fn every_command_that_runs_has_one_action_and_says_how_it_is_answered() {
    let catalogue = Catalogue::parse(include_str!("../../../config/kyodo.toml")).expect("config");
    let commands = command_set(&catalogue);
    // (command, subcommand) → (defers, private), by canonical names.
    let mut answered = Vec::new();
    let mut runs = Vec::new();
    for c in &commands {
        let subs: Vec<&OptionSpec> = c.subcommands().collect();
        assert_eq!(
            c.action.is_some(),
            subs.is_empty(),
            "/{}: an action or subcommands",
            c.name
        );
        if let Some(a) = c.action {
            answered.push((c.name.to_string(), a.defers, a.private));
            runs.push((a.command, Invocation::new(c.name, None)));
        }
        for sub in subs {
            let a = sub
                .action
                .unwrap_or_else(|| panic!("/{} {} runs nothing", c.name, sub.name));
            answered.push((format!("{} {}", c.name, sub.name), a.defers, a.private));
            runs.push((a.command, Invocation::new(c.name, Some(&sub.name))));
        }
        for o in c.options.iter().chain(c.subcommands().flat_map(|s| &s.options)) {
            assert!(o.kind == OptionKind::SubCommand || o.action.is_none(), "{}", o.name);
        }
    }
    let answered: Vec<(&str, bool, bool)> = answered.iter().map(|(n, d, p)| (n.as_str(), *d, *p)).collect();
    let reports = answered.iter().filter(|(n, ..)| n.starts_with("report ")).count();
    assert_eq!(reports, catalogue.record_types.len());
    assert!(
        answered
            .iter()
            .all(|&(n, d, p)| !n.starts_with("report ") || (!d && !p)),
        "reports are public, not deferred"
    );
    assert_eq!(
        answered[reports..],
        [
            ("totals", false, false),
            ("summary month", true, false),
            ("summary year", true, false),
            ("records mine", false, true),
            ("records list", false, true),
            ("records edit", false, true),
            ("records delete", false, true),
            ("records export", true, true),
            ("records history", false, true),
            ("records duplicates", false, true),
            ("records undo", false, true),
            ("remind off", false, true),
            ("remind on", false, true),
            ("admin status", false, true),
            ("dashboard", false, true),
            ("help", false, true),
        ]
    );
    // Each command is run by one name, and the names find it again.
    for (i, (command, invocation)) in runs.iter().enumerate() {
        assert!(runs[..i].iter().all(|(c, _)| c != command), "{command:?} twice");
        assert_eq!(action_of(&commands, invocation).map(|a| a.command), Some(*command));
        assert_eq!(spec_invocation(&commands, *command).as_ref(), Some(invocation));
    }
    // A report's record type is its description's, found by the subcommand's key.
    for t in &catalogue.record_types {
        let report = Command::Report {
            record_type: t.record_type,
        };
        assert_eq!(
            spec_invocation(&commands, report),
            Some(Invocation::new("report", Some(t.key())))
        );
        let names: Vec<&str> = options(&commands, report).iter().map(|o| o.name.as_str()).collect();
        let fields: Vec<&str> = t.fields.iter().map(|f| f.slot.key()).collect();
        assert_eq!(names, fields, "{}", t.key());
    }
    // Japanese names find the same; names the spec does not have find nothing.
    let by_japanese = Invocation::new("記録", Some("書き出し"));
    assert_eq!(
        action_of(&commands, &by_japanese).map(|a| (a.command, a.defers, a.private)),
        Some((Command::RecordsExport, true, true))
    );
    for unknown in [
        Invocation::new("report", None),
        Invocation::new("report", Some("party")),
        Invocation::new("help", Some("meeting")),
        Invocation::new("drop", None),
    ] {
        assert_eq!(action_of(&commands, &unknown), None, "{unknown:?}");
    }
}
