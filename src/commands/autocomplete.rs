//! Suggestions while a user types an option (Discord autocomplete): districts filtered by the
//! area already chosen, subsidy groups already recorded. At most 25, Discord's limit. Both
//! match by name key (`text::name_key`: widths, spaces and case aside), and a group is offered
//! once, in its known spelling, whichever spelling the user types.

use super::invocation::Invocation;
use super::spec::{command_set, Command};
use crate::app::App;
use crate::domain::record::Column;
use crate::domain::record_type::FieldKind;
use crate::domain::text::name_key;

/// Discord shows at most this many suggestions.
pub const MAX_SUGGESTIONS: usize = 25;

/// One suggestion: what the user sees, and the value the option gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub name: String,
    pub value: String,
}

/// Suggestions for the option `focused` of `command` while `typed` is in it: by the kind of
/// the record field it is (a district, a name), or `/records history`'s group. `invocation`
/// holds what the user has chosen so far (the area, for districts).
pub fn suggest(app: &App, command: Command, invocation: &Invocation, focused: &str, typed: &str) -> Vec<Suggestion> {
    let typed = typed.trim();
    let typed_key = name_key(typed);
    let catalogue = &app.settings.catalogue;
    let report_type = match command {
        Command::Report { record_type } => catalogue.record_type(record_type),
        // `/records list`'s area and district are the area type's fields.
        Command::RecordsList => catalogue.area_type(),
        _ => None,
    };
    let field = report_type.and_then(|t| t.field_called(focused).map(|f| (t, f)));
    let history_group = command == Command::RecordsHistory && focused == Column::Group.key();
    if command == Command::Help {
        return commands_called(app, typed);
    }
    match field.map(|(t, f)| (t, f.kind)) {
        Some((spec, FieldKind::District)) => {
            let chosen = spec
                .field_of_kind(FieldKind::Area)
                .and_then(|f| invocation.text(f.slot.key()));
            catalogue
                .areas
                .iter()
                .filter(|a| chosen.as_deref().is_none_or(|c| c == a.name))
                .flat_map(|a| a.districts.iter().map(move |d| (a, d)))
                .filter(|(_, d)| name_key(d).contains(&typed_key))
                .take(MAX_SUGGESTIONS)
                .map(|(a, d)| Suggestion {
                    name: if chosen.is_some() {
                        d.clone()
                    } else {
                        format!("{d}（{}）", a.name)
                    },
                    value: d.clone(),
                })
                .collect()
        }
        Some((_, FieldKind::Name)) => known_names(app, typed),
        _ if history_group => known_names(app, typed),
        _ => Vec::new(),
    }
}

/// `/help`'s commands and subcommands whose names (either) contain `typed`: `report <type>`
/// shown as `report <type>（報告 <type's name>）`.
fn commands_called(app: &App, typed: &str) -> Vec<Suggestion> {
    let typed = name_key(typed);
    let mut found = Vec::new();
    for c in command_set(&app.settings.catalogue) {
        let subs: Vec<(String, String)> = c
            .subcommands()
            .map(|s| (format!("{} {}", c.name, s.name), format!("{} {}", c.name_ja, s.name_ja)))
            .collect();
        let paths = std::iter::once((c.name.to_string(), c.name_ja.to_string())).chain(subs);
        for (path, path_ja) in paths {
            if name_key(&path).contains(&typed) || name_key(&path_ja).contains(&typed) {
                found.push(Suggestion {
                    name: format!("{path}（{path_ja}）"),
                    value: path,
                });
            }
        }
    }
    found.truncate(MAX_SUGGESTIONS);
    found
}

/// The names already recorded whose key contains `typed`'s, in their known spelling.
fn known_names(app: &App, typed: &str) -> Vec<Suggestion> {
    let record_type = app.settings.catalogue.subsidy.record_type;
    match app.store.subsidy_groups(record_type, typed, MAX_SUGGESTIONS) {
        Ok(groups) => groups
            .into_iter()
            .map(|g| Suggestion {
                name: g.chars().take(100).collect(),
                value: g,
            })
            .collect(),
        Err(e) => {
            tracing::warn!(error = %e, "subsidy group suggestions failed");
            Vec::new()
        }
    }
}
