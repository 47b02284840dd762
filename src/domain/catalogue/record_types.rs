//! The catalogue's `[[record_types]]`: each record type described once, read and checked with
//! the line of every problem. What the file says becomes a `RecordTypeSpec`
//! (`domain/record_type.rs`); everything about a record type is derived from it.

use super::{Checker, Seen};
use crate::domain::record::Column;
use crate::domain::record_type::{ChoiceItem, FieldKind, FieldSpec, Layout, RecordType, RecordTypeSpec, Rule, Slot};
use crate::domain::subsidy::Stage;
use crate::domain::validate::MAX_COUNT;
use serde::Deserialize;
use std::collections::HashSet;
use toml::Spanned;

/// The most characters a text field may hold unless the catalogue says otherwise.
pub const DEFAULT_MAX_LENGTH: u16 = 200;
/// The largest `max_length` the catalogue may set (Discord's limit for a string option).
pub const MAX_MAX_LENGTH: u16 = 6000;
/// The date's option: its name, descriptions and length, the same for every record type.
pub const DATE_NAME: &str = "日付";
pub const DATE_DESCRIPTION: &str = "いつ（2026-06-15、6/15、R8.6.15、令和8年6月15日、今日、昨日）。省略すると今日";
pub const DATE_DESCRIPTION_EN: &str = "When (2026-06-15, 6/15, R8.6.15, 令和8年6月15日, 今日, 昨日); default today";
pub const DATE_MAX_LENGTH: u16 = 40;

/// The `stage = "…"` words of a subsidy state, in the lifecycle's order.
const STAGES: [(&str, Stage); 5] = [
    ("applied", Stage::Applied),
    ("granted", Stage::Granted),
    ("rejected", Stage::Rejected),
    ("declined", Stage::Declined),
    ("reported", Stage::Reported),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRecordType {
    key: Spanned<String>,
    name: Spanned<String>,
    label: Option<Spanned<String>>,
    #[serde(default)]
    formerly: Vec<Spanned<String>>,
    description: Spanned<String>,
    description_en: Spanned<String>,
    help: Spanned<String>,
    line: Spanned<String>,
    rule: Option<Spanned<String>>,
    by: Option<Spanned<String>>,
    detail: Option<Spanned<String>>,
    report: Option<Spanned<String>>,
    monthly: Option<Spanned<toml::Value>>,
    fields: Spanned<Vec<Spanned<RawField>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    column: Spanned<String>,
    name: Option<Spanned<String>>,
    #[serde(rename = "type")]
    kind: Option<Spanned<String>>,
    #[serde(default)]
    required: bool,
    max_length: Option<Spanned<i64>>,
    #[serde(default)]
    multiline: bool,
    description: Option<String>,
    description_en: Option<String>,
    default: Option<Spanned<String>>,
    called: Option<String>,
    example: Option<String>,
    #[serde(default)]
    formerly: Vec<Spanned<String>>,
    choices: Option<Spanned<Vec<Spanned<toml::Value>>>>,
}

fn columns_list() -> String {
    let mut names: Vec<&str> = Column::ALL.iter().map(|c| c.key()).collect();
    names.push("date");
    names.join(" ")
}

impl Checker<'_> {
    /// Every record type, each checked, in the file's order.
    pub(super) fn record_types(&mut self, raw: &[RawRecordType]) -> Vec<RecordTypeSpec> {
        let mut keys = HashSet::new();
        let mut names = Seen::new();
        let mut specs = Vec::new();
        for r in raw {
            let key = r.key.get_ref().trim();
            if !RecordType::is_key(key) {
                self.fail(
                    &r.key,
                    format!(
                        "記録の種類の key「{key}」は英小文字・数字・_ で、英小文字から始めてください（例: meeting）"
                    ),
                );
                continue;
            }
            let record_type = RecordType::of(key);
            if !keys.insert(record_type) {
                self.fail(&r.key, format!("記録の種類「{record_type}」が2回書かれています"));
                continue;
            }
            let name = self.name(&r.name, "記録の種類");
            self.distinct(&mut names, &r.name, &name, "記録の種類");
            let label = match &r.label {
                Some(label) => self.name(label, "記録の種類の label"),
                None => name.clone(),
            };
            let fields = self.fields(r, &label);
            let rule = r.rule.as_ref().and_then(|rule| {
                let found = Rule::ALL.into_iter().find(|x| x.key() == rule.get_ref().trim());
                if found.is_none() {
                    self.fail(
                        rule,
                        format!(
                            "決まり（rule）「{}」はありません（使えるもの: {}）",
                            rule.get_ref(),
                            Rule::ALL.map(Rule::key).join(", ")
                        ),
                    );
                }
                found
            });
            let by = self.own_column(
                r.by.as_ref(),
                &fields,
                &label,
                "by",
                &[FieldKind::Choice, FieldKind::Area],
            );
            let detail = self.own_column(
                r.detail.as_ref(),
                &fields,
                &label,
                "detail",
                &[FieldKind::Choice, FieldKind::District],
            );
            let layout = self.layout(r, rule, by, &label);
            if fields
                .iter()
                .any(|f| f.column() != by && f.choices.iter().any(|c| c.indicator.is_some()))
            {
                self.fail(
                    &r.fields,
                    format!("{label}: choices の indicator（数える指標）は by の項目の choices にだけ書けます"),
                );
            }
            let formerly = r
                .formerly
                .iter()
                .map(|old| self.name(old, "記録の種類の formerly"))
                .collect();
            let monthly = self.monthly(r.monthly.as_ref(), &label);
            let spec = RecordTypeSpec {
                record_type,
                formerly,
                by,
                detail,
                layout,
                label,
                description: self.name(&r.description, "記録の種類の description"),
                description_en: self.name(&r.description_en, "記録の種類の description_en"),
                help: self.name(&r.help, "記録の種類の help"),
                line: self.line(&r.line, &fields),
                rule,
                monthly,
                fields,
                name,
            };
            if let Some(Rule::Subsidy) = spec.rule {
                self.subsidy_rule(r, &spec);
            }
            specs.push(spec);
        }
        if specs.is_empty() && self.problems.is_empty() {
            self.problems.push(crate::domain::catalogue::Problem {
                line: None,
                message: "記録の種類（[[record_types]]）が1つもありません".into(),
            });
        }
        specs
    }

    /// `monthly = true | false` (false when left out).
    fn monthly(&mut self, raw: Option<&Spanned<toml::Value>>, label: &str) -> bool {
        let Some(raw) = raw else { return false };
        match raw.get_ref().as_bool() {
            Some(monthly) => monthly,
            None => {
                self.fail(
                    raw,
                    format!("{label}の monthly（毎月報告する種類か）は true か false で書いてください"),
                );
                false
            }
        }
    }

    /// The column `by = "…"` or `detail = "…"` names: one of the type's own fields, of a kind in `kinds`.
    fn own_column(
        &mut self,
        raw: Option<&Spanned<String>>,
        fields: &[FieldSpec],
        label: &str,
        key: &str,
        kinds: &[FieldKind],
    ) -> Option<Column> {
        let raw = raw?;
        let name = raw.get_ref().trim();
        let field = Column::parse(name).and_then(|c| fields.iter().find(|f| f.column() == Some(c)));
        match field {
            Some(f) if kinds.contains(&f.kind) => f.column(),
            _ => {
                let kinds: Vec<&str> = kinds.iter().map(|k| k.key()).collect();
                self.fail(
                    raw,
                    format!(
                        "{label}の {key}「{name}」は、この種類の {} の項目の列にしてください",
                        kinds.join("・")
                    ),
                );
                None
            }
        }
    }

    /// The report's layout, `report = "…"` (a count unless said), with what it needs.
    fn layout(&mut self, r: &RawRecordType, rule: Option<Rule>, by: Option<Column>, label: &str) -> Layout {
        let Some(raw) = &r.report else {
            return if rule == Some(Rule::Subsidy) {
                Layout::Subsidy
            } else {
                Layout::Count
            };
        };
        let Some(layout) = Layout::ALL.into_iter().find(|l| l.key() == raw.get_ref().trim()) else {
            self.fail(
                raw,
                format!(
                    "report「{}」はありません（使えるもの: {}）",
                    raw.get_ref(),
                    Layout::ALL.map(Layout::key).join(", ")
                ),
            );
            return Layout::Count;
        };
        match layout {
            Layout::Values | Layout::Kinds | Layout::List if by.is_none() => {
                self.fail(
                    raw,
                    format!("{label}の report = \"{}\" には by（内訳の列）が要ります", layout.key()),
                );
            }
            Layout::Subsidy if rule != Some(Rule::Subsidy) => {
                self.fail(
                    raw,
                    format!("{label}の report = \"subsidy\" は rule = \"subsidy\" の種類だけです"),
                );
            }
            _ => {}
        }
        layout
    }

    fn fields(&mut self, r: &RawRecordType, label: &str) -> Vec<FieldSpec> {
        let mut fields: Vec<FieldSpec> = Vec::new();
        let mut optional_seen = false;
        for raw in r.fields.get_ref() {
            let f = raw.get_ref();
            let column = f.column.get_ref().trim();
            let slot = if column == "date" {
                Slot::Date
            } else if let Some(c) = Column::parse(column) {
                Slot::Column(c)
            } else {
                self.fail(
                    &f.column,
                    format!("列（column）「{column}」はありません（使えるもの: {}）", columns_list()),
                );
                continue;
            };
            if fields.iter().any(|x| x.slot == slot) {
                self.fail(&f.column, format!("{label}に列「{column}」の項目が2つあります"));
                continue;
            }
            let kind = match (&f.kind, slot) {
                (None, Slot::Date) => FieldKind::Date,
                (None, _) => {
                    self.fail(raw, format!("{label}の項目「{column}」に type がありません"));
                    continue;
                }
                (Some(kind), _) => match FieldKind::ALL.into_iter().find(|k| k.key() == kind.get_ref().trim()) {
                    Some(k) => k,
                    None => {
                        self.fail(
                            kind,
                            format!(
                                "項目の type「{}」はありません（使えるもの: {}）",
                                kind.get_ref(),
                                FieldKind::ALL.map(FieldKind::key).join(" ")
                            ),
                        );
                        continue;
                    }
                },
            };
            let fits = match (kind, slot) {
                (FieldKind::Date, Slot::Date) => true,
                (FieldKind::Count, Slot::Column(Column::Count)) => true,
                (FieldKind::Amount, Slot::Column(Column::Amount)) => true,
                (FieldKind::Date | FieldKind::Count | FieldKind::Amount, _) | (_, Slot::Date) => false,
                (_, Slot::Column(c)) => !c.is_number(),
            };
            if !fits {
                self.fail(
                    &f.column,
                    format!("{label}の項目「{column}」: type「{}」はこの列に入れられません（count は count 列、amount は amount 列、date は date、ほかは文字の列）", kind.key()),
                );
                continue;
            }
            let name = match (&f.name, slot) {
                (Some(name), _) => self.name(name, "項目"),
                (None, Slot::Date) => DATE_NAME.to_string(),
                (None, _) => {
                    self.fail(raw, format!("{label}の項目「{column}」に name がありません"));
                    continue;
                }
            };
            let text_of = |s: &mut Self, value: &Option<String>, what: &str, fallback: &str| match value {
                Some(v) => s.text(v.trim(), raw, what),
                None => fallback.to_string(),
            };
            let (date_ja, date_en) = match slot {
                Slot::Date => (DATE_DESCRIPTION, DATE_DESCRIPTION_EN),
                Slot::Column(_) => (name.as_str(), name.as_str()),
            };
            let description = text_of(self, &f.description, "項目の description", date_ja);
            let description_en = text_of(self, &f.description_en, "項目の description_en", date_en);
            let called = text_of(self, &f.called, "項目の called", &format!("{label}の{name}"));
            if f.required && optional_seen {
                self.fail(
                    raw,
                    format!(
                        "{label}の必須の項目「{column}」は、必須でない項目より前に書いてください（Discord の決まり）"
                    ),
                );
            }
            optional_seen |= !f.required;
            let choices = self.choices(f, kind, &called, label, column, &name);
            let max_length = match (kind, &f.max_length) {
                (FieldKind::Choice | FieldKind::Area | FieldKind::Count | FieldKind::Amount, Some(m)) => {
                    self.fail(
                        m,
                        format!("{label}の項目「{column}」（{}）に max_length は書けません", kind.key()),
                    );
                    None
                }
                (FieldKind::Choice | FieldKind::Area | FieldKind::Count | FieldKind::Amount, None) => None,
                (FieldKind::Date, _) => Some(DATE_MAX_LENGTH),
                (_, None) => Some(DEFAULT_MAX_LENGTH),
                (_, Some(m)) => match u16::try_from(*m.get_ref())
                    .ok()
                    .filter(|n| (1..=MAX_MAX_LENGTH).contains(n))
                {
                    Some(n) => Some(n),
                    None => {
                        self.fail(m, format!("max_length は 1〜{MAX_MAX_LENGTH} の整数で書いてください"));
                        Some(DEFAULT_MAX_LENGTH)
                    }
                },
            };
            let default = f.default.as_ref().map(|d| {
                let value = self.name(d, "項目の default");
                if f.required {
                    self.fail(d, format!("{label}の項目「{column}」は必須なので default は書けません"));
                }
                if kind == FieldKind::Choice && !choices.iter().any(|c| c.name == value) {
                    self.fail(
                        d,
                        format!("{label}の項目「{column}」の default「{value}」が choices にありません"),
                    );
                }
                value
            });
            let (min, max) = match kind {
                FieldKind::Count => (Some(1), Some(i64::from(MAX_COUNT))),
                FieldKind::Amount => (Some(0), None),
                _ => (None, None),
            };
            fields.push(FieldSpec {
                slot,
                name,
                description,
                description_en,
                kind,
                required: f.required,
                max_length,
                multiline: f.multiline && matches!(kind, FieldKind::Text),
                min,
                max,
                choices,
                default,
                called,
                example: f.example.as_ref().map(|e| self.text(e.trim(), raw, "項目の example")),
                formerly: f.formerly.iter().map(|old| self.name(old, "項目の formerly")).collect(),
            });
        }
        if !fields.iter().any(|f| f.slot == Slot::Date) {
            self.fail(
                &r.fields,
                format!("{label}の fields に日付（{{ column = \"date\" }}）がありません"),
            );
        }
        if fields.iter().any(|f| f.kind == FieldKind::District) && !fields.iter().any(|f| f.kind == FieldKind::Area) {
            self.fail(
                &r.fields,
                format!("{label}の district の項目には、同じ種類に area の項目が要ります"),
            );
        }
        // An amount has no bound of its own: its bound is the cap of the course chosen beside
        // it, which `validate` says by name (「<course>コースの上限は…円です」), so that every
        // path — Discord's client, the console, an edit, an import — gives that one message.
        fields
    }

    fn choices(
        &mut self,
        f: &RawField,
        kind: FieldKind,
        called: &str,
        label: &str,
        column: &str,
        name: &str,
    ) -> Vec<ChoiceItem> {
        let Some(list) = &f.choices else {
            if kind == FieldKind::Choice {
                self.fail(
                    &f.column,
                    format!("{label}の項目「{column}」（choice）に choices がありません"),
                );
            }
            return Vec::new();
        };
        if kind != FieldKind::Choice {
            self.fail(
                list,
                format!("{label}の項目「{column}」は choice ではないので choices は書けません"),
            );
            return Vec::new();
        }
        if list.get_ref().is_empty() {
            self.fail(list, format!("{called}が1つもありません"));
        }
        let mut seen = Seen::new();
        let mut items = Vec::new();
        for value in list.get_ref() {
            let Some(item) = self.choice(value, called, name) else {
                continue;
            };
            self.distinct(&mut seen, value, &item.name, called);
            items.push(item);
        }
        items
    }

    /// `"<name>"` or `{ name = "<name>", counts = false, report = "<word>" }`, a choice of the field
    /// named `field` whose choices are `called` so.
    fn choice(&mut self, value: &Spanned<toml::Value>, called: &str, field: &str) -> Option<ChoiceItem> {
        let table = match value.get_ref() {
            toml::Value::String(name) => {
                let name = self.text(name.trim(), value, called);
                if name.is_empty() {
                    self.fail(value, format!("{called}の名前が空です"));
                }
                return Some(ChoiceItem::plain(name));
            }
            toml::Value::Table(table) => table,
            _ => {
                self.fail(
                    value,
                    format!("{called}は \"名前\" か {{ name = \"名前\", … }} で書いてください"),
                );
                return None;
            }
        };
        const KEYS: [&str; 6] = ["name", "counts", "report", "indicator", "cap", "stage"];
        for key in table.keys().filter(|k| !KEYS.contains(&k.as_str())) {
            self.fail(
                value,
                format!("知らない項目「{key}」があります（使える項目: {}）", KEYS.join(", ")),
            );
        }
        let Some(name) = table.get("name").and_then(toml::Value::as_str) else {
            self.fail(value, format!("{called}に name がありません"));
            return None;
        };
        let name = self.text(name.trim(), value, called);
        if name.is_empty() {
            self.fail(value, format!("{called}の名前が空です"));
        }
        let mut item = ChoiceItem::plain(name);
        if let Some(counts) = table.get("counts") {
            match counts.as_bool() {
                Some(b) => item.counts = b,
                None => self.fail(value, "counts は true か false で書いてください"),
            }
        }
        if let Some(report) = table.get("report") {
            match report.as_str() {
                Some(r) => {
                    let r = self.text(r.trim(), value, &format!("{called}の report"));
                    item.report = Some(r).filter(|r| !r.is_empty());
                }
                None => self.fail(value, "report は \" \" で囲んだ文字で書いてください"),
            }
        }
        if let Some(indicator) = table.get("indicator") {
            match indicator
                .as_integer()
                .and_then(|n| u8::try_from(n).ok())
                .filter(|n| *n >= 1)
            {
                Some(n) => item.indicator = Some(n),
                None => self.fail(
                    value,
                    format!("{called}の指標番号（indicator）は1以上の整数で書いてください"),
                ),
            }
        }
        if let Some(cap) = table.get("cap") {
            // A cap that cannot be read is said here, once: the rules see it as given.
            item.cap = Some(0);
            match cap.as_integer().and_then(|n| u64::try_from(n).ok()).filter(|n| *n > 0) {
                Some(n) => item.cap = Some(n),
                None => self.fail(
                    value,
                    format!(
                        "{}{field}の上限（cap）は正の整数（円）で書いてください（例: 200000）",
                        item.name
                    ),
                ),
            }
        }
        if let Some(stage) = table.get("stage") {
            match STAGES.iter().find(|(k, _)| Some(*k) == stage.as_str()) {
                Some((_, s)) => item.stage = Some(*s),
                None => self.fail(
                    value,
                    format!(
                        "stage は {} のどれかで書いてください",
                        STAGES.map(|(k, _)| k).join("・")
                    ),
                ),
            }
        }
        Some(item)
    }

    /// The one-line template: `{column}` of the type's own columns, `[…]` balanced.
    fn line(&mut self, raw: &Spanned<String>, fields: &[FieldSpec]) -> String {
        let line = self.name(raw, "記録の種類の line");
        let mut depth = 0usize;
        let mut rest = line.as_str();
        while let Some(c) = rest.chars().next() {
            rest = &rest[c.len_utf8()..];
            match c {
                '[' => depth += 1,
                ']' if depth == 0 => {
                    self.fail(raw, "line の ] に対応する [ がありません");
                    return line;
                }
                ']' => depth -= 1,
                '{' => {
                    let Some((name, after)) = rest.split_once('}') else {
                        self.fail(raw, "line の { が } で閉じていません");
                        return line;
                    };
                    let known = Column::parse(name).is_some_and(|c| fields.iter().any(|f| f.column() == Some(c)));
                    if !known {
                        self.fail(raw, format!("line の {{{name}}} はこの種類の列ではありません"));
                    }
                    rest = after;
                }
                _ => {}
            }
        }
        if depth > 0 {
            self.fail(raw, "line の [ が ] で閉じていません");
        }
        line
    }

    /// What `Rule::Subsidy` needs of its type: the courses (a choice in `course`, each with its
    /// cap), the states (a choice in `status`, each stage once), the group (a name in `group`)
    /// and the amount.
    fn subsidy_rule(&mut self, r: &RawRecordType, spec: &RecordTypeSpec) {
        let need = |column: Column, kind: FieldKind| spec.field(column).is_some_and(|f| f.kind == kind);
        let parts = [
            (Column::Course, FieldKind::Choice),
            (Column::Group, FieldKind::Name),
            (Column::Status, FieldKind::Choice),
            (Column::Amount, FieldKind::Amount),
        ];
        for (column, kind) in parts {
            if !need(column, kind) {
                self.fail(
                    &r.fields,
                    format!(
                        "rule = \"subsidy\" の{}には列「{}」の {} の項目が要ります",
                        spec.label,
                        column.key(),
                        kind.key()
                    ),
                );
            }
        }
        // Its lifecycle is a group's, and the store finds its records by group (their index).
        if let Some(group) = spec.field(Column::Group).filter(|f| !f.required) {
            self.fail(
                &r.fields,
                format!(
                    "rule = \"subsidy\" の「{}」（列 group）は required = true にしてください（この種類は団体ごとに数えます）",
                    group.called
                ),
            );
        }
        if let Some(course) = spec.field(Column::Course) {
            for item in course.choices.iter().filter(|c| c.cap.is_none()) {
                self.fail(
                    &r.fields,
                    format!("{}「{}」に上限額（cap）がありません", course.called, item.name),
                );
            }
        }
        if let Some(status) = spec.field(Column::Status) {
            for (key, stage) in STAGES {
                let n = status.choices.iter().filter(|c| c.stage == Some(stage)).count();
                if n != 1 {
                    self.fail(
                        &r.fields,
                        format!(
                            "{}には stage = \"{key}\" の状態がちょうど1つ要ります（{n}つあります）。{} applied・granted・rejected・declined・reported はそれぞれ別の名前にしてください",
                            status.called, status.called
                        ),
                    );
                }
            }
        }
    }
}
