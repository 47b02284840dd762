//! `/help [command]`: every command in Japanese with an example; `/help report subsidy` (or
//! `command:"records edit"`) one command or subcommand — its options from the spec (required
//! or not, choices, limits), its examples, and how it works: what a record counts toward and
//! what is recorded but not counted, the subsidy lifecycle, undo against delete.
//!
//! Every example is written in the user's wording (`spec::written`: `/記録 修正 番号:12 …` for
//! someone who typed `/ヘルプ`); each record type's example is its description's, every name in
//! the others from the catalogue. `report_example` is also the console's greeting.

use super::invocation::{unknown_command, unknown_subcommand, Wording};
use super::pace::HISTORY_YEARS;
use super::report::UNDO_MINUTES;
use super::spec::{
    command_called, subsidy_type, written, Command, CommandSpec, OptionKind, OptionSpec, CLEAR_VALUES, PLACE,
};
use super::{Failure, Hints, Request};
use crate::app::App;
use crate::domain::catalogue::Catalogue;
use crate::domain::doubles::SAME_REPORTER_MINUTES;
use crate::domain::number::group_thousands;
use crate::domain::record::Column;
use crate::domain::record_type::{FieldKind, RecordTypeSpec};
use crate::domain::validate::UserError;
use crate::render::reply::{Reply, Section, Visibility};

/// How many choices an option's line lists before it says how many there are.
const LISTED_CHOICES: usize = 12;

/// The catalogue's first area and its first district, the place every example uses.
fn first_place(c: &Catalogue) -> (&str, &str) {
    let area = c.areas.first();
    let district = area.and_then(|a| a.districts.first()).map_or("", String::as_str);
    (area.map_or("", |a| a.name.as_str()), district)
}

/// `/report <key> <options> — <what it is for>`: the type's `/help` example, its `{area}` and
/// `{district}` filled with the catalogue's first area and district.
pub fn report_example(c: &Catalogue, t: &RecordTypeSpec) -> String {
    format!("/report {} {}", t.key(), c.example(t))
}

/// One example of a command: its options (canonical names and values) and what it does.
struct Example {
    options: Vec<(String, String)>,
    what: String,
    /// The example as the catalogue writes it (a record type's, quotes and all), shown as it is
    /// to someone who writes the canonical names.
    raw: Option<String>,
}

impl Example {
    fn new(options: &[(&str, &str)], what: impl Into<String>) -> Self {
        Example {
            options: options.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
            what: what.into(),
            raw: None,
        }
    }

    /// `<the command as the user writes it> — <what it does>`.
    fn line(&self, commands: &[CommandSpec], command: Command, wording: Wording) -> String {
        let options: Vec<(&str, &str)> = self.options.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let written = match (&self.raw, wording) {
            (Some(raw), Wording::Slash) => raw.clone(),
            _ => written(commands, command, &options, wording),
        };
        if self.what.is_empty() {
            written
        } else {
            format!("{written} — {}", self.what)
        }
    }
}

/// The words of a type's example (`area:{area} topic:"…"`), quotes taken off: its options.
fn example_options(text: &str) -> Vec<(String, String)> {
    let mut options = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    for c in text.chars().chain(std::iter::once(' ')) {
        match c {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if let Some((name, value)) = word.split_once(':') {
                    options.push((name.to_string(), value.to_string()));
                }
                word.clear();
            }
            c => word.push(c),
        }
    }
    options
}

/// A record type's example from its description: its options, and what it is for.
fn type_example(c: &Catalogue, t: &RecordTypeSpec) -> Example {
    let example = c.example(t);
    let (options, what) = example.split_once(" — ").unwrap_or((example.as_str(), ""));
    Example {
        options: example_options(options),
        what: what.to_string(),
        raw: Some(format!("/report {} {}", t.key(), options.trim())),
    }
}

/// The examples of `command`, first the one the overview shows.
fn examples(c: &Catalogue, command: Command) -> Vec<Example> {
    let (area, district) = first_place(c);
    let another_district = c
        .areas
        .first()
        .and_then(|a| a.districts.get(1))
        .map_or(district, String::as_str);
    let note = c
        .record_types
        .iter()
        .find_map(|t| t.field(Column::Note))
        .map_or("", |f| f.name.as_str());
    let placed_type = c
        .record_types
        .iter()
        .find(|t| t.field_of_kind(FieldKind::Area).is_some());
    let first_type = c.record_types.first();
    let place = format!("{area}/{district}");
    let fiscal_year_now = "R8";
    match command {
        Command::Report { record_type } => c
            .record_type(record_type)
            .map(|t| vec![type_example(c, t)])
            .unwrap_or_default(),
        Command::Totals => vec![
            Example::new(&[], "今年度の累計（前年同期・目標と比べて）"),
            Example::new(
                &[("fiscal_year", "R7"), ("initiative", "1")],
                "年度や取り組みで絞る",
            ),
        ],
        Command::SummaryMonth => vec![Example::new(
            &[("month", "2026-10")],
            "月次まとめ（その月・年度累計・前年同期・目標、連携がまだない地区と区、グラフ）",
        )],
        Command::SummaryYear => vec![Example::new(
            &[("fiscal_year", "2025")],
            "年次報告（報告書と同じ表、その年度と前の2年度）",
        )],
        Command::RecordsMine => vec![
            Example::new(&[], "自分の記録と番号（日付の新しい順、10件ずつ）"),
            Example::new(&[("page", "2")], "次の10件"),
        ],
        Command::RecordsList => {
            let mut options = vec![("fiscal_year", fiscal_year_now)];
            if let Some(t) = placed_type {
                options.push(("type", t.key()));
                options.push(("area", area));
            }
            vec![Example::new(
                &options,
                "みんなの記録を条件で絞って一覧（管理者だけ。年度・期間・種類・地区・区・報告者で）",
            )]
        }
        Command::RecordsEdit => {
            let mut list = vec![Example::new(
                &[("id", "12"), ("field", "district"), ("value", another_district)],
                "記録の項目を1つ直す（他の人の記録は管理者だけ）",
            )];
            if let Some(t) = placed_type {
                list.push(Example::new(
                    &[("id", "12"), ("field", PLACE.0), ("value", &place)],
                    format!(
                        "{}の地区と区を一緒に直す（/ ／ ・ 空白のどれで区切っても同じ。区だけ直すと、地区もその区の地区に移ります）",
                        t.name
                    ),
                ));
            }
            list.push(Example::new(
                &[("id", "12"), ("field", "note"), ("value", CLEAR_VALUES[0])],
                format!(
                    "必須でない項目（{note}など）を空にする（value:{} でも同じ）",
                    CLEAR_VALUES[1]
                ),
            ));
            list
        }
        Command::RecordsDelete => vec![Example::new(
            &[("id", "12")],
            "記録を削除（集計から外します。履歴は残ります）",
        )],
        Command::RecordsUndo => vec![Example::new(
            &[("id", "12")],
            format!("自分の報告を取り消す（{UNDO_MINUTES}分以内。報告の下のボタンと同じ）"),
        )],
        Command::RecordsExport => vec![Example::new(
            &[("from", "R8.4.1"), ("to", "今日"), ("format", "xlsx")],
            "期間のすべての記録を Excel（または CSV）で",
        )],
        Command::RecordsHistory => {
            let subsidy = subsidy_type(c);
            let group = subsidy.and_then(|t| t.field(Column::Group));
            let course = subsidy.and_then(|t| t.field(Column::Course));
            match (subsidy, group, course) {
                (Some(subsidy), Some(group), Some(course)) => vec![Example::new(
                    &[("group", group.example.as_deref().unwrap_or(&group.name))],
                    format!(
                        "{}の{}の経過（古い順。course:{} で{}を絞れます）",
                        group.name,
                        subsidy.label,
                        course.choices.first().map_or("", |c| c.name.as_str()),
                        course.name
                    ),
                )],
                _ => Vec::new(),
            }
        }
        Command::RecordsDuplicates => vec![Example::new(
            &[("fiscal_year", fiscal_year_now)],
            "二重の報告かもしれない記録の組（管理者だけ。同じものなら片方を削除）",
        )],
        Command::RemindOff => vec![Example::new(
            &[],
            format!(
                "毎月{}日のリマインド（まだない記録のお知らせ）で自分をメンションしない（/remind on で戻す）",
                c.schedule.remind_day
            ),
        )],
        Command::RemindOn => vec![Example::new(&[], "リマインドで自分をまたメンションする")],
        Command::Dashboard => vec![Example::new(
            &[],
            "ダッシュボード（年度の概要・記録の一覧・区×月・年次報告のウェブページ）のサインイン用リンク（10分間、1回だけ。自分だけに届く）",
        )],
        Command::AdminStatus => vec![Example::new(
            &[],
            "データベース・ボットの稼働（Discord との接続・自動投稿）・基準データ・投稿とバックアップの状況と失敗（管理者だけ）",
        )],
        Command::Help => vec![
            Example::new(&[], "この一覧"),
            Example::new(
                &[(
                    "command",
                    &first_type.map_or_else(|| "report".to_string(), |t| format!("report {}", t.key())),
                )],
                "1つのコマンドの使い方（オプション・例・流れ）",
            ),
        ],
    }
}

/// `/help` or `/help <command>`, seen as `shown`.
pub(super) fn handle(app: &App, request: &Request, shown: Visibility, hints: &Hints) -> Result<Reply, Failure> {
    let c = &app.settings.catalogue;
    match request.invocation.text("command") {
        None => Ok(overview(c, hints.commands, hints.wording, shown)),
        Some(asked) => about(c, hints.commands, &asked, hints.wording, shown),
    }
}

/// Every command, each with its first example.
fn overview(c: &Catalogue, commands: &[CommandSpec], wording: Wording, shown: Visibility) -> Reply {
    let lines = |list: &[Command]| -> Vec<String> {
        list.iter()
            .flat_map(|&command| {
                let examples = examples(c, command);
                let take = if matches!(command, Command::RecordsEdit) {
                    examples.len()
                } else {
                    1
                };
                examples
                    .into_iter()
                    .take(take)
                    .map(move |e| e.line(commands, command, wording))
            })
            .collect()
    };
    let report: Vec<Command> = c
        .record_types
        .iter()
        .map(|t| Command::Report {
            record_type: t.record_type,
        })
        .collect();
    let (area_name, district) = first_place(c);
    let placed = c.record_types.iter().find_map(|t| {
        let area = t.field_of_kind(FieldKind::Area)?;
        let district_field = t.field_of_kind(FieldKind::District)?;
        Some(format!(
            "/報告 {} {}:{area_name} {}:{district}",
            t.name, area.name, district_field.name
        ))
    });
    let help_about = Example::new(&[], "").line(commands, Command::Help, wording);
    let note_field = c
        .record_types
        .iter()
        .find_map(|t| t.field(Column::Note))
        .map(|f| f.name.clone());
    let japanese_field = note_field.map(|note| {
        let edit = written(
            commands,
            Command::RecordsEdit,
            &[("id", "12"), ("field", "note"), ("value", "電話で受付")],
            Wording::Japanese,
        );
        format!("項目名も日本語で書けます（{edit} の項目:{note} は field:note と同じ）")
    });
    let notes: Vec<String> = vec![
        "日付は 2026-06-15、6/15、R8.6.15、令和8年6月15日、今日、昨日 のどれでも。省くと今日です".to_string(),
        format!(
            "1つのコマンドの詳しい使い方（オプション・例・流れ）: {help_about} report、{help_about} records edit のように"
        ),
    ]
    .into_iter()
    .chain(placed.map(|p| format!("オプション名は日本語でも使えます（例: {p}）")))
    .chain(japanese_field)
    .collect();
    Reply::done(
        shown,
        "kyodo（協働）の使い方",
        vec![
            Section::new("報告する", lines(&report)),
            Section::new(
                "見る",
                lines(&[
                    Command::Totals,
                    Command::SummaryMonth,
                    Command::SummaryYear,
                    Command::Dashboard,
                    Command::RemindOff,
                ]),
            ),
            Section::new(
                "記録を見る・直す",
                lines(&[
                    Command::RecordsMine,
                    Command::RecordsList,
                    Command::RecordsEdit,
                    Command::RecordsDelete,
                    Command::RecordsUndo,
                    Command::RecordsExport,
                    Command::RecordsHistory,
                    Command::RecordsDuplicates,
                ]),
            ),
            Section::new("管理", lines(&[Command::AdminStatus])),
            Section::new("入力のしかた", notes),
        ],
    )
}

/// The help of the command (and subcommand) `asked` names: `report <type>`, `/報告 <type's name>`.
fn about(
    c: &Catalogue,
    commands: &[CommandSpec],
    asked: &str,
    wording: Wording,
    shown: Visibility,
) -> Result<Reply, Failure> {
    let mut words = asked.split_whitespace();
    let first = words.next().unwrap_or_default().trim_start_matches(['/', '／']);
    let Some(command) = command_called(commands, first) else {
        return Err(unknown_command(commands, first).into());
    };
    let path = format!("/{}", command.name);
    let names = format!("{path}（/{}）", command.name_ja);
    let Some(action) = command.action else {
        // A command with subcommands: one of them, or the list of them.
        let Some(word) = words.next() else {
            return Ok(subcommands(c, commands, command, wording, shown));
        };
        let Some(sub) = command.subcommand(word) else {
            let subs: Vec<OptionSpec> = command.subcommands().cloned().collect();
            return Err(unknown_subcommand(&path, word, &subs).into());
        };
        let Some(action) = sub.action else {
            return Err(UserError::new(format!("{path} {} はまだ使えません", sub.name)).into());
        };
        let title = format!("{path} {}（/{} {}）の使い方", sub.name, command.name_ja, sub.name_ja);
        return Ok(one(
            c,
            commands,
            action.command,
            &title,
            &sub.description_ja,
            &sub.options,
            wording,
            shown,
        ));
    };
    let title = format!("{names}の使い方");
    Ok(one(
        c,
        commands,
        action.command,
        &title,
        &command.description_ja,
        &command.options,
        wording,
        shown,
    ))
}

/// A command's subcommands, each with what it is for and its first example.
fn subcommands(
    c: &Catalogue,
    commands: &[CommandSpec],
    command: &CommandSpec,
    wording: Wording,
    shown: Visibility,
) -> Reply {
    let mut lines = Vec::new();
    for sub in command.subcommands() {
        lines.push(format!("{}（{}）— {}", sub.name, sub.name_ja, sub.description_ja));
        if let Some(action) = sub.action {
            for example in examples(c, action.command).into_iter().take(1) {
                let mut example = example;
                example.what.clear();
                lines.push(format!("  例: {}", example.line(commands, action.command, wording)));
            }
        }
    }
    let help = Example::new(&[], "").line(commands, Command::Help, wording);
    let first = command.subcommands().next().map_or("", |s| s.name.as_str());
    Reply::done(
        shown,
        format!("/{}（/{}）の使い方", command.name, command.name_ja),
        vec![
            Section::lines(vec![command.description_ja.clone()]),
            Section::new("種類", lines),
            Section::lines(vec![format!(
                "種類ごとの詳しい使い方: {help} {} {first} のように",
                command.name
            )]),
        ],
    )
}

/// One command's help: what it does, its options, its examples and how it works.
#[allow(clippy::too_many_arguments)]
fn one(
    c: &Catalogue,
    commands: &[CommandSpec],
    command: Command,
    title: &str,
    description: &str,
    options: &[OptionSpec],
    wording: Wording,
    shown: Visibility,
) -> Reply {
    let option_lines: Vec<String> = if options.is_empty() {
        vec!["ありません".to_string()]
    } else {
        options.iter().map(option_line).collect()
    };
    let example_lines: Vec<String> = examples(c, command)
        .iter()
        .map(|e| e.line(commands, command, wording))
        .collect();
    let mut sections = vec![
        Section::lines(vec![description.to_string()]),
        Section::new("オプション", option_lines),
    ];
    if !example_lines.is_empty() {
        sections.push(Section::new("例", example_lines));
    }
    let flow = flow(c, commands, command, wording);
    if !flow.is_empty() {
        sections.push(Section::new("しくみ", flow));
    }
    Reply::done(shown, title.to_string(), sections)
}

/// `course（コース）必須 — コース。選べるもの: …`: an option as its spec has it.
fn option_line(o: &OptionSpec) -> String {
    let mut notes = Vec::new();
    if !o.choices.is_empty() {
        let names: Vec<&str> = o.choices.iter().map(|c| c.name.as_str()).collect();
        if names.len() <= LISTED_CHOICES {
            notes.push(format!("選べるもの: {}", names.join("、")));
        } else {
            notes.push(format!(
                "選べるもの: {} など{}個",
                names[..LISTED_CHOICES].join("、"),
                names.len()
            ));
        }
    }
    if o.kind == OptionKind::Integer && o.choices.is_empty() {
        match (o.min, o.max) {
            (Some(min), Some(max)) => notes.push(format!("{}〜{}", group(min), group(max))),
            (Some(min), None) => notes.push(format!("{}以上", group(min))),
            _ => {}
        }
    }
    if let (Some(max), true) = (o.max_length, o.kind == OptionKind::String && o.choices.is_empty()) {
        notes.push(format!("{max}文字まで"));
    }
    if o.autocomplete {
        notes.push("入力中に候補が出ます".to_string());
    }
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!("。{}", notes.join("。"))
    };
    let required = if o.required { "（必須）" } else { "" };
    format!("{}（{}）{required} — {}{notes}", o.name, o.name_ja, o.description_ja)
}

/// A whole number with thousands separators.
fn group(n: i64) -> String {
    match u64::try_from(n) {
        Ok(n) => group_thousands(n),
        Err(_) => n.to_string(),
    }
}

/// How a command works behind its options: for a report, what it counts toward and what it
/// does not, the subsidy lifecycle, and undo against delete; for the record commands, the same
/// difference and what each keeps.
fn flow(c: &Catalogue, commands: &[CommandSpec], command: Command, wording: Wording) -> Vec<String> {
    let hint = |command: Command, options: &[(&str, &str)]| written(commands, command, options, wording);
    let undo_delete = vec![
        format!(
            "取り消し（{}）: 報告した本人が、報告から{UNDO_MINUTES}分以内に。押し間違い・打ち間違いをなかったことにします（報告の下のボタンと同じ）",
            hint(Command::RecordsUndo, &[("id", "12")])
        ),
        format!(
            "削除（{}）: いつでも。自分の記録か、管理者なら誰の記録でも",
            hint(Command::RecordsDelete, &[("id", "12")])
        ),
        "どちらも集計から外し、書き出しにも出ません。記録そのものは消えず、履歴（監査記録）に残ります".to_string(),
        format!(
            "値が違うだけなら {} で直します（番号と履歴が続きます）",
            hint(
                Command::RecordsEdit,
                &[("id", "12"), ("field", "note"), ("value", "新しい値")]
            )
        ),
    ];
    match command {
        Command::Report { record_type } => {
            let Some(t) = c.record_type(record_type) else {
                return Vec::new();
            };
            let mut lines = counted(c, t);
            if t.rule.is_some() {
                lines.extend(subsidy_flow(c, commands, wording));
            }
            if let (Some(area), Some(district)) =
                (t.field_of_kind(FieldKind::Area), t.field_of_kind(FieldKind::District))
            {
                lines.push(format!(
                    "{}は{}の中から選びます（{}を選ぶと{}の候補が出ます）",
                    district.name, area.name, area.name, district.name
                ));
            }
            lines.push(format!(
                "報告すると番号（#12 など）と今年度の合計を返します。{UNDO_MINUTES}分以内なら取り消せます"
            ));
            lines.extend(undo_delete);
            lines
        }
        Command::RecordsUndo | Command::RecordsDelete | Command::RecordsEdit => undo_delete,
        Command::RecordsMine | Command::RecordsList => vec![
            format!(
                "日付の新しい順に10件ずつ。次の10件は {}（Discord では「次へ」のボタン）",
                hint(command, &[("page", "2")])
            ),
            format!(
                "番号（#12 など）で {} などが使えます",
                hint(Command::RecordsEdit, &[("id", "12")])
            ),
        ],
        Command::RecordsDuplicates => vec![
            format!(
                "同じ種類・同じ日で、区・団体・題名など同じものに見える記録を、別の人の報告か、同じ人が{SAME_REPORTER_MINUTES}分以内に送ったものなら組にします（内容・メモ・件数・金額は比べません）"
            ),
            format!(
                "まとめたり消したりはしません。同じものなら {} で片方を削除し、別のものならそのままにします",
                hint(Command::RecordsDelete, &[("id", "12")])
            ),
            "報告したときも、同じものに見える記録があれば返信でその番号を示します（記録はします）".to_string(),
        ],
        Command::RemindOff | Command::RemindOn => {
            let s = &c.schedule;
            vec![
                format!(
                    "毎月{}日 {} に、その月に記録のない地区、{}か月以上記録のない区、毎月報告する種類でその月の記録がまだないものを報告チャンネルに投稿します",
                    s.remind_day,
                    s.remind_time.format("%H:%M"),
                    s.stale_months
                ),
                "載った地区の担当職員（設定の liaison）をメンションします。オフにした人はメンションしません（次のリマインドから）".to_string(),
            ]
        }
        Command::Totals | Command::SummaryMonth => {
            let g = &c.grades;
            vec![
                "前年同期: 前の年度の同じ日まで（途中の月は同じ日まで）と比べます。終わった年度どうしは前年度（通年）と比べます".to_string(),
                "—（ダッシュ）は分からない数（記録も基準データもない年度）で、0 ではありません".to_string(),
                format!(
                    "ペース: 前の{HISTORY_YEARS}年度が月ごとにどう積み上がったか（季節の偏りも含めて）から、例年この時期までに年間の何%か、このままなら年度末にいくつかを出します"
                ),
                format!(
                    "目標のある指標は、年度末の見込みを目標と比べて評価します: S（{}%以上）・A（{}%以上）・B（{}%以上）・C（それ未満）。しきい値は設定の [grades] にあります",
                    g.s, g.a, g.b
                ),
                "月ごとの記録がある年度がない指標（新しい指標、基準データの年度だけのもの）は、ペースを出さずにそう書きます".to_string(),
            ]
        }
        _ => Vec::new(),
    }
}

/// What a record of `t` counts toward, and which of its choices are recorded but not counted
/// or written otherwise in the report.
fn counted(c: &Catalogue, t: &RecordTypeSpec) -> Vec<String> {
    let mut lines = Vec::new();
    let routed: Vec<(u8, Vec<&str>)> = t
        .fields
        .iter()
        .flat_map(|f| &f.choices)
        .filter_map(|choice| choice.indicator.map(|n| (n, choice.name.as_str())))
        .fold(Vec::new(), |mut acc, (n, name)| {
            match acc.iter_mut().find(|(m, _): &&mut (u8, Vec<&str>)| *m == n) {
                Some((_, names)) => names.push(name),
                None => acc.push((n, vec![name])),
            }
            acc
        });
    let count = t.field_of_kind(FieldKind::Count);
    if routed.is_empty() {
        if let Some(indicator) = c.indicators.iter().find(|i| i.records.contains(&t.record_type)) {
            let how = match count {
                Some(f) => format!("{}の数だけ", f.name),
                None => format!("1回の報告で1{}", indicator.unit),
            };
            lines.push(format!("この報告は{}に数えます（{how}）", indicator.title()));
        }
    } else {
        for (number, names) in routed {
            if let Some(indicator) = c.indicator(number) {
                lines.push(format!("{}は{}に数えます", names.join("・"), indicator.title()));
            }
        }
    }
    for field in &t.fields {
        for choice in &field.choices {
            if !choice.counts {
                lines.push(format!(
                    "{}が「{}」のものは記録しますが、数えません（報告書では「{}」と書きます）",
                    field.name,
                    choice.name,
                    choice.report_name()
                ));
            } else if choice.report.is_some() {
                lines.push(format!(
                    "「{}」は報告書では「{}」と書きます",
                    choice.name,
                    choice.report_name()
                ));
            }
        }
        if let Some(default) = &field.default {
            lines.push(format!("{}を省くと「{default}」です", field.name));
        }
    }
    lines
}

/// The subsidy lifecycle, in the catalogue's names: what may follow what, one grant per group
/// and course, the amounts each state takes, and where to read a group's history.
fn subsidy_flow(c: &Catalogue, commands: &[CommandSpec], wording: Wording) -> Vec<String> {
    let s = &c.subsidy;
    let caps: Vec<String> = s
        .courses
        .iter()
        .map(|course| format!("{} {}円", course.name, group_thousands(course.cap)))
        .collect();
    let group = subsidy_type(c)
        .and_then(|t| t.field(Column::Group))
        .map_or_else(String::new, |g| g.example.clone().unwrap_or_else(|| g.name.clone()));
    let history = written(commands, Command::RecordsHistory, &[("group", &group)], wording);
    vec![
        format!(
            "流れ（団体・{}ごと）: {} → {}・{}・{}。{} → {} または {}（{}はなくてもかまいません）",
            s.course_name, s.applied, s.granted, s.rejected, s.declined, s.granted, s.declined, s.reported, s.reported
        ),
        format!(
            "{}は1団体各{}1回まで（{}した後も、もう一度は受けられません）。{}や{}の後は、もう一度{}してから次を報告します",
            s.granted, s.course_name, s.declined, s.rejected, s.declined, s.applied
        ),
        format!(
            "金額: {}には必須（{}の上限まで: {}）、{}は任意、ほかの状態には入れません",
            s.granted,
            s.course_name,
            caps.join("、"),
            s.applied
        ),
        "順序は報告した順ではなく日付の順（同じ日は報告した順）で確かめます".to_string(),
        format!("団体の経過は {history}"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_example_reads_back_as_its_options() {
        assert_eq!(
            example_options("area:東 district:西 topic:\"防災 訓練\" date:今日"),
            vec![
                ("area".to_string(), "東".to_string()),
                ("district".to_string(), "西".to_string()),
                ("topic".to_string(), "防災 訓練".to_string()),
                ("date".to_string(), "今日".to_string()),
            ]
        );
    }

    #[test]
    fn every_command_has_an_example_and_a_line_per_option() {
        let c = Catalogue::parse(include_str!("../../config/kyodo.toml")).expect("config");
        let commands = crate::commands::spec::command_set(&c);
        for spec in &commands {
            let actions: Vec<_> = match spec.action {
                Some(a) => vec![(a, spec.options.clone())],
                None => spec
                    .subcommands()
                    .filter_map(|s| s.action.map(|a| (a, s.options.clone())))
                    .collect(),
            };
            for (action, options) in actions {
                assert!(!examples(&c, action.command).is_empty(), "{:?}", action.command);
                for o in &options {
                    let line = option_line(o);
                    assert!(line.starts_with(&format!("{}（{}）", o.name, o.name_ja)), "{line}");
                }
            }
        }
    }

    #[test]
    fn totals_and_the_digest_explain_the_pace_with_the_configured_grades() {
        let toml = include_str!("../../config/kyodo.toml").replace("S = 100\nA = 80\nB = 60", "S = 95\nA = 75\nB = 50");
        let c = Catalogue::parse(&toml).expect("config");
        let commands = crate::commands::spec::command_set(&c);
        for command in [Command::Totals, Command::SummaryMonth] {
            let lines = flow(&c, &commands, command, Wording::default()).join("\n");
            assert!(lines.contains("ペース: 前の3年度が月ごとに"), "{lines}");
            assert!(
                lines.contains("S（95%以上）・A（75%以上）・B（50%以上）・C（それ未満）"),
                "{lines}"
            );
            assert!(lines.contains("ペースを出さずにそう書きます"), "{lines}");
        }
    }
}
