//! Tab completion at the console's terminal: command names, then a command's subcommands, its
//! option names (`area:`), and the values an option offers — its choices, the areas, the
//! districts of the area already typed (all of them before one is), the kinds — each by its
//! canonical or its Japanese name, as the line is typed. `complete` is pure (the command spec
//! and the catalogue in, the candidates out); `Helper` is rustyline's side of it.

use crate::commands::spec::{command_called, CommandSpec, OptionSpec};
use crate::domain::catalogue::Catalogue;
use crate::domain::record_type::FieldKind;
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;

/// What a line typed so far may go on with: where the word being typed starts (a byte index
/// into `line`) and the words that may replace it, in the spec's order, each once.
pub fn complete(commands: &[CommandSpec], catalogue: &Catalogue, line: &str) -> (usize, Vec<String>) {
    // Inside an open quote the value is free text: nothing to offer.
    if line
        .chars()
        .filter(|c| matches!(c, '"' | '「' | '」' | '“' | '”'))
        .count()
        % 2
        == 1
    {
        return (line.len(), Vec::new());
    }
    let start = line
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_whitespace())
        .map_or(0, |(at, c)| at + c.len_utf8());
    let typed = &line[start..];
    let before: Vec<&str> = line[..start].split_whitespace().collect();
    let Some(first) = before.first() else {
        let slash = typed.starts_with(['/', '／']);
        let bare = typed.trim_start_matches(['/', '／']);
        let names = commands.iter().flat_map(|c| [c.name, c.name_ja]);
        let found = names.filter(|name| name.starts_with(bare)).map(|name| {
            if slash || typed.is_empty() {
                format!("/{name}")
            } else {
                name.to_string()
            }
        });
        return (start, unique(found));
    };
    let Some(command) = command_called(commands, first.trim_start_matches(['/', '／'])) else {
        return (start, Vec::new());
    };
    let has_subcommands = command.subcommands().next().is_some();
    let options: &[OptionSpec] = if has_subcommands {
        let Some(word) = before.get(1) else {
            let found = command
                .subcommands()
                .flat_map(|s| [s.name.as_str(), s.name_ja.as_str()])
                .filter(|name| name.starts_with(typed))
                .map(str::to_string);
            return (start, unique(found));
        };
        match command.subcommand(word) {
            Some(sub) => &sub.options,
            None => return (start, Vec::new()),
        }
    } else {
        &command.options
    };
    let given = |o: &OptionSpec| {
        before
            .iter()
            .filter_map(|w| w.split_once([':', '：']).map(|(k, _)| k))
            .any(|k| o.is_called(k))
    };
    match typed.split_once([':', '：']) {
        None => {
            let found = options
                .iter()
                .filter(|o| !given(o))
                .flat_map(|o| [o.name.as_str(), o.name_ja.as_str()])
                .filter(|name| name.starts_with(typed))
                .map(|name| format!("{name}:"));
            (start, unique(found))
        }
        Some((key, value)) => {
            let Some(option) = options.iter().find(|o| o.is_called(key)) else {
                return (start, Vec::new());
            };
            let value_start = start + typed.len() - value.len();
            let found = values(catalogue, option, &before)
                .into_iter()
                .filter(|v| v.starts_with(value));
            (value_start, unique(found))
        }
    }
}

/// The values `option` offers: its choices, or the districts — of the area already typed in
/// the line, if one is — for a district field (recognised by the catalogue's field kinds).
fn values(catalogue: &Catalogue, option: &OptionSpec, before: &[&str]) -> Vec<String> {
    if !option.choices.is_empty() {
        return option.choices.iter().map(|c| c.name.clone()).collect();
    }
    let district_field = catalogue
        .record_types
        .iter()
        .flat_map(|t| &t.fields)
        .any(|f| f.kind == FieldKind::District && f.slot.key() == option.name);
    if !district_field {
        return Vec::new();
    }
    let area = before
        .iter()
        .filter_map(|w| w.split_once([':', '：']))
        .find_map(|(_, v)| catalogue.area(v));
    catalogue
        .areas
        .iter()
        .filter(|a| area.is_none_or(|chosen| chosen.name == a.name))
        .flat_map(|a| a.districts.iter().cloned())
        .collect()
}

/// Each candidate once, in the order found.
fn unique(found: impl Iterator<Item = String>) -> Vec<String> {
    let mut list: Vec<String> = Vec::new();
    for candidate in found {
        if !list.contains(&candidate) {
            list.push(candidate);
        }
    }
    list
}

/// rustyline's helper: Tab completes with `complete`; no hints, colours or validation.
pub struct Helper {
    pub commands: Vec<CommandSpec>,
    pub catalogue: Catalogue,
}

impl Completer for Helper {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, _ctx: &rustyline::Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        let line = line.get(..pos).unwrap_or(line);
        let (start, found) = complete(&self.commands, &self.catalogue, line);
        let pairs = found
            .into_iter()
            .map(|word| Pair {
                display: word.clone(),
                replacement: word,
            })
            .collect();
        Ok((start, pairs))
    }
}

impl Hinter for Helper {
    type Hint = String;
}

impl Highlighter for Helper {}

impl Validator for Helper {}

impl rustyline::Helper for Helper {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::spec::command_set;

    fn check(line: &str, expected: &[&str]) {
        let catalogue = Catalogue::parse(include_str!("../../config/kyodo.toml")).expect("config");
        let commands = command_set(&catalogue);
        let (start, found) = complete(&commands, &catalogue, line);
        assert!(start <= line.len(), "{line}");
        assert_eq!(found, expected, "{line}");
    }

    #[test]
    fn commands_subcommands_options_and_values_complete() {
        check("/rep", &["/report"]);
        check("/報", &["/報告"]);
        check("/report me", &["meeting"]);
        check("/report meeting ar", &["area:"]);
        check("/report meeting 地", &["地区:"]);
        check("/report meeting area:東", &["東南部", "東部"]);
        check(
            "/report meeting area:中部 district:",
            &["相生", "本町", "六供", "田町", "大手"],
        );
        check("/report council kind:新", &["新任区長研修会"]);
        check("/report meeting area:東部 area", &[]);
        check("/report info title:\"防災 ", &[]);
        check("/nothing ", &[]);
    }
}
