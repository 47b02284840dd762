//! A typed line as Discord would take it: `/report meeting area:{area} district:{district}
//! date:R8.6.15 topic:"…"`. Names may be canonical or Japanese (`/報告 <type's name>
//! <field's name>:<value>`); values with spaces go in quotes ("…", “…” or 「…」). Checked against the command
//! spec exactly as Discord checks a slash command: known options, types, choices, limits, required
//! — each value by `commands::invocation::check_value`, the check the core runs on Discord's
//! requests too, so both refuse the same values with the same words.

use crate::commands::invocation::{
    check_required, check_value, option_names, unknown_command, unknown_option, unknown_subcommand, Invocation,
    OptionValue, Wording,
};
use crate::commands::spec::{command_called, CommandSpec, OptionSpec};
use crate::domain::text::excerpt;
use crate::domain::validate::UserError;

/// How many characters of a mistyped word a refusal quotes.
const QUOTED: usize = 40;

/// Splits a line into words; quotes group words and are removed.
fn words(line: &str) -> Result<Vec<String>, UserError> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        let close = match c {
            '"' => Some('"'),
            '“' => Some('”'),
            '「' => Some('」'),
            _ => None,
        };
        if let Some(close) = close {
            in_word = true;
            let mut closed = false;
            for q in chars.by_ref() {
                if q == close {
                    closed = true;
                    break;
                }
                current.push(q);
            }
            if !closed {
                return Err(UserError::new(format!(
                    "引用符 {c} が閉じていません（{close} で閉じてください）"
                )));
            }
        } else if c.is_whitespace() {
            if in_word {
                words.push(std::mem::take(&mut current));
                in_word = false;
            }
        } else {
            current.push(c);
            in_word = true;
        }
    }
    if in_word {
        words.push(current);
    }
    Ok(words)
}

/// Parses one line into an invocation of `commands`. A command typed by its Japanese name
/// (`/報告`) gets its hints in Japanese (`Wording::Japanese`).
pub fn parse_line(commands: &[CommandSpec], line: &str) -> Result<Invocation, UserError> {
    let words = words(line)?;
    let mut words = words.iter();
    let Some(first) = words.next() else {
        return Err(UserError::new("コマンドを入力してください（例: /help）"));
    };
    let name = first.trim_start_matches(['/', '／']);
    let Some(command) = command_called(commands, name) else {
        return Err(unknown_command(commands, first));
    };
    let wording = if command.name_ja == name {
        Wording::Japanese
    } else {
        Wording::Slash
    };
    let mut invocation = Invocation::new(command.name, None).worded(wording);
    let mut options: &[OptionSpec] = &command.options;
    let mut path = format!("/{}", command.name);
    let mut rest: Vec<&String> = words.collect();
    if command.subcommands().next().is_some() {
        let subs = options;
        let Some(word) = rest.first().filter(|w| !w.contains([':', '：'])) else {
            return Err(UserError::new(format!(
                "{path} の後に、次のどれかを続けて書いてください: {}",
                option_names(subs)
            )));
        };
        let Some(sub) = command.subcommand(word) else {
            return Err(unknown_subcommand(&path, word, subs));
        };
        invocation.subcommand = Some(sub.name.to_string());
        options = &sub.options;
        path = format!("{path} {}", sub.name);
        rest.remove(0);
    }
    // Words without a name, before any option, are the value of the option that takes them
    // (`/help report subsidy`).
    let bare = options.iter().find(|o| o.rest);
    let named_from = match bare {
        Some(_) => rest.iter().position(|w| w.contains([':', '：'])).unwrap_or(rest.len()),
        None => 0,
    };
    if let (Some(option), true) = (bare, named_from > 0) {
        let value = rest[..named_from]
            .iter()
            .map(|w| w.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let value = check_value(option, &OptionValue::String(value))?;
        invocation.options.push((option.name.to_string(), value));
    }
    let mut previous: Option<(&str, &str)> = None;
    let mut words = rest[named_from..].iter().peekable();
    while let Some(word) = words.next() {
        let Some((key, value)) = word.split_once([':', '：']) else {
            // After an option, most likely the rest of a value typed with a space in it.
            let example = match previous {
                Some((key, value)) => format!(
                    "。値に空白を入れるときは引用符で囲んでください（例: {key}:\"{} {}\"）",
                    excerpt(value, QUOTED),
                    excerpt(word, QUOTED)
                ),
                None => "（例: date:今日）".to_string(),
            };
            return Err(UserError::new(format!(
                "「{}」は「名前:値」の形ではありません{example}。{path} のオプション: {}",
                excerpt(word, QUOTED),
                option_names(options)
            )));
        };
        // `area: {area}`: a space after the colon, the value in the next word.
        let value = match words.peek() {
            Some(next) if value.is_empty() && !next.contains([':', '：']) => {
                words.next().map_or(value, |next| next.as_str())
            }
            _ => value,
        };
        previous = Some((key, value));
        let Some(option) = options.iter().find(|o| o.is_called(key)) else {
            return Err(unknown_option(&path, key, options));
        };
        if invocation.options.iter().any(|(n, _)| *n == option.name) {
            return Err(UserError::field(option.label(), "2回指定されています"));
        }
        let value = check_value(option, &OptionValue::String(value.to_string()))?;
        invocation.options.push((option.name.to_string(), value));
    }
    check_required(options, &invocation.options)?;
    Ok(invocation)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::spec::command_set;
    use crate::domain::Catalogue;

    fn parse(line: &str) -> Result<Invocation, String> {
        let catalogue = Catalogue::parse(include_str!("../../config/kyodo.toml")).expect("config");
        parse_line(&command_set(&catalogue), line).map_err(|e| e.to_string())
    }

    fn s(v: &str) -> OptionValue {
        OptionValue::String(v.into())
    }

    #[test]
    fn a_line_as_typed_in_discord() {
        let inv =
            parse("/report meeting area:東部 district:荒町 date:R8.6.15 topic:\"防災訓練の打合せ\"").expect("parses");
        assert_eq!(
            inv,
            Invocation::new("report", Some("meeting"))
                .with("area", s("東部"))
                .with("district", s("荒町"))
                .with("date", s("R8.6.15"))
                .with("topic", s("防災訓練の打合せ"))
        );
    }

    #[test]
    fn japanese_names_quotes_and_choices() {
        let inv = parse("/報告 地区連携 地区：東部 区:荒町 内容:「防災 訓練」").expect("parses");
        assert_eq!(inv.subcommand.as_deref(), Some("meeting"));
        assert_eq!(inv.text("topic").as_deref(), Some("防災 訓練"));
        let inv = parse("/totals initiative:\"2. 市民活動の推進\"").expect("choice by name");
        assert_eq!(inv.options, vec![("initiative".to_string(), OptionValue::Integer(2))]);
        let inv = parse("totals initiative:2").expect("choice by value, slash optional");
        assert_eq!(inv.options, vec![("initiative".to_string(), OptionValue::Integer(2))]);
        let inv = parse("/report consultation count:１２").expect("full-width digits");
        assert_eq!(inv.options, vec![("count".to_string(), OptionValue::Integer(12))]);
    }

    #[test]
    fn edit_fields_by_japanese_or_canonical_name_in_every_position() {
        let field = |line: &str| parse(line).map(|inv| inv.text("field"));
        for line in [
            "/records edit id:3 field:note value:x",
            "/records edit id:3 field:メモ value:x",
            "/records edit id:3 field:メモ（note） value:x",
            "/records edit id:3 項目:メモ 値:x",
            "/記録 修正 番号:3 項目：メモ 値:x",
        ] {
            assert_eq!(field(line), Ok(Some("note".to_string())), "{line}");
        }
        assert_eq!(
            field("/records edit id:1 項目:場所 値:中部/本町"),
            Ok(Some("place".to_string()))
        );
        assert_eq!(
            field("/records edit id:1 field:題名 value:x"),
            Ok(Some("title".to_string()))
        );
        assert_eq!(
            field("/records edit id:1 field:名称 value:x"),
            Ok(Some("title".to_string()))
        );
    }

    #[test]
    fn refusals_name_the_option_and_the_rule() {
        let check = |line: &str, expected: &str| assert_eq!(parse(line), Err(expected.to_string()), "{line}");
        check(
            "/report consultation count:0",
            "件数（count）: 1以上10,000以下で入力してください",
        );
        check(
            "/report consultation count:たくさん",
            "件数（count）: 「たくさん」は整数ではありません（例: 12）",
        );
        check("/report meeting area:北部 district:荒町", "地区（area）: 「北部」は選べません。選べるもの: 東南部、東部、中部、西部、北大井、大里、三岡、西小諸、南大井、川辺");
        check("/report meeting area:東部", "区（district）: 入力してください（必須）");
        check(
            "/report meeting area:東部 area:中部 district:荒町",
            "地区（area）: 2回指定されています",
        );
        check("/report meeting area:東部 district:荒町 color:red", "/report meeting に「color」というオプションはありません。使えるもの: area（地区）、district（区）、date（日付）、topic（内容）");
        check("/report", "/report の後に、次のどれかを続けて書いてください: meeting（地区連携）、council（区長会）、consultation（相談）、match（マッチング）、subsidy（補助金）、participation（市民参加）、collab（連携機会）、info（情報共有）、publicity（広報）");
        check("/report party", "/report に「party」はありません。使えるもの: meeting（地区連携）、council（区長会）、consultation（相談）、match（マッチング）、subsidy（補助金）、participation（市民参加）、collab（連携機会）、info（情報共有）、publicity（広報）");
        check(
            "/reprot",
            "「/reprot」というコマンドはありません。もしかして /report？ 使えるもの: /report、/totals、/summary、/records、/remind、/admin、/dashboard、/help（/help で使い方）",
        );
        check(
            "/report info title:\"閉じない",
            "引用符 \" が閉じていません（\" で閉じてください）",
        );
        check("/report info 学習会", "「学習会」は「名前:値」の形ではありません（例: date:今日）。/report info のオプション: title（名称）、date（日付）");
        check("/records edit id:1 field:place value:中部　本町", "「本町」は「名前:値」の形ではありません。値に空白を入れるときは引用符で囲んでください（例: value:\"中部 本町\"）。/records edit のオプション: id（番号）、field（項目）、value（値）");
    }
}
