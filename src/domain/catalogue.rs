//! The catalogue: everything about one city's ordinance report that is data, not code —
//! initiatives, indicators, areas and districts, kinds and statuses, subsidy caps, targets,
//! the time zone and the first day of the fiscal year, the schedule of the posts and of the
//! daily backup.
//!
//! `Catalogue::parse` reads the TOML text of `config/kyodo.toml` (the caller reads the file) and
//! checks it, returning every problem with its line. Komoro's values are the shipped default;
//! another city runs kyodo with its own file.

mod record_types;

use super::calendar::FiscalYearStart;
use super::pace::Grades;
use super::record::Column;
use super::record_type::{FieldKind, Layout, RecordType, RecordTypeSpec, Rule};
use super::subsidy::Stage;
use super::text::{self, Rules};
use chrono_tz::Tz;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// One thing wrong with a configuration or data file, with the line it is on when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{line}行目: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Line numbers (1-based) of byte offsets in a text.
pub(crate) struct Lines<'a>(pub &'a str);

impl Lines<'_> {
    pub fn of(&self, offset: usize) -> usize {
        self.0.get(..offset).map_or(0, |before| before.matches('\n').count()) + 1
    }

    /// A problem at the start of `span`.
    pub fn problem<T>(&self, at: &Spanned<T>, message: impl Into<String>) -> Problem {
        Problem {
            line: Some(self.of(at.span().start)),
            message: message.into(),
        }
    }

    /// A TOML syntax or type error, translated where the wording is known.
    pub fn toml_error(&self, error: &toml::de::Error) -> Problem {
        Problem {
            line: error.span().map(|span| self.of(span.start)),
            message: translate_toml_message(error.message()),
        }
    }
}

/// A TOML error's message in Japanese, where the wording is known.
pub(crate) fn translate(error: &toml::de::Error) -> String {
    translate_toml_message(error.message())
}

fn translate_toml_message(message: &str) -> String {
    let message = message.trim();
    if !message.is_ascii() {
        // Our own Japanese message, from a custom deserializer such as `Figure`'s.
        return message.to_string();
    }
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        let expected = rest
            .split_once("expected ")
            .map(|(_, e)| format!("（使える項目: {}）", listed(e)))
            .unwrap_or_default();
        return format!("知らない項目「{field}」があります{expected}");
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let value = rest.split('`').next().unwrap_or(rest);
        let expected = rest
            .split_once("expected ")
            .map(|(_, e)| format!("（使えるもの: {}）", listed(e)))
            .unwrap_or_default();
        return format!("「{value}」は使えません{expected}");
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let expected = rest.split_once(", expected ").map_or("", |(_, e)| e);
        return format!("値の種類が違います。{}を書いてください", expected_kind(expected));
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or(rest);
        return format!("必要な項目「{field}」がありません");
    }
    if let Some(rest) = message.strip_prefix("duplicate key `") {
        let field = rest.split('`').next().unwrap_or(rest);
        return format!("項目「{field}」が2回書かれています");
    }
    if message.starts_with("invalid unquoted key") {
        return "項目名に使えない文字があります。日本語の名前は \"名前\" のように \" \" で囲んでください".into();
    }
    // TOML's own grammar: its English wording is not shown; the line is.
    "TOML の書き方が正しくありません。この行の = 、引用符 \" \"、括弧 [ ] の閉じ忘れを確かめてください".to_string()
}

/// `one of `city`, `report``, `` `a` or `b` ``: the names serde lists, as Japanese lists them.
fn listed(expected: &str) -> String {
    let expected = expected.strip_prefix("one of ").unwrap_or(expected);
    expected
        .split([',', ' '])
        .map(|w| w.trim_matches('`'))
        .filter(|w| !w.is_empty() && *w != "or")
        .collect::<Vec<_>>()
        .join("、")
}

/// What serde expected, in Japanese: a number, text, true or false, a list, a table.
fn expected_kind(expected: &str) -> &'static str {
    let has = |word: &str| expected.contains(word);
    if has("integer") || has("u8") || has("u16") || has("u32") || has("u64") || has("i64") || has("number") {
        "数（整数）"
    } else if has("bool") {
        "true か false"
    } else if has("sequence") || has("array") {
        "一覧（[ ] で囲み、コンマで区切る）"
    } else if has("map") || has("struct") || has("table") {
        "表（[名前] か { }）"
    } else {
        "文字（\" \" で囲む）"
    }
}

/// One of the five initiatives (取り組み).
#[derive(Debug, Clone)]
pub struct Initiative {
    pub number: u8,
    pub name: String,
    pub aim: String,
}

/// One of the nine indicators (①–⑨).
#[derive(Debug, Clone)]
pub struct Indicator {
    pub number: u8,
    pub initiative: u8,
    pub name: String,
    /// The record types that feed this indicator (③ is fed by consultations and matchings).
    pub records: Vec<RecordType>,
    /// Column headers of this indicator in the annual report's table.
    pub columns: Vec<String>,
    /// The word counted in: 回 or 件.
    pub unit: String,
    /// Yearly targets, per record type feeding the indicator.
    pub targets: BTreeMap<RecordType, u64>,
}

impl Indicator {
    /// `①` and the indicator's name.
    pub fn title(&self) -> String {
        format!("{}{}", circled(self.number), self.name)
    }
}

/// ① … ⑳ for 1 … 20, the number in parentheses beyond.
pub fn circled(number: u8) -> String {
    match number {
        1..=20 => char::from_u32(0x2460 + u32::from(number) - 1).map_or_else(|| format!("({number})"), String::from),
        _ => format!("({number})"),
    }
}

#[derive(Debug, Clone)]
pub struct Area {
    pub name: String,
    pub districts: Vec<String>,
    /// The Discord user id of the area's liaison officer (`liaison = "…"`), whom the monthly
    /// reminder mentions when the area or one of its districts has gone without a record.
    pub liaison: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Course {
    pub name: String,
    /// The largest grant of this course, in yen.
    pub cap: u64,
}

/// The subsidy's courses and the names of the states of its lifecycle (`domain::subsidy`):
/// applied → granted / rejected / declined; granted → declined or reported (the `stage`s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subsidy {
    /// The record type that keeps the lifecycle (`Rule::Subsidy`), its label and the name of
    /// its course field (how refusals name them).
    pub record_type: RecordType,
    pub label: String,
    pub course_name: String,
    pub courses: Vec<Course>,
    /// An application (`stage = "applied"`).
    pub applied: String,
    /// A grant (`granted`): one per group and course, ever.
    pub granted: String,
    /// Not selected (`rejected`).
    pub rejected: String,
    /// Withdrawn, before or after the grant (`declined`).
    pub declined: String,
    /// The activity reported, at the year-end presentation (`reported`).
    pub reported: String,
}

impl Subsidy {
    /// The state names in the order of the lifecycle: applied, granted, rejected, declined,
    /// reported.
    pub fn statuses(&self) -> [&String; 5] {
        [
            &self.applied,
            &self.granted,
            &self.rejected,
            &self.declined,
            &self.reported,
        ]
    }
}

/// Per-deployment Discord ids from the optional `[discord]` table; the environment overrides
/// them (`KYODO_GUILD_ID` …, see `discord/settings.rs`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiscordIds {
    pub guild_id: Option<u64>,
    pub report_channel_id: Option<u64>,
    pub staff_role_id: Option<u64>,
    pub admin_role_id: Option<u64>,
    pub global_commands: bool,
}

/// When the scheduled posts go out, in the city's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    /// The monthly digest of the month before: day of month and time.
    pub digest_day: u32,
    pub digest_time: chrono::NaiveTime,
    /// The annual summary of the fiscal year that ended: month, day and time.
    pub annual_month: u32,
    pub annual_day: u32,
    pub annual_time: chrono::NaiveTime,
    /// The reminder of what is missing in a month: day of that month and time.
    pub remind_day: u32,
    pub remind_time: chrono::NaiveTime,
    /// A district with no record of the area type (`Catalogue::area_type`) for this many months
    /// is listed in the reminder.
    pub stale_months: u32,
}

impl Schedule {
    /// The most months `stale_months` may say (ten years).
    pub const MAX_STALE_MONTHS: u32 = 120;
}

impl Default for Schedule {
    fn default() -> Self {
        let nine = chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default();
        Schedule {
            digest_day: 1,
            digest_time: nine,
            annual_month: 4,
            annual_day: 10,
            annual_time: nine,
            remind_day: 25,
            remind_time: nine,
            stale_months: 6,
        }
    }
}

/// The daily backup (`[backup]`): where, when (the city's time zone) and how many are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupPlan {
    /// The folder, relative to the database's folder unless absolute.
    pub folder: PathBuf,
    pub time: chrono::NaiveTime,
    /// How many daily backups (`kyodo-YYYYMMDD.sqlite3`) are kept; older ones are deleted.
    pub keep: u32,
}

impl BackupPlan {
    /// The folder when `[backup]` names none, or has no `[backup]` at all (the snapshots
    /// written before an upgrade go there too).
    pub const DEFAULT_FOLDER: &'static str = "backup";
    /// The most daily backups `keep` may ask for (ten years).
    pub const MAX_KEEP: u32 = 3650;
}

impl Default for BackupPlan {
    fn default() -> Self {
        BackupPlan {
            folder: PathBuf::from(Self::DEFAULT_FOLDER),
            time: chrono::NaiveTime::from_hms_opt(3, 0, 0).unwrap_or_default(),
            keep: 14,
        }
    }
}

/// The backup folder of the database at `db`: `plan`'s folder (or `backup`) in the database's
/// folder, or `plan`'s folder itself if it is absolute.
pub fn backup_folder(plan: Option<&BackupPlan>, db: &Path) -> PathBuf {
    let folder = plan.map_or(Path::new(BackupPlan::DEFAULT_FOLDER), |p| p.folder.as_path());
    match db.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(folder),
        _ => folder.to_path_buf(),
    }
}

/// Where the dashboard is served and reached (`[web]`; all optional): `addr`, the address
/// `kyodo web` binds (and `kyodo run` serves the dashboard beside the bot when it is set),
/// `public_url`, the address people open (a reverse proxy's, for the sign-in links), and
/// `trusted_proxy`, whether a proxy in front says `X-Forwarded-Proto` / `X-Forwarded-For`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebPlace {
    pub addr: Option<std::net::SocketAddr>,
    pub public_url: Option<String>,
    pub trusted_proxy: bool,
}

/// Everything the bot knows about one city's report.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub city: String,
    pub time_zone: Tz,
    pub fiscal_year_start: FiscalYearStart,
    /// The baseline data file, relative to the configuration file.
    pub baseline: Option<String>,
    pub report_title: String,
    /// The annual report's tables, each a list of indicator numbers side by side.
    pub report_tables: Vec<Vec<u8>>,
    pub initiatives: Vec<Initiative>,
    pub indicators: Vec<Indicator>,
    pub areas: Vec<Area>,
    /// Every record type, described once, in the order of `/report`'s subcommands.
    pub record_types: Vec<RecordTypeSpec>,
    /// The parameters of the subsidy rule (`Rule::Subsidy`), from the description of the type
    /// that keeps it.
    pub subsidy: Subsidy,
    pub discord: DiscordIds,
    pub schedule: Schedule,
    /// The daily backup; `None` without a `[backup]` table (no scheduled backups).
    pub backup: Option<BackupPlan>,
    /// The grade thresholds of the pace against a target (`[grades]`; S 100, A 80, B 60).
    pub grades: Grades,
    /// The dashboard's address (`[web]`).
    pub web: WebPlace,
}

impl Catalogue {
    pub fn initiative(&self, number: u8) -> Option<&Initiative> {
        self.initiatives.iter().find(|i| i.number == number)
    }

    pub fn indicator(&self, number: u8) -> Option<&Indicator> {
        self.indicators.iter().find(|i| i.number == number)
    }

    /// The description of `record_type`.
    pub fn record_type(&self, record_type: RecordType) -> Option<&RecordTypeSpec> {
        self.record_types.iter().find(|t| t.record_type == record_type)
    }

    /// The description of the record type whose key (subcommand) is `key`.
    pub fn record_type_keyed(&self, key: &str) -> Option<&RecordTypeSpec> {
        self.record_types.iter().find(|t| t.key() == key)
    }

    /// `spec`'s `/help` example, its place written with the first area and its first district:
    /// the options after `/report <key>`, then ` — ` and what it is for.
    pub fn example(&self, spec: &RecordTypeSpec) -> String {
        let area = self.areas.first();
        let district = area.and_then(|a| a.districts.first());
        spec.help
            .replace("{area}", area.map_or("", |a| a.name.as_str()))
            .replace("{district}", district.map_or("", String::as_str))
    }

    /// `spec`'s sample: the `/report` line of its example, which every test of the type can use.
    pub fn sample_line(&self, spec: &RecordTypeSpec) -> String {
        let example = self.example(spec);
        let options = example.split(" — ").next().unwrap_or_default().trim().to_string();
        format!("/report {} {options}", spec.key())
    }

    /// The record type whose figures break down by area (the liaison meetings), if any: the
    /// one the summaries ask "which areas have none yet?" of.
    pub fn area_type(&self) -> Option<&RecordTypeSpec> {
        self.record_types
            .iter()
            .find(|t| t.by.and_then(|c| t.field(c)).is_some_and(|f| f.kind == FieldKind::Area))
    }

    pub fn area(&self, name: &str) -> Option<&Area> {
        self.areas.iter().find(|a| a.name == name)
    }

    pub fn course(&self, name: &str) -> Option<&Course> {
        self.subsidy.courses.iter().find(|c| c.name == name)
    }

    /// The catalogue's spelling of the district typed as `typed`, compared by `text::name_key`
    /// (a name typed with a space of either width is the catalogue's; areas are choices, held to the spec as typed): one of `area`'s if it has one, else the first of another area's (so that the refusal can
    /// say where it is).
    pub fn district_spelled(&self, area: &str, typed: &str) -> Option<&str> {
        let key = text::name_key(typed);
        let areas = self.areas.iter();
        let (own, others): (Vec<&Area>, Vec<&Area>) = areas.partition(|a| a.name == area);
        own.into_iter()
            .chain(others)
            .flat_map(|a| a.districts.iter())
            .find(|d| text::name_key(d) == key)
            .map(String::as_str)
    }

    /// The values `spec`'s figures break down by, in order: the areas, or its `by` field's
    /// choices; one empty value for a type without `by`.
    pub fn by_values(&self, spec: &RecordTypeSpec) -> Vec<String> {
        let Some(field) = spec.by.and_then(|c| spec.field(c)) else {
            return vec![String::new()];
        };
        match field.kind {
            FieldKind::Area => self.areas.iter().map(|a| a.name.clone()).collect(),
            _ => field.choice_names(),
        }
    }

    /// Whether a record of `spec` whose `detail` value is `detail` counts toward its indicator
    /// (a cancelled activity does not): where the detail is a choice, as the choice says; a
    /// value that is not a choice (a district, none) counts.
    pub fn counts(&self, spec: &RecordTypeSpec, detail: &str) -> bool {
        match spec.detail.and_then(|c| spec.field(c)) {
            Some(field) if field.kind == FieldKind::Choice => field.choice(detail).is_none_or(|c| c.counts),
            _ => true,
        }
    }

    /// The indicator a record of `spec` whose `by` value is `value` feeds, where the type's
    /// choices say (a publicity kind's); `None` where they do not.
    pub fn routed(&self, spec: &RecordTypeSpec, value: &str) -> Option<u8> {
        spec.by
            .and_then(|c| spec.field(c))
            .and_then(|f| f.choice(value))
            .and_then(|c| c.indicator)
    }

    /// Reads and checks the TOML text of a catalogue.
    pub fn parse(text: &str) -> Result<Catalogue, Vec<Problem>> {
        let lines = Lines(text);
        let raw: RawCatalogue = toml::from_str(text).map_err(|e| vec![lines.toml_error(&e)])?;
        let mut check = Checker {
            lines: &lines,
            problems: Vec::new(),
        };
        let catalogue = check.catalogue(raw);
        if check.problems.is_empty() {
            Ok(catalogue)
        } else {
            Err(check.problems)
        }
    }
}

// ---- the file as written ------------------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogue {
    city: RawCity,
    report: RawReport,
    initiatives: Vec<RawInitiative>,
    indicators: Vec<RawIndicator>,
    areas: Vec<RawArea>,
    record_types: Vec<record_types::RawRecordType>,
    #[serde(default)]
    discord: Option<RawDiscord>,
    #[serde(default)]
    schedule: Option<RawSchedule>,
    #[serde(default)]
    backup: Option<RawBackup>,
    #[serde(default)]
    grades: Option<Spanned<Grades>>,
    #[serde(default)]
    web: Option<RawWeb>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWeb {
    addr: Option<Spanned<String>>,
    public_url: Option<Spanned<String>>,
    #[serde(default)]
    trusted_proxy: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBackup {
    folder: Option<Spanned<String>>,
    time: Option<Spanned<String>>,
    keep: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSchedule {
    digest_day: Option<Spanned<i64>>,
    digest_time: Option<Spanned<String>>,
    annual_month: Option<Spanned<i64>>,
    annual_day: Option<Spanned<i64>>,
    annual_time: Option<Spanned<String>>,
    remind_day: Option<Spanned<i64>>,
    remind_time: Option<Spanned<String>>,
    stale_months: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDiscord {
    guild_id: Option<Spanned<toml::Value>>,
    report_channel_id: Option<Spanned<toml::Value>>,
    staff_role_id: Option<Spanned<toml::Value>>,
    admin_role_id: Option<Spanned<toml::Value>>,
    #[serde(default)]
    global_commands: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCity {
    name: Spanned<String>,
    time_zone: Spanned<String>,
    fiscal_year_start: Spanned<String>,
    baseline: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReport {
    title: Spanned<String>,
    tables: Spanned<Vec<Spanned<Vec<Spanned<i64>>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInitiative {
    number: Spanned<i64>,
    name: Spanned<String>,
    #[serde(default)]
    aim: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    number: Spanned<i64>,
    initiative: Spanned<i64>,
    name: Spanned<String>,
    records: Spanned<Vec<Spanned<String>>>,
    columns: Spanned<Vec<String>>,
    unit: Spanned<String>,
    #[serde(default)]
    targets: Option<Spanned<BTreeMap<String, Spanned<i64>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArea {
    name: Spanned<String>,
    districts: Spanned<Vec<Spanned<String>>>,
    liaison: Option<Spanned<toml::Value>>,
}

// ---- checking -----------------------------------------------------------------------------

/// Names met so far in one list, by `text::lookalike_key`, with the name as written.
type Seen = HashMap<String, String>;

/// The problem of two names a reader cannot tell apart, their invisible characters spelled out.
fn lookalike(what: &str, name: &str, other_what: &str, other: &str) -> String {
    format!(
        "{what}「{}」は{other_what}「{}」と見分けがつきません（違いは見えない文字か全角・半角だけです）。同じものなら1つにし、別のものなら違う名前にしてください",
        text::visible(name),
        text::visible(other)
    )
}

struct Checker<'a> {
    lines: &'a Lines<'a>,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn fail<T>(&mut self, at: &Spanned<T>, message: impl Into<String>) {
        self.problems.push(self.lines.problem(at, message));
    }

    /// A non-empty name, trimmed, through the normaliser (NFC, no control character): the same
    /// text a user's NFC input is compared with.
    fn name(&mut self, value: &Spanned<String>, what: &str) -> String {
        let name = self.text(value.get_ref().trim(), value, what);
        if name.is_empty() {
            self.fail(value, format!("{what}の名前が空です"));
        }
        name
    }

    /// A text of the file through the normaliser; a control character is reported at `at`'s line.
    fn text<T>(&mut self, raw: &str, at: &Spanned<T>, what: &str) -> String {
        match text::clean(what, raw, Rules::default()) {
            Ok(clean) => clean,
            Err(e) => {
                self.fail(at, format!("{what}「{}」: {}", text::visible(raw), e.message));
                raw.to_string()
            }
        }
    }

    /// Refuses `name` if `seen` has it, or a name that looks the same (it differs only by
    /// invisible or width-variant characters: `text::lookalike_key`); then remembers it.
    fn distinct<T>(&mut self, seen: &mut Seen, at: &Spanned<T>, name: &str, what: &str) {
        if name.is_empty() {
            return;
        }
        match seen.get(&text::lookalike_key(name)) {
            Some(other) if other == name => self.fail(at, format!("{what}「{name}」が2回書かれています")),
            Some(other) => {
                let message = lookalike(what, name, what, other);
                self.fail(at, message);
            }
            None => {
                seen.insert(text::lookalike_key(name), name.to_string());
            }
        }
    }

    /// A list of distinct, non-empty names.
    fn names(&mut self, list: &Spanned<Vec<Spanned<String>>>, what: &str) -> Vec<String> {
        if list.get_ref().is_empty() {
            self.fail(list, format!("{what}が1つもありません"));
        }
        let mut seen = Seen::new();
        let mut names = Vec::new();
        for item in list.get_ref() {
            let name = self.name(item, what);
            self.distinct(&mut seen, item, &name, what);
            names.push(name);
        }
        names
    }

    fn small_number(&mut self, value: &Spanned<i64>, what: &str) -> u8 {
        match u8::try_from(*value.get_ref()) {
            Ok(n) if n >= 1 => n,
            _ => {
                self.fail(
                    value,
                    format!("{what}は1以上の整数で書いてください（{}）", value.get_ref()),
                );
                0
            }
        }
    }

    fn catalogue(&mut self, raw: RawCatalogue) -> Catalogue {
        let city = self.name(&raw.city.name, "市");
        let time_zone = match raw.city.time_zone.get_ref().parse::<Tz>() {
            Ok(tz) => tz,
            Err(_) => {
                self.fail(
                    &raw.city.time_zone,
                    format!(
                        "time_zone「{}」は使えません。市の日付は Asia/Tokyo で数えます（time_zone = \"Asia/Tokyo\" と書いてください）",
                        raw.city.time_zone.get_ref()
                    ),
                );
                Tz::Asia__Tokyo
            }
        };
        let fiscal_year_start = self.fiscal_year_start(&raw.city.fiscal_year_start);
        let initiatives = self.initiatives(&raw.initiatives);
        let record_types = self.record_types(&raw.record_types);
        let indicators = self.indicators(&raw.indicators, &initiatives, &record_types);
        let report_tables = self.tables(&raw.report.tables, &indicators, &record_types);
        Catalogue {
            city,
            time_zone,
            fiscal_year_start,
            baseline: raw.city.baseline,
            report_title: self.name(&raw.report.title, "報告書の題名"),
            report_tables,
            initiatives,
            indicators,
            areas: self.areas(&raw.areas),
            subsidy: subsidy_of(&record_types),
            record_types,
            discord: raw.discord.map(|d| self.discord(&d)).unwrap_or_default(),
            schedule: raw.schedule.map(|r| self.schedule(&r)).unwrap_or_default(),
            backup: raw.backup.map(|r| self.backup(&r)),
            grades: raw.grades.map(|g| self.grades(&g)).unwrap_or_default(),
            web: raw.web.map(|w| self.web(&w)).unwrap_or_default(),
        }
    }

    /// `addr` an IP address and port; `public_url` an `http://` or `https://` address.
    fn web(&mut self, raw: &RawWeb) -> WebPlace {
        let addr = raw
            .addr
            .as_ref()
            .and_then(|value| match value.get_ref().trim().parse() {
                Ok(addr) => Some(addr),
                Err(_) => {
                    self.fail(
                        value,
                        "[web] addr は \"127.0.0.1:8080\" のように IP アドレスとポートで書いてください",
                    );
                    None
                }
            });
        let public_url = raw.public_url.as_ref().and_then(|value| {
            let url = value.get_ref().trim().trim_end_matches('/');
            if url.starts_with("http://") || url.starts_with("https://") {
                Some(url.to_string())
            } else {
                self.fail(
                    value,
                    "[web] public_url は \"https://kyodo.example.lg.jp\" のように http:// か https:// で始めてください",
                );
                None
            }
        });
        WebPlace {
            addr,
            public_url,
            trusted_proxy: raw.trusted_proxy,
        }
    }

    /// `S ≥ A ≥ B`, each a percentage from 1 to 1000.
    fn grades(&mut self, raw: &Spanned<Grades>) -> Grades {
        let g = *raw.get_ref();
        let ok = |n: u32| (1..=1000).contains(&n);
        if !(ok(g.s) && ok(g.a) && ok(g.b) && g.s >= g.a && g.a >= g.b) {
            self.fail(
                raw,
                format!(
                    "[grades] は S ≥ A ≥ B の 1〜1000 の整数（目標に対する見込みの%）で書いてください（S = {}, A = {}, B = {}）",
                    g.s, g.a, g.b
                ),
            );
            return Grades::default();
        }
        g
    }

    fn backup(&mut self, raw: &RawBackup) -> BackupPlan {
        let default = BackupPlan::default();
        let folder = match &raw.folder {
            None => default.folder,
            Some(value) if value.get_ref().trim().is_empty() => {
                self.fail(
                    value,
                    "[backup] folder が空です。バックアップを置くフォルダを書いてください（例: \"backup\"。データベースのフォルダからの相対パス）",
                );
                default.folder
            }
            Some(value) => PathBuf::from(value.get_ref().trim()),
        };
        let time = match &raw.time {
            None => default.time,
            Some(value) => match chrono::NaiveTime::parse_from_str(value.get_ref().trim(), "%H:%M") {
                Ok(t) => t,
                Err(_) => {
                    self.fail(value, "[backup] time は \"03:00\" のように時:分で書いてください");
                    default.time
                }
            },
        };
        let keep = match &raw.keep {
            None => default.keep,
            Some(value) => match u32::try_from(*value.get_ref())
                .ok()
                .filter(|n| (1..=BackupPlan::MAX_KEEP).contains(n))
            {
                Some(n) => n,
                None => {
                    self.fail(
                        value,
                        format!(
                            "[backup] keep（残すバックアップの数）は 1〜{} の整数で書いてください（{}）",
                            BackupPlan::MAX_KEEP,
                            value.get_ref()
                        ),
                    );
                    default.keep
                }
            },
        };
        BackupPlan { folder, time, keep }
    }

    fn schedule(&mut self, raw: &RawSchedule) -> Schedule {
        let default = Schedule::default();
        let mut number =
            |value: Option<&Spanned<i64>>, key: &str, range: std::ops::RangeInclusive<u32>, fallback: u32| {
                let Some(value) = value else { return fallback };
                match u32::try_from(*value.get_ref()).ok().filter(|n| range.contains(n)) {
                    Some(n) => n,
                    None => {
                        self.problems.push(self.lines.problem(
                            value,
                            format!(
                                "[schedule] {key} は {}〜{} の整数で書いてください",
                                range.start(),
                                range.end()
                            ),
                        ));
                        fallback
                    }
                }
            };
        // Day 29–31 do not exist in every month: the schedule allows 1–28.
        let digest_day = number(raw.digest_day.as_ref(), "digest_day", 1..=28, default.digest_day);
        let annual_month = number(raw.annual_month.as_ref(), "annual_month", 4..=12, default.annual_month);
        let annual_day = number(raw.annual_day.as_ref(), "annual_day", 1..=28, default.annual_day);
        let remind_day = number(raw.remind_day.as_ref(), "remind_day", 1..=28, default.remind_day);
        let stale_months = number(
            raw.stale_months.as_ref(),
            "stale_months",
            1..=Schedule::MAX_STALE_MONTHS,
            default.stale_months,
        );
        let mut time = |value: Option<&Spanned<String>>, key: &str, fallback| {
            let Some(value) = value else { return fallback };
            match chrono::NaiveTime::parse_from_str(value.get_ref().trim(), "%H:%M") {
                Ok(t) => t,
                Err(_) => {
                    self.problems.push(self.lines.problem(
                        value,
                        format!("[schedule] {key} は \"09:00\" のように時:分で書いてください"),
                    ));
                    fallback
                }
            }
        };
        Schedule {
            digest_day,
            digest_time: time(raw.digest_time.as_ref(), "digest_time", default.digest_time),
            annual_month,
            annual_day,
            annual_time: time(raw.annual_time.as_ref(), "annual_time", default.annual_time),
            remind_day,
            remind_time: time(raw.remind_time.as_ref(), "remind_time", default.remind_time),
            stale_months,
        }
    }

    /// A Discord id: a snowflake, written as a string (TOML integers cannot hold every id);
    /// `what` names the key in the refusal (`[discord] guild_id`).
    fn snowflake(&mut self, value: Option<&Spanned<toml::Value>>, what: &str) -> Option<u64> {
        let value = value?;
        match value
            .get_ref()
            .as_str()
            .map(str::trim)
            .and_then(|s| s.parse::<u64>().ok())
        {
            Some(id) if id > 0 => Some(id),
            _ => {
                self.fail(
                    value,
                    format!("{what} は Discord の ID を \"123456789012345678\" のように文字列で書いてください"),
                );
                None
            }
        }
    }

    fn discord(&mut self, raw: &RawDiscord) -> DiscordIds {
        DiscordIds {
            guild_id: self.snowflake(raw.guild_id.as_ref(), "[discord] guild_id"),
            report_channel_id: self.snowflake(raw.report_channel_id.as_ref(), "[discord] report_channel_id"),
            staff_role_id: self.snowflake(raw.staff_role_id.as_ref(), "[discord] staff_role_id"),
            admin_role_id: self.snowflake(raw.admin_role_id.as_ref(), "[discord] admin_role_id"),
            global_commands: raw.global_commands,
        }
    }

    fn fiscal_year_start(&mut self, value: &Spanned<String>) -> FiscalYearStart {
        let parsed = value
            .get_ref()
            .split_once('-')
            .and_then(|(m, d)| Some((m.parse().ok()?, d.parse().ok()?)))
            .and_then(|(m, d)| FiscalYearStart::new(m, d));
        parsed.unwrap_or_else(|| {
            self.fail(
                value,
                format!(
                    "fiscal_year_start「{}」は「月-日」で、毎年ある日を書いてください（例: 04-01）",
                    value.get_ref()
                ),
            );
            FiscalYearStart::APRIL_FIRST
        })
    }

    fn initiatives(&mut self, raw: &[RawInitiative]) -> Vec<Initiative> {
        let mut seen = HashSet::new();
        raw.iter()
            .map(|r| {
                let number = self.small_number(&r.number, "取り組みの番号");
                if number > 0 && !seen.insert(number) {
                    self.fail(&r.number, format!("取り組み{number}が2回書かれています"));
                }
                Initiative {
                    number,
                    name: self.name(&r.name, "取り組み"),
                    aim: self.text(r.aim.trim(), &r.name, "取り組みの aim"),
                }
            })
            .collect()
    }

    fn indicators(
        &mut self,
        raw: &[RawIndicator],
        initiatives: &[Initiative],
        types: &[RecordTypeSpec],
    ) -> Vec<Indicator> {
        let mut seen = HashSet::new();
        let mut fed = HashMap::new();
        let indicators: Vec<Indicator> = raw
            .iter()
            .map(|r| {
                let number = self.small_number(&r.number, "指標の番号");
                if number > 0 && !seen.insert(number) {
                    self.fail(&r.number, format!("指標{}が2回書かれています", circled(number)));
                }
                let initiative = self.small_number(&r.initiative, "指標の取り組み番号");
                if initiative > 0 && !initiatives.iter().any(|i| i.number == initiative) {
                    self.fail(
                        &r.initiative,
                        format!("指標{}の取り組み{initiative}がありません", circled(number)),
                    );
                }
                let mut records = Vec::new();
                for key in r.records.get_ref() {
                    match types.iter().find(|t| t.key() == key.get_ref().trim()) {
                        Some(spec) => {
                            let t = spec.record_type;
                            // A type whose choices say which indicator they feed may feed several.
                            if !routed(types, t) && fed.insert(t, number).is_some() {
                                self.fail(key, format!("「{t}」の記録は1つの指標にしか入れられません"));
                            }
                            records.push(t);
                        }
                        None => self.fail(
                            key,
                            format!(
                                "記録の種類「{}」はありません（使えるもの: {}）",
                                key.get_ref(),
                                types.iter().map(|t| t.key()).collect::<Vec<_>>().join(", ")
                            ),
                        ),
                    }
                }
                if records.is_empty() {
                    self.fail(&r.records, format!("指標{}に records がありません", circled(number)));
                }
                if r.columns.get_ref().is_empty() {
                    self.fail(
                        &r.columns,
                        format!("指標{}に報告書の列（columns）がありません", circled(number)),
                    );
                }
                let targets = self.targets(r.targets.as_ref(), &records, number);
                Indicator {
                    number,
                    initiative,
                    name: self.name(&r.name, "指標"),
                    records,
                    columns: r
                        .columns
                        .get_ref()
                        .iter()
                        .map(|c| self.text(c, &r.columns, "指標の列（columns）"))
                        .collect(),
                    unit: self.name(&r.unit, "指標の単位"),
                    targets,
                }
            })
            .collect();
        for spec in types {
            for field in &spec.fields {
                for choice in &field.choices {
                    let Some(number) = choice.indicator else { continue };
                    let feeds = indicators
                        .iter()
                        .any(|i| i.number == number && i.records.contains(&spec.record_type));
                    if !feeds {
                        self.problems.push(Problem {
                            line: None,
                            message: format!(
                                "{}「{}」の指標{}に records = [\"{}\"] の指標がありません",
                                field.called,
                                choice.name,
                                circled(number),
                                spec.key()
                            ),
                        });
                    }
                }
            }
        }
        indicators
    }

    fn targets(
        &mut self,
        raw: Option<&Spanned<BTreeMap<String, Spanned<i64>>>>,
        records: &[RecordType],
        number: u8,
    ) -> BTreeMap<RecordType, u64> {
        let mut targets = BTreeMap::new();
        for (key, value) in raw.map(Spanned::get_ref).into_iter().flatten() {
            let Some(t) = records.iter().copied().find(|t| t.key() == key) else {
                self.fail(
                    value,
                    format!(
                        "指標{}の目標「{key}」は、この指標の records にありません",
                        circled(number)
                    ),
                );
                continue;
            };
            match u64::try_from(*value.get_ref()) {
                Ok(n) if n > 0 => {
                    targets.insert(t, n);
                }
                _ => self.fail(
                    value,
                    format!("指標{}の目標は正の整数で書いてください", circled(number)),
                ),
            }
        }
        targets
    }

    fn tables(
        &mut self,
        raw: &Spanned<Vec<Spanned<Vec<Spanned<i64>>>>>,
        indicators: &[Indicator],
        types: &[RecordTypeSpec],
    ) -> Vec<Vec<u8>> {
        let mut placed = HashSet::new();
        let mut tables = Vec::new();
        for table in raw.get_ref() {
            let mut numbers = Vec::new();
            for n in table.get_ref() {
                let number = self.small_number(n, "表の指標番号");
                match indicators.iter().find(|i| i.number == number) {
                    None if number > 0 => self.fail(n, format!("表の指標{}がありません", circled(number))),
                    None => {}
                    Some(_) if !placed.insert(number) => {
                        self.fail(n, format!("指標{}が2つの表に入っています", circled(number)))
                    }
                    Some(_) => numbers.push(number),
                }
            }
            let members: Vec<&Indicator> = numbers
                .iter()
                .filter_map(|n| indicators.iter().find(|i| i.number == *n))
                .collect();
            let headers: usize = members.iter().map(|i| i.columns.len()).sum();
            let cells = table_cells(types, &members);
            if headers != cells {
                self.fail(
                    table,
                    format!(
                        "この表は見出し（columns）が{headers}列、中身が{cells}列です。columns の数を合わせてください"
                    ),
                );
            }
            tables.push(numbers);
        }
        for indicator in indicators {
            if indicator.number > 0 && !placed.contains(&indicator.number) {
                self.fail(
                    raw,
                    format!(
                        "指標{}が report.tables のどの表にもありません",
                        circled(indicator.number)
                    ),
                );
            }
        }
        tables
    }

    fn areas(&mut self, raw: &[RawArea]) -> Vec<Area> {
        let mut area_names = Seen::new();
        // Every district met so far, by what it looks like: (district as written, its area).
        let mut district_areas: HashMap<String, (String, String)> = HashMap::new();
        let mut areas = Vec::new();
        for r in raw {
            let name = self.name(&r.name, "地区");
            self.distinct(&mut area_names, &r.name, &name, "地区");
            let districts = self.names(&r.districts, "区");
            for (district, at) in districts.iter().zip(r.districts.get_ref()) {
                let key = text::lookalike_key(district);
                match district_areas.get(&key) {
                    Some((_, other_area)) if *other_area == name => {}
                    Some((other, other_area)) if other == district => {
                        let message = format!("区「{district}」が{other_area}地区と{name}地区の両方にあります");
                        self.fail(at, message);
                    }
                    Some((other, other_area)) => {
                        let message = lookalike("区", district, &format!("{other_area}地区の区"), other);
                        self.fail(at, message);
                    }
                    None => {
                        district_areas.insert(key, (district.clone(), name.clone()));
                    }
                }
            }
            let liaison = self.snowflake(r.liaison.as_ref(), &format!("{name}地区の liaison（担当職員）"));
            areas.push(Area {
                name,
                districts,
                liaison,
            });
        }
        if areas.is_empty() {
            self.problems.push(Problem {
                line: None,
                message: "地区（[[areas]]）が1つもありません".into(),
            });
        }
        areas
    }
}

/// The subsidy's courses and states: the `course` and `status` choices of the type that keeps
/// `Rule::Subsidy`.
fn subsidy_of(types: &[RecordTypeSpec]) -> Subsidy {
    let spec = types.iter().find(|t| t.rule == Some(Rule::Subsidy));
    let courses = spec
        .and_then(|t| t.field(Column::Course))
        .map(|f| {
            f.choices
                .iter()
                .map(|c| Course {
                    name: c.name.clone(),
                    cap: c.cap.unwrap_or(0),
                })
                .collect()
        })
        .unwrap_or_default();
    let state = |stage: Stage| {
        spec.and_then(|t| t.field(Column::Status))
            .and_then(|f| f.choices.iter().find(|c| c.stage == Some(stage)))
            .map(|c| c.name.clone())
            .unwrap_or_default()
    };
    Subsidy {
        record_type: spec.map_or(RecordType::of(""), |t| t.record_type),
        label: spec.map_or_else(String::new, |t| t.label.clone()),
        course_name: spec
            .and_then(|t| t.field(Column::Course))
            .map_or_else(String::new, |f| f.name.clone()),
        courses,
        applied: state(Stage::Applied),
        granted: state(Stage::Granted),
        rejected: state(Stage::Rejected),
        declined: state(Stage::Declined),
        reported: state(Stage::Reported),
    }
}

/// Whether `record_type`'s choices say which indicator each record feeds (publicity's kinds).
fn routed(types: &[RecordTypeSpec], record_type: RecordType) -> bool {
    types
        .iter()
        .filter(|t| t.record_type == record_type)
        .flat_map(|t| &t.fields)
        .flat_map(|f| &f.choices)
        .any(|c| c.indicator.is_some())
}

/// How many cells the record types of these indicators fill in one row of a report table, by
/// their layout: a `values` type spreads its values over as many cells as its indicator has
/// columns; a `list` (its values and their counts, however many indicators they feed) and the
/// subsidy's (amounts, counts) fill two; every other one.
pub fn table_cells(types: &[RecordTypeSpec], members: &[&Indicator]) -> usize {
    let mut seen = HashSet::new();
    members
        .iter()
        .map(|indicator| {
            indicator
                .records
                .iter()
                .filter(|t| seen.insert(**t))
                .map(|t| match types.iter().find(|s| s.record_type == *t).map(|s| s.layout) {
                    Some(Layout::Values) => indicator.columns.len(),
                    Some(Layout::Subsidy | Layout::List) => 2,
                    _ => 1,
                })
                .sum::<usize>()
        })
        .sum()
}

#[cfg(test)]
mod tests;
