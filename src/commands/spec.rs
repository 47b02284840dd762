//! The command set as data: every command, subcommand and option with its Japanese name and
//! description, type, choices, limits and autocomplete flag. Built from the catalogue (choices
//! are the configured kinds, areas, courses …). Discord's registration payload (`payload`) and
//! the console's parser (`console/parse.rs`) are both derived from it, and it is the one source
//! of every text limit: `max_length` (and `free_text`, whether line breaks are allowed) bound
//! the same field from Discord, the console and `kyodo import` (`OptionSpec::text_rules`).
//!
//! It is also the one place where names meet what they run: each command without subcommands,
//! and each subcommand, carries its `Action` — the typed `Command` the core dispatches on,
//! whether it is slow (`defers`: Discord's answer is deferred at once) and whether its reply is
//! the user's alone (`private`). `/report`'s subcommands get their record type from the
//! catalogue's descriptions. After the spec has read a name (`invocation::check` for the core,
//! `action_of` for an adapter before that), nothing compares a command's name again.

use super::invocation::{Invocation, Wording};
use crate::domain::catalogue::Catalogue;
use crate::domain::grouping::Grouping;
use crate::domain::record::Column;
use crate::domain::record_type::{FieldKind, FieldSpec, RecordTypeSpec, Rule};
use crate::domain::text::Rules;
use crate::domain::RecordType;
use crate::render::reply::Visibility;
use serde_json::{json, Map, Value};

/// The one locale we localise into.
pub const LOCALE: &str = "ja";

/// What a checked invocation runs: one variant per handler, each made by the spec from the
/// command or subcommand that names it (never from a name afterwards).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// `/report <type>`: the subcommand of the catalogue's description of `record_type`.
    Report {
        record_type: RecordType,
    },
    Totals,
    SummaryMonth,
    SummaryYear,
    RecordsMine,
    RecordsList,
    RecordsEdit,
    RecordsDelete,
    RecordsUndo,
    RecordsExport,
    RecordsHistory,
    RecordsDuplicates,
    RemindOff,
    RemindOn,
    Help,
    AdminStatus,
    Dashboard,
}

/// What a command without subcommands, or a subcommand, runs, and how it is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Action {
    pub command: Command,
    /// Its work may pass Discord's 3-second deadline (years of figures and a chart, a file):
    /// the Discord adapter defers the answer at once instead of waiting for it.
    pub defers: bool,
    /// Its reply is seen by the user alone (ephemeral): personal lists, record changes, help,
    /// the bot's state. A refusal is always private, whatever the command.
    pub private: bool,
}

impl Action {
    /// Runs `command`, answered in the channel without deferring.
    fn new(command: Command) -> Self {
        Action {
            command,
            defers: false,
            private: false,
        }
    }

    fn private(self) -> Self {
        Action { private: true, ..self }
    }

    fn defers(self) -> Self {
        Action { defers: true, ..self }
    }

    /// Who sees the reply when the command is done.
    pub fn visibility(self) -> Visibility {
        if self.private {
            Visibility::Ephemeral
        } else {
            Visibility::Public
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionKind {
    SubCommand,
    String,
    Integer,
}

impl OptionKind {
    /// Discord's application command option type.
    fn discord_type(self) -> u8 {
        match self {
            OptionKind::SubCommand => 1,
            OptionKind::String => 3,
            OptionKind::Integer => 4,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChoiceValue {
    String(String),
    Integer(i64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub name: String,
    pub value: ChoiceValue,
    /// Other names a typed value may use for this choice (`メモ` for `メモ（note）`); never sent
    /// to Discord, whose client sends the value.
    pub also: Vec<String>,
}

/// A subcommand or an option.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionSpec {
    pub kind: OptionKind,
    pub name: String,
    pub name_ja: String,
    pub description: String,
    pub description_ja: String,
    pub required: bool,
    pub choices: Vec<Choice>,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub max_length: Option<u16>,
    /// Free text (a note, a topic): line breaks allowed. Every other text is one line.
    pub free_text: bool,
    pub autocomplete: bool,
    /// Takes the words typed after the command without a name: the console's `/help report
    /// subsidy` is `/help command:"report subsidy"`.
    pub rest: bool,
    /// The options of a subcommand.
    pub options: Vec<OptionSpec>,
    /// What a subcommand runs; `None` for every other option.
    pub action: Option<Action>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSpec {
    pub name: &'static str,
    pub name_ja: &'static str,
    pub description: String,
    pub description_ja: String,
    pub options: Vec<OptionSpec>,
    /// What the command runs when it has no subcommands; `None` when each subcommand runs its own.
    pub action: Option<Action>,
}

impl OptionSpec {
    fn new(kind: OptionKind, name: &str, name_ja: &str, description: &str, description_ja: &str) -> Self {
        OptionSpec {
            kind,
            name: name.to_string(),
            name_ja: name_ja.to_string(),
            description: description.to_string(),
            description_ja: description_ja.to_string(),
            required: false,
            choices: Vec::new(),
            min: None,
            max: None,
            max_length: None,
            free_text: false,
            autocomplete: false,
            rest: false,
            options: Vec::new(),
            action: None,
        }
    }

    /// A subcommand that runs `action`.
    fn sub(
        action: Action,
        name: &str,
        name_ja: &str,
        description: &str,
        description_ja: &str,
        options: Vec<OptionSpec>,
    ) -> Self {
        OptionSpec {
            options,
            action: Some(action),
            ..OptionSpec::new(OptionKind::SubCommand, name, name_ja, description, description_ja)
        }
    }

    fn text(name: &str, name_ja: &str, description: &str, description_ja: &str) -> Self {
        OptionSpec {
            max_length: Some(200),
            ..OptionSpec::new(OptionKind::String, name, name_ja, description, description_ja)
        }
    }

    fn integer(name: &str, name_ja: &str, description: &str, description_ja: &str, min: i64, max: i64) -> Self {
        OptionSpec {
            min: Some(min),
            max: Some(max),
            ..OptionSpec::new(OptionKind::Integer, name, name_ja, description, description_ja)
        }
    }

    fn required(self) -> Self {
        OptionSpec { required: true, ..self }
    }

    fn choices(self, names: &[String]) -> Self {
        OptionSpec {
            choices: names
                .iter()
                .map(|n| Choice {
                    name: n.clone(),
                    value: ChoiceValue::String(n.clone()),
                    also: Vec::new(),
                })
                .collect(),
            max_length: None,
            ..self
        }
    }

    /// Allows line breaks.
    fn free_text(self) -> Self {
        OptionSpec {
            free_text: true,
            ..self
        }
    }

    /// How the normaliser checks this option's text: its `max_length`, and line breaks only in
    /// free text.
    pub fn text_rules(&self) -> Rules {
        Rules {
            max_chars: self.max_length.map(usize::from),
            newlines: self.free_text,
        }
    }

    /// Whether `name` is this option's canonical or Japanese name.
    pub fn is_called(&self, name: &str) -> bool {
        self.name == name || self.name_ja == name
    }

    /// `区（district）`: how replies name an option.
    pub fn label(&self) -> String {
        format!("{}（{}）", self.name_ja, self.name)
    }
}

impl CommandSpec {
    pub fn is_called(&self, name: &str) -> bool {
        self.name == name || self.name_ja == name
    }

    /// Its subcommands; none for a command that runs by itself.
    pub fn subcommands(&self) -> impl Iterator<Item = &OptionSpec> {
        self.options.iter().filter(|o| o.kind == OptionKind::SubCommand)
    }

    /// The subcommand called `name` (canonical or Japanese).
    pub fn subcommand(&self, name: &str) -> Option<&OptionSpec> {
        self.subcommands().find(|s| s.is_called(name))
    }
}

/// The command called `name` (canonical or Japanese).
pub fn command_called<'a>(commands: &'a [CommandSpec], name: &str) -> Option<&'a CommandSpec> {
    commands.iter().find(|c| c.is_called(name))
}

/// What `invocation` would run, by its command's and subcommand's names alone (its options
/// unchecked): for an adapter that must know before the core has checked it (whether to defer,
/// whom the deferral shows), and for autocomplete, whose invocations are unfinished.
pub fn action_of(commands: &[CommandSpec], invocation: &Invocation) -> Option<Action> {
    let command = command_called(commands, &invocation.command)?;
    match &invocation.subcommand {
        Some(name) => command.subcommand(name)?.action,
        None => command.action,
    }
}

/// The command and subcommand (if any) that run `command`.
fn running(commands: &[CommandSpec], command: Command) -> Option<(&CommandSpec, Option<&OptionSpec>)> {
    commands.iter().find_map(|c| match c.action {
        Some(a) if a.command == command => Some((c, None)),
        _ => c
            .subcommands()
            .find(|s| s.action.is_some_and(|a| a.command == command))
            .map(|s| (c, Some(s))),
    })
}

/// The invocation that runs `command`, without options yet (the undo button's `/records undo`,
/// `kyodo export`'s `/records export`, the `/report` a record's facts would be reported with).
pub fn invocation(commands: &[CommandSpec], command: Command) -> Option<Invocation> {
    running(commands, command).map(|(c, sub)| Invocation::new(c.name, sub.map(|s| s.name.as_str())))
}

/// The options of `command`: a record type's fields as `/report` asks them, with their limits.
pub fn options(commands: &[CommandSpec], command: Command) -> &[OptionSpec] {
    match running(commands, command) {
        Some((_, Some(sub))) => &sub.options,
        Some((c, None)) => &c.options,
        None => &[],
    }
}

/// The commands of the command line that run (or match) a slash command (`kyodo export` runs
/// `/records export`, `kyodo report` shows what `/summary year` shows), with the words that
/// call them.
const COMMAND_LINE: [(Command, &str); 3] = [
    (Command::RecordsExport, "kyodo export"),
    (Command::Totals, "kyodo totals"),
    (Command::SummaryYear, "kyodo report"),
];

/// A command as the user would type it next, in their wording (`Invocation::wording`):
/// `/records edit id:12 field:date`, `/記録 修正 番号:12 項目:日付` (choices by their Japanese
/// names), or `kyodo export --format csv` on the command line (a command the command line has
/// not is written as a slash command).
pub fn written(commands: &[CommandSpec], command: Command, options: &[(&str, &str)], wording: Wording) -> String {
    let Some((c, sub)) = running(commands, command) else {
        return String::new();
    };
    let specs = sub.map_or(c.options.as_slice(), |s| s.options.as_slice());
    let spec_of = |name: &str| specs.iter().find(|o| o.name == name);
    let line_words = COMMAND_LINE
        .iter()
        .find(|(run, _)| *run == command)
        .map(|(_, words)| *words);
    let mut words = Vec::new();
    match (wording, line_words) {
        (Wording::CommandLine, Some(line)) => {
            words.push(line.to_string());
            for (name, value) in options {
                words.push(format!("--{} {}", name.replace('_', "-"), quoted(value)));
            }
            return words.join(" ");
        }
        (Wording::Japanese, _) => {
            words.push(format!("/{}", c.name_ja));
            words.extend(sub.map(|s| s.name_ja.clone()));
            for (name, value) in options {
                let Some(option) = spec_of(name) else {
                    words.push(format!("{name}:{}", quoted(value)));
                    continue;
                };
                let shown = option
                    .choices
                    .iter()
                    .find(|choice| matches!(&choice.value, ChoiceValue::String(v) if v == value))
                    .map_or(*value, |choice| choice.also.first().unwrap_or(&choice.name).as_str());
                words.push(format!("{}:{}", option.name_ja, quoted(shown)));
            }
        }
        _ => {
            words.push(format!("/{}", c.name));
            words.extend(sub.map(|s| s.name.clone()));
            words.extend(options.iter().map(|(name, value)| format!("{name}:{}", quoted(value))));
        }
    }
    words.join(" ")
}

/// A value as typed: in quotes when it has a space (`"防災 訓練"`).
fn quoted(value: &str) -> String {
    if value.contains(char::is_whitespace) {
        format!("\"{value}\"")
    } else {
        value.to_string()
    }
}

/// `開始日（from）` as `label` names an option, or `開始日（--from）` on the command line.
pub fn label_in(name: &str, wording: Wording) -> String {
    match (wording, OTHER_OPTIONS.iter().find(|(n, _)| *n == name)) {
        (Wording::CommandLine, Some((n, ja))) => format!("{ja}（--{}）", n.replace('_', "-")),
        _ => label(name),
    }
}

impl OptionSpec {
    fn with_max_length(self, max: u16) -> Self {
        OptionSpec {
            max_length: Some(max),
            ..self
        }
    }
}

/// `/records edit`'s field that changes a meeting's area and district together
/// (`field:place value:{area}/{district}`): canonical and Japanese name.
pub const PLACE: (&str, &str) = ("place", "場所");

/// The fields `PLACE` stands for, area first.
pub const PLACE_PARTS: [&str; 2] = ["area", "district"];

/// The values that clear an optional field in `/records edit` (`value:なし`, `value:-`;
/// the full-width `－` is the same as `-`).
pub const CLEAR_VALUES: [&str; 3] = ["なし", "-", "－"];

/// Options that are not record fields, with their Japanese names.
const OTHER_OPTIONS: [(&str, &str); 15] = [
    ("date", "日付"),
    ("place", "場所"),
    ("month", "月"),
    ("from", "開始日"),
    ("to", "終了日"),
    ("format", "形式"),
    ("id", "番号"),
    ("field", "項目"),
    ("value", "値"),
    ("fiscal_year", "年度"),
    ("initiative", "取り組み"),
    ("command", "コマンド"),
    ("page", "ページ"),
    ("type", "記録の種類"),
    ("reporter", "報告者"),
];

/// `番号（id）`: how replies name an option that is not a record field (a record field is
/// named by its description: `FieldSpec::label`), from its canonical name.
pub fn label(name: &str) -> String {
    OTHER_OPTIONS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or_else(|| name.to_string(), |(n, ja)| format!("{ja}（{n}）"))
}

/// `メモ（note）`: how replies name an option by its canonical name — a record field by the
/// first record type's name for it, any other option as `label` does.
pub fn option_label(catalogue: &Catalogue, name: &str) -> String {
    catalogue
        .record_types
        .iter()
        .flat_map(|t| &t.fields)
        .find(|f| f.slot.key() == name)
        .map_or_else(|| label(name), FieldSpec::label)
}

/// `/records edit`'s field choices: every `/report` field once, named by its Japanese names
/// (`<name>・<name>（title）` where record types differ), with `PLACE` just before its area; each
/// Japanese name alone is accepted too (`field:メモ`), and so is a name a field had before
/// (its `formerly`).
fn field_choices(c: &Catalogue, report: &CommandSpec) -> Vec<Choice> {
    let mut fields: Vec<(&str, Vec<&str>)> = Vec::new();
    for option in report.options.iter().flat_map(|sub| &sub.options) {
        if option.name == PLACE_PARTS[0] && !fields.iter().any(|(n, _)| *n == PLACE.0) {
            fields.push((PLACE.0, vec![PLACE.1]));
        }
        match fields.iter_mut().find(|(n, _)| *n == option.name) {
            Some((_, names)) if !names.contains(&option.name_ja.as_str()) => names.push(&option.name_ja),
            Some(_) => {}
            None => fields.push((&option.name, vec![&option.name_ja])),
        }
    }
    fields
        .into_iter()
        .map(|(name, names)| {
            let former = c
                .record_types
                .iter()
                .flat_map(|t| &t.fields)
                .filter(|f| f.slot.key() == name)
                .flat_map(|f| f.formerly.iter().cloned());
            Choice {
                name: format!("{}（{name}）", names.join("・")),
                value: ChoiceValue::String(name.to_string()),
                also: names.iter().map(|n| n.to_string()).chain(former).collect(),
            }
        })
        .collect()
}

/// The whole command set for a catalogue.
pub fn command_set(catalogue: &Catalogue) -> Vec<CommandSpec> {
    let report = report(catalogue);
    let records = records(catalogue, &report);
    vec![
        report,
        totals(catalogue),
        summary(),
        records,
        remind(),
        CommandSpec {
            name: "admin",
            name_ja: "管理",
            description: "For administrators: the bot's state".into(),
            description_ja: "管理者用: ボットの状態".into(),
            action: None,
            options: vec![OptionSpec::sub(
                Action::new(Command::AdminStatus).private(),
                "status",
                "状態",
                "Database, bot (gateway, scheduler), baseline, scheduled posts and failures",
                "データベース・ボットの稼働・基準データ・自動投稿と失敗の状況",
                Vec::new(),
            )],
        },
        CommandSpec {
            name: "dashboard",
            name_ja: "ダッシュボード",
            description: "A sign-in link to the dashboard (web pages of the figures), for you alone".into(),
            description_ja: "ダッシュボード（数字を見るウェブページ）のサインイン用リンク（自分だけに届く）".into(),
            options: Vec::new(),
            action: Some(Action::new(Command::Dashboard).private()),
        },
        CommandSpec {
            name: "help",
            name_ja: "ヘルプ",
            description: "What each command does, with examples".into(),
            description_ja: "コマンドの使い方と例".into(),
            options: vec![OptionSpec {
                rest: true,
                autocomplete: true,
                ..OptionSpec::text(
                    "command",
                    "コマンド",
                    "A command or subcommand: its options, an example and how it works (records edit)",
                    "このコマンドの使い方（オプション・例・流れ）。report、records edit、記録 修正 など",
                )
                .with_max_length(60)
            }],
            action: Some(Action::new(Command::Help).private()),
        },
    ]
}

fn names<'a>(items: impl Iterator<Item = &'a String>) -> Vec<String> {
    items.cloned().collect()
}

/// `/report`: one subcommand per record type, its options from the type's fields.
fn report(c: &Catalogue) -> CommandSpec {
    CommandSpec {
        name: "report",
        name_ja: "報告",
        description: "Record something that happened".into(),
        description_ja: "実績を記録する".into(),
        action: None,
        options: c
            .record_types
            .iter()
            .map(|t| {
                OptionSpec::sub(
                    Action::new(Command::Report {
                        record_type: t.record_type,
                    }),
                    t.key(),
                    &t.name,
                    &t.description_en,
                    &t.description,
                    t.fields.iter().map(|f| field_option(c, f)).collect(),
                )
            })
            .collect(),
    }
}

/// The option of one record field, as its description says.
pub fn field_option(c: &Catalogue, f: &FieldSpec) -> OptionSpec {
    let kind = match f.kind {
        FieldKind::Count | FieldKind::Amount => OptionKind::Integer,
        _ => OptionKind::String,
    };
    let option = OptionSpec {
        required: f.required,
        min: f.min,
        max: f.max,
        max_length: f.max_length,
        free_text: f.multiline,
        autocomplete: matches!(f.kind, FieldKind::District | FieldKind::Name),
        ..OptionSpec::new(kind, f.slot.key(), &f.name, &f.description_en, &f.description)
    };
    match f.kind {
        FieldKind::Choice => option.choices(&f.choice_names()),
        FieldKind::Area => option.choices(&names(c.areas.iter().map(|a| &a.name))),
        _ => option,
    }
}

/// A period's first day, in every form staff type (`/totals`, `/records export`).
fn from_option() -> OptionSpec {
    OptionSpec::text(
        "from",
        "開始日",
        "First day (default: start of this fiscal year)",
        "最初の日（省略すると今年度の初め）",
    )
    .with_max_length(40)
}

/// A period's last day.
fn to_option() -> OptionSpec {
    OptionSpec::text(
        "to",
        "終了日",
        "Last day (default: today)",
        "最後の日（省略すると今日）",
    )
    .with_max_length(40)
}

fn fiscal_year() -> OptionSpec {
    OptionSpec::text(
        "fiscal_year",
        "年度",
        "Fiscal year (2026, R8, 令和8年度)",
        "年度（2026、R8、令和8年度）",
    )
    .with_max_length(20)
}

fn totals(c: &Catalogue) -> CommandSpec {
    let mut initiative = OptionSpec::new(
        OptionKind::Integer,
        "initiative",
        "取り組み",
        "Only this initiative",
        "この取り組みだけ",
    );
    initiative.choices = c
        .initiatives
        .iter()
        .map(|i| Choice {
            name: format!("{}. {}", i.number, i.name),
            value: ChoiceValue::Integer(i64::from(i.number)),
            also: Vec::new(),
        })
        .collect();
    let mut by = OptionSpec::new(
        OptionKind::String,
        "by",
        "分け方",
        "A table by area, district, month, kind or reporter (admins)",
        "地区・区・月・種類・報告者（管理者だけ）ごとの表",
    );
    by.choices = Grouping::ALL
        .into_iter()
        .map(|g| Choice {
            name: format!("{}ごと", g.header()),
            value: ChoiceValue::String(g.key().to_string()),
            also: vec![g.header().to_string()],
        })
        .collect();
    let format = OptionSpec::text(
        "format",
        "形式",
        "Also as a file: xlsx, csv or markdown",
        "ファイルでも（xlsx、csv、markdown）",
    )
    .choices(&["xlsx".to_string(), "csv".to_string(), "markdown".to_string()]);
    CommandSpec {
        name: "totals",
        name_ja: "集計",
        description: "This fiscal year so far (or any period), against last year and the targets".into(),
        description_ja: "今年度の累計（または任意の期間。前年同期・目標と比べて）".into(),
        options: vec![fiscal_year(), initiative, from_option(), to_option(), by, format],
        action: Some(Action::new(Command::Totals)),
    }
}

fn summary() -> CommandSpec {
    CommandSpec {
        name: "summary",
        name_ja: "まとめ",
        description: "Summaries in the layout of the official report".into(),
        description_ja: "報告書の形のまとめ".into(),
        action: None,
        // Both read years of figures; the month draws a chart.
        options: vec![
            OptionSpec::sub(
                Action::new(Command::SummaryMonth).defers(),
                "month",
                "月次",
                "The monthly digest with its chart (default: last month)",
                "月次まとめとグラフ・区×月のヒートマップ（省略すると先月）",
                vec![OptionSpec::text(
                    "month",
                    "月",
                    "Month (2026-10, R8.10, 10月)",
                    "月（2026-10、R8.10、10月）",
                )
                .with_max_length(20)],
            ),
            OptionSpec::sub(
                Action::new(Command::SummaryYear).defers(),
                "year",
                "年次",
                "The annual summary (default: the last fiscal year that ended)",
                "年次報告（省略すると終わった最新の年度）",
                vec![fiscal_year()],
            ),
        ],
    }
}

/// `page`: which page of a list, 10 records a page.
fn page() -> OptionSpec {
    OptionSpec::integer(
        "page",
        "ページ",
        "Page (10 records each)",
        "ページ（10件ずつ。省略すると1）",
        1,
        100_000,
    )
}

/// `/records list`'s filters: a fiscal year or a period, a record type, the area type's area
/// and district, a reporter; then the page.
fn list_filters(c: &Catalogue) -> Vec<OptionSpec> {
    let mut kind = OptionSpec::new(
        OptionKind::String,
        "type",
        "記録の種類",
        "Only this record type",
        "この種類の記録だけ",
    );
    kind.choices = c
        .record_types
        .iter()
        .map(|t| Choice {
            name: t.name.clone(),
            value: ChoiceValue::String(t.key().to_string()),
            also: std::iter::once(t.label.clone())
                .chain(t.formerly.iter().cloned())
                .collect(),
        })
        .collect();
    let mut filters = vec![
        fiscal_year(),
        OptionSpec::text("from", "開始日", "From this day", "この日から").with_max_length(40),
        OptionSpec::text("to", "終了日", "To this day", "この日まで").with_max_length(40),
        kind,
    ];
    if let Some(t) = c.area_type() {
        let place = [t.field_of_kind(FieldKind::Area), t.field_of_kind(FieldKind::District)];
        for field in place.into_iter().flatten() {
            filters.push(OptionSpec {
                required: false,
                description: format!("Only this {}", field.slot.key()),
                description_ja: format!("この{}だけ", field.name),
                ..field_option(c, field)
            });
        }
    }
    filters.push(
        OptionSpec::text(
            "reporter",
            "報告者",
            "Only records whose reporter's name has this",
            "報告者の名前（一部でも）",
        )
        .with_max_length(64),
    );
    filters.push(page());
    filters
}

/// The record type that keeps the subsidy lifecycle, if the catalogue has one.
pub(crate) fn subsidy_type(c: &Catalogue) -> Option<&RecordTypeSpec> {
    c.record_types.iter().find(|t| t.rule == Some(Rule::Subsidy))
}

/// `/records history`'s options: the group and (optional) course of the record type that keeps
/// the subsidy lifecycle; `None` without such a type.
fn history(c: &Catalogue) -> Option<OptionSpec> {
    let subsidy = subsidy_type(c)?;
    let group = field_option(c, subsidy.field(Column::Group)?);
    let course = OptionSpec {
        required: false,
        ..field_option(c, subsidy.field(Column::Course)?)
    };
    let course = OptionSpec {
        description: "Only this course".into(),
        description_ja: format!("この{}だけ", course.name_ja),
        ..course
    };
    Some(OptionSpec::sub(
        Action::new(Command::RecordsHistory).private(),
        "history",
        &format!("{}の経過", subsidy.label),
        &format!("A group's {} records, oldest first", subsidy.key()),
        &format!("{}の{}の記録（古い順）", group.name_ja, subsidy.label),
        vec![group, course],
    ))
}

fn records(c: &Catalogue, report: &CommandSpec) -> CommandSpec {
    let id = || OptionSpec::integer("id", "番号", "Record number", "記録の番号", 1, 1_000_000_000).required();
    let mut field = OptionSpec::new(OptionKind::String, "field", "項目", "Field to change", "直す項目").required();
    field.choices = field_choices(c, report);
    let place = c
        .areas
        .first()
        .and_then(|a| a.districts.first().map(|d| format!("{}/{d}", a.name)))
        .unwrap_or_default();
    let [clear, dash, _] = CLEAR_VALUES;
    let value = OptionSpec::text(
        "value",
        "値",
        &format!("New value; {clear} or {dash} clears an optional field; place: {place}"),
        &format!("新しい値（{clear} か {dash} で空に。場所は {place} のように地区/区）"),
    );
    let history = history(c);
    let mut description = "Your records: list, fix, delete, undo, export, duplicates".to_string();
    let mut description_ja = "記録の一覧・修正・削除・取り消し・書き出し・重複".to_string();
    // `、{group}の{label}の経過`: the history by its group's and type's names, where there is one.
    if let (Some(history), Some(subsidy)) = (&history, subsidy_type(c)) {
        let group = history.options.first().map_or("", |g| g.name_ja.as_str());
        description.push_str(&format!("; a group's {} history", subsidy.key()));
        description_ja.push_str(&format!("、{group}の{}", history.name_ja));
    }
    CommandSpec {
        name: "records",
        name_ja: "記録",
        description,
        description_ja,
        action: None,
        options: vec![
            OptionSpec::sub(
                Action::new(Command::RecordsMine).private(),
                "mine",
                "自分の記録",
                "My records, newest date first, 10 a page",
                "自分の記録（日付の新しい順、10件ずつ）",
                vec![page()],
            ),
            OptionSpec::sub(
                Action::new(Command::RecordsList).private(),
                "list",
                "一覧",
                "Everyone's records by fiscal year, dates, type, place or reporter (admins)",
                "みんなの記録を年度・期間・種類・場所・報告者で絞って一覧（管理者用）",
                list_filters(c),
            ),
            OptionSpec::sub(
                Action::new(Command::RecordsEdit).private(),
                "edit",
                "修正",
                "Change one field of a record",
                "記録の項目を1つ直す",
                vec![
                    id(),
                    field,
                    // Free text here; `/records edit` checks it again by the field's own option.
                    value.free_text().required(),
                ],
            ),
            OptionSpec::sub(
                Action::new(Command::RecordsDelete).private(),
                "delete",
                "削除",
                "Delete a record",
                "記録を削除する",
                vec![id()],
            ),
            // Reads a period's records and writes a file.
            OptionSpec::sub(
                Action::new(Command::RecordsExport).private().defers(),
                "export",
                "書き出し",
                "All records of a period as a CSV or Excel file",
                "期間のすべての記録を CSV か Excel のファイルで",
                vec![
                    from_option(),
                    to_option(),
                    OptionSpec::text(
                        "format",
                        "形式",
                        "File format (default: xlsx)",
                        "ファイルの形式（省略すると xlsx）",
                    )
                    .choices(&["xlsx".to_string(), "csv".to_string()]),
                ],
            ),
        ]
        .into_iter()
        .chain(history)
        .chain([OptionSpec::sub(
            Action::new(Command::RecordsDuplicates).private(),
            "duplicates",
            "重複",
            "Pairs of records that look like one thing reported twice (admins)",
            "二重の報告かもしれない記録の組（管理者）",
            vec![fiscal_year()],
        )])
        .chain([OptionSpec::sub(
            Action::new(Command::RecordsUndo).private(),
            "undo",
            "取り消し",
            "Undo your report (within 15 minutes)",
            "自分の報告を取り消す（15分以内）",
            vec![id()],
        )])
        .collect(),
    }
}

/// `/remind off | on`: the monthly reminder's mentions of the user who types it.
fn remind() -> CommandSpec {
    CommandSpec {
        name: "remind",
        name_ja: "リマインド",
        description: "Mentions in the monthly reminder of what is missing: off or on for you".into(),
        description_ja: "月のリマインド（まだの記録のお知らせ）で自分をメンションするか".into(),
        action: None,
        options: vec![
            OptionSpec::sub(
                Action::new(Command::RemindOff).private(),
                "off",
                "オフ",
                "Do not mention me in the reminder",
                "リマインドで自分をメンションしない",
                Vec::new(),
            ),
            OptionSpec::sub(
                Action::new(Command::RemindOn).private(),
                "on",
                "オン",
                "Mention me again in the reminder",
                "リマインドで自分をまたメンションする",
                Vec::new(),
            ),
        ],
    }
}

// ---- Discord's registration payload -------------------------------------------------------

fn localized(ja: &str) -> Value {
    json!({ LOCALE: ja })
}

fn option_json(o: &OptionSpec) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), json!(o.kind.discord_type()));
    m.insert("name".into(), json!(o.name));
    m.insert("name_localizations".into(), localized(&o.name_ja));
    m.insert("description".into(), json!(o.description));
    m.insert("description_localizations".into(), localized(&o.description_ja));
    if o.kind == OptionKind::SubCommand {
        m.insert(
            "options".into(),
            Value::Array(o.options.iter().map(option_json).collect()),
        );
        return Value::Object(m);
    }
    m.insert("required".into(), json!(o.required));
    if !o.choices.is_empty() {
        let choices = o
            .choices
            .iter()
            .map(|c| match &c.value {
                ChoiceValue::String(v) => json!({ "name": c.name, "value": v }),
                ChoiceValue::Integer(v) => json!({ "name": c.name, "value": v }),
            })
            .collect();
        m.insert("choices".into(), Value::Array(choices));
    }
    if o.autocomplete {
        m.insert("autocomplete".into(), json!(true));
    }
    if let Some(min) = o.min {
        m.insert("min_value".into(), json!(min));
    }
    if let Some(max) = o.max {
        m.insert("max_value".into(), json!(max));
    }
    if let (Some(max), OptionKind::String, true) = (o.max_length, o.kind, o.choices.is_empty()) {
        m.insert("max_length".into(), json!(max));
    }
    Value::Object(m)
}

/// The array of application commands for Discord's bulk-overwrite endpoint: chat-input commands,
/// usable in servers only.
pub fn payload(commands: &[CommandSpec]) -> Value {
    Value::Array(
        commands
            .iter()
            .map(|c| {
                json!({
                    "type": 1,
                    "name": c.name,
                    "name_localizations": localized(c.name_ja),
                    "description": c.description,
                    "description_localizations": localized(&c.description_ja),
                    "contexts": [0],
                    "options": c.options.iter().map(option_json).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests;
