//! An invocation: the command, subcommand and options a user gave, by canonical name, as the
//! adapters parse them (the console from a typed line, Discord from interaction data).
//!
//! `check` holds an invocation against the command spec exactly as Discord's client would —
//! known command, subcommand and options, each given once, choices, integer ranges, lengths,
//! required options — with every text through the normaliser (`domain::text`). The console's
//! parser checks each value with `check_value`; the core checks every request with `check`
//! again, so a crafted Discord request is refused like a mistyped console line. What the
//! checked invocation runs comes with it, from the spec (`Checked::action`).

use super::spec::{command_called, label, Action, ChoiceValue, CommandSpec, OptionKind, OptionSpec};
use crate::domain::text::{self, excerpt, Rules};
use crate::domain::validate::{out_of_range, UserError};

/// How many characters of a refused value a refusal quotes.
const QUOTED: usize = 40;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionValue {
    String(String),
    Integer(i64),
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Invocation {
    /// `report`.
    pub command: String,
    /// `meeting`.
    pub subcommand: Option<String>,
    /// Options by canonical name, in the order given.
    pub options: Vec<(String, OptionValue)>,
    /// How the user writes commands: a reply's hints are written the same way.
    pub wording: Wording,
}

/// How the user writes commands, so that the commands a reply suggests are written as they
/// would type them (`spec::written`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Wording {
    /// `/records edit id:12 field:date`.
    #[default]
    Slash,
    /// `/記録 修正 番号:12 項目:日付`: typed with the Japanese names, or a Discord client in Japanese.
    Japanese,
    /// `kyodo export --format csv`: the command line (`kyodo export`).
    CommandLine,
}

impl Invocation {
    pub fn new(command: &str, subcommand: Option<&str>) -> Self {
        Invocation {
            command: command.to_string(),
            subcommand: subcommand.map(str::to_string),
            options: Vec::new(),
            wording: Wording::Slash,
        }
    }

    /// The same invocation, its hints written as `wording` says.
    pub fn worded(self, wording: Wording) -> Self {
        Invocation { wording, ..self }
    }

    /// Adds an option (for building invocations in code and tests).
    pub fn with(mut self, name: &str, value: OptionValue) -> Self {
        self.options.push((name.to_string(), value));
        self
    }

    fn value(&self, name: &str) -> Option<&OptionValue> {
        self.options.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// A text option, trimmed; `None` if absent or blank.
    pub fn text(&self, name: &str) -> Option<String> {
        match self.value(name)? {
            OptionValue::String(s) => Some(s.trim().to_string()).filter(|s| !s.is_empty()),
            OptionValue::Integer(n) => Some(n.to_string()),
        }
    }

    /// A required text option.
    pub fn required_text(&self, name: &str) -> Result<String, UserError> {
        self.text(name)
            .ok_or_else(|| UserError::field(label(name), "入力してください（必須）"))
    }

    /// A whole-number option; a text value is read with full-width digits and 円/件/, allowed.
    pub fn integer(&self, name: &str) -> Result<Option<i64>, UserError> {
        match self.value(name) {
            None => Ok(None),
            Some(OptionValue::Integer(n)) => Ok(Some(*n)),
            Some(OptionValue::String(s)) => parse_integer(s)
                .map(Some)
                .ok_or_else(|| UserError::field(label(name), not_an_integer(s, None))),
        }
    }

    /// A whole-number option named `label` in a refusal; a text value is read as `integer` reads it.
    pub fn integer_of(&self, name: &str, label: &str) -> Result<Option<i64>, UserError> {
        match self.value(name) {
            None => Ok(None),
            Some(OptionValue::Integer(n)) => Ok(Some(*n)),
            Some(OptionValue::String(s)) => parse_integer(s)
                .map(Some)
                .ok_or_else(|| UserError::field(label, not_an_integer(s, None))),
        }
    }

    pub fn required_integer(&self, name: &str) -> Result<i64, UserError> {
        self.integer(name)?
            .ok_or_else(|| UserError::field(label(name), "入力してください（必須）"))
    }
}

/// `もしかして /report？ `: the likeliest of `names` that `typed` misspells, as a refusal
/// suggests it (`shown` writes it: `/report`, `meeting`), or nothing.
pub(crate) fn maybe<'a>(
    typed: &str,
    names: impl IntoIterator<Item = &'a str>,
    shown: impl Fn(&str) -> String,
) -> String {
    text::likeliest(typed, names).map_or_else(String::new, |name| format!("もしかして {}？ ", shown(name)))
}

/// The canonical and Japanese names of options (or subcommands), for `maybe`.
pub(crate) fn names_of(options: &[OptionSpec]) -> impl Iterator<Item = &str> {
    options.iter().flat_map(|o| [o.name.as_str(), o.name_ja.as_str()])
}

/// `area（地区）、district（区）`: the names a refusal offers.
pub(crate) fn option_names(options: &[OptionSpec]) -> String {
    options
        .iter()
        .map(|o| format!("{}（{}）", o.name, o.name_ja))
        .collect::<Vec<_>>()
        .join("、")
}

/// An invocation held to the command spec, and what it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// By canonical names, its texts normalised, its choices and integers canonical.
    pub invocation: Invocation,
    /// The spec's action of its command or subcommand.
    pub action: Action,
}

/// `invocation` checked against `commands` as Discord checks a slash command, with its texts
/// normalised and its choices and integers in their canonical form; with what it runs.
pub fn check(commands: &[CommandSpec], invocation: &Invocation) -> Result<Checked, UserError> {
    let Some(command) = command_called(commands, &invocation.command) else {
        return Err(unknown_command(commands, &invocation.command));
    };
    let mut checked = Invocation::new(command.name, None).worded(invocation.wording);
    let mut options: &[OptionSpec] = &command.options;
    let mut path = format!("/{}", command.name);
    let mut action = command.action;
    let subs = command.subcommands().count();
    match (&invocation.subcommand, subs == 0) {
        (None, true) => {}
        (Some(given), true) => {
            return Err(UserError::new(format!(
                "{path} の後に「{}」は続けられません。{path} だけで使ってください",
                excerpt(given, QUOTED)
            )));
        }
        (None, false) => {
            return Err(UserError::new(format!(
                "{path} の後に、次のどれかを続けて書いてください: {}",
                option_names(options)
            )));
        }
        (Some(given), false) => {
            let Some(sub) = command.subcommand(given) else {
                return Err(unknown_subcommand(&path, given, options));
            };
            checked.subcommand = Some(sub.name.to_string());
            path = format!("{path} {}", sub.name);
            options = &sub.options;
            action = sub.action;
        }
    }
    let Some(action) = action else {
        // A spec without an action here is the spec's mistake, not the user's.
        return Err(UserError::new(format!(
            "{path} はまだ使えません。/help で使えるコマンドを確かめてください"
        )));
    };
    for (name, value) in &invocation.options {
        let Some(option) = options
            .iter()
            .find(|o| o.kind != OptionKind::SubCommand && o.is_called(name))
        else {
            return Err(unknown_option(&path, name, options));
        };
        if checked.options.iter().any(|(n, _)| *n == option.name) {
            return Err(UserError::field(option.label(), "2回指定されています"));
        }
        checked.options.push((option.name.clone(), check_value(option, value)?));
    }
    check_required(options, &checked.options)?;
    Ok(Checked {
        invocation: checked,
        action,
    })
}

/// 「/reprot」というコマンドはありません。もしかして /report？ …: a command name not in the set.
pub(crate) fn unknown_command(commands: &[CommandSpec], typed: &str) -> UserError {
    let names = commands.iter().flat_map(|c| [c.name, c.name_ja]);
    let known: Vec<String> = commands.iter().map(|c| format!("/{}", c.name)).collect();
    let typed = typed.trim_start_matches(['/', '／']);
    UserError::new(format!(
        "「/{}」というコマンドはありません。{}使えるもの: {}（/help で使い方）",
        excerpt(typed, QUOTED),
        maybe(typed, names, |n| format!("/{n}")),
        known.join("、")
    ))
}

/// `/report に「meetng」はありません。もしかして meeting？ …`: a subcommand not of `path`'s.
pub(crate) fn unknown_subcommand(path: &str, typed: &str, subcommands: &[OptionSpec]) -> UserError {
    UserError::new(format!(
        "{path} に「{}」はありません。{}使えるもの: {}",
        excerpt(typed, QUOTED),
        maybe(typed, names_of(subcommands), str::to_string),
        option_names(subcommands)
    ))
}

/// `/report meeting に「aera」というオプションはありません。もしかして area？ …`.
pub(crate) fn unknown_option(path: &str, typed: &str, options: &[OptionSpec]) -> UserError {
    UserError::new(format!(
        "{path} に「{}」というオプションはありません。{}使えるもの: {}",
        excerpt(typed, QUOTED),
        maybe(typed, names_of(options), |n| format!("{n}:")),
        option_names(options)
    ))
}

/// Refuses unless every required option of `options` is among `given`.
pub fn check_required(options: &[OptionSpec], given: &[(String, OptionValue)]) -> Result<(), UserError> {
    match options
        .iter()
        .find(|o| o.required && !given.iter().any(|(n, _)| *n == o.name))
    {
        Some(missing) => Err(UserError::field(missing.label(), "入力してください（必須）")),
        None => Ok(()),
    }
}

/// A value checked as Discord checks it — choices (by name, another name of theirs, or value), integer type and range,
/// text length — its text normalised first; the canonical value of a choice.
pub fn check_value(option: &OptionSpec, value: &OptionValue) -> Result<OptionValue, UserError> {
    let label = option.label();
    let text = match value {
        OptionValue::String(s) => {
            let rules = match option.kind {
                OptionKind::String if option.choices.is_empty() => option.text_rules(),
                // A choice or a number is compared, never stored as typed: no length of its own.
                _ => Rules::default(),
            };
            text::clean(&label, s, rules)?
        }
        OptionValue::Integer(n) => n.to_string(),
    };
    if !option.choices.is_empty() {
        let found = option.choices.iter().find(|c| {
            c.name == text
                || c.also.contains(&text)
                || match (&c.value, value) {
                    (ChoiceValue::String(v), _) => *v == text,
                    (ChoiceValue::Integer(v), OptionValue::Integer(n)) => v == n,
                    (ChoiceValue::Integer(v), OptionValue::String(_)) => parse_integer(&text) == Some(*v),
                }
        });
        return match found.map(|c| &c.value) {
            Some(ChoiceValue::String(v)) => Ok(OptionValue::String(v.clone())),
            Some(ChoiceValue::Integer(v)) => Ok(OptionValue::Integer(*v)),
            None => {
                let names: Vec<&str> = option.choices.iter().map(|c| c.name.as_str()).collect();
                Err(UserError::field(
                    label,
                    format!(
                        "「{}」は選べません。選べるもの: {}",
                        excerpt(&text, QUOTED),
                        names.join("、")
                    ),
                ))
            }
        };
    }
    match option.kind {
        OptionKind::Integer => {
            let n = match value {
                OptionValue::Integer(n) => *n,
                OptionValue::String(_) => {
                    parse_integer(&text).ok_or_else(|| UserError::field(&label, not_an_integer(&text, option.max)))?
                }
            };
            let (min, max) = (option.min.unwrap_or(i64::MIN), option.max.unwrap_or(i64::MAX));
            if n < min || n > max {
                return Err(UserError::field(label, out_of_range(option.min, option.max)));
            }
            Ok(OptionValue::Integer(n))
        }
        OptionKind::String => Ok(OptionValue::String(text)),
        OptionKind::SubCommand => Err(UserError::field(label, "種類の名前で、値は書けません")),
    }
}

/// Why `text` is not a whole number: too large to be one (digits only), or not a number at
/// all; `max` is the largest the option takes, if it has one.
fn not_an_integer(text: &str, max: Option<i64>) -> String {
    let shown = excerpt(text, QUOTED);
    let digits = text
        .trim()
        .trim_start_matches(['-', 'ー', '－', '−'])
        .trim_end_matches(['円', '件', '回']);
    let all_digits = !digits.is_empty()
        && digits
            .chars()
            .all(|c| c.is_ascii_digit() || ('０'..='９').contains(&c) || matches!(c, ',' | '，'));
    match (all_digits, max) {
        (true, Some(max)) => format!("「{shown}」は大きすぎます。{}", out_of_range(None, Some(max))),
        (true, None) => format!("「{shown}」は大きすぎて数として読めません。桁を確かめてください"),
        (false, _) => format!("「{shown}」は整数ではありません（例: 12）"),
    }
}

/// `12`, `１２`, `150,000`, `150000円`, `12件` → the number.
pub fn parse_integer(text: &str) -> Option<i64> {
    let digits: String = text
        .trim()
        .trim_end_matches(['円', '件', '回'])
        .chars()
        .filter(|c| !matches!(c, ',' | '，'))
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            'ー' | '－' | '−' => '-',
            _ => c,
        })
        .collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::spec::Command;

    #[test]
    fn integers_in_the_forms_staff_type() {
        for (text, n) in [
            ("12", 12),
            ("１２", 12),
            ("150,000", 150_000),
            ("150000円", 150_000),
            ("3件", 3),
            ("-1", -1),
        ] {
            assert_eq!(parse_integer(text), Some(n), "{text}");
        }
        for bad in ["", "十二", "1.5", "12 3", "abc"] {
            assert_eq!(parse_integer(bad), None, "{bad}");
        }
    }

    #[test]
    fn missing_and_blank_options_name_the_field() {
        let inv = Invocation::new("records", Some("export")).with("from", OptionValue::String("  ".into()));
        assert_eq!(inv.text("from"), None);
        assert_eq!(
            inv.required_text("to").map_err(|e| e.to_string()),
            Err("終了日（to）: 入力してください（必須）".into())
        );
        let inv = inv.with("id", OptionValue::String("たくさん".into()));
        assert_eq!(
            inv.integer("id").map_err(|e| e.to_string()),
            Err("番号（id）: 「たくさん」は整数ではありません（例: 12）".into())
        );
        // A record field is named by its description's label.
        assert_eq!(
            inv.integer_of("id", "件数（count）").map_err(|e| e.to_string()),
            Err("件数（count）: 「たくさん」は整数ではありません（例: 12）".into())
        );
    }

    fn checked(invocation: &Invocation) -> Result<Invocation, String> {
        let catalogue = crate::domain::Catalogue::parse(include_str!("../../config/kyodo.toml")).expect("config");
        check(&super::super::spec::command_set(&catalogue), invocation)
            .map(|checked| checked.invocation)
            .map_err(|e| e.to_string())
    }

    fn s(v: &str) -> OptionValue {
        OptionValue::String(v.into())
    }

    #[test]
    fn a_request_as_discord_sends_it_passes_with_its_texts_normalised() {
        let inv = Invocation::new("report", Some("meeting"))
            .with("area", s("東部"))
            .with("district", s("荒町"))
            .with("topic", s("か\u{3099}いぎ\n2行目"));
        let ok = checked(&inv).expect("accepted");
        assert_eq!(ok.text("topic").as_deref(), Some("がいぎ\n2行目"));
        let inv = Invocation::new("totals", None).with("initiative", OptionValue::Integer(2));
        assert_eq!(checked(&inv), Ok(inv));
        // A field to edit by its Japanese name, as the console takes it: its canonical value.
        let edit = |field: &str| {
            Invocation::new("records", Some("edit"))
                .with("id", OptionValue::Integer(3))
                .with("field", s(field))
                .with("value", s("x"))
        };
        assert_eq!(checked(&edit("メモ")), Ok(edit("note")));
    }

    #[test]
    fn a_checked_invocation_says_what_it_runs_by_the_spec() {
        let catalogue = crate::domain::Catalogue::parse(include_str!("../../config/kyodo.toml")).expect("config");
        let commands = super::super::spec::command_set(&catalogue);
        let action = |inv: Invocation| check(&commands, &inv).map(|c| (c.action.command, c.action.private));
        // A report's type is the catalogue's description with the subcommand's key.
        for t in &catalogue.record_types {
            let record_type = t.record_type;
            let options = super::super::spec::options(&commands, Command::Report { record_type });
            // Each required option with its first choice, its least number, or a word.
            let inv = options
                .iter()
                .filter(|o| o.required)
                .fold(Invocation::new("報告", Some(&t.name)), |inv, o| {
                    let value = match (o.choices.first(), o.min) {
                        (Some(c), _) => s(&c.name),
                        (None, Some(min)) => OptionValue::Integer(min),
                        (None, None) => s("x"),
                    };
                    inv.with(&o.name, value)
                });
            assert_eq!(action(inv), Ok((Command::Report { record_type }, false)), "{}", t.key());
        }
        assert_eq!(action(Invocation::new("help", None)), Ok((Command::Help, true)));
        assert_eq!(
            action(Invocation::new("records", Some("undo")).with("id", OptionValue::Integer(3))),
            Ok((Command::RecordsUndo, true))
        );
        assert_eq!(
            action(Invocation::new("まとめ", Some("年次"))),
            Ok((Command::SummaryYear, false))
        );
    }

    #[test]
    fn a_crafted_request_is_refused_as_the_console_refuses_a_line() {
        let check = |inv: Invocation, expected: &str| assert_eq!(checked(&inv), Err(expected.to_string()));
        let meeting = || Invocation::new("report", Some("meeting")).with("area", s("東部"));
        check(
            meeting()
                .with("district", s("荒町"))
                .with("topic", s(&"あ".repeat(201))),
            "内容（topic）: 200文字までです（201文字あります）。短くしてください",
        );
        check(
            meeting().with("district", s(&"荒".repeat(41))),
            "区（district）: 40文字までです（41文字あります）。短くしてください",
        );
        check(
            meeting().with("district", s("荒\u{0}町")),
            "区（district）: 2文字目に制御文字（U+0000）があります。使えません。その文字を消して入力し直してください",
        );
        check(meeting(), "区（district）: 入力してください（必須）");
        check(
            meeting().with("district", s("荒町")).with("district", s("三和")),
            "区（district）: 2回指定されています",
        );
        check(
            meeting().with("district", s("荒町")).with(&"x".repeat(100), s("1")),
            &format!(
                "/report meeting に「{}…」というオプションはありません。使えるもの: area（地区）、district（区）、date（日付）、topic（内容）",
                "x".repeat(40)
            ),
        );
        check(
            Invocation::new("report", Some("match")).with("count", OptionValue::Integer(10_001)),
            "件数（count）: 1以上10,000以下で入力してください",
        );
        check(
            Invocation::new("totals", None).with("initiative", OptionValue::Integer(9)),
            "取り組み（initiative）: 「9」は選べません。選べるもの: 1. 区の活動の推進、2. 市民活動の推進、3. 市民参加の推進、4. 各主体の連携、5. 条例の普及",
        );
        check(
            Invocation::new("report", None),
            "/report の後に、次のどれかを続けて書いてください: meeting（地区連携）、council（区長会）、consultation（相談）、match（マッチング）、subsidy（補助金）、participation（市民参加）、collab（連携機会）、info（情報共有）、publicity（広報）",
        );
        check(
            Invocation::new("help", Some("meeting")),
            "/help の後に「meeting」は続けられません。/help だけで使ってください",
        );
        check(
            Invocation::new("drop\u{0}table", None),
            "「/drop<U+0000>table」というコマンドはありません。使えるもの: /report、/totals、/summary、/records、/remind、/admin、/dashboard、/help（/help で使い方）",
        );
    }
}
