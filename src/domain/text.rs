//! The one normaliser for text from outside: Discord options, console lines, import cells,
//! display names and the catalogue's names all pass through here before anything keeps them.
//!
//! - `clean`: a field's value in NFC; control characters refused (a line break only in free
//!   text such as a note), with the field and the position in the message; at most the number
//!   of characters the command spec declares for the field.
//! - `display_name`: a user's name as records keep it: NFC, control characters removed, at most
//!   `DISPLAY_NAME_MAX` characters — a name is never a reason to refuse the user; `file_name`
//!   the same for an imported file's name, without its folder, cut with `…`.
//! - `lookalike_key`: what two names look like to a reader (NFKC, format characters such as the
//!   zero-width space removed), so that the catalogue can refuse names that differ only there;
//!   `visible` spells such characters out in a message, `excerpt` also shortens what a refusal
//!   quotes.
//! - `name_key`: how a free name (a subsidy group) is compared: NFKC, spaces of every width and
//!   format characters removed, case folded — `こもろ　子ども食堂`, `こもろ 子ども食堂` and
//!   `こもろ子ども食堂` are one group, `ＮＰＯ法人` and `npo法人` one name. Only for comparing: the
//!   text as typed is what is kept and shown.

use super::validate::UserError;
use unicode_general_category::{get_general_category, GeneralCategory};
use unicode_normalization::UnicodeNormalization;

/// The most characters a display name keeps (Discord's own names have at most 32).
pub const DISPLAY_NAME_MAX: usize = 64;

/// The most characters a file's name keeps (`file_name`): enough for any name people give a
/// spreadsheet, short enough for a cell.
pub const FILE_NAME_MAX: usize = 100;

/// How one field's text is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rules {
    /// The most characters allowed, counted after NFC; `None` for no limit.
    pub max_chars: Option<usize>,
    /// Whether line breaks are allowed (free text: a note, a meeting's topic).
    pub newlines: bool,
}

impl Rules {
    /// One line of at most `max` characters.
    pub fn line(max: usize) -> Rules {
        Rules {
            max_chars: Some(max),
            newlines: false,
        }
    }
}

/// Why a character may not be stored, if it may not.
fn refusal(c: char, newlines: bool) -> Option<&'static str> {
    match c {
        '\n' if newlines => None,
        '\n' | '\r' | '\u{2028}' | '\u{2029}' => Some("改行"),
        '\t' => Some("タブ"),
        // Embeddings, overrides and isolates reorder what a reader sees (a file name, a figure).
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => Some("文字の向きを変える制御文字"),
        c if c.is_control() => Some("制御文字"),
        _ => None,
    }
}

/// `U+200B`.
fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// The text of `field` as it may be stored: line ends `\r\n` read as `\n` where line breaks are
/// allowed, NFC, no control character, within the length limit. Refusals name `field` (as the
/// user sees it, e.g. `メモ（note）`) and say what to do.
pub fn clean(field: &str, text: &str, rules: Rules) -> Result<String, UserError> {
    let text: String = if rules.newlines && text.contains('\r') {
        text.replace("\r\n", "\n").nfc().collect()
    } else {
        text.nfc().collect()
    };
    for (i, c) in text.chars().enumerate() {
        if let Some(what) = refusal(c, rules.newlines) {
            let fix = if what == "改行" {
                "1行で入力してください".to_string()
            } else {
                "その文字を消して入力し直してください".to_string()
            };
            return Err(UserError::field(
                field,
                format!(
                    "{}文字目に{what}（{}）があります。使えません。{fix}",
                    i + 1,
                    code_point(c)
                ),
            ));
        }
    }
    if let Some(max) = rules.max_chars {
        let found = text.chars().count();
        if found > max {
            return Err(UserError::field(
                field,
                format!("{max}文字までです（{found}文字あります）。短くしてください"),
            ));
        }
    }
    Ok(text)
}

/// One line of outside text as kyodo keeps it to show: NFC, line breaks and tabs as spaces,
/// other control characters (those that change the text's direction too) removed, trimmed.
fn one_line(raw: &str) -> String {
    let line: String = raw
        .nfc()
        .filter_map(|c| match refusal(c, false) {
            None => Some(c),
            Some("改行" | "タブ") => Some(' '),
            Some(_) => None,
        })
        .collect();
    line.trim().to_string()
}

/// A user's name as records keep it: NFC, line breaks and tabs as spaces, other control
/// characters removed, trimmed, at most `DISPLAY_NAME_MAX` characters. May be empty.
pub fn display_name(raw: &str) -> String {
    one_line(raw)
        .chars()
        .take(DISPLAY_NAME_MAX)
        .collect::<String>()
        .trim_end()
        .to_string()
}

/// A file's name as a record keeps it (an import's 登録元): the name only — what follows the
/// last `/` or `\`, so never a folder — cleaned as a display name is, at most
/// `FILE_NAME_MAX` characters, the last one `…` where it was cut. May be empty.
pub fn file_name(raw: &str) -> String {
    let name = raw.rsplit(['/', '\\']).next().unwrap_or(raw);
    let name = one_line(name);
    if name.chars().count() <= FILE_NAME_MAX {
        return name;
    }
    let mut cut: String = name.chars().take(FILE_NAME_MAX - 1).collect();
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

/// What a name looks like to a reader: NFKC (full-width `ＡＢ` and half-width `ｱｲ` become `AB`
/// and `アイ`), without format characters (Unicode category Cf: zero-width space, joiners, bidi
/// controls, the byte order mark). Two names with the same key cannot be told apart.
pub fn lookalike_key(name: &str) -> String {
    name.nfkc()
        .filter(|c| get_general_category(*c) != GeneralCategory::Format)
        .collect()
}

/// The key two free names are compared by: NFKC (full-width `ＮＰＯ` is `NPO`, half-width `ｺﾓﾛ`
/// is `コモロ`, the ideographic space a space), then every white space and format character
/// (zero-width space, joiners, the byte order mark) removed and letters lower-cased, NFKC again
/// after lower-casing. Two names with the same key are the same name to a reader.
pub fn name_key(name: &str) -> String {
    let folded: String = name
        .nfkc()
        .filter(|c| !c.is_whitespace() && get_general_category(*c) != GeneralCategory::Format)
        .flat_map(char::to_lowercase)
        .collect();
    folded.nfkc().collect()
}

/// `name` with its invisible characters (format and control characters) spelled out as
/// `<U+200B>`, for a message that must show how two look-alike names differ.
pub fn visible(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_control() || get_general_category(c) == GeneralCategory::Format {
                format!("<{}>", code_point(c))
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// `text` as a refusal may quote it: invisible characters spelled out (`visible`), at most `max`
/// characters, `…` where it was cut.
pub fn excerpt(text: &str, max: usize) -> String {
    let shown = visible(text);
    if shown.chars().count() <= max {
        return shown;
    }
    let mut cut: String = shown.chars().take(max).collect();
    cut.push('…');
    cut
}

/// The name in `names` that `typed` most likely misspells (「もしかして」): the nearest by
/// edit distance — letters added, left out, changed or swapped, case and width aside — within
/// a third of its length (one edit at least); `None` when none is that near, or `typed` is one
/// of them as it is.
pub fn likeliest<'a>(typed: &str, names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let key = |s: &str| -> Vec<char> { s.nfkc().flat_map(char::to_lowercase).collect() };
    let typed_key = key(typed);
    if typed_key.is_empty() {
        return None;
    }
    let names: Vec<&'a str> = names.into_iter().collect();
    if names.contains(&typed) {
        return None;
    }
    names
        .into_iter()
        .filter_map(|name| {
            let distance = edit_distance(&typed_key, &key(name));
            let allowed = (typed_key.len().max(1) / 3).max(1);
            (distance <= allowed).then_some((distance, name))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name)
}

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of
/// neighbours each cost one.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_name_finds_the_likeliest() {
        let names = ["report", "records", "restore", "export", "totals", "報告", "記録"];
        assert_eq!(likeliest("reprot", names), Some("report"));
        assert_eq!(likeliest("REPORT", names), Some("report"), "in another case");
        assert_eq!(likeliest("report", names), None, "the same name is no misspelling");
        assert_eq!(likeliest("recrods", names), Some("records"));
        assert_eq!(likeliest("報國", names), Some("報告"));
        assert_eq!(likeliest("ｔｏｔａｌ", names), Some("totals"));
        assert_eq!(likeliest("xyz", names), None);
        assert_eq!(likeliest("", names), None);
    }

    fn note() -> Rules {
        Rules {
            max_chars: Some(200),
            newlines: true,
        }
    }

    fn refused(field: &str, text: &str, rules: Rules) -> String {
        match clean(field, text, rules) {
            Ok(t) => panic!("{text:?} was accepted as {t:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn text_is_stored_in_nfc() {
        // が as か + the combining voiced mark (macOS file names, some IMEs) becomes one character.
        let decomposed = "か\u{3099}いぎ";
        assert_eq!(decomposed.chars().count(), 4);
        let cleaned = clean("内容（topic）", decomposed, note()).expect("clean");
        assert_eq!(cleaned, "がいぎ");
        assert_eq!(cleaned.chars().count(), 3);
        // Full-width letters and half-width katakana are what the user typed: NFC keeps them.
        assert_eq!(clean("f", "ＡＢｱｲ", note()).as_deref(), Ok("ＡＢｱｲ"));
        // Already clean text is unchanged.
        for ok in ["防災訓練の打合せ", "=1+2", "'=1+2", "😀👍🏽", "a\u{200D}b"] {
            assert_eq!(clean("f", ok, Rules::line(200)).as_deref(), Ok(ok), "{ok:?}");
        }
    }

    #[test]
    fn control_characters_are_refused_with_the_field_and_where() {
        assert_eq!(
            refused("内容（topic）", "防災\u{0}訓練", note()),
            "内容（topic）: 3文字目に制御文字（U+0000）があります。使えません。その文字を消して入力し直してください"
        );
        assert_eq!(
            refused("名称（title）", "a\tb", Rules::line(200)),
            "名称（title）: 2文字目にタブ（U+0009）があります。使えません。その文字を消して入力し直してください"
        );
        assert_eq!(
            refused("名称（title）", "学習会\n2回目", Rules::line(200)),
            "名称（title）: 4文字目に改行（U+000A）があります。使えません。1行で入力してください"
        );
        assert_eq!(
            refused("メモ（note）", "a\u{202E}cba", note()),
            "メモ（note）: 2文字目に文字の向きを変える制御文字（U+202E）があります。使えません。その文字を消して入力し直してください"
        );
        for bad in [
            "\u{7}",
            "\u{1b}[31m",
            "\u{7f}",
            "\u{85}",
            "\u{9f}",
            "a\rb",
            "\u{2028}",
            "\u{2066}",
        ] {
            assert!(clean("f", bad, note()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn free_text_keeps_its_line_breaks() {
        assert_eq!(clean("f", "1行目\n2行目", note()).as_deref(), Ok("1行目\n2行目"));
        // Excel on Windows writes CRLF inside a quoted cell.
        assert_eq!(clean("f", "1行目\r\n2行目", note()).as_deref(), Ok("1行目\n2行目"));
        assert!(
            clean("f", "1行目\r2行目", note()).is_err(),
            "a lone CR is not a line break"
        );
    }

    #[test]
    fn the_limit_counts_characters_after_nfc() {
        let at_limit = "あ".repeat(200);
        assert_eq!(clean("f", &at_limit, note()).as_deref(), Ok(at_limit.as_str()));
        assert_eq!(
            refused("メモ（note）", &"あ".repeat(201), note()),
            "メモ（note）: 200文字までです（201文字あります）。短くしてください"
        );
        // 200 decomposed が are 400 code points but 200 characters once composed.
        let decomposed = "か\u{3099}".repeat(200);
        assert_eq!(clean("f", &decomposed, note()).map(|t| t.chars().count()), Ok(200));
        assert!(clean("f", &"x".repeat(40_000), Rules::default()).is_ok(), "no limit");
    }

    #[test]
    fn display_names_are_cleaned_and_capped_never_refused() {
        assert_eq!(display_name("小諸 花子"), "小諸 花子");
        assert_eq!(display_name("か\u{3099}く"), "がく");
        assert_eq!(display_name("\u{0}佐藤\u{7}\u{202E}"), "佐藤");
        assert_eq!(display_name("  佐藤\n花子\t "), "佐藤 花子");
        assert_eq!(display_name("=1+2"), "=1+2", "formulas are the exports' business");
        assert_eq!(display_name(&"長".repeat(500)), "長".repeat(DISPLAY_NAME_MAX));
        assert_eq!(display_name("\u{1}\u{2}"), "");
    }

    #[test]
    fn file_names_lose_their_folders_and_control_characters_and_are_cut_short() {
        assert_eq!(file_name("jisseki-2026.xlsx"), "jisseki-2026.xlsx");
        assert_eq!(file_name("/data/書類/jisseki-2026.xlsx"), "jisseki-2026.xlsx");
        assert_eq!(file_name("C:\\Users\\佐藤\\実績 R8.csv"), "実績 R8.csv");
        assert_eq!(
            file_name("\u{1b}[31m実績\u{202E}xslx.csv\n\u{7}"),
            "[31m実績xslx.csv",
            "no escape, bell or direction override; the line break at the end trimmed"
        );
        assert_eq!(file_name("実績\n2026.csv"), "実績 2026.csv");
        assert_eq!(file_name(&"長".repeat(FILE_NAME_MAX)), "長".repeat(FILE_NAME_MAX));
        let long = file_name(&format!("{}.csv", "x".repeat(300)));
        assert_eq!(long.chars().count(), FILE_NAME_MAX);
        assert_eq!(long, format!("{}…", "x".repeat(FILE_NAME_MAX - 1)));
        assert_eq!(
            file_name(&format!("{} {}", "x".repeat(98), "y".repeat(9))),
            format!("{}…", "x".repeat(98))
        );
        assert_eq!(file_name("/tmp/"), "");
        assert_eq!(file_name("\u{1}"), "");
    }

    #[test]
    fn lookalike_names_share_a_key() {
        assert_eq!(lookalike_key("荒\u{200B}町"), lookalike_key("荒町"));
        assert_eq!(lookalike_key("\u{FEFF}荒町\u{2060}"), "荒町");
        assert_eq!(lookalike_key("ﾃｽﾄ"), lookalike_key("テスト"));
        assert_eq!(lookalike_key("ＡＢＣ１"), "ABC1");
        assert_eq!(lookalike_key("か\u{3099}"), lookalike_key("が"));
        assert_ne!(lookalike_key("荒町"), lookalike_key("荒 町"));
        assert_ne!(lookalike_key("東部"), lookalike_key("東南部"));
        assert_eq!(visible("荒\u{200B}町"), "荒<U+200B>町");
        assert_eq!(visible("荒町"), "荒町");
    }

    #[test]
    fn names_compare_without_width_spaces_or_case() {
        let key = name_key("こもろ子ども食堂");
        assert_eq!(key, "こもろ子ども食堂");
        for same in [
            "こもろ 子ども食堂",
            "こもろ　子ども食堂",
            " こもろ\u{3000}子ども 食堂 ",
            "こもろ\u{200B}子ども食堂",
            "こもろ\u{00A0}子ども食堂",
        ] {
            assert_eq!(name_key(same), key, "{same:?}");
        }
        assert_eq!(name_key("ＮＰＯ法人こもろ"), name_key("NPO法人こもろ"));
        assert_eq!(name_key("npo法人こもろ"), name_key("ＮＰＯ法人 こもろ"));
        assert_eq!(name_key("ｺﾓﾛ会"), name_key("コモロ会"));
        assert_eq!(name_key("か\u{3099}くしゅう会"), name_key("がくしゅう会"));
        // Different names stay different.
        assert_ne!(name_key("こもろ子ども食堂"), name_key("こもろ子供食堂"));
        assert_ne!(name_key("A会"), name_key("B会"));
    }

    #[test]
    fn refusals_quote_an_excerpt() {
        assert_eq!(excerpt("北部", 20), "北部");
        assert_eq!(excerpt("a\u{0}b", 20), "a<U+0000>b");
        assert_eq!(excerpt(&"x".repeat(6000), 5), "xxxxx…");
    }
}
