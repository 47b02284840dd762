//! The command set as data: every command, subcommand and option with its Japanese name and
//! description, type, choices, limits and autocomplete flag. Built from the catalogue (choices
//! are the configured kinds, areas, courses …). Discord's registration payload (`payload`) and
//! the console's parser (`console/parse.rs`) are both derived from it, and it is the one source
//! of every text limit: `max_length` (and `free_text`, whether line breaks are allowed) bound
//! the same field from Discord, the console and `kyodo import` (`OptionSpec::text_rules`).

use crate::domain::catalogue::Catalogue;
use crate::domain::text::Rules;
use crate::domain::validate::MAX_COUNT;
use serde_json::{json, Map, Value};

/// The one locale we localise into.
pub const LOCALE: &str = "ja";

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
    pub name: &'static str,
    pub name_ja: &'static str,
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
    /// The options of a subcommand.
    pub options: Vec<OptionSpec>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSpec {
    pub name: &'static str,
    pub name_ja: &'static str,
    pub description: &'static str,
    pub description_ja: &'static str,
    pub options: Vec<OptionSpec>,
}

impl OptionSpec {
    fn new(
        kind: OptionKind,
        name: &'static str,
        name_ja: &'static str,
        description: &str,
        description_ja: &str,
    ) -> Self {
        OptionSpec {
            kind,
            name,
            name_ja,
            description: description.to_string(),
            description_ja: description_ja.to_string(),
            required: false,
            choices: Vec::new(),
            min: None,
            max: None,
            max_length: None,
            free_text: false,
            autocomplete: false,
            options: Vec::new(),
        }
    }

    fn sub(
        name: &'static str,
        name_ja: &'static str,
        description: &str,
        description_ja: &str,
        options: Vec<OptionSpec>,
    ) -> Self {
        OptionSpec {
            options,
            ..OptionSpec::new(OptionKind::SubCommand, name, name_ja, description, description_ja)
        }
    }

    fn text(name: &'static str, name_ja: &'static str, description: &str, description_ja: &str) -> Self {
        OptionSpec {
            max_length: Some(200),
            ..OptionSpec::new(OptionKind::String, name, name_ja, description, description_ja)
        }
    }

    fn integer(
        name: &'static str,
        name_ja: &'static str,
        description: &str,
        description_ja: &str,
        min: i64,
        max: i64,
    ) -> Self {
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

    fn autocomplete(self) -> Self {
        OptionSpec {
            autocomplete: true,
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
}

fn date() -> OptionSpec {
    OptionSpec::text(
        "date",
        "日付",
        "When (2026-06-15, 6/15, R8.6.15, 令和8年6月15日, 今日, 昨日); default today",
        "いつ（2026-06-15、6/15、R8.6.15、令和8年6月15日、今日、昨日）。省略すると今日",
    )
    .with_max_length(40)
}

impl OptionSpec {
    fn with_max_length(self, max: u16) -> Self {
        OptionSpec {
            max_length: Some(max),
            ..self
        }
    }
}

/// A subsidy group, suggested from the groups already recorded.
fn group() -> OptionSpec {
    OptionSpec::text("group", "団体", "Group", "団体")
        .with_max_length(100)
        .autocomplete()
        .required()
}

fn note() -> OptionSpec {
    OptionSpec::text("note", "メモ", "A note", "メモ").free_text()
}

/// Every record field, canonical name and Japanese name, for `label`. (`/records edit`'s
/// choices come from `/report`'s options themselves: `field_choices`.)
pub const EDITABLE_FIELDS: [(&str, &str); 17] = [
    ("date", "日付"),
    ("area", "地区"),
    ("district", "区"),
    ("topic", "内容"),
    ("kind", "種類"),
    ("status", "状態"),
    ("count", "件数"),
    ("side", "相談者"),
    ("note", "メモ"),
    ("course", "コース"),
    ("group", "団体"),
    ("amount", "金額"),
    ("method", "方法"),
    ("project", "事業"),
    ("department", "担当課"),
    ("title", "名称"),
    ("medium", "媒体"),
];

/// `/records edit`'s field that changes a meeting's area and district together
/// (`field:place value:中部/本町`): canonical and Japanese name.
pub const PLACE: (&str, &str) = ("place", "場所");

/// The fields `PLACE` stands for, area first.
pub const PLACE_PARTS: [&str; 2] = ["area", "district"];

/// The values that clear an optional field in `/records edit` (`value:なし`, `value:-`;
/// the full-width `－` is the same as `-`).
pub const CLEAR_VALUES: [&str; 3] = ["なし", "-", "－"];

/// Options that are not record fields, with their Japanese names.
const OTHER_OPTIONS: [(&str, &str); 9] = [
    ("month", "月"),
    ("from", "開始日"),
    ("to", "終了日"),
    ("format", "形式"),
    ("id", "番号"),
    ("field", "項目"),
    ("value", "値"),
    ("fiscal_year", "年度"),
    ("initiative", "取り組み"),
];

/// `区（district）`: how replies name an option, from its canonical name.
pub fn label(name: &str) -> String {
    EDITABLE_FIELDS
        .iter()
        .chain(std::iter::once(&PLACE))
        .chain(OTHER_OPTIONS.iter())
        .find(|(n, _)| *n == name)
        .map_or_else(|| name.to_string(), |(n, ja)| format!("{ja}（{n}）"))
}

/// `/records edit`'s field choices: every `/report` field once, named by its Japanese names
/// (`名称・題名（title）` where record types differ), with `PLACE` just before its area; each
/// Japanese name alone is accepted too (`field:メモ`).
fn field_choices(report: &CommandSpec) -> Vec<Choice> {
    let mut fields: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
    for option in report.options.iter().flat_map(|sub| &sub.options) {
        if option.name == PLACE_PARTS[0] && !fields.iter().any(|(n, _)| *n == PLACE.0) {
            fields.push((PLACE.0, vec![PLACE.1]));
        }
        match fields.iter_mut().find(|(n, _)| *n == option.name) {
            Some((_, names)) if !names.contains(&option.name_ja) => names.push(option.name_ja),
            Some(_) => {}
            None => fields.push((option.name, vec![option.name_ja])),
        }
    }
    fields
        .into_iter()
        .map(|(name, names)| Choice {
            name: format!("{}（{name}）", names.join("・")),
            value: ChoiceValue::String(name.to_string()),
            also: names.into_iter().map(str::to_string).collect(),
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
        CommandSpec {
            name: "admin",
            name_ja: "管理",
            description: "For administrators: the bot's state",
            description_ja: "管理者用: ボットの状態",
            options: vec![OptionSpec::sub(
                "status",
                "状態",
                "Database, bot (gateway, scheduler), baseline, scheduled posts and failures",
                "データベース・ボットの稼働・基準データ・自動投稿と失敗の状況",
                Vec::new(),
            )],
        },
        CommandSpec {
            name: "help",
            name_ja: "ヘルプ",
            description: "What each command does, with examples",
            description_ja: "コマンドの使い方と例",
            options: Vec::new(),
        },
    ]
}

fn names<'a>(items: impl Iterator<Item = &'a String>) -> Vec<String> {
    items.cloned().collect()
}

fn report(c: &Catalogue) -> CommandSpec {
    let areas = names(c.areas.iter().map(|a| &a.name));
    let largest_cap = c.subsidy.courses.iter().map(|k| k.cap).max().unwrap_or(0);
    let subsidy_statuses: Vec<String> = c.subsidy.statuses().into_iter().cloned().collect();
    let title = |d: &str, ja: &str| OptionSpec::text("title", "名称", d, ja).required();
    CommandSpec {
        name: "report",
        name_ja: "報告",
        description: "Record something that happened",
        description_ja: "実績を記録する",
        options: vec![
            OptionSpec::sub(
                "meeting",
                "地区連携",
                "② A liaison officer's meeting with a district",
                "② 地区担当職員と区の連携（打合せ・懇談会）",
                vec![
                    OptionSpec::text("area", "地区", "Area", "地区")
                        .choices(&areas)
                        .required(),
                    OptionSpec::text("district", "区", "District (in the area)", "区（地区の中の区）")
                        .with_max_length(40)
                        .autocomplete()
                        .required(),
                    date(),
                    OptionSpec::text("topic", "内容", "What it was about", "内容").free_text(),
                ],
            ),
            OptionSpec::sub(
                "council",
                "区長会",
                "① A district council (区長会) activity",
                "① 区長会の活動",
                vec![
                    OptionSpec::text("kind", "種類", "Kind", "種類")
                        .choices(&c.council.kinds)
                        .required(),
                    OptionSpec::text("status", "状態", "Status (default: held)", "状態（省略すると実施）")
                        .choices(&names(c.council.statuses.iter().map(|s| &s.name))),
                    date(),
                    note(),
                ],
            ),
            OptionSpec::sub(
                "consultation",
                "相談",
                "③ Consultations at the volunteer centre",
                "③ ぼらせんこもろの相談",
                vec![
                    OptionSpec::integer("count", "件数", "How many", "件数", 1, i64::from(MAX_COUNT)).required(),
                    OptionSpec::text("side", "相談者", "Who asked", "相談者").choices(&c.consultation_sides),
                    date(),
                    note(),
                ],
            ),
            OptionSpec::sub(
                "match",
                "マッチング",
                "③ Matchings at the volunteer centre",
                "③ ぼらせんこもろのマッチング",
                vec![
                    OptionSpec::integer("count", "件数", "How many", "件数", 1, i64::from(MAX_COUNT)).required(),
                    date(),
                    note(),
                ],
            ),
            OptionSpec::sub(
                "subsidy",
                "補助金",
                "④ A civic activity subsidy: application, grant, not selected, withdrawal, report",
                &format!("④ 市民活動促進事業補助金の{}", subsidy_statuses.join("・")),
                vec![
                    OptionSpec::text("course", "コース", "Course", "コース")
                        .choices(&names(c.subsidy.courses.iter().map(|k| &k.name)))
                        .required(),
                    group(),
                    OptionSpec::text("status", "状態", "Status", "状態")
                        .choices(&subsidy_statuses)
                        .required(),
                    OptionSpec::integer(
                        "amount",
                        "金額",
                        "Amount in yen: required for a grant, optional for an application",
                        &format!(
                            "金額（円）。{}には必須、{}は任意、ほかの状態には不要",
                            c.subsidy.granted, c.subsidy.applied
                        ),
                        0,
                        i64::try_from(largest_cap).unwrap_or(i64::MAX),
                    ),
                    date(),
                ],
            ),
            OptionSpec::sub(
                "participation",
                "市民参加",
                "⑤ An occasion where citizens' opinions were asked",
                "⑤ 市民参加手続き（意見を聞いた機会）",
                vec![
                    OptionSpec::text("method", "方法", "Method", "方法")
                        .choices(&c.participation_methods)
                        .required(),
                    OptionSpec::text("project", "事業", "Project", "事業").required(),
                    OptionSpec::text("department", "担当課", "Department", "担当課").with_max_length(60),
                    date(),
                ],
            ),
            OptionSpec::sub(
                "collab",
                "連携機会",
                "⑥ A joint occasion of the council and civic groups",
                "⑥ 区長会と市民活動の連携の機会",
                vec![title("Title", "名称"), date()],
            ),
            OptionSpec::sub(
                "info",
                "情報共有",
                "⑦ An information-sharing occasion",
                "⑦ 各主体の情報共有の機会",
                vec![title("Title", "名称"), date()],
            ),
            OptionSpec::sub(
                "publicity",
                "広報",
                "⑧⑨ A publicity item or article",
                "⑧⑨ 条例の普及・実践の見える化の広報",
                vec![
                    OptionSpec::text("kind", "種類", "Kind", "種類")
                        .choices(&names(c.publicity.kinds.iter().map(|k| &k.name)))
                        .required(),
                    OptionSpec::text("medium", "媒体", "Medium", "媒体").choices(&c.publicity.media),
                    OptionSpec::text("title", "題名", "Title", "題名"),
                    date(),
                ],
            ),
        ],
    }
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
    CommandSpec {
        name: "totals",
        name_ja: "集計",
        description: "This fiscal year so far, against last year and the targets",
        description_ja: "今年度の累計（前年同期・目標と比べて）",
        options: vec![fiscal_year(), initiative],
    }
}

fn summary() -> CommandSpec {
    CommandSpec {
        name: "summary",
        name_ja: "まとめ",
        description: "Summaries in the layout of the official report",
        description_ja: "報告書の形のまとめ",
        options: vec![
            OptionSpec::sub(
                "month",
                "月次",
                "The monthly digest with its chart (default: last month)",
                "月次まとめとグラフ（省略すると先月）",
                vec![OptionSpec::text(
                    "month",
                    "月",
                    "Month (2026-10, R8.10, 10月)",
                    "月（2026-10、R8.10、10月）",
                )
                .with_max_length(20)],
            ),
            OptionSpec::sub(
                "year",
                "年次",
                "The annual summary (default: the last fiscal year that ended)",
                "年次報告（省略すると終わった最新の年度）",
                vec![fiscal_year()],
            ),
        ],
    }
}

fn records(c: &Catalogue, report: &CommandSpec) -> CommandSpec {
    let id = || OptionSpec::integer("id", "番号", "Record number", "記録の番号", 1, 1_000_000_000).required();
    let mut field = OptionSpec::new(OptionKind::String, "field", "項目", "Field to change", "直す項目").required();
    field.choices = field_choices(report);
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
    CommandSpec {
        name: "records",
        name_ja: "記録",
        description: "Your records: list, fix, delete, undo, export; a group's subsidy history",
        description_ja: "記録の一覧・修正・削除・取り消し・書き出し、団体の補助金の経過",
        options: vec![
            OptionSpec::sub(
                "mine",
                "自分の記録",
                "My latest records",
                "自分の最近の記録",
                Vec::new(),
            ),
            OptionSpec::sub(
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
            OptionSpec::sub("delete", "削除", "Delete a record", "記録を削除する", vec![id()]),
            OptionSpec::sub(
                "export",
                "書き出し",
                "All records of a period as a CSV or Excel file",
                "期間のすべての記録を CSV か Excel のファイルで",
                vec![
                    OptionSpec::text(
                        "from",
                        "開始日",
                        "First day (default: start of this fiscal year)",
                        "最初の日（省略すると今年度の初め）",
                    )
                    .with_max_length(40),
                    OptionSpec::text(
                        "to",
                        "終了日",
                        "Last day (default: today)",
                        "最後の日（省略すると今日）",
                    )
                    .with_max_length(40),
                    OptionSpec::text(
                        "format",
                        "形式",
                        "File format (default: xlsx)",
                        "ファイルの形式（省略すると xlsx）",
                    )
                    .choices(&["xlsx".to_string(), "csv".to_string()]),
                ],
            ),
            OptionSpec::sub(
                "history",
                "補助金の経過",
                "A group's subsidy records, oldest first",
                "団体の補助金の記録（古い順）",
                vec![
                    group(),
                    OptionSpec::text("course", "コース", "Only this course", "このコースだけ")
                        .choices(&names(c.subsidy.courses.iter().map(|k| &k.name))),
                ],
            ),
            OptionSpec::sub(
                "undo",
                "取り消し",
                "Undo your report (within 15 minutes)",
                "自分の報告を取り消す（15分以内）",
                vec![id()],
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
    m.insert("name_localizations".into(), localized(o.name_ja));
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
                    "description_localizations": localized(c.description_ja),
                    "contexts": [0],
                    "options": c.options.iter().map(option_json).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests;
