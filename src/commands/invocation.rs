//! An invocation: the command, subcommand and options a user gave, by canonical name, as the
//! adapters parse them (the console from a typed line, Discord from interaction data).

use super::spec::label;
use crate::domain::validate::UserError;

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
}

impl Invocation {
    pub fn new(command: &str, subcommand: Option<&str>) -> Self {
        Invocation {
            command: command.to_string(),
            subcommand: subcommand.map(str::to_string),
            options: Vec::new(),
        }
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
                .ok_or_else(|| UserError::field(label(name), format!("「{s}」は整数ではありません（例: 12）"))),
        }
    }

    pub fn required_integer(&self, name: &str) -> Result<i64, UserError> {
        self.integer(name)?
            .ok_or_else(|| UserError::field(label(name), "入力してください（必須）"))
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
        let inv = Invocation::new("report", Some("meeting")).with("topic", OptionValue::String("  ".into()));
        assert_eq!(inv.text("topic"), None);
        assert_eq!(
            inv.required_text("district").map_err(|e| e.to_string()),
            Err("区（district）: 入力してください（必須）".into())
        );
        let inv = inv.with("count", OptionValue::String("たくさん".into()));
        assert_eq!(
            inv.integer("count").map_err(|e| e.to_string()),
            Err("件数（count）: 「たくさん」は整数ではありません（例: 12）".into())
        );
    }
}
